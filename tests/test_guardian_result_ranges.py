"""Values Linux keeps in range: clocks that never go back, process ids, priorities,
counters, a sleep's remaining time, sysinfo's process count (guardian/clock_floors.py,
guardian/result_ranges.py), judged through RESUME as the kernel answers them."""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_guardian_result_outputs import OUT, VA, _refused_by
from tests.test_guardian_result_values import EINTR, _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build

NS = 10**9
MONOTONIC, REALTIME, BOOTTIME, BOOTTIME_ALARM = 1, 0, 7, 9
TS = (OUT, OUT + 16)


@pytest.fixture(scope="module")
def s() -> Scene:
    """Domain 1 with tree A live (as tests/test_guardian_result_values.py sets it up)."""
    built = build()
    cpu = built.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, built.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return built


def _clock(s: Scene, clock: int, ns: int) -> int:
    _put(s, OUT, struct.pack("<qq", ns // NS, ns % NS))
    return _resume(s, "clock_gettime", (clock, OUT), 0, [TS])


def test_monotonic_clocks_never_go_back(s: Scene) -> None:
    base = 5000 * NS
    assert _clock(s, MONOTONIC, base) == Status.OK
    assert _clock(s, MONOTONIC, base - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, base) == Status.OK            # the same reading again
    assert _clock(s, REALTIME, 1) == Status.OK               # settimeofday may set it back
    # BOOTTIME (and its _ALARM twin) is never behind MONOTONIC's floor.
    assert _clock(s, BOOTTIME, base - NS) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, BOOTTIME_ALARM, base + 2 * NS) == Status.OK
    assert _clock(s, BOOTTIME, base + NS) == Status.ERR_DENIED
    # A refused reading leaves the floor where it was.
    assert _clock(s, BOOTTIME, base + 2 * NS) == Status.OK
    assert _clock(s, MONOTONIC, base + 1) == Status.OK


def test_an_absolute_sleep_that_returned_reached_its_deadline(s: Scene) -> None:
    deadline = 9000 * NS
    req = struct.pack("<qq", deadline // NS, 0)
    _put(s, VA, req)
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 1, VA, 0), 0, [], asked={VA: req}) \
        == Status.OK
    assert _clock(s, MONOTONIC, deadline - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, deadline) == Status.OK
    # A relative sleep says nothing about where the clock stands.
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 0, VA, 0), 0, [], asked={VA: req}) \
        == Status.OK
    assert _clock(s, MONOTONIC, deadline + 1) == Status.OK


def test_ids_stay_in_linuxs_range_and_getpid_is_one_value(s: Scene) -> None:
    for name, ret in (("getpid", (1 << 64) - 1), ("gettid", 0xFFFF_FFFD), ("gettid", 0),
                      ("getppid", 4194305), ("getsid", 1 << 40)):
        assert _resume(s, name, (), ret, []) == Status.ERR_DENIED, (name, ret)
        assert _refused_by(s, "return.id_range")
    for name, ret in (("getppid", 0), ("getpgid", 0), ("gettid", 4194304), ("getsid", 3)):
        assert _resume(s, name, (), ret, []) == Status.OK, (name, ret)
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "getpid", (), 78, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "getpid", (), EINTR, []) == Status.ERR_DENIED    # it cannot fail
    assert _resume(s, "getsid", (), (1 << 64) - 3, []) == Status.OK     # -ESRCH


