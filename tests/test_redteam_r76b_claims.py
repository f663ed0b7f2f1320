"""Round 76b's honest answers: what Linux's memory management gives a confidential
program's MAP_PRIVATE view of a memfd it alone holds, page 2 read (the page cache folio,
do_read_fault()) and then the file changed: by write(), pwritev(), a dup() or a reopened
/proc/self/fd/N, a fork or vfork child's pwrite64(), a shared view's store (its own or a
fork child's), copy_file_range(), sendfile(), splice() (each lands in the folio,
shmem_file_write_iter()), fallocate(PUNCH_HOLE) (shmem_fallocate() ->
unmap_mapping_range(): a hole, zeros), ftruncate() down and up (truncate_pagecache():
zeros); after MADV_DONTNEED, a failed mremap(), MADV_POPULATE_READ, mlock() of a
PROT_READ view, an mremap() shrink and regrow: the file's 'y'; a second private view
at an offset or of the whole file: the same folios; a sealed memfd's (F_SEAL_WRITE,
F_SEAL_FUTURE_WRITE) private view stored 'z', or a stored copy under a punched hole:
the program's copy; a stored copy after ftruncate() down and up: zeros
(truncate_pagecache() unmaps private copies too); an O_APPEND reopen's write() or
pwrite64() aimed at page 2: appended at page 3 (generic_write_checks()), page 2 'x'.

Each test runs secret_r76_mm with a kernel that maps, at the step's marker after its
calls, the page Linux gives (claim_linux_bytes of attacks/families/redteam_r76b.py) and
asserts the Guardian lets it through.  qemu-aarch64-static: label 0 for
-abcefghijklmnopqrstuvwxyzABCDEFG.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = (), mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-976", title="round 76b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, mode).outcome


#: (MISSED: page 2 is the folio a shared view stored to, which the kernel model maps
#: itself, test_kernel_model_shows_other_writes: a copy of its bytes is not Linux's page)
LET_THROUGH = [p for p in r.LETTER if p not in (*r.COPIES, *r.MISSED, r.P_CHILDCLEAN)]


@pytest.mark.parametrize("phase", LET_THROUGH, ids=[str(p) for p in LET_THROUGH])
def test_linux_pages_are_let_through(phase: int) -> None:
    byte = r.LINUX[phase]
    out = _run(r.claim_linux_bytes(phase), (r.LETTER[phase],))
    assert any(f"{ord(byte):#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("phase", r.COPIES, ids=["seal_write", "future_write", "punch",
                                                "stored_ro"])
def test_private_copy_kept_let_through(phase: int) -> None:
    """-k, -l: pwrite64() of a sealed memfd fails (-EPERM), the private view's store
    copies page 2 (wp_page_copy(); the seals forbid only shared writable views,
    memfd_check_seals_mmap()); -z: a hole punched under a stored copy
    (shmem_fallocate() -> unmap_mapping_range() without even_cows keeps it); -E: a stored
    copy made read-only (change_pte_range() keeps it): 'z',
    label 0, nothing refused; a drop of that copy is refused (set_pt.discard_leaf)."""
    for mode in ("off", "on"):
        out = _run(r.claim_untouched(phase), (r.LETTER[phase],), mode)
        assert out.exit_status == 0, out.ended
        assert not out.decided_by, out.evidence
        assert step_indices(out, phase, phase) == {phase: 0}
    out = _run(r.claim_linux_bytes(phase), (r.LETTER[phase],))
    assert "set_pt.discard_leaf" in out.decided_by, out.evidence


def test_written_file_shown_in_the_clean_page() -> None:
    """write(), pwritev(), a dup()'d or reopened fd's pwrite64(), a fork or vfork child's,
    after a failed mremap() or under mlock(), before a fork, with a second view: with the
    Guardian off the kernel model's read fault maps the memfd's folio, which the write
    reaches; on, its read fault copies and the Guardian writes the bytes into the clean
    page (clean_pages.show_write): 'y', label 0 both ways."""
    args = b"-" + b"".join(r.LETTER[p][1:] for p in r.SHOWN)
    for mode, label in (("off", 0), ("on", 0)):
        out = _run(lambda adv: None, (args,), mode)
        assert out.exit_status == 0, out.ended
        assert not out.decided_by, out.evidence
        assert step_indices(out, r.P_FIRST, r.P_LAST) == dict.fromkeys(r.SHOWN, label)


@pytest.mark.parametrize("phase", r.MOVED, ids=[str(p) for p in r.MOVED])
def test_moved_bytes_shown_in_the_clean_page(phase: int) -> None:
    """fallocate(PUNCH_HOLE), copy_file_range(), sendfile(), splice() into the file: the
    folio the kernel model's read fault maps shows them (Guardian off); on, its read
    fault copies and the Guardian writes the file's page into the clean page
    (clean_pages.show_write): label 0 both ways."""
    for mode, label in (("off", 0), ("on", 0)):
        out = _run(r.claim_untouched(phase), (r.LETTER[phase],), mode)
        assert not out.decided_by, out.evidence
        assert step_indices(out, phase, phase) == {phase: label}


@pytest.mark.parametrize("phase", r.MISSED, ids=[str(p) for p in r.MISSED])
def test_kernel_model_shows_other_writes(phase: int) -> None:
    """-b, -v: a shared view's store (its own or a fork child's) after page 2's read: the
    kernel model's read fault copied page 2 (the page had no frame yet), and the shared
    fault takes that clean copy as the page's folio (shmem_get_folio(): one folio per
    file page, page_faults._clean_folio): the store shows, label 0, as on Linux."""
    out = _run(r.claim_untouched(phase), (r.LETTER[phase],))
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, phase, phase) == {phase: 0}


def test_fork_child_clean_page_shown() -> None:
    """(-A) the parent's store copied into the parent's mm only (wp_page_copy()); the
    child's page 2 is still the file's clean page (copy_present_pte() shared it): the
    parent's pwrite64() of 'y' shows in it (clean_pages.show_write), label 0."""
    out = _run(r.claim_untouched(r.P_CHILDCLEAN), (r.LETTER[r.P_CHILDCLEAN],))
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_CHILDCLEAN, r.P_CHILDCLEAN) == {r.P_CHILDCLEAN: 0}


