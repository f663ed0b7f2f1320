"""Red-team round 88b's victim, secret_r88_mm, left alone: it finishes intact and hands the
kernel no secret in every mode, and every step (calls with registers or descriptors for
which Linux stores nothing at page 2) labels 0 as under Linux: page 2 shows 'y' -- -c and -h included since the model was fixed (the kernel
model answered them with a store at page 2 until then; tests/test_redteam_r88b_claims.py).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r88b as m
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run
from tests.test_redteam_r88b_claims import ALONE, ALONE_ARGS


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r88_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(m.VICTIM88, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r88_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-988", title="round 88b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM88, args=(ALONE_ARGS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P88_FIRST, m.P88_LAST) == dict.fromkeys(ALONE, 0)
