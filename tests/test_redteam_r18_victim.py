"""The round-eighteen victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r18.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r18 import P_RLIMIT, P_WAIT_STOPPED, VALUES
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r18_values_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VALUES, mode)
    # no label step's index was negative (4 and above write nothing)
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if m.pid == out.init_pid and P_RLIMIT < m.phase < P_WAIT_STOPPED + 30
               and m.phase % 2 == 1 and m.phase != P_WAIT_STOPPED + 1}
    assert indices, "no step logged a label"
    assert all(i >= 0 for i in indices.values()), indices
