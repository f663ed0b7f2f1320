"""Round 70c's honest answers, with the Guardian on.

clone3(CLONE_PIDFD) whose pidfd word is 512 KiB below the stack pointer fails with
-EFAULT, no child, where the stack cannot grow there: RLIMIT_STACK lowered by a process
outside the program (do_prlimit() on its pid; the program sees nothing), RLIMIT_AS below
the program's total_vm (acct_stack_growth() -> may_expand_vm()), RLIMIT_STACK lowered by
the program itself below the stack in use (acct_stack_growth()), or a page mapped 2 MiB
below the stack pointer under a boot-time stack_guard_gap of 4 MiB (expand_downwards()).
The kernel model honours none of these (its initial stack area is the whole 8 MiB
reserve): the claim_* steps of attacks/families/redteam_r70c.py answer -EFAULT as Linux
does.  Whether the stack grows to a page is not the Guardian's to know: it takes no such
page as writable (return.clone_efault), so none is refused.

The tagged address ABI is inherited by a fork child (dup_task_struct() copies
TIF_TAGGED_ADDR) and cleared by execve() (flush_tagged_addr_state()) and by
prctl(PR_SET_TAGGED_ADDR_CTRL, 0).  The fork child's clone3 with a tagged pidfd word makes
a grandchild in Linux, as does a vfork child's (CLONE_VM | CLONE_VFORK): the Guardian
follows the flag into every clone child (guardian/tagged_abi.py).  -EFAULT for
the tagged word in the image a fork child execs, and after the ABI was disabled, is let
through.  qemu-aarch64 refuses CLONE_PIDFD (EINVAL: its own limit, not Linux's), so it
cannot show these steps.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r70c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r70c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-970", title="round 70c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.CORE, timing="exact", args=args)
    return run_one(sc, "on").outcome


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_OUTSIDE_LIMIT, r.P_VICTIM_LAST) == {**ALL_ZERO,
                                                                     **(extra or {})}


def test_efault_under_a_limit_set_from_outside_is_not_refused() -> None:
    _intact(_run(r.claim_outside_limit))


def test_efault_under_rlimit_as_is_not_refused() -> None:
    _intact(_run(r.claim_as_limit, (b"-a",)), {r.P_AS_LIMIT: 0})


def _not_refused(out) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended


@pytest.mark.parametrize("steps, args", [
    (r.claim_lowered_limit_child, (b"-l",)), (r.claim_as_limit_child, (b"-a",)),
    (r.claim_self_prlimit_efault, ()), (r.claim_tagged_rlimit_efault, ())])
def test_answers_the_stack_limits_leave_open_are_not_refused(steps, args) -> None:  # type: ignore[no-untyped-def]
    """Once YS-006, YS-007, YS-009, YS-016: whether the stack grows to the word depends on
    limits another process may set at any instant (prlimit64(), do_prlimit()): either
    answer is Linux's.  (The program takes them as leaks: its labels are not checked.)"""
    _not_refused(_run(steps, args))


def test_efault_under_a_lowered_stack_limit_is_not_refused() -> None:
    _intact(_run(r.claim_lowered_limit, (b"-l",)), {r.P_LOWERED_LIMIT: 0})


def test_efault_with_a_page_within_a_boot_time_guard_gap_is_not_refused() -> None:
    _intact(_run(r.claim_gap_below))


def test_grandchild_for_a_tagged_word_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_fork_tagged_child))


def test_grandchild_for_a_tagged_word_in_a_vfork_child_is_not_refused() -> None:
    _intact(_run(r.claim_vfork_tagged_child))


def test_efault_for_a_tagged_word_after_exec_is_not_refused() -> None:
    _intact(_run(r.claim_exec_tagged_efault))


def test_efault_for_a_tagged_word_after_the_abi_was_disabled_is_not_refused() -> None:
    _intact(_run(r.claim_disabled_efault))
