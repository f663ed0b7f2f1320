"""Which ranges the program locked (VM_LOCKED), followed from its own lock calls'
arguments and answers, so that a page of a locked range never leaves through advice that
Linux refuses on a locked area.

mm/madvise.c madvise_dontneed_free_valid_vma() forbids VM_LOCKED for MADV_DONTNEED and
MADV_FREE (only MADV_DONTNEED_LOCKED may zap a locked page), and madvise_remove() answers
-EINVAL for a VM_LOCKED area: such a call fails before touching a page, so it opens no
window for a locked page to leave (`discard.not_locked`).

What the Guardian takes as locked is what Linux must have locked, never more:

- mlock(), mlock2() (no flag but MLOCK_ONFAULT) answered 0: do_mlock() rounds the start
  down and the end up to pages and mlock_fixup() sets VM_LOCKED on every area of the
  range it may lock (`Space.lockable`: not VM_SPECIAL, hugetlb or droppable).  Answered
  with an error the call may have locked a part (apply_vma_lock_flags() stops at a
  hole): nothing is taken as locked.
- mlockall() with MCL_CURRENT answered 0: apply_mlockall_flags() locks every area.
- mlockall() with MCL_FUTURE answered 0 sets VM_LOCKED in mm->def_flags (with or
  without MCL_ONFAULT: VM_LOCKONFAULT is VM_LOCKED too); any other mlockall() answer
  and munlockall() clear it (apply_mlockall_flags(); an error: taken as cleared), as do
  fork and exec (mm_init(): def_flags & VM_INIT_DEF_MASK).  A lockable mmap answered
  while it is set (do_mmap(): vm_flags |= mm->def_flags), or with MAP_LOCKED
  (calc_vm_flag_bits()), is locked -- followed only as a lock call is, and, for
  def_flags, with no mlockall or munlockall in flight nor answered since the mmap's
  entry; so is a brk growth answered while it is set (do_brk_flags(): flags |=
  mm->def_flags).  (An mremap's grown part is taken as unlocked.)
- munlock() and munlockall(), whatever their answer (an error may come after a part was
  unlocked), unlock: the range, everything.
- munmap, MAP_FIXED, mremap and a brk shrink take the lock away with the area; mremap
  moves it with the area (Space.remove_area, Space.move_area); a new area (mmap, brk,
  shmat, mremap's destination) is never taken as locked (but for MAP_LOCKED and
  def_flags above), whatever a stale record said
  of its addresses (Space.add_area); a fork child starts with no lock (dup_mmap clears
  VM_LOCKED_MASK), an exec'd image too (a new Space).
- The addresses are untagged first, as do_mlock() and munlock() do (untagged_addr()).
- A file mapping is never taken as locked but a memfd's (shmem, not MFD_HUGETLB):
  mlock_fixup() skips a DAX file's area (vma_is_dax()), and the Guardian cannot tell a
  DAX file from another; a shmem area is neither DAX, VM_SPECIAL nor hugetlb, so
  MAP_LOCKED, def_flags, mlock and mlockall(MCL_CURRENT) lock it.

The threads of an address space run at once, and a call acts inside the kernel some
time before its return is seen, so:

- while a call that may take VM_LOCKED away (`UNLOCKING`: munlock, munlockall, munmap,
  mmap, mremap, brk, shmat, shmdt) of the space is in flight, no page of it is taken as
  locked (`lock_refuses` answers False): it may have acted already;
- an mlock, mlock2 or mlockall is followed only if no such call of the space was in
  flight at any time between its entry and its return (`Space.lock_mark`: the next
  slot id at the last such return): one that acted after the lock undid it.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi.layout import MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT, USER_TOP
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.slots import PAGE, Slot, Space, page_up

_NR_MLOCK, _NR_MUNLOCK = NUMBERS["mlock"], NUMBERS["munlock"]
_NR_MLOCKALL, _NR_MUNLOCKALL, _NR_MLOCK2 = NUMBERS["mlockall"], NUMBERS["munlockall"], \
    NUMBERS["mlock2"]
#: The calls whose answers change which ranges are locked.
LOCK_CALLS = frozenset({_NR_MLOCK, _NR_MUNLOCK, _NR_MLOCKALL, _NR_MUNLOCKALL, _NR_MLOCK2})
#: The calls that may take VM_LOCKED off a range of the space, or put a new (unlocked)
#: area where a locked one was: while one is in flight nothing is taken as locked.
UNLOCKING = frozenset(NUMBERS[n] for n in ("munlock", "munlockall", "munmap", "mmap",
                                           "mremap", "brk", "shmat", "shmdt"))
#: Every call `follow` acts on.
CALLS = LOCK_CALLS | UNLOCKING
#: The calls that may put an area where none was (`Space.fill_mark`).
FILLERS = frozenset(NUMBERS[n] for n in ("mmap", "mremap", "brk", "shmat"))
#: -EINVAL on a VM_LOCKED area (madvise_vma_behavior()): MADV_DONTNEED, MADV_FREE
#: (madvise_dontneed_free_valid_vma()), MADV_REMOVE (madvise_remove()), MADV_COLD,
#: MADV_PAGEOUT (can_madv_lru_vma()), MADV_GUARD_INSTALL (is_valid_guard_vma(vma, false));
#: MADV_DONTNEED_LOCKED and MADV_GUARD_REMOVE take a locked area.
LOCK_REFUSES = frozenset({4, 8, 9, 20, 21, 102})
MAP_DROPPABLE, MAP_HUGETLB = 0x08, 0x40000
MAP_LOCKED = 0x2000
_NR_MMAP, _NR_BRK = NUMBERS["mmap"], NUMBERS["brk"]
_DEF_FLAG_CALLS = frozenset({_NR_MLOCKALL, _NR_MUNLOCKALL})


def mmap_lockable(flags: int, anonymous: bool, admitted: bool) -> bool:
    """Would mlock set VM_LOCKED on the area an mmap with these flags made: anonymous
    memory (private or shared) or a shmem memfd's (`anonymous` True for it), neither
    hugetlb nor droppable?  Another file's area, admitted or not, may be a DAX file's
    (mlock_fixup() skips vma_is_dax()) or a device's VM_SPECIAL mapping: never taken as
    lockable."""
    del admitted                        # (a regular file may still be a DAX one)
    return anonymous and not flags & MAP_HUGETLB and flags & 0xF != MAP_DROPPABLE


def _untagged(addr: int) -> int:
    """arm64's untagged_addr(): bits 63..56 made copies of bit 55."""
    addr &= (1 << 64) - 1
    return addr | (0xFF << 56) if addr >> 55 & 1 else addr & ((1 << 56) - 1)


