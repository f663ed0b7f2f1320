"""CLEAR_PT_RANGE: consecutive entries of one table cleared in one call (munmap).

Each entry is checked and cleared exactly as SET_PT(table, i, 0) would: the same
table checks, the same discard rule for a confidential page (the program's own
unmapping, its exit, or a swap), the same reference drops, scrubbing and
invalidations.  The call only saves the per-entry entry and exit of the Guardian
and the walk up the parent links, which is done once for the range.  Every entry
is checked before any is cleared, so a refusal anywhere leaves the whole range
as it was.
"""

from __future__ import annotations

from abi import FrameKind, Status
from emulator import descriptors as D
from guardian.checks import refuse
from guardian.page_tables import PageTables
from guardian.stale_translations import needs_invalidation

ENTRIES_PER_TABLE = 512


def clear_range(pt: PageTables, table: int, index: int, count: int) -> int:
    s = pt.s
    fr = s.frames
    pt.check_frame(table)
    if count < 1 or index + count > ENTRIES_PER_TABLE:
        refuse("clear_pt.range", Status.ERR_RANGE,
               f"entries {index}..{index + count - 1} are not a non-empty range of one table "
               "(index + count <= 512)")
    n = fr.index(table)
    if n is None:
        raise ValueError(f"{table:#x} is not a RAM frame")   # (a build without frame.in_ram)
    if fr.kind[n] != FrameKind.PAGE_TABLE:
        refuse("set_pt.table_kind", Status.ERR_KIND,
               f"{table:#x} is a {fr.kind_of(table).name} frame, not a table")
    level = fr.level[n]
    domain = fr.owner[n]
    # (A build without clear_pt.range may read past the table: entries are read one by one.)
    olds = [(i, old) for i in range(index, index + count)
            if (old := s.ram.read_u64(table + 8 * i))]
    if not olds:
        return 0
    span = 1 << D.LEVEL_SHIFT[level]
    root = 0
    if domain:
        root, base_va = pt.locate(table, index)
    else:
        base_va = pt.entry_va(table, index)
    # Check every entry first: the range is cleared whole or not at all.
    if domain:
        for i, old in olds:
            if old & D.VALID:
                pt.check_discard(level, old, 0, root, base_va + (i - index) * span)
    for i, old in olds:
        entry_pa = table + 8 * i
        va = base_va + (i - index) * span
        s.ram.write_u64(entry_pa, 0)
        pt.drop(level, old, entry_pa, root, va, keep_shares=True)
        if needs_invalidation(level, old, 0):
            # As SET_PT: a page's translation by address, anything wider by its span in
            # a confidential (TTBR0) tree or a full flush elsewhere.
            if level == 3:
                s.flush_page(va)
            elif domain:
                s.flush_range(va, span)
            else:
                s.flush()
    return 0

