"""The clocks Linux never turns back, as a confidential program's own calls saw them.

CLOCK_MONOTONIC (and _RAW, _COARSE) and CLOCK_BOOTTIME are system-wide clocks that only go
forward, and CLOCK_BOOTTIME is CLOCK_MONOTONIC plus the time suspended, so it is never
behind it.  A program subtracts two readings and uses the difference as an index or a
length ("elapsed seconds pick a bucket"); a kernel that hands out an earlier reading makes
that difference negative.  So the Guardian keeps, per domain (its processes read one
clock: a fork child too), the latest reading it let through of each of these clocks and
refuses one below it (check `return.clock_monotonic`):

* clock_gettime of CLOCK_MONOTONIC, _RAW, _COARSE, CLOCK_BOOTTIME (its _ALARM twin reads
  the same clock) answers at least that clock's floor; CLOCK_BOOTTIME also at least the
  CLOCK_MONOTONIC floor;
* an absolute clock_nanosleep (TIMER_ABSTIME) that returned 0 has reached its deadline:
  the clock's floor rises to it (the deadline as the program passed it, kept at entry);
* sysinfo's uptime is CLOCK_BOOTTIME in whole seconds, rounded up (do_sysinfo): at least
  the CLOCK_BOOTTIME floor, and it raises that floor to a second below it;
* so has a timerfd armed with TFD_TIMER_ABSTIME once a read of it counts an expiration:
  the floor of the clock it was made on rises to its first deadline (kept per open file,
  which every copy of the descriptor shares; a relative or disarming settime forgets it);
* a wait that timed out and a relative sleep that completed lasted at least their timeout
  (Linux's timers never expire early; check `clock.timeout_elapsed`): FUTEX_WAIT answering
  -ETIMEDOUT, nanosleep and a relative clock_nanosleep answering 0, and ppoll, pselect6,
  epoll_pwait and epoll_pwait2 answering 0 (nothing ready) raise the floor of the clock
  their timer runs on (CLOCK_MONOTONIC; a sleep's own clock) to the floor it had at their
  entry plus the timeout, and an absolute FUTEX_WAIT_BITSET that timed out raises it to
  its deadline.  A wait the kernel restarts (RESUME at its SVC) is continued by the same
  call entering again on that thread: its floor is the first entry's (`note_restart`).
  A timeout of 0 ends at once (the floor stays); -EINTR is no timeout.
  A timer on CLOCK_REALTIME (FUTEX_CLOCK_REALTIME) is not judged: that clock may jump.

A process's CPU time only grows too (check `return.clock_monotonic`, `CpuTimeFloors`):
CLOCK_PROCESS_CPUTIME_ID per process, CLOCK_THREAD_CPUTIME_ID per thread, and each of
times()' four fields (user and system time of the process, and of its waited-for
children) per process.  Their floors live on the address space, so that a fork child or
an exec'd image (a new space) starts with none: a reading nobody saw before passes.

CLOCK_REALTIME may go back (settimeofday): it is not judged.  The floors move only once
the whole return was accepted (`commit`), so a refusal changes nothing.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import FaultIn, refuse
from guardian.confidential_registry import Registry
from guardian.fd_results import s32
from guardian.slots import Slot
from guardian.user_memory import UserMemory

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, OpenFile

_NR_CLOCK_GETTIME, _NR_CLOCK_NANOSLEEP = NUMBERS["clock_gettime"], NUMBERS["clock_nanosleep"]
_NR_TIMERFD_CREATE, _NR_TIMERFD_SETTIME = NUMBERS["timerfd_create"], NUMBERS["timerfd_settime"]
_NR_READ, _NR_SYSINFO = NUMBERS["read"], NUMBERS["sysinfo"]
_NR_NANOSLEEP, _NR_FUTEX, _NR_PPOLL = NUMBERS["nanosleep"], NUMBERS["futex"], NUMBERS["ppoll"]
_NR_PSELECT6 = NUMBERS["pselect6"]
_NR_EPOLL_PWAIT, _NR_EPOLL_PWAIT2 = NUMBERS["epoll_pwait"], NUMBERS["epoll_pwait2"]
#: The calls that wait with a timeout: `note_wait` keeps, at their entry, how far the
#: clock has gone once the timeout passed.  A wait the kernel restarts (RESUME at its SVC,
#: then the same call again) keeps the floor of its first entry (`note_restart`).
TIMED_CALLS = frozenset({_NR_NANOSLEEP, _NR_CLOCK_NANOSLEEP, _NR_FUTEX, _NR_PPOLL,
                         _NR_PSELECT6, _NR_EPOLL_PWAIT, _NR_EPOLL_PWAIT2})
#: Every call `ClockFloors` acts on.
CALLS = frozenset({_NR_CLOCK_GETTIME, _NR_CLOCK_NANOSLEEP, _NR_TIMERFD_CREATE,
                   _NR_TIMERFD_SETTIME, _NR_READ, _NR_SYSINFO, *TIMED_CALLS})
CLOCK_MONOTONIC, CLOCK_BOOTTIME = 1, 7
#: The clocks judged, each by the clock it reads (CLOCK_BOOTTIME_ALARM reads BOOTTIME).
_CLOCK_OF = {CLOCK_MONOTONIC: CLOCK_MONOTONIC, 4: 4, 6: 6,      # MONOTONIC, _RAW, _COARSE
             CLOCK_BOOTTIME: CLOCK_BOOTTIME, 9: CLOCK_BOOTTIME}
_NAMES = {CLOCK_MONOTONIC: "CLOCK_MONOTONIC", 4: "CLOCK_MONOTONIC_RAW",
          6: "CLOCK_MONOTONIC_COARSE", CLOCK_BOOTTIME: "CLOCK_BOOTTIME"}
TIMER_ABSTIME = 1
FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_CMD_MASK, FUTEX_CLOCK_REALTIME = 0, 9, 0x7F, 256
ETIMEDOUT = 110
_TIMESPEC = struct.Struct("<qq")
_NS = 1_000_000_000


def timespec_ns(raw: bytes) -> int:
    sec, nsec = _TIMESPEC.unpack(raw)
    return sec * _NS + nsec


def _show(ns: int) -> str:
    return f"{ns // _NS}.{ns % _NS:09d} s"


class ClockFloors:
    """The latest reading let through of each never-decreasing clock, per domain."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        self.floors: dict[int, dict[int, int]] = {}
        #: a timerfd's open file -> (its clock, its absolute first deadline or None)
        self.timerfds: dict[Description, tuple[int, int | None]] = {}
        #: (root, thread) -> the timed wait its kernel restarted last: (call, arguments,
        #: the floor its first entry noted), until the same call enters again
        self.restarted: dict[tuple[int, int], tuple[int, tuple[int, ...],
                                                    tuple[int, int] | None]] = {}

    def _open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        return self.files.table(slot.root, slot.thread).fds.get(s32(fd))

    def _timerfd(self, slot: Slot, ret: int) -> tuple[int, int] | None:
        """A timerfd's settime (which deadline it keeps) and its reads (which reached it)."""
        f = self._open_file(slot, slot.args[0])
        timer = self.timerfds.get(f.description) if f is not None else None
        if timer is None:
            return None
        clock, deadline = timer
        if slot.nr == _NR_TIMERFD_SETTIME:
            if ret == 0:
                raw = self.memory.read(slot.args[2], 32, slot.root) if slot.args[2] else None
                value = timespec_ns(raw[16:]) if raw is not None else 0
                self.timerfds[f.description] = (clock, value if value and
                                                slot.args[1] & TIMER_ABSTIME else None)
            return None
        if ret == 8 and deadline is not None:
            count = self.memory.read(slot.args[1], 8, slot.root)
            if count is not None and any(count):
                return clock, deadline
        return None

    def _clock(self, slot: Slot) -> int | None:
        return _CLOCK_OF.get(slot.args[0] & 0xFFFF_FFFF)

    @staticmethod
    def _timed_out(slot: Slot, ret: int) -> bool:
        """Whether the return says the wait's whole timeout passed."""
        if slot.nr == _NR_FUTEX:
            return ret == (-ETIMEDOUT) & (1 << 64) - 1
        if slot.nr == _NR_CLOCK_NANOSLEEP and slot.args[1] & TIMER_ABSTIME:
            return False                     # (its deadline is judged below)
        return ret == 0

    def note_restart(self, slot: Slot) -> None:
        """A timed wait in `slot` is restarted (its return re-runs its SVC): the same call
        that enters next on that thread continues this wait, toward the deadline of its
        first entry (Linux's restart_block keeps the expiry; ppoll and pselect6 write the
        time left back) -- not a new wait whose whole timeout is still ahead."""
        self.restarted[(slot.root, slot.thread)] = (slot.nr or 0, slot.args, slot.wait_floor)

    def note_wait(self, slot: Slot) -> None:
        """At a timed wait's entry: the (clock, value) the clock has reached at least once
        the timeout passed, from the timeout as the program passed it and the clock's floor
        now (nothing when no floor is known or the timer runs on a clock that jumps); a
        restart of the thread's last restarted wait (same call, same arguments) keeps that
        wait's."""
        if not checks.enabled("clock.timeout_elapsed"):
            return
        if self.restarted:
            first = self.restarted.get((slot.root, slot.thread))
            if first is not None and first[:2] == (slot.nr, slot.args):
                del self.restarted[(slot.root, slot.thread)]
                slot.wait_floor = first[2]
                return
        a, nr = slot.args, slot.nr
        clock, absolute = CLOCK_MONOTONIC, False
        if nr == _NR_EPOLL_PWAIT:
            ms = a[3] & 0xFFFF_FFFF
            if ms >= 1 << 31:                 # a negative C int: no timeout
                return
            timeout: int | None = ms * 1_000_000
        else:
            if nr == _NR_FUTEX:
                cmd = a[1] & FUTEX_CMD_MASK
                if cmd not in (FUTEX_WAIT, FUTEX_WAIT_BITSET) or a[1] & FUTEX_CLOCK_REALTIME:
                    return
                absolute = cmd == FUTEX_WAIT_BITSET
            elif nr == _NR_CLOCK_NANOSLEEP:
                clock_of = _CLOCK_OF.get(a[0] & 0xFFFF_FFFF)
                if clock_of not in (CLOCK_MONOTONIC, CLOCK_BOOTTIME) or a[1] & TIMER_ABSTIME:
                    return                   # (an absolute sleep: `check` judges it)
                clock = clock_of
            va = {_NR_NANOSLEEP: 0, _NR_CLOCK_NANOSLEEP: 2, _NR_FUTEX: 3, _NR_PPOLL: 2,
                  _NR_PSELECT6: 4, _NR_EPOLL_PWAIT2: 3}[nr]
            timeout = self._timespec_at(slot, a[va]) if a[va] else None
        if timeout is None or timeout < 0:
            return
        if absolute:
            slot.wait_floor = (clock, timeout)
            return
        base = self.floor(slot.domain, clock)
        if base is not None:
            slot.wait_floor = (clock, base + timeout)

    def _timespec_at(self, slot: Slot, va: int) -> int | None:
        raw = slot.asked.get(va) or self.memory.read(va, _TIMESPEC.size, slot.root)
        return timespec_ns(raw) if raw is not None else None

    def floor(self, domain: int, clock: int) -> int | None:
        floors = self.floors.get(domain, {})
        if clock == CLOCK_BOOTTIME:
            known = [floors[c] for c in (CLOCK_BOOTTIME, CLOCK_MONOTONIC) if c in floors]
            return max(known) if known else None
        return floors.get(clock)

    def check(self, slot: Slot, ret: int) -> tuple[int, int] | None:
        """`return.clock_monotonic` for a clock_gettime or clock_nanosleep that returned;
        the (clock, value) the return shows, for `commit` once it is accepted."""
        if slot.nr in (_NR_READ, _NR_TIMERFD_SETTIME):
            return self._timerfd(slot, ret) if self.timerfds else None
        if slot.nr == _NR_SYSINFO:
            return self._uptime(slot, ret)
        if slot.wait_floor is not None and self._timed_out(slot, ret):
            return slot.wait_floor
        if slot.nr in TIMED_CALLS and slot.nr != _NR_CLOCK_NANOSLEEP:
            return None
        clock = self._clock(slot)
        if clock is None or ret >= ERRNO_FLOOR or (ret != 0 and slot.nr != _NR_TIMERFD_CREATE):
            return None
        if slot.nr == _NR_TIMERFD_CREATE:
            return clock, -ret - 1           # (a new timer: `commit` notes its clock)
        if slot.nr == _NR_CLOCK_NANOSLEEP:
            asked = slot.asked.get(slot.args[2])
            if slot.args[1] & TIMER_ABSTIME and asked is not None:
                return clock, timespec_ns(asked)
            return None
        va = slot.args[1]
        raw = self.memory.read(va, _TIMESPEC.size, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, _TIMESPEC.size, False)
            raise FaultIn(va if missing is None else missing)
        now = timespec_ns(raw)
        floor = self.floor(slot.domain, clock)
        if floor is not None and now < floor:
            refuse("return.clock_monotonic", Status.ERR_DENIED,
                   f"clock_gettime({_NAMES[clock]}) answers {_show(now)}, earlier than "
                   f"{_show(floor)} the program already saw (a reading, an absolute sleep's "
                   "deadline or a timeout that passed): the clock never goes back, so the program's elapsed time "
                   "would be negative")
        return clock, now

    def _uptime(self, slot: Slot, ret: int) -> tuple[int, int] | None:
        """sysinfo's uptime: CLOCK_BOOTTIME's seconds, rounded up, so never below its floor;
        the reading it shows is more than a second below it."""
        if ret != 0 or not slot.args[0]:
            return None
        raw = self.memory.read(slot.args[0], 8, slot.root)
        if raw is None:
            missing = self.memory.first_missing(slot.args[0], 8, False)
            raise FaultIn(slot.args[0] if missing is None else missing)
        uptime = struct.unpack("<q", raw)[0]
        floor = self.floor(slot.domain, CLOCK_BOOTTIME)
        if floor is not None and uptime * _NS < floor:
            refuse("return.clock_monotonic", Status.ERR_DENIED,
                   f"sysinfo's uptime is behind the {_show(floor)} of CLOCK_BOOTTIME the "
                   "program already saw: it is that clock in whole seconds, rounded up")
        return CLOCK_BOOTTIME, max(0, (uptime - 1) * _NS)

    def commit(self, slot: Slot, shown: tuple[int, int]) -> None:
        """Raise the floor an accepted return showed (after the descriptor table noted
        the return: a timerfd_create's new descriptor is there)."""
        clock, value = shown
        if value < 0:                        # timerfd_create returned descriptor -value - 1
            f = self._open_file(slot, -value - 1)
            if f is not None:
                self.timerfds[f.description] = (clock, None)
            return
        domain = slot.domain
        floors = self.floors.setdefault(domain, {})
        if value > floors.get(clock, value - 1):
            floors[clock] = value


