"""The calls and limits the objects only the program holds are followed by (sole_held.py,
sole_records.py): which calls make, reach, move or unsettle them, and how much of them is kept."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian import (
    pair_bytes,
    pipe_bytes,
    sole_files,
    sole_streams,
)
from guardian.inotify_watches import Watched
from guardian.pair_bytes import Pair
from guardian.pipe_bytes import Fifo
from guardian.sole_files import Counter, MemFile
from guardian.sole_streams import Sock

KEPT = 1 << 20                          # bytes kept per object (pipe waiting, memfd contents)
KEPT_LEAST = 1 << 16                    # ... and never less than a default pipe's capacity
BUDGET = 64 << 20                       # bytes kept for all objects (each gets its share)
MOST = 1024                             # objects followed at once (a 1025th is not followed)
MSG_CONTROL = 32                        # struct msghdr's msg_control on AArch64
_NR = NUMBERS
PIPE2, MEMFD_CREATE, EVENTFD2 = _NR["pipe2"], _NR["memfd_create"], _NR["eventfd2"]
SOCKETPAIR = _NR["socketpair"]
#: a timerfd never armed holds no tick (red-team round 89, AT-022): kept as a Counter at 0
TIMERFD_CREATE, TIMERFD_SETTIME = _NR["timerfd_create"], _NR["timerfd_settime"]
MAKERS = frozenset({PIPE2, MEMFD_CREATE, EVENTFD2, SOCKETPAIR, TIMERFD_CREATE})
#: an inotify's watches are judged while only the program holds it (inotify_watches.py)
INOTIFY_INIT1 = _NR["inotify_init1"]
MAKERS = MAKERS | {INOTIFY_INIT1}
OPENS = frozenset({_NR["openat"], _NR["openat2"]})
OPENAT2 = _NR["openat2"]
O_PATH = 0o10000000                     # arm64 O_PATH
#: linkat may name an O_TMPFILE file; symlinkat may make a name that resolves to
#: /proc/self/fd/N, so that a later open of an ordinary-looking name opens one of them anew.
LINKS = frozenset({_NR["linkat"]})
SYMLINKS = frozenset({_NR["symlinkat"]})
PROTECTS = frozenset(_NR[n] for n in ("mprotect", "pkey_mprotect") if n in _NR)
O_TMPFILE = 0o20040000                  # __O_TMPFILE | O_DIRECTORY (arm64)
MADV_REMOVE = 9
PAGE = 4096
TRUNCATE, SENDMSG, MMAP, IOCTL = _NR["truncate"], _NR["sendmsg"], _NR["mmap"], _NR["ioctl"]
MADVISE, VMSPLICE = _NR["madvise"], _NR["vmsplice"]
#: Names that may reach an object the program holds through another open file
#: (/dev/stdin, /dev/stdout and /dev/stderr are links to /proc/self/fd/0, 1, 2).
#: Calls that may move an object's bytes in ways the Guardian does not follow.
UNFOLLOWED = frozenset(_NR[n] for n in (
    "splice", "tee", "vmsplice", "sendfile", "copy_file_range", "pwritev2", "preadv2",
    "io_uring_enter", "io_uring_setup", "sendmmsg", "recvmmsg", "open_by_handle_at",
    "bpf",   # bpf: a sockmap may redirect a followed socket's bytes (sk_msg, sk_is_readable)
    "pidfd_getfd")   # installs another process's very open file (fget_task())
    if n in _NR)
#: Calls that may register an eventfd with a part of the kernel that signals it.
REGISTERING = frozenset(_NR[n] for n in ("io_submit", "io_uring_register") if n in _NR)
#: ioctl requests that hand no descriptor to the kernel: FIONREAD, FIONBIO, FIOCLEX,
#: FIONCLEX, TCGETS, TIOCGWINSZ, TIOCGPGRP.
PLAIN_IOCTLS = frozenset({0x541B, 0x5421, 0x5451, 0x5450, 0x5401, 0x5413, 0x540F})
MAP_TYPE, MAP_SHARED_KINDS = 0x03, (0x01, 0x03)    # MAP_SHARED, MAP_SHARED_VALIDATE
#: (a timerfd_settime in flight may arm a followed timerfd before a read of it returns)
UNSETTLING = UNFOLLOWED | REGISTERING | {SENDMSG, TRUNCATE, TIMERFD_SETTIME}
#: Every call `SoleHeld` acts on.
ON_OBJECT = pipe_bytes.CALLS | sole_files.CALLS | pair_bytes.CALLS
PPOLL = _NR["ppoll"]
EAGAIN, EINTR = (-11) & 0xFFFF_FFFF_FFFF_FFFF, (-4) & 0xFFFF_FFFF_FFFF_FFFF
MMSGS = frozenset({_NR["sendmmsg"], _NR["recvmmsg"]})
RECVMMSG, EFAULT = _NR["recvmmsg"], (-14) & 0xFFFF_FFFF_FFFF_FFFF
#: Calls that may give a socket a name (bind, connect; SO_PASSCRED autobinds) and the
#: calls that report one (pair_bytes.check_unnamed).
NAMING = frozenset({_NR["bind"], _NR["connect"], _NR["setsockopt"]})
NAMES = frozenset({pair_bytes.GETSOCKNAME, pair_bytes.GETPEERNAME})
CALLS = frozenset({*MAKERS, *OPENS, *LINKS, *SYMLINKS, *PROTECTS, TRUNCATE, SENDMSG,
                   MMAP, MADVISE, IOCTL, *UNFOLLOWED, *sole_streams.CALLS, PPOLL,
                   sole_streams.PSELECT6, *NAMES,
                   *REGISTERING, *pipe_bytes.CALLS, *sole_files.CALLS, *pair_bytes.CALLS,
                   TIMERFD_SETTIME, _NR["timerfd_gettime"]})

#: An object only the program holds.
Sole = Fifo | MemFile | Counter | Pair | Sock | Watched
