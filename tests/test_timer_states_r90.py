"""A timerfd only the program holds, past timerfd_settime (red-team round 90: AW-017,
AW-018, AW-019, AW-031; guardian/timer_states.py, `return.timerfd_idle`), and the one-shot
rule's end at TFD_IOC_SET_TICKS (guardian/counter_files.py, `return.counter_read`): each
refusal beside the answer Linux gives."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.counter_files import CounterFiles
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, OUT, _call, _put, _refused
from tests.test_timerfd_ticks_r89 import TFD, TFD_IOC_SET_TICKS, _timerfd

EAGAIN = (-11) % (1 << 64)
OLD = BUF + 64


def _arm(prog: _Program, interval_ns: int, value_ns: int, old: int = 0) -> None:
    _put(prog, BUF, struct.pack("<qqqq", 0, interval_ns, 0, value_ns))
    _call(prog, "timerfd_settime", TFD, 0, BUF, old, ret=0)


def test_a_disarmed_timerfd_holds_no_tick(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 0, 1)                                    # armed for 1 ns ...
    _arm(prog, 0, 0)                                    # ... then disarmed: ticks = 0
    _put(prog, OUT, struct.pack("<Q", 1))
    _call(prog, "read", TFD, OUT, 8, ret=EAGAIN)        # Linux: -EAGAIN
    _refused("return.timerfd_idle", prog, "read", TFD, OUT, 8, ret=8)


def test_a_rearmed_timerfd_may_tick_again(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 0, 0)
    _arm(prog, 0, 1)
    _put(prog, OUT, struct.pack("<Q", 1))
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_a_one_shot_tick_is_read_once(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 0, 1)
    _put(prog, OUT, struct.pack("<Q", 1))
    _call(prog, "read", TFD, OUT, 8, ret=8)             # its one tick
    _refused("return.timerfd_idle", prog, "read", TFD, OUT, 8, ret=8)


def test_a_periodic_timer_ticks_on(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 1000, 1)
    _put(prog, OUT, struct.pack("<Q", 3))
    _call(prog, "read", TFD, OUT, 8, ret=8)
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_set_ticks_ends_the_following(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 0, 0)
    _put(prog, OUT, struct.pack("<Q", 5))
    _call(prog, "ioctl", TFD, TFD_IOC_SET_TICKS, OUT, ret=0)
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_a_read_in_flight_at_the_disarm_ends_the_following(prog: _Program) -> None:
    _timerfd(prog)
    _arm(prog, 0, 1)
    registry = prog.files.admission.registry
    other = registry.add_slot(1, UserContext(), 0, NUMBERS["read"], (TFD, OUT, 8, 0, 0, 0),
                              root=prog.root, thread=prog.thread)
    try:
        _arm(prog, 0, 0)            # (the read may have taken the tick before it)
    finally:
        del registry.slots[other.id]
    _put(prog, OUT, struct.pack("<Q", 1))
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_a_never_armed_timer_reports_zeros(prog: _Program) -> None:
    _timerfd(prog)
    _put(prog, OUT, bytes(32))
    _call(prog, "timerfd_gettime", TFD, OUT, ret=0)     # Linux: zeros
    _put(prog, OUT, struct.pack("<qqqq", 0, 0, 5, 0))
    _refused("return.timerfd_idle", prog, "timerfd_gettime", TFD, OUT, ret=0)
    _put(prog, BUF, struct.pack("<qqqq", 0, 0, 1000, 0))
    _put(prog, OLD, struct.pack("<qqqq", 0, 0, 5, 0))
    _refused("return.timerfd_idle", prog, "timerfd_settime", TFD, 0, BUF, OLD, ret=0)


def test_an_armed_timers_old_value_is_not_judged_here(prog: _Program) -> None:
    _timerfd(prog)
    _put(prog, OLD, bytes(32))
    _arm(prog, 0, 10**9, OLD)                           # the first: zeros
    _put(prog, OLD, struct.pack("<qqqq", 0, 0, 0, 999))
    _arm(prog, 0, 10**9, OLD)                           # time left of the first arming


def _counters(prog: _Program) -> CounterFiles:
    return CounterFiles(prog.memory, prog.files)


def _run(prog: _Program, counters: CounterFiles, name: str, *args: int, ret: int) -> None:
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    try:
        prog.files.check(slot, ret)
        prog.files.sole.check(slot, ret)
        counters.check(slot, ret)
        prog.files.record(slot, ret)
        prog.files.sole.record(slot, ret)
        counters.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def test_set_ticks_ends_the_one_shot_rule(prog: _Program) -> None:
    """claim_set_ticks: TFD_IOC_SET_TICKS of 5 on a one-shot timer, then 8 with 5."""
    counters = _counters(prog)
    _timerfd(prog)
    _put(prog, BUF, struct.pack("<qqqq", 0, 0, 1000, 0))
    _run(prog, counters, "timerfd_settime", TFD, 0, BUF, 0, ret=0)
    _put(prog, OUT, struct.pack("<Q", 5))
    with pytest.raises(Refused) as e:                   # no SET_TICKS: one tick at most
        _run(prog, counters, "read", TFD, OUT, 8, ret=8)
    assert e.value.check == "return.counter_read"
    _run(prog, counters, "ioctl", TFD, TFD_IOC_SET_TICKS, OUT, ret=0)
    _run(prog, counters, "read", TFD, OUT, 8, ret=8)    # Linux: 8 with 5
    _run(prog, counters, "timerfd_settime", TFD, 0, BUF, 0, ret=0)
    with pytest.raises(Refused):                        # re-armed: the rule again
        _run(prog, counters, "read", TFD, OUT, 8, ret=8)


def test_a_read_beside_an_arming_in_flight_may_take_its_tick(prog: _Program) -> None:
    """Thread 2's timerfd_settime(t, 1 ns) arms the spent one-shot timer, which fires,
    and thread 1's read takes that tick (8 with 1) before the settime returns to the
    Guardian: Linux's order, so the read is not judged against the state before."""
    _timerfd(prog)
    _arm(prog, 0, 1)
    _put(prog, OUT, struct.pack("<Q", 1))
    _call(prog, "read", TFD, OUT, 8, ret=8)             # its one tick: now spent
    registry = prog.files.admission.registry
    arming = registry.add_slot(1, UserContext(), 0, NUMBERS["timerfd_settime"],
                               (TFD, 0, BUF, 0, 0, 0), root=prog.root, thread=prog.thread)
    try:
        _call(prog, "read", TFD, OUT, 8, ret=8)
    finally:
        del registry.slots[arming.id]
