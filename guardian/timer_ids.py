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
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from abi import Status
from abi.descriptors import INT_MAX
from abi.layout import ERRNO_FLOOR, NR_TIMER_CREATE, NR_TIMER_DELETE
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: Every call `TimerIds` acts on.
CALLS = frozenset({NR_TIMER_CREATE, NR_TIMER_DELETE})


@dataclass
class ProcessTimers:
    """One process's timers as far as its calls showed them."""

    live: set[int] = field(default_factory=set)
    #: timer_create calls returned (any result); None: the counter is not known (exec).
    creates: int | None = 0


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

    def _in_flight(self, slot: Slot) -> int:
        key = self._key(slot)
        return sum(1 for s in self.registry.slots.values()
                   if s.nr == NR_TIMER_CREATE and s.id != slot.id and self._key(s) == key)

    def check(self, slot: Slot, ret: int) -> None:
        """A timer_create that succeeded wrote an id the process's counter may give."""
        if slot.nr != NR_TIMER_CREATE or ret != 0 or not slot.args[2]:
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

    def record(self, slot: Slot, ret: int) -> None:
        proc = self._process(slot)
        if slot.nr == NR_TIMER_CREATE:
            if proc.creates is not None:
                proc.creates += 1
            if ret == 0 and slot.args[2]:
                raw = self.memory.read(slot.args[2], 4, slot.root)
                if raw is not None:
                    proc.live.add(struct.unpack("<i", raw)[0])
        elif slot.nr == NR_TIMER_DELETE and ret < ERRNO_FLOOR:
            proc.live.discard(struct.unpack("<i", struct.pack("<I", slot.args[0]
                                                              & 0xFFFF_FFFF))[0])

    def note_exec_image(self, root: int) -> None:
        """CREATE_DOMAIN started `root` as an exec'd image (its timers ended at exec)."""
        self.exec_images.add(root)

    def forget(self, root: int) -> None:
        self.exec_images.discard(root)
        self.processes = {k: v for k, v in self.processes.items() if k[0] != root}
