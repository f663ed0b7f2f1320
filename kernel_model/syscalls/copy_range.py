"""copy_file_range(2): bytes copied from one regular file into another inside the kernel.

As Linux's SYSCALL_DEFINE6(copy_file_range) and vfs_copy_file_range() judge it: flags must
be 0 (EINVAL); both descriptors regular files (EISDIR for a directory, EINVAL for anything
else); the input readable and the output writable without O_APPEND (EBADF,
generic_copy_file_checks()); a position that wraps with the count EOVERFLOW, another
negative one EINVAL (rw_verify_area()); and ranges of one file that
overlap EINVAL.  The copy starts at *off_in / *off_out where the pointers are given
(both written back moved on by the bytes copied) or at the files' own positions (which
move on), and stops at the input's end: a copy from at or past it is 0.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.syscalls import s32, s64, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

#: MAX_RW_COUNT: the most one call copies.
_MAX = ls.MAX_RW_COUNT
#: MAX_LFS_FILESIZE: the largest file offset.
_MAX_OFFSET = (1 << 63) - 1
_U64 = (1 << 64) - 1


def _regular(f: object) -> int:
    """0 for a regular file, else the errno copy_file_range answers for it."""
    kind = getattr(f, "kind", "")
    if kind == "dir":
        return errno.EISDIR
    return 0 if kind == "file" and getattr(f, "fd", -1) >= 0 else errno.EINVAL


@syscall("copy_file_range")
def sys_copy_file_range(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    fds = t.process.fds
    f_in, f_out = fds.get(s32(a[0])), fds.get(s32(a[2]))
    if a[5] & 0xFFFF_FFFF:
        return -errno.EINVAL
    for f in (f_in, f_out):
        bad = _regular(f)
        if bad:
            return -bad
    if not f_in.readable or not f_out.writable or f_out.flags & ls.O_APPEND:
        return -errno.EBADF
    pos_in = s64(k.uaccess.read_u64(a[1])) if a[1] else f_in.lseek(0, os.SEEK_CUR)
    pos_out = s64(k.uaccess.read_u64(a[3])) if a[3] else f_out.lseek(0, os.SEEK_CUR)
    length = min(a[4], _MAX)
    if any((pos & _U64) + a[4] > _U64 for pos in (pos_in, pos_out)):
        return -errno.EOVERFLOW          # (pos + count wraps: generic_copy_file_checks())
    if pos_in < 0 or pos_out < 0:
        return -errno.EINVAL             # (rw_verify_area())
    # generic_write_check_limits(): no further than the largest file offset
    length = min(length, _MAX_OFFSET - pos_out)
    # generic_copy_file_checks(): the count shortened to what lies past pos_in (nothing
    # from at or past the end), then ranges of one file that overlap refused
    length = max(0, min(length, f_in.stat().st_size - pos_in))
    same = os.fstat(f_in.fd)[1:3] == os.fstat(f_out.fd)[1:3]    # (st_ino, st_dev)
    if same and pos_in < pos_out + length and pos_out < pos_in + length:
        return -errno.EINVAL
    if not length:
        return 0
    data = f_in.pread(length, pos_in)
    done = f_out.pwrite(data, pos_out) if data else 0
    if a[1]:
        k.uaccess.write_u64(a[1], pos_in + done)
    else:
        f_in.lseek(pos_in + done, os.SEEK_SET)
    if a[3]:
        k.uaccess.write_u64(a[3], pos_out + done)
    else:
        f_out.lseek(pos_out + done, os.SEEK_SET)
    return done
