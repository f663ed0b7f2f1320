"""Red-team round 71c's victim secret_r71_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r71c.py that "succeeds"
without a Guardian means something.  Its steps -m and -q (clone3 whose pidfd word is in a
memfd page past the file's end, mapped MAP_SHARED or MAP_PRIVATE) run only with their
arguments: the Guardian refuses the honest -EFAULT of the first (a false refusal,
tests/test_redteam_r71c_claims.py).
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r71c import CORE, P_FIRST, P_VICTIM_LAST, PHASES
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = dict.fromkeys(PHASES, 0)


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r71_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    indices = step_indices(out, P_FIRST, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
