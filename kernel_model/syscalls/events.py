"""Event files: epoll, eventfd2, timerfd, signalfd4, pidfd_open and inotify.

Waiting is the scheduler's: epoll_pwait sleeps on the instance's wait queue
(every watched file's change that can interest an entry notifies it) with a
deadline on the virtual clock; a woken wait re-runs the call, keeping the
deadline of the first attempt, and a signal ends it with EINTR (epoll_wait is
never restarted, as on Linux).
"""

from __future__ import annotations

import errno
import stat
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import signals as sig
from kernel_model.anonfile import AnonFile
from kernel_model.epoll import (
    EP_MAX_EVENTS,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLL_EVENT_SIZE,
    Epoll,
    pack_events,
    unpack_event,
)
from kernel_model.errors import KernelError
from kernel_model.eventfd import EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EventFd
from kernel_model.files import OpenFile
from kernel_model.process import Process, Thread
from kernel_model.signalfd import SFD_CLOEXEC, SFD_NONBLOCK, SignalFd
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.waits import (  # noqa: F401  (re-exported)
    restore_sigmask,
    signal_pending,
    swap_sigmask,
    wait_deadline,
)
from kernel_model.timerfd import (
    TFD_CLOEXEC,
    TFD_NONBLOCK,
    TFD_TIMER_ABSTIME,
    TFD_TIMER_CANCEL_ON_SET,
    TIMERFD_CLOCKS,
    TimerFd,
    pack_itimerspec,
    unpack_itimerspec,
)
from kernel_model.waitq import Waitable, sleep_on

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

NS = 1_000_000_000
PIDFD_NONBLOCK = ls.O_NONBLOCK


def _install(k: Kernel, t: Thread, f: OpenFile, cloexec: bool) -> int:
    try:
        return t.process.fds.install(f, cloexec=cloexec)
    except KernelError:
        f.decref()
        raise


