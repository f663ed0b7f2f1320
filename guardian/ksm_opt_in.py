"""Which pages the program let KSM compare: PAGE_DIGEST and KSM_MERGE only there.

Memory deduplication is an equality test by nature: whether two pages merge (and, under
the Guardian, whether their keyed digests agree) tells whoever asks that they hold the
same bytes.  Where the kernel chose one page's contents (an input buffer it filled), the
answer for the other page is a guess confirmed or not -- the classic deduplication side
channel.  Linux confines KSM to memory the program opted in (mm/ksm.c):

- madvise(MADV_MERGEABLE) sets VM_MERGEABLE on the range's areas (ksm_madvise(); an area
  vma_ksm_compatible() rejects -- a shared one, VM_PFNMAP, hugetlb... -- is left alone),
  MADV_UNMERGEABLE clears it after unmerge_ksm_pages() broke the range's merged pages;
- prctl(PR_SET_MEMORY_MERGE, 1) (Linux 6.4) sets MMF_VM_MERGE_ANY: every compatible area of
  the mm, present and future, is mergeable; PR_SET_MEMORY_MERGE 0 clears it and
  ksm_disable_merge_any() -> ksm_del_vmas() clears VM_MERGEABLE on every area too;
- ksmd (scan_get_next_rmap_item()) visits only VM_MERGEABLE areas: no other page is ever
  compared with anything.

So the Guardian digests and merges a page only where the program itself made it
mergeable (`ksm.mergeable`), as followed from its own calls' arguments and answers:

- a madvise(MADV_MERGEABLE) answered 0, or ENOMEM (a hole, reported after the mapped
  areas took the advice), marks the mapped parts of its range that are not MAP_SHARED;
  a MADV_UNMERGEABLE, whatever its answer, unmarks its range;
- a prctl(PR_SET_MEMORY_MERGE, 1) answered 0 (arg3..arg5 0: else Linux's -EINVAL) makes
  every private page mergeable; one with arg2 0, whatever its answer, makes nothing
  mergeable;
- munmap, MAP_FIXED, mremap and a brk shrink take the mark away with the area; mremap
  moves it with the area (Space.remove_area, Space.move_area); a new area is not marked
  (Space.add_area); a fork child keeps its parent's marks and prctl (dup_mmap copies
  vm_flags, and MMF_VM_MERGE_ANY is in MMF_INIT_MASK); a new domain (exec) starts with
  none (the program opts in itself).

A call acts inside the kernel some time before its return is seen, so while one is in
flight in the tree:

- a madvise(MADV_MERGEABLE) counts for its range, and a prctl(PR_SET_MEMORY_MERGE, 1)
  for every private page: the kernel may have acted on them already (the program asked);
- a non-fixed mremap of a marked range may have moved the mark to any address that was
  no area of the program's: such a page counts (no page the program holds is there), as
  does a MREMAP_FIXED's target;
- a MADV_UNMERGEABLE counts against its range, and a prctl(PR_SET_MEMORY_MERGE, 0)
  against every page, from its entry on.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable

from abi.layout import (
    MADV_MERGEABLE,
    MADV_UNMERGEABLE,
    NR_MADVISE,
    NR_MREMAP,
    NR_PRCTL,
    PR_SET_MEMORY_MERGE,
)
from guardian.slots import PAGE, Slot, Space, page_up

#: The calls whose answers change which pages are mergeable (the area calls act through
#: Space.remove_area / move_area / add_area).
CALLS = frozenset({NR_MADVISE, NR_PRCTL})
_ENOMEM = (1 << 64) - errno.ENOMEM
_MREMAP_FIXED = 2


def _advice(slot: Slot) -> int:
    return slot.args[2] & 0xFFFF_FFFF


def _range(a: tuple[int, ...]) -> tuple[int, int] | None:
    """[start, end) of madvise's range (None: Linux's -EINVAL, nothing advised)."""
    start, end = a[0], a[0] + page_up(a[1])
    if start % PAGE or end >= 1 << 64 or (a[1] and end == start):
        return None
    return start, end


def follow(space: Space, slot: Slot, ret: int) -> None:
    """The program's call in `slot` (one of `CALLS`) answered `ret`: follow it."""
    a = slot.args
    if slot.nr == NR_PRCTL:
        if a[0] & 0xFFFF_FFFF != PR_SET_MEMORY_MERGE:
            return
        if not a[1]:
            space.merge_any = False         # ksm_disable_merge_any(): every area too
            space.mergeable = []
        elif ret == 0 and not (a[2] or a[3] or a[4]):   # else Linux's -EINVAL
            space.merge_any = True
        return
    advice = _advice(slot)
    if advice not in (MADV_MERGEABLE, MADV_UNMERGEABLE):
        return
    rng = _range(a)
    if rng is None:
        return
    start, end = rng
    space.unmark_mergeable(start, end)
    if advice == MADV_MERGEABLE and ret in (0, _ENOMEM):
        space.mark_mergeable(start, end)


def mergeable(space: Space | None, root: int, va: int, others: Iterable[Slot]) -> bool:
    """May the kernel ask KSM's questions (PAGE_DIGEST, KSM_MERGE) about the page at va
    of tree `root`?  `others`: the calls in flight."""
    if space is None or space.shared_page(va):
        return False                        # vma_ksm_compatible(): never a shared area
    ok = space.merge_any or any(s <= va < e for s, e in space.mergeable)
    for o in others:
        if o.root != root or o.nr is None:
            continue
        a = o.args
        if o.nr == NR_PRCTL and a[0] & 0xFFFF_FFFF == PR_SET_MEMORY_MERGE:
            if not a[1]:
                return False
            ok = ok or not (a[2] or a[3] or a[4])
        elif o.nr == NR_MADVISE and _advice(o) in (MADV_MERGEABLE, MADV_UNMERGEABLE):
            rng = _range(a)
            if rng is None or not rng[0] <= va < rng[1]:
                continue
            if _advice(o) == MADV_UNMERGEABLE:
                return False
            ok = True
        elif o.nr == NR_MREMAP and not ok and _moving_mark(space, a, va):
            ok = True
    return ok


def _moving_mark(space: Space, a: tuple[int, ...], va: int) -> bool:
    """May this mremap in flight have carried a mergeable area to va already?"""
    old, old_len = a[0], page_up(a[1])
    if not any(s < old + max(old_len, PAGE) and old < e for s, e in space.mergeable):
        return False
    if a[3] & _MREMAP_FIXED:
        return a[4] <= va < a[4] + page_up(a[2])
    return not any(s <= va < e for s, e in space.areas)   # a new place, or grown in place
