"""Round 69b's honest answers: what Linux's memory management does to a confidential
program's swapped-out private copies of a file it alone holds when the program cuts the
file (the copies a cut keeps come back, the ones it drops are gone), which the Guardian
must let through.

Each test runs secret_r68_mm with a kernel that does exactly what Linux may do at that
point (a claim_* step function of attacks/families/redteam_r69b.py) and asserts the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0.
"""

from __future__ import annotations

from attacks.families import redteam_r69b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-969", title="round 69b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, "on").outcome


def _intact(out, phase: int) -> None:  # type: ignore[no-untyped-def]
    assert any("swapped out by reclaim" in n for n in out.evidence), out.evidence
    # (the kernel's reclaim asks for compression first; COMPRESS_PAGE is refused by design)
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


def test_swapped_copy_of_the_page_the_end_lies_in_comes_back() -> None:
    _intact(_run(r.claim_offset_swapped_kept), r.P_OFFSET)


def test_swapped_copy_of_another_memfd_comes_back_after_a_cut() -> None:
    _intact(_run(r.claim_other_swapped_kept), r.P_OTHER)


def test_swapped_copy_dropped_at_an_otrunc_open_is_not_refused() -> None:
    _intact(_run(r.claim_otrunc_swapped_dropped, (r.T_ARG,)), r.P_OTRUNC)


def test_swapped_copy_dropped_at_an_o_tmpfile_cut_is_not_refused() -> None:
    _intact(_run(r.claim_tmpfile_swapped_dropped, (r.O_ARG,)), r.P_TMPFILE)


def test_swapped_copies_a_cut_drops_and_keeps_before_a_regrow() -> None:
    _intact(_run(r.claim_regrow_swapped), r.P_REGROW)


def test_swapped_copy_kept_under_f_seal_shrink_comes_back() -> None:
    _intact(_run(r.claim_sealed_swapped_kept), r.P_SEALED)


def test_swapped_copy_kept_by_a_punched_hole_comes_back() -> None:
    _intact(_run(r.claim_punch_swapped_kept), r.P_PUNCH)


def test_swapped_copy_kept_by_a_grow_comes_back() -> None:
    _intact(_run(r.claim_grow_swapped_kept), r.P_GROW)



def test_every_swapped_copy_dropped_at_an_otrunc_open_is_not_refused() -> None:
    _intact(_run(r.claim_otrunc_all_swapped, (r.T_ARG,)), r.P_OTRUNC)


def test_swapped_copies_kept_and_dropped_at_an_o_tmpfile_cut() -> None:
    _intact(_run(r.claim_tmpfile_all_swapped, (r.O_ARG,)), r.P_TMPFILE)


def _run_mm(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-969", title="round 69b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM_MM, args=args)
    return run_one(sc, "on").outcome


def test_swapped_copies_of_a_moved_mapping_at_a_cut() -> None:
    _intact(_run_mm(r.claim_moved_swapped), r.P_MOVED)


def test_swapped_copies_of_a_memfd_pwrite_grew_at_a_cut() -> None:
    _intact(_run_mm(r.claim_written_swapped), r.P_WRITTEN)


def test_kernel_model_reopens_an_o_tmpfile_file_through_proc_self_fd() -> None:
    out = _run_mm(lambda adv: None, (r.O_ARG,))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_TMPTRUNC, r.P_TMPTRUNC) == {r.P_TMPTRUNC: 0}
