"""Pages of a writable private file view that locking copies (FOLL_WRITE population).

Linux populates a VM_LOCKED area with populate_vma_page_range(), which for a writable
private vma faults with FOLL_WRITE: every page becomes an anonymous copy
(wp_page_copy(), do_cow_fault()) without a store of the program, and no later write to
the file reaches it.  Beside mlock() (whose population the Guardian sees as writable
leaves) that happens, whatever the kernel maps, at:
- mlockall(MCL_CURRENT) without MCL_ONFAULT answered 0: apply_mlockall_flags() ->
  __mm_populate() over every area, copying each present page of a writable private view;
- mprotect() adding PROT_WRITE to a read-only VM_LOCKED private area answered 0: mprotect_fixup()
  calls populate_vma_page_range() for (oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) ==
  VM_LOCKED with newflags & VM_WRITE (a writable locked area was copied when locked);
- mmap() of a writable private view with MAP_LOCKED or under mlockall(MCL_FUTURE)'s
  mm->def_flags: do_mmap() sets *populate for VM_LOCKED, vm_mmap_pgoff() -> mm_populate()
  (as clean_pages.populate_copies() for MAP_POPULATE).
A VM_LOCKONFAULT area is never populated (populate_vma_page_range() returns early), so
once the program made one (mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT)) neither the
mprotect() nor the mmap() rule is applied: the Guardian does not follow which locked area is on-fault.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from abi.layout import PROT_WRITE
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.file_pages import FileView
from guardian.locked_ranges import LOCK_CALLS, UNLOCKING
from guardian.protections import CALLS as PROTECTION_CALLS
from guardian.slots import PAGE, Slot, Space

_NR_MPROTECT, _NR_MLOCKALL, _NR_MLOCK2 = NUMBERS["mprotect"], NUMBERS["mlockall"], \
    NUMBERS["mlock2"]
#: the calls `follow` looks at (the caller tests `nr in CALLS` first)
CALLS = frozenset({_NR_MPROTECT, _NR_MLOCKALL, _NR_MLOCK2})
MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4
MAP_LOCKED = 0x2000

PagesIn = Callable[[int, int], Iterable[tuple[int, int]]]
#: calls of the tree that, beside a locking call, may change what its population meets
#: first: VM_LOCKED or VM_LOCKONFAULT (munlock, mlock2), VM_WRITE (mprotect: a read-only
#: area is populated without FOLL_WRITE), the area itself (munmap, mmap, mremap)
_UNSETTLING = UNLOCKING | LOCK_CALLS | PROTECTION_CALLS


def _writable(space: Space, va: int) -> bool:
    """Is va's area writable as the program's own mmap/mprotect left it?"""
    return not any(s <= va < e and not p & PROT_WRITE for s, e, p, _ in space.protections)


def _private_views(space: Space) -> list[tuple[int, int]]:
    """[start, end) of each private view of a followed file that may hold clean pages."""
    return [(s, e) for s, e, view, _ in space.sole_views
            if isinstance(view, FileView) and view.private_at is not None
            and not view.copied and view.file.followed]


def _settled(space: Space, slot: Slot, others: Iterable[Slot]) -> bool:
    """Did the population of the call in `slot` meet the areas as the Guardian knows them
    at its return?  Not where another call of the tree that changes them is in flight
    (it may have acted first: mmap_write_lock() is taken and dropped per call, and
    __mm_populate() drops mmap_lock while it faults), nor where one that may unlock or
    change or replace an area returned since the slot entered (Space.area_mark, which
    the caller reads before this call's own return moves it)."""
    return slot.id >= space.area_mark and not any(
        o.id != slot.id and o.root == slot.root and o.nr in _UNSETTLING for o in others)


def follow(space: Space, slot: Slot, ret: int, pages_in: PagesIn,
           populated: Callable[[Iterable[tuple[int, int]]], None],
           others: Iterable[Slot] = ()) -> None:
    """The program's call in `slot` (one of `CALLS`) answered `ret`: the present pages
    Linux copied by populating a locked writable private view are clean no more
    (`populated`, clean_pages.CleanPages.populated); `pages_in(start, end)`: (va, frame)
    of each page the tree maps there; `others`: the slots in flight."""
    nr, a = slot.nr, tuple(slot.args) + (0,) * 3
    if ret != 0:
        return
    if nr == _NR_MLOCK2 and a[2] & 0xFFFF_FFFF & MLOCK_ONFAULT or \
            nr == _NR_MLOCKALL and a[0] & 0xFFFF_FFFF & MCL_ONFAULT:
        space.lock_onfault = True       # (whatever else is in flight)
        return
    # (the cheap tests first: every mprotect() comes here)
    if nr == _NR_MLOCK2 or not space.sole_views or not checks.enabled("clean.locked_populate"):
        return
    if nr == _NR_MPROTECT and (not a[2] & PROT_WRITE or not space.locked
                               or space.lock_onfault):
        return
    if not _settled(space, slot, others):
        return
    if nr == _NR_MLOCKALL:
        flags = a[0] & 0xFFFF_FFFF
        if not flags & MCL_CURRENT or flags & ~(MCL_CURRENT | MCL_FUTURE):
            return
        for start, end in _private_views(space):
            populated([(va, pa) for va, pa in pages_in(start, end) if _writable(space, va)])
    elif nr == _NR_MPROTECT:
        start = a[0] & ~(0xFF << 56)
        end = start + ((a[1] + PAGE - 1) & ~(PAGE - 1))
        for lo, hi in _private_views(space):
            if lo < end and start < hi:
                # ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED: an area
                # writable already is not populated again; `space.protections` is still
                # the one mprotect found)
                populated([(va, pa) for va, pa in pages_in(max(lo, start), min(hi, end))
                           if space.locked_at(va) and not _writable(space, va)])


def map_locked_copies(prot: int, flags: int, space: Space, future: bool) -> bool:
    """Does a MAP_PRIVATE mmap with `prot` and `flags` write-fault every page of a writable
    view before it returns?  do_mmap() sets *populate for VM_LOCKED, which MAP_LOCKED or
    mm->def_flags (`future`: mlockall(MCL_FUTURE), locked_ranges.future_locked()) gives
    (vm_mmap_pgoff() -> mm_populate()); not where the area may be VM_LOCKONFAULT
    (def_flags of mlockall(MCL_FUTURE | MCL_ONFAULT): populate_vma_page_range() returns
    early), which `space.lock_onfault` keeps no matter which call made it."""
    return bool(prot & PROT_WRITE and (flags & MAP_LOCKED or future)) \
        and not space.lock_onfault and checks.enabled("clean.locked_populate")
