"""Round 69c's honest clones: clone3(CLONE_PIDFD) whose pidfd word is 4 MiB below the stack
pointer fails with -EFAULT, no child, where RLIMIT_STACK is 1 MiB -- set by another
process's prlimit64 on the program's pid (do_prlimit()), or inherited by a fork child from
its parent's setrlimit (copy_signal()) -- also across the child's execve() of the
program again; acct_stack_growth() refuses to grow the stack past
the limit, so put_user() of the pidfd faults (copy_process(): bad_fork_put_pidfd).

The kernel model grows its stack regardless of RLIMIT_STACK (its initial stack area is
the whole 8 MiB reserve) and makes the child; the claim_* step functions of
attacks/families/redteam_r69c.py answer -EFAULT as Linux does.  The tests assert the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0 (the program takes -EFAULT as an answer Linux may give).  qemu-aarch64 refuses
CLONE_PIDFD (EINVAL: its own limit, not Linux's), so it cannot show these steps.

Under the tagged address ABI (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE):
set_tagged_addr_ctrl() sets TIF_TAGGED_ADDR) arm64's access_ok() untags a user pointer,
so clone3 with a tagged clone_args pointer or a tagged CLONE_PIDFD word makes the child.
The kernel model has no tagged address ABI; claim_tagged_pidfd_child and
claim_tagged_args_child answer the prctl 0 and serve the clone3 as fork.  The Guardian
refuses the first (fork.clone_valid: a tagged pidfd word is "in no area"): a false
refusal, xfail.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r69c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import honest, step_indices
from tests.test_redteam_r69c_victim import ALL_ZERO


def _run(steps, program: str = r.CORE):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-969", title="round 69c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact")
    return run_one(sc, "on").outcome


def test_efault_after_another_process_lowered_the_limit_is_not_refused() -> None:
    out = _run(r.claim_prlimit_other)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


def test_efault_after_exec_under_an_inherited_limit_is_not_refused() -> None:
    out = _run(r.claim_exec_limit)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


def test_efault_in_a_child_under_an_inherited_limit_is_not_refused() -> None:
    out = _run(r.claim_inherited_limit)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


@pytest.mark.parametrize("arg", [b"-p", b"-c"])
def test_steps_run_first_are_not_refused(arg: bytes) -> None:
    """The victim with -p (its page 2 MiB below the stack pointer mapped before any
    RLIMIT_STACK call) or -c (its child's own setrlimit first), the kernel left alone."""
    sc = Scenario(id="ZZ-969", title="round 69c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=honest, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.CORE, timing="exact", args=(arg,))
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


def test_child_for_tagged_pidfd_word_is_not_refused() -> None:
    out = _run(r.claim_tagged_pidfd_child)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


def test_child_for_tagged_clone_args_is_not_refused() -> None:
    out = _run(r.claim_tagged_args_child)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PRLIMIT_OTHER, r.P_VICTIM_LAST) == ALL_ZERO


@pytest.mark.parametrize("steps, args", [
    (r.claim_raised_limit_efault, ()), (r.claim_refused_limit_efault, ()),
    (r.claim_placed_below_efault, (b"-p",)), (r.claim_child_own_limit_efault, (b"-c",))])
def test_efault_for_a_word_the_stack_may_grow_to_is_not_refused(steps, args) -> None:  # type: ignore[no-untyped-def]
    """Once YO-001, YO-007, YO-008, YO-010: whether the stack grows to the word depends on
    limits another process may set (prlimit64()), stack_guard_gap= and memory pressure.
    (The program takes the -EFAULT as a leak: its labels are not checked.)"""
    sc = Scenario(id="ZZ-969", title="round 69c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.CORE, timing="exact", args=args)
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