def note_request(memory: UserMemory, slot: Slot) -> None:
    """Keep a sleep's request as the program passed it (nanosleep's first argument,
    clock_nanosleep's third): the kernel may write the remaining time over it."""
    va = slot.args[0 if slot.nr == NUMBERS["nanosleep"] else 2]
    if va:
        raw = memory.read(va, _TIMESPEC.size, slot.root)
        if raw is not None:
            slot.asked[va] = raw


#: The calls whose request `note_request` keeps at entry.
SLEEP_CALLS = frozenset({NUMBERS["nanosleep"], _NR_CLOCK_NANOSLEEP})


CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 2, 3
_NR_TIMES = NUMBERS["times"]
#: The calls `CpuTimeFloors` acts on.
CPU_TIME_CALLS = frozenset({_NR_CLOCK_GETTIME, _NR_TIMES})
_TMS = struct.Struct("<qqqq")           # tms_utime, tms_stime, tms_cutime, tms_cstime
_TMS_NAMES = ("tms_utime", "tms_stime", "tms_cutime", "tms_cstime")
#: what a floor is of -> its name: the two CPU-time clocks, then times()' fields (4 + i)
_CPU_NAMES = {CLOCK_PROCESS_CPUTIME_ID: "CLOCK_PROCESS_CPUTIME_ID",
              CLOCK_THREAD_CPUTIME_ID: "CLOCK_THREAD_CPUTIME_ID",
              **{4 + i: f"times()' {n}" for i, n in enumerate(_TMS_NAMES)}}
