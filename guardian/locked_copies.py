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
- mlock() and mlock2() without MLOCK_ONFAULT answered 0: do_mlock() -> __mm_populate()
  over [start, start + len), copying each page of a writable private view there;
- pkey_mprotect() as mprotect() (do_mprotect_pkey() -> mprotect_fixup()).
Where the population covers a whole writable view (mlockall(MCL_CURRENT), an mlock() of
all of it), its pages not present are copies too (do_cow_fault() for an empty entry):
the view is `FileView.copied` from then on, so a later read fault there is no clean page.
A VM_LOCKONFAULT area is never populated (populate_vma_page_range() returns early).
VM_LOCKONFAULT is a flag of each area (mlock_fixup(), apply_vma_lock_flags()) and of
mm->def_flags (apply_mlockall_flags()), so the Guardian follows where it may be set
(`Space.onfault`, `Space.future_onfault`): set by mlock2(MLOCK_ONFAULT) (any answer: it
may have applied in part), mlockall(MCL_ONFAULT); cleared by mlock(), mlock2(0),
mlockall(MCL_CURRENT) over their ranges (newflags &= ~VM_LOCKED_MASK), munlockall() and
a later mlockall() for def_flags -- only where no other lock call may have acted after
(`_sure`); a range once taken as on-fault stays so otherwise (the rules then do not apply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from abi.layout import MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT, PROT_WRITE
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.clean_pages import populate_copies
from guardian.file_pages import FileView
from guardian.locked_ranges import LOCK_CALLS, UNLOCKING, lock_range
from guardian.protections import CALLS as PROTECTION_CALLS
from guardian.slots import PAGE, Slot, Space

_NR_MPROTECT, _NR_MLOCKALL, _NR_MLOCK2 = NUMBERS["mprotect"], NUMBERS["mlockall"], \
    NUMBERS["mlock2"]
_NR_MLOCK, _NR_MUNLOCKALL = NUMBERS["mlock"], NUMBERS["munlockall"]
#: mprotect() and pkey_mprotect(): both do_mprotect_pkey() -> mprotect_fixup()
_MPROTECTS = frozenset({_NR_MPROTECT, NUMBERS["pkey_mprotect"]})
#: the calls `follow` looks at (the caller tests `nr in CALLS` first)
CALLS = _MPROTECTS | {_NR_MLOCKALL, _NR_MLOCK2, _NR_MLOCK, _NR_MUNLOCKALL}
MAP_LOCKED = 0x2000

PagesIn = Callable[[int, int], Iterable[tuple[int, int]]]
#: calls of the tree that, beside a locking call, may change what its population meets
#: first: VM_LOCKED or VM_LOCKONFAULT (munlock, mlock2), VM_WRITE (mprotect: a read-only
#: area is populated without FOLL_WRITE), the area itself (munmap, mmap, mremap)
_UNSETTLING = UNLOCKING | LOCK_CALLS | PROTECTION_CALLS


def _writable(space: Space, va: int) -> bool:
    """Is va's area writable as the program's own mmap/mprotect left it?"""
    return not any(s <= va < e and not p & PROT_WRITE for s, e, p, _ in space.protections)


def _private_views(space: Space) -> list[tuple[int, int, FileView]]:
    """[start, end) and the view of each private view of a followed file that may hold
    clean pages."""
    return [(s, e, view) for s, e, view, _ in space.sole_views
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


def _sure(space: Space, slot: Slot, others: Iterable[Slot]) -> bool:
    """May the call in `slot` have cleared VM_LOCKONFAULT last?  Not where another lock
    call of the tree is in flight, nor where one that may have set it returned since the
    slot entered (`Space.onfault_mark`): it may have acted after this one."""
    return slot.id >= space.onfault_mark and not any(
        o.id != slot.id and o.root == slot.root and o.nr in LOCK_CALLS for o in others)


def _follow_onfault(space: Space, slot: Slot, ret: int, others: Iterable[Slot],
                    next_id: int) -> bool:
    """Follow VM_LOCKONFAULT of the areas and of mm->def_flags (apply_vma_lock_flags(),
    apply_mlockall_flags()); True: the call locked on fault, nothing is populated."""
    nr, a = slot.nr, tuple(slot.args) + (0,) * 3
    if nr == _NR_MLOCK2 and a[2] & 0xFFFF_FFFF & MLOCK_ONFAULT:
        # (any answer: applied in part maybe; the range once, however often it is locked)
        span = lock_range(a[0], a[1])
        space.onfault = _cut(space.onfault, *span) + [span]
        space.onfault_mark = next_id
        return True
    flags = a[0] & 0xFFFF_FFFF
    if nr == _NR_MLOCKALL and flags & MCL_ONFAULT:
        if ret == 0:
            if flags & MCL_CURRENT:
                space.onfault = [(0, 1 << 64)]
            if flags & MCL_FUTURE:
                space.future_onfault = True
            space.onfault_mark = next_id
        return True
    if ret != 0 or not _sure(space, slot, others):
        return False
    if nr == _NR_MUNLOCKALL:
        space.onfault, space.future_onfault = [], False     # (apply_mlockall_flags(0))
    elif nr == _NR_MLOCKALL:
        space.future_onfault = False    # (def_flags &= ~VM_LOCKED_MASK, then MCL_FUTURE's)
        if flags & MCL_CURRENT:
            space.onfault = []
    elif nr in (_NR_MLOCK, _NR_MLOCK2):
        space.onfault = _cut(space.onfault, *lock_range(a[0], a[1]))
    return False


def _cut(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    return [p for s, e in ranges for p in ((s, min(e, start)), (max(s, end), e)) if p[0] < p[1]]


def _whole_copied(space: Space, view: FileView, lo: int, hi: int, start: int,
                  end: int) -> None:
    """The population covered the whole writable view [lo, hi): its empty pages were
    write-faulted too (do_cow_fault()), so no later fault there maps the file's folio.
    Not where a page lies past the file's end: its fault fails (SIGBUS) and
    __mm_populate() goes on past the rest of that area (ignore_errors, mlockall())."""
    off = next((o for s, _, v, o in space.sole_views if v is view), None)
    if off is None or off + (hi - lo) > view.file.size:
        return
    if start <= lo and hi <= end and not any(
            s < hi and lo < e and not p & PROT_WRITE for s, e, p, _ in space.protections):
        space.sole_views = [(s, e, replace(v, copied=True) if v is view else v, off)
                            for s, e, v, off in space.sole_views]


def follow(space: Space, slot: Slot, ret: int, pages_in: PagesIn,
           populated: Callable[[Iterable[tuple[int, int]]], None],
           others: Iterable[Slot] = (), next_id: int = 0) -> None:
    """The program's call in `slot` (one of `CALLS`) answered `ret`: the present pages
    Linux copied by populating a locked writable private view are clean no more
    (`populated`, clean_pages.CleanPages.populated); `pages_in(start, end)`: (va, frame)
    of each page the tree maps there; `others`: the slots in flight; `next_id`: the id
    the next slot gets."""
    nr, a = slot.nr, tuple(slot.args) + (0,) * 3
    # (the cheap tests first: every mprotect() comes here)
    if nr in _MPROTECTS and (ret != 0 or not a[2] & PROT_WRITE or not space.locked):
        return
    if nr not in _MPROTECTS and _follow_onfault(space, slot, ret, others, next_id):
        return
    if ret != 0 or nr == _NR_MUNLOCKALL or not space.sole_views \
            or not checks.enabled("clean.locked_populate"):
        return
    if not _settled(space, slot, others):
        return
    if nr == _NR_MLOCKALL:
        flags = a[0] & 0xFFFF_FFFF
        if not flags & MCL_CURRENT or flags & ~(MCL_CURRENT | MCL_FUTURE):
            return
        start, end = 0, 1 << 64
    elif nr in _MPROTECTS:
        start = a[0] & ~(0xFF << 56)
        end = start + ((a[1] + PAGE - 1) & ~(PAGE - 1))
    else:                               # (mlock(), mlock2() without MLOCK_ONFAULT)
        start, end = lock_range(a[0], a[1])
    for lo, hi, view in _private_views(space):
        if not (lo < end and start < hi):
            continue
        if nr in _MPROTECTS:
            # ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED: an area
            # writable already is not populated again, a VM_LOCKONFAULT one not at all;
            # `space.protections` is still the one mprotect found)
            populated([(va, pa) for va, pa in pages_in(max(lo, start), min(hi, end))
                       if space.locked_at(va) and not space.onfault_at(va)
                       and not _writable(space, va)])
            continue
        # (do_mlock() / apply_mlockall_flags() -> __mm_populate(): FOLL_WRITE where the
        # area is writable; the lock call cleared VM_LOCKONFAULT in its range)
        populated([(va, pa) for va, pa in pages_in(max(lo, start), min(hi, end))
                   if _writable(space, va)])
        _whole_copied(space, view, lo, hi, start, end)


def map_copies(prot: int, flags: int, space: Space, future: bool, onfault: bool) -> bool:
    """Did the program's writable private mmap write-fault every page of its view before
    it returned: MAP_POPULATE (clean_pages.populate_copies()) or VM_LOCKED
    (`map_locked_copies`)?  Not where mm->def_flags may have given the area VM_LOCKONFAULT
    (`onfault`: locked_ranges.future_onfault()): populate_vma_page_range() returns at once
    for it, MAP_POPULATE's population as much as VM_LOCKED's."""
    return not onfault and (populate_copies(prot, flags)
                            or map_locked_copies(prot, flags, space, future))


def map_locked_copies(prot: int, flags: int, space: Space, future: bool) -> bool:
    """Does a MAP_PRIVATE mmap with `prot` and `flags` write-fault every page of a writable
    view before it returns?  do_mmap() sets *populate for VM_LOCKED, which MAP_LOCKED or
    mm->def_flags (`future`: mlockall(MCL_FUTURE), locked_ranges.future_locked()) gives
    (vm_mmap_pgoff() -> mm_populate()); not where the area may be VM_LOCKONFAULT
    (def_flags of mlockall(MCL_FUTURE | MCL_ONFAULT) not cleared since by munlockall()
    or another mlockall(): populate_vma_page_range() returns early)."""
    return bool(prot & PROT_WRITE and (flags & MAP_LOCKED or future)) \
        and not space.future_onfault and checks.enabled("clean.locked_populate")
