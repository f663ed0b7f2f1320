"""Round 72b's honest answers: what Linux's memory management gives a confidential
program's untouched MAP_PRIVATE view of a memfd it alone holds whose file's bytes
changed after the mmap by a fork child's store through an inherited shared view, a
store through a shared view mremap() moved (MREMAP_FIXED or MREMAP_DONTUNMAP), or a
short write (filemap_fault() -> shmem_fault(): the page cache folio as it is then).

Each test runs secret_r72_mm with a kernel that maps, at the step's marker after its
calls, the pages Linux's first faults would give (a claim_* step function of
attacks/families/redteam_r72b.py) and asserts the Guardian lets them through: no
decision, the program finishes intact, the step indexes label 0 (qemu-aarch64-static:
label 0 for -b, -g, -m, -l; -e: qemu answers -EFAULT for the whole buffer).
"""

from __future__ import annotations

from attacks.families import redteam_r72b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-972", title="round 72b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, "on").outcome


def _honest(steps, arg: bytes, phase: int, byte: str) -> None:  # type: ignore[no-untyped-def]
    out = _run(steps, (arg,))
    assert any(f"{ord(byte):#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


def test_a_page_a_fork_child_stored_through_a_shared_view_is_let_through() -> None:
    _honest(r.claim_forkstore_bytes, r.B_ARG, r.P_FORKSTORE, "s")


def test_a_page_stored_through_a_moved_shared_view_is_let_through() -> None:
    _honest(r.claim_mremapsh_bytes, r.G_ARG, r.P_MREMAPSH, "r")


def test_a_page_stored_through_a_dontunmap_moved_shared_page_is_let_through() -> None:
    _honest(r.claim_dontunmapsh_bytes, r.M_ARG, r.P_DONTUNMAPSH, "u")


def test_a_short_pwrite64_is_let_through() -> None:
    _honest(r.claim_short_pwrite64, b"-e", r.P_PARTIAL, "y")


def test_a_short_pwritev_is_let_through() -> None:
    _honest(r.claim_short_pwritev, b"-l", r.P_PARTIALV, "z")


def test_kernel_model_shows_a_fork_childs_shared_store() -> None:
    """The kernel model's fault at the private view's page 2 maps the memfd's folio,
    which holds the 's' the fork child stored through the shared view: label 0."""
    out = _run(lambda adv: None, (r.B_ARG,))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_FORKSTORE, r.P_FORKSTORE) == {r.P_FORKSTORE: 0}


def test_kernel_model_shows_a_store_through_a_moved_shared_view() -> None:
    """After mremap() moved the shared view (MREMAP_FIXED, or one page with
    MREMAP_DONTUNMAP) the kernel model's fault at the private view's page 2 maps the
    memfd's folio, which holds the store: label 0."""
    for arg, phase in ((r.G_ARG, r.P_MREMAPSH), (r.M_ARG, r.P_DONTUNMAPSH)):
        out = _run(lambda adv: None, (arg,))
        assert out.exit_status == 0, out.ended
        assert step_indices(out, phase, phase) == {phase: 0}


def test_kernel_model_answers_short_writes_with_efault() -> None:
    """Not Linux: a pwrite64()/pwritev() whose buffer's second page is PROT_NONE is
    answered -EFAULT (Linux writes the first page and answers PAGE), process_vm_writev()
    -ENOSYS, truncate() of /proc/self/fd/N fails, and an O_TMPFILE file's untouched
    private view misses a pwrite64() after the mmap, and vmsplice() then splice() misses
    the gifted bytes: -e, -l, -k, -a, -t, -x label -4 with the Guardian off."""
    sc = Scenario(id="ZZ-972", title="round 72b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=(b"-elkatx",))
    out = run_one(sc, "off").outcome
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(
        (r.P_PARTIAL, r.P_PARTIALV, r.P_PVWRITE, r.P_TRUNCPATH, r.P_TMPFILE,
         r.P_VMSPLICE), -4)


def test_a_self_copy_in_flight_may_leave_its_source_bytes() -> None:
    """secret_r72_mm -r: at the return of copy_file_range() of page 0 ('y') to page 2 of
    the same memfd, page 2 mapped with 'y' (splice_file_range() copied the source's
    bytes): let through, label 0."""
    _honest(lambda adv: r.fill_at_exit(adv, r.P_COPYSELF, r.NR_COPY_FILE_RANGE, 1, 2,
                                       ord("y")), b"-r", r.P_COPYSELF, "y")
