"""Which pages a memory call of the program may take out of its view, judged from the
call's own arguments as Linux judges them before it touches an area, and what the call
must answer once it did.

Linux refuses a munmap, madvise, mremap, mmap(MAP_FIXED) or brk whose arguments are
wrong (an unaligned address or file offset, a zero or wrapping length, a range past the
user address space, mremap's FIXED without MAYMOVE or onto its own range, a break below
the end of the image, advice that does not apply to the area) before it looks at a
single page: such a call opens no window.  And a call that discarded pages returns
success (brk: the break it was asked for); an error never comes with pages gone, except
madvise's ENOMEM for a range with a hole, which Linux reports after advising the mapped
part.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.layout import (
    ERRNO_FLOOR,
    MADV_DISCARDING,
    MAP_FIXED,
    MREMAP_FIXED,
    MREMAP_MAYMOVE,
    NR_BRK,
    NR_MADVISE,
    NR_MMAP,
    NR_MREMAP,
    NR_MUNMAP,
    USER_TOP,
)
from guardian import checks
from guardian.checks import refuse
from guardian.slots import PAGE, Slot, Space, page_up

MADV_FREE = 8
MADV_REMOVE = 9
#: mremap's flags Linux knows (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP).
MREMAP_KNOWN = MREMAP_MAYMOVE | MREMAP_FIXED | 4
#: mmap's mapping types (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE).
MAP_TYPES = frozenset({1, 2, 3})
ENOMEM = 12
MAP_FIXED_NOREPLACE = 0x100000



def _range_ok(start: int, length: int) -> bool:
    """[start, start + page_up(length)) is a nonempty page-aligned range inside the user
    address space, its length not wrapping when rounded up."""
    if start % PAGE or length == 0 or length > USER_TOP:
        return False
    return start + page_up(length) <= USER_TOP


def arguments_accepted(nr: int, a: tuple[int, ...], space: Space | None) -> bool:
    """Would Linux accept these arguments far enough to unmap or discard anything?"""
    if nr == NR_MUNMAP:
        return _range_ok(a[0], a[1])
    if nr == NR_MADVISE:
        return a[2] in MADV_DISCARDING and _range_ok(a[0], a[1])
    if nr == NR_MMAP:
        # MAP_FIXED_NOREPLACE never replaces a mapping, whatever else the flags say.
        return bool(a[3] & MAP_FIXED) and not a[3] & MAP_FIXED_NOREPLACE \
            and a[3] & 0xF in MAP_TYPES and a[5] % PAGE == 0 \
            and _range_ok(a[0], a[1]) and a[0] >= PAGE
    if nr == NR_MREMAP:
        old, old_len, new_len, flags, new = a[0], page_up(a[1]), page_up(a[2]), a[3], a[4]
        if old % PAGE or new_len == 0 or flags & ~MREMAP_KNOWN or a[1] > USER_TOP \
                or a[2] > USER_TOP or old + old_len > USER_TOP:
            return False
        if flags & MREMAP_FIXED:
            return bool(flags & MREMAP_MAYMOVE) and new % PAGE == 0 \
                and new + new_len <= USER_TOP and not (new < old + old_len and old < new + new_len)
        return True
    if nr == NR_BRK:
        # Below the end of the image (the heap's start) Linux answers the old break.
        return space is not None and a[0] >= space.brk_start and a[0] < USER_TOP
    return False


def advice_applies(advice: int, space: Space | None, va: int) -> bool:
    """Does discarding advice reach the page at va?  MADV_REMOVE punches a hole only in
    a shared mapping (EINVAL elsewhere); MADV_FREE frees only private anonymous memory
    (EINVAL for a shared or file mapping); MADV_DONTNEED applies to every area."""
    if advice == MADV_REMOVE:
        return space is not None and space.shared_page(va)
    if advice == MADV_FREE:
        return space is None or not (space.shared_page(va) or space.file_page(va) is not None
                                     or space.input_page(va))
    return True


def _covered(space: Space, start: int, end: int) -> bool:
    """Is every page of [start, end) inside an area the Guardian knows of?"""
    pos = start
    for s, e in sorted(space.areas):
        if e <= pos:
            continue
        if s > pos:
            return False
        pos = e
        if pos >= end:
            return True
    return pos >= end


def check_discarding_call_succeeded(slot: Slot, space: Space | None, ret: int) -> None:
    """A call that took pages out of the program's view returns success: Linux's
    munmap, mremap, mmap(MAP_FIXED) and madvise fail before discarding (madvise's ENOMEM
    excepted, for a range with a hole), and a brk that shrank the heap answers the break
    it was asked for."""
    if not slot.discarded:
        return
    nr, a = slot.nr, slot.args
    if nr == NR_BRK:
        failed = ret != a[0]
    else:
        failed = ret >= ERRNO_FLOOR
    if not failed:
        return
    if nr == NR_MADVISE and ret == (-ENOMEM) & ((1 << 64) - 1) and space is not None \
            and not _covered(space, a[0], a[0] + page_up(a[1])):
        return          # a range with a hole: Linux advises the mapped part, then ENOMEM
    refuse("return.discard_succeeded", Status.ERR_DENIED,
           f"syscall {nr} took pages out of the program's view but answered "
           f"{ret - (1 << 64) if ret >= ERRNO_FLOOR else ret:#x}: Linux either completes "
           "the unmapping or fails before touching a page")


def window_open(slot: Slot, space: Space | None) -> bool:
    """Does the call in `slot` open a discard window at all (its arguments are ones Linux
    accepts)?  (Bounded by checks.enabled: a build without the check takes any
    arguments, as before.)"""
    if not checks.enabled("discard.linux_accepts"):
        return True
    return arguments_accepted(slot.nr or 0, slot.args, space)


def areas_going(slots: Iterable[Slot], space: Space | None, root: int
                ) -> list[tuple[int, int]]:
    """The ranges whose areas the calls in progress in `root` (with arguments Linux
    accepts) unmap: munmap's range, mmap(MAP_FIXED)'s, the part a shrinking mremap cuts
    off and an mremap(MREMAP_FIXED)'s target, a brk shrink's.  A moved area lives on at
    its new place, and advice keeps its area."""
    out: list[tuple[int, int]] = []
    for slot in slots:
        if slot.root != root or slot.nr not in (NR_MUNMAP, NR_MMAP, NR_MREMAP, NR_BRK) \
                or not window_open(slot, space):
            continue
        a = slot.args
        if slot.nr == NR_MUNMAP or slot.nr == NR_MMAP:
            out.append((a[0], a[0] + page_up(a[1])))
        elif slot.nr == NR_MREMAP:
            if a[2] < a[1]:
                out.append((a[0] + page_up(a[2]), a[0] + page_up(a[1])))
            if a[3] & MREMAP_FIXED:
                out.append((a[4], a[4] + page_up(a[2])))
        elif space is not None and a[0] and page_up(a[0]) < page_up(space.brk):
            out.append((page_up(a[0]), page_up(space.brk)))
    return out
