"""Round 65c's honest restartable sequences and cleared signal actions: what Linux's
kernel/rseq.c does to a thread that registered an rseq area (the ids it stores at the
registration's return, by the C library at start or by the program, and the abort of a
critical section a preemption interrupted), and the SIG_DFL a child clone3() made with
CLONE_CLEAR_SIGHAND reports, which the Guardian must let through.

Each test runs a victim with a kernel that does exactly what Linux may do at that point (a
claim_* step function of attacks/families/redteam_r65c.py) and asserts the Guardian lets it
through: no decision, the program finishes intact, each step indexes label 0.  The kernel
model has no CONFIG_RSEQ (rseq() answers -ENOSYS): the claim steps serve rseq() as Linux
does; it flushes a CLONE_CLEAR_SIGHAND child's handlers as copy_sighand() does, so
claim_cleared_action leaves rt_sigaction() to it.  qemu-aarch64 has neither rseq() nor clone3() (ENOSYS), so it
cannot show these answers.
"""

from __future__ import annotations

import pytest

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


@pytest.mark.xfail(strict=True, reason="rseq() has no capability in CAP_TABLE: the ids "
                   "Linux stores into the area on the registration's way back "
                   "(rseq_update_cpu_node_id()) are refused (uaccess.capability), and the "
                   "answer 0 without them is refused too (return.output_written)")
def test_rseq_registration_storing_its_ids_is_not_refused() -> None:
    out = _run(r.claim_rseq_registered, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_RSEQ_ABORT, r.P_VICTIM_LAST) == ALL_ZERO


@pytest.mark.xfail(strict=True, reason="the C library's own rseq() registration at start "
                   "(glibc 2.35 and later, every program) answered as a kernel with "
                   "CONFIG_RSEQ answers it is refused as the program's is "
                   "(uaccess.capability, return.output_written)")
def test_glibc_rseq_registration_at_start_is_not_refused() -> None:
    out = _run(r.claim_glibc_rseq_registered, "secret")
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.xfail(strict=True, reason="after its registration is refused (above), an "
                   "abort at a preemption cannot be served either: at an interrupt the "
                   "kernel is shown no pc (0), may not read the area's rseq_cs "
                   "(uaccess.syscall_in_progress) and the pc it sets is not the one the "
                   "thread resumes at")
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
