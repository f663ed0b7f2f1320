"""Round 65c's honest restartable sequences and cleared signal actions: what Linux's
kernel/rseq.c does to a thread that registered an rseq area (the ids it stores at the
registration's return, by the C library at start or by the program, and the abort of a
critical section a preemption interrupted), and the SIG_DFL a child clone3() made with
CLONE_CLEAR_SIGHAND reports, which the Guardian must let through.

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r65c.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.  The kernel
model answers rseq() as Linux does, and the Guardian stores a confidential thread's ids
and moves it to abort_ip itself (guardian/rseq_areas.py); the kernel model flushes a
CLONE_CLEAR_SIGHAND child's handlers as copy_sighand() does, so claim_cleared_action
leaves rt_sigaction() to it.  qemu-aarch64 has neither rseq() nor clone3() (ENOSYS), so it
cannot show these answers.
"""

from __future__ import annotations

from attacks.families import redteam_r65c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r65c_victim import ALL_ZERO


def _run(steps, program: str, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-965", title="round 65c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact", args=args)
    return run_one(sc, "on").outcome


def test_untouched_secret_r65_core_is_not_refused() -> None:
    out = _run(lambda adv: None, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_RSEQ_ABORT, r.P_VICTIM_LAST) == ALL_ZERO


def test_rseq_registration_storing_its_ids_is_not_refused() -> None:
    out = _run(r.claim_rseq_registered, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_RSEQ_ABORT, r.P_VICTIM_LAST) == ALL_ZERO


def test_glibc_rseq_registration_at_start_is_not_refused() -> None:
    out = _run(r.claim_glibc_rseq_registered, "secret")
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


def test_rseq_abort_of_a_preempted_section_is_not_refused() -> None:
    out = _run(r.claim_rseq_abort_in_section, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("abort_ip" in n for n in out.evidence), out.evidence
    assert step_indices(out, r.P_RSEQ_ABORT, r.P_VICTIM_LAST) == ALL_ZERO


def test_sig_dfl_in_a_clear_sighand_child_is_not_refused() -> None:
    out = _run(r.claim_cleared_action, r.VICTIM, (b"-c",))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_RSEQ_ABORT, r.P_CLEAR_QUERY)
    assert got == {**ALL_ZERO, r.P_CLEAR_QUERY: 0}, got
