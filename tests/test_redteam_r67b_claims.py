"""Round 67b's honest answers: what Linux does at a confidential program's unassigned
numbers and at a fork child's first return, which the Guardian must let through.

Each test runs secret_r67_mm with a kernel that does exactly what Linux may do at that
point (a claim_* step function of attacks/families/redteam_r67b.py) and asserts the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r67b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

STEPS = (r.P_NR244, r.P_NR251, r.P_NR259, r.P_NR1000, r.P_IO_SETUP, r.P_FORK)


def _run(steps):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-967", title="round 67b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-IAGO-COUNT",), program=r.VICTIM)
    return run_one(sc, "on").outcome


def _intact(out) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, r.P_NR244, r.P_FORK)
    assert got == dict.fromkeys(STEPS, 0), got


def test_untouched_run_indexes_label_zero() -> None:
    """The kernel model answers 244, 251, 259, 1000 and io_setup() (shown as 244) -ENOSYS,
    as qemu-aarch64-static does, and the Guardian restores x1..x5 and x8."""
    _intact(_run(lambda adv: None))


def test_fork_childs_write_fault_on_its_rseq_page_is_not_refused() -> None:
    out = _run(r.claim_child_page_copied)
    assert any("write fault at" in n for n in out.evidence), out.evidence
    _intact(out)


@pytest.mark.parametrize("steps", [r.claim_usr1_at_swapped_call, r.claim_usr1_at_own_244])
def test_signal_at_an_unassigned_numbers_return_is_not_refused(steps) -> None:  # type: ignore[no-untyped-def]
    out = _run(steps)
    assert any("SIGUSR1 pending" in n for n in out.evidence), out.evidence
    _intact(out)
    assert any(m.phase == r.P_USR1 for m in out.markers), "the handler never ran"


def test_read_only_rseq_page_across_interrupts_is_not_refused() -> None:
    """With -ro the program makes its rseq area's page read-only for a loop and writable
    again: Linux stores into the area only at a notify-resume (rseq_preempt(),
    rseq_migrate(), rseq_signal_deliver()), which a return from a timer interrupt without
    a switch is not."""
    sc = Scenario(id="ZZ-967", title="round 67b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-PROTECTION",),
                  program=r.VICTIM, args=(b"-ro",))
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_RO_RSEQ, r.P_RO_RSEQ) == {r.P_RO_RSEQ: 0}


def test_getpid_with_x8s_upper_half_set_is_not_refused() -> None:
    sc = Scenario(id="ZZ-967", title="round 67b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=r.claim_high_x8_getpid, rules=("G-IAGO-COUNT",),
                  program=r.VICTIM, args=(b"-hi",))
    out = run_one(sc, "on").outcome
    assert any("answered as getpid()" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_HIGH_NR, r.P_HIGH_NR) == {r.P_HIGH_NR: 0}


def test_kernel_model_takes_w8_as_the_number() -> None:
    """Untouched, with -hi: the kernel model answers x8 = 2^32 + __NR_getpid with the pid
    (el0_svc_common()'s int scno), as qemu-aarch64-static does."""
    sc = Scenario(id="ZZ-967", title="round 67b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-IAGO-COUNT",),
                  program=r.VICTIM, args=(b"-hi",))
    for mode in ("off", "on"):
        out = run_one(sc, mode).outcome
        assert not out.decided_by, out.evidence
        assert out.exit_status == 0, out.ended
        assert step_indices(out, r.P_HIGH_NR, r.P_HIGH_NR) == {r.P_HIGH_NR: 0}
