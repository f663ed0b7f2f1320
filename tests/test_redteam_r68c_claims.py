"""Round 68c's honest clones: clone() with CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and
CLONE_CHILD_CLEARTID words at an unmapped address (Linux makes each child and ignores the
failing store: kernel_clone(), schedule_tail(), mm_release()), a clone(CLONE_PIDFD) after a
CLONE_FILES child or a vfork child without CLONE_FILES closed a descriptor (the pidfd
takes the shared table's hole, or the parent's own lowest free number: alloc_fd()), a
clone3(CLONE_PIDFD) whose word is 16 KiB below the stack pointer (expand_stack()), and the
pidfd Linux installs at the lowest free descriptor for
clone(CLONE_PIDFD | SIGCHLD), with the page of its word swapped out before the parent
runs again (reclaim is the kernel's own choice; the page comes back with the bytes
put_user() stored), which the Guardian must let through.

Before round 68c the kernel model failed the first two unmapped-word clones with -EFAULT
after making the child (kernel_model/syscalls/proc.py do_clone() now ignores the fault as
Linux does).  The tests run the victims with a kernel that does exactly what Linux may do at
that point (the claim_* step functions of attacks/families/redteam_r68c.py) and assert the
Guardian lets it through: no decision, the program finishes intact, each step indexes
label 0.  The Guardian asks for the page back (FAULT_IN) to read the word; the kernel
model's fault path would map a fresh page there, so the step swaps the sealed page in
as Linux's do_swap_page() would.
qemu-aarch64 refuses CLONE_PIDFD (EINVAL: its own limit, not Linux's), so it cannot show the
pidfd steps; its clone() with unmapped tid words makes each child (clone(2) succeeds).
"""

from __future__ import annotations

from attacks.families import redteam_r68c as r
from attacks.families.redteam_r67c import P_VICTIM_LAST
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r67c_victim import ALL_ZERO
from tests.test_redteam_r68c_victim import ALL_ZERO as CORE_ZERO


def _run(steps, program: str, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-968", title="round 68c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact", args=args)
    return run_one(sc, "on").outcome


def test_pidfd_whose_word_was_swapped_out_is_not_refused() -> None:
    out = _run(r.claim_swapped_pidfd, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PIDFD_HIGH, P_VICTIM_LAST) == ALL_ZERO
    assert any("swapped back in: True" in e for e in out.evidence), out.evidence


def test_clones_with_unmapped_tid_words_are_not_refused() -> None:
    out = _run(r.claim_unmapped_tid_words, r.CORE)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PARENT_SETTID_FAULT, r.P_VICTIM_LAST) == CORE_ZERO


def test_pidfds_after_closing_children_are_not_refused() -> None:
    out = _run(r.claim_closing_children, r.CORE)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_PARENT_SETTID_FAULT, r.P_VICTIM_LAST)
    assert all(got[p] == 0 for p in (r.P_FILES_CHILD_CLOSE, r.P_VFORK_CHILD_CLOSE,
                                      r.P_PIDFD_STACK)), got


def test_efault_for_a_word_the_stack_may_grow_to_is_not_refused() -> None:
    """Once YM-012: whether the stack grows 16 KiB below the stack pointer depends on the
    launcher's RLIMIT_STACK at exec (setup_arg_pages()), limits another process may set
    (prlimit64()) and memory pressure.  (The program takes the -EFAULT as a leak.)"""
    out = _run(r.claim_stack_word_efault, r.CORE)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
