"""Every timer's time left is at most what it was set to (guardian/itimer_bounds.py,
`return.value_range`): ITIMER_VIRTUAL and ITIMER_PROF, POSIX timers and timerfds, read
back or reported as a setter's old value, with one tick of slack."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from tests.test_guardian_result_outputs import OUT, VA
from tests.test_guardian_result_ranges import _judged
from tests.test_guardian_result_ranges import s as _scene  # noqa: F401  (module fixture)
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene

NS, US = 10**9, 10**6
NEW = VA + 768
ITIMER_VIRTUAL, ITIMER_PROF = 1, 2


def its(value_ns: int, interval_ns: int = 0) -> bytes:
    return struct.pack("<qqqq", interval_ns // NS, interval_ns % NS, value_ns // NS,
                       value_ns % NS)


def itv(value_us: int) -> bytes:
    return struct.pack("<qqqq", 0, 0, value_us // US, value_us % US)


@pytest.fixture
def s(_scene: Scene) -> Scene:  # noqa: F811
    return _scene


def test_cpu_time_itimers_never_have_more_left_than_set(s: Scene) -> None:
    for which in (ITIMER_VIRTUAL, ITIMER_PROF):
        _put(s, NEW, itv(3 * US))
        assert _resume(s, "setitimer", (which, NEW, 0), 0, [], asked={NEW: itv(3 * US)}) \
            == Status.OK
        assert _judged(s, "getitimer", (which, OUT), 0, itv(3 * US + 10_000))  # a tick
        assert not _judged(s, "getitimer", (which, OUT), 0, itv(5 * US))
        # The old value a disarming setitimer reports, against the value before it.
        _put(s, NEW, itv(0))
        assert not _judged(s, "setitimer", (which, NEW, OUT), 0, itv(5 * US))


def _timer_create(s: Scene, timer: int) -> None:
    """timer_create(CLOCK_MONOTONIC, NULL, OUT) answered 0 with `timer` written: only a live
    timer answers (`return.timer_live`)."""
    _put(s, OUT, struct.pack("<i", timer))
    assert _resume(s, "timer_create", (1, 0, OUT), 0, [(OUT, OUT + 4)]) == Status.OK


def test_posix_timers_never_have_more_left_than_set(s: Scene) -> None:
    timer = 0                                   # a process's first timer id (posix_timer_add)
    _timer_create(s, timer)
    _timer_create(s, timer + 1)
    _put(s, NEW, its(3 * NS))
    assert _resume(s, "timer_settime", (timer, 0, NEW, 0), 0, [], asked={NEW: its(3 * NS)}) \
        == Status.OK
    assert _judged(s, "timer_gettime", (timer, OUT), 0, its(2 * NS))
    assert not _judged(s, "timer_gettime", (timer, OUT), 0, its(5 * NS))
    assert not _judged(s, "timer_gettime", (timer, OUT), 0, its(NS, 5 * NS))   # interval
    assert _judged(s, "timer_gettime", (timer + 1, OUT), 0, its(5 * NS))      # another timer
    _put(s, NEW, its(0))
    assert not _judged(s, "timer_settime", (timer, 0, NEW, OUT), 0, its(5 * NS))
    # An absolute setting leaves the time left to the clock; timer_delete forgets the id.
    abs_at = its(100 * NS)
    _put(s, NEW, abs_at)
    assert _resume(s, "timer_settime", (timer, 1, NEW, 0), 0, [], asked={NEW: abs_at}) \
        == Status.OK
    assert _judged(s, "timer_gettime", (timer, OUT), 0, its(50 * NS))
    _put(s, NEW, its(NS))
    assert _resume(s, "timer_settime", (timer, 0, NEW, 0), 0, [], asked={NEW: its(NS)}) \
        == Status.OK
    assert _resume(s, "timer_delete", (timer,), 0, []) == Status.OK
    # (no bound on a deleted timer's time left; that it answers nothing at all is
    # `return.timer_live`'s, tested where the calls' entries are noted: its ids are read
    # only at a quiet return)
    assert _judged(s, "timer_gettime", (timer, OUT), 0, its(5 * NS))


def test_a_timerfd_never_has_more_left_than_set(s: Scene) -> None:
    fd = 11
    assert _resume(s, "timerfd_create", (1, 0), fd, []) == Status.OK
    _put(s, NEW, its(3 * NS))
    assert _resume(s, "timerfd_settime", (fd, 0, NEW, 0), 0, [], asked={NEW: its(3 * NS)}) \
        == Status.OK
    assert _judged(s, "timerfd_gettime", (fd, OUT), 0, its(3 * NS))
    assert not _judged(s, "timerfd_gettime", (fd, OUT), 0, its(5 * NS))


def test_a_new_process_starts_with_its_itimers_unarmed() -> None:
    """copy_signal() zeroes a new process's signal_struct: until it arms one, its
    ITIMER_REAL reads all zero (and ITIMER_VIRTUAL/PROF at most a tick); a process whose
    itimers the Guardian never saw made or set is not judged."""
    from guardian.itimer_bounds import note_new_process
    from tests.test_secure_mm import ROOT_A, build_translating
    s = build_translating()
    root = s.b + ROOT_A
    assert _judged(s, "getitimer", (0, OUT), 0, itv(99 * US))              # unknown
    reg = s.g.conf.registry
    note_new_process(reg.space_of(1, root).itimer_bounds, reg.group_of(root, 1))
    assert not _judged(s, "getitimer", (0, OUT), 0, itv(99 * US))
    assert _judged(s, "getitimer", (0, OUT), 0, itv(0))
    assert not _judged(s, "getitimer", (ITIMER_PROF, OUT), 0, itv(US))
    _put(s, NEW, itv(3 * US))
    assert _resume(s, "setitimer", (0, NEW, 0), 0, [], asked={NEW: itv(3 * US)}) == Status.OK
    assert _judged(s, "getitimer", (0, OUT), 0, itv(2 * US))               # its own arming
