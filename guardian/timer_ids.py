"""The POSIX timer id timer_create() writes: one a process-unique counter hands out.

A program may index a table by the ids of the timers it made ("my first timer is 0").
Linux hands a process's timer ids out from a per-process counter (signal_struct's
next_posix_timer_id, zero in a new process, kept across exec, advanced by every
timer_create that got as far as allocating, skipping a live id only after it wraps at
INT_MAX); a kernel that hands out the lowest id no live timer holds (this machine's model)
gives no more.  So the honest rule that holds for both (check `return.timer_id`):

* the id is a non-negative int no live timer of the process holds (timer_delete, and
  exec, end a timer), and
* while the Guardian knows the process from its start (the user's launch, which starts
  the program in a new process, or a fork child) and fewer than INT_MAX creates
  were made, the id is at most the number of timer_create calls the process made before
  this one returned, plus those other threads of it have in flight.

An exec'd image keeps its old image's counter, which the Guardian does not carry over:
there only the first rule holds.

A process starts with no POSIX timer at all: a fork (or any clone without CLONE_THREAD)
copies none (copy_signal), and exec deletes every one (exit_itimers in begin_new_exec).
So the Guardian knows every live timer of a process from its timer_create and
timer_delete calls, and timer_gettime, timer_settime, timer_getoverrun and timer_delete
succeed only on one of them (Linux's lock_timer answers -EINVAL for any other id: check
`return.timer_live`), unless a timer_create of the process is in flight, or one the
Guardian saw succeed wrote an id it could not read.

An expiry of a live timer (si_code SI_TIMER, si_tid its id) carries the si_value its
timer_create gave it, the sigevent's sigev_value (`signal.timer_value`).

The id and the sigevent are read at timer_create's return, so only while nothing else
could have stored there since the call's entry (`quiet`): otherwise the id is not judged,
and the timer it made is one the Guardian does not know (`complete` False).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from abi import Status
from abi.descriptors import INT_MAX
from abi.layout import ERRNO_FLOOR, NR_TIMER_CREATE, NR_TIMER_DELETE
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.quiet_ranges import quiet
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: The calls that name a live timer of the caller's process by its id (x0).
USES = frozenset({NR_TIMER_DELETE, NUMBERS["timer_gettime"], NUMBERS["timer_settime"],
                  NUMBERS["timer_getoverrun"]})
#: Every call `TimerIds` acts on.
CALLS = frozenset({NR_TIMER_CREATE}) | USES
SI_TIMER = -2
_SI_TID, _SI_VALUE = 16, 24             # siginfo's _timer: si_tid, si_overrun, si_sigval
_SIGEVENT_HEAD, _SIGEV_NOTIFY = 16, 12  # struct sigevent: value, signo, notify
_SIGEV_SIGNAL, _SIGEV_THREAD_ID = 0, 4


@dataclass
class ProcessTimers:
    """One process's timers as far as its calls showed them."""

    live: set[int] = field(default_factory=set)
    #: timer_create calls returned (any result); None: the counter is not known (exec).
    creates: int | None = 0
    #: live timer id -> the si_value its expiries carry (timer_create's sigev_value, or
    #: the timer's id for a NULL sigevent), where its signal is one (SIGEV_SIGNAL)
    values: dict[int, bytes] = field(default_factory=dict)
    #: `live` holds every live timer of the process (False: a timer_create succeeded
    #: whose id the Guardian could not read).
    complete: bool = True


