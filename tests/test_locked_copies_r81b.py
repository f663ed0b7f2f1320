"""Round 81b's locked populations (guardian/locked_copies.py, clean.locked_populate):
mlock() and mlock2(0) copy a writable private view's pages (do_mlock() ->
__mm_populate(), ZX-012, ZX-013); pkey_mprotect() populates as mprotect() does
(do_mprotect_pkey() -> mprotect_fixup(), ZX-014); VM_LOCKONFAULT is a flag of each area
and of def_flags, which munlockall() clears (apply_vma_lock_flags(),
apply_mlockall_flags(), ZX-015, ZX-016); a population of a whole writable view copies its
empty pages too (do_cow_fault(): FileView.copied, ZX-022).  Each with its honest
neighbour: the answer where Linux copies nothing keeps the page the file's."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.file_pages import FileView
from guardian.locked_copies import follow, map_locked_copies
from guardian.slots import Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW, OTHER, PAGE = 0x4000_0000, 0x7000_2000, 0x7100_0000, 0x1000
PROT_R, PROT_RW, MAP_PRIVATE, MAP_LOCKED = 1, 3, 0x2, 0x2000
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT = 1, 2, 4, 1
PAGES = lambda lo, hi: [(va, 0x9000 + va - VIEW) for va in range(lo, hi, PAGE)  # noqa: E731
                        if VIEW <= va < VIEW + 2 * PAGE]


def _slot(sid: int, name: str, args: tuple[int, ...]) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=NUMBERS[name], args=args, root=ROOT,
                thread=0)


def _space(prot: int | None = None, locked: bool = False) -> Space:
    """A 3-page private view of a memfd, its first two pages present."""
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    space = Space(sole_views=[(VIEW, VIEW + 3 * PAGE, FileView(mem, mem.version), 0)])
    space.lockable.append((VIEW, VIEW + 3 * PAGE))
    if locked:
        space.lock(VIEW, VIEW + 3 * PAGE)
    if prot is not None:
        space.protections.append((VIEW, VIEW + 3 * PAGE, prot, 0))
    return space


def _follow(space: Space, slot: Slot, ret: int = 0) -> list[tuple[int, int]]:
    got: list[tuple[int, int]] = []
    follow(space, slot, ret, PAGES, got.extend, [slot], slot.id + 1)
    return got


def _copied(space: Space) -> bool:
    return space.sole_views[0][2].copied


def test_mlock_and_mlock2_copy_the_writable_view() -> None:
    """ZX-012, ZX-013: do_mlock() -> __mm_populate() with FOLL_WRITE, whatever leaves the
    kernel set; the whole view locked: its empty page is a copy too (ZX-022)."""
    for name, args in (("mlock", (VIEW, 3 * PAGE)), ("mlock2", (VIEW, 3 * PAGE, 0))):
        space = _space()
        assert _follow(space, _slot(1, name, args)) == [(VIEW, 0x9000), (VIEW + PAGE, 0xA000)]
        assert _copied(space)


def test_mlock_honest_neighbours() -> None:
    """MLOCK_ONFAULT faults nothing (populate_vma_page_range() returns at once); a
    read-only view is populated without FOLL_WRITE; an error answer, another range, or
    part of the view (its empty pages not known copied) leave the rest the file's."""
    space = _space()
    assert _follow(space, _slot(1, "mlock2", (VIEW, 3 * PAGE, MLOCK_ONFAULT))) == []
    assert not _copied(space) and space.onfault_at(VIEW)
    space = _space(PROT_R)
    assert _follow(space, _slot(1, "mlock", (VIEW, 3 * PAGE))) == [] and not _copied(space)
    space = _space()
    assert _follow(space, _slot(1, "mlock", (VIEW, 3 * PAGE)), -12) == []
    assert _follow(space, _slot(1, "mlock", (OTHER, PAGE))) == [] and not _copied(space)
    assert _follow(space, _slot(2, "mlock", (VIEW, PAGE))) == [(VIEW, 0x9000)]
    assert not _copied(space)


def test_pkey_mprotect_populates_as_mprotect() -> None:
    """ZX-014: do_mprotect_pkey() -> mprotect_fixup() populates a VM_LOCKED read-only
    private area made writable; an unlocked one only changes protection."""
    call = _slot(1, "pkey_mprotect", (VIEW, 3 * PAGE, PROT_RW, (1 << 32) - 1))
    assert _follow(_space(PROT_R, locked=True), call) == [(VIEW, 0x9000), (VIEW + PAGE, 0xA000)]
    assert _follow(_space(PROT_R), call) == []


