"""The swapped-out copies a cut drops.

Linux's truncate_pagecache() -> unmap_mapping_range(..., even_cows = 1) reaches a private
mapping's swap entries too: zap_pte_range() frees each one wholly past the new end
(free_swap_and_cache()), so the copy that was written out is gone, and the file grown
back shows its own bytes (zeros) there.  When the program's cut of a file only it holds
succeeded, each sealed page a tree of its domain keeps at such an address must be gone:
the entry cleared (`return.cut_unmapped`, as for a present page), and the Guardian's
record of it ended, so no SWAP_IN brings the old copy back and a fork owes it no copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from abi import Status
from emulator import descriptors as D
from guardian.checks import refuse
from guardian.file_pages import pages_past_cut
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.slots import Space
    from guardian.sole_files import MemFile
    from guardian.state import MonitorState

_SHIFTS = (39, 30, 21)


def leaf_entry(state: MonitorState, root: int, va: int) -> int:
    """The level-3 descriptor for va in root's tree (0: none)."""
    table = root
    for shift in _SHIFTS:
        desc = state.ram.read_u64(table + 8 * ((va >> shift) & 0x1FF))
        if desc & 3 != 3:
            return 0
        table = desc & D.ADDR_MASK
    return state.ram.read_u64(table + 8 * ((va >> 12) & 0x1FF))


def swapped_past_cut(state: MonitorState, mem: MemFile, size: int,
                     spaces: dict[int, Space]) -> Iterator[tuple[int, int]]:
    """(root, va) of every swapped-out copy the domain's trees keep of a page of `mem`
    wholly past `size` (the views of files only the program holds)."""
    for root, space in spaces.items():
        if not space.sole_views:
            continue
        held = state.sealed_vas(root)
        if not held:
            continue
        for start, end in pages_past_cut(space, mem, size):
            for va in (v for v in held if start <= v < end):
                yield root, va


def end_swapped_past_cut(state: MonitorState, mem: MemFile, size: int,
                         spaces: dict[int, Space], by: str = "ftruncate()") -> None:
    """The cut of `mem` to `size` succeeded: every swapped-out copy of a page wholly past
    the new end in the domain's trees has lost its entry (refused otherwise), and its
    sealed page is no longer outstanding (zap_pte_range(): free_swap_and_cache())."""
    for root, va in swapped_past_cut(state, mem, size, spaces):
        if leaf_entry(state, root, va):
            refuse("return.cut_unmapped", Status.ERR_DENIED,
                   f"{by} cut a file only the program holds to {size} bytes, but "
                   f"the swapped-out copy at {va:#x}, wholly past the new end, "
                   "keeps its entry: Linux frees it before it returns "
                   "(zap_pte_range(), free_swap_and_cache())")
        state.on_unmapped(root, [(va, va + PAGE)])
