"""Round 50's honest memory management: what Linux's own mm does to a program's pages
(KSM, reclaim, fork's shared swap, mremap of a swapped page, THP collapse, migration),
which the Guardian must let through.

Each test runs the round-50 victim (secret_r50_mm) with a kernel that does exactly what
Linux may do at that point (a claim_* step function of attacks/families/redteam_r50.py)
and asserts the Guardian lets it through: no decision, the program finishes intact, and
each step indexes the label Linux's answer gives (0).  Those marked xfail are honest
Linux operations the secure ABI refuses today (a page mapped at two places cannot be
swapped out or migrated): the kernel keeps such pages where they are, which costs memory
and placement, not correctness.
"""

from __future__ import annotations

import pytest

from attacks.adversary import Adversary
from attacks.families import redteam_r50 as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _honest(adv: Adversary) -> None:
    """1. Nothing: the kernel model answers as Linux does."""


def _claim_run(steps, expect: dict[int, int], machine: str = ""):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-993", title="round 50 claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-SWAP-FRESH",), program=r.MM,
                  machine=machine)
    out = run_one(sc, "on").outcome
    # The kernel's reclaim asks for compression first; COMPRESS_PAGE is refused by design
    # and the kernel falls back to sealed swap (abi.contract): not a refusal of Linux.
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_KSM_READ, r.P_LAST)
    for phase, index in expect.items():
        assert got.get(phase) == index, (phase, got)
    return out


ALL_ZERO = {r.P_KSM_READ: 0, r.P_FORK_WRITE: 0, r.P_FORK_CHILD: 0, r.P_REUSE: 0,
            r.P_REUSE_SECOND: 0, r.P_MREMAP_OUT: 0, r.P_DONTNEED_KSM: 0, r.P_THP_ORDER: 0,
            r.P_SIBLING: 0, r.P_SIBLING_SECOND: 0, r.P_THP_DONTNEED: 0,
            r.P_FORK_MREMAP: 0, r.P_FORK_MREMAP_CHILD: 0,
            r.P_SNAPSHOT: 0, r.P_SNAPSHOT_CHILD: 0,
            r.P_ANON_FD: 0, r.P_ANON_OFF: 0,
            r.P_SHARE_TWICE: 0, r.P_SHARE_TWICE_CHILD: 0}


def test_honest_steps_are_not_refused() -> None:
    _claim_run(_honest, ALL_ZERO)


def test_honest_steps_under_memory_pressure_are_not_refused() -> None:
    # The cramped `small` machine (24 MiB): reclaim, swap, NUMA balancing and compaction
    # run while the program forks, merges and collapses, as Linux's would.
    _claim_run(_honest, ALL_ZERO, machine="small")


def test_ksm_merge_before_copy_to_user_is_not_refused() -> None:
    # ksmd may merge any two equal pages of a VM_MERGEABLE area at any time; the read()'s
    # copy_to_user then faults and do_wp_page() copies the KSM page (wp_page_copy()).
    _claim_run(r.claim_ksm_then_read, ALL_ZERO)


def test_ksm_merge_before_dontneed_is_not_refused() -> None:
    # madvise_dontneed_single_vma() zaps the KSM-mapped pte like any other; C reads zero.
    _claim_run(r.claim_ksm_then_dontneed, ALL_ZERO)


def test_swap_shared_by_two_fork_children_is_not_refused() -> None:
    # copy_nonpresent_pte() gives each child the parent's swap entry (swap_duplicate());
    # do_swap_page() brings it in for whichever touches it.
    _claim_run(r.claim_swap_before_forks, ALL_ZERO)


def test_mremap_of_a_swapped_page_is_not_refused() -> None:
    # move_ptes() carries a swap pte to the new address; the page loads there.
    _claim_run(r.claim_swap_before_mremap, ALL_ZERO)


def test_thp_collapse_is_not_refused() -> None:
    # khugepaged: collapse_huge_page() over 512 present private pages of the program.
    _claim_run(r.claim_collapse, ALL_ZERO)


@pytest.mark.xfail(strict=True, reason="SWAP_OUT needs the frame mapped at one place only "
                   "(abi.contract: 'no other entry maps the frame'): a KSM page cannot be "
                   "swapped out, though shrink_folio_list() swaps KSM folios")
def test_swap_out_of_a_ksm_page_is_not_refused() -> None:
    _claim_run(r.claim_swap_ksm_page, ALL_ZERO)


@pytest.mark.xfail(strict=True, reason="MIGRATE_PAGE needs the frame mapped at one place "
                   "only: a page a fork child still shares cannot migrate, though "
                   "migrate_pages() moves folios with several mappings")
def test_migration_of_a_page_shared_with_a_fork_child_is_not_refused() -> None:
    _claim_run(r.claim_migrate_shared, ALL_ZERO)


@pytest.mark.xfail(strict=True, reason="MIGRATE_PAGE needs the frame mapped at one place "
                   "only: a KSM page cannot migrate, though KSM folios are movable")
def test_migration_of_a_ksm_page_is_not_refused() -> None:
    _claim_run(r.claim_migrate_ksm_page, ALL_ZERO)


def test_dontneed_inside_a_huge_page_is_not_refused() -> None:
    # zap_pmd_range(): a range covering part of a huge PMD splits it (split_huge_pmd())
    # and zaps only the range's ptes; Y[0] keeps its 2.
    _claim_run(r.claim_collapse_then_dontneed, ALL_ZERO)


def test_mremap_of_a_ksm_page_is_not_refused() -> None:
    # move_ptes() moves a pte that maps a KSM page like any other (the rmap item follows
    # the page); T reads 2.
    _claim_run(r.claim_ksm_then_mremap, ALL_ZERO)


@pytest.mark.xfail(strict=True, reason="SWAP_OUT needs the frame mapped at one place only: "
                   "a page a fork child still shares cannot be swapped out, though "
                   "shrink_folio_list() swaps shared anonymous folios (try_to_unmap())")
def test_swap_out_of_a_page_shared_with_a_fork_child_is_not_refused() -> None:
    _claim_run(r.claim_swap_shared, ALL_ZERO)
