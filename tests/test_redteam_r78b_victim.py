"""Red-team round 78b's victims, round 76b's secret_r76_mm and round 77b's secret_r77_mm,
left alone for the steps attacks/families/redteam_r78b.py uses: each finishes intact,
hands the kernel no secret, and labels 0 with the Guardian on, so a scenario that
"succeeds" means something.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r77b as r77
from attacks.families import redteam_r78b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario, all_scenarios
from tests.honest_runs import step_indices


def _used() -> list[tuple[str, bytes]]:
    return sorted({(sc.program, sc.args[0]) for sc in all_scenarios() if sc.family == r.RT})


@pytest.mark.parametrize("program,arg", _used(), ids=lambda v: v if isinstance(v, str)
                         else v.decode())
def test_victim_steps_left_alone(program: str, arg: bytes) -> None:
    sc = Scenario(id="ZZ-978", title="round 78b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, args=(arg,))
    out = run_one(sc, "on").outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    first, last = (r77.P_FIRST, r77.P_LAST) if program == r77.VICTIM77 else \
        (r76.P_FIRST, r76.P_LAST)
    assert set(step_indices(out, first, last).values()) == {0}
