"""Round 66c's honest clones: clone3(CLONE_VM | CLONE_VFORK) of size 64
(CLONE_ARGS_SIZE_VER0) and of a whole page with a zero tail, both of which Linux serves
(copy_clone_args_from_user(), copy_struct_from_user()), which the Guardian must let
through; and the parent's handler run in the child of clone(1 << 32 | SIGCHLD), whose bit
32 sys_clone() drops (lower_32_bits()); and the pidfd number Linux writes for
clone(CLONE_PIDFD | SIGCHLD, 0, &pidfd), as Go's os.StartProcess asks for it, and for
clone3(CLONE_PIDFD) into clone_args' pidfd word, as Rust's std asks for it.

Each test runs the victim with a kernel that does exactly what Linux may do at that point
(a claim_* step function of attacks/families/redteam_r66c.py) and asserts the Guardian
lets it through: no decision, the program finishes intact, each step indexes label 0.  The
kernel model refuses the clones Linux refuses as Linux does, so the untouched run is the
honest one; it makes the pidfd CLONE_PIDFD asks for and writes its number as
copy_process() does, and the Guardian takes neither pidfd word for a TID word
(guardian.tid_words).  qemu-aarch64 has no clone3() (ENOSYS),
so it cannot show the vforks; it makes the child of clone(1 << 32 | SIGCHLD) and refuses
CLONE_PIDFD (EINVAL: its own limit, not Linux's).
"""

from __future__ import annotations

from attacks.families import redteam_r66c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r66c_victim import ALL_ZERO


def _run(steps, program: str, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-966", title="round 66c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact", args=args)
    return run_one(sc, "on").outcome


def test_untouched_secret_r66_core_is_not_refused() -> None:
    out = _run(lambda adv: None, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_TAIL, r.P_VICTIM_LAST) == ALL_ZERO


def test_clone3_vforks_of_size_64_and_a_page_are_not_refused() -> None:
    out = _run(r.claim_vfork_sizes, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_TAIL, r.P_VICTIM_LAST)
    assert got[r.P_VFORK_V0] == 0 and got[r.P_VFORK_PAGE] == 0, got


def test_parents_handler_in_a_legacy_clone_child_with_bit_32_is_not_refused() -> None:
    out = _run(r.claim_legacy_high_bits, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("queued" in n for n in out.evidence), out.evidence
    assert step_indices(out, r.P_TAIL, r.P_VICTIM_LAST) == ALL_ZERO


def test_legacy_clone_pidfd_written_is_not_refused() -> None:
    out = _run(r.claim_legacy_pidfd, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("CLONE_PIDFD" in n for n in out.evidence), out.evidence
    assert step_indices(out, r.P_TAIL, r.P_VICTIM_LAST) == ALL_ZERO


def test_clone3_pidfd_written_is_not_refused() -> None:
    out = _run(r.claim_clone3_pidfd, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert any("clone3's CLONE_PIDFD" in n for n in out.evidence), out.evidence
    assert step_indices(out, r.P_TAIL, r.P_VICTIM_LAST) == ALL_ZERO
