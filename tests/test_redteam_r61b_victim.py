"""Red-team round 61b's victims (the round-50 program secret_r50_mm, and secret_r61_mm)
left alone: they finish intact and hand the kernel no secret, so a scenario of
attacks/families/redteam_r61b.py that "succeeds" without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r61b import (
    LAZY,
    MM,
    P_FIRST,
    P_HOLE_NEW,
    P_HOLE_OLD,
    P_LAST,
    P_LAZY,
    P_LAZY_LAST,
    P_LAZY_REWRITTEN,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_r61b_victim_keeps_its_secret(mode: str) -> None:
    out = untouched_run(MM, mode)
    indices = step_indices(out, P_FIRST, P_LAST)
    assert len(indices) >= 19, indices
    assert all(i >= 0 for i in indices.values()), indices


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r61_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(LAZY, mode)
    indices = step_indices(out, P_LAZY, P_LAZY_LAST)
    assert indices == {P_LAZY: 0, P_LAZY_REWRITTEN: 0, P_HOLE_OLD: 0, P_HOLE_NEW: 0}, indices