class TimerIds:
    """Each confidential process's timer ids, keyed by (address space, thread group)."""

    def __init__(self, memory: UserMemory, registry: Registry) -> None:
        self.memory = memory
        self.registry = registry
        self.processes: dict[tuple[int, int], ProcessTimers] = {}
        #: Address spaces an exec started (their first group's counter is not known).
        self.exec_images: set[int] = set()

    def _key(self, slot: Slot) -> tuple[int, int]:
        return slot.root, self.registry.group_of(slot.root, slot.thread)

    def _process(self, slot: Slot) -> ProcessTimers:
        key = self._key(slot)
        if key not in self.processes:
            known = not (key[1] == 0 and slot.root in self.exec_images)
            self.processes[key] = ProcessTimers(creates=0 if known else None)
        return self.processes[key]

    def _id(self, slot: Slot) -> int:
        va = slot.args[2]
        raw = self.memory.read(va, 4, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, 4, False)
            raise FaultIn(va if missing is None else missing)
        return struct.unpack("<i", raw)[0]

    def _quiet(self, slot: Slot) -> bool:
        """Are the id (and the sigevent) at the return what the call wrote (and read)?"""
        reg = self.registry
        dom = reg.domains.get(slot.domain)
        ranges = [(slot.root, slot.args[2], slot.args[2] + 4)]
        if slot.args[1]:
            ranges.append((slot.root, slot.args[1], slot.args[1] + _SIGEVENT_HEAD))
        return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs, ranges)

    def _in_flight(self, slot: Slot) -> int:
        key = self._key(slot)
        return sum(1 for s in self.registry.slots.values()
                   if s.nr == NR_TIMER_CREATE and s.id != slot.id and self._key(s) == key)

    def check(self, slot: Slot, ret: int) -> None:
        """A timer_create that succeeded wrote an id the process's counter may give; a
        call on a timer id succeeds only for a live timer of the process."""
        if slot.nr in USES:
            self._check_live(slot, ret)
            return
        if slot.nr != NR_TIMER_CREATE or ret != 0 or not slot.args[2] or not self._quiet(slot):
            return
        timer = self._id(slot)
        proc = self._process(slot)
        if timer < 0 or timer in proc.live:
            refuse("return.timer_id", Status.ERR_DENIED,
                   f"timer_create wrote timer id {timer}, which "
                   + ("no timer has" if timer < 0 else "a live timer of the process holds"))
            return
        if proc.creates is not None and proc.creates < INT_MAX:
            bound = proc.creates + self._in_flight(slot)
            if timer > bound:
                refuse("return.timer_id", Status.ERR_DENIED,
                       f"timer_create wrote timer id {timer}, but the process made "
                       f"{proc.creates} timer_create calls before: Linux's per-process "
                       f"counter hands out at most {bound}")

    def _check_live(self, slot: Slot, ret: int) -> None:
        """`return.timer_live`: Linux's lock_timer() finds only a live timer of the
        caller's process (its signal_struct's); any other id answers -EINVAL."""
        if ret >= ERRNO_FLOOR:
            return
        proc = self._process(slot)
        timer = _timer_arg(slot)
        if timer in proc.live or not proc.complete or self._in_flight(slot):
            return
        refuse("return.timer_live", Status.ERR_DENIED,
               f"{_NAMES[slot.nr]} succeeds on timer id {timer}, which no live timer of the "
               f"process holds ({len(proc.live)} live: a process starts with none, exec "
               "deletes them all, and only its own timer_create makes one)")

    def record(self, slot: Slot, ret: int) -> None:
        proc = self._process(slot)
        if slot.nr == NR_TIMER_CREATE:
            if proc.creates is not None:
                proc.creates += 1
            if ret == 0:
                raw = self.memory.read(slot.args[2], 4, slot.root) \
                    if slot.args[2] and self._quiet(slot) else None
                if raw is None:
                    proc.complete = False
                else:
                    timer = struct.unpack("<i", raw)[0]
                    proc.live.add(timer)
                    value = self._event_value(slot, timer)
                    if value is not None:
                        proc.values[timer] = value
        elif slot.nr == NR_TIMER_DELETE and ret < ERRNO_FLOOR:
            timer = _timer_arg(slot)
            proc.live.discard(timer)
            proc.values.pop(timer, None)

    def _event_value(self, slot: Slot, timer: int) -> bytes | None:
        """The si_value the timer's signal carries (None: no signal, or not read):
        sigev_value for SIGEV_SIGNAL (or SIGEV_THREAD_ID), the id for a NULL sigevent
        (Linux's default: SIGALRM, sival_int = the id)."""
        if not slot.args[1]:
            return struct.pack("<iI", timer, 0)
        raw = self.memory.read(slot.args[1], _SIGEVENT_HEAD, slot.root)
        if raw is None:
            return None
        notify = struct.unpack_from("<i", raw, _SIGEV_NOTIFY)[0] & ~_SIGEV_THREAD_ID
        return raw[:8] if notify == _SIGEV_SIGNAL else None

    def check_expiry(self, slot: Slot, signo: int, info: bytes) -> None:
        """`signal.timer_value`: a SI_TIMER siginfo naming a live timer of the receiving
        process carries the si_value timer_create gave that timer (posix_timer_event
        queues the timer's own preallocated siginfo)."""
        if len(info) < 32 or struct.unpack_from("<i", info, 8)[0] != SI_TIMER:
            return
        proc = self.processes.get(self._key(slot))
        timer = struct.unpack_from("<i", info, _SI_TID)[0]
        want = proc.values.get(timer) if proc is not None else None
        if want is not None and info[_SI_VALUE:_SI_VALUE + 8] != want:
            refuse("signal.timer_value", Status.ERR_DENIED,
                   f"signal {signo} reports an expiry of the program's timer {timer} with "
                   f"si_value {info[_SI_VALUE:_SI_VALUE + 8].hex()}, not the "
                   f"{want.hex()} its timer_create gave it")

    def note_exec_image(self, root: int) -> None:
        """CREATE_DOMAIN started `root` as an exec'd image (its timers ended at exec)."""
        self.exec_images.add(root)

    def forget(self, root: int) -> None:
        self.exec_images.discard(root)
        self.processes = {k: v for k, v in self.processes.items() if k[0] != root}


_NAMES = {nr: name for name, nr in NUMBERS.items() if nr in USES}


def _timer_arg(slot: Slot) -> int:
    """The timer id (a timer_t: an int) the call names in x0."""
    return struct.unpack("<i", struct.pack("<I", slot.args[0] & 0xFFFF_FFFF))[0]
