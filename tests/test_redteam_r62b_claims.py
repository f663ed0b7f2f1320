"""Round 62b's honest memory management: what Linux's own mm does to a program's pages
(arm64's clean pte of a lazy-free page dropped by reclaim, NUMA balancing's hints migrated,
swapped out, or on a huge page, munmap of pages nobody mapped), which the Guardian must let
through.

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r62b.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.  Those the
Guardian refuses are marked xfail(strict=True) with the reason.
"""

from __future__ import annotations

from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r62b as r
from attacks.runner import boot, run_one, run_session
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r50_claims import ALL_ZERO


def _run(steps, program: str):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-962", title="round 62b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program)
    return run_one(sc, "on").outcome


def _mm_run(steps) -> None:  # type: ignore[no-untyped-def]
    out = _run(steps, r.MM)
    # COMPRESS_PAGE is refused by design and the kernel falls back to sealed swap.
    assert not [d for d in out.decided_by if d != "compress.refused"], out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r50.P_KSM_READ, r50.P_LAST)
    for phase, index in ALL_ZERO.items():
        assert got.get(phase) == index, (phase, got)


def test_untouched_secret_r62_mm_is_not_refused() -> None:
    out = _run(lambda adv: None, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


def test_reclaim_of_a_lazyfree_page_in_arm64s_clean_encoding_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_dbm_dropped, r61b.LAZY)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r61b.P_LAZY, r61b.P_LAZY_LAST)
    assert got == {r61b.P_LAZY: 0, r61b.P_LAZY_REWRITTEN: 0, r61b.P_HOLE_OLD: 0,
                   r61b.P_HOLE_NEW: 0}, got


def test_numa_hinting_fault_that_migrates_is_not_refused() -> None:
    _mm_run(r.claim_numa_migrate)


def test_swap_out_of_a_hinted_page_is_not_refused() -> None:
    _mm_run(r.claim_numa_swap)


def test_numa_hint_of_a_huge_page_is_not_refused() -> None:
    _mm_run(r.claim_numa_hint_huge)


def test_munmap_of_many_never_mapped_pages_is_not_refused() -> None:
    s = boot("on", program=r.VICTIM)
    out = run_session(s, "on", r.MANY_ARGS)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_LAZY_READ, r.P_MANY_HOLES)
    assert got.get(r.P_MANY_HOLES) == 0, got
