"""Which areas of a tree MAY be VM_LOCKED without VM_LOCKONFAULT (a superset of what
locked_ranges.py knows locked for sure), and whether mm->def_flags may hold such a lock,
so that call_stores.py opens to a population only what Linux may populate
(`cut.lock_state`):

- mprotect_fixup() populates (populate_vma_page_range()) only a VM_LOCKED private area
  made writable, and populate_vma_page_range() returns at once for VM_LOCKONFAULT;
- do_mremap() populates only the grown part of a VM_LOCKED area (mm_populate() of
  [new_addr + old_len, new_addr + new_len));
- brk() -> do_brk_flags() populates only under mm->def_flags' VM_LOCKED, only
  [oldbrk, newbrk), and not for VM_LOCKONFAULT (mlockall(MCL_FUTURE | MCL_ONFAULT)).

The record only grows at a return, whatever the answer (a failing lock call may have
locked a part: apply_vma_lock_flags()), except where the registers show Linux locked
nothing (`cut.lock_answers`):

- mlock(), mlock2() without MLOCK_ONFAULT: do_mlock()'s range of its arguments (none
  for a flag past MLOCK_ONFAULT: SYSCALL_DEFINE3(mlock2); none where the aligned end
  wraps, nor for -ENOMEM with the start in a known hole: apply_vma_lock_flags());
  mlockall(MCL_CURRENT) without MCL_ONFAULT: everything; with MCL_FUTURE and without
  MCL_ONFAULT: `Space.may_future` (apply_mlockall_flags());
- mmap with MAP_LOCKED or while def_flags may lock (do_mmap(): vm_flags |= def_flags):
  its new area; brk growth then too (do_brk_flags());
- mremap: its destination [ret, ret + new_len) where the source may be locked
  (move_vma() -> copy_vma() keeps vm_flags), or a lock call of the tree is in flight;
  an mlockall(MCL_FUTURE) whose entry an adding call's return followed: everything.

It shrinks only where sure, answered 0 (Linux acted) with no other adding call of the
tree in flight nor returned since the call's entry (`Space.pop_mark`): munlock() and
munmap() take their range off, munlockall() everything and def_flags' lock
(apply_mlockall_flags(0)), an mlockall() with MCL_ONFAULT or without MCL_FUTURE def_flags' hard lock (and, with
MCL_CURRENT | MCL_ONFAULT, every area's: VM_LOCKONFAULT).  A call that entered before
such a shrink may have acted before it (`Space.unlock_mark`): it is judged as may lock.
Answered success, and as sure (`cut.lock_answers`, _take_off()): an mmap takes its new
range off before adding (mmap_region() unmaps MAP_FIXED's old areas; a hole held none);
an mremap its destination (mremap_to() unmaps the MREMAP_FIXED target), a moved source
(unmapped, or MREMAP_DONTUNMAP's kept with VM_LOCKED_MASK cleared: move_vma()) and a
shrunk tail (do_vmi_munmap()); mlock2(MLOCK_ONFAULT) answered 0 its range (mlock_fixup():
VM_LOCKED | VM_LOCKONFAULT replaces the hard lock); munlock answered -ENOMEM the areas
before the first gap (apply_vma_lock_flags(): lock_walk.py; not an on-fault mlock2's
-ENOMEM, which may be do_mlock()'s RLIMIT_MEMLOCK test, nothing changed).  A fork child starts with none
(dup_mmap() clears VM_LOCKED_MASK, mm_init() def_flags), an exec'd image too (a new
Space).
"""

from __future__ import annotations

from collections.abc import Iterable

from abi.layout import MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.lock_walk import walked
from guardian.locked_ranges import UNLOCKING, lock_range
from guardian.slots import PAGE, Slot, Space, page_up
from guardian.unmapped_holes import hole_at

_N = {n: NUMBERS[n] for n in (
    "mlock", "mlock2", "mlockall", "munlock", "munlockall", "munmap", "mmap", "mremap",
    "brk")}
#: calls whose return may add to the record
ADDERS = frozenset({_N["mlock"], _N["mlock2"], _N["mlockall"], _N["mmap"], _N["mremap"],
                    _N["brk"]})
