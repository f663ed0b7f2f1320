"""PR_GET_SECUREBITS answers what the thread's PR_SET_SECUREBITS set (cap_task_prctl()),
PR_SET_KEEPCAPS changing only SECURE_KEEP_CAPS."""

from __future__ import annotations

import pytest

from abi import Status
from tests.test_guardian_result_outputs import _refused_by
from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import Scene, build_translating

PR_GET_SECUREBITS, PR_SET_SECUREBITS, PR_SET_KEEPCAPS = 27, 28, 8


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _ok(s: Scene, args: tuple[int, ...], ret: int) -> bool:
    status = _resume(s, "prctl", args, ret, [])
    if status != Status.OK:
        assert _refused_by(s, "return.range_table")
    return status == Status.OK


def test_securebits_are_what_the_thread_set(s: Scene) -> None:
    assert _ok(s, (PR_GET_SECUREBITS,), 5)              # not set: not known
    assert _ok(s, (PR_SET_SECUREBITS, 1), 0)
    assert not _ok(s, (PR_GET_SECUREBITS,), 0)
    assert _ok(s, (PR_GET_SECUREBITS,), 1)
    assert _ok(s, (PR_SET_KEEPCAPS, 1), 0)
    assert not _ok(s, (PR_GET_SECUREBITS,), 1)
    assert _ok(s, (PR_GET_SECUREBITS,), 0x11)
