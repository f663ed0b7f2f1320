"""getrusage never goes back (guardian/usage_floors.py, `return.clock_monotonic`): per
process and per thread, and a process's counts and runtime never trail a thread's
reading; the fields Linux never fills are 0 (`return.range_table`)."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene, build_translating

SELF, THREAD, CHILDREN = 0, 1, (1 << 64) - 1
US = 1_000_000


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _usage(s: Scene, who: int, utime_us: int = 0, stime_us: int = 0, minflt: int = 0,
           unused: int = 0) -> int:
    raw = bytearray(144)
    struct.pack_into("<qqqq", raw, 0, utime_us // US, utime_us % US, stime_us // US,
                     stime_us % US)
    struct.pack_into("<q", raw, 64, minflt)
    struct.pack_into("<q", raw, 40, unused)              # ru_idrss
    _put(s, OUT, bytes(raw))
    return _resume(s, "getrusage", (who, OUT), 0, [(OUT, OUT + 144)])


def test_usage_never_goes_back(s: Scene) -> None:
    assert _usage(s, SELF, 10 * US, minflt=10) == Status.OK
    assert _usage(s, SELF, 9 * US, minflt=10) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _usage(s, SELF, 10 * US, minflt=8) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _usage(s, SELF, 10 * US, minflt=10) == Status.OK     # the same again
    assert _usage(s, CHILDREN, 1) == Status.OK                   # another reading
    assert _usage(s, CHILDREN, 0) == Status.ERR_DENIED
    assert _usage(s, THREAD, 0) == Status.OK                     # a thread's own floor


def test_a_process_never_trails_its_thread(s: Scene) -> None:
    assert _usage(s, THREAD, 5 * US, minflt=4) == Status.OK
    assert _usage(s, SELF, 3 * US, minflt=4) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _usage(s, SELF, 5 * US, minflt=3) == Status.ERR_DENIED
    # User and system time are split per thread: only their sum is bound.
    assert _usage(s, SELF, 1 * US, 4 * US, minflt=4) == Status.OK


def test_the_fields_linux_never_fills_are_zero(s: Scene) -> None:
    assert _usage(s, SELF, unused=1) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
