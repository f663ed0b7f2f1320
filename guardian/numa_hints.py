"""NUMA balancing's hinting entries in a confidential tree: no discard.

change_prot_numa() turns a valid page entry into a PROT_NONE one on the same frame
(arm64 pte_mkprotnone(): PTE_VALID cleared, PTE_PROT_NONE set), and a 2 MiB block entry
likewise (change_huge_pmd(): pmd_modify(pmd, PAGE_NONE)); do_numa_page() and
do_huge_pmd_numa_page() make it valid again at the next touch.  The frames stay the
program's meanwhile: their references at the entry are kept (owned, sealed, never
reusable), and any later write of the entry is judged as if the entry still mapped them
(SET_PT's discard rule, CLEAR_PT_RANGE, FREE_PGD, MIGRATE_PAGE, SWAP_OUT).  The
program's own mremap carries a hint to its new entry, which then holds the frames.  A table
unlinked from a tree gives up the hints in it (Linux zaps a range before
free_pgtables() frees its tables): no hint outlives its place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.layout import NR_MREMAP
from emulator import descriptors as D
from guardian.descriptor_kinds import PROT_NONE, is_prot_none, is_table_desc, leaf_frames
from guardian.linear_map import TABLE_ENTRIES
from guardian.state import MonitorState

if TYPE_CHECKING:
    from guardian.page_tables import PageTables

PAGE = 4096


def moved_hint(s: MonitorState, root: int, va: int, desc: int) -> int:
    """The valid leaf a hint written into an empty entry at va stands for, where the
    program's own mremap in progress in `root` moves the hint holding that frame
    (move_ptes() carries a PROT_NONE pte as it is); 0 otherwise."""
    if not is_hint(3, desc):
        return 0
    leaf = as_leaf(3, desc)
    pa = leaf & D.ADDR_MASK
    if not s.frames.contains(pa):
        return 0
    moving = [o.args for o in s.lifecycle.registry.slots.values()   # type: ignore[attr-defined]
              if o.root == root and o.nr == NR_MREMAP]
    for r, v, entry_pa in s.frames.mappings(pa) if moving else ():
        if r == root and v != va and is_hint(3, s.ram.read_u64(entry_pa)) and any(
                a[0] <= v < a[0] + ((a[1] + PAGE - 1) & ~(PAGE - 1)) for a in moving):
            return leaf
    return 0


def is_hint(level: int, desc: int) -> bool:
    """A NUMA-hint encoding at `level`: a level-3 PROT_NONE entry, or a level-2 PROT_NONE
    block (bits[1:0] 00: not a table with its valid bit cleared)."""
    if not is_prot_none(desc):
        return False
    return level == 3 or (level == 2 and not desc & D.TABLE)


def as_leaf(level: int, desc: int) -> int:
    """The valid leaf a hint entry stands for (same frames)."""
    leaf = (desc & ~PROT_NONE) | D.VALID
    return leaf | D.TABLE if level == 3 else leaf


def held_entry(s: MonitorState, entry_pa: int, old: int, level: int = 3) -> int:
    """A domain's entry as the references see it: a hint entry whose frames are still
    recorded at this entry holds them like the valid leaf it stands for; any other entry
    is itself."""
    if not is_hint(level, old):
        return old
    held = as_leaf(level, old)
    pa = leaf_frames(level, held)[0]
    if s.frames.contains(pa) and any(p[2] == entry_pa for p in s.frames.mappings(pa)):
        return held
    return old


def write_hint(s: MonitorState, entry_pa: int, root: int, va: int, old: int, desc: int,
               level: int = 3) -> bool:
    """SET_PT of a hinting entry over the valid leaf `old` on the same frames: the entry
    is written, its translation invalidated, the frames' references kept.  False: not
    such a write (judged as any other)."""
    if not (old & D.VALID and not is_table_desc(level, old) and is_hint(level, desc)):
        return False
    if leaf_frames(level, as_leaf(level, desc)) != leaf_frames(level, old):
        return False
    s.ram.write_u64(entry_pa, desc)
    if level == 3:
        s.flush_page(va)
        if not desc & D.AP_RO:      # (PAGE_NONE keeps a clean pte read-only: still lazy-free)
            s.lifecycle.lazy_free.end(root, va)
    else:
        s.flush_range(va, 1 << D.LEVEL_SHIFT[level])
    return True


def hints_below(s: MonitorState, table: int, level: int, base_va: int
                ) -> list[tuple[int, int, int, int]]:
    """(entry PA, level, va, held leaf) of every hint entry under `table` (at `level`)
    that still holds its frames."""
    out: list[tuple[int, int, int, int]] = []
    span = 1 << D.LEVEL_SHIFT[level]
    for i, desc in enumerate(TABLE_ENTRIES.unpack(s.ram.read(table, PAGE))):
        va = base_va + i * span
        if desc & D.VALID:
            if is_table_desc(level, desc):
                out += hints_below(s, desc & D.ADDR_MASK, level + 1, va)
        elif level >= 2 and is_hint(level, desc):
            held = held_entry(s, table + 8 * i, desc, level)
            if held & D.VALID:
                out.append((table + 8 * i, level, va, held))
    return out


def release_below(pt: PageTables, table: int, level: int, root: int, base_va: int) -> None:
    """A table leaves its tree: the hint entries in it go, with their references (as
    zap_pte_range() clears them before free_pgtables())."""
    for entry_pa, lvl, va, held in hints_below(pt.s, table, level, base_va):
        pt.s.ram.write_u64(entry_pa, 0)
        pt.drop(lvl, held, entry_pa, root, va, keep_shares=True)
        if lvl == 3:
            pt.s.lifecycle.lazy_free.end(root, va)
