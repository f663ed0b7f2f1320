"""Red-team round 84b's victim, secret_r84_mm, left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r84b.py that "succeeds"
without a Guardian means something. Every step labels 0 as under Linux in every mode:
the output steps' calls (-i and -t left out: the kernel model answers them otherwise
than Linux, see redteam_r84b.LINUX_ANSWER) answer an error or a store that stays in page
1, so page 2 shows pwrite64()'s 'y'.  The lock steps are left out too: the kernel model
answers -r's munlock() over the hole 0 (Linux: -ENOMEM; the claims serve it, and with
the Guardian on the model's 0 ends the program with status 9, no decision), and its
mlock2(MLOCK_ONFAULT) over the hole keeps -s's view hard-locked (see
tests/test_redteam_r84b_claims.py).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r84b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run

_LEFT_OUT = set(r.LINUX_ANSWER) | {r.P_UNLOCKHOLE, r.P_ONFHOLE}
_STEPS = b"-" + b"".join(letter[1:] for p, letter in r.LETTER84.items()
                         if p not in _LEFT_OUT)


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r84_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM84, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r84_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-984", title="round 84b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM84, args=(_STEPS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {
        p: 0 for p in r.LETTER84 if p not in _LEFT_OUT}
