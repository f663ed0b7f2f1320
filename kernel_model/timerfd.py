"""timerfd: a timer on the virtual clock whose expiries are read as a 64-bit count.

Deadlines are kept as monotonic nanoseconds; a CLOCK_REALTIME timer's absolute
time is converted with the realtime offset when it is set (the guest cannot
step the realtime clock, so the offset never changes).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from errno import EINVAL

from kernel_model import linux_structs as ls
from kernel_model.anonfile import AnonFile
from kernel_model.errors import err
from kernel_model.ktimers import KernelTimers

CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME = 0, 1, 7
CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM = 8, 9
TIMERFD_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM,
                  CLOCK_BOOTTIME_ALARM)
TFD_TIMER_ABSTIME = 1
TFD_TIMER_CANCEL_ON_SET = 2
TFD_NONBLOCK = ls.O_NONBLOCK
TFD_CLOEXEC = ls.O_CLOEXEC
NS = 1_000_000_000


def unpack_itimerspec(raw: bytes) -> tuple[int, int]:
    """(interval_ns, value_ns) of a struct itimerspec; EINVAL for a malformed timespec."""
    isec, insec, vsec, vnsec = struct.unpack("<qqqq", raw)
    for sec, nsec in ((isec, insec), (vsec, vnsec)):
        if sec < 0 or not 0 <= nsec < NS:
            raise err(EINVAL)
    return isec * NS + insec, vsec * NS + vnsec


def pack_itimerspec(interval_ns: int, value_ns: int) -> bytes:
    return struct.pack("<qqqq", interval_ns // NS, interval_ns % NS, value_ns // NS, value_ns % NS)


class TimerFd(AnonFile):
    """One timer: a deadline, an interval and the expiries not yet read."""

    anon_name = "timerfd"

    def __init__(self, clock_id: int, flags: int, timers: KernelTimers,
                 now_ns: Callable[[], int], realtime_offset_ns: Callable[[], int]) -> None:
        super().__init__(flags & ls.O_NONBLOCK)
        self.clock_id = clock_id
        self.deadline_ns: int | None = None
        self.interval_ns = 0
        self.ticks = 0
        self._timers = timers
        self._now = now_ns
        self._realtime_offset = realtime_offset_ns

    def _offset(self) -> int:
        """How far this timer's clock is ahead of the monotonic clock."""
        return self._realtime_offset() if self.clock_id in (CLOCK_REALTIME,
                                                            CLOCK_REALTIME_ALARM) else 0

    def gettime(self) -> tuple[int, int]:
        """(interval_ns, time left until the next expiry) as timerfd_gettime reports them."""
        self.expire(self._now())
        left = max(self.deadline_ns - self._now(), 0) if self.deadline_ns is not None else 0
        return self.interval_ns, left

    def settime(self, flags: int, interval_ns: int, value_ns: int) -> tuple[int, int]:
        """Arm (value > 0) or disarm the timer; returns the old setting as gettime does."""
        old = self.gettime()
        self.ticks = 0
        self.interval_ns = interval_ns
        if value_ns == 0:
            self.deadline_ns = None
            self._timers.disarm(self)
        else:
            now = self._now()
            self.deadline_ns = (value_ns - self._offset() if flags & TFD_TIMER_ABSTIME
                                else now + value_ns)
            self._timers.arm(self)
            self.expire(now)     # an absolute time already past expires at once
        return old

    def expire(self, now_ns: int) -> None:
        """Count the expiries up to now and move the deadline past it."""
        d = self.deadline_ns
        if d is None or d > now_ns:
            return
        if self.interval_ns:
            n = (now_ns - d) // self.interval_ns + 1
            self.deadline_ns = d + n * self.interval_ns
        else:
            n = 1
            self.deadline_ns = None
            self._timers.disarm(self)
        self.ticks += n
        self.queue.notify(ls.POLLIN | ls.POLLRDNORM)

    def read(self, n: int) -> bytes | None:
        if n < 8:
            raise err(EINVAL)
        self.expire(self._now())
        if not self.ticks:
            return None
        ticks, self.ticks = self.ticks, 0
        return struct.pack("<Q", ticks)

    def write(self, data: bytes) -> int | None:
        raise err(EINVAL)

    def poll_mask(self) -> int:
        self.expire(self._now())
        return ls.POLLIN | ls.POLLRDNORM if self.ticks else 0

    def close(self) -> None:
        self._timers.disarm(self)
