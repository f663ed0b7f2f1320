"""Red-team round 76b's victim, secret_r76_mm, left alone: with the steps the kernel
model serves as Linux does it finishes intact, every step label 0, and hands the kernel
no secret, so a scenario of attacks/families/redteam_r76b.py that "succeeds" without a
Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r76_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", ("off", "on"))
def test_secret_r76_mm_steps_label_0_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-976", title="round 76b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=(r.DEFAULT_ARGS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(r.DEFAULT_STEPS, 0)
