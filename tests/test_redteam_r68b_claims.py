"""Round 68b's honest answers: what Linux's memory management does to a confidential
program's MAP_PRIVATE mappings of memfds when it cuts, grows or punches them, which the
Guardian must let through.

Each test runs secret_r68_mm with a kernel that does exactly what Linux may do at that
point (a claim_* step function of attacks/families/redteam_r68b.py) and asserts the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r68b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

STEPS = (r.P_CUT, r.P_REGROW, r.P_GROW, r.P_SEALED, r.P_FORK_CUT, r.P_FORK_CHILD, r.P_PUNCH, r.P_OFFSET,
         r.P_OTHER)


def _run(steps, mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-968", title="round 68b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM)
    return run_one(sc, mode).outcome


def _intact(out) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_CUT, r.P_VICTIM_LAST)
    assert got == dict.fromkeys(STEPS, 0), got


@pytest.mark.parametrize("mode", ["off", "on"])
def test_untouched_run_indexes_label_zero(mode: str) -> None:
    """The kernel model's own cuts (cut_inode(): every mapping of the memfd, the fork
    child's too, loses its pages wholly past the end, private copies included), its grow,
    its -EPERM under F_SEAL_SHRINK and its punched hole, as qemu-aarch64-static (the
    host's Linux) shows them: every step label 0."""
    _intact(_run(lambda adv: None, mode))


def test_cut_of_a_page_past_the_end_under_an_offset_mapping_is_not_refused() -> None:
    out = _run(r.claim_offset_cut)
    assert any("page 1 at" in n for n in out.evidence), out.evidence
    _intact(out)


def test_cut_of_a_swapped_out_copy_past_the_end_is_not_refused() -> None:
    out = _run(r.claim_swapped_copy_cut)
    assert any("swapped out by reclaim" in n for n in out.evidence), out.evidence
    _intact(out)


def _run_t(steps):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-968", title="round 68b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=(r.T_ARG,))
    return run_one(sc, "on").outcome


def _otrunc_intact(out) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_OTRUNC, r.P_OTRUNC) == {r.P_OTRUNC: 0}


def test_kernel_model_drops_copies_at_an_otrunc_open() -> None:
    _otrunc_intact(_run_t(lambda adv: None))


def test_otrunc_open_dropping_private_copies_is_not_refused() -> None:
    out = _run_t(r.claim_otrunc_drops_copies)
    assert any("dropped by the O_TRUNC open" in n for n in out.evidence), out.evidence
    _otrunc_intact(out)


def test_kernel_model_drops_tmpfile_copies_at_a_cut() -> None:
    sc = Scenario(id="ZZ-968", title="round 68b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=(r.O_ARG,))
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_TMPFILE, r.P_TMPFILE) == {r.P_TMPFILE: 0}


def test_tmpfile_cut_dropping_a_private_copy_is_not_refused() -> None:
    sc = Scenario(id="ZZ-968", title="round 68b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=r.claim_tmpfile_drops_copy,
                  rules=("G-LEAVE-ON-REQUEST",), program=r.VICTIM, args=(r.O_ARG,))
    out = run_one(sc, "on").outcome
    assert any("page 1 at" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_TMPFILE, r.P_TMPFILE) == {r.P_TMPFILE: 0}
