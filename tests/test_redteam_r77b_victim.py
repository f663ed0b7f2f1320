"""Red-team round 77b's victim, secret_r77_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r77b.py that "succeeds"
without a Guardian means something.  Every step labels 0, the Guardian on or off (off,
the kernel model's read fault maps the memfd's folio, which shows the file's changes of
-a, -e, -f, -g; -h: the kernel model answers the short pwrite64() -EFAULT, as qemu-user
does, and page 2 stays 'x').
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r77b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r77_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM77, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", ("off", "on"))
def test_secret_r77_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-977", title="round 77b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM77, args=(r.ALL_ARGS77,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(r.LETTER77, 0)