#: every call `note` acts on (the caller tests `nr in CALLS` first)
CALLS = ADDERS | {_N["munlock"], _N["munlockall"], _N["munmap"]}
#: calls that may shrink the record (answered 0 and sure)
_SHRINKERS = frozenset({_N["munlock"], _N["munlockall"], _N["mlockall"], _N["munmap"]})
MAP_LOCKED = 0x2000
_ALL = (0, 1 << 64)
_BAD = (1 << 64) - 4096                 # (an answer at or above it: an errno)
_M = (1 << 64) - 1
_ENOMEM = (1 << 64) - 12


def _mlockall_valid(flags: int) -> bool:
    """sys_mlockall()'s -EINVAL test passed (no flag, an unknown one, or MCL_ONFAULT alone)."""
    return bool(flags) and not flags & ~7 and flags != MCL_ONFAULT


def _adds(o: Slot, space: Space) -> bool:
    """May the call in flight in `o` make an area VM_LOCKED without VM_LOCKONFAULT (or set
    def_flags' hard lock) before it returns?"""
    nr, a = o.nr, tuple(o.args) + (0,) * 6
    if nr in (_N["mlock"], _N["mlockall"]):
        return True                     # (mlockall: MCL_FUTURE may reach a new area too)
    if nr == _N["mlock2"]:
        return not a[2] & MLOCK_ONFAULT
    if nr in (_N["mmap"], _N["brk"]):
        return bool(nr == _N["mmap"] and a[3] & MAP_LOCKED) or space.may_future
    if nr == _N["mremap"]:
        return bool(space.may_locked)   # (it may move a locked area anywhere)
    return False


def _in_flight(slot: Slot, others: Iterable[Slot], space: Space) -> bool:
    return any(o.id != slot.id and o.root == slot.root and o.nr in ADDERS
               and _adds(o, space) for o in others)


def may_lock_at(space: Space | None, slot: Slot, others: Iterable[Slot], start: int,
                end: int) -> bool:
    """May an area in [start, end) be VM_LOCKED without VM_LOCKONFAULT while the call in
    `slot` acts (populate_vma_page_range() would fault it)?"""
    if space is None or slot.id < space.unlock_mark:
        return True
    if any(s < end and start < e for s, e in space.may_locked):
        return True
    return _in_flight(slot, others, space)


def future_may_lock(space: Space | None, slot: Slot, others: Iterable[Slot]) -> bool:
    """May mm->def_flags hold VM_LOCKED without VM_LOCKONFAULT while the call in `slot`
    makes its area (do_mmap(), do_brk_flags())?"""
    if space is None or space.may_future or slot.id < space.unlock_mark:
        return True
    return any(o.id != slot.id and o.root == slot.root and o.nr == _N["mlockall"]
               for o in others)


