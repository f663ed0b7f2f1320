"""Pages the program gave back stay gone: checked when the call that gave them returns.

munmap, a brk shrink, an mremap that shrinks or moves an area, and
madvise(MADV_DONTNEED) on private memory all promise the program that the range is
no longer its old memory: the next touch faults in a zero page (or the file's bytes).
A kernel that answers success without removing the pages hands the old bytes back
at the next growth, mmap or read.  The Guardian does not take the pages away itself
(the kernel's own tables, reclaim and accounting must agree with the tree), it holds
the kernel to it: when such a call returns success, by RESUME or any other way back
to user code, the range it gave back holds no leaf of the program's tree.

MAP_SHARED memory keeps its contents through MADV_DONTNEED (as Linux: the pages stay
in the shared object), and MADV_FREE may keep them until memory is short, so those
ranges are not held to it; their mappings still go only inside the program's window.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.layout import MADV_ZAPPING, NR_BRK, NR_MADVISE, NR_MREMAP, NR_MUNMAP
from guardian.checks import refuse
from guardian.slots import Slot, Space, page_up

#: (table root, level 0, va base 0, start, end) -> [(va, frame)] of the leaves there.
PagesIn = Callable[[int, int, int, int, int], list[tuple[int, int]]]


def leaves_kept(slot: Slot, space: Space, ret: int, ranges: list[tuple[int, int]],
                pages_in: PagesIn) -> list[int]:
    """Addresses in `ranges` where the tree still maps a page the program gave back
    (`ret`: the call's result; a MAP_FIXED mmap's range is new memory, not given back)."""
    if slot.nr not in (NR_MUNMAP, NR_MADVISE, NR_BRK, NR_MREMAP):
        return []
    if slot.nr == NR_MADVISE and slot.args[2] not in MADV_ZAPPING:
        return []                                   # MADV_FREE / MADV_REMOVE: may keep
    # Only a page the mremap moved may sit in its new range; with none moved (no distance
    # fixed), an MREMAP_FIXED target still mapping a page kept its old one.
    moved_to = (ret, ret + page_up(slot.args[2])) \
        if slot.nr == NR_MREMAP and slot.move_delta is not None else (0, 0)
    kept: list[int] = []
    for start, end in ranges:
        for va, _pa in pages_in(slot.root, 0, 0, start, end):
            if slot.nr == NR_MADVISE and space.share_at(va) is not None:
                continue                            # shared memory keeps its contents
            if moved_to[0] <= va < moved_to[1]:
                continue                            # mremap moved the area over its old place
            kept.append(va)
    return kept



def check_given_back(slot: Slot, space: Space, ret: int, ranges: list[tuple[int, int]],
                     pages_in: PagesIn) -> None:
    """Refuse a successful give-back whose range still maps a page of the program."""
    kept = leaves_kept(slot, space, ret, ranges, pages_in)
    if kept:
        refuse("return.given_back", Status.ERR_DENIED,
               f"syscall {slot.nr} gave back {', '.join(f'[{s:#x}, {e:#x})' for s, e in ranges)} "
               f"and returned success, but the tree still maps the page at {kept[0]:#x}"
               f"{f' and {len(kept) - 1} more' if len(kept) > 1 else ''}")
