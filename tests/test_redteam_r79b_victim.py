"""Red-team round 79b's victim, secret_r79_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r79b.py that "succeeds"
without a Guardian means something.  Every step labels 0 as under Linux: off, the kernel
model's private read fault maps the memfd's folio, which pwrite64() of 'y' reaches (and
-h, -i, -j, -k copy the page as Linux's populate of a locked writable view does); on,
the Guardian patches the clean page for each write it sees and takes a locked writable
view's pages as copies (-h, -j, -k: ZS-029..ZS-031, closed).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r79b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r79_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM79, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", ("off", "on"))
def test_secret_r79_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-979", title="round 79b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM79, args=(r.ALL_ARGS79,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    # (every step as Linux: off, the model maps the memfd's folio and copies a locked
    # writable private view's pages; on, the Guardian patches the clean page for each
    # write it sees and, since round 79b's fixes, takes a locked writable private view's
    # pages as copies: guardian/locked_copies.py)
    want = dict.fromkeys(r.LETTER79, 0)
    assert step_indices(out, r.P_FIRST, r.P_LAST) == want
