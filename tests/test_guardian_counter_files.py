"""An eventfd or a timerfd answers as the program set it up (guardian/counter_files.py,
`return.counter_read`), judged through RESUME as the kernel answers them."""

from __future__ import annotations

import struct

from abi import Status
from tests.test_guardian_result_outputs import OUT, VA, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene, build_translating

NS = 10**9


def _scene() -> Scene:
    return build_translating()


def _read(s: Scene, fd: int, count: int) -> bool:
    _put(s, OUT, struct.pack("<Q", count))
    status = _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)])
    if status != Status.OK:
        assert _refused_by(s, "return.counter_read")
    return status == Status.OK


def test_a_semaphore_eventfd_hands_out_one() -> None:
    s = _scene()
    assert _resume(s, "eventfd2", (3, 1), 3, []) == Status.OK           # EFD_SEMAPHORE
    assert _resume(s, "dup", (3,), 4, []) == Status.OK
    assert not _read(s, 4, 5)
    assert _read(s, 4, 1)
    assert _resume(s, "eventfd2", (3, 0), 5, []) == Status.OK           # a plain counter
    assert _read(s, 5, 3)


def test_a_one_shot_timerfd_expires_once_and_has_no_more_left_than_set() -> None:
    s = _scene()
    when = struct.pack("<qqqq", 0, 0, 3, 0)                              # 3 s, no interval
    _put(s, VA, when)
    assert _resume(s, "timerfd_create", (1, 0), 3, []) == Status.OK
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    assert _resume(s, "dup3", (3, 9, 0), 9, []) == Status.OK
    assert not _read(s, 9, 6)
    assert _read(s, 9, 1)
    for left, ok in ((3 * NS, True), (NS // 2, True), (5 * NS, False)):
        _put(s, OUT, struct.pack("<qqqq", 0, 0, left // NS, left % NS))
        status = _resume(s, "timerfd_gettime", (3, OUT), 0, [(OUT, OUT + 32)])
        assert (status == Status.OK) is ok, left
    periodic = struct.pack("<qqqq", 1, 0, 1, 0)                          # every second
    _put(s, VA, periodic)
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    assert _read(s, 3, 6)


def test_an_alarm_timer_disarmed_may_still_show_its_old_expiry() -> None:
    """timerfd_create(CLOCK_BOOTTIME_ALARM) armed for 3 s, then disarmed: timerfd_setup()'s
    alarm_init() keeps alarm->node.expires, so timerfd_gettime's
    alarm_expires_remaining() still shows up to 3 s left -- Linux's answer passes; more
    than the last relative arming gave does not."""
    s = _scene()
    _put(s, VA, struct.pack("<qqqq", 0, 0, 3, 0))
    assert _resume(s, "timerfd_create", (9, 0), 3, []) == Status.OK     # BOOTTIME_ALARM
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    _put(s, VA, bytes(32))                                               # disarm
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    _put(s, VA, bytes(32))                                               # and again
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    for left, ok in ((2 * NS, True), (0, True), (5 * NS, False)):
        _put(s, OUT, struct.pack("<qqqq", 0, 0, left // NS, left % NS))
        status = _resume(s, "timerfd_gettime", (3, OUT), 0, [(OUT, OUT + 32)])
        assert (status == Status.OK) is ok, left
    # an absolute arming's expiry is not bounded by any length: after its disarm no rule
    _put(s, VA, struct.pack("<qqqq", 0, 0, 10**6, 0))
    assert _resume(s, "timerfd_settime", (3, 1, VA, 0), 0, []) == Status.OK
    _put(s, VA, bytes(32))
    assert _resume(s, "timerfd_settime", (3, 0, VA, 0), 0, []) == Status.OK
    _put(s, OUT, struct.pack("<qqqq", 0, 0, 10**5, 0))
    assert _resume(s, "timerfd_gettime", (3, OUT), 0, [(OUT, OUT + 32)]) == Status.OK
    # CLOCK_MONOTONIC's disarm: hrtimer_set_expires(0) -- no time left (AW-032)
    _put(s, VA, struct.pack("<qqqq", 0, 0, 3, 0))
    assert _resume(s, "timerfd_create", (1, 0), 4, []) == Status.OK
    assert _resume(s, "timerfd_settime", (4, 0, VA, 0), 0, []) == Status.OK
    _put(s, VA, bytes(32))
    assert _resume(s, "timerfd_settime", (4, 0, VA, 0), 0, []) == Status.OK
    _put(s, OUT, struct.pack("<qqqq", 0, 0, 2, 0))
    assert _resume(s, "timerfd_gettime", (4, OUT), 0, [(OUT, OUT + 32)]) != Status.OK
