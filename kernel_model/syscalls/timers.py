"""POSIX per-process timers (timer_create and friends) on the virtual clock.

Each expiry sends the timer's signal (SI_TIMER, with the timer id, overrun
count and sigev_value in the siginfo) to the process or, for SIGEV_THREAD_ID,
to one thread (glibc's SIGEV_THREAD timers arrive here that way); expiries
that come while the previous signal is still pending are counted as overruns.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.process import Process, Thread
from kernel_model.syscalls import s32, syscall
from kernel_model.timerfd import pack_itimerspec, unpack_itimerspec

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID = 0, 1, 2, 4
SI_TIMER = -2
TIMER_ABSTIME = 1
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 0, 1, 2, 3
CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM = 7, 8, 9
TIMER_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM)
DELAYTIMER_MAX = 0x7FFF_FFFF


@dataclass(eq=False)
class PosixTimer:
    """One timer of one process."""

    k: Kernel
    proc: Process
    timer_id: int
    clock_id: int
    notify: int
    signo: int
    value: int
    thread: Thread | None
    deadline_ns: int | None = None
    interval_ns: int = 0
    overrun: int = 0          # reported by timer_getoverrun: of the last signal delivered
    _pending_overrun: int = 0

    def _realtime_offset(self) -> int:
        from kernel_model.syscalls.misc import _clock_ns
        if self.clock_id not in (CLOCK_REALTIME, CLOCK_REALTIME_ALARM):
            return 0
        assert self.k.current is not None
        return _clock_ns(self.k, self.k.current, CLOCK_REALTIME) - self.k.now_ns()

    def left(self) -> int:
        if self.deadline_ns is None:
            return 0
        return max(self.deadline_ns - self.k.now_ns(), 1)

    def arm(self, flags: int, interval_ns: int, value_ns: int) -> None:
        self.interval_ns = interval_ns
        if value_ns == 0:
            self.deadline_ns = None
            self.k.ktimers.disarm(self)
            return
        now = self.k.now_ns()
        self.deadline_ns = value_ns - self._realtime_offset() if flags & TIMER_ABSTIME else now + value_ns
        self.k.ktimers.arm(self)
        self.expire(now)

    def expire(self, now_ns: int) -> None:
        d = self.deadline_ns
        if d is None or d > now_ns:
            return
        if self.proc.exit_status is not None:
            self.delete()
            return
        if self.interval_ns:
            n = (now_ns - d) // self.interval_ns + 1
            self.deadline_ns = d + n * self.interval_ns
        else:
            n = 1
            self.deadline_ns = None
            self.k.ktimers.disarm(self)
        if self.notify == SIGEV_NONE:
            return
        target = self.thread if self.notify == SIGEV_THREAD_ID else None
        pending = (target.pending.mask if target is not None else self.proc.pending.mask)
        if pending & sig.bit(self.signo):
            self._pending_overrun = min(self._pending_overrun + n, DELAYTIMER_MAX)
            return
        self.overrun = min(self._pending_overrun + n - 1, DELAYTIMER_MAX)
        self._pending_overrun = 0
        info = struct.pack("<iii4xiiQ", self.signo, 0, SI_TIMER, self.timer_id, self.overrun,
                           self.value).ljust(128, b"\0")
        if target is not None:
            self.k.signals.send_thread(target, self.signo, info)
        else:
            self.k.signals.send_process(self.proc, self.signo, info)

    def delete(self) -> None:
        self.deadline_ns = None
        self.k.ktimers.disarm(self)
        timers_of(self.k, self.proc).pop(self.timer_id, None)


def timers_of(k: Kernel, proc: Process) -> dict[int, PosixTimer]:
    """The process's timers by id (kept beside the kernel's process table)."""
    table: dict[int, dict[int, PosixTimer]] = k.__dict__.setdefault("_posix_timers", {})
    mine = table.setdefault(proc.pid, {})
    if mine and next(iter(mine.values())).proc is not proc:
        mine.clear()          # a recycled pid: the old process's timers went with it
    return mine


def _timer(k: Kernel, t: Thread, timer_id: int) -> PosixTimer:
    found = timers_of(k, t.process).get(timer_id)
    if found is None:
        raise KernelError(errno.EINVAL)
    return found


def _cpu_clock_of_no_task(k: Kernel, clock_id: int) -> bool:
    """A CPU clock id (negative, not CLOCKFD: clockid_to_kclock() gives clock_posix_cpu)
    that posix_cpu_timer_create() refuses: CPUCLOCK_WHICH() past CPUCLOCK_SCHED, or
    CPUCLOCK_PID() (~id >> 3) a pid no thread holds (0 is the caller)."""
    if clock_id >= 0 or clock_id & 7 == 3:
        return False
    pid = ~clock_id >> 3
    return clock_id & 3 == 3 or pid != 0 and pid not in k.threads


@syscall("timer_create")
def sys_timer_create(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    clock_id = s32(a[0])
    no_task = _cpu_clock_of_no_task(k, clock_id)
    if clock_id not in TIMER_CLOCKS and not no_task:
        return -errno.EINVAL
    proc = t.process
    mine = timers_of(k, proc)
    timer_id = next(i for i in range(len(mine) + 1) if i not in mine)
    thread = None
    if a[1]:
        value, signo, notify, tid = struct.unpack("<QiiI", k.uaccess.read(a[1], 20))
        if notify not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID):
            return -errno.EINVAL
        if notify != SIGEV_NONE and not 1 <= signo <= sig.NSIG:
            return -errno.EINVAL
        if notify == SIGEV_THREAD_ID:
            thread = k.threads.get(tid)
            if thread is None or thread.process is not proc:
                return -errno.EINVAL
    else:
        value, signo, notify = timer_id, sig.SIGALRM, SIGEV_SIGNAL
    k.uaccess.write_u32(a[2], timer_id)
    if no_task:
        # Linux: do_timer_create() copies the id out before kc->timer_create() ->
        # posix_cpu_timer_create() -> lookup_task() finds no task (round 90b, -y)
        return -errno.EINVAL
    mine[timer_id] = PosixTimer(k, proc, timer_id, clock_id, notify, signo, value, thread)
    return 0


@syscall("timer_settime")
def sys_timer_settime(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    timer = _timer(k, t, s32(a[0]))
    flags = s32(a[1])
    interval, value = unpack_itimerspec(k.uaccess.read(a[2], 32))
    old = (timer.interval_ns, timer.left())
    timer.arm(flags, interval, value)
    if a[3]:
        k.uaccess.write(a[3], pack_itimerspec(*old))
    return 0


@syscall("timer_gettime")
def sys_timer_gettime(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    timer = _timer(k, t, s32(a[0]))
    k.uaccess.write(a[1], pack_itimerspec(timer.interval_ns, timer.left()))
    return 0


@syscall("timer_getoverrun")
def sys_timer_getoverrun(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _timer(k, t, s32(a[0])).overrun


@syscall("timer_delete")
def sys_timer_delete(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    _timer(k, t, s32(a[0])).delete()
    return 0
