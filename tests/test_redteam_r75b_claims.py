"""Round 75b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds, page 2 read and then pwrite64()
of 'y' to the file, after calls that make no copy of the page (mprotect() without a
store, change_pte_range(); a fork, copy_present_pte(); mremap(), move_ptes();
MADV_PAGEOUT, MADV_COLD, MADV_WILLNEED; a store to another page): the page cache folio,
'y' (do_read_fault()), which reclaim may drop and a refault fill from the file; after
MADV_DONTNEED of a stored copy: the file's 'y' (zap_page_range_single()); after calls
that populate a writable private view with write faults (mlock(), MADV_POPULATE_WRITE,
MAP_POPULATE: populate_vma_page_range() / madvise_populate() with FOLL_WRITE): the
program's anonymous copy 'x', which swap may bring back in a new frame
(do_swap_page()).

Each test runs secret_r75_mm with a kernel that maps, at the step's marker after its
calls, the page Linux gives (claim_linux_bytes of attacks/families/redteam_r75b.py) and
asserts the Guardian lets it through: no decision, the program finishes intact, the step
labels 0.  -m: a thread asleep in read() of a pipe into a shared view's page 2, woken
by the program's write() of 's' just before it reads its private view: 'x' or 's'
(pipe_read() -> copy_page_to_iter() may run first).  qemu-aarch64-static: label 0 for
-abcefghijmnopq; -k and -l label -4 (qemu-user
passes neither MADV_POPULATE_WRITE nor MAP_POPULATE to the host).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r75b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = (), mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-975", title="round 75b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, mode).outcome


def _honest_one(phase: int) -> None:
    byte = r.LINUX[phase]
    out = _run(r.claim_linux_bytes(phase), (r.LETTER[phase],))
    assert any(f"{ord(byte):#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


LET_THROUGH = [r.P_DROPCOPY, r.P_FORKED, r.P_PAGEOUT, r.P_NEIGHBOUR, r.P_COLD,
               r.P_FORKSTORE, r.P_PROTDROP, r.P_ROLOCK]


@pytest.mark.parametrize("phase", LET_THROUGH, ids=[str(p) for p in LET_THROUGH])
def test_linux_pages_are_let_through(phase: int) -> None:
    _honest_one(phase)


@pytest.mark.parametrize("phase", [r.P_PROTUP, r.P_MOVED, r.P_PROTRT],
                         ids=["protup", "moved", "protrt"])
def test_clean_page_after_mprotect_or_mremap_refaulted(phase: int) -> None:
    """-a, -g: mprotect() leaves the private file page read-only (change_pte_range());
    -e: mremap() moves its entry (move_ptes()): still the clean page cache folio, which
    reclaim may drop and the refault fill with the file's 'y'."""
    _honest_one(phase)


@pytest.mark.parametrize("phase", [r.P_POPWRITE, r.P_POPMAP], ids=["popwrite", "popmap"])
def test_populated_copy_left_alone(phase: int) -> None:
    """-k, -l: the kernel model's MADV_POPULATE_WRITE and MAP_POPULATE of a read-write
    private view write-fault the pages, as Linux does (madvise_populate(),
    populate_vma_page_range() with FOLL_WRITE: wp_page_copy()): page 2 keeps 'x', label
    0, and the Guardian refuses a drop of that copy (anonymous, no clean folio)."""
    for mode in ("off", "on"):
        out = _run(lambda adv: None, (r.LETTER[phase],), mode)
        assert out.exit_status == 0, out.ended
        assert not out.decided_by, out.evidence
        assert step_indices(out, phase, phase) == {phase: 0}
    out = _run(r.claim_linux_bytes(phase), (r.LETTER[phase],))
    assert "set_pt.discard_leaf" in out.decided_by, out.evidence


@pytest.mark.parametrize("phase", [r.P_PIPEINTO, r.P_SIGSTORE], ids=["pipeinto", "sigstore"])
def test_sleeper_not_yet_stored_let_through(phase: int) -> None:
    """-m, -n: page 2 still 'x' (the woken reader has not copied, the signalled thread's
    handler has not run): label 0, let through."""
    out = _run(lambda adv: r.fill_after(adv, phase, 2, ord("x")), (r.LETTER[phase],))
    assert any("0x78 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.xfail(strict=True, reason="false refusal: a thread asleep in read() of a pipe "
                   "into a shared view's page 2 is woken by the program's write() of 's'; on "
                   "Linux its pipe_read() -> copy_page_to_iter() may fill the shared folio "
                   "before it returns to user code, while the program read-faults its private "
                   "view's page 2 (do_read_fault(): the folio, 's'); the Guardian judges the "
                   "page against the shared frame, still 'x' (lone_thread.asleep_since(): the "
                   "reader entered its call before the fault), and refuses 's' "
                   "(set_pt.cut_refault); the Guardian writes a read's bytes only at its "
                   "return, so the copy-before-return interleaving has no honest way in: "
                   "the file's followed bytes are 'x' until then (check_after_cut judges "
                   "the page against them), and no frame holds 's' before the return")
def test_pipe_reader_copied_first() -> None:
    _honest_one(r.P_PIPEINTO)


def test_mlocked_copy_left_alone() -> None:
    """-j: the kernel model's mlock() populates the read-write view writable, as Linux
    does (populate_vma_page_range() with FOLL_WRITE): page 2 keeps 'x', label 0, and the
    Guardian refuses a drop of that copy (it is anonymous, not a clean folio)."""
    out = _run(lambda adv: None, (b"-j",))
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_LOCKED, r.P_LOCKED) == {r.P_LOCKED: 0}
    out = _run(r.claim_linux_bytes(r.P_LOCKED), (b"-j",))
    assert "set_pt.discard_leaf" in out.decided_by, out.evidence


def test_a_read_faulted_page_shows_a_later_write() -> None:
    """A later pwrite64() of 'y' shows in the read-faulted private page 2 after
    mprotect() without a store, a fork, mremap(), MADV_PAGEOUT, mprotect() there and
    back, a store to page 1, MADV_COLD or a fork child's store into its own copy, or
    mlock() of a read-only view (Linux maps the page cache folio itself,
    do_read_fault(): 'y'): with the Guardian off the kernel model's read fault maps the
    memfd's folio; on, it copies and the Guardian writes the file's bytes into each
    clean private page of it (clean_pages.show_write): 'y', label 0 both ways, and
    nothing refused."""
    for mode, label in (("off", 0), ("on", 0)):
        out = _run(lambda adv: None, (b"-acefghioq",), mode)
        assert out.exit_status == 0, out.ended
        assert not out.decided_by, out.evidence
        assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(
            (r.P_PROTUP, r.P_FORKED, r.P_MOVED, r.P_PAGEOUT, r.P_PROTRT, r.P_NEIGHBOUR,
             r.P_COLD, r.P_FORKSTORE, r.P_ROLOCK), label)
