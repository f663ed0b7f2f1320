"""Round 71b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds whose file changed after the mmap,
at the view's first fault (filemap_fault() -> shmem_fault() -> shmem_get_folio_gfp():
the page cache folio as it is then), which the Guardian must let through.

Each test runs secret_r71_mm with a kernel that maps, at the step's marker after its
calls, the pages Linux's first faults would give (a claim_* step function of
attacks/families/redteam_r71b.py) and asserts the Guardian lets them through: no
decision, the program finishes intact, the step indexes label 0 (qemu-aarch64-static:
every step label 0).
"""

from __future__ import annotations

from attacks.families import redteam_r71b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-971", title="round 71b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, "on").outcome


def _honest(steps, phase: int, byte: str) -> None:  # type: ignore[no-untyped-def]
    out = _run(steps)
    assert any(f"{ord(byte):#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


def test_an_untouched_view_enters_with_the_file_pwrite64_changed() -> None:
    _honest(r.claim_fresh_file_bytes, r.P_FRESH, "y")


def test_a_view_past_the_old_end_enters_with_the_grown_hole() -> None:
    _honest(r.claim_growfile_hole, r.P_GROWFILE, "\0")


def test_an_untouched_view_of_a_cut_file_enters_with_its_kept_bytes() -> None:
    _honest(r.claim_cutfresh_file_bytes, r.P_CUTFRESH, "x")


def test_pages_other_writers_filled_after_a_cut_are_let_through() -> None:
    """secret_r71_mm -x: pwritev(), copy_file_range(), sendfile(), an O_APPEND write() and splice()
    into page 2 of a cut, regrown memfd; the kernel model maps the file's bytes at the
    private view's first fault (shmem_fault()), and the Guardian lets each through
    (qemu-aarch64-static: label 0 at 8928, 8932, 8936, 8940)."""
    out = _run(lambda adv: None, (r.X_ARG,))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_PWRITEV, r.P_SPLICE) == dict.fromkeys(
        (r.P_PWRITEV, r.P_COPYRANGE, r.P_SENDFILE, r.P_APPEND, r.P_SPLICE), 0)


def test_a_cut_page_the_shared_view_stored_enters_with_its_bytes_after_a_thread() -> None:
    """secret_r71_mm -t: after a thread was made, the private view's page 2 enters with
    the bytes the shared view stored, 's' (shmem_fault()): let through, label 0."""
    out = _run(r.claim_threaded_shared_bytes, (r.T_ARG,))
    assert any("0x73 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_THREADED, r.P_THREADED) == {r.P_THREADED: 0}


def test_kernel_model_shows_a_shared_store_at_a_cut_page_after_a_thread() -> None:
    """The kernel model's private fault there maps the memfd's folio (do_read_fault()),
    which holds the store through the shared view: Linux's page, label 0."""
    out = _run(lambda adv: None, (r.T_ARG,))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_THREADED, r.P_THREADED) == {r.P_THREADED: 0}


def test_the_old_range_mremap_dontunmap_left_enters_with_the_files_bytes() -> None:
    """secret_r71_mm -m: the old page 0 of a private file view MREMAP_DONTUNMAP moved
    enters holding the file's 'x' (the vma keeps its file: shmem_fault())."""
    out = _run(r.claim_dontunmap_file_bytes, (r.M_ARG,))
    assert any("0x78 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_DONTUNMAP, r.P_DONTUNMAP) == {r.P_DONTUNMAP: 0}


def test_kernel_model_fault_in_the_old_range_of_a_file_vma_is_let_through() -> None:
    """The kernel model left alone serves the old range's fault from the file, as Linux
    does ('x'); the Guardian lets it through (the old range stays a view of the file)."""
    out = _run(lambda adv: None, (r.M_ARG,))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_DONTUNMAP, r.P_DONTUNMAP) == {r.P_DONTUNMAP: 0}


def test_pages_madv_remove_punched_enter_with_zeros() -> None:
    """secret_r71_mm -p: page 1 MADV_REMOVE punched enters both views with zeros, as
    Linux gives them (the kernel model punches nothing: not Linux)."""
    out = _run(r.claim_remove_hole, (r.R_ARG,))
    assert any("0x0 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_REMOVE, r.P_REMOVE) == {r.P_REMOVE: 0}


def test_kernel_model_punches_the_hole_at_madv_remove() -> None:
    """secret_r71_mm -p: the kernel model punches the hole MADV_REMOVE asks for
    (madvise_remove() -> vfs_fallocate(PUNCH_HOLE | KEEP_SIZE)): both views' page 1
    enter as zeros, page 2 keeps 'x': let through, label 0."""
    out = _run(lambda adv: None, (r.R_ARG,))
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_REMOVE, r.P_REMOVE) == {r.P_REMOVE: 0}


def test_a_cut_by_an_o_trunc_reopen_and_a_regrow_is_let_through() -> None:
    """secret_r71_mm -o: the kernel model zaps the private copies at the O_TRUNC open
    and maps the regrown hole, as Linux does (qemu-aarch64-static: label 0)."""
    out = _run(lambda adv: None, (r.O_ARG,))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_OTRUNC, r.P_OTRUNC) == {r.P_OTRUNC: 0}


def test_a_private_page_dropped_after_a_shared_store_enters_with_its_bytes() -> None:
    """secret_r71_mm -s: the private view's page MADV_DONTNEED dropped after a store of
    's' through the shared view enters with 's' (shmem_fault()): let through, label 0."""
    out = _run(r.claim_dropshared_bytes, (r.S_ARG,))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_DROPSHARED, r.P_DROPSHARED) == {r.P_DROPSHARED: 0}


def test_kernel_model_shows_a_shared_store_at_a_dropped_private_page() -> None:
    """The kernel model's refault there maps the memfd's folio, the shared view's 's'
    (do_read_fault()): Linux's page, label 0."""
    out = _run(lambda adv: None, (r.S_ARG,))
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_DROPSHARED, r.P_DROPSHARED) == {r.P_DROPSHARED: 0}
