"""SO_PEERCRED of a socketpair the program made names the process that made it: its pid,
which a getpid before or after must agree with (`return.range_table`, `return.id_range`)."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from tests.test_guardian_result_outputs import OUT, VA, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene, build_translating

SOL_SOCKET, SO_PEERCRED = 1, 17


@pytest.fixture()
def s() -> Scene:
    return build_translating()


def _pair(s: Scene) -> None:
    pair = VA + 1600
    _put(s, pair, struct.pack("<ii", 3, 4))
    assert _resume(s, "socketpair", (1, 2, 0, pair), 0, [(pair, pair + 8)]) == Status.OK


def _peercred(s: Scene, pid: int) -> int:
    _put(s, OUT + 64, struct.pack("<I", 12))
    _put(s, OUT, struct.pack("<iII", pid, 0, 0))
    return _resume(s, "getsockopt", (3, SOL_SOCKET, SO_PEERCRED, OUT, OUT + 64), 0,
                   [(OUT, OUT + 12), (OUT + 64, OUT + 68)])


def test_a_pair_s_peer_is_the_process_getpid_names_later(s: Scene) -> None:
    _pair(s)
    assert _peercred(s, 0) == Status.ERR_DENIED          # no process has pid 0
    assert _refused_by(s, "return.range_table")
    assert _peercred(s, 55) == Status.OK                  # before any getpid
    assert _peercred(s, 53) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
    assert _resume(s, "getpid", (), 57, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getpid", (), 55, []) == Status.OK


def test_a_pair_made_after_getpid_names_that_pid(s: Scene) -> None:
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    _pair(s)
    assert _peercred(s, 77) == Status.OK
    assert _peercred(s, 75) == Status.ERR_DENIED
