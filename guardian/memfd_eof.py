"""A page of a memfd mapping wholly past the memfd's end: any access there faults.

shmem_fault() -> shmem_get_folio_gfp() finds the page index at or past
DIV_ROUND_UP(i_size, PAGE_SIZE) and answers VM_FAULT_SIGBUS (a MAP_SHARED or a
MAP_PRIVATE view alike: the fault reads the file), so strncpy_from_user() answers -EFAULT
there.  For a memfd only the program holds (guardian/sole_files.py) the Guardian knows
its size: its own writes, ftruncate and fallocate set it (`return.memfd_size` judges
every report of it).  Judged only where no such call of the domain is in flight, none
returned since the call began (it may have come before or after the copy), and the page
is not present in the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from guardian import sole_files
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Domain, Slot, Space

_PAGE = 4096


def past_eof(files: Descriptors, space: Space, slot: Slot, va: int) -> bool:
    """Is va, a page the tree does not map, in a view of a memfd only the program holds,
    at a page index at or past its end, with that end settled through the slot's call?"""
    at = space.sole_view(va)
    mem = getattr(at[0], "file", None) if at is not None else None
    if at is None or not isinstance(mem, MemFile) or not mem.followed:
        return False
    if at[1] // _PAGE < (mem.size + _PAGE - 1) // _PAGE:
        return False
    sole = files.sole
    return slot.id >= mem.changed_from and not sole.unsettled(slot) and \
        not sole.busy(slot, mem, sole_files.ORDERED)


def quiet_in_memfd(files: Descriptors, dom: Domain, slot: Slot, others: Iterable[Slot],
                   runs: Mapping[int, int], ranges: list[tuple[int, int, int]]) -> bool:
    """quiet_ranges.quiet() for a name whose bytes lie in MAP_SHARED views of memfds only
    the program holds: no other call of the domain in flight, no thread of the tree back
    in user code since the entry, no call of the program's changed the memfd since (nor
    may change it: unsettled), and no other tree maps it (no other process may store
    there)."""
    at_entry = slot.runs_at_entry
    if at_entry is None or any(o is not slot and o.domain == slot.domain and o.nr is not None
                               for o in others):
        return False
    for root, start, end in ranges:
        space = dom.spaces.get(root)
        if space is None or root not in at_entry or runs.get(root, 0) != at_entry[root]:
            return False
        for va in range(start & ~(_PAGE - 1), end, _PAGE):
            at = space.sole_view(va)
            mem = getattr(at[0], "file", None) if at is not None else None
            if not isinstance(mem, MemFile) or not mem.followed or \
                    slot.id < mem.changed_from or files.sole.unsettled(slot) or any(
                        getattr(v, "file", None) is mem for sp in dom.spaces.values()
                        if sp is not space for _, _, v, _ in sp.sole_views):
                return False
    return True
