"""A timerfd only the program holds, past its first timerfd_settime (`return.timerfd_idle`).

sole_held.py follows a timerfd the program made (timerfd_create: ctx->ticks 0, no timer)
as a `Counter` with `timer` set.  Linux changes its tick count only by:

* the timer's expiry (timerfd_tmrproc() -> timerfd_triggered(): ctx->ticks++), once per
  arming for a one-shot arming (no it_interval: HRTIMER_NORESTART), again and again for a
  periodic one (timerfd_read() adds hrtimer_forward_now() - 1);
* timerfd_settime(): do_timerfd_settime() -> timerfd_setup() sets ctx->ticks = 0 and starts
  a timer only `if (texp != 0)` -- a zero it_value disarms it, and no tick comes until the
  next arming;
* a read that hands the ticks out (timerfd_read(): ctx->ticks = 0);
* TFD_IOC_SET_TICKS (timerfd_ioctl(): ctx->ticks = ticks) -- any ioctl that may be one
  ends the following of every Counter of the domain (sole_records.py, drop_domain).

So a read that answers a count is refused where the timer holds no tick for certain: it
was disarmed (a zero it_value) after any arming, or it was armed one-shot and a read since
took that arming's one tick.  A timer never armed also reports all-zero times: its
timerfd_gettime and its first timerfd_settime's old value (do_timerfd_gettime() and
do_timerfd_settime(): timerfd_get_remaining() of the kzalloc'ed ctx's timer, expiry 0,
clamped to 0; ctx->tintv 0).  Times after an arming are counter_files.py's (a spent
one-shot CLOCK_REALTIME timer may report time left once the clock is set back, an alarm
timer's expiry survives a disarm: alarm_init() keeps node.expires).

Where the order of the calls is not known (a read or another arming in flight on the
same timer, a settime a seccomp filter may answer, one whose new value the Guardian cannot
read, one that failed: -EFAULT may follow the arming), the timer stops being followed.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.result_reads import read_or_fault
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.sole_files import Counter
    from guardian.sole_held import SoleHeld

TIMERFD_SETTIME, TIMERFD_GETTIME = NUMBERS["timerfd_settime"], NUMBERS["timerfd_gettime"]
_READ = NUMBERS["read"]
#: the calls that report a timerfd's times
TIMES = frozenset({TIMERFD_SETTIME, TIMERFD_GETTIME})
#: Counter.armed: no timer runs (never armed, disarmed, a one-shot's tick taken), a
#: one-shot arming (0 or 1 tick), a periodic one (any count).
IDLE, ONE_SHOT, PERIODIC = 0, 1, 2
#: the calls whose order against an arming matters: reads and settimes of the timer
ORDERED_TIMER = frozenset({_READ, NUMBERS["readv"], NUMBERS["pread64"], NUMBERS["preadv"],
                           NUMBERS["preadv2"], TIMERFD_SETTIME})


def _refused(why: str) -> None:
    refuse("return.timerfd_idle", Status.ERR_DENIED,
           f"{why}: Linux never gives that for a timerfd only the program holds")


def check_read(counter: Counter) -> None:
    """A read of `ret` 8 (a tick count) of a followed timer, past the never-armed rule."""
    if counter.armed == IDLE and counter.was_armed:
        _refused("a read of the program's own timerfd hands out a tick count while it "
                 "holds none: a zero it_value disarmed it (timerfd_setup(): ctx->ticks = 0, "
                 "no timer started) or a read took its one-shot arming's tick (timerfd_read(): "
                 "ctx->ticks = 0, the hrtimer not restarted)")


def check_times(sole: SoleHeld, slot: Slot, ret: int, counter: Counter) -> None:
    """timerfd_gettime, and timerfd_settime's old value, of a timer never armed: zeros."""
    if ret != 0 or counter.was_armed:
        return
    va = slot.args[1] if slot.nr == TIMERFD_GETTIME else slot.args[3]
    if not va:
        return
    times = struct.unpack("<qqqq", read_or_fault(sole.memory, slot, va, 32))
    if any(times):
        what = "timerfd_gettime" if slot.nr == TIMERFD_GETTIME else "timerfd_settime's old value"
        _refused(f"{what} of the program's own timerfd, never armed, reports {times}, not "
                 "zeros (timerfd_get_remaining() of a timer never started: 0; ctx->tintv 0)")


def record_settime(sole: SoleHeld, slot: Slot, ret: int, counter: Counter) -> None:
    """How a timerfd_settime of the followed timer left it (or stop following it)."""
    raw = sole.memory.read(slot.args[2], 32, slot.root) if slot.args[2] else None
    if ret != 0 or raw is None or sole.filtered(slot) or \
            sole.busy(slot, counter, ORDERED_TIMER):
        sole.drop(counter)
        return
    interval_s, interval_ns, value_s, value_ns = struct.unpack("<qqqq", raw)
    counter.was_armed = True
    counter.value = 0
    if not value_s and not value_ns:
        counter.armed = IDLE                    # timerfd_setup(): `if (texp != 0)` only
    else:
        counter.armed = PERIODIC if interval_s or interval_ns else ONE_SHOT


def record_read(counter: Counter) -> None:
    """A read of 8 took the ticks: a one-shot arming has no more."""
    if counter.armed == ONE_SHOT:
        counter.armed = IDLE
