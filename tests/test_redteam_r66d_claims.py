"""Round 66d's honest restartable sequences: what Linux's kernel/rseq.c answers a program
that gives back and registers rseq areas (the C library's own, its own, a fork child's
inherited one, a vfork child's), the cpu id sched_getcpu() reads from the area, and the
abort of a critical section a signal's delivery interrupts, which the Guardian must let
through.

Each test runs the victim with a kernel that does exactly what Linux may do at that point
(a claim_* step function of attacks/families/redteam_r66d.py) and asserts the Guardian lets
it through: no decision, the program finishes intact, each step indexes label 0.  The
kernel model answers rseq() as Linux does (-EFAULT for the unregistration of an area on a
read-only page, as claim_read_only_efault answers).  qemu-aarch64 answers rseq() with ENOSYS, so it cannot
show these answers: kernel/rseq.c sys_rseq(), rseq_fork(), rseq_signal_deliver() and
rseq_reset_rseq_cpu_node_id() are the reference.
"""

from __future__ import annotations

from attacks.families import redteam_r66d as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r66d_victim import ALL_ZERO


def _run(steps, program: str = r.VICTIM, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-966", title="round 66d claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact", args=args)
    return run_one(sc, "on").outcome


def _let_through(out, last: int = r.P_VICTIM_LAST, extra=None) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_GETCPU, last) == {**ALL_ZERO, **(extra or {})}


def test_untouched_secret_r66_rseq_is_not_refused() -> None:
    _let_through(_run(lambda adv: None))


def test_sched_getcpu_from_the_c_librarys_area_is_not_refused() -> None:
    _let_through(_run(r.claim_getcpu_from_area))


def test_signal_inside_a_section_resumed_at_abort_ip_is_not_refused() -> None:
    out = _run(r.claim_signal_in_section)
    assert any("SIGUSR2 queued" in n for n in out.evidence), out.evidence
    _let_through(out)


def test_fork_child_giving_back_its_inherited_area_is_not_refused() -> None:
    _let_through(_run(r.claim_fork_child_area))


def test_vfork_child_registering_its_own_area_is_not_refused() -> None:
    _let_through(_run(r.claim_vfork_child_area))


def test_read_only_area_given_back_efault_is_not_refused() -> None:
    out = _run(r.claim_read_only_efault, args=(r.READ_ONLY,))
    assert any("-EFAULT" in n for n in out.evidence), out.evidence
    _let_through(out, extra={r.P_RO_UNREG: 0})


def test_stale_rseq_cs_cleared_at_the_registrations_return() -> None:
    out = _run(r.claim_stale_cs_cleared, args=(r.STALE_CS,))
    _let_through(out, extra={r.P_STALE_CS: 0})


def test_fork_child_unregistration_stores_the_reset_ids() -> None:
    out = _run(r.claim_child_reset_stored, args=(r.CHILD_RESET,))
    _let_through(out, extra={r.P_CHILD_RESET: 0})
