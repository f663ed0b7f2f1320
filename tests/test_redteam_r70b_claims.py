"""Round 70b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds at a page a cut dropped, after the
program wrote the file there (pwrite64(), a store through a writable MAP_SHARED view),
which the Guardian must let through.

Each test runs secret_r70_mm -w with a kernel that does exactly what Linux does at that
point (a claim_* step function of attacks/families/redteam_r70b.py) and asserts the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0.  The kernel model left alone maps zeros there (not Linux: shmem_fault() gives
the page cache folio the write filled), and the Guardian refuses that
(set_pt.cut_refault).
"""

from __future__ import annotations

from attacks.families import redteam_r70b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = (r.W_ARG,)):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-970", title="round 70b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, "on").outcome


def _both(adv) -> None:  # type: ignore[no-untyped-def]
    r.claim_pwritten_file_bytes(adv)
    r.claim_shared_file_bytes(adv)


def test_a_cut_page_pwrite64_wrote_enters_with_the_files_bytes() -> None:
    out = _run(_both)
    assert any("0x70 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PWRITTEN, r.P_PWRITTEN) == {r.P_PWRITTEN: 0}


def test_a_cut_page_the_shared_view_stored_enters_with_the_files_bytes() -> None:
    out = _run(_both)
    assert any("0x73 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_SHARED, r.P_SHARED) == {r.P_SHARED: 0}


def test_untouched_read_page_shows_a_later_pwrite() -> None:
    """Without the drop, no fault comes: the kernel model's frame keeps the zeros it
    read, but the Guardian writes the pwrite64's bytes into that clean page
    (clean_pages.show_write): 'q' as on Linux, label 0 at 8620."""
    out = _run(lambda adv: None, (r.R_ARG,))
    assert step_indices(out, r.P_READFIRST, r.P_READFIRST) == {r.P_READFIRST: 0}


def test_kernel_model_shows_a_pwrite_at_a_cut_page() -> None:
    """The kernel model's fault after the cut maps the memfd's folio, which holds the
    pwrite64's 'p' (do_read_fault()): Linux's page, let through."""
    out = _run(lambda adv: None, (r.W_ARG,))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended


def test_a_read_page_shows_a_later_pwrite() -> None:
    """secret_r70_mm -r: the clean page dropped during pwrite64() (clean_pages.py) and
    the file's 'q' mapped at the next fault: label 0 (the run's later alias step ends it
    with SIGKILL as the honest run does: the kernel model's copy there is not Linux's)."""
    out = _run(r.claim_readfirst_refault, (r.R_ARG,))
    assert any("clean page" in n and "dropped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_READFIRST, r.P_READFIRST) == {r.P_READFIRST: 0}


def test_a_private_view_maps_the_shared_views_frame_read_only() -> None:
    """Linux's private view of a memfd maps, on a read fault, the page cache folio the
    program's MAP_SHARED view maps (do_read_fault() -> finish_fault()): a later store
    through the shared view shows in the private view (qemu-aarch64-static: secret_r70_mm
    -r, label 0 at 8636); the Guardian lets the read-only second mapping through
    (folio_alias.py)."""
    out = _run(r.claim_alias_shared_frame, (r.R_ARG,))
    assert any("mapped read-only" in n for n in out.evidence), out.evidence
    assert [d for d in out.decided_by if d != "clear_pt_range"] == [], out.evidence
    assert step_indices(out, r.P_ALIAS, r.P_ALIAS) == {r.P_ALIAS: 0}


def test_a_cut_of_a_memfd_mapped_over_a_terabyte_is_let_through() -> None:
    out = _run(lambda adv: None, (r.B_ARG,))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_BIG, r.P_BIG) == {r.P_BIG: 0}
