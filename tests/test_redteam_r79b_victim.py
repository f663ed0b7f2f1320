"""Red-team round 79b's victim, secret_r79_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r79b.py that "succeeds"
without a Guardian means something.  With the Guardian on every step labels 0; off, the
kernel model's read-faulted copy (not Linux: the page cache folio) misses pwrite64() of
'y': label -4 -- but -h, where Linux copies too (mprotect_fixup() populates a locked view
made writable), labels 0 off and -4 on (ZS-029's open gap: the Guardian keeps page 2 the
file's clean page); -i (mlock() of the writable view: Linux copies, the Guardian
answers it) labels 0 in both; -j (mlockall()) and -k (MAP_LOCKED) as -h (ZS-030, ZS-031).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r79b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r79_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM79, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", ("off", "on"))
def test_secret_r79_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-979", title="round 79b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM79, args=(r.ALL_ARGS79,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    want = {p: -4 if mode == "off" else 0 for p in r.LETTER79}
    want[r.P_LOCKEDRW] = 0 if mode == "off" else -4      # (ZS-029, open)
    want[r.P_MLOCKRW] = 0                                  # (Linux copies too; answered)
    want[r.P_MLOCKALL] = 0 if mode == "off" else -4      # (ZS-030, open)
    want[r.P_MAPLOCKED] = 0 if mode == "off" else -4     # (ZS-031, open)
    assert step_indices(out, r.P_FIRST, r.P_LAST) == want
