"""Round 73b's honest answers: what Linux's memory management gives a confidential
program's untouched MAP_PRIVATE view of a memfd it alone holds whose file's bytes
changed after the mmap by fallocate() (a punched hole, a grown file), madvise(MADV_REMOVE)
(through a tagged address too), a vfork child's or a running thread's store or write, a
write through /proc/self/fd/N reopened, a fork child's store through its moved shared
view, a shared page paged out; and the pages after madvise(MADV_DONTNEED) or munmap()
through a tagged address and an mremap() that grew the view (filemap_fault() ->
shmem_fault(): the page cache folio as it is then).

Each test runs secret_r73_mm with a kernel that maps, at the step's marker after its
calls, the pages Linux's first faults would give (a claim_* step function of
attacks/families/redteam_r73b.py) and asserts the Guardian lets them through: no
decision, the program finishes intact, the step indexes label 0 (qemu-aarch64-static:
label 0 for -abhijklmnopqstuvwxyzBCDE; -c, -e, -r, -F: qemu-user's madvise leaves the
host mapping as it was; -f, -g, -A: qemu-user does not untag munmap()/mremap()).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r73b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = (), mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-973", title="round 73b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, mode).outcome


CLAIMS = [
    (r.claim_punch_hole, b"-a", r.P_PUNCH, "\0"),
    (r.claim_grow_hole, b"-b", r.P_GROW, "\0"),
    (r.claim_remove_hole, b"-c", r.P_REMOVE, "\0"),
    (r.claim_tagdrop_bytes, b"-e", r.P_TAGDROP, "y"),
    (r.claim_tagunmap_bytes, b"-f", r.P_TAGUNMAP, "y"),
    (r.claim_vforkstore_bytes, b"-h", r.P_VFORKSTORE, "s"),
    (r.claim_threadstore_bytes, b"-i", r.P_THREADSTORE, "T"),
    (r.claim_procreopen_bytes, b"-j", r.P_PROCREOPEN, "y"),
    (r.claim_vforkwrite_bytes, b"-l", r.P_VFORKWRITE, "c"),
    (r.claim_threadwrite_bytes, b"-m", r.P_THREADWRITE, "T"),
    (r.claim_growremap_bytes, b"-o", r.P_GROWREMAP, "y"),
    (r.claim_childremap_bytes, b"-p", r.P_CHILDREMAP, "g"),
    (r.claim_shpageout_bytes, b"-q", r.P_SHPAGEOUT, "s"),
    (r.claim_tagremove_hole, b"-r", r.P_TAGREMOVE, "\0"),
    (r.claim_failwrite_bytes, b"-s", r.P_FAILWRITE, "x"),
    (r.claim_threadcut_hole, b"-t", r.P_THREADCUT, "\0"),
    (r.claim_vforkcut_hole, b"-u", r.P_VFORKCUT, "\0"),
    (r.claim_childpunch_hole, b"-v", r.P_CHILDPUNCH, "\0"),
    (r.claim_reopenview_bytes, b"-w", r.P_REOPENVIEW, "y"),
    (r.claim_shdrop_bytes, b"-C", r.P_SHDROP, "s"),
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


def test_kernel_model_keeps_sigbus_past_a_keep_size_fallocate() -> None:
    """secret_r73_mm -n: fallocate(KEEP_SIZE) past the end leaves i_size; the kernel
    model's fault at page 2 raises SIGBUS as Linux does: label 0 with the Guardian on."""
    out = _run(lambda adv: None, (b"-n",))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_KEEPSIZE, r.P_KEEPSIZE) == {r.P_KEEPSIZE: 0}


def test_kernel_model_shows_a_fork_childs_moved_shared_store() -> None:
    """The kernel model's fault at the private view's page 2 maps the memfd's folio: the
    'g' a fork child stored through its moved shared view (-p), and the 's' paged out
    with the shared view (-q) or dropped with it (-C): label 0."""
    for arg, phase in ((b"-p", r.P_CHILDREMAP), (b"-q", r.P_SHPAGEOUT), (b"-C", r.P_SHDROP)):
        out = _run(lambda adv: None, (arg,))
        assert out.exit_status == 0, out.ended
        assert step_indices(out, phase, phase) == {phase: 0}


def test_a_read_faulted_page_shows_a_later_write() -> None:
    """secret_r73_mm -y: page 2 read ('x'), pwrite64() of 'y' at page 2, the kernel maps
    the file's new page in place of its copy: Linux's 'y', label 0."""
    _honest_one(r.claim_readfirst_bytes, b"-y", r.P_READFIRST, "y")


def test_kernel_model_shows_a_later_write_in_a_read_faulted_page() -> None:
    """With the Guardian off the kernel model's read fault maps the memfd's folio
    (do_read_fault()), which a later pwrite64() of the file writes: -y labels 0."""
    out = _run(lambda adv: None, (b"-y",), "off")
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_READFIRST, r.P_READFIRST) == {r.P_READFIRST: 0}


def test_kernel_model_shows_a_vfork_childs_shared_store() -> None:
    """The kernel model's private page 2 maps the memfd's folio, which holds the 's' a
    vfork child stored through a shared view before it exited (-h): label 0."""
    out = _run(lambda adv: None, (b"-h",))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_VFORKSTORE, r.P_VFORKSTORE) == {r.P_VFORKSTORE: 0}
