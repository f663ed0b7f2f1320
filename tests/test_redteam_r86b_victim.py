"""Red-team round 86b's victim, secret_r86_mm, left alone: it finishes intact and hands the
kernel no secret in every mode, and its steps but -j, -k and -s (timer_create(),
clock_nanosleep(), waitid(), splice(), preadv2(), nanosleep(), ppoll(), ioctl() and getsockname() with
registers or descriptors for which Linux stores nothing at page 2) label 0 as under
Linux: page 2 shows 'y'.  (-j, -k and -s: with the Guardian on, page 2 is stored by the
Guardian's own handling of their RW words though Linux stores nothing -- the false store
tests/test_redteam_r86b_claims.py keeps as xfail claims.)
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r86b as m
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run

_ALONE = [p for p in m.LETTER86 if p not in (m.P_SPLZERO, m.P_CFRZERO, m.P_RMMSG)]
_STEPS = b"-" + b"".join(m.LETTER86[p][1:] for p in _ALONE)


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r86_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(m.VICTIM86, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r86_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-986", title="round 86b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM86, args=(_STEPS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P86_FIRST, m.P86_LAST) == {p: 0 for p in _ALONE}
