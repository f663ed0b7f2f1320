"""Red-team round 82b's victim, secret_r82_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r82b.py that "succeeds"
without a Guardian means something.  Every step labels 0 as under Linux in every mode
(`qemu-aarch64-static -strace workloads/bin/secret_r82_mm -abcefghijklmnopqr`: each
call answered as the round's docstring says, each label `write(3,0x492090,8) = 8`,
"secret: intact"): the calls store only at their static buffer, page 2 stays the
memfd's folio and shows pwrite64()'s 'y' (-s, -t, -v: on-fault locks populate nothing;
-u: a vfork child's mlock() copies page 2 in the shared mm, 'x', as Linux's
__mm_populate() does -- qemu runs a vfork child as a fork, so its -u label is not
Linux's).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r82b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r82_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM82, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r82_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-982", title="round 82b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM82, args=(r.ALL_ARGS82,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {p: 0 for p in r.LETTER82}
