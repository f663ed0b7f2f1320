"""The time left of a timer, as Linux keeps it: never more than the timer was last set to.

Every timer a program arms (setitimer's ITIMER_REAL, ITIMER_VIRTUAL and ITIMER_PROF; a
POSIX timer's timer_settime; a timerfd's timerfd_settime) expires it_value from now and
reloads it_interval each time it does; every reading of it (getitimer, timer_gettime,
timerfd_gettime, and each setter's old value) reports the time left to the next expiry
and the interval.  So neither is more than the larger of the it_value and it_interval
the program last set.  A program subtracts what is left from what it set ("3 - seconds
left picks a slot"); more left than set makes that index negative.  Check
`return.value_range`:

* a setter's new value is kept as the program passed it at entry (the old value may be
  written over it), and becomes the bound once the call returned 0 (a disarming one: 0);
  an absolute setting (TIMER_ABSTIME, TFD_TIMER_ABSTIME) leaves the time left to the
  clock, so it leaves no bound;
* a reading reports at most the bound in force: ITIMER_REAL's exactly; the others with
  one tick of slack (10 ms, HZ=100: a CPU-time timer about to fire reports a tick, and a
  low-resolution hrtimer's relative start is a tick late);
* a timer none of whose settings the Guardian saw is not judged.

ITIMER_* and POSIX timers are the process's (its threads share them): their bounds live
on the address space, per thread group, so that a fork child, whose timers Linux clears,
and an exec'd image start with none (a new process's itimers start known unarmed:
`note_new_process`); timer_delete forgets its id.  A timerfd's bound
belongs to its open file, which every copy of the descriptor shares.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.fd_results import s32
from guardian.slots import Slot
from guardian.user_memory import UserMemory

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description

_NR_SETITIMER, _NR_GETITIMER = NUMBERS["setitimer"], NUMBERS["getitimer"]
_NR_TIMER_SETTIME, _NR_TIMER_GETTIME = NUMBERS["timer_settime"], NUMBERS["timer_gettime"]
_NR_TIMER_DELETE = NUMBERS["timer_delete"]
_NR_TIMERFD_SETTIME, _NR_TIMERFD_GETTIME = NUMBERS["timerfd_settime"], NUMBERS["timerfd_gettime"]
#: The setters (their new value's argument, their old value's) and the readers (their
#: output's); each reports an itimerval (setitimer, getitimer) or an itimerspec.
_SETTERS = {_NR_SETITIMER: (1, 2), _NR_TIMER_SETTIME: (2, 3), _NR_TIMERFD_SETTIME: (2, 3)}
_READERS = {_NR_GETITIMER: 1, _NR_TIMER_GETTIME: 1, _NR_TIMERFD_GETTIME: 1}
#: Every call `ItimerBounds` acts on.
CALLS = frozenset({*_SETTERS, *_READERS, _NR_TIMER_DELETE})
#: The calls whose new value `note_new_value` keeps at entry.
NOTED_AT_ENTRY = frozenset(_SETTERS)
ITIMER_REAL, ITIMER_PROF = 0, 2
TIMER_ABSTIME = 1                         # TFD_TIMER_ABSTIME has the same value
_TIMES = struct.Struct("<qqqq")           # it_interval, it_value: seconds, then us or ns
_NS = 1_000_000_000
_TICK_NS = 10_000_000                     # the longest tick: HZ=100
Key = tuple[int, int, int]                # (kind, thread group, which timer)
_ITIMER, _POSIX = 0, 1


def _ns(nr: int, raw: bytes) -> tuple[int, int]:
    """(it_interval, it_value) in nanoseconds."""
    i_sec, i_sub, v_sec, v_sub = _TIMES.unpack(raw)
    scale = 1000 if nr in (_NR_SETITIMER, _NR_GETITIMER) else 1
    return i_sec * _NS + i_sub * scale, v_sec * _NS + v_sub * scale


def note_new_value(memory: UserMemory, slot: Slot) -> None:
    """Keep a setter's new value as the program passed it (before `old` overwrites it)."""
    va = slot.args[_SETTERS[slot.nr][0]] if slot.nr in _SETTERS else 0
    if va:
        raw = memory.read(va, _TIMES.size, slot.root)
        if raw is not None:
            slot.asked[va] = raw


