"""Red-team round 64b's victim secret_r64_mm left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r64b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r64b import (
    P_AIO_HOLE,
    P_EMPTIED,
    P_FREED_MOVED,
    P_GONE,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r64_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_GONE, P_VICTIM_LAST)
    assert indices == {P_GONE: 0, P_EMPTIED: 0, P_FREED_MOVED: 0, P_AIO_HOLE: 0}, indices
