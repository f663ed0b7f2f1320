"""Red-team round 90b's victim, secret_r90_mm, left alone: it finishes intact and hands the
kernel no secret in every mode, and every step the kernel model answers as Linux does
(calls with registers, descriptors or the program's own bytes for which Linux stores
nothing at page 2; m.MODEL_DIFFERS left out: the claims' docstring) labels 0 as under
Linux: page 2 shows 'y'.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r90b as m
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r90b_claims import ALONE, ALONE_ARGS


@pytest.mark.parametrize("mode", MODES)
def test_secret_r90_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-990", title="round 90b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM90, args=(ALONE_ARGS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P90_FIRST, m.P90_LAST) == dict.fromkeys(ALONE, 0)
