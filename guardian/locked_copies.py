"""Pages of a writable private file view that locking copies (FOLL_WRITE population).

Linux populates a VM_LOCKED area with populate_vma_page_range(), which for a writable
private vma faults with FOLL_WRITE: every page becomes an anonymous copy
(wp_page_copy(), do_cow_fault()) without a store of the program, and no later write to
the file reaches it.  Beside mlock() (whose population the Guardian sees as writable
leaves) that happens, whatever the kernel maps, at:
- mlockall(MCL_CURRENT) without MCL_ONFAULT answered 0: apply_mlockall_flags() ->
  __mm_populate() over every area, copying each present page of a writable private view;
- mprotect() adding PROT_WRITE to a VM_LOCKED private area answered 0: mprotect_fixup()
  calls populate_vma_page_range() for (oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) ==
  VM_LOCKED with newflags & VM_WRITE (a writable locked area was copied when locked);
- mmap() with MAP_LOCKED of a writable private view: do_mmap() sets *populate for
  VM_LOCKED, vm_mmap_pgoff() -> mm_populate() (clean_pages.populate_copies()).
A VM_LOCKONFAULT area is never populated (populate_vma_page_range() returns early), so
once the program made one (mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT)) the mprotect()
rule is not applied: the Guardian does not follow which locked area is on-fault.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from abi.layout import PROT_WRITE
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space

_NR_MPROTECT, _NR_MLOCKALL, _NR_MLOCK2 = NUMBERS["mprotect"], NUMBERS["mlockall"], \
    NUMBERS["mlock2"]
#: the calls `follow` looks at (the caller tests `nr in CALLS` first)
CALLS = frozenset({_NR_MPROTECT, _NR_MLOCKALL, _NR_MLOCK2})
MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4
MAP_LOCKED = 0x2000

PagesIn = Callable[[int, int], Iterable[tuple[int, int]]]


def _writable(space: Space, va: int) -> bool:
    """Is va's area writable as the program's own mmap/mprotect left it?"""
    return not any(s <= va < e and not p & PROT_WRITE for s, e, p, _ in space.protections)


def _private_views(space: Space) -> list[tuple[int, int]]:
    """[start, end) of each private view of a followed file that may hold clean pages."""
    return [(s, e) for s, e, view, _ in space.sole_views
            if isinstance(view, FileView) and view.private_at is not None
            and not view.copied and view.file.followed]


def follow(space: Space, slot: Slot, ret: int, pages_in: PagesIn,
           populated: Callable[[Iterable[tuple[int, int]]], None]) -> None:
    """The program's call in `slot` (one of `CALLS`) answered `ret`: the present pages
    Linux copied by populating a locked writable private view are clean no more
    (`populated`, clean_pages.CleanPages.populated); `pages_in(start, end)`: (va, frame)
    of each page the tree maps there."""
    nr, a = slot.nr, tuple(slot.args) + (0,) * 3
    if ret != 0:
        return
    if nr == _NR_MLOCK2:
        if a[2] & 0xFFFF_FFFF & MLOCK_ONFAULT:
            space.lock_onfault = True
        return
    if not checks.enabled("clean.locked_populate"):
        return
    if nr == _NR_MLOCKALL:
        flags = a[0] & 0xFFFF_FFFF
        if flags & MCL_ONFAULT:
            space.lock_onfault = True
            return
        if not flags & MCL_CURRENT or flags & ~(MCL_CURRENT | MCL_FUTURE):
            return
        for start, end in _private_views(space):
            populated([(va, pa) for va, pa in pages_in(start, end) if _writable(space, va)])
    elif nr == _NR_MPROTECT and a[2] & PROT_WRITE and not space.lock_onfault:
        start = a[0] & ~(0xFF << 56)
        end = start + ((a[1] + PAGE - 1) & ~(PAGE - 1))
        for lo, hi in _private_views(space):
            if lo < end and start < hi:
                populated([(va, pa) for va, pa in pages_in(max(lo, start), min(hi, end))
                           if space.locked_at(va)])


def map_locked_copies(prot: int, flags: int) -> bool:
    """Does a MAP_PRIVATE mmap with MAP_LOCKED write-fault every page of a writable view
    before it returns (do_mmap(): *populate for VM_LOCKED; mm_populate())?"""
    return bool(prot & PROT_WRITE and flags & MAP_LOCKED) and checks.enabled("clean.locked_populate")
