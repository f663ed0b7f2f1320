"""The user memory name_to_handle_at lets the kernel touch (red-team round 86's false
refusal): do_sys_name_to_handle() copy_from_user()s the struct file_handle header
(handle_bytes, handle_type: 8 bytes), answers -EINVAL where handle_bytes is past
MAX_HANDLE_SZ (nothing written), and otherwise put_user()s the mount id (an int; a u64
under AT_HANDLE_MNT_ID_UNIQUE, 6.12+) and copy_to_user()s the header and at most the
handle_bytes the program passed (struct_size(handle, f_handle, handle_bytes)).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from guardian.capabilities import NotPresent, R, ReadUser, W

#: include/linux/exportfs.h
MAX_HANDLE_SZ = 128
#: struct file_handle's header: __u32 handle_bytes; int handle_type
_HEADER = 8
#: include/uapi/linux/fcntl.h (6.12+): the mount id is a u64
AT_HANDLE_MNT_ID_UNIQUE = 0x001
#: every flag SYSCALL_DEFINE5(name_to_handle_at) takes on some 6.1..6.18 kernel:
#: AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, AT_HANDLE_FID (6.5), AT_HANDLE_MNT_ID_UNIQUE (6.12),
#: AT_HANDLE_CONNECTABLE (6.13); another is -EINVAL before any copy (AL-017)
_FLAGS = 0x400 | 0x1000 | 0x200 | AT_HANDLE_MNT_ID_UNIQUE | 0x002
#: AT_HANDLE_CONNECTABLE, and what it may not come with: AT_HANDLE_FID, AT_EMPTY_PATH --
#: 6.13+ `flag & AT_HANDLE_CONNECTABLE && flag & (AT_HANDLE_FID | AT_EMPTY_PATH)` -EINVAL
#: before any copy, and an unknown flag before 6.13: no version writes anything
_CONNECTABLE, _NOT_WITH_CONNECTABLE = 0x002, 0x200 | 0x1000


def handle_ranges(args: Sequence[int], read: ReadUser) -> list[tuple[int, int, int]]:
    """The (start, end, access) ranges name_to_handle_at(dfd, name, handle, mnt_id, flags)
    may touch beyond its name (granted apart)."""
    handle, mnt_id = args[2], args[3]
    flags = args[4] & 0xFFFF_FFFF
    if not handle or flags & ~_FLAGS or (
            flags & _CONNECTABLE and flags & _NOT_WITH_CONNECTABLE):
        return []
    raw = read(handle, _HEADER)
    if raw is None or len(raw) != _HEADER:
        raise NotPresent(handle)
    size = struct.unpack_from("<I", raw)[0]
    # (-EINVAL after the header's read alone; a mount id at address 0: put_user() faults
    # and the handle's copy_to_user() is skipped -- `||` in 6.1, `retval != -EFAULT` later)
    if size > MAX_HANDLE_SZ or not mnt_id:
        return [(handle, handle + _HEADER, R)]
    out = [(handle, handle + _HEADER, R | W)]
    if size:
        out.append((handle + _HEADER, handle + _HEADER + size, W))
    out.append((mnt_id, mnt_id + (8 if flags & AT_HANDLE_MNT_ID_UNIQUE else 4), W))
    return out