def _cut(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """`ranges` less [start, end)."""
    out: list[tuple[int, int]] = []
    for s, e in ranges:
        if s < start:
            out.append((s, min(e, start)))
        if e > end:
            out.append((max(s, end), e))
    return out


def _future_at_return(space: Space, slot: Slot) -> bool:
    """May def_flags' hard lock have reached the area the mmap or brk in `slot` made?  Set
    now, or cleared since its entry; an mlockall() still in flight adds at its own return
    what returned since its entry (`note`)."""
    return space.may_future or slot.id < space.unlock_mark


def _add(space: Space, start: int, end: int) -> None:
    """[start, end) may be locked from now on: merged with every range it overlaps or
    touches, so that the record holds disjoint ranges no more numerous than its gaps (under
    mlockall(MCL_CURRENT | MCL_FUTURE) every mmap adds a range everything covers)."""
    if start >= end:
        return
    keep: list[tuple[int, int]] = []
    for s, e in space.may_locked:
        if s <= end and start <= e:
            start, end = min(s, start), max(e, end)
        else:
            keep.append((s, e))
    keep.append((start, end))
    space.may_locked = keep


def _mlock_span(addr: int, length: int) -> tuple[int, int]:
    """[start, end) do_mlock() locks: PAGE_ALIGN(len + offset_in_page(start)) in 64 bits
    (size_t wraps), and nothing where start + len wraps (apply_vma_lock_flags(): `if
    (end < start) return -EINVAL;`)."""
    start, end = lock_range(addr, length & _M)
    end = start + ((end - start) & _M)
    return (start, end) if end <= _M else (0, 0)


def _starts_in_hole(space: Space, slot: Slot, others: Iterable[Slot], ret: int) -> bool:
    """An mlock/mlock2 answered -ENOMEM whose start lies in a hole the program's own
    unmapping left, with no call that changes the areas returned since its entry nor in
    flight (`Space.lock_mark`): apply_vma_lock_flags() finds no area at the start (6.1
    mas_walk(), 6.18 vma_iter_load()) and answers -ENOMEM before any mlock_fixup() --
    -ENOMEM after locking up to a later hole, or from __mm_populate(), needs an area at
    the start."""
    if ret != _ENOMEM or slot.id < space.lock_mark or any(
            o.id != slot.id and o.root == slot.root and o.nr in UNLOCKING for o in others):
        return False
    start = lock_range(slot.args[0], 0)[0]
    return hole_at(space, start) is not None


def _take_off(space: Space, slot: Slot, others: Iterable[Slot], start: int, end: int,
              next_id: int) -> None:
    """Linux left [start, end) without a hard lock at the return of the call in `slot`:
    take it off the record where sure -- no other adding call in flight nor returned since
    the call's entry (it may have locked the new area after); a call that entered before
    is judged as may lock (`Space.unlock_mark`)."""
    if start >= end or not any(s < end and start < e for s, e in space.may_locked):
        return                          # (the common case: nothing recorded there)
    if slot.id < space.pop_mark or _in_flight(slot, others, space):
        return
    space.may_locked = _cut(space.may_locked, start, end)
    space.unlock_mark = next_id


def _follow_mremap(space: Space, slot: Slot, ret: int, others: Iterable[Slot],
                   next_id: int) -> None:
    """mremap answered the address `ret` (`cut.lock_answers`): mremap_to() unmapped the
    MREMAP_FIXED target first (do_munmap()), a moved area left its old range (unmapped, or
    kept with VM_LOCKED_MASK cleared under MREMAP_DONTUNMAP: move_vma()), a shrink in
    place unmapped the tail (do_vmi_munmap()); the destination holds only the moved area,
    locked where its source may be (copy_vma() keeps vm_flags)."""
    a = tuple(slot.args) + (0,) * 6
    src = lock_range(a[0], max(a[1], 1))
    locked = may_lock_at(space, slot, others, *src)
    old_start, old_end = lock_range(a[0], a[1])
    new_len = page_up(a[2])
    if ret == old_start:
        _take_off(space, slot, others, old_start + new_len, old_end, next_id)
    else:
        _take_off(space, slot, others, ret, ret + new_len, next_id)
        _take_off(space, slot, others, old_start, old_end, next_id)
    if locked:
        _add(space, ret, ret + new_len)


def note(space: Space, slot: Slot, ret: int, others: Iterable[Slot], next_id: int) -> None:
    """The call in `slot` (one of `CALLS`) of the tree answered `ret`: follow it.  (Only
    a lock call walks the calls in flight: an mmap or brk pays a few field tests.)"""
    nr, a = slot.nr, tuple(slot.args) + (0,) * 6
    sure = nr in _SHRINKERS and ret == 0 and slot.id >= space.pop_mark \
        and not _in_flight(slot, others, space)
    answers = checks.enabled("cut.lock_answers")
    if nr == _N["mlock"] or nr == _N["mlock2"] and not a[2] & MLOCK_ONFAULT:
        if not answers:
            _add(space, *lock_range(a[0], a[1]))
        elif (nr == _N["mlock"] or not a[2] & 0xFFFF_FFFF & ~MLOCK_ONFAULT) \
                and not _starts_in_hole(space, slot, others, ret):
            # (SYSCALL_DEFINE3(mlock2): a flag past MLOCK_ONFAULT, -EINVAL first)
            _add(space, *_mlock_span(a[0], a[1]))
    elif nr == _N["mlock2"]:
        # mlock_fixup(): newflags = (vm_flags & ~VM_LOCKED_MASK) | VM_LOCKED |
        # VM_LOCKONFAULT -- answered 0, no area of the range is hard-locked now
        if answers and ret == 0 and not a[2] & 0xFFFF_FFFF & ~MLOCK_ONFAULT:
            _take_off(space, slot, others, *_mlock_span(a[0], a[1]), next_id)
    elif nr == _N["mlockall"]:
        flags = a[0] & 0xFFFF_FFFF
        if _mlockall_valid(flags):
            hard = not flags & MCL_ONFAULT
            if flags & MCL_CURRENT and hard:
                space.may_locked = [_ALL]
            elif flags & MCL_CURRENT and sure:
                space.may_locked = []   # (every area VM_LOCKED | VM_LOCKONFAULT now)
                space.unlock_mark = next_id
            if flags & MCL_FUTURE and hard:
                space.may_future = True
                if slot.id < space.pop_mark:
                    # (an mmap, brk or mremap that returned since this entry may have
                    # made its area after apply_mlockall_flags(): do_mmap() def_flags)
                    space.may_locked = [_ALL]
            elif sure and space.may_future:
                space.may_future = False     # (def_flags &= ~VM_LOCKED_MASK first)
                space.unlock_mark = next_id
    elif nr == _N["munlockall"]:
        if sure:
            space.may_locked, space.may_future = [], False
            space.unlock_mark = next_id
    elif nr in (_N["munlock"], _N["munmap"]):
        # (munmap: do_vmi_munmap() removes the areas, their VM_LOCKED with them; a later
        # area there is locked only by what adds it anew -- else the record kept every
        # unmapped lock for the tree's life; the calls in flight are judged as may lock
        # only where the record changed: an munmap of unlocked memory is the common one)
        if sure:
            kept = _cut(space.may_locked, *lock_range(a[0], a[1]))
            if nr == _N["munlock"] or kept != space.may_locked:
                space.may_locked, space.unlock_mark = kept, next_id
        elif nr == _N["munlock"] and ret == _ENOMEM and answers:
            # apply_vma_lock_flags() unlocked every area before the first gap, then
            # -ENOMEM (guardian/lock_walk.py)
            start, end = _mlock_span(a[0], a[1])
            _take_off(space, slot, others, start,
                      walked(space, slot, others, start, end), next_id)
    elif nr == _N["mmap"] and ret < _BAD:
        locks = bool(a[3] & MAP_LOCKED) or _future_at_return(space, slot)
        if answers:
            # mmap_region(): the new area replaces whatever was there (MAP_FIXED's old
            # areas unmapped with their VM_LOCKED first; a hole held none) and takes only
            # def_flags or MAP_LOCKED (added below)
            _take_off(space, slot, others, ret, ret + page_up(a[1]), next_id)
        if locks:
            _add(space, ret, ret + page_up(a[1]))
    elif nr == _N["mremap"]:
        if ret < _BAD and answers:
            _follow_mremap(space, slot, ret, others, next_id)
        elif ret < _BAD and may_lock_at(space, slot, others, *lock_range(a[0], max(a[1], 1))):
            _add(space, ret, ret + page_up(a[2]))
    elif nr == _N["brk"]:
        if space.brk_growth is not None and _future_at_return(space, slot):
            _add(space, *space.brk_growth)
    if nr in ADDERS:
        space.pop_mark = next_id


def brk_range(space: Space | None, slot: Slot, others: Iterable[Slot]) -> tuple[int, int]:
    """[oldbrk, newbrk) the brk in `slot` may populate (mm_populate(oldbrk, newbrk -
    oldbrk)): everything where another brk of the tree is in flight or returned since its
    entry (mm->brk may not be `Space.brk`)."""
    if space is None or slot.id < space.area_mark or any(
            o.id != slot.id and o.root == slot.root and o.nr == _N["brk"] for o in others):
        return _ALL
    old = space.brk & ~(PAGE - 1)
    return old, max(old, page_up(slot.args[0] if slot.args else 0))
