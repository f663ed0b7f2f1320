"""Round 77b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds.

- secret_r77_mm: the file's page after each step (LINUX77: pwrite64() into a
  MADV_MERGEABLE view's clean page, a close of the memfd's last descriptor -- the view
  keeps the file --, copy_file_range() inside the file, an overlapping one refused
  -EINVAL by generic_copy_file_checks()); KSM merging two stored anonymous copies of a
  MADV_MERGEABLE view (mm/ksm.c merges anonymous pages: try_to_merge_two_pages()); the
  clean page dropped after the close and refaulted (shmem_fault() through vma->vm_file).
- secret_r76_mm: page 2's clean page reclaimed (the Guardian's SWAP_OUT, then SWAP_IN:
  the refault Linux does after shrink_folio_list() drops the clean entry) or migrated
  (migrate_folio()) as fallocate(PUNCH_HOLE), copy_file_range(), sendfile(), splice(),
  pwritev() or a vfork child's pwrite64() changes the file: the file's new page.
- secret_r77_mm -h: a pwrite64() whose buffer's second page is PROT_NONE answered one
  page (Linux's short write, generic_perform_write(); the kernel model and qemu-user
  answer -EFAULT): page 2 'y'.
- False refusal (xfail): compaction migrating the clean page a fork child shares
  (migrate_pages() -> try_to_migrate() unmaps every mm's entry, remove_migration_ptes()
  maps the new folio in each): MIGRATE_PAGE refuses a frame mapped in two trees
  (smm.page_alone).
- Page 2 reclaimed (SWAP_OUT) as ftruncate() enters: the kernel model's fault after the
  truncation maps zeros, let through; as fallocate(PUNCH_HOLE) or copy_file_range()
  enters (xfail): the kernel model maps the file's new page without SWAP_IN or
  SWAP_DISCARD and the Guardian refuses it (set_pt.sealed_slot), killing the program
  where Linux (which drops, never swaps, the clean folio) refaults the file's page.

qemu-aarch64-static: secret_r77_mm -abcefgh label 0 (fallocate(ZERO_RANGE): -EOPNOTSUPP; the
short pwrite64(): -EFAULT, qemu-user checks the whole buffer).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r77b as r
from attacks.families.redteam_r66b import migrate_to
from attacks.families.redteam_r75b import drop_after, fill_after
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from emulator import descriptors as D
from tests.honest_runs import step_indices


def _run(steps, program: str, args: tuple[bytes, ...], mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-977", title="round 77b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, args=args)
    return run_one(sc, mode).outcome


def _honest(out, phase: int) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


LET_THROUGH = [p for p in r.LETTER77 if p not in (r.P_KSMCOPY, r.P_SHORTW)]


@pytest.mark.parametrize("phase", LET_THROUGH, ids=[str(p) for p in LET_THROUGH])
def test_linux_pages_are_let_through(phase: int) -> None:
    byte = ord(r.LINUX77[phase])
    out = _run(lambda adv: fill_after(adv, phase, 2, byte), r.VICTIM77, (r.LETTER77[phase],))
    _honest(out, phase)


@pytest.mark.parametrize("mode", ("off", "on"))
def test_ksm_merge_of_stored_copies(mode: str) -> None:
    """(-b) KSM merges the two anonymous 'z' copies (read-only, CoW): label 0."""
    out = _run(r.ksm_at(r.P_KSMCOPY, 1, 2), r.VICTIM77, (r.LETTER77[r.P_KSMCOPY],), mode)
    assert any("merged" in n for n in out.evidence), out.evidence
    _honest(out, r.P_KSMCOPY)


def test_closed_memfd_clean_page_refaults() -> None:
    """(-c) The memfd's last descriptor closed, page 2's clean entry dropped (reclaim):
    the refault reads the file the view still holds, 'x'."""
    out = _run(lambda adv: drop_after(adv, r.P_CLOSED, 2), r.VICTIM77,
               (r.LETTER77[r.P_CLOSED],))
    _honest(out, r.P_CLOSED)


SWAPPED = [row for row in r.SWAPS if row[0] not in ("ZM-001", "ZM-007", "ZM-009")]


@pytest.mark.parametrize("row", SWAPPED, ids=[row[0] for row in SWAPPED])
def test_swapped_clean_page_comes_back_as_the_file(row) -> None:  # type: ignore[no-untyped-def]
    _, phase, nr, init_only, _, _ = row
    out = _run(r.swap_across(phase, nr, init_only), r76.VICTIM, (r76.LETTER[phase],))
    assert any("swapped back in" in n for n in out.evidence), out.evidence
    _honest(out, phase)


MIGRATED = [row for row in r.MIGRATES if row[0] != "ZM-014"]


@pytest.mark.parametrize("row", MIGRATED, ids=[row[0] for row in MIGRATED])
def test_migrated_clean_page_shows_the_change(row) -> None:  # type: ignore[no-untyped-def]
    _, phase, nr, init_only, _, _ = row
    _honest(_run(r.migrate_across(phase, nr, init_only), r76.VICTIM, (r76.LETTER[phase],)),
            phase)


def test_migrate_clean_page_shared_with_fork_child() -> None:
    """Compaction migrates a clean folio a fork child maps too (migrate_pages() ->
    try_to_migrate() unmaps each entry, remove_migration_ptes() maps the new folio in
    each): MIGRATE_PAGE moves it in every tree, label 0."""
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        r._note_view(adv, r76.P_FORKW)

        @adv.on(Point.SYSCALL_ENTRY, nr=r.NR_PWRITE64, during=r76.P_FORKW, init_only=False)
        def _(a, **_: object) -> None:  # type: ignore[no-untyped-def]
            if "moved" in a.memo:
                return
            a.memo["moved"] = True
            va = a.memo.get("view", 0) + 2 * r.PAGE
            old = a.mm.tables.lookup(va) & D.ADDR_MASK
            new = a.alloc_frame()
            if not migrate_to(a, va, new):
                a.refused(f"MIGRATE_PAGE of {va:#x}")
                return
            # the kernel's side: every entry of the folio names the new one
            frames = a.kernel.frames
            held = frames.refcount(old)
            for _ in range(held - 1):
                frames.get(new)
            for _ in range(held):
                frames.put(old)
    out = _run(steps, r76.VICTIM, (r76.LETTER[r76.P_FORKW],))
    assert any("status 0" in n for n in out.evidence), out.evidence
    _honest(out, r76.P_FORKW)


def test_reclaimed_before_truncation_refaults() -> None:
    """(round 76b's -e) page 2 reclaimed as ftruncate() enters: after the truncation down
    and up the kernel model's fault maps zeros (truncate_pagecache()), label 0."""
    out = _run(r.claim_reclaimed_across(r76.P_TRUNC, r.NR_FTRUNCATE), r76.VICTIM,
               (r76.LETTER[r76.P_TRUNC],))
    _honest(out, r76.P_TRUNC)


RECLAIMED = [(r76.P_PUNCH, r.NR_FALLOCATE), (r76.P_COPYFR, r.NR_COPYFR)]


@pytest.mark.parametrize("row", RECLAIMED, ids=["punch", "copy_file_range"])
def test_reclaimed_across_change_refaults(row) -> None:  # type: ignore[no-untyped-def]
    """Page 2 reclaimed (SWAP_OUT) as fallocate(PUNCH_HOLE) or copy_file_range() enters,
    then the kernel model's fault maps a new page of the file's bytes: Linux never swaps
    the clean folio (shrink_folio_list() drops its entry) and the refault reads the
    file's page (zeros, 'y'); the Guardian takes the sealed clean page as dropped and
    judges the refault by the file's bytes (set_pt.cut_refault)."""
    phase, nr = row
    out = _run(r.claim_reclaimed_across(phase, nr), r76.VICTIM, (r76.LETTER[phase],))
    _honest(out, phase)


def test_short_write_shown_in_the_clean_page() -> None:
    """(-h) pwrite64() of 2 pages whose second is PROT_NONE answered one page, as Linux's
    generic_perform_write() does: the Guardian shows the first page in the clean page
    2, 'y', label 0."""
    out = _run(r.claim_short_write, r.VICTIM77, (r.LETTER77[r.P_SHORTW],))
    _honest(out, r.P_SHORTW)


def test_reclaimed_clean_page_refaults_the_file_only() -> None:
    """Page 2 reclaimed (SWAP_OUT) as fallocate(PUNCH_HOLE) enters, then a page of forged
    bytes mapped there: the refault of a dropped clean page holds the file's bytes (the
    hole's zeros, shmem_fault()), refused."""
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        r.claim_reclaimed_across(r76.P_PUNCH, r.NR_FALLOCATE)(adv)

        @adv.on(Point.MARKER, phase=r76.P_PUNCH + 2)
        def _(a, **_: object) -> None:  # type: ignore[no-untyped-def]
            va = a.memo["view"] + 2 * r.PAGE
            frame = a.alloc_frame()
            a.write_lm(frame, bytes([r.F]) * r.PAGE)
            try:
                a.init.mm.tables.set(va, (a.memo["desc"][va] & ~D.ADDR_MASK) | frame)
            except Exception as exc:
                a.refused(f"the forged page: {exc!r}")
            a.el1.tlbi_all()
    out = _run(steps, r76.VICTIM, (r76.LETTER[r76.P_PUNCH],))
    assert "set_pt.cut_refault" in out.decided_by, out.evidence


def test_stored_private_page_is_a_copy() -> None:
    """(round 76b's -E) page 2 read, then stored: the kernel model's write fault copies the
    clean page (do_wp_page() -> wp_page_copy()), never makes it writable in place
    (set_pt.clean_writable): label 0."""
    out = _run(lambda adv: None, r76.VICTIM, (r76.LETTER[r76.P_STOREDRO],))
    _honest(out, r76.P_STOREDRO)
