"""Red-team round 88c's victim secret_r88_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r88c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r88c import CORE, P_FIRST, P_VICTIM_LAST, PHASES
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = dict.fromkeys(PHASES, 0)


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r88_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    indices = step_indices(out, P_FIRST, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
