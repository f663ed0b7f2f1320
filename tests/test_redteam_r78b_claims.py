"""Round 78b's honest answers: what Linux's memory management gives a confidential
program's views of a memfd it alone holds, against the Guardian's clean pages.

- secret_r77_mm (-a, -e, -f, -g): page 2 dropped after it was read and refaulted
  read-only on a new frame of the file's bytes (shrink_folio_list(), then shmem_fault()):
  the file's change is shown in the refault, label 0; page 2 migrated after the read
  (migrate_folio()): label 0.
- secret_r76_mm -f: the parent's page 2 refaulted as the fork child's pwrite64() enters:
  label 0.
- secret_r77_mm -c: page 2 swapped out before the memfd's last descriptor is closed, its
  refault after the close holding the file's 'x': label 0.
- secret_r76_mm -b, a MAP_SHARED view of the memfd stored 'y' at page 2 after the
  private view read it: label 0 (guardian/folio_alias.py).  Linux's private read fault maps the page cache
  folio itself (do_read_fault() -> finish_fault()), and the shared view's fault maps the
  same folio writable (do_shared_fault()): the kernel giving the shared view the private
  view's clean frame (the file's page) is Linux's layout (the kernel model counts the
  private view among the folio's mappers, as its mapcount keeps it).
- secret_r76_mm -x, two private views of the file, page 2 read in both: Linux maps the
  one folio in both views (do_read_fault()); the second view's page 2 read-only on the
  first view's clean frame: label 0 (set_pt.one_mapping lets the same page of another
  private view of the file map a clean frame read-only).
- secret_r76_mm -b, the private view's page 2 refaulted read-only after the shared store
  on the shared view's frame (shmem_fault() finds the one folio): label 0
  (guardian/folio_alias.py; the kernel model counts the private view among the folio's
  mappers, as the folio's mapcount keeps it).
- False refusal (xfail): secret_r76_mm -A, page 2 (clean) reclaimed right after fork()
  while the child maps it too: Linux's reclaim unmaps the folio from every mm
  (shrink_folio_list() -> try_to_unmap()); SWAP_OUT refuses a frame with two mappings
  (smm.page_alone), so the parent's later CoW of a reclaimed clean page never happens.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r77b as r77
from attacks.families import redteam_r78b as r
from attacks.families.redteam_r66b import migrate
from attacks.families.secure_mm import swap_out
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from emulator import descriptors as D
from tests.honest_runs import step_indices

NR_MMAP, NR_CLONE = 222, 220


def _run(steps, program: str, args: tuple[bytes, ...], mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-978", title="round 78b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, args=args)
    return run_one(sc, mode).outcome


def _honest(out, phase: int) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


REFAULTED = [r77.P_KSMREAD, r77.P_COPYSELF, r77.P_COPYOVER, r77.P_ZERORANGE]


@pytest.mark.parametrize("phase", REFAULTED, ids=[str(p) for p in REFAULTED])
def test_refaulted_clean_page_shows_the_change(phase: int) -> None:
    out = _run(r.refault_at(phase), r77.VICTIM77, (r77.LETTER77[phase],))
    assert any("refaulted" in n for n in out.evidence), out.evidence
    _honest(out, phase)


def test_refault_as_fork_child_writes() -> None:
    out = _run(r.refault_at_write(r76.P_FORKW, init_only=False), r76.VICTIM,
               (r76.LETTER[r76.P_FORKW],))
    assert any("refaulted" in n for n in out.evidence), out.evidence
    _honest(out, r76.P_FORKW)


def test_migrated_after_read_shows_the_write() -> None:
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=r77.P_KSMREAD + 4)
        def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
            va = args[0] + 2 * r.PAGE
            if not migrate(a, va):
                a.refused(f"MIGRATE_PAGE of {va:#x}")
    out = _run(steps, r77.VICTIM77, (r77.LETTER77[r77.P_KSMREAD],))
    _honest(out, r77.P_KSMREAD)


def shared_view_on_clean_frame(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r76_mm -b) As the MAP_SHARED mmap() returns (the private view's page 2 read),
    the shared region's page 2 is the private view's read-faulted frame: the page cache
    folio both views map under Linux.  The program's store then faults it writable."""
    @adv.on(Point.MARKER, phase=r76.P_SHSTORE)
    def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
        a.memo["view"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=r76.P_SHSTORE)
    def _(a, **_: object) -> None:  # type: ignore[no-untyped-def]
        mm = a.init.mm
        pa = mm.tables.lookup(a.memo["view"] + 2 * r.PAGE) & D.ADDR_MASK
        for vma in mm.vmas:
            sp = vma.shared_pages
            if sp is not None and vma.shared and 2 not in sp.frames:
                sp.frames[2] = pa
                a.kernel.frames.get(pa)
                sp.mappers += 1     # (the private view maps the folio too: its mapcount)
                a.note(f"the shared view's page 2 is the frame {pa:#x}")
                return


