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

import struct

from abi import FrameKind, Status
from emulator import descriptors as D
from guardian.checks import refuse
from guardian.folio_alias import kept_folio
from guardian.page_tables import PageTables
from guardian.stale_translations import needs_invalidation

ENTRIES_PER_TABLE = 512
PAGE = 4096


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
    if index + count <= ENTRIES_PER_TABLE:
        words = struct.unpack(f"<{count}Q", s.ram.read(table + 8 * index, 8 * count))
        olds = [(i, old) for i, old in enumerate(words, index) if old]
    else:   # (a build without clear_pt.range may read past the table: one by one)
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
    if level == 3:
        if domain:      # a NUMA-hint (PROT_NONE) entry still holds its frame
            olds = [(i, pt.held_entry(table + 8 * i, old)) for i, old in olds]
        _clear_pages(pt, table, index, olds, domain, root, base_va)
        return 0
    if domain and level == 2:      # a hinted block still holds its frames
        olds = [(i, pt.held_entry(table + 8 * i, old, 2)) for i, old in olds]
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
            # As SET_PT: anything wider than a page by its span in a confidential (TTBR0)
            # tree, or a full flush elsewhere.
            if domain:
                s.flush_range(va, span)
            else:
                s.flush()
    return 0


def _clear_pages(pt: PageTables, table: int, index: int, olds: list[tuple[int, int]],
                 domain: int, root: int, base_va: int) -> None:
    """The range's nonzero entries `olds` (index, entry) of a level-3 table (munmap's
    case, one call per table it spans): `check_discard`, the write and `drop` of each,
    as for any level, with the page-sized steps written out, and every valid entry's
    translation invalidated by address (`flush_page` of each, in one step)."""
    s = pt.s
    fr = s.frames
    kinds, owners, user_maps = fr.kind, fr.owner, fr.user_maps
    base, nframes = fr.base, fr.nframes
    conf = FrameKind.CONFIDENTIAL
    addr, valid = D.ADDR_MASK, D.VALID
    if domain:
        may_discard = s.lifecycle.may_discard
        for i, old in olds:
            if not old & valid:
                continue
            pa = old & addr
            n = (pa - base) // PAGE
            if 0 <= n < nframes and pa >= base and kinds[n] == conf:
                va = base_va + ((i - index) << 12)
                if not may_discard(root, va, pa):
                    pt.check_discard(3, old, 0, root, va)     # refuses, with its reason
    ram = s.ram
    for i, _ in olds:
        ram.write_u64(table + 8 * i, 0)
    if domain and s.lifecycle.lazy_free.pages:
        for i, _ in olds:
            s.lifecycle.lazy_free.end(root, base_va + ((i - index) << 12))
    # Each old entry's references go (`drop` of a page: nothing maps it there now).
    unmap_leaf, kept_page = fr.unmap_leaf, s.shares.kept_page
    vas: list[int] = []
    for i, old in olds:
        if not old & valid:
            continue                 # (a swap entry: no frame, nothing cached)
        va = base_va + ((i - index) << 12)
        vas.append(va)
        pa = old & addr
        n = (pa - base) // PAGE
        if not 0 <= n < nframes or pa < base or not user_maps[n]:
            continue
        if unmap_leaf(pa, (root, va, table + 8 * i) if root else None) == 0 \
                and kinds[n] == conf:
            key = kept_page(owners[n], root, va) if root else None
            if key is None and pa in fr.folio_key:
                key = kept_folio(s, owners[n], pa)
            if key is not None and (owners[n], key) not in fr.held_at:
                fr.hold(pa, key)
            else:
                s.release_frame(pa)
    # A valid page entry that goes always needs its translation invalidated (see
    # stale_translations): by address, as SET_PT does.
    s.flush_pages(vas)
