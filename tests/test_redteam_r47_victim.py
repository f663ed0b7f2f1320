"""The round-forty-seven victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r47.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3, or a scenario's "succeeds" without a
Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r47 import P_FIRST, P_LAST, PIPES
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r47_pipes_keeps_its_secret(mode: str) -> None:
    out = untouched_run(PIPES, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_FIRST, P_LAST)
    assert len(indices) == 24, indices
    assert all(0 <= i < 4 for i in indices.values()), indices
