"""Red-team round 83b's victim, secret_r83_mm, left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r83b.py that "succeeds"
without a Guardian means something. Every step labels 0 as under Linux in every mode:
the output steps' calls (-e and -l left out: the kernel model answers them otherwise
than Linux, see redteam_r83b.LINUX_ANSWER) answer an error or a store that stays in page
1, the lock steps lock nothing where the view is, so page 2 shows pwrite64()'s 'y'.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r83b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run

_STEPS = b"-" + b"".join(letter[1:] for p, letter in r.LETTER83.items()
                         if p not in r.LINUX_ANSWER)


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r83_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM83, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r83_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-983", title="round 83b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM83, args=(_STEPS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {
        p: 0 for p in r.LETTER83 if p not in r.LINUX_ANSWER}
