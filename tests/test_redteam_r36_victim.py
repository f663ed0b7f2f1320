"""The round-thirty-six victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r36.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r36 import P_LOCK_SELF, P_PRIV_SHARED, P_SHARED_NOBODY, SYNC
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r36_sync_keeps_its_secret(mode: str) -> None:
    out = untouched_run(SYNC, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_LOCK_SELF, P_SHARED_NOBODY)
    assert len(indices) == 24, indices
    assert P_PRIV_SHARED not in indices       # -s only (tests/test_futex_keys_victim.py)
    assert all(i >= 0 for i in indices.values()), indices
