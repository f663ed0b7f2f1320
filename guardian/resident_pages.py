"""What mincore() may report: a page the program's tree maps is resident.

Linux's mincore() sets bit 0 of a page's byte when the page is in memory; a page present
in the caller's page tables is (an mlock()ed page always is, as is one the program just
touched and the kernel has not taken away).  The Guardian sees the program's tree: when
mincore() answers success, every page of the range that tree maps at the return must be
reported resident (`return.mincore_resident`).  A page not mapped may be either (swapped
out, in the page cache, or never touched).

mm/mincore.c writes one byte per page and only 0 or 1 (mincore_page() answers
folio_test_uptodate(), mincore_pte_range() `*vec = 1` or the swap/unmapped answers): a
byte the kernel wrote into the vector with a bit above bit 0 set is no answer Linux gives
(`return.mincore_byte`).  And do_mincore() looks each address up with vma_lookup() and
answers -ENOMEM at the first one no area covers: a success over a range with a page
outside every area the program holds -- the Guardian keeps that list itself
(confidential_layout.py) -- is no answer either (`return.mincore_mapped`), unless another
thread of the address space is in a call that may map while it runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.layout import USER_TOP
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.given_back import PagesIn
from guardian.slots import PAGE, Slot, Space, page_up
from guardian.user_memory import UserMemory

_NR_MINCORE = NUMBERS["mincore"]
CALLS = frozenset({_NR_MINCORE})
#: The calls that may make an area while another thread's mincore runs (an area is in the
#: Guardian's list only once the call that made it returned).
_MAPPING_CALLS = frozenset(NUMBERS[n] for n in ("mmap", "mremap", "brk", "shmat",
                                                "remap_file_pages"))


def check_resident(memory: UserMemory, pages_in: PagesIn, slot: Slot, ret: int) -> None:
    """mincore(start, length, vec) answered 0: each mapped page's byte has bit 0 set."""
    start, length, vec = slot.args[0], slot.args[1], slot.args[2]
    if ret != 0 or start % PAGE or length == 0:
        return
    end = start + page_up(length)
    mapped = [va for va, _pa in pages_in(slot.root, 0, 0, start, end)]
    if not mapped:
        return
    vector = memory.read(vec, (end - start) // PAGE, slot.root)
    if vector is None:
        return          # (the output rules judge a vector that was never written)
    for va in mapped:
        if not vector[(va - start) // PAGE] & 1:
            refuse("return.mincore_resident", Status.ERR_DENIED,
                   f"mincore reported {va:#x} not resident, but the program's tree maps it: "
                   "a page present in the caller's tables is in memory")


def check_vector_bytes(memory: UserMemory, slot: Slot, ret: int) -> None:
    """mincore(start, length, vec) answered 0: each byte the kernel wrote into the vector
    is 0 or 1 (bytes it never wrote are the output rules' to judge)."""
    start, length, vec = slot.args[0], slot.args[1], slot.args[2]
    if ret != 0 or start % PAGE or length == 0:
        return
    count = page_up(length) // PAGE
    for lo, hi in slot.written:
        lo, hi = max(lo, vec), min(hi, vec + count)
        if lo >= hi:
            continue
        got = memory.read(lo, hi - lo, slot.root)
        if got is None:
            continue            # (not present: the output rules fault it in)
        for i, byte in enumerate(got):
            if byte > 1:
                refuse("return.mincore_byte", Status.ERR_DENIED,
                       f"mincore wrote vector byte {lo + i - vec} (the page at "
                       f"{start + (lo + i - vec) * PAGE:#x}) with a bit above bit 0 set: "
                       "Linux writes 0 or 1 for each page")


def _first_hole(space: Space, start: int, end: int) -> int | None:
    """The first address of [start, end) no area of `space` covers (None: all covered)."""
    pos = start
    for s, e in sorted(space.areas):
        if e <= pos:
            continue
        if s > pos:
            return pos
        pos = e
        if pos >= end:
            return None
    return pos if pos < end else None


def check_mapped(space: Space | None, slot: Slot, ret: int, others: Iterable[Slot]) -> None:
    """mincore(start, length, vec) answered 0: every page of [start, start + length) is in
    an area the program holds (`others`: the calls in progress, whose mappings the list
    does not show yet)."""
    start, length = slot.args[0], slot.args[1]
    if ret != 0 or space is None or start % PAGE or length == 0 or length > USER_TOP:
        return
    if any(o is not slot and o.root == slot.root and o.nr in _MAPPING_CALLS for o in others):
        return                  # an area may be coming in that the list does not hold yet
    end = start + page_up(length)
    hole = _first_hole(space, start, min(end, USER_TOP))
    if hole is not None:
        refuse("return.mincore_mapped", Status.ERR_DENIED,
               f"mincore of [{start:#x}, {end:#x}) answered 0, but no area of the program "
               f"covers {hole:#x}: Linux answers -ENOMEM for a range with an unmapped page")