def test_getpriority_is_20_minus_nice(s: Scene) -> None:
    for ret, ok in ((0, False), (1, True), (20, True), (40, True), (41, False),
                    ((1 << 64) - 13, True)):                 # -EACCES
        assert (_resume(s, "getpriority", (0, 0), ret, []) == Status.OK) is ok, ret
    assert _resume(s, "getpriority", (0, 0), 60, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")


def test_sysinfo_counts_the_caller(s: Scene) -> None:
    info = bytearray(112)
    struct.pack_into("<q", info, 0, 5)
    struct.pack_into("<H", info, 80, 1)
    struct.pack_into("<I", info, 104, 1)
    _put(s, OUT, bytes(info))
    done = [(OUT, OUT + 112)]
    assert _resume(s, "sysinfo", (OUT,), 0, done) == Status.OK
    for off, fmt, bad in ((80, "<H", 0), (104, "<I", 0), (0, "<q", -1)):
        good = struct.unpack_from(fmt, info, off)[0]
        _put(s, OUT + off, struct.pack(fmt, bad))
        assert _resume(s, "sysinfo", (OUT,), 0, done) == Status.ERR_DENIED, off
        assert _refused_by(s, "return.value_range")
        _put(s, OUT + off, struct.pack(fmt, good))


def test_an_interrupted_sleep_leaves_at_most_what_it_asked(s: Scene) -> None:
    req = struct.pack("<qq", 1, 0)
    _put(s, VA, req)
    for left, ok in ((NS, True), (NS // 2, True), (NS + 1, False), (2 * NS, False)):
        _put(s, OUT, struct.pack("<qq", left // NS, left % NS))
        got = _resume(s, "nanosleep", (VA, OUT), EINTR, [TS], asked={VA: req})
        assert (got == Status.OK) is ok, left
    assert _refused_by(s, "return.value_range")
    # nanosleep(&ts, &ts): judged against the request as it entered, not as it is now.
    _put(s, VA, struct.pack("<qq", 3, 0))
    assert _resume(s, "nanosleep", (VA, VA), EINTR, [(VA, VA + 16)], asked={VA: req}) \
        == Status.ERR_DENIED
    _put(s, OUT, struct.pack("<qq", 2, 0))
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 0, VA, OUT), EINTR, [TS],
                   asked={VA: req}) == Status.ERR_DENIED
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 1, VA, OUT), EINTR, [],
                   asked={VA: req}) == Status.OK               # absolute: no time left


def test_a_counter_read_from_an_eventfd_is_never_zero(s: Scene) -> None:
    fd = 9
    assert _resume(s, "eventfd2", (0, 0), fd, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 0))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")
    _put(s, OUT, struct.pack("<Q", 3))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    _put(s, OUT, struct.pack("<Q", 0))                       # any other file may read zeros
    assert _resume(s, "read", (fd + 1, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK



def test_an_absolute_timerfd_that_expired_reached_its_deadline(s: Scene) -> None:
    fd, deadline = 11, 12000 * NS
    assert _resume(s, "timerfd_create", (MONOTONIC, 0), fd, []) == Status.OK
    _put(s, VA, struct.pack("<qqqq", 0, 0, deadline // NS, 0))      # it_interval, it_value
    assert _resume(s, "timerfd_settime", (fd, 1, VA, 0), 0, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 1))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    assert _clock(s, MONOTONIC, deadline - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, deadline) == Status.OK
    # A relative timer says nothing about where the clock stands.
    _put(s, VA, struct.pack("<qqqq", 0, 0, 2 * deadline // NS, 0))
    assert _resume(s, "timerfd_settime", (fd, 0, VA, 0), 0, []) == Status.OK
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    assert _clock(s, MONOTONIC, deadline + 1) == Status.OK


def _as_thread(s: Scene, name: str, thread: int, ret: int, new_thread: int = 0) -> int:
    """`name` returns `ret` to thread `thread` of tree A (a clone: having made
    `new_thread`)."""
    sid = 960 + len(s.g.decisions)
    args = (0x5_0F00, 0, 0, 0, 0, 0) if new_thread else (0,) * 6   # a pthread's clone flags
    slot = s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, NUMBERS[name], args,
                                      root=s.b + ROOT_A, thread=thread)
    if new_thread:
        slot.children, slot.new_thread = 1, new_thread
    status = s.call(Call.RESUME, sid, ret, slot.kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def test_gettid_is_the_thread_s_own_id(s: Scene) -> None:
    main, worker, late = 31, 32, 33
    assert _as_thread(s, "gettid", main, 500) == Status.OK
    assert _as_thread(s, "gettid", main, 501) == Status.ERR_DENIED       # one id per thread
    assert _refused_by(s, "return.id_range")
    # The worker asks before its creator's clone returns: never its creator's id.
    assert _as_thread(s, "gettid", worker, 500) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _as_thread(s, "gettid", worker, 502) == Status.OK
    assert _as_thread(s, "clone", main, 503, new_thread=worker) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _as_thread(s, "clone", main, 502, new_thread=worker) == Status.OK
    # The clone returns first: the new thread's gettid is what it returned.
    assert _as_thread(s, "clone", main, 500, new_thread=late) == Status.ERR_DENIED  # creator's
    assert _as_thread(s, "clone", main, 504, new_thread=late) == Status.OK
    assert _as_thread(s, "gettid", late, 505) == Status.ERR_DENIED
    assert _as_thread(s, "gettid", late, 504) == Status.OK
