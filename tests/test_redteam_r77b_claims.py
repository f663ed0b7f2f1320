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
from attacks.families.redteam_r75b import drop_after, fill_after
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
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


@pytest.mark.xfail(strict=True, reason="compaction migrates a folio mapped in several mms "
                   "(migrate_pages() -> try_to_migrate() unmaps each entry, "
                   "remove_migration_ptes() maps the new folio in each); MIGRATE_PAGE "
                   "refuses a frame a fork child maps too (smm.page_alone), and the ABI "
                   "has no call that moves it in every tree at once")
def test_migrate_clean_page_shared_with_fork_child() -> None:
    out = _run(r.migrate_across(r76.P_FORKW, r.NR_PWRITE64, False), r76.VICTIM,
               (r76.LETTER[r76.P_FORKW],))
    _honest(out, r76.P_FORKW)


def test_reclaimed_before_truncation_refaults() -> None:
    """(round 76b's -e) page 2 reclaimed as ftruncate() enters: after the truncation down
    and up the kernel model's fault maps zeros (truncate_pagecache()), label 0."""
    out = _run(r.claim_reclaimed_across(r76.P_TRUNC, r.NR_FTRUNCATE), r76.VICTIM,
               (r76.LETTER[r76.P_TRUNC],))
    _honest(out, r76.P_TRUNC)


RECLAIMED = [(r76.P_PUNCH, r.NR_FALLOCATE), (r76.P_COPYFR, r.NR_COPYFR)]


@pytest.mark.parametrize("row", RECLAIMED, ids=["punch", "copy_file_range"])
@pytest.mark.xfail(strict=True, reason="page 2 reclaimed (SWAP_OUT) as fallocate(PUNCH_HOLE) "
                   "or copy_file_range() enters: the kernel model then maps a new page of "
                   "the file's bytes at page 2 without SWAP_IN or SWAP_DISCARD, and the "
                   "Guardian refuses it (set_pt.sealed_slot: a swapped-out page comes back "
                   "by SWAP_IN); Linux never swaps the clean folio (shrink_folio_list() "
                   "drops its entry) and the refault reads the file's page (zeros, 'y'): "
                   "the program is killed where Linux's reads its page")
def test_reclaimed_across_change_refaults(row) -> None:  # type: ignore[no-untyped-def]
    phase, nr = row
    out = _run(r.claim_reclaimed_across(phase, nr), r76.VICTIM, (r76.LETTER[phase],))
    _honest(out, phase)


def test_short_write_shown_in_the_clean_page() -> None:
    """(-h) pwrite64() of 2 pages whose second is PROT_NONE answered one page, as Linux's
    generic_perform_write() does: the Guardian shows the first page in the clean page
    2, 'y', label 0."""
    out = _run(r.claim_short_write, r.VICTIM77, (r.LETTER77[r.P_SHORTW],))
    _honest(out, r.P_SHORTW)