def test_shared_view_maps_the_clean_folio() -> None:
    out = _run(shared_view_on_clean_frame, r76.VICTIM, (r76.LETTER[r76.P_SHSTORE],))
    assert any("is the frame" in n for n in out.evidence), out.evidence
    _honest(out, r76.P_SHSTORE)


def second_view_same_folio(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r76_mm -x) After pwrite64() of 'y', the second private view's page 2 mapped
    (read-only) on the first view's page 2 frame, which the Guardian shows 'y' in."""
    @adv.on(Point.MARKER, phase=r76.P_TWOVIEWS + 2)
    def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
        v1, v2 = args[0] + 2 * r.PAGE, args[1] + 2 * r.PAGE
        mm = a.init.mm
        pa = mm.tables.lookup(v1) & D.ADDR_MASK
        desc = mm.tables.lookup(v2)
        try:
            mm.zap(v2, v2 + r.PAGE)
            a.kernel.frames.get(pa)
            mm.tables.set(v2, (desc & ~D.ADDR_MASK) | pa)
            a.el1.tlbi_all()
            a.note(f"the second view's page 2 on {pa:#x}")
        except Exception as exc:
            a.refused(f"the second view's page 2: {exc!r}")


def test_two_private_views_share_the_folio() -> None:
    out = _run(second_view_same_folio, r76.VICTIM, (r76.LETTER[r76.P_TWOVIEWS],))
    _honest(out, r76.P_TWOVIEWS)


def private_on_shared_frame(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r76_mm -b) After the shared view's store of 'y', the private view's page 2
    dropped and refaulted read-only on the shared view's page 2 frame (the page cache
    folio, which shmem_fault() finds for the private view's refault too); where the
    private view maps that folio already (Linux's layout), left as it is."""
    @adv.on(Point.MARKER, phase=r76.P_SHSTORE + 2)
    def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
        va = args[0] + 2 * r.PAGE
        mm = a.init.mm
        for vma in mm.vmas:
            sp = vma.shared_pages
            if sp is not None and vma.shared and 2 in sp.frames:
                pa = sp.frames[2]
                desc = mm.tables.lookup(va)
                if desc & D.VALID and desc & D.ADDR_MASK == pa:
                    # (the kernel model's own layout: its shared fault took the private
                    # view's clean page as the folio, page_faults._clean_folio)
                    a.note(f"page 2 maps the shared frame {pa:#x} already")
                    return
                try:
                    mm.zap(va, va + r.PAGE)
                    a.kernel.frames.get(pa)
                    mm.tables.set(va, (desc & ~D.ADDR_MASK) | D.AP_RO | pa)
                    a.el1.tlbi_all()
                    # (the folio stays the memfd's while the private view maps it too:
                    # the kernel model counts this space among its mappers)
                    sp.mappers += 1
                    a.note(f"page 2 refaulted on the shared frame {pa:#x}")
                except Exception as exc:
                    a.refused(f"the refault on {pa:#x}: {exc!r}")
                return


def test_private_refault_on_the_shared_folio() -> None:
    out = _run(private_on_shared_frame, r76.VICTIM, (r76.LETTER[r76.P_SHSTORE],))
    assert any("shared frame" in n for n in out.evidence), out.evidence
    _honest(out, r76.P_SHSTORE)


def test_closed_memfd_sealed_page_refaults_the_file() -> None:
    """(secret_r77_mm -c) Page 2 swapped out (a sealed clean page counts as dropped) before
    the memfd's last descriptor is closed; after the close its refault holds the file's
    'x' (the view keeps vma->vm_file, shmem_fault()): label 0."""
    out = _run(r.swap_then_forge(r77.P_CLOSED, r.X), r77.VICTIM77,
               (r77.LETTER77[r77.P_CLOSED],))
    assert any("mapped at" in n for n in out.evidence), out.evidence
    _honest(out, r77.P_CLOSED)


def reclaim_after_fork(adv) -> None:  # type: ignore[no-untyped-def]
    """(secret_r76_mm -A) As the parent's clone() returns, page 2 (clean, the frame the fork
    child maps too) reclaimed by SWAP_OUT; the parent's store then faults it back."""
    @adv.on(Point.MARKER, phase=r76.P_CHILDCLEAN)
    def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
        a.memo["view"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=r76.P_CHILDCLEAN)
    def _(a, **_: object) -> None:  # type: ignore[no-untyped-def]
        va = a.memo["view"] + 2 * r.PAGE
        if swap_out(a, va) is None:
            a.refused(f"SWAP_OUT of {va:#x}")
        else:
            a.note(f"page {va:#x} reclaimed")


@pytest.mark.xfail(strict=True, reason="smm.page_alone refuses SWAP_OUT of a clean page a "
                   "fork child maps too, where Linux's reclaim unmaps the clean folio from "
                   "every mm (shrink_folio_list() -> try_to_unmap() walks the rmap) and the "
                   "parent's store refaults and copies it (wp_page_copy())")
def test_reclaim_clean_page_shared_with_fork_child() -> None:
    out = _run(reclaim_after_fork, r76.VICTIM, (r76.LETTER[r76.P_CHILDCLEAN],))
    _honest(out, r76.P_CHILDCLEAN)
