"""A writable MAP_PRIVATE view mapped under mlockall(MCL_FUTURE) is populated with
FOLL_WRITE like one with MAP_LOCKED (do_mmap(): vm_flags |= mm->def_flags, *populate for
VM_LOCKED; mm_populate()), and neither is where the area may be VM_LOCKONFAULT
(mlockall(MCL_FUTURE | MCL_ONFAULT): populate_vma_page_range() returns early): guardian/locked_copies.py."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.locked_copies import follow, map_locked_copies
from guardian.locked_ranges import follow as follow_locks
from guardian.locked_ranges import future_locked
from guardian.slots import Slot, Space

ROOT, VIEW, PAGE = 0x4000_0000, 0x7000_2000, 0x1000
PROT_RW, MAP_PRIVATE, MAP_LOCKED = 3, 0x2, 0x2000
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


def _slot(sid: int, nr: int, args: tuple[int, ...]) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)


def _mlockall(space: Space, flags: int, sid: int = 1) -> None:
    """The program's mlockall(flags) answered 0, followed as result_rules does."""
    slot = _slot(sid, NUMBERS["mlockall"], (flags,))
    follow(space, slot, 0, lambda lo, hi: [], lambda frames: None)
    follow_locks(space, slot, 0, [slot], sid + 1)


def _mmap(sid: int, flags: int) -> Slot:
    return _slot(sid, NUMBERS["mmap"], (0, 0x3000, PROT_RW, flags, 4, 0))


def test_mmap_under_mcl_future_is_populated_writable() -> None:
    """mlockall(MCL_FUTURE) then a plain MAP_PRIVATE read-write mmap: Linux copies every
    page at mmap(), so no page of it is the file's (a kernel that maps the folio and shows
    a later pwrite64() there answers what no Linux can)."""
    space = Space()
    _mlockall(space, MCL_FUTURE)
    mmap = _mmap(5, MAP_PRIVATE)
    assert future_locked(space, mmap, [mmap])
    assert map_locked_copies(PROT_RW, MAP_PRIVATE, space, future_locked(space, mmap, [mmap]))


def test_a_def_flags_call_in_flight_leaves_the_mmap_unknown() -> None:
    """A munlockall() of the tree in flight beside the mmap may clear def_flags first."""
    space = Space()
    _mlockall(space, MCL_FUTURE)
    mmap = _mmap(5, MAP_PRIVATE)
    other = _slot(6, NUMBERS["munlockall"], ())
    assert not future_locked(space, mmap, [mmap, other])


def test_on_fault_def_flags_populate_nothing_even_with_map_locked() -> None:
    """mlockall(MCL_FUTURE | MCL_ONFAULT): def_flags hold VM_LOCKONFAULT, which a
    MAP_LOCKED area gets too (do_mmap(): vm_flags |= mm->def_flags), and
    populate_vma_page_range() returns at once: the view's pages stay the file's (read
    faults map the folio) and a later pwrite64() shows there on Linux."""
    space = Space()
    _mlockall(space, MCL_FUTURE | MCL_ONFAULT)
    mmap = _mmap(5, MAP_PRIVATE | MAP_LOCKED)
    assert not map_locked_copies(PROT_RW, MAP_PRIVATE | MAP_LOCKED, space,
                                 future_locked(space, mmap, [mmap]))
    assert not map_locked_copies(PROT_RW, MAP_PRIVATE, space,
                                 future_locked(space, mmap, [mmap]))


def _locked_rw_view_space(prot: int | None = None) -> Space:
    from guardian.file_pages import FileView
    from guardian.sole_files import MemFile
    mem = MemFile(size=PAGE, data=bytearray(PAGE))
    space = Space(sole_views=[(VIEW, VIEW + PAGE, FileView(mem, mem.version), 0)])
    space.lockable.append((VIEW, VIEW + PAGE))
    space.lock(VIEW, VIEW + PAGE)
    if prot is not None:
        space.protections.append((VIEW, VIEW + PAGE, prot, 0))
    return space


