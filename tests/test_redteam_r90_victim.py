"""The round-ninety victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r90.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3, or a scenario's "succeeds" without a
Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r90 import P_FIRST, P_LAST, RULES
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r90_rules_keeps_its_secret(mode: str) -> None:
    out = untouched_run(RULES, mode)
    indices = step_indices(out, P_FIRST, P_LAST)
    assert len(indices) >= 6, indices
    assert all(i >= 0 for i in indices.values()), indices
