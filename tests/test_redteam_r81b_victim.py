"""Red-team round 81b's victim, secret_r81_mm, left alone: it finishes intact and hands
the kernel no secret, so a scenario of attacks/families/redteam_r81b.py that "succeeds"
without a Guardian means something.  Every step but -a, -n, -o labels 0 as under Linux in
every mode: off, the kernel model's private read fault maps the memfd's folio, which
pwrite64() of 'y' reaches (and -k, -l, -m, -q copy the page as Linux's populate of a locked
writable view does); on, the Guardian patches the clean page for each write it sees.
-a is left out: the kernel model populates an mlock2(MLOCK_ONFAULT) range, which Linux
does not (populate_vma_page_range() returns for VM_LOCKONFAULT); -n and -o are the
round's false refusals (tests/test_redteam_r81b_claims.py), label 0 without a Guardian.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r81b as r
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run

_STEPS = b"-bcefghijklmpruyzq"


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r81_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(r.VICTIM81, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r81_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-981", title="round 81b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM81, args=(_STEPS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    want = {p: 0 for p, letter in r.LETTER81.items() if letter[1:] in _STEPS[1:]}
    assert step_indices(out, r.P_FIRST, r.P_LAST) == want


def test_secret_r81_mm_n_o_without_guardian() -> None:
    sc = Scenario(id="ZZ-981", title="round 81b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM81, args=(b"-no",))
    out = run_one(sc, "off").outcome
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {r.P_FUTRESET: 0, r.P_DONTUNMAP: 0}
