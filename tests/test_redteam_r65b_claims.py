"""Round 65b's honest memory management: what Linux's own mm does to a program's pages
(two io_setup() calls and an io_destroy() answered -ENOSYS, an aio write and an
io_pgetevents() the program skips once io_setup() answered -ENOSYS, reclaim of a
lazy-free page an mremap moved once NUMA balancing hinted it or compaction migrated it),
which the Guardian must let through; a ring the kernel claims to have made is refused
(guardian/no_aio.py: a confidential program's aio calls reach the kernel as the
unassigned number 244).

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r65b.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.
"""

from __future__ import annotations

from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r64b as r64b
from attacks.families import redteam_r65b as r
from attacks.families import redteam_r66b as r66b
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

R64_ZERO = {r64b.P_GONE: 0, r64b.P_EMPTIED: 0, r64b.P_FREED_MOVED: 0, r64b.P_AIO_HOLE: 0}


def _run(steps, program: str):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-965", title="round 65b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program)
    return run_one(sc, "on").outcome


def test_untouched_secret_r65_mm_is_not_refused() -> None:
    out = _run(lambda adv: None, r.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


def test_two_aio_rings_and_an_io_destroy_are_not_refused() -> None:
    out = _run(r.claim_two_rings, r.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_MOVED_AGAIN, r.P_VICTIM_LAST)
    assert got == {r.P_MOVED_AGAIN: 0, r.P_CUT: 0, r.P_NARROWED: 0, r.P_TWO_RINGS: 0,
                   r.P_SUBMIT: 0, r.P_WRITTEN_MOVED: 0}, got


def test_reclaim_of_a_moved_lazyfree_page_numa_hinted_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_moved_hinted_dropped, r64b.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("NUMA hint" in n for n in out.evidence), out.evidence
    assert step_indices(out, r64b.P_GONE, r64b.P_VICTIM_LAST) == R64_ZERO


def test_aio_write_of_a_confidential_program_falls_back() -> None:
    """The kernel is shown io_setup() as the unassigned number 244 (guardian/no_aio.py)
    and answers -ENOSYS: the program skips its aio write, as a libaio user falls back;
    no io_submit or io_getevents reaches the kernel."""
    out = _run(r.claim_aio_submit, r.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not any("io_submit read" in n for n in out.evidence), out.evidence
    got = step_indices(out, r.P_MOVED_AGAIN, r.P_VICTIM_LAST)
    assert got == {r.P_MOVED_AGAIN: 0, r.P_CUT: 0, r.P_NARROWED: 0, r.P_TWO_RINGS: 0,
                   r.P_SUBMIT: 0, r.P_WRITTEN_MOVED: 0}, got


def test_reclaim_of_a_moved_lazyfree_page_migrated_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_moved_migrated_dropped, r64b.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("MIGRATE_PAGE" in n and "status 0" in n for n in out.evidence), out.evidence
    assert step_indices(out, r64b.P_GONE, r64b.P_VICTIM_LAST) == R64_ZERO


def test_reclaim_of_a_migrated_lazyfree_page_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_migrated_dropped, r61b.LAZY)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r61b.P_LAZY, r61b.P_LAZY_LAST)
    assert got == {r61b.P_LAZY: 0, r61b.P_LAZY_REWRITTEN: 0, r61b.P_HOLE_OLD: 0,
                   r61b.P_HOLE_NEW: 0}, got


def test_io_pgetevents_of_a_confidential_program_never_reaches_the_kernel() -> None:
    """io_setup() answered -ENOSYS (shown as 244): the program never calls
    io_pgetevents(), and the kernel never reads its signal mask."""
    out = _run(r.claim_aio_pgetevents, r.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not any("read its timeout" in n for n in out.evidence), out.evidence
    got = step_indices(out, r.P_MOVED_AGAIN, r.P_VICTIM_LAST)
    assert got == {r.P_MOVED_AGAIN: 0, r.P_CUT: 0, r.P_NARROWED: 0, r.P_TWO_RINGS: 0,
                   r.P_SUBMIT: 0, r.P_WRITTEN_MOVED: 0}, got


def test_write_after_moving_a_lazyfree_page_is_not_refused() -> None:
    out = _run(r.claim_written_moved_kept, r.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("made clean" in n for n in out.evidence), out.evidence
    got = step_indices(out, r.P_MOVED_AGAIN, r.P_VICTIM_LAST)
    assert got == {r.P_MOVED_AGAIN: 0, r.P_CUT: 0, r.P_NARROWED: 0, r.P_TWO_RINGS: 0,
                   r.P_SUBMIT: 0, r.P_WRITTEN_MOVED: 0}, got


def test_a_ring_the_kernel_claims_to_have_made_is_refused() -> None:
    """A confidential program has no aio ring (guardian/no_aio.py): a kernel answering
    the io_setup() it is shown as 244 with success, then mapping and writing a ring, is
    refused at that answer."""
    def forged(adv) -> None:  # type: ignore[no-untyped-def]
        r66b.answer_shown(adv, r.P_TWO_RINGS + 1)
        r.claim_ring_completion(adv)
    out = _run(forged, r.MM)
    assert "return.no_aio" in out.decided_by, out.evidence


def test_migration_of_a_hint_mremap_carried_is_not_refused() -> None:
    out = _run(r.claim_moved_hint_migrated, r64b.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("MIGRATE_PAGE" in n and "status 0" in n for n in out.evidence), out.evidence
    assert step_indices(out, r64b.P_GONE, r64b.P_VICTIM_LAST) == R64_ZERO


def test_swap_of_a_hint_mremap_carried_is_not_refused() -> None:
    out = _run(r.claim_moved_hint_swapped, r64b.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("SWAP_IN" in n and "status 0" in n for n in out.evidence), out.evidence
    assert step_indices(out, r64b.P_GONE, r64b.P_VICTIM_LAST) == R64_ZERO
