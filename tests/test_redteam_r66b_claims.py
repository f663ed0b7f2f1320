"""Round 66b's honest memory management: what Linux's own mm does to a program's pages
(a lazy-free page migrated twice then reclaimed, a lazy-free page migrated then written,
an aio ring the program moved with mremap and then destroyed, an aio ring the program
unmapped, the aio ring's page the program or its fork child reads), which the Guardian
must let through.

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r66b.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r61b as r61b
from attacks.families import redteam_r65b as r65b
from attacks.families import redteam_r66b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, program: str):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-966", title="round 66b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program)
    return run_one(sc, "on").outcome


def _lazy_intact(out) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r61b.P_LAZY, r61b.P_LAZY_LAST)
    assert got == {r61b.P_LAZY: 0, r61b.P_LAZY_REWRITTEN: 0, r61b.P_HOLE_OLD: 0,
                   r61b.P_HOLE_NEW: 0}, got


def test_reclaim_of_a_lazyfree_page_migrated_twice_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_migrated_twice_dropped, r.LAZY)
    assert sum("MIGRATE_PAGE" in n and "status 0" in n for n in out.evidence) == 2, \
        out.evidence
    _lazy_intact(out)


def test_write_to_a_migrated_lazyfree_page_is_not_refused() -> None:
    out = _run(r.claim_lazyfree_migrated_written_kept, r.LAZY)
    assert any("MIGRATE_PAGE" in n and "status 0" in n for n in out.evidence), out.evidence
    _lazy_intact(out)


def test_io_destroy_after_the_program_unmapped_its_ring_is_not_refused() -> None:
    out = _run(r.claim_ring_cut, r.RING)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_RING_CUT, r.P_VICTIM_LAST)
    assert got == {r.P_RING_CUT: 0}, got


@pytest.mark.xfail(strict=True, reason="false refusal: an aio ring the program's mremap moved "
                   "is still the ring (aio_ring_mremap() sets ctx->user_id and "
                   "ctx->mmap_base to the new address) and io_destroy() of the new context "
                   "unmaps it there (kill_ioctx(): vm_munmap(ctx->mmap_base, "
                   "ctx->mmap_size)); the Guardian drops the ring's record at the mremap "
                   "and keeps the moved span an area, so the program's load there, a "
                   "SEGV_MAPERR under Linux, is refused (signal.fault_code)")
def test_io_destroy_of_a_ring_the_program_moved_is_not_refused() -> None:
    out = _run(r.claim_ring_moved_destroyed, r.RING)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_RING_MOVED, r.P_VICTIM_LAST)
    assert got == {r.P_RING_MOVED: 0}, got


@pytest.mark.xfail(strict=True, reason="false refusal: a load from a live aio ring's first "
                   "page maps the page aio_setup_ring() filled (aio_ring_mmap_fault(), "
                   "filemap_fault() of the aio inode), its header first, as libaio's "
                   "user-space io_getevents() reads it; set_pt.aio_ring accepts the header, "
                   "set_pt.zero_fill refuses any page of the kernel's bytes there")
def test_program_reading_its_aio_ring_is_not_refused() -> None:
    out = _run(r.claim_ring_read_by_program, r65b.MM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended


@pytest.mark.xfail(strict=True, reason="false refusal: a fork child's copy of the aio ring's "
                   "vma (dup_mmap(): the ring is no VM_DONTCOPY area) faults in the ring's "
                   "own page (filemap_fault() of the aio inode), its aio_ring header first; "
                   "set_pt.zero_fill refuses any page of the kernel's bytes there")
def test_fork_child_reading_the_aio_ring_is_not_refused() -> None:
    out = _run(r.claim_child_reads_ring, r.RING)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
