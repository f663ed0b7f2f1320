"""The time left of a process's real-time interval timer (setitimer's ITIMER_REAL), as
Linux keeps it: never more than the timer was last set to.

setitimer(ITIMER_REAL, new, old) arms the timer to expire it_value from now and reload
it_interval each time it does; getitimer and setitimer's old value report the time left
to the next expiry.  So that time is at most the larger of the it_value and it_interval
the program last set.  A program subtracts it from what it set ("3 - seconds left picks
a slot"); more left than set makes that index negative.  Check `return.value_range`:

* the new value is kept as the program passed it at setitimer's entry (the old value may
  be written over it), and becomes the bound once the call returned 0;
* getitimer(ITIMER_REAL) and setitimer's old value report at most the bound in force;
  a process none of whose setitimer calls the Guardian saw is not judged.

The bound lives on the address space, per thread group (ITIMER_REAL is the process's,
shared by its threads): a fork child, whose timer Linux clears, and an exec'd image start
with none.  ITIMER_VIRTUAL and ITIMER_PROF are not judged: Linux adds a tick to them.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_NR_SETITIMER, _NR_GETITIMER = NUMBERS["setitimer"], NUMBERS["getitimer"]
#: Every call `ItimerBounds` acts on.
CALLS = frozenset({_NR_SETITIMER, _NR_GETITIMER})
#: The calls whose new value `note_new_value` keeps at entry.
NOTED_AT_ENTRY = frozenset({_NR_SETITIMER})
ITIMER_REAL = 0
_ITIMERVAL = struct.Struct("<qqqq")           # it_interval, it_value: tv_sec, tv_usec each
_US = 1_000_000


def _usecs(raw: bytes) -> tuple[int, int]:
    """(it_interval, it_value) in microseconds."""
    i_sec, i_usec, v_sec, v_usec = _ITIMERVAL.unpack(raw)
    return i_sec * _US + i_usec, v_sec * _US + v_usec


def note_new_value(memory: UserMemory, slot: Slot) -> None:
    """Keep setitimer's new value as the program passed it (before `old` overwrites it)."""
    va = slot.args[1]
    if slot.args[0] & 0xFFFF_FFFF == ITIMER_REAL and va:
        raw = memory.read(va, _ITIMERVAL.size, slot.root)
        if raw is not None:
            slot.asked[va] = raw


class ItimerBounds:
    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def _bounds(self, slot: Slot) -> dict[int, int] | None:
        space = self.registry.space_of(slot.domain, slot.root)
        return space.itimer_bounds if space is not None else None

    def check(self, slot: Slot, ret: int) -> int | None:
        """Judge the time left reported; the new bound the call sets (for `commit`)."""
        a = slot.args
        if ret != 0 or a[0] & 0xFFFF_FFFF != ITIMER_REAL:
            return None
        out = a[1] if slot.nr == _NR_GETITIMER else a[2]
        bounds = self._bounds(slot)
        group = self.registry.group_of(slot.root, slot.thread)
        bound = bounds.get(group) if bounds is not None else None
        if out and bound is not None:
            raw = self.memory.read(out, _ITIMERVAL.size, slot.root)
            if raw is None:
                missing = self.memory.first_missing(out, _ITIMERVAL.size, False)
                raise FaultIn(out if missing is None else missing)
            left = _usecs(raw)[1]
            if not 0 <= left <= bound:
                refuse("return.value_range", Status.ERR_DENIED,
                       f"syscall {slot.nr} reports {left} us left of ITIMER_REAL, but the "
                       f"program set it to at most {bound} us: Linux never gives that "
                       "value, and the program would index by it")
        if slot.nr == _NR_SETITIMER:
            asked = slot.asked.get(a[1]) if a[1] else None
            return max(_usecs(asked)) if asked is not None else -1
        return None

    def commit(self, slot: Slot, bound: int) -> None:
        """An accepted setitimer: its value bounds the time left from now on (-1: its
        new value was not read, so nothing is known)."""
        bounds = self._bounds(slot)
        if bounds is None:
            return
        group = self.registry.group_of(slot.root, slot.thread)
        if bound < 0:
            bounds.pop(group, None)
        else:
            bounds[group] = bound
