"""Round 67c's honest pidfds: the pidfd Linux installs at the lowest free descriptor for
clone(CLONE_PIDFD | SIGCHLD) (Go's os.StartProcess) and clone3(CLONE_PIDFD) (Rust's std),
glibc's pidfd_spawn() (clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)), Go's vfork
clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD) and a pidfd that takes
a hole below an open descriptor (alloc_fd()), which the Guardian must let through.

Each test runs the victim with a kernel that does exactly what Linux may do at that point
(a claim_* step function of attacks/families/redteam_r67c.py) and asserts the Guardian
lets it through: no decision, the program finishes intact, each step indexes label 0.  The
kernel model refuses the clones Linux refuses as Linux does (since round 67c also
CLONE_PIDFD with CLONE_PARENT_SETTID at one clone3 word and a pidfd word put_user() cannot
store into, before any child exists, and a clone3() with a set_tid array -EPERM: no
CAP_CHECKPOINT_RESTORE), so the untouched run is the honest one.
qemu-aarch64 has no clone3() (ENOSYS) and refuses CLONE_PIDFD (EINVAL: its own limit, not
Linux's), so it cannot show these.
"""

from __future__ import annotations

from attacks.families import redteam_r67c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r67c_victim import ALL_ZERO


def _run(steps, program: str, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-967", title="round 67c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, timing="exact", args=args)
    return run_one(sc, "on").outcome


def test_untouched_secret_r67_core_is_not_refused() -> None:
    out = _run(lambda adv: None, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_PIDFD_HIGH, r.P_VICTIM_LAST) == ALL_ZERO


def test_pidfds_at_the_lowest_free_descriptor_are_not_refused() -> None:
    out = _run(r.claim_lowest_pidfds, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_PIDFD_HIGH, r.P_VICTIM_LAST)
    assert all(got[p] == 0 for p in (r.P_PIDFD_HIGH, r.P_PIDFD_OPEN, r.P_PIDFD_NONE,
                                      r.P_PIDFD3_HIGH, r.P_PIDFD3_OPEN)), got


def test_pidfd_spawn_clone3_is_not_refused() -> None:
    out = _run(r.claim_pidfd_spawn, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    got = step_indices(out, r.P_PIDFD_HIGH, r.P_VICTIM_LAST)
    assert got[r.P_PIDFD_SPAWN] == 0 and got[r.P_GO_VFORK] == 0, got


def test_pidfd_in_a_hole_is_not_refused() -> None:
    out = _run(r.claim_pidfd_hole, r.VICTIM)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_PIDFD_HIGH, r.P_VICTIM_LAST)[r.P_PIDFD_HOLE] == 0
