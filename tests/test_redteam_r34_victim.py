"""The round-thirty-four victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r34.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3, or a scenario's "succeeds" without a
Guardian would mean nothing.  Without the Guardian and with it the program execs itself
and the exec'd image runs every default step; the predecessor design refuses that exec,
and the program then runs only the failed-exec steps.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r34 import EXEC, P_DISP_HANDLED, P_FAILED_EXEC, P_STALE_HANDLER
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r34_exec_keeps_its_secret(mode: str) -> None:
    out = untouched_run(EXEC, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if P_FAILED_EXEC < m.phase <= P_STALE_HANDLER + 3 and m.phase % 2 == 1}
    assert {P_FAILED_EXEC, P_FAILED_EXEC + 2} <= set(indices), indices
    if mode != "mprotect":
        assert len(indices) >= 12 and P_DISP_HANDLED in indices, indices
    assert all(0 <= i <= 3 for i in indices.values()), indices
