"""The round-fifty victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r50.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r50 import MM, P_KSM_READ, P_LAST
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r50_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(MM, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_KSM_READ, P_LAST)
    assert len(indices) >= 19, indices
    assert all(i >= 0 for i in indices.values()), indices
