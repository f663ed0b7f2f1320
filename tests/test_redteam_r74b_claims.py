"""Round 74b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds after the program stored the very
bytes a read page held (or other bytes and then those), after a pread64() filled a page
(both copies: wp_page_copy(), do_cow_fault(), which a later pwrite64() never reaches),
after a clone(CLONE_VM | CLONE_VFORK) child with exit signal 0 or an exited thread
stored through a shared view (shmem_fault(): the folio as it is then), and after the
memfd went in flight over SCM_RIGHTS or came back (one inode).

Each test runs secret_r74_mm with a kernel that maps, at the step's marker after its
calls, the page Linux gives (a claim_* step function of attacks/families/redteam_r74b.py)
and asserts the Guardian lets it through: no decision, the program finishes intact, the
step indexes label 0 (qemu-aarch64-static: label 0 for -abceghijk; -f: qemu-user runs a
CLONE_VM | CLONE_VFORK clone as a fork and does not wait for it; -l: its clone3 fails; -m:
qemu-user runs vfork() as a fork and does not wait for the exec).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r74b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = (), mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-974", title="round 74b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, mode).outcome


CLAIMS = [
    (r.claim_vfork0_bytes, b"-f", r.P_VFORK0, "s"),
    (r.claim_threadexit_bytes, b"-g", r.P_THREADEXIT, "s"),
    (r.claim_scmout_bytes, b"-h", r.P_SCMOUT, "y"),
    (r.claim_scmback_bytes, b"-i", r.P_SCMBACK, "y"),
    (r.claim_futexheld_bytes, b"-j", r.P_FUTEXHELD, "s"),
    (r.claim_readheld_bytes, b"-k", r.P_READHELD, "s"),
    (r.claim_clone3vf_bytes, b"-l", r.P_CLONE3VF, "s"),
    (r.claim_vforkexec_bytes, b"-m", r.P_VFORKEXEC, "s"),
]


@pytest.mark.parametrize(("steps", "arg", "phase", "byte"), CLAIMS,
                         ids=[c[0].__name__ for c in CLAIMS])
def test_linux_pages_are_let_through(steps, arg: bytes, phase: int, byte: str) -> None:  # type: ignore[no-untyped-def]
    _honest_one(steps, arg, phase, byte)


def _honest_one(steps, arg: bytes, phase: int, byte: str) -> None:  # type: ignore[no-untyped-def]
    out = _run(steps, (arg,))
    assert any(f"{ord(byte):#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


def test_kernel_model_shows_a_clone_vm_childs_shared_store() -> None:
    """The kernel model's private page 2 maps the memfd's folio, which holds the 's' a
    CLONE_VM | CLONE_VFORK child (-f) or an exited thread (-g) stored through a shared
    view: label 0."""
    for arg, phase in ((b"-f", r.P_VFORK0), (b"-g", r.P_THREADEXIT)):
        out = _run(lambda adv: None, (arg,))
        assert out.exit_status == 0, out.ended
        assert step_indices(out, phase, phase) == {phase: 0}


def test_a_read_faulted_page_shows_a_later_write() -> None:
    """A later pwrite64() of the file shows in the read-faulted private page (-h): with
    the Guardian off the kernel model's read fault maps the memfd's folio itself
    (do_read_fault()); on, it copies and the Guardian writes the file's bytes into the
    clean private page (clean_pages.show_write): label 0 both ways, as on Linux."""
    for mode, label in (("off", 0), ("on", 0)):
        out = _run(lambda adv: None, (b"-h",), mode)
        assert out.exit_status == 0, out.ended
        assert step_indices(out, r.P_SCMOUT, r.P_SCMOUT) == {r.P_SCMOUT: label}


def test_kernel_model_shows_a_store_beside_a_sleeping_thread() -> None:
    """The kernel model's private page 2 maps the memfd's folio, which holds the 's' a
    thread now asleep in futex() (-j) or read() (-k) stored through a shared view, and
    after a vfork child that then exec'd (-m): label 0 (qemu-aarch64-static: -m label
    -4, qemu-user runs vfork() as a fork and does not wait for the exec)."""
    for arg, phase in ((b"-j", r.P_FUTEXHELD), (b"-k", r.P_READHELD)):
        out = _run(lambda adv: None, (arg,))
        assert out.exit_status == 0, out.ended
        assert step_indices(out, phase, phase) == {phase: 0}
    out = _run(lambda adv: None, (b"-m",))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_VFORKEXEC, r.P_VFORKEXEC) == {r.P_VFORKEXEC: 0}
