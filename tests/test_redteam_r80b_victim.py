"""Red-team round 80b's victim, secret_r80_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r80b.py that "succeeds"
without a Guardian means something.  Every step labels 0 as under Linux (the host's
Linux through qemu-aarch64-static too): the shared view's store reaches the folio the
private view maps, and pread64() of file page 2 reads it back, 'y'.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r80b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r80_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM80, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", ("off", "on"))
def test_secret_r80_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-980", title="round 80b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM80, args=(r.ALL_ARGS80,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_CHILDSTORE, r.P_OWNSTORE) == dict.fromkeys(r.LETTER80, 0)