#: (what, whose: a thread group or a thread) -> the reading
Readings = list[tuple[tuple[int, int], int]]


class CpuTimeFloors:
    """The latest CPU time let through of each process and thread, on its address space."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def _read(self, slot: Slot, va: int, n: int) -> bytes:
        raw = self.memory.read(va, n, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, n, False)
            raise FaultIn(va if missing is None else missing)
        return raw

    def check(self, slot: Slot, ret: int) -> Readings | None:
        """`return.clock_monotonic` for the CPU times; the readings to `commit`."""
        a = slot.args
        if ret >= ERRNO_FLOOR:
            return None
        group = self.registry.group_of(slot.root, slot.thread)
        if slot.nr == _NR_TIMES:
            if not a[0]:
                return None
            fields = _TMS.unpack(self._read(slot, a[0], _TMS.size))
            readings = [((4 + i, group), v) for i, v in enumerate(fields)]
        else:
            clock = a[0] & 0xFFFF_FFFF
            if clock not in (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) or ret:
                return None
            whose = group if clock == CLOCK_PROCESS_CPUTIME_ID else slot.thread
            readings = [((clock, whose), timespec_ns(self._read(slot, a[1], _TIMESPEC.size)))]
        space = self.registry.space_of(slot.domain, slot.root)
        floors = space.cpu_floors if space is not None else {}
        for key, value in readings:
            floor = floors.get(key)
            if floor is not None and value < floor:
                refuse("return.clock_monotonic", Status.ERR_DENIED,
                       f"{_CPU_NAMES[key[0]]} answers {value}, less than {floor} the program "
                       "already saw: CPU time never goes back, so the program's elapsed "
                       "time would be negative")
        return readings

    def commit(self, slot: Slot, readings: Readings) -> None:
        space = self.registry.space_of(slot.domain, slot.root)
        if space is not None:
            for key, value in readings:
                if value > space.cpu_floors.get(key, value - 1):
                    space.cpu_floors[key] = value
