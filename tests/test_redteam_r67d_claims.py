"""Round 67d's honest restartable sequences: what Linux's kernel/rseq.c answers a program
whose rseq areas' mappings changed (munmap, mremap, mprotect, MAP_FIXED), whose areas lie
on the stack or a MAP_PRIVATE file page, and whose fork children register an area with a
bad rseq_cs, which the Guardian must let through.

Each test runs the victim with a kernel that does exactly what Linux may do at that point
(a claim_* step function of attacks/families/redteam_r67d.py) and asserts the Guardian lets
it through: no decision, the program finishes intact, each step indexes label 0.
qemu-aarch64 answers rseq() with ENOSYS, so it cannot show these answers: kernel/rseq.c
sys_rseq(), rseq_reset_rseq_cpu_node_id(), __rseq_handle_notify_resume(),
rseq_ip_fixup() and rseq_get_rseq_cs() are the reference.
"""

from __future__ import annotations

from attacks.families import redteam_r67d as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r67d_victim import ALL_ZERO

BAD_CS_ZERO = {r.P_CS_UNMAPPED: 0, r.P_CS_KERNEL: 0, r.P_CS_VERSION: 0}


def _run(steps, args: tuple[bytes, ...] = (), mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-967", title="round 67d claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, timing="exact", args=args)
    return run_one(sc, mode).outcome


def _let_through(out, extra=None) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_MUNMAPPED, r.P_VICTIM_LAST) == {**ALL_ZERO, **(extra or {})}


def test_untouched_secret_r67_rseq_is_not_refused() -> None:
    _let_through(_run(lambda adv: None))


def test_unregistrations_after_mapping_changes_are_not_refused() -> None:
    _let_through(_run(r.claim_mapping_efaults))


def test_bad_rseq_cs_children_live_on_with_rseq_cs_cleared() -> None:
    """Linux 6.13 (and 6.12.y, 6.6.y, 6.1.y): sys_rseq() clears a stale rseq_cs and
    answers 0, so the children exit 7 (before, the return's fixup force_sigsegv()'d them:
    the Guardian now stores for that newer behaviour)."""
    _let_through(_run(r.claim_bad_cs_cleared, args=(r.BAD_CS,)), extra=BAD_CS_ZERO)


def test_kernel_model_clears_bad_rseq_cs_without_the_guardian() -> None:
    out = _run(r.claim_bad_cs_cleared, args=(r.BAD_CS,), mode="off")
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_MUNMAPPED, r.P_VICTIM_LAST) == {**ALL_ZERO, **BAD_CS_ZERO}


def test_area_past_a_truncated_memfd_end_given_back_efault() -> None:
    out = _run(r.claim_truncated_efault, args=(r.TRUNCATE,))
    _let_through(out, extra={r.P_TRUNCATED: 0})