def test_on_fault_is_per_area() -> None:
    """ZX-015: mlock2(MLOCK_ONFAULT) of another range leaves the view VM_LOCKED alone:
    mprotect() populates it.  The view's own on-fault lock: nothing populated."""
    space = _space(PROT_R, locked=True)
    _follow(space, _slot(1, "mlock2", (OTHER, PAGE, MLOCK_ONFAULT)))
    assert _follow(space, _slot(3, "mprotect", (VIEW, 3 * PAGE, PROT_RW))) == \
        [(VIEW, 0x9000), (VIEW + PAGE, 0xA000)]
    space = _space(PROT_R, locked=True)
    _follow(space, _slot(1, "mlock2", (VIEW, 3 * PAGE, MLOCK_ONFAULT)))
    assert _follow(space, _slot(3, "mprotect", (VIEW, 3 * PAGE, PROT_RW))) == []


def test_mlock_clears_on_fault() -> None:
    """mlock() after mlock2(MLOCK_ONFAULT) of the view: mlock_fixup() sets VM_LOCKED
    alone (newflags &= ~VM_LOCKED_MASK) -- but not with another lock call in flight."""
    space = _space(PROT_R, locked=True)
    _follow(space, _slot(1, "mlock2", (VIEW, 3 * PAGE, MLOCK_ONFAULT)))
    _follow(space, _slot(3, "mlock", (VIEW, 3 * PAGE)))
    assert not space.onfault_at(VIEW)
    space = _space(PROT_R, locked=True)
    _follow(space, _slot(1, "mlock2", (VIEW, 3 * PAGE, MLOCK_ONFAULT)))
    mlock, other = _slot(3, "mlock", (VIEW, 3 * PAGE)), _slot(4, "mlock2", (VIEW, PAGE, 1))
    follow(space, mlock, 0, PAGES, lambda f: None, [mlock, other], 5)
    assert space.onfault_at(VIEW)


def test_munlockall_ends_def_flags_on_fault() -> None:
    """ZX-016: mlockall(MCL_FUTURE | MCL_ONFAULT) then munlockall(): def_flags lose
    VM_LOCKED_MASK (apply_mlockall_flags(0)), a MAP_LOCKED view is populated.  Without the
    munlockall(), or with one that entered before the on-fault mlockall() returned, it
    may be VM_LOCKONFAULT: not populated."""
    space = _space()
    _follow(space, _slot(1, "mlockall", (MCL_FUTURE | MCL_ONFAULT,)))
    assert not map_locked_copies(PROT_RW, MAP_PRIVATE | MAP_LOCKED, space, False)
    _follow(space, _slot(1, "munlockall", ()))      # (entered before the mark: unsure)
    assert not map_locked_copies(PROT_RW, MAP_PRIVATE | MAP_LOCKED, space, False)
    _follow(space, _slot(3, "munlockall", ()))
    assert map_locked_copies(PROT_RW, MAP_PRIVATE | MAP_LOCKED, space, False)
    _follow(space, _slot(5, "mlockall", (MCL_FUTURE | MCL_ONFAULT,)))
    _follow(space, _slot(7, "mlockall", (MCL_FUTURE,)))
    assert map_locked_copies(PROT_RW, MAP_PRIVATE | MAP_LOCKED, space, True)


def test_mlockall_current_copies_the_empty_pages() -> None:
    """ZX-022: mm_populate(0, TASK_SIZE) write-faults every page of the writable view,
    present or not: the view is copied.  A view read-only in part: not taken whole."""
    space = _space()
    _follow(space, _slot(1, "mlockall", (MCL_CURRENT,)))
    assert _copied(space)
    space = _space()
    space.protections.append((VIEW + 2 * PAGE, VIEW + 3 * PAGE, PROT_R, 0))
    assert _follow(space, _slot(1, "mlockall", (MCL_CURRENT,))) == \
        [(VIEW, 0x9000), (VIEW + PAGE, 0xA000)]
    assert not _copied(space)
    space = _space()
    assert _follow(space, _slot(1, "mlockall", (MCL_CURRENT | MCL_ONFAULT,))) == []
    assert not _copied(space)


def test_a_view_past_the_file_end_is_not_taken_whole() -> None:
    """mlockall(MCL_CURRENT) of a view longer than the memfd: the page past the end
    fails to fault and __mm_populate() (ignore_errors) skips the rest of the area, so a
    page there read after the file grows maps the folio: the view is not copied whole."""
    space = _space()
    space.sole_views[0][2].file.size = 2 * PAGE
    _follow(space, _slot(1, "mlockall", (MCL_CURRENT,)))
    assert not _copied(space)
