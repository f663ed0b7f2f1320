"""Red-team round 62b's victim secret_r62_mm left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r62b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r62b import (
    P_BRK_TOP,
    P_LAZY_READ,
    P_MOVED,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r62_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_LAZY_READ, P_VICTIM_LAST)
    assert indices == {P_LAZY_READ: 0, P_MOVED: 0, P_BRK_TOP: 0}, indices