def test_a_munlock_in_flight_beside_mprotect_leaves_the_page_the_files() -> None:
    """mprotect(PROT_READ | PROT_WRITE) of a locked read-only view while another thread's
    munlock() of it is in flight: munlock may take VM_LOCKED off first, and then
    mprotect_fixup() populates nothing ((oldflags & VM_LOCKED) == 0): the page stays the
    file's folio on Linux and shows a later pwrite64(); it is not taken as a copy."""
    pages = lambda lo, hi: [(VIEW, 0x9000)]  # noqa: E731
    mprotect = _slot(5, NUMBERS["mprotect"], (VIEW, PAGE, PROT_RW))
    munlock = _slot(6, NUMBERS["munlock"], (VIEW, PAGE))
    got: list[tuple[int, int]] = []
    follow(_locked_rw_view_space(1), mprotect, 0, pages, got.extend, [mprotect, munlock])
    assert got == []
    follow(_locked_rw_view_space(1), mprotect, 0, pages, got.extend, [mprotect])
    assert got == [(VIEW, 0x9000)]              # (alone: mprotect_fixup() copied it)


def test_an_mprotect_of_a_locked_view_writable_already_populates_nothing() -> None:
    """mprotect_fixup() populates only ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) ==
    VM_LOCKED): a locked read-write view whose page read-faulted after the lock (the file
    grew back past it, say) keeps the folio across a redundant mprotect(PROT_READ |
    PROT_WRITE), and a later pwrite64() shows there on Linux."""
    pages = lambda lo, hi: [(VIEW, 0x9000)]  # noqa: E731
    mprotect = _slot(5, NUMBERS["mprotect"], (VIEW, PAGE, PROT_RW))
    got: list[tuple[int, int]] = []
    follow(_locked_rw_view_space(), mprotect, 0, pages, got.extend, [mprotect])
    assert got == []


def test_a_protection_call_returned_since_entry_leaves_the_pages_unknown() -> None:
    """Another thread's mprotect() that entered and returned while this one was in
    flight may have acted before or after it (Space.area_mark)."""
    pages = lambda lo, hi: [(VIEW, 0x9000)]  # noqa: E731
    mprotect = _slot(5, NUMBERS["mprotect"], (VIEW, PAGE, PROT_RW))
    space = _locked_rw_view_space(1)
    space.area_mark = 7
    got: list[tuple[int, int]] = []
    follow(space, mprotect, 0, pages, got.extend, [mprotect])
    assert got == []


def test_an_mprotect_in_flight_beside_mlockall_leaves_the_page_the_files() -> None:
    """mlockall(MCL_CURRENT) while another thread's mprotect(PROT_READ) of the view is in
    flight: it may apply first, and populate_vma_page_range() then faults without
    FOLL_WRITE (no copy)."""
    pages = lambda lo, hi: [(VIEW, 0x9000)]  # noqa: E731
    mlockall = _slot(5, NUMBERS["mlockall"], (MCL_CURRENT,))
    other = _slot(6, NUMBERS["mprotect"], (VIEW, PAGE, 1))
    got: list[tuple[int, int]] = []
    follow(_locked_rw_view_space(), mlockall, 0, pages, got.extend, [mlockall, other])
    assert got == []


def test_an_on_fault_lock_is_kept_with_another_area_call_in_flight() -> None:
    """mlockall(MCL_CURRENT | MCL_ONFAULT) answered 0 while another thread's munmap() is
    in flight: the areas are VM_LOCKONFAULT all the same, so a later mprotect() adding
    PROT_WRITE populates nothing (populate_vma_page_range() returns at once)."""
    space = _locked_rw_view_space(1)
    mlockall = _slot(5, NUMBERS["mlockall"], (MCL_CURRENT | MCL_ONFAULT,))
    munmap = _slot(6, NUMBERS["munmap"], (0x1000_0000, PAGE))
    follow(space, mlockall, 0, lambda lo, hi: [], lambda frames: None, [mlockall, munmap])
    assert space.onfault
    got: list[tuple[int, int]] = []
    mprotect = _slot(9, NUMBERS["mprotect"], (VIEW, PAGE, PROT_RW))
    follow(space, mprotect, 0, lambda lo, hi: [(VIEW, 0x9000)], got.extend, [mprotect])
    assert got == []
