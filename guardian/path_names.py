"""The calls that take a name of the file system, and which arguments hold it.

Each copies its name with getname() / getname_flags() (user_path_at(), getname_uflags()
and getname_maybe_null() end there too) -> strncpy_from_user() of at most PATH_MAX bytes.
AT_EMPTY_PATH (LOOKUP_EMPTY) only lets an empty name through: a name whose first byte is
not NUL is copied all the same.  A NULL name is judged by guardian/unread_names.py (some
calls take it as the descriptor).  The mount calls copy theirs with user_path_at() after
their flag and may_mount() checks (fs/namespace.c: open_tree, move_mount's two names,
fspick, mount's target -- its source is copy_mount_string(), no getname() --, umount2,
pivot_root's two names); swapon() and swapoff() with getname() (mm/swapfile.c), acct()
(kernel/acct.c) and quotactl()'s device (quotactl_block()) likewise.  mount_setattr() is
left out: it answers 0 for an empty mount_attr before it looks at its name.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS

_ARGS: dict[str, tuple[int, ...]] = {
    "openat": (1,), "openat2": (1,), "chdir": (0,), "chroot": (0,), "faccessat": (1,),
    "faccessat2": (1,), "newfstatat": (1,), "statx": (1,), "readlinkat": (1,),
    "mkdirat": (1,), "mknodat": (1,), "unlinkat": (1,), "renameat": (1, 3),
    "renameat2": (1, 3), "linkat": (1, 3), "symlinkat": (0, 2), "fchmodat": (1,),
    "fchmodat2": (1,), "fchownat": (1,), "utimensat": (1,), "truncate": (0,),
    "inotify_add_watch": (1,), "statfs": (0,), "name_to_handle_at": (1,),
    "setxattr": (0,), "lsetxattr": (0,), "getxattr": (0,), "lgetxattr": (0,),
    "listxattr": (0,), "llistxattr": (0,), "removexattr": (0,), "lremovexattr": (0,),
    "open_tree": (1,), "move_mount": (1, 3), "fspick": (1,), "mount": (1,),
    "umount2": (0,), "pivot_root": (0, 1), "swapon": (0,), "swapoff": (0,), "acct": (0,),
    "quotactl": (1,),
}
#: call number -> the arguments that hold its names
NAME_ARGS: dict[int, tuple[int, ...]] = {NUMBERS[n]: a for n, a in _ARGS.items()
                                         if n in NUMBERS}
CALLS = frozenset(NAME_ARGS)
