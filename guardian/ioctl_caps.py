"""`uaccess.ioctl_command`: the user memory an ioctl command the VFS serves itself lets the
kernel touch (red-team round 85: AJ-006).

ioctl(fd, FICLONERANGE, arg): SYSCALL_DEFINE3(ioctl) -> do_vfs_ioctl() answers the command
for every file, before any driver's unlocked_ioctl sees it, with ioctl_file_clone_range():
copy_from_user() of struct file_clone_range (src_fd, src_offset, src_length, dest_offset:
32 bytes) and nothing written back -- an _IOW command.  So the kernel may read those 32
bytes and write none; every other command keeps capabilities.py's generic grant.
"""

from __future__ import annotations

from collections.abc import Sequence

from abi.descriptors import FICLONERANGE
from guardian.capabilities import R

#: struct file_clone_range
_CLONE_RANGE_SIZE = 32


def ioctl_ranges(args: Sequence[int]) -> list[tuple[int, int, int]] | None:
    """The (start, end, access) ranges the ioctl with `args` may touch where its command
    is one the VFS serves alone; None: the generic grant."""
    if args[1] & 0xFFFF_FFFF == FICLONERANGE:
        return [(args[2], args[2] + _CLONE_RANGE_SIZE, R)] if args[2] else []
    return None