def lock_range(addr: int, length: int) -> tuple[int, int]:
    """[start, end) do_mlock()/do_munlock() act on: the start rounded down, the length
    grown by the start's offset and rounded up (the address untagged first)."""
    addr = _untagged(addr)
    start = addr & ~(PAGE - 1)
    return start, start + page_up(length + (addr - start))


def _unlocking_in_flight(slot_id: int, root: int, others: Iterable[Slot]) -> bool:
    """Is a call that may take VM_LOCKED away in flight in the tree `root`, other than
    the slot's own?"""
    return any(o.id != slot_id and o.root == root and o.nr in UNLOCKING for o in others)


def follow(space: Space, slot: Slot, ret: int, others: Iterable[Slot], next_id: int) -> None:
    """The program's call in `slot` (one of `CALLS`) answered `ret`; `next_id`, the id
    the next slot gets.  A call that may unlock moves the space's mark; a lock call is
    followed (`record_lock`) unless such a call may have acted since its entry."""
    nr = slot.nr
    assert nr is not None
    space.area_mark = next_id
    # (the walk of the calls in flight only where a lock may follow: every mmap comes here)
    if nr == _NR_MMAP and ret < (1 << 64) - 4096 and (
            slot.args[3] & MAP_LOCKED or space.lock_future is not None) and \
            slot.id >= space.lock_mark and not _unlocking_in_flight(slot.id, slot.root, others):
        _follow_mmap(space, slot, ret, others)
    if nr == _NR_BRK and space.brk_growth is not None and space.lock_future is not None \
            and slot.id >= space.lock_mark and not _unlocking_in_flight(slot.id, slot.root,
                                                                        others):
        _follow_brk(space, slot, others)
    if nr in _DEF_FLAG_CALLS:
        _follow_def_flags(space, slot, ret, others, next_id, slot.id >= space.lock_mark and
                          not _unlocking_in_flight(slot.id, slot.root, others))
    if nr in UNLOCKING:
        space.lock_mark = next_id
        if nr in FILLERS:
            space.fill_mark = next_id
    if nr in LOCK_CALLS:
        if nr in UNLOCKING or (slot.id >= space.lock_mark and not _unlocking_in_flight(
                slot.id, slot.root, others)):
            record_lock(space, nr, slot.args, ret)


