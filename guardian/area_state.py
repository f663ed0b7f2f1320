"""Successes Linux never gives for the state of the areas a memory call names, where the
Guardian knows that state for sure (its own records of the program's layout).

`return.mm_area_refused`:

- madvise (any advice but MADV_HWPOISON, MADV_SOFT_OFFLINE), mlock, mlock2, munlock and
  msync of a range with a page in a hole the program's own munmap (mremap, brk, shmdt)
  left, never mapped again (guardian/unmapped_holes.py hole_at(): no stack may grow
  there): madvise_walk_vmas() answers -ENOMEM for an unmapped page,
  apply_vma_lock_flags() -ENOMEM where vma_iter_load() or the next area's start leaves
  a gap, SYSCALL_DEFINE3(msync) -ENOMEM where find_vma() finds none or one past start;
- msync with MS_INVALIDATE of a range with a page the program's own mlock, mlockall,
  mmap(MAP_LOCKED) or mmap under mlockall(MCL_FUTURE) locked (guardian/locked_ranges.py): -EBUSY ((flags & MS_INVALIDATE) && VM_LOCKED);
- madvise with an advice Linux refuses on a VM_LOCKED area (locked_ranges.LOCK_REFUSES:
  MADV_DONTNEED, MADV_FREE (madvise_dontneed_free_valid_vma()), MADV_REMOVE
  (madvise_remove()), MADV_COLD, MADV_PAGEOUT (can_madv_lru_vma()), MADV_GUARD_INSTALL
  (is_valid_guard_vma(vma, false))) of a range with such a locked page: -EINVAL
  (madvise_walk_vmas() stops at the first error);
- madvise(MADV_FREE) of a range with a page of the program's own MAP_SHARED mmap, or
  of its own MAP_PRIVATE mmap of a memfd (private_file()), wherever mremap moved or grew
  it or MREMAP_DONTUNMAP left it (move_vma() -> copy_vma() keeps vm_file: Space.move_area):
  madvise_free_single_vma() answers -EINVAL (!vma_is_anonymous(): shmem or a file).

None is judged while a call of the address space that may map (or unlock) is in flight:
it may have changed the areas before its return is seen; nor where such a call (or a lock
call) returned since the judged call's entry (`Space.area_mark`): the judged call may have
walked the areas before it acted.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Protocol

from abi import Status
from abi.layout import untagged_addr
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.locked_ranges import LOCK_REFUSES, UNLOCKING
from guardian.open_files import OpenFile
from guardian.slots import PAGE, Slot, Space
from guardian.unmapped_holes import MAPPING_CALLS, hole_at

_U64 = 1 << 64
_MADVISE, _MSYNC = NUMBERS["madvise"], NUMBERS["msync"]
_LOCKS = frozenset(NUMBERS[n] for n in ("mlock", "mlock2", "munlock"))
CALLS = frozenset({_MADVISE, _MSYNC}) | _LOCKS
#: MADV_HWPOISON, MADV_SOFT_OFFLINE: madvise_inject_error() walks no area
_NO_WALK = frozenset({100, 101})
MADV_FREE = 8


class FileLookup(Protocol):
    def open_file(self, slot: Slot, fd: int) -> OpenFile | None: ...
    def steady(self, slot: Slot) -> bool: ...
MS_INVALIDATE = 2


def _page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1) & (_U64 - 1)


def _range(nr: int, a: tuple[int, ...]) -> tuple[int, int]:
    """[start, end) the call acts on ((0, 0): none, or one refused for its arguments)."""
    start = untagged_addr(a[0])
    if nr in _LOCKS:                    # do_mlock(): the start rounded down, the length up
        length = _page_up(a[1] + start % PAGE)
        start -= start % PAGE
    else:
        length = _page_up(a[1])
    if start % PAGE or not length or start + length > _U64:
        return 0, 0
    return start, start + length


def _in_hole(space: Space, start: int, end: int) -> int | None:
    """A page of [start, end) in a hole where Linux maps nothing (None: none known)."""
    for s, e in space.holes[max(bisect_right(space.holes, (start, _U64)) - 1, 0):]:
        if s >= end:
            break
        lo, hi = max(s, start), min(e, end)
        for va in (lo, hi - PAGE) if lo < hi else ():
            if hole_at(space, va) is not None:
                return va
    return None


def _overlap(ranges: Iterable[tuple[int, ...]], start: int, end: int) -> int | None:
    for r in ranges:
        if r[0] < end and start < r[1]:
            return max(r[0], start)
    return None


def refused(space: Space, slot: Slot, others: Iterable[Slot]) -> str:
    """Why Linux fails the call in `slot` for its areas' state ('': it may succeed)."""
    nr, a = slot.nr or -1, slot.args
    start, end = _range(nr, a)
    if start == end or slot.id < space.area_mark:
        return ""
    busy = [o.nr for o in others if o.id != slot.id and o.root == slot.root]
    if any(n in MAPPING_CALLS for n in busy):
        return ""
    advice = a[2] & 0xFFFF_FFFF if nr == _MADVISE else -1
    if space.holes and advice not in _NO_WALK:
        va = _in_hole(space, start, end)
        if va is not None:
            return f"the page at {va:#x}, in a hole the program's own unmapping left (-ENOMEM)"
    if nr == _MSYNC and a[2] & MS_INVALIDATE and not any(n in UNLOCKING for n in busy):
        va = _overlap(space.locked, start, end)
        if va is not None:
            return f"MS_INVALIDATE of the page at {va:#x}, which the program locked (-EBUSY)"
    if advice in LOCK_REFUSES and not any(n in UNLOCKING for n in busy):
        va = _overlap(space.locked, start, end)
        if va is not None:
            return f"advice {advice} of the page at {va:#x}, which the program locked (-EINVAL)"
    if advice == MADV_FREE:
        va = _overlap(space.shared_areas, start, end)
        if va is not None:
            return f"MADV_FREE of the page at {va:#x}, of a MAP_SHARED area (-EINVAL)"
        va = _overlap(space.private_files, start, end)
        if va is not None:
            return f"MADV_FREE of the page at {va:#x}, of a MAP_PRIVATE file area (-EINVAL)"
    return ""


def private_file(files: FileLookup, slot: Slot, fd: int) -> bool:
    """Did the mmap in `slot` map a memfd (shmem: a file vma, never anonymous), its
    number naming that file through the call (another thread's dup2() may have put
    /dev/zero there, whose mmap_zero() makes the mapping anonymous)?  A name proves
    nothing: a symbolic link may lead to /dev/zero."""
    f = files.open_file(slot, fd)
    return f is not None and f.memfd != 0 and files.steady(slot)


def check(space: Space | None, slot: Slot, ret: int, others: Iterable[Slot]) -> None:
    """`return.mm_area_refused`: no success of a memory call its areas' state fails."""
    why = "" if space is None else refused(space, slot, others)
    if why:
        refuse("return.mm_area_refused", Status.ERR_DENIED,
               f"syscall {slot.nr} answered {ret:#x} for {why}")