# --- epoll ------------------------------------------------------------------------------
@syscall("epoll_create1")
def sys_epoll_create1(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = s32(a[0])
    if flags & ~ls.O_CLOEXEC:
        return -errno.EINVAL
    return _install(k, t, Epoll(0), bool(flags & ls.O_CLOEXEC))


def _epoll(t: Thread, fd: int) -> Epoll:
    f = t.process.fds.get(fd)
    if not isinstance(f, Epoll):
        raise KernelError(errno.EINVAL)
    return f


@syscall("epoll_ctl")
def sys_epoll_ctl(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    epfd, op, fd = s32(a[0]), s32(a[1]), s32(a[2])
    ep_file = t.process.fds.get(epfd)
    target = t.process.fds.get(fd)
    if not isinstance(ep_file, Epoll) or target is ep_file:
        return -errno.EINVAL
    if op == EPOLL_CTL_DEL:
        ep_file.delete(fd, target)
        return 0
    if op not in (EPOLL_CTL_ADD, EPOLL_CTL_MOD):
        return -errno.EINVAL
    events, data = unpack_event(k.uaccess.read(a[3], EPOLL_EVENT_SIZE))
    if op == EPOLL_CTL_ADD:
        ep_file.add(fd, target, events, data)
    else:
        ep_file.modify(fd, target, events, data)
    return 0


def _epoll_wait(k: Kernel, t: Thread, a, timeout_ns: int | None) -> int:  # noqa: ANN001
    ep = _epoll(t, s32(a[0]))
    maxevents = s32(a[2])
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        return -errno.EINVAL
    deadline = wait_deadline(k, t, "epoll", ep.queue, timeout_ns)
    got = ep.collect(maxevents)
    if got:
        k.uaccess.write(a[1], pack_events(got))
    if got or timeout_ns == 0 or (deadline is not None and deadline <= k.clock.cycles):
        restore_sigmask(t)
        return len(got)
    swap_sigmask(k, t, a[4], a[5])
    if signal_pending(t):
        return -errno.EINTR
    sleep_on(k, ep.queue, "epoll", deadline)
    return 0


@syscall("epoll_pwait")
def sys_epoll_pwait(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    ms = s32(a[3])
    return _epoll_wait(k, t, a, None if ms < 0 else ms * 1_000_000)


@syscall("epoll_pwait2")
def sys_epoll_pwait2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    timeout_ns = None
    if a[3]:
        sec, nsec = ls.unpack_timespec(k.uaccess.read(a[3], 16))
        if sec < 0 or not 0 <= nsec < NS:
            return -errno.EINVAL
        timeout_ns = sec * NS + nsec
    if a[4] and a[5] != 8:
        # (do_epoll_pwait() -> set_user_sigmask(): sigsetsize other than 8 -EINVAL)
        return -errno.EINVAL
    return _epoll_wait(k, t, a, timeout_ns)


# --- eventfd ----------------------------------------------------------------------------
@syscall("eventfd2")
def sys_eventfd2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = s32(a[1])
    if flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC):
        return -errno.EINVAL
    return _install(k, t, EventFd(a[0] & 0xFFFF_FFFF, flags), bool(flags & EFD_CLOEXEC))


# --- timerfd ----------------------------------------------------------------------------
def _realtime_offset(k: Kernel) -> int:
    from kernel_model.syscalls.misc import CLOCK_REALTIME, _clock_ns
    assert k.current is not None
    return _clock_ns(k, k.current, CLOCK_REALTIME) - k.now_ns()


@syscall("timerfd_create")
def sys_timerfd_create(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    clock_id, flags = s32(a[0]), s32(a[1])
    if clock_id not in TIMERFD_CLOCKS or flags & ~(TFD_NONBLOCK | TFD_CLOEXEC):
        return -errno.EINVAL
    f = TimerFd(clock_id, flags, k.ktimers, k.now_ns, lambda: _realtime_offset(k))
    return _install(k, t, f, bool(flags & TFD_CLOEXEC))


def _timerfd(t: Thread, fd: int) -> TimerFd:
    f = t.process.fds.get(fd)
    if not isinstance(f, TimerFd):
        raise KernelError(errno.EINVAL)
    return f


@syscall("timerfd_settime")
def sys_timerfd_settime(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = _timerfd(t, s32(a[0]))
    flags = s32(a[1])
    if flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET):
        return -errno.EINVAL
    interval, value = unpack_itimerspec(k.uaccess.read(a[2], 32))
    old = f.settime(flags, interval, value)
    if a[3]:
        k.uaccess.write(a[3], pack_itimerspec(*old))
    return 0


@syscall("timerfd_gettime")
def sys_timerfd_gettime(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = _timerfd(t, s32(a[0]))
    k.uaccess.write(a[1], pack_itimerspec(*f.gettime()))
    return 0


# --- signalfd ---------------------------------------------------------------------------
@syscall("signalfd4")
def sys_signalfd4(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    fd, size, flags = s32(a[0]), a[2], s32(a[3])
    if size != 8 or flags & ~(SFD_NONBLOCK | SFD_CLOEXEC):
        return -errno.EINVAL
    mask = k.uaccess.read_u64(a[1])
    if fd != -1:
        f = t.process.fds.get(fd)
        if not isinstance(f, SignalFd):
            return -errno.EINVAL
        f.mask = mask & ~sig.UNBLOCKABLE
        f.queue.notify()
        return fd
    return _install(k, t, SignalFd(mask, flags, lambda: k.current, k.signal_queue),
                    bool(flags & SFD_CLOEXEC))


# --- pidfd ------------------------------------------------------------------------------
class PidFd(AnonFile):
    """A process handle: readable once the process has exited."""

    anon_name = "pidfd"

    def __init__(self, proc: Process, flags: int, exits: Waitable) -> None:
        super().__init__(flags & ls.O_NONBLOCK)
        self.proc = proc
        self.queue = exits       # notified whenever any process exits

    def read(self, n: int) -> bytes | None:
        raise KernelError(errno.EINVAL)

    def write(self, data: bytes) -> int | None:
        raise KernelError(errno.EINVAL)

    def poll_mask(self) -> int:
        return ls.POLLIN | ls.POLLRDNORM if self.proc.exit_status is not None else 0

    def fdinfo(self) -> str:
        return f"Pid:\t{self.proc.pid if self.proc.exit_status is None else -1}\n"


@syscall("pidfd_open")
def sys_pidfd_open(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid, flags = s32(a[0]), s32(a[1])
    if flags & ~PIDFD_NONBLOCK or pid <= 0:
        return -errno.EINVAL
    proc = k.processes.get(pid)
    if proc is None:
        return -errno.ESRCH if pid not in k.threads else -errno.EINVAL
    return _install(k, t, PidFd(proc, flags, k.exit_queue), True)


#: include/uapi/linux/pidfd.h (6.15): PIDFD_SELF_THREAD, PIDFD_SELF_THREAD_GROUP
_PIDFD_SELF = (-10000, -10001)


@syscall("pidfd_send_signal")
def sys_pidfd_send_signal(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Signal the process a pidfd names (ESRCH once it has exited; signal 0 only checks).
    6.15's switch takes PIDFD_SELF_THREAD (-10000) and PIDFD_SELF_THREAD_GROUP (-10001)
    as the caller; any other descriptor fdget() cannot find: -EBADF."""
    fd = s32(a[0])
    f = t.process.fds.get(fd)
    signo, flags = s32(a[1]), s32(a[3])
    if fd not in _PIDFD_SELF and f is None:
        return -errno.EBADF
    if (fd not in _PIDFD_SELF and not isinstance(f, PidFd)) or flags \
            or not 0 <= signo <= sig.NSIG:
        return -errno.EINVAL
    proc = f.proc if isinstance(f, PidFd) and fd not in _PIDFD_SELF else t.process
    if proc.exit_status is not None:
        return -errno.ESRCH
    if a[2]:
        info = k.uaccess.read(a[2], 128)
        if int.from_bytes(info[:4], "little", signed=True) != signo:
            return -errno.EINVAL
    else:
        info = sig.pack_siginfo(signo, sig.SI_USER, pid=t.process.pid)
    if signo and fd == _PIDFD_SELF[0]:
        k.signals.send_thread(t, signo, info)
    elif signo:
        k.signals.send_process(proc, signo, info)
    return 0


# --- inotify (fs/notify/inotify/inotify_user.c) -------------------------------------------
@syscall("inotify_init1")
def sys_inotify_init1(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    from kernel_model.inotify import IN_CLOEXEC, IN_NONBLOCK, Inotify
    flags = s32(a[0])
    if flags & ~(IN_CLOEXEC | IN_NONBLOCK):       # do_inotify_init()
        return -errno.EINVAL
    return _install(k, t, Inotify(flags, k.rootfs.fsnotify), bool(flags & IN_CLOEXEC))


@syscall("inotify_add_watch")
def sys_inotify_add_watch(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    from kernel_model import inotify as ino
    from kernel_model.syscalls.fs import _stat_path, guest_path
    mask = a[2] & 0xFFFF_FFFF
    if mask & ino.IN_MASK_ADD and mask & ino.IN_MASK_CREATE:
        return -errno.EINVAL
    if not mask & ino.ALL_INOTIFY_BITS:
        return -errno.EINVAL
    f = t.process.fds.get(s32(a[0]))               # fdget(): -EBADF
    if not isinstance(f, ino.Inotify):             # f_op != &inotify_fops
        return -errno.EINVAL
    # inotify_find_inode(): LOOKUP_FOLLOW unless IN_DONT_FOLLOW, LOOKUP_DIRECTORY for
    # IN_ONLYDIR.  user_path_at() walks every mount, /dev and /proc too (their nodes,
    # devices and directories, are found as stat finds them: /dev/null -ENOTDIR, "/dev" a
    # directory -- a root-fs look-up alone answered -ENOENT for both, where Linux does not)
    st = _stat_path(k, t, ls.AT_FDCWD, guest_path(k, a[1]),
                    ls.AT_SYMLINK_NOFOLLOW if mask & ino.IN_DONT_FOLLOW else 0)
    if mask & ino.IN_ONLYDIR and not stat.S_ISDIR(st.st_mode):
        return -errno.ENOTDIR
    return f.add_watch(ino.key_of(st), mask)


@syscall("inotify_rm_watch")
def sys_inotify_rm_watch(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    from kernel_model.inotify import Inotify
    f = t.process.fds.get(s32(a[0]))
    if not isinstance(f, Inotify):
        return -errno.EINVAL
    f.rm_watch(s32(a[1]))
    return 0
