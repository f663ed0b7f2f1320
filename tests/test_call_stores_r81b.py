"""Round 81b's narrowing of the writable-refault rule (guardian/call_stores.py, check
`cut.call_ranges`): a memory call opens only what Linux may store to or write-fault
(ZX-002..ZX-011, ZX-017..ZX-021), each with the honest neighbour (the call that does
store or populate there keeps the page open)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.call_stores import note_lock
from guardian.checks import Refused
from guardian.cut_writable import _writes_page, check
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE_VA = VIEW + 2 * PAGE           # (page 2 of a 3-page view, left empty)
OTHER = 0x6000_0000                 # (an unrelated area)
N = NUMBERS


def _slot(nr: int, args: tuple[int, ...] = (), sid: int = 5, thread: int = 0) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT,
                thread=thread)


def _space(**kw: object) -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    kw.setdefault("lockable", [(VIEW, VIEW + 3 * PAGE)])
    return Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)], **kw)  # type: ignore[arg-type]


def _opens(slot: Slot, space: Space | None = None, others: tuple[Slot, ...] = ()) -> bool:
    space = _space() if space is None else space
    return _writes_page(slot, ROOT, PAGE_VA, space, (slot, *others))


def test_lock_flag_calls_and_msync_store_nothing() -> None:
    """ZX-002, -004, -005, -007 (-010, -011): munlock, mlockall(MCL_FUTURE), munlockall,
    msync fault nothing; mlockall(MCL_CURRENT) populates every page (honest)."""
    assert not _opens(_slot(N["munlock"], (VIEW, 3 * PAGE)))
    assert not _opens(_slot(N["munlockall"]))
    assert not _opens(_slot(N["msync"], (VIEW, 3 * PAGE, 4)))
    assert not _opens(_slot(N["mlockall"], (2,)))
    assert not _opens(_slot(N["mlockall"], (1 | 8,)))       # (-EINVAL)
    assert _opens(_slot(N["mlockall"], (1,)))
    assert _opens(_slot(N["mlockall"], (1 | 2,)))


def test_onfault_locks_populate_nothing_unless_a_lock_call_acted() -> None:
    """ZX-001, ZX-003: mlock2(MLOCK_ONFAULT), mlockall(MCL_CURRENT | MCL_ONFAULT)
    populate nothing (populate_vma_page_range() returns for VM_LOCKONFAULT); another
    thread's munlock in flight, or an area call returned since the entry, may have
    cleared VM_LOCKONFAULT first, and an area that is not lockable never gets it: then
    the range (every page for mlockall)."""
    onfault = _slot(N["mlock2"], (VIEW, 3 * PAGE, 1))
    assert not _opens(onfault)
    assert not _opens(_slot(N["mlockall"], (1 | 4,)))
    munlock = _slot(N["munlock"], (VIEW, 3 * PAGE), sid=6, thread=1)
    assert _opens(onfault, others=(munlock,))
    assert _opens(_slot(N["mlockall"], (1 | 4,)), others=(munlock,))
    assert _opens(onfault, _space(area_mark=9))
    assert not _opens(_slot(N["mlock2"], (OTHER, PAGE, 1)), _space(area_mark=9))
    assert not _opens(_slot(N["mlock2"], (VIEW, 3 * PAGE, 2)))   # (-EINVAL)
    # (a view mlock_fixup() does not flag -- hugetlb, DAX: not lockable -- is populated)
    assert _opens(onfault, _space(lockable=[]))
    assert _opens(_slot(N["mlockall"], (1 | 4,)), _space(lockable=[]))


def test_mlock_opens_only_its_range() -> None:
    """ZX-017: mlock() and mlock2(0) populate [start, start + len) only."""
    assert not _opens(_slot(N["mlock"], (OTHER, PAGE)))
    assert _opens(_slot(N["mlock"], (VIEW, 3 * PAGE)))
    assert _opens(_slot(N["mlock"], (PAGE_VA + 8, 1)))
    assert _opens(_slot(N["mlock2"], (VIEW, 3 * PAGE, 0)))
    assert not _opens(_slot(N["mlock2"], (OTHER, PAGE, 0)))


def test_pointer_calls_open_only_their_buffers() -> None:
    """ZX-006: mincore stores at [vec, vec + pages); ZX-009: getrandom at [buf, buf +
    count); a vector or buffer on the page opens it (honest)."""
    assert not _opens(_slot(N["mincore"], (VIEW, 3 * PAGE, OTHER)))
    assert not _opens(_slot(N["mincore"], (VIEW, 3 * PAGE, PAGE_VA - 3)))
    assert _opens(_slot(N["mincore"], (VIEW, 3 * PAGE + 1, PAGE_VA - 3)))
    assert not _opens(_slot(N["getrandom"], (OTHER, 16, 0)))
    assert _opens(_slot(N["getrandom"], (PAGE_VA - 8, 16, 0)))
    assert _opens(_slot(N["getrandom"], (0x2A << 56 | PAGE_VA, 1, 0)))   # (tagged)


def test_populating_calls_need_a_possible_lock() -> None:
    """ZX-008, ZX-019: mprotect/pkey_mprotect adding PROT_WRITE, ZX-018: a growing mremap,
    ZX-021: brk, ZX-020: a non-fixed MAP_POPULATE mmap -- nothing where no area of the
    tree may be VM_LOCKED; once a lock call returned (note_lock) or is in flight, what
    Linux may populate (mprotect_fixup(), do_mremap(), do_brk_flags()).  (Round 82b's
    cut.lock_state narrows "may be VM_LOCKED" to the page's own area and brk to
    def_flags: tests/test_lock_state_r82b.py.)"""
    calls = (_slot(N["mprotect"], (VIEW, 3 * PAGE, 3)),
             _slot(N["pkey_mprotect"], (VIEW, 3 * PAGE, 3, (1 << 64) - 1)),
             _slot(N["mremap"], (VIEW, PAGE, 3 * PAGE, 3, VIEW)))
    brk = _slot(N["brk"], (VIEW + 3 * PAGE,))
    for s in (*calls, brk):
        assert not _opens(s)
    locked = _space(brk=VIEW)
    note_lock(locked, _slot(N["mlock"], (VIEW, 3 * PAGE), sid=1), 0, (), 2)
    assert locked.lock_seen
    mlock_flight = _slot(N["mlock"], (OTHER, PAGE), sid=7, thread=1)
    for s in calls:
        assert _opens(s, locked)
        assert _opens(s, others=(mlock_flight,))
    note_lock(locked, _slot(N["mlockall"], (2,), sid=3), 0, (), 4)     # (MCL_FUTURE)
    assert _opens(brk, locked)
    assert _opens(brk, others=(_slot(N["mlockall"], (2,), sid=7, thread=1),))
    assert not _opens(_slot(N["mprotect"], (VIEW, 3 * PAGE, 1)), locked)   # (no PROT_WRITE)
    assert not _opens(_slot(N["mprotect"], (OTHER, PAGE, 3)), locked)      # (elsewhere)
    note_lock(unlocked := _space(), _slot(N["mmap"], (0, PAGE, 3, 0x22, -1, 0)))
    assert not unlocked.lock_seen
    note_lock(unlocked, _slot(N["mmap"], (0, PAGE, 3, 0x2022, -1, 0)))     # (MAP_LOCKED)
    assert unlocked.lock_seen


def test_mmap_populates_only_its_new_area() -> None:
    """ZX-020: MAP_POPULATE faults the new area only: a hole unless MAP_FIXED names the
    view's page, or another call of the tree in flight may have unmapped it."""
    pop = _slot(N["mmap"], (0, PAGE, 3, 0x8022, -1, 0))
    assert not _opens(pop)
    assert _opens(pop, others=(_slot(N["munmap"], (VIEW, 3 * PAGE), sid=8, thread=1),))
    # (a call that unmaps nothing -- a read() blocked in another thread --
    # leaves no hole at the view's page for the new area: nothing opened)
    assert not _opens(pop, others=(_slot(N["read"], (0, OTHER, PAGE), sid=8, thread=1),))
    assert not _opens(pop, others=(_slot(N["msync"], (VIEW, PAGE, 4), sid=8, thread=1),))
    # (an mmap(MAP_FIXED) of the view that returned while the population ran: the view
    # may lie in the new area's range, which __mm_populate() walks anew)
    assert _opens(pop, _space(area_mark=pop.id + 1))
    assert _opens(_slot(N["mmap"], (PAGE_VA, PAGE, 3, 0x8032, -1, 0)))
    assert not _opens(_slot(N["mmap"], (OTHER, PAGE, 3, 0x8032, -1, 0)))
    assert not _opens(_slot(N["mmap"], (PAGE_VA, PAGE, 3, 0x32, -1, 0)))   # (no populate)


def test_refused_at_set_pt_and_mutation_reopens() -> None:
    """The rule end to end: a writable refault at the view's empty page during msync is
    refused (set_pt.cut_writable); with cut.call_ranges removed every such call opens
    every page again."""
    space = _space()
    slot = _slot(N["msync"], (VIEW, 3 * PAGE, 4))
    with pytest.raises(Refused):
        check(space, [slot], 1, ROOT, PAGE_VA)
    old = checks.MUTATED
    checks.MUTATED = "cut.call_ranges"
    try:
        check(space, [slot], 1, ROOT, PAGE_VA)
    finally:
        checks.MUTATED = old
