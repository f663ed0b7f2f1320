"""The descriptor-table contract: which syscalls make, copy, flag or end a descriptor,
and the names a path can take (the working directory, /proc/self/fd).

The Linux (generic/AArch64) values both sides rely on; the Guardian follows the
program's descriptor table through them.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS as _NR

AT_FDCWD = -100
O_CLOEXEC = 0o2000000
O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR = 0o3, 0o0, 0o1, 0o2     # an open file's access mode
FD_CLOEXEC = 1
F_DUPFD = 0
F_SETFD = 2
F_DUPFD_CLOEXEC = 1030
FIONCLEX = 0x5450
FIOCLEX = 0x5451
FICLONE = 0x4004_9409           # _IOW(0x94, 9, int)
FICLONERANGE = 0x4020_940D      # _IOW(0x94, 13, struct file_clone_range)
CLOSE_RANGE_UNSHARE = 0x2
CLOSE_RANGE_CLOEXEC = 0x4
CLONE_FS = 0x200
CLONE_FILES = 0x400
RESOLVE_IN_ROOT = 0x10          # openat2: the path is resolved as if dirfd were "/"
INT_MAX = (1 << 31) - 1

NR_OPENAT = _NR["openat"]
NR_OPENAT2 = _NR["openat2"]
NR_DUP = _NR["dup"]
NR_DUP3 = _NR["dup3"]
NR_FCNTL = _NR["fcntl"]
NR_IOCTL = _NR["ioctl"]
NR_CLOSE = _NR["close"]
NR_CLOSE_RANGE = _NR["close_range"]
NR_CHDIR = _NR["chdir"]
NR_FCHDIR = _NR["fchdir"]
NR_GETPID = _NR["getpid"]
NR_EXECVE = _NR["execve"]
NR_UNSHARE = _NR["unshare"]
NR_PIPE2 = _NR["pipe2"]
NR_SOCKETPAIR = _NR["socketpair"]
NR_SOCKET = _NR["socket"]
NR_PIDFD_OPEN = _NR["pidfd_open"]
NR_PIDFD_GETFD = _NR["pidfd_getfd"]
NR_MEMFD_CREATE = _NR["memfd_create"]
NR_RECVMSG = _NR["recvmsg"]              # SCM_RIGHTS descriptors beside the bytes
NR_SENDMSG = _NR["sendmsg"]              # SCM_RIGHTS descriptors it passes
NR_RECVMMSG = _NR["recvmmsg"]
NR_SECCOMP = _NR["seccomp"]              # its NEW_LISTENER returns a descriptor
MFD_CLOEXEC = 1

#: Syscalls whose success result is one new descriptor (the lowest free one, or one at
#: least an argument): the kernel may not answer with a descriptor that is open.
NEW_FD_RESULT = frozenset(_NR[n] for n in (
    "openat", "openat2", "dup", "socket", "accept", "accept4", "eventfd2", "epoll_create1",
    "timerfd_create", "inotify_init1", "memfd_create", "perf_event_open", "pidfd_open",
    "pidfd_getfd", "userfaultfd", "io_uring_setup", "fanotify_init", "open_tree", "fsopen",
    "fspick", "fsmount", "mq_open", "memfd_secret", "open_by_handle_at",
    "landlock_create_ruleset") if n in _NR)
NR_SIGNALFD4 = _NR["signalfd4"]          # a new descriptor only when asked with fd -1
#: Syscalls that write a pair of new descriptors to the program's memory: (nr, arg).
NEW_FD_PAIR = {NR_PIPE2: 0, NR_SOCKETPAIR: 3}
