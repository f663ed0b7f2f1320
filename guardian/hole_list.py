"""The holes of an address space (`Space.holes`) as a sorted list of disjoint ranges.

The program's own munmap (mremap, brk, shmdt) leaves a hole where Linux has no vma
(guardian/unmapped_holes.py).  Holes are kept sorted by start and merged where they
touch, so a fault finds the one at its address by bisection, and their number is
bounded as Linux bounds a process's vmas (vm.max_map_count, DEFAULT_MAX_MAP_COUNT =
65530; holes that do not touch lie between areas).  A space past `MAX_HOLES` is refused
(`space.holes_bound`), never judged with holes forgotten.
"""

from __future__ import annotations

from bisect import bisect_right

from abi import Status
from guardian.checks import refuse

#: The most holes a space keeps: above Linux's DEFAULT_MAX_MAP_COUNT (65530) + 1.
MAX_HOLES = 65536
_ABOVE = 1 << 64          # (a tuple's second element above every end: bisect by start)

Holes = list[tuple[int, int]]


def cut(holes: Holes, start: int, end: int) -> None:
    """[start, end) is mapped (or moved) again: no hole there (in place)."""
    if start >= end or not holes:
        return
    i = max(bisect_right(holes, (start, _ABOVE)) - 1, 0)
    j, keep = i, []
    while j < len(holes) and holes[j][0] < end:
        s, e = holes[j]
        if e <= start:
            keep.append((s, e))
        else:
            if s < start:
                keep.append((s, start))
            if e > end:
                keep.append((end, e))
        j += 1
    holes[i:j] = keep


def add(holes: Holes, start: int, end: int) -> None:
    """[start, end) is a hole now, merged with holes it touches (in place)."""
    if start >= end:
        return
    cut(holes, start, end)
    i = bisect_right(holes, (start, _ABOVE))
    lo, hi = i, i
    if i > 0 and holes[i - 1][1] == start:
        lo, start = i - 1, holes[i - 1][0]
    if i < len(holes) and holes[i][0] == end:
        hi, end = i + 1, holes[i][1]
    holes[lo:hi] = [(start, end)]
    if len(holes) > MAX_HOLES:
        refuse("space.holes_bound", Status.ERR_STATE,
               f"{len(holes)} separate holes left by the program's own unmapping: more than "
               f"a process's vmas could separate (vm.max_map_count); not judged with holes "
               "forgotten")


def find(holes: Holes, va: int) -> tuple[int, int] | None:
    """The hole holding va, if any."""
    i = bisect_right(holes, (va, _ABOVE)) - 1
    if i >= 0 and holes[i][0] <= va < holes[i][1]:
        return holes[i]
    return None