def test_fork_child_clean_page_refaulted() -> None:
    """(-A) the child's clean page dropped by reclaim: the refault maps 'y' (the frame
    is known clean in the child's tree too)."""
    out = _run(r.claim_child_refault, (r.LETTER[r.P_CHILDCLEAN],))
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_CHILDCLEAN, r.P_CHILDCLEAN) == {r.P_CHILDCLEAN: 0}


def test_fork_child_clean_page_refaulted_without_guardian() -> None:
    """The same answer with the Guardian off: the child's refault maps 'y', label 0."""
    out = _run(r.claim_child_refault, (r.LETTER[r.P_CHILDCLEAN],), "off")
    assert any("child's page 2 dropped" in n for n in out.evidence), out.evidence
    assert step_indices(out, r.P_CHILDCLEAN, r.P_CHILDCLEAN) == {r.P_CHILDCLEAN: 0}


def test_migrated_clean_page_refaulted() -> None:
    """(-i) a clean page migrated (migrate_folio() moves the page cache folio, still
    clean), the write shown in the new frame, then dropped and refaulted: 'y'."""
    out = _run(r.claim_migrated_refault, (r.LETTER[r.P_BADREMAP],))
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_BADREMAP, r.P_BADREMAP) == {r.P_BADREMAP: 0}


@pytest.mark.parametrize("phase", r.MISSED, ids=[str(p) for p in r.MISSED])
def test_kernel_model_shows_shared_stores_without_guardian(phase: int) -> None:
    """-b, -v with the Guardian off: the kernel model's read fault maps the memfd's folio
    (do_read_fault()), which the shared view's store writes: 'y', label 0."""
    out = _run(r.claim_untouched(phase), (r.LETTER[phase],), "off")
    assert step_indices(out, phase, phase) == {phase: 0}
