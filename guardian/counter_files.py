"""`return.counter_read`: what an eventfd or a timerfd hands out follows how it was set.

* A read of an EFD_SEMAPHORE eventfd takes exactly 1 from the counter and returns 1
  (eventfd_read: `ucnt = semaphore ? 1 : count`).
* A timerfd armed with no interval (one-shot) expires once per arming: a read that counts
  its expirations returns 1 (timerfd_settime resets the count).
  An ioctl that may be TFD_IOC_SET_TICKS (timerfd_ioctl(): `ctx->ticks = ticks`, any
  count) on it, or in flight, ends that judging until the next arming.
* timerfd_gettime of a timer last armed with a relative time reports at most that much left
  (at most its interval once it repeats) and the interval it was set with.  A disarm of
  a timerfd not known made with an hrtimer clock keeps the bound of the arming before
  it: a CLOCK_*_ALARM timerfd's timerfd_setup() calls alarm_init(), which keeps
  alarm->node.expires, so timerfd_get_remaining()'s alarm_expires_remaining() may still
  show that arming's time left (an hrtimer's hrtimer_set_expires(0) shows 0); after an
  absolute or unknown arming such a disarm ends the judging.

The open file (every copy of its descriptor shares it) keeps how the program made or
last armed it: eventfd2's flags, timerfd_settime's new value.  A read through a
descriptor whose origin the Guardian did not see is not judged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.clock_floors import timespec_ns
from guardian.confidential_files import Descriptors
from guardian.open_files import Description
from guardian.result_reads import read_or_fault
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_NR_READ, _NR_READV, _NR_EVENTFD2 = NUMBERS["read"], NUMBERS["readv"], NUMBERS["eventfd2"]
_NR_SETTIME, _NR_GETTIME = NUMBERS["timerfd_settime"], NUMBERS["timerfd_gettime"]
_NR_TIMERFD_CREATE = NUMBERS["timerfd_create"]
#: CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM: alarmtimer-backed timerfds (isalarm())
_ALARM_CLOCKS = frozenset((8, 9))
EFD_SEMAPHORE, TFD_TIMER_ABSTIME = 1, 1
#: The calls this module acts on: reads are judged, the others record how a file was set.
_NR_IOCTL = NUMBERS["ioctl"]
#: _IOW('T', 0, u64): timerfd_ioctl()'s one request (CONFIG_CHECKPOINT_RESTORE)
TFD_IOC_SET_TICKS = 0x40085400
CALLS = frozenset({_NR_READ, _NR_READV, _NR_EVENTFD2, _NR_SETTIME, _NR_GETTIME, _NR_IOCTL,
                   _NR_TIMERFD_CREATE})


@dataclass(frozen=True)
class Armed:
    """A timerfd's last arming: its interval and first expiry in ns, and whether the
    expiry was an absolute time."""

    interval: int
    value: int
    absolute: bool
    #: the most an earlier arming may still show left after a disarm (alarm_init())
    kept: int = 0


def _refused(slot: Slot, why: str) -> None:
    refuse("return.counter_read", Status.ERR_DENIED,
           f"syscall {slot.nr} {why}: Linux never gives that for the way the program set the "
           "file up")


class CounterFiles:
    """How each eventfd and timerfd the program made was set (by open file)."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        self.semaphores: set[Description] = set()
        self.armed: dict[Description, Armed] = {}
        #: armed timers whose ticks a TFD_IOC_SET_TICKS may have set since their arming
        self.ticked: set[Description] = set()
        #: timerfds the program made with an hrtimer clock: a disarm shows 0 left
        self.hrtimers: set[Description] = set()

    def _description(self, slot: Slot, fd: int) -> Description | None:
        f = self.files.open_file(slot, fd)
        return f.description if f is not None else None

    def check(self, slot: Slot, ret: int) -> None:
        if ret >= ERRNO_FLOOR or slot.nr in (_NR_EVENTFD2, _NR_SETTIME, _NR_IOCTL,
                                             _NR_TIMERFD_CREATE):
            return
        if not self.semaphores and not self.armed:
            return                      # (no semaphore eventfd, no armed timerfd)
        d = self._description(slot, slot.args[0])
        if d is None or (d not in self.semaphores and d not in self.armed):
            return
        if slot.nr == _NR_GETTIME:
            self._check_left(slot, self.armed.get(d))
            return
        count = self._count_read(slot, ret)
        if count is None:
            return
        if d in self.semaphores and count != 1:
            _refused(slot, f"reads {count} from a semaphore eventfd, which hands out 1")
        armed = self.armed.get(d)
        if armed is not None and armed.interval == 0 and armed.value and count != 1 and \
                d not in self.ticked and not self._set_ticks_in_flight(slot):
            _refused(slot, f"counts {count} expirations of a one-shot timerfd, which "
                           "expires once per arming")

    def _set_ticks_in_flight(self, slot: Slot) -> bool:
        """Is another call in flight that may be TFD_IOC_SET_TICKS?"""
        return any(o.id != slot.id and o.nr == _NR_IOCTL and
                   o.args[1] & 0xFFFF_FFFF == TFD_IOC_SET_TICKS
                   for o in self.files.admission.registry.slots.values())

    def _count_read(self, slot: Slot, ret: int) -> int | None:
        """The 8-byte count a read of the file returned (None: none was read)."""
        a = slot.args
        if ret != 8 or not a[2]:
            return None
        buf = a[1]
        if slot.nr == _NR_READV:            # the count fills the first iovec, if 8 bytes
            buf, length = struct.unpack("<QQ", read_or_fault(self.memory, slot, a[1], 16))
            if length != 8:
                return None
        return int.from_bytes(read_or_fault(self.memory, slot, buf, 8), "little")

    def _check_left(self, slot: Slot, armed: Armed | None) -> None:
        if armed is None or armed.absolute or not slot.args[1]:
            return
        raw = read_or_fault(self.memory, slot, slot.args[1], 32)
        interval, left = timespec_ns(raw[:16]), timespec_ns(raw[16:])
        most = max(armed.value, armed.interval, armed.kept)
        if interval != armed.interval or not 0 <= left <= most:
            _refused(slot, f"reports {left} ns left and an interval of {interval} ns for a "
                           f"timer armed for {armed.value} ns every {armed.interval} ns")

    def record(self, slot: Slot, ret: int) -> None:
        """How a successful eventfd2 or timerfd_settime set its file (after the descriptor
        table recorded the call)."""
        a = slot.args
        if slot.nr == _NR_IOCTL:
            if self.armed and a[1] & 0xFFFF_FFFF == TFD_IOC_SET_TICKS:
                # whatever it answered (a filter's or a lie): ticks may be any count now;
                # a number the Guardian cannot name may be any armed timer
                d = self._description(slot, a[0])
                self.ticked |= {d} if d is not None else set(self.armed)
            return
        if ret >= ERRNO_FLOOR:
            return
        if slot.nr == _NR_EVENTFD2 and a[1] & EFD_SEMAPHORE:
            d = self._description(slot, ret)
            if d is not None:
                self.semaphores.add(d)
        elif slot.nr == _NR_TIMERFD_CREATE:
            d = self._description(slot, ret)
            if d is not None and a[0] & 0xFFFF_FFFF not in _ALARM_CLOCKS:
                self.hrtimers.add(d)
        elif slot.nr == _NR_SETTIME and a[2]:
            d = self._description(slot, a[0])
            raw = self.memory.read(a[2], 32, slot.root)
            if d is None:
                return
            if raw is None:
                self.armed.pop(d, None)
                return
            new = Armed(timespec_ns(raw[:16]), timespec_ns(raw[16:]),
                        bool(a[1] & TFD_TIMER_ABSTIME))
            old = self.armed.pop(d, None)
            self.ticked.discard(d)              # (timerfd_setup(): ctx->ticks = 0)
            if not new.value and d not in self.hrtimers:
                # a disarm (timerfd_setup(): `if (texp != 0)`): an alarm timer may still
                # show the old expiry (alarm_init()); one of an arming not known (absolute,
                # unread, unseen) is not judged
                if old is None or old.absolute:
                    return
                new = Armed(new.interval, 0, False, max(old.value, old.interval, old.kept))
            self.armed[d] = new
