"""Where a memory call in flight may store or write-fault user memory (cut_writable.py).

A page of a private file view left empty comes back writable only on a write fault;
these calls store through no pointer argument, or fault only their own range, so
they open only that range (`stores_at`), not every page of the tree:

- munlock(), munlockall(), msync(): apply_vma_lock_flags()/apply_mlockall_flags() clear
  VM_LOCKED_MASK, vfs_fsync_range() writes the file back: no fault at all.
- mlock(), mlock2() without MLOCK_ONFAULT: do_mlock() -> __mm_populate(start, len), only
  [start, start + len).  With MLOCK_ONFAULT (mlockall(MCL_CURRENT | MCL_ONFAULT) alike)
  populate_vma_page_range() returns at once for VM_LOCKONFAULT -- unless another call
  changed the areas' lock flags between apply_vma_lock_flags() and __mm_populate() (the
  mmap_lock is dropped between): then the range (every page for mlockall).
- mlockall() without MCL_CURRENT, or flags sys_mlockall() refuses: no mm_populate().
- mprotect(), pkey_mprotect(): mprotect_fixup() populates only a VM_LOCKED private area
  made writable, populate_vma_page_range() none that is VM_LOCKONFAULT: nothing where the
  page's own area may not be VM_LOCKED without VM_LOCKONFAULT (lock_state.py).
- mremap() growing: do_mremap() populates only the grown part of a VM_LOCKED area: the
  MREMAP_FIXED target, else a hole (as a non-fixed mmap's).
- brk(): populates (mm_populate(oldbrk, newbrk - oldbrk)) only under mm->def_flags'
  VM_LOCKED without VM_LOCKONFAULT (mlockall(MCL_FUTURE), lock_state.future_may_lock).
- mmap(): vm_mmap_pgoff() -> mm_populate() of its new area only, for MAP_POPULATE,
  MAP_LOCKED or def_flags' VM_LOCKED; the new area is [addr, addr + len) with MAP_FIXED,
  else a hole -- never the view's page while no other call of the tree that may unmap it
  is in flight.
- mincore(): do_mincore() stores only at [vec, vec + pages); getrandom() only at
  [buf, buf + count) (get_random_bytes_user()).

(`cut.lock_state`: lock_state.py's record of the areas and def_flags that may lock; a
build without it falls back to the sticky `Space.lock_seen`.)
`Space.lock_seen` is what says no area may be VM_LOCKED: set at the return of any mlock,
mlock2, mlockall or MAP_LOCKED mmap of the tree whatever its answer (a failing call may
have locked part: apply_vma_lock_flags()), one in flight counting too; a fork child
starts without (dup_mmap() clears VM_LOCKED_MASK, mm_init() def_flags).
"""

from __future__ import annotations

from collections.abc import Iterable

from abi.layout import MAP_FIXED, MCL_CURRENT, MCL_ONFAULT, MLOCK_ONFAULT, MREMAP_FIXED, PROT_WRITE
from abi.syscalls import NUMBERS
from guardian import checks, lock_state
from guardian.locked_ranges import CALLS as _LOCK_AREA_CALLS
from guardian.locked_ranges import lock_range
from guardian.slots import PAGE, Slot, Space

_N = {n: NUMBERS[n] for n in (
    "mlock", "mlock2", "mlockall", "munlock", "munlockall", "msync", "mincore", "getrandom",
    "mprotect", "pkey_mprotect", "mremap", "brk", "mmap")}
#: every call `stores_at` judges (the caller tests `nr in CALLS` first)
CALLS = frozenset(_N.values())
#: calls that may set VM_LOCKED (or def_flags' VM_LOCKED) on an area
_LOCKERS = frozenset({_N["mlock"], _N["mlock2"], _N["mlockall"]})
_NEVER = frozenset({_N["munlock"], _N["munlockall"], _N["msync"]})
_PROTECTS = frozenset({_N["mprotect"], _N["pkey_mprotect"]})
_UNTAG = (1 << 56) - 1
#: calls that may leave a hole where an area was, for a non-fixed mmap to fill: munmap
#: (do_vmi_munmap()), mremap moving it away, shmdt, brk shrinking, mmap and shmat
#: replacing it (and failing after the unmap: mmap_region()), exec replacing the mm
_UNMAPPERS = frozenset(NUMBERS[n] for n in (
    "munmap", "mremap", "shmdt", "brk", "mmap", "shmat", "execve", "execveat"))
MAP_LOCKED, MAP_POPULATE, MAP_FIXED_NOREPLACE = 0x2000, 0x8000, 0x100000


def note_lock(space: Space, slot: Slot, ret: int = 0, others: Iterable[Slot] = (),
              next_id: int = 0) -> None:
    """The call in `slot` returned `ret`: a lock call or a MAP_LOCKED mmap may have made
    an area VM_LOCKED (or set def_flags) from now on (`next_id`: the next slot's id)."""
    if slot.nr in lock_state.CALLS:
        lock_state.note(space, slot, ret, others, next_id)
    if slot.nr in _LOCKERS or slot.nr == _N["mmap"] and len(slot.args) > 3 \
            and slot.args[3] & MAP_LOCKED:
        space.lock_seen = True


def _locking(o: Slot) -> bool:
    return o.nr in _LOCKERS or o.nr == _N["mmap"] and len(o.args) > 3 \
        and bool(o.args[3] & MAP_LOCKED)


def may_lock(space: Space | None, slot: Slot, others: Iterable[Slot]) -> bool:
    """May an area of the slot's tree be VM_LOCKED (or def_flags' VM_LOCKED set) now?"""
    return space is None or space.lock_seen or any(
        o.id != slot.id and o.root == slot.root and _locking(o) for o in others)


