"""Red-team round 65b's victim secret_r65_mm left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r65b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r65b import (
    MM,
    P_CUT,
    P_MOVED_AGAIN,
    P_NARROWED,
    P_SUBMIT,
    P_TWO_RINGS,
    P_VICTIM_LAST,
    P_WRITTEN_MOVED,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r65_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(MM, mode)
    indices = step_indices(out, P_MOVED_AGAIN, P_VICTIM_LAST)
    assert indices == {P_MOVED_AGAIN: 0, P_CUT: 0, P_NARROWED: 0, P_TWO_RINGS: 0,
                       P_SUBMIT: 0, P_WRITTEN_MOVED: 0}, indices
