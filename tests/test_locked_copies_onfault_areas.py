"""On-fault locks (guardian/locked_copies.py, locked_ranges.py):
an area mmap() makes under mlockall(MCL_FUTURE | MCL_ONFAULT) takes mm->def_flags'
VM_LOCKONFAULT with its VM_LOCKED (do_mmap(): vm_flags |= mm->def_flags), so a later
mprotect(PROT_READ | PROT_WRITE) of it populates nothing (populate_vma_page_range()
returns at once for VM_LOCKONFAULT): its read-faulted page stays the file's folio and a
later pwrite64() shows there on Linux -- the Guardian must not take it as a copy."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.file_pages import FileView
from guardian.locked_copies import CALLS, follow
from guardian.locked_ranges import CALLS as LOCK_AREA_CALLS
from guardian.locked_ranges import follow as follow_locks
from guardian.slots import Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW, OTHER, PAGE = 0x4000_0000, 0x7000_2000, 0x7100_0000, 0x1000
PROT_R, PROT_RW, MAP_PRIVATE, MAP_LOCKED = 1, 3, 0x2, 0x2000
MCL_FUTURE, MCL_ONFAULT = 2, 4
PAGES = lambda lo, hi: [(VIEW, 0x9000)] if lo <= VIEW < hi else []  # noqa: E731


def _slot(sid: int, name: str, args: tuple[int, ...]) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=NUMBERS[name], args=args, root=ROOT,
                thread=0)


def _answer(space: Space, slot: Slot, ret: int, others: list[Slot] | None = None) -> list:
    """The call in `slot` answered `ret`, followed as result_rules does."""
    got: list[tuple[int, int]] = []
    others = [slot] if others is None else others
    if slot.nr in CALLS:
        follow(space, slot, ret, PAGES, got.extend, others, slot.id + 1)
    if slot.nr in LOCK_AREA_CALLS:
        follow_locks(space, slot, ret, others, slot.id + 1)
    return got


def _mapped_under(flags: int | None, map_flags: int, others: tuple[Slot, ...] = ()) -> Space:
    """mlockall(flags) (None: none), then the program's read-only private mmap of a
    memfd at VIEW."""
    space = Space()
    space.lockable.append((VIEW, VIEW + PAGE))
    if flags is not None:
        _answer(space, _slot(1, "mlockall", (flags,)), 0)
    mmap = _slot(3, "mmap", (0, PAGE, PROT_R, map_flags, 4, 0))
    _answer(space, mmap, VIEW, [mmap, *others])
    mem = MemFile(size=PAGE, data=bytearray(PAGE))
    space.sole_views.append((VIEW, VIEW + PAGE, FileView(mem, mem.version), 0))
    space.protections.append((VIEW, VIEW + PAGE, PROT_R, 0))
    return space


def test_mprotect_of_an_area_mapped_under_on_fault_def_flags_copies_nothing() -> None:
    for map_flags in (MAP_PRIVATE, MAP_PRIVATE | MAP_LOCKED):
        space = _mapped_under(MCL_FUTURE | MCL_ONFAULT, map_flags)
        assert space.locked_at(VIEW)
        assert _answer(space, _slot(5, "mprotect", (VIEW, PAGE, PROT_RW)), 0) == []


def test_mprotect_of_an_area_mapped_under_def_flags_alone_copies() -> None:
    """The honest neighbour: mlockall(MCL_FUTURE) alone, VM_LOCKED without
    VM_LOCKONFAULT: mprotect_fixup() -> populate_vma_page_range() write-faults it."""
    space = _mapped_under(MCL_FUTURE, MAP_PRIVATE)
    assert _answer(space, _slot(5, "mprotect", (VIEW, PAGE, PROT_RW)), 0) == [(VIEW, 0x9000)]


def test_map_locked_beside_an_mlockall_in_flight_may_be_on_fault() -> None:
    """mmap(MAP_LOCKED) while another thread's mlockall(MCL_FUTURE | MCL_ONFAULT) is in
    flight: it may have set def_flags first, so the area may be VM_LOCKONFAULT."""
    mlockall = _slot(4, "mlockall", (MCL_FUTURE | MCL_ONFAULT,))
    space = _mapped_under(None, MAP_PRIVATE | MAP_LOCKED, (mlockall,))
    assert space.locked_at(VIEW)
    assert _answer(space, _slot(6, "mprotect", (VIEW, PAGE, PROT_RW)), 0) == []
    space = _mapped_under(None, MAP_PRIVATE | MAP_LOCKED)           # (alone: VM_LOCKED)
    assert _answer(space, _slot(6, "mprotect", (VIEW, PAGE, PROT_RW)), 0) == [(VIEW, 0x9000)]


def test_map_populate_under_on_fault_def_flags_copies_nothing() -> None:
    """mlockall(MCL_FUTURE | MCL_ONFAULT), then a writable private mmap with MAP_POPULATE:
    the area takes VM_LOCKONFAULT from def_flags and populate_vma_page_range() returns at
    once, so its pages are not copies (a read fault maps the folio, a later pwrite64()
    shows there): the view is not taken as copied whole.  The honest neighbours: no
    def_flags, or munlockall() since, populate it."""
    from guardian.locked_copies import map_copies
    from guardian.locked_ranges import future_locked, future_onfault
    MAP_POPULATE = 0x8000
    space = Space()
    _answer(space, _slot(1, "mlockall", (MCL_FUTURE | MCL_ONFAULT,)), 0)
    mmap = _slot(3, "mmap", (0, PAGE, PROT_RW, MAP_PRIVATE | MAP_POPULATE, 4, 0))
    assert future_onfault(space, mmap, [mmap])
    assert not map_copies(PROT_RW, MAP_PRIVATE | MAP_POPULATE, space,
                          future_locked(space, mmap, [mmap]), future_onfault(space, mmap, [mmap]))
    _answer(space, _slot(5, "munlockall", (0,)), 0)
    mmap = _slot(7, "mmap", (0, PAGE, PROT_RW, MAP_PRIVATE | MAP_POPULATE, 4, 0))
    assert not future_onfault(space, mmap, [mmap])
    assert map_copies(PROT_RW, MAP_PRIVATE | MAP_POPULATE, space, False, False)
    assert map_copies(PROT_RW, MAP_PRIVATE | MAP_POPULATE, Space(), False,
                      future_onfault(Space(), mmap, [mmap]))


def test_on_fault_records_stay_bounded() -> None:
    """A program that locks a buffer on fault and unlocks it in a loop keeps one record of
    it (not one per call: onfault_at() walks them at each mprotect), and its munmap (or
    a new area there) ends the record with the area."""
    space = Space()
    for i in range(50):
        _answer(space, _slot(2 * i + 1, "mlock2", (VIEW, PAGE, 1)), 0)
        _answer(space, _slot(2 * i + 2, "munlock", (VIEW, PAGE)), 0)
    assert space.onfault == [(VIEW, VIEW + PAGE)]
    space.remove_area(VIEW, VIEW + PAGE)
    assert space.onfault == []
    _answer(space, _slot(200, "mlock2", (VIEW, PAGE, 1)), 0)
    space.add_area(VIEW, VIEW + PAGE, 0)
    assert space.onfault == []


def test_on_fault_goes_with_a_moved_area() -> None:
    """mremap() moves an on-fault locked area: VM_LOCKONFAULT goes with it (copy_vma());
    the record leaves the old place with the area (and stays one record)."""
    space = Space()
    space.add_area(VIEW, VIEW + PAGE, 0)
    _answer(space, _slot(1, "mlock2", (VIEW, PAGE, 1)), 0)
    space.move_area(VIEW, PAGE, OTHER, PAGE, 1)
    assert space.onfault == [(OTHER, OTHER + PAGE)]
    space.move_area(OTHER, PAGE, VIEW, 2 * PAGE, 2)             # (back, grown)
    assert space.onfault_at(VIEW) and not space.onfault_at(OTHER)