def _settled(space: Space | None, slot: Slot, others: Iterable[Slot]) -> bool:
    """Did no other call that changes the areas or their locks act between the slot's
    entry and now (in flight, or returned since: Space.area_mark)?"""
    return space is not None and slot.id >= space.area_mark and not any(
        o.id != slot.id and o.root == slot.root and o.nr in _LOCK_AREA_CALLS for o in others)


def _onfault(space: Space | None, slot: Slot, others: Iterable[Slot], page: int) -> bool:
    """Is the page's area VM_LOCKONFAULT once the on-fault lock call in `slot` set it, so
    that populate_vma_page_range() returns at once?  Only a lockable area gets the flag
    (mlock_fixup() skips VM_SPECIAL, hugetlb, DAX, secretmem, droppable ones: those are
    populated, FOLL_WRITE for a writable private one), and only where no other call
    changed the flags before the population (`_settled`)."""
    return space is not None and any(s <= page < e for s, e in space.lockable) \
        and _settled(space, slot, others)


def _within(start: int, length: int, page: int) -> bool:
    at = start & _UNTAG                 # (a TBI tag: untagged_addr())
    return at < page + PAGE and at + length > page


def stores_at(slot: Slot, root: int, page: int, space: Space | None,
              others: Iterable[Slot]) -> bool:
    """May the call in `slot` (one of `CALLS`) store or write-fault the page at `page` of
    tree `root`?  `space`: that tree's (None: unknown); `others`: the slots in flight."""
    nr = slot.nr
    if nr in _NEVER or slot.root != root:
        return False                    # (every one of these acts on its own mm only)
    a = tuple(slot.args) + (0,) * 6
    if nr == _N["getrandom"]:
        return _within(a[0], a[1], page)
    if nr == _N["mincore"]:
        return _within(a[2], (a[1] + PAGE - 1) // PAGE, page)
    if nr == _N["mlock"]:
        return _within(a[0], a[1] + (a[0] & (PAGE - 1)), page)
    if nr == _N["mlock2"]:
        flags = a[2] & 0xFFFF_FFFF
        if flags & ~MLOCK_ONFAULT or flags and _onfault(space, slot, others, page):
            return False                # (-EINVAL; VM_LOCKONFAULT: no population)
        return _within(a[0], a[1] + (a[0] & (PAGE - 1)), page)
    if nr == _N["mlockall"]:
        flags = a[0] & 0xFFFF_FFFF
        if not flags & MCL_CURRENT or flags & ~7:
            return False                # (no mm_populate(), or -EINVAL)
        return not (flags & MCL_ONFAULT and _onfault(space, slot, others, page))
    if not checks.enabled("cut.lock_state"):
        return _sticky(slot, page, space, others, a)
    if nr in _PROTECTS:
        # (mprotect_fixup(): only the page's own area, VM_LOCKED and not on-fault)
        return bool(a[2] & PROT_WRITE) and _within(a[0], a[1], page) \
            and lock_state.may_lock_at(space, slot, others, page, page + PAGE)
    if nr == _N["mremap"]:
        # (do_mremap(): mm_populate() of the grown part of a VM_LOCKED area only -- a
        # hole before the call, or MREMAP_FIXED's target, which it unmaps first)
        if a[2] <= a[1] or not lock_state.may_lock_at(
                space, slot, others, *lock_range(a[0], max(a[1], 1))):
            return False
        if a[3] & MREMAP_FIXED:
            return _within(a[4], a[2], page)
        return _refilled(slot, space, others)
    if nr == _N["brk"]:
        # (brk(): mm_populate(oldbrk, newbrk - oldbrk) under def_flags' hard lock only)
        if not lock_state.future_may_lock(space, slot, others):
            return False
        lo, hi = lock_state.brk_range(space, slot, others)
        return lo <= page < hi
    # mmap
    if not a[3] & (MAP_POPULATE | MAP_LOCKED) and not lock_state.future_may_lock(
            space, slot, others):
        return False
    return _new_area(slot, page, space, others, a)


def _new_area(slot: Slot, page: int, space: Space | None, others: Iterable[Slot],
              a: tuple[int, ...]) -> bool:
    """May the new area of the mmap in `slot` (populated) hold the page?"""
    if a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        return _within(a[0], a[1], page)
    return _refilled(slot, space, others)


def _refilled(slot: Slot, space: Space | None, others: Iterable[Slot]) -> bool:
    """May a hole the call places a new area at be where the view's page was?
    (__mm_populate() finds the areas of [addr, addr + len) anew each time it takes
    mmap_lock back: an area another call put there since -- returned: Space.area_mark
    -- is populated as well)"""
    return space is None or slot.id < space.area_mark or any(
        o.id != slot.id and o.root == slot.root and o.nr in _UNMAPPERS for o in others)


def _sticky(slot: Slot, page: int, space: Space | None, others: Iterable[Slot],
            a: tuple[int, ...]) -> bool:
    """Round 81b's rule (a build without `cut.lock_state`): any lock the tree ever saw."""
    nr = slot.nr
    if nr in _PROTECTS:
        return bool(a[2] & PROT_WRITE) and may_lock(space, slot, others) \
            and _within(a[0], a[1], page)
    if nr == _N["mremap"]:
        return a[2] > a[1] and may_lock(space, slot, others)
    if nr == _N["brk"]:
        return may_lock(space, slot, others)
    if not a[3] & (MAP_POPULATE | MAP_LOCKED) and not may_lock(space, slot, others):
        return False
    return _new_area(slot, page, space, others, a)
