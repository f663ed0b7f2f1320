"""The round-nineteen victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r19.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, every step must index a label in 0..3 (or write nothing), and its catch-all handler
must catch nothing, or a scenario's "succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r19 import P_CATCH_ALL, P_PENDING, P_POLLNVAL, SIGNALS
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r19_signals_keeps_its_secret(mode: str) -> None:
    out = untouched_run(SIGNALS, mode)
    mine = [m for m in out.markers if m.pid == out.init_pid]
    indices = {m.phase - 1: _signed(m.args[0]) for m in mine
               if P_PENDING < m.phase <= P_POLLNVAL + 1 and m.phase % 2 == 1
               and m.phase != P_CATCH_ALL + 1}
    assert len(indices) >= 10, indices
    assert all(0 <= i <= 3 for i in indices.values()), indices
    assert not [m for m in mine if m.phase == P_CATCH_ALL + 1], "a signal was caught"
