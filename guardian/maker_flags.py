"""`return.maker_args`: a call that makes (or waits on, or watches through) a descriptor
never succeeds with an argument its own SYSCALL_DEFINE refuses before it looks anything
up or makes anything (red-team round 86), as pidfd_args.py does for pidfd_open:

* inotify_init1: do_inotify_init() `flags & ~(IN_CLOEXEC | IN_NONBLOCK)` -EINVAL;
* fanotify_init: `flags & ~FANOTIFY_INIT_FLAGS` -EINVAL (or -EPERM first without
  CAP_SYS_ADMIN); the union of every 6.1..6.18 FAN_* init flag is 0x7fff (FAN_REPORT_MNT
  0x4000 from 6.14): a bit past 0xffff is none on any version;
* fanotify_mark: do_fanotify_mark() `flags & ~FANOTIFY_MARK_FLAGS` -EINVAL before
  fdget() (every FAN_MARK_* bit of 6.1..6.18 lies below 0x800): a bit past 0xffff;
* epoll_create1: do_epoll_create() `flags & ~EPOLL_CLOEXEC` -EINVAL;
* eventfd2: do_eventfd() `flags & ~EFD_FLAGS_SET` -EINVAL;
* timerfd_create: `(flags & ~TFD_CREATE_FLAGS) ||` a clockid other than CLOCK_REALTIME,
  CLOCK_MONOTONIC, CLOCK_BOOTTIME and the two _ALARM ones -EINVAL;
* memfd_create: `flags & ~MFD_ALL_FLAGS` (MFD_HUGE_* size bits besides under MFD_HUGETLB)
  -EINVAL (MFD_NOEXEC_SEAL, MFD_EXEC from 6.3: the union, a stricter 6.1 let through), and
  a name whose strnlen_user(uname, MFD_NAME_MAX_LEN + 1) passes 250 (250 bytes with no
  NUL: -EINVAL, or -EFAULT part-way);
* socket: __sys_socket() `type & ~SOCK_TYPE_MASK & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)`
  -EINVAL before sock_create();
* accept4: __sys_accept4() `flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)` -EINVAL before fdget();
* signalfd4: do_signalfd4() `flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)` -EINVAL;
* epoll_pwait / epoll_pwait2: do_epoll_wait() `maxevents <= 0 || maxevents >
  EP_MAX_EVENTS` -EINVAL before fdget(epfd);
* inotify_add_watch: `(mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)` and `!(mask &
  ALL_INOTIFY_BITS)` -EINVAL before fdget();
* open_by_handle_at: handle_to_path() `handle_bytes > MAX_HANDLE_SZ || handle_bytes == 0`
  -EINVAL (-EPERM before it without CAP_DAC_READ_SEARCH), handle_bytes read where the
  program left it quiet through the call.

Red-team round 87, flag and struct tests before any look-up (-EPERM from may_mount() or
userfaultfd_syscall_allowed() may come first: an error either way, and only a success is
judged):

* userfaultfd: new_userfaultfd() `flags & ~(UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY)`;
* fspick: past FSPICK_CLOEXEC | _SYMLINK_NOFOLLOW | _NO_AUTOMOUNT | _EMPTY_PATH (0xf);
* landlock_create_ruleset: past LANDLOCK_CREATE_RULESET_VERSION | _ERRATA (0x3, 6.15);
* fsopen: past FSOPEN_CLOEXEC; fsmount: past FSMOUNT_CLOEXEC, or attr_flags past the
  MOUNT_ATTR_* union (0x3000ff with IDMAP and NOSYMFOLLOW) before fdget(fs_fd);
* open_tree: past AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC (bit 0x2 left to a newer OPEN_TREE_* flag), and
  AT_RECURSIVE with neither bit 0x1 nor 0x2 (`!(flags & OPEN_TREE_CLONE)`) -EINVAL;
* move_mount: past MOVE_MOUNT__MASK (0x3f7 on 6.18; every bit below 0x400 let through);
* mount_setattr: flags past AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
  AT_NO_AUTOMOUNT, usize < MOUNT_ATTR_SIZE_VER0 (32) -EINVAL or past 64 KiB (the largest
  arm64 PAGE_SIZE: -E2BIG);
* pidfd_send_signal: past PIDFD_SIGNAL_THREAD | _THREAD_GROUP | _PROCESS_GROUP (6.9;
  `if (flags)` before) before fdget();
* timerfd_settime: do_timerfd_settime() `flags & ~TFD_SETTIME_FLAGS` before timerfd_fget().

Red-team round 88:

* memfd_secret: `flags & ~(SECRETMEM_FLAGS_MASK | O_CLOEXEC)` -EINVAL (SECRETMEM_FLAGS_MASK
  is 0; -ENOSYS first where secretmem is off: an error either way, only a success judged);
* epoll_ctl: do_epoll_ctl()'s op switch `default: error = -EINVAL;` (an op past
  EPOLL_CTL_ADD, _DEL, _MOD: every error before it is an error too), and, the event
  copied at the entry (read where the program left it quiet through the call),
  EPOLLEXCLUSIVE with EPOLL_CTL_MOD, or with EPOLL_CTL_ADD and a bit past
  EPOLLEXCLUSIVE_OK_BITS, -EINVAL.

Each flag is an int / unsigned int: the low 32 bits of its register.  Every rule holds on
every 6.1..6.18 kernel (a flag one version knows is no refusal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot

_N = NUMBERS
_INOTIFY_INIT1, _FANOTIFY_INIT = _N["inotify_init1"], _N["fanotify_init"]
_FANOTIFY_MARK, _EPOLL_CREATE1 = _N["fanotify_mark"], _N["epoll_create1"]
_EVENTFD2, _TIMERFD_CREATE = _N["eventfd2"], _N["timerfd_create"]
_MEMFD_CREATE, _SOCKET, _ACCEPT4 = _N["memfd_create"], _N["socket"], _N["accept4"]
_SIGNALFD4, _EPOLL_PWAIT, _EPOLL_PWAIT2 = _N["signalfd4"], _N["epoll_pwait"], _N["epoll_pwait2"]
_INOTIFY_ADD_WATCH, _OPEN_BY_HANDLE_AT = _N["inotify_add_watch"], _N["open_by_handle_at"]
_USERFAULTFD, _FSPICK, _LANDLOCK = _N["userfaultfd"], _N["fspick"], _N["landlock_create_ruleset"]
_FSOPEN, _FSMOUNT, _OPEN_TREE = _N["fsopen"], _N["fsmount"], _N["open_tree"]
_MOVE_MOUNT, _MOUNT_SETATTR = _N["move_mount"], _N["mount_setattr"]
_PIDFD_SEND_SIGNAL, _TIMERFD_SETTIME = _N["pidfd_send_signal"], _N["timerfd_settime"]
_MEMFD_SECRET, _EPOLL_CTL = _N["memfd_secret"], _N["epoll_ctl"]
#: the calls `check` judges
CALLS = frozenset((_INOTIFY_INIT1, _FANOTIFY_INIT, _FANOTIFY_MARK, _EPOLL_CREATE1,
                   _EVENTFD2, _TIMERFD_CREATE, _MEMFD_CREATE, _SOCKET, _ACCEPT4, _SIGNALFD4,
                   _EPOLL_PWAIT, _EPOLL_PWAIT2, _INOTIFY_ADD_WATCH, _OPEN_BY_HANDLE_AT,
                   _USERFAULTFD, _FSPICK, _LANDLOCK, _FSOPEN, _FSMOUNT, _OPEN_TREE,
                   _MOVE_MOUNT, _MOUNT_SETATTR, _PIDFD_SEND_SIGNAL, _TIMERFD_SETTIME,
                   _MEMFD_SECRET, _EPOLL_CTL))

#: arm64 O_CLOEXEC and O_NONBLOCK (IN_*, EPOLL_*, EFD_*, TFD_*, SFD_*, SOCK_* of both)
O_CLOEXEC, O_NONBLOCK = 0o2000000, 0o4000
_CLOEXEC_NONBLOCK = O_CLOEXEC | O_NONBLOCK
#: each call's known flags (the union over 6.1..6.18)
_KNOWN = {_INOTIFY_INIT1: _CLOEXEC_NONBLOCK, _EPOLL_CREATE1: O_CLOEXEC,
          _EVENTFD2: _CLOEXEC_NONBLOCK | 1,          # EFD_SEMAPHORE
          _ACCEPT4: _CLOEXEC_NONBLOCK, _SIGNALFD4: _CLOEXEC_NONBLOCK,
          _TIMERFD_CREATE: _CLOEXEC_NONBLOCK,
          _FANOTIFY_INIT: 0xFFFF, _FANOTIFY_MARK: 0xFFFF,
          _USERFAULTFD: _CLOEXEC_NONBLOCK | 1,       # UFFD_USER_MODE_ONLY
          _FSPICK: 0xF, _LANDLOCK: 0x3, _FSOPEN: 1, _FSMOUNT: 1,
          # AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_RECURSIVE, AT_SYMLINK_NOFOLLOW, OPEN_TREE_CLONE,
          # OPEN_TREE_CLOEXEC (O_CLOEXEC), 0x2 for a newer OPEN_TREE_* flag
          _OPEN_TREE: 0x1000 | 0x800 | 0x8000 | 0x100 | 0x1 | 0x2 | O_CLOEXEC,
          _MOVE_MOUNT: 0x3FF, _MOUNT_SETATTR: 0x1000 | 0x8000 | 0x100 | 0x800,
          _PIDFD_SEND_SIGNAL: 0x7, _TIMERFD_SETTIME: 0x3, _MEMFD_SECRET: O_CLOEXEC}
#: which argument holds each call's flags
_FLAG_ARG = {_INOTIFY_INIT1: 0, _EPOLL_CREATE1: 0, _EVENTFD2: 1, _ACCEPT4: 3,
             _SIGNALFD4: 3, _TIMERFD_CREATE: 1, _FANOTIFY_INIT: 0, _FANOTIFY_MARK: 1,
             _USERFAULTFD: 0, _FSPICK: 2, _LANDLOCK: 2, _FSOPEN: 1, _FSMOUNT: 1,
             _OPEN_TREE: 2, _MOVE_MOUNT: 4, _MOUNT_SETATTR: 2, _PIDFD_SEND_SIGNAL: 3,
             _TIMERFD_SETTIME: 1, _MEMFD_SECRET: 0}
#: MOUNT_ATTR_RDONLY | NOSUID | NODEV | NOEXEC | _ATIME | NODIRATIME | IDMAP | NOSYMFOLLOW
MOUNT_ATTRS = 0x3000FF
#: MOUNT_ATTR_SIZE_VER0; the largest arm64 PAGE_SIZE (64 KiB: past it -E2BIG on every one)
MOUNT_ATTR_SIZE_VER0, MAX_PAGE_SIZE = 32, 0x10000
AT_RECURSIVE = 0x8000
#: timerfd_create's clocks: REALTIME 0, MONOTONIC 1, BOOTTIME 7, REALTIME_ALARM 8,
#: BOOTTIME_ALARM 9
_TIMERFD_CLOCKS = frozenset((0, 1, 7, 8, 9))
#: MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC (6.3+)
MFD_ALL, MFD_HUGETLB, MFD_HUGE_BITS = 0x1F, 0x4, 0x3F << 26
#: MFD_NAME_MAX_LEN (NAME_MAX - strlen("memfd:")) + 1: strnlen_user()'s largest good answer
MFD_NAME_LIMIT = 250
#: SOCK_TYPE_MASK
SOCK_TYPE_MASK = 0xF
#: INT_MAX / sizeof(struct epoll_event) (16 bytes on arm64)
EP_MAX_EVENTS = 0x7FFF_FFFF // 16
#: ALL_INOTIFY_BITS: IN_ALL_EVENTS, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR,
#: IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_MASK_CREATE, IN_MASK_ADD, IN_ISDIR, IN_ONESHOT
ALL_INOTIFY_BITS = 0xFFF | 0xE000 | 0xF700_0000
IN_MASK_CREATE, IN_MASK_ADD = 0x1000_0000, 0x2000_0000
MAX_HANDLE_SZ = 128
#: EPOLL_CTL_ADD, _DEL, _MOD
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
#: EPOLLEXCLUSIVE; EPOLLEXCLUSIVE_OK_BITS: EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
#: EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS = 1 << 28, 0x1 | 0x4 | 0x8 | 0x10 | 1 << 29 | 1 << 31 \
    | 1 << 28


def _int(v: int) -> int:
    """The low 32 bits of a register as a C int."""
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def _why(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """Why the call's own argument test refuses it ('' where it need not)."""
    nr, a = slot.nr, slot.args
    if nr in _FLAG_ARG:
        flags = a[_FLAG_ARG[nr]] & 0xFFFF_FFFF
        if flags & ~_KNOWN[nr]:
            return f"flags {flags:#x} (a bit no 6.x kernel knows for the call: -EINVAL)"
        if nr == _TIMERFD_CREATE and _int(a[0]) not in _TIMERFD_CLOCKS:
            return f"clock {_int(a[0])} (no timerfd clock: -EINVAL)"
        if nr == _FSMOUNT and a[2] & 0xFFFF_FFFF & ~MOUNT_ATTRS:
            return f"attr_flags {a[2] & 0xFFFF_FFFF:#x} (past every MOUNT_ATTR_*: -EINVAL)"
        if nr == _OPEN_TREE and flags & AT_RECURSIVE and not flags & 0x3:
            return "AT_RECURSIVE without OPEN_TREE_CLONE (-EINVAL)"
        if nr == _MOUNT_SETATTR and not MOUNT_ATTR_SIZE_VER0 <= a[4] <= MAX_PAGE_SIZE:
            return f"usize {a[4]} (below MOUNT_ATTR_SIZE_VER0 -EINVAL, or past PAGE_SIZE " \
                "-E2BIG)"
        return ""
    if nr == _SOCKET:
        extra = a[1] & 0xFFFF_FFFF & ~SOCK_TYPE_MASK & ~_CLOEXEC_NONBLOCK
        return f"type {a[1] & 0xFFFF_FFFF:#x} (flags past SOCK_CLOEXEC | SOCK_NONBLOCK: " \
            "-EINVAL)" if extra else ""
    if nr == _MEMFD_CREATE:
        flags = a[1] & 0xFFFF_FFFF
        known = MFD_ALL | (MFD_HUGE_BITS if flags & MFD_HUGETLB else 0)
        if flags & ~known:
            return f"flags {flags:#x} (past MFD_ALL_FLAGS: -EINVAL)"
        name = read(a[0], MFD_NAME_LIMIT)
        if name is not None and len(name) == MFD_NAME_LIMIT and 0 not in name:
            return f"a name of {MFD_NAME_LIMIT} bytes or more (past MFD_NAME_MAX_LEN: -EINVAL)"
        return ""
    if nr in (_EPOLL_PWAIT, _EPOLL_PWAIT2):
        n = _int(a[2])
        return f"maxevents {n} (<= 0 or past EP_MAX_EVENTS: -EINVAL)" \
            if n <= 0 or n > EP_MAX_EVENTS else ""
    if nr == _INOTIFY_ADD_WATCH:
        mask = a[2] & 0xFFFF_FFFF
        if not mask & ALL_INOTIFY_BITS or mask & IN_MASK_ADD and mask & IN_MASK_CREATE:
            return f"mask {mask:#x} (no inotify bit, or IN_MASK_ADD with IN_MASK_CREATE: " \
                "-EINVAL)"
        return ""
    if nr == _EPOLL_CTL:
        op = _int(a[1])
        if op not in (EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD):
            return f"op {op} (do_epoll_ctl()'s switch: -EINVAL)"
        raw = read(a[3], 4) if op != EPOLL_CTL_DEL else None
        ev = int.from_bytes(raw, "little") if raw is not None and len(raw) == 4 else 0
        if ev & EPOLLEXCLUSIVE and (op == EPOLL_CTL_MOD or ev & ~EPOLLEXCLUSIVE_OK_BITS):
            return f"events {ev:#x} (EPOLLEXCLUSIVE with EPOLL_CTL_MOD, or past " \
                "EPOLLEXCLUSIVE_OK_BITS: -EINVAL)"
        return ""
    if nr == _OPEN_BY_HANDLE_AT:
        raw = read(a[1], 4)
        size = int.from_bytes(raw, "little") if raw is not None and len(raw) == 4 else None
        return f"handle_bytes {size} (0 or past MAX_HANDLE_SZ: -EINVAL)" \
            if size is not None and (size == 0 or size > MAX_HANDLE_SZ) else ""
    return ""


def check(slot: Slot, ret: int, read: Callable[[int, int], bytes | None],
          filtered: Callable[[], bool] = lambda: False) -> None:
    """The program's call in `slot` answered `ret` (not an error); `read` reads the
    caller's memory left quiet through the call (None elsewhere); `filtered`: may a
    seccomp filter have answered (asked only of an answer refused)?"""
    why = _why(slot, read)
    if why and not filtered():
        refuse("return.maker_args", Status.ERR_DENIED,
               f"syscall {slot.nr} with {why} answered {ret:#x}: Linux refuses the call's "
               "own arguments before it looks anything up or makes anything")
