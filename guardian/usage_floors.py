"""What getrusage reports never goes back, and a process's never trails its thread's.

Linux keeps a process's resource usage as running sums: the CPU times getrusage reports
are adjusted so that neither user nor system time ever decreases (cputime_adjust keeps
the previous pair as a floor), and the counts (faults, context switches, blocks read and
written) and the peak RSS only grow.  RUSAGE_SELF sums the process's threads, live and
gone, so none of its values is below the value RUSAGE_THREAD gave for one of its threads
before (user and system time as their sum, which is the thread's runtime: the split of a
runtime into user and system time is scaled per thread, the sum is not).  A program
subtracts two readings and indexes by the difference ("seconds between pick a label");
a kernel that turns a reading back makes that index negative.  Check
`return.clock_monotonic`:

* RUSAGE_SELF and RUSAGE_CHILDREN per process, RUSAGE_THREAD per thread: ru_utime,
  ru_stime, ru_maxrss, ru_minflt, ru_majflt, ru_inblock, ru_oublock, ru_nvcsw and
  ru_nivcsw are each at least the latest value let through;
* RUSAGE_SELF's values (user plus system time for the times) are at least the highest
  a RUSAGE_THREAD reading of one of its threads gave.

The floors live on the address space (as the CPU-time clocks' do), so a fork child or an
exec'd image starts with none, and move only once the whole return was accepted.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: Every call `UsageFloors` acts on.
CALLS = frozenset({NUMBERS["getrusage"]})
RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD = 0, -1, 1
_RUSAGE = struct.Struct("<18q")
_US = 1_000_000
#: The values that only grow, by their index among struct rusage's 18 longs (the two
#: timevals come as their microseconds), and their names.
_GROWING = {"ru_utime": None, "ru_stime": None, "ru_maxrss": 4, "ru_minflt": 8,
            "ru_majflt": 9, "ru_inblock": 11, "ru_oublock": 12, "ru_nvcsw": 16,
            "ru_nivcsw": 17}
_NAMES = tuple(_GROWING)
_TIMES = len(_NAMES)                      # the index of "user plus system time"
#: User and system time apart: a process's split is scaled on its own, not its threads'.
_SPLIT = (0, 1)
#: Floor keys: (base + value index, whose); a thread's highest reading lifts its process.
_BASE = {RUSAGE_SELF: 100, RUSAGE_CHILDREN: 200, RUSAGE_THREAD: 300}
_THREADS_OF_GROUP = 400
Readings = list[tuple[tuple[int, int], int]]


def _values(raw: bytes) -> list[int]:
    """The growing values of a struct rusage, then user plus system time (in us)."""
    longs = _RUSAGE.unpack(raw)
    utime, stime = longs[0] * _US + longs[1], longs[2] * _US + longs[3]
    out = [utime, stime] + [longs[i] for i in _GROWING.values() if i is not None]
    return out + [utime + stime]


class UsageFloors:
    """The latest resource usage let through, per process and thread, on its space."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def check(self, slot: Slot, ret: int) -> Readings | None:
        """`return.clock_monotonic` for getrusage; the readings to `commit`."""
        who = slot.args[0] & 0xFFFF_FFFF
        who = who - (1 << 32) if who >> 31 else who
        va = slot.args[1]
        if ret != 0 or who not in _BASE or not va:
            return None
        raw = self.memory.read(va, _RUSAGE.size, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, _RUSAGE.size, False)
            raise FaultIn(va if missing is None else missing)
        values = _values(raw)
        group = self.registry.group_of(slot.root, slot.thread)
        whose = slot.thread if who == RUSAGE_THREAD else group
        space = self.registry.space_of(slot.domain, slot.root)
        floors = space.cpu_floors if space is not None else {}
        readings: Readings = []
        for i, value in enumerate(values):
            floor = floors.get((_BASE[who] + i, whose))
            if who == RUSAGE_SELF and i not in _SPLIT:
                thread_high = floors.get((_THREADS_OF_GROUP + i, group))
                if thread_high is not None and (floor is None or thread_high > floor):
                    floor = thread_high
            if floor is not None and value < floor:
                name = "user plus system time" if i == _TIMES else _NAMES[i]
                refuse("return.clock_monotonic", Status.ERR_DENIED,
                       f"getrusage({who}) reports {name} {value}, less than {floor} the "
                       "program already saw (of this process, or of one of its threads): "
                       "resource usage never goes back, so the difference the program "
                       "takes would be negative")
            readings.append(((_BASE[who] + i, whose), value))
            if who == RUSAGE_THREAD:
                readings.append(((_THREADS_OF_GROUP + i, group), value))
        return readings

    def commit(self, slot: Slot, readings: Readings) -> None:
        space = self.registry.space_of(slot.domain, slot.root)
        if space is not None:
            for key, value in readings:
                if value > space.cpu_floors.get(key, value - 1):
                    space.cpu_floors[key] = value
