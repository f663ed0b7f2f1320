"""Red-team round 71b's victim, secret_r71_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r71b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r71b as r
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r71_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(r.DEFAULT_STEPS, 0)
