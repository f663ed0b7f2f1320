"""Round 66b's honest memory management: what Linux's own mm does to a program's pages
(a lazy-free page migrated twice then reclaimed, a lazy-free page migrated then written),
which the Guardian must let through, and a confidential program's aio: its io_setup()
answered -ENOSYS (guardian/no_aio.py: the kernel is shown the unassigned number 244), a
ring the kernel claims to make refused.

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


def test_io_setup_of_a_confidential_program_gets_enosys() -> None:
    """The kernel is shown the unassigned number 244 (guardian/no_aio.py) and answers
    -ENOSYS: each of secret_r66_mm's ring steps stops at its io_setup(), as a libaio
    program falls back when io_setup() answers -ENOSYS."""
    out = _run(r.claim_ring_cut, r.RING)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_RING_MOVED, r.P_VICTIM_LAST) == {}


def _forged(steps, phase: int):  # type: ignore[no-untyped-def]
    """`steps`, with the kernel answering the number the aio calls are shown as (244)
    with success, as a kernel that made the ring would."""
    def both(adv) -> None:  # type: ignore[no-untyped-def]
        r.answer_shown(adv, phase)
        steps(adv)
    return both


@pytest.mark.parametrize(("steps", "program", "phase"), [
    (r.claim_ring_moved_destroyed, r.RING, 1),
    (r.claim_ring_read_by_program, r65b.MM, r65b.P_NARROWED + 1),
    (r.claim_child_reads_ring, r.RING, 1),
])
def test_a_ring_the_kernel_claims_to_make_is_refused(steps, program: str,  # type: ignore[no-untyped-def]
                                                     phase: int) -> None:
    """A confidential program has no aio ring: a success the kernel answers for io_setup()
    (shown as 244) is refused, whatever ring it then serves."""
    out = _run(_forged(steps, phase), program)
    assert "return.no_aio" in out.decided_by, out.evidence


@pytest.mark.parametrize("program", ["secret_r62_mm", "secret_r64_mm", r65b.MM, r.RING])
def test_an_untouched_run_reports_no_tampering(program: str) -> None:
    """The heap copy the referee watches is logbuf's working copy of the secret (the
    P_PLACED marker names logbuf - SECRET_OFF), not the bytes past logbuf's end."""
    out = _run(lambda adv: None, program)
    assert not out.tampering, out.tampering
    assert out.exit_status == 0, out.ended