def _follow_def_flags(space: Space, slot: Slot, ret: int, others: Iterable[Slot],
                      next_id: int, followed: bool) -> None:
    """mlockall()/munlockall() answered `ret`: apply_mlockall_flags() sets mm->def_flags
    VM_LOCKED for MCL_FUTURE alone, and clears it otherwise."""
    flags = slot.args[0] & 0xFFFF_FFFF
    other = any(o.id != slot.id and o.root == slot.root and o.nr in _DEF_FLAG_CALLS
                for o in others)
    future = slot.nr == _NR_MLOCKALL and ret == 0 and flags & MCL_FUTURE \
        and not flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)
    sure = followed and slot.id >= space.future_mark and not other
    space.lock_future = next_id if future and sure else None
    space.future_mark = next_id


def _follow_mmap(space: Space, slot: Slot, ret: int, others: Iterable[Slot]) -> None:
    """The program's mmap answered `ret` (an address): with MAP_LOCKED, or under
    def_flags' VM_LOCKED, do_mmap() gives the area VM_LOCKED (Space.lock keeps its
    lockable part: __mmap_region() clears it for VM_SPECIAL, DAX and hugetlb)."""
    a = slot.args
    if a[3] & MAP_LOCKED or future_locked(space, slot, others):
        space.lock(ret, ret + page_up(a[1]))
        if future_onfault(space, slot, others):
            # vm_flags |= mm->def_flags: VM_LOCKONFAULT too, and mprotect_fixup()'s
            # population skips the area (populate_vma_page_range(), locked_copies.py)
            space.onfault.append((ret, ret + page_up(a[1])))


def future_onfault(space: Space, slot: Slot, others: Iterable[Slot]) -> bool:
    """May mm->def_flags have held VM_LOCKONFAULT (mlockall(MCL_FUTURE | MCL_ONFAULT))
    when the mmap in `slot` made its area?  Yes where it does now, where a mlockall() or
    munlockall() of the tree returned since the slot entered or is in flight beside it."""
    return space.future_onfault or slot.id < space.future_mark or any(
        o.id != slot.id and o.root == slot.root and o.nr in _DEF_FLAG_CALLS for o in others)


def _follow_brk(space: Space, slot: Slot, others: Iterable[Slot]) -> None:
    """The program's brk grew the heap by `space.brk_growth` while def_flags' VM_LOCKED
    was set: do_brk_flags() gives the new area mm->def_flags (and brk() populates it)."""
    assert space.brk_growth is not None and space.lock_future is not None
    if future_locked(space, slot, others):
        space.lock(*space.brk_growth)


def future_locked(space: Space, slot: Slot, others: Iterable[Slot]) -> bool:
    """Does mm->def_flags' VM_LOCKED reach the area the program's mmap or brk in `slot`
    makes (do_mmap(), do_brk_flags())?  Its own mlockall(MCL_FUTURE) answered 0 before
    the slot entered, and no mlockall()/munlockall() of the tree returned since or is in
    flight beside it (apply_mlockall_flags() may have cleared def_flags first)."""
    return space.lock_future is not None and slot.id >= space.lock_future \
        and slot.id >= space.future_mark and not any(
            o.id != slot.id and o.root == slot.root and o.nr in _DEF_FLAG_CALLS
            for o in others)


def record_lock(space: Space, nr: int, a: tuple[int, ...], ret: int) -> None:
    """The program's lock call `nr` with arguments `a` answered `ret`: follow it."""
    if nr == _NR_MUNLOCKALL:
        space.locked = []
        return
    if nr == _NR_MUNLOCK:
        start, end = lock_range(a[0], a[1])
        space.unlock(start, USER_TOP if end < start else min(end, USER_TOP))
        return
    if ret != 0:
        return                          # an error: locked in part, perhaps -- not followed
    if nr in (_NR_MLOCK, _NR_MLOCK2):
        if nr == _NR_MLOCK2 and a[2] & 0xFFFF_FFFF & ~MLOCK_ONFAULT:
            return                      # Linux's -EINVAL: a success is refused elsewhere
        start, end = lock_range(a[0], a[1])
        if start < end <= USER_TOP:
            space.lock(start, end)
    elif nr == _NR_MLOCKALL:
        flags = a[0] & 0xFFFF_FFFF
        if flags & MCL_CURRENT and not flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT):
            space.lock(0, USER_TOP)


def lock_refuses(advice: int, space: Space | None, va: int, slot: Slot,
                 others: Iterable[Slot]) -> bool:
    """Does Linux refuse this discarding advice (the call in `slot`) for the page at va
    because the program locked it?  Not while a call that may unlock is in flight in the
    space (`others`: the calls in flight).  (Bounded by checks.enabled: a build without
    the check lets it go.)"""
    return advice in LOCK_REFUSES and space is not None and space.locked_at(va) \
        and checks.enabled("discard.not_locked") \
        and not _unlocking_in_flight(slot.id, slot.root, others)
