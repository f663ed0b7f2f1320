"""Red-team round 69b's victims, secret_r69_mm and secret_r68_mm with either of its optional
steps (-t: the O_TRUNC reopen; -o: the O_TMPFILE file), left alone: each finishes intact
and hands the kernel no secret, so a scenario of attacks/families/redteam_r69b.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r69b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("args", [(r.T_ARG,), (r.O_ARG,)])
@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r68_mm_keeps_its_secret(mode: str, args: tuple[bytes, ...]) -> None:
    sc = Scenario(id="ZZ-969", title="round 69b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    phase = r.P_OTRUNC if args == (r.T_ARG,) else r.P_TMPFILE
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r69_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM_MM, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_MOVED, r.P_MM_LAST) == {r.P_MOVED: 0, r.P_WRITTEN: 0}
