"""What mincore() may report: a page the program's tree maps is resident.

Linux's mincore() sets bit 0 of a page's byte when the page is in memory; a page present
in the caller's page tables is (an mlock()ed page always is, as is one the program just
touched and the kernel has not taken away).  The Guardian sees the program's tree: when
mincore() answers success, every page of the range that tree maps at the return must be
reported resident (`return.mincore_resident`).  A page not mapped may be either (swapped
out, in the page cache, or never touched).
"""

from __future__ import annotations

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.given_back import PagesIn
from guardian.slots import PAGE, Slot, page_up
from guardian.user_memory import UserMemory

_NR_MINCORE = NUMBERS["mincore"]
CALLS = frozenset({_NR_MINCORE})


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