def note_new_process(bounds: dict[Key, int], group: int) -> None:
    """A clone without CLONE_THREAD (fork, vfork) makes a new process: copy_signal()
    gives it a zeroed signal_struct (kmem_cache_zalloc), so its ITIMER_REAL, ITIMER_VIRTUAL
    and ITIMER_PROF start unarmed (POSIX: a fork child's itimers are cleared), bound 0."""
    for which in range(ITIMER_PROF + 1):
        bounds[(_ITIMER, group, which)] = 0


class ItimerBounds:
    def __init__(self, registry: Registry, memory: UserMemory, files: Descriptors) -> None:
        self.registry = registry
        self.memory = memory
        self.files = files
        #: a timerfd's open file -> its bound (ns)
        self.timerfds: dict[Description, int] = {}

    def _process_bounds(self, slot: Slot) -> dict[Key, int] | None:
        space = self.registry.space_of(slot.domain, slot.root)
        return space.itimer_bounds if space is not None else None

    def _timer(self, slot: Slot) -> tuple[Key | Description, int] | None:
        """The timer the call names and the slack its readings get (None: not judged)."""
        nr, a = slot.nr, slot.args
        group = self.registry.group_of(slot.root, slot.thread)
        if nr in (_NR_SETITIMER, _NR_GETITIMER):
            which = a[0] & 0xFFFF_FFFF
            if which > ITIMER_PROF:
                return None
            return (_ITIMER, group, which), 0 if which == ITIMER_REAL else _TICK_NS
        if nr in (_NR_TIMER_SETTIME, _NR_TIMER_GETTIME, _NR_TIMER_DELETE):
            return (_POSIX, group, a[0] & 0xFFFF_FFFF), _TICK_NS
        f = self.files.table(slot.root, slot.thread).fds.get(s32(a[0]))
        return (f.description, _TICK_NS) if f is not None else None

    def _bound(self, slot: Slot, timer: Key | Description) -> int | None:
        if isinstance(timer, tuple):
            bounds = self._process_bounds(slot)
            return bounds.get(timer) if bounds is not None else None
        return self.timerfds.get(timer)

    def check(self, slot: Slot, ret: int) -> tuple[Key | Description, int] | None:
        """Judge the time left reported; the timer and the new bound the call sets (for
        `commit`; -1: none known from now on)."""
        if ret != 0:
            return None
        named = self._timer(slot)
        if named is None:
            return None
        timer, slack = named
        nr, a = slot.nr, slot.args
        if nr == _NR_TIMER_DELETE:
            return timer, -1
        out = a[_READERS[nr]] if nr in _READERS else a[_SETTERS[nr][1]]
        bound = self._bound(slot, timer)
        if out and bound is not None:
            raw = self.memory.read(out, _TIMES.size, slot.root)
            if raw is None:
                missing = self.memory.first_missing(out, _TIMES.size, False)
                raise FaultIn(out if missing is None else missing)
            interval, left = _ns(nr, raw)
            if not (0 <= left <= bound + slack and interval <= bound + slack):
                refuse("return.value_range", Status.ERR_DENIED,
                       f"syscall {nr} reports {left} ns left (interval {interval} ns) of a "
                       f"timer the program set (or a new process's, unarmed) to at most {bound} ns: Linux never gives "
                       "that value, and the program would index by it")
        if nr not in _SETTERS:
            return None
        new = a[_SETTERS[nr][0]]
        asked = slot.asked.get(new) if new else None
        absolute = nr != _NR_SETITIMER and a[1] & TIMER_ABSTIME
        if asked is None or absolute:
            return timer, -1
        return timer, max(_ns(nr, asked))

    def commit(self, slot: Slot, set_bound: tuple[Key | Description, int]) -> None:
        """An accepted setter (or timer_delete): the timer's bound from now on."""
        timer, bound = set_bound
        if isinstance(timer, tuple):
            bounds = self._process_bounds(slot)
            if bounds is None:
                return
        else:
            bounds = self.timerfds          # type: ignore[assignment]
        if bound < 0:
            bounds.pop(timer, None)         # type: ignore[arg-type]
        else:
            bounds[timer] = bound           # type: ignore[index]
