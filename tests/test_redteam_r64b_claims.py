"""Round 64b's honest memory management: what Linux's own mm does to a program's pages
(a fault in the old range an mremap with MREMAP_DONTUNMAP left emptied, the split of a
NUMA-hinted huge page, reclaim of a lazy-free page mremap moved, KSM
merging a NUMA-hinted page, mremap moving one, reclaim
of a hinted lazy-free page), which the Guardian must let through.

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r64b.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.
"""

from __future__ import annotations

from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r64b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r50_claims import ALL_ZERO


def _run(steps, program: str):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-964", title="round 64b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program)
    return run_one(sc, "on").outcome


def test_untouched_secret_r64_mm_is_not_refused() -> None:
    out = _run(lambda adv: None, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


def test_zero_page_in_an_area_mremap_dontunmap_emptied_is_not_refused() -> None:
    out = _run(r.claim_emptied_zero_page, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_GONE, r.P_VICTIM_LAST)
    assert got == {r.P_GONE: 0, r.P_EMPTIED: 0, r.P_FREED_MOVED: 0, r.P_AIO_HOLE: 0}, got
    assert any("zero page mapped" in n for n in out.evidence), out.evidence


def test_split_of_a_numa_hinted_huge_page_is_not_refused() -> None:
    out = _run(r.claim_split_hinted_block, r50.MM)
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r50.P_KSM_READ, r50.P_LAST)
    for phase, index in ALL_ZERO.items():
        assert got.get(phase) == index, (phase, got)


def test_reclaim_of_a_lazyfree_page_mremap_moved_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_moved_dropped, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_GONE, r.P_VICTIM_LAST)
    assert got == {r.P_GONE: 0, r.P_EMPTIED: 0, r.P_FREED_MOVED: 0, r.P_AIO_HOLE: 0}, got


def test_ksm_merge_of_a_numa_hinted_page_is_not_refused() -> None:
    out = _run(r.claim_ksm_hinted_page, r50.MM)
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r50.P_KSM_READ, r50.P_LAST)
    for phase, index in ALL_ZERO.items():
        assert got.get(phase) == index, (phase, got)


def test_mremap_of_a_numa_hinted_page_is_not_refused() -> None:
    out = _run(r.claim_mremap_hinted_page, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_GONE, r.P_VICTIM_LAST)
    assert got == {r.P_GONE: 0, r.P_EMPTIED: 0, r.P_FREED_MOVED: 0, r.P_AIO_HOLE: 0}, got


def test_reclaim_of_a_numa_hinted_lazyfree_page_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_hinted_dropped, r61b.LAZY)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r61b.P_LAZY, r61b.P_LAZY_LAST)
    assert got == {r61b.P_LAZY: 0, r61b.P_LAZY_REWRITTEN: 0, r61b.P_HOLE_OLD: 0,
                   r61b.P_HOLE_NEW: 0}, got


def test_io_setup_writing_its_context_is_not_refused() -> None:
    out = _run(r.claim_aio_setup, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_GONE, r.P_VICTIM_LAST)
    assert got == {r.P_GONE: 0, r.P_EMPTIED: 0, r.P_FREED_MOVED: 0, r.P_AIO_HOLE: 0}, got


def test_munmap_of_numa_hinted_pages_is_not_refused() -> None:
    out = _run(r.claim_munmap_hinted_page, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("NUMA hint" in n for n in out.evidence), out.evidence
    got = step_indices(out, r.P_GONE, r.P_VICTIM_LAST)
    assert got == {r.P_GONE: 0, r.P_EMPTIED: 0, r.P_FREED_MOVED: 0, r.P_AIO_HOLE: 0}, got


def test_dontneed_of_a_numa_hinted_page_is_not_refused() -> None:
    out = _run(r.claim_dontneed_hinted_page, r50.MM)
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r50.P_KSM_READ, r50.P_LAST)
    for phase, index in ALL_ZERO.items():
        assert got.get(phase) == index, (phase, got)


def test_exit_with_a_numa_hinted_page_is_not_refused() -> None:
    out = _run(r.claim_exit_hinted_page, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
