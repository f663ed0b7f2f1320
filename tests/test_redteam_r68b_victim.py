"""Red-team round 68b's victim secret_r68_mm left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r68b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r68b import VICTIM
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r68_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
