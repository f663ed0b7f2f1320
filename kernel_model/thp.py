"""User translation trees that may hold 2 MiB blocks (transparent huge pages) and swap entries.

`PageTables` knows only level-3 pages.  Once THP collapse can replace a
level-3 table by a level-2 block, every walker must see through blocks:
`lookup` and `leaves` present a block as its 512 pages, and `set`/`clear` on
one page of a block split it first (through `split_hook`, which is native or
the Guardian's THP_SPLIT), exactly as Linux splits a huge PMD before touching
a single PTE.  `entries` also yields swap entries (invalid, non-zero
level-3 descriptors) for the code that must carry them (fork, unmap).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from itertools import compress
from typing import TYPE_CHECKING

from abi import Call
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator.el1 import El1
from kernel_model.memops import ops_for
from kernel_model.pagetable import (
    MediatedTableWriter,
    PageTableRefused,
    PageTables,
    PageTableWriter,
    lm,
)

if TYPE_CHECKING:
    from kernel_model.mm import MemoryContext
    from kernel_model.vma import VmaList

PAGE = 4096
HUGE = 2 << 20
_TABLE = struct.Struct("<512Q")


def page_of_block(block: int, va: int) -> int:
    """The level-3 page descriptor equivalent to one page of a level-2 block."""
    base = D.output_address(block, 2)
    return (block & ~D.BLOCK_MASK_L2) | D.TABLE | (base + (va & (HUGE - 1) & ~(PAGE - 1)))


def _overlapping(entries: tuple[int, ...], va_base: int, shift: int, start: int, end: int
                 ) -> Iterator[int]:
    """Indexes of the non-zero entries of a table (at va_base, entries of 1 << shift
    bytes) that overlap [start, end): a walk resuming at a cursor skips the rest unread."""
    first = (start - va_base) >> shift if start > va_base else 0
    last = min(((end - 1 - va_base) >> shift) + 1, 512) if end > va_base else 0
    return compress(range(first, last), entries[first:last])


class UserPageTables(PageTables):
    """A TTBR0 tree whose walkers understand 2 MiB blocks and swap entries."""

    def __init__(self, el1: El1, writer: PageTableWriter) -> None:
        super().__init__(el1, writer)
        # The 2 MiB-aligned VAs this kernel mapped with a block: every other va is known
        # not to be in one without reading its level-2 entry (the fault path and the
        # daemons ask for each page they touch).
        self._huge: set[int] = set()
        self.split_hook: Callable[[int], None] = self.split_native

    @property
    def blocks(self) -> int:
        """How many 2 MiB block mappings the tree holds."""
        return len(self._huge)

    def block_made(self, va: int) -> None:
        self._huge.add(va & ~(HUGE - 1))

    def block_gone(self, va: int) -> None:
        self._huge.discard(va & ~(HUGE - 1))

    # --- level-2 access ------------------------------------------------------------
    def l2_slot(self, va: int) -> tuple[int, int, int] | None:
        """(level-2 table, index, entry) on va's path, or None if there is no L2 table."""
        table = self._l2_table(va, False)
        if table is None:
            return None
        idx = D.level_index(va, 2)
        return table, idx, self._read(table, idx)

    def block_at(self, va: int) -> int:
        """The block descriptor covering va (0 when va is not in a block)."""
        if va & ~(HUGE - 1) not in self._huge:
            return 0
        slot = self.l2_slot(va)
        if slot is None:
            return 0
        desc = slot[2]
        return desc if desc & D.VALID and not desc & D.TABLE else 0

    # --- PageTables, block-aware ---------------------------------------------------
    def lookup(self, va: int) -> int:
        # One walk serves both cases: the level-2 entry is a block or a table.
        table = self._l2_table(va, False)
        if table is None:
            return 0
        desc = self._read(table, D.level_index(va, 2))
        if not desc & D.VALID:
            return 0
        if not desc & D.TABLE:
            return page_of_block(desc, va)
        return self._read(desc & D.ADDR_MASK, D.level_index(va, 3))

    def lookup_slot(self, va: int) -> tuple[int, int | None]:
        """(`lookup(va)`, the level-3 table that entry sits in, or None when it is in none:
        no table yet, or a block)."""
        # (`_read` of the level-2 and level-3 entries, inline: this is the fault path.)
        table = self._l2_tables.get(va >> 30)
        if table is None:
            table = self._l2_table(va, False)
            if table is None:
                return 0, None
        read_u64 = self.el1.read_u64
        desc = read_u64(LINEAR_BASE | (table + ((va >> 18) & 0xFF8)))
        if not desc & 1:                        # D.VALID
            return 0, None
        if not desc & 2:                        # D.TABLE: a block
            return page_of_block(desc, va), None
        leaf = desc & D.ADDR_MASK
        return read_u64(LINEAR_BASE | (leaf + ((va >> 9) & 0xFF8))), leaf

    def set_in(self, leaf: int, va: int, old: int, desc: int, zero_fill: int = 0) -> None:
        """`set(va, desc)` where `lookup_slot(va)` just gave (old, leaf) and nothing has
        changed the tree since: the walk and the read of the old entry are not repeated
        (the same translations, made just before, would only be found again)."""
        idx = (va >> 12) & 0x1FF
        self.writer.write_entry(leaf, idx, desc, zero_fill)
        if self.el1.tracer.enabled:
            self.el1.tracer.emit("pte_write", addr=va, table=leaf, index=idx, old=old, new=desc)

    def set(self, va: int, desc: int) -> int:
        if self._huge and self.block_at(va):
            self.split_hook(va & ~(HUGE - 1))
        return super().set(va, desc)

    def clear(self, va: int) -> int:
        if self._huge and self.block_at(va):
            self.split_hook(va & ~(HUGE - 1))
        return super().clear(va)

    def entries(self, start: int = 0, end: int = 1 << 48) -> Iterator[tuple[int, int]]:
        """Like `leaves`, plus swap entries (invalid, non-zero level-3 descriptors)."""
        return self._walk_all(start, end, True)

    def _walk(self, table: int, level: int, va_base: int, start: int, end: int
              ) -> Iterator[tuple[int, int]]:
        assert (table, level, va_base) == (self.root, 0, 0), "a user tree is walked whole"
        return self._walk_all(start, end, False)

    def entry_slots(self, start: int, end: int) -> Iterator[tuple[int, int, int | None]]:
        """Like `entries`, each with the level-3 table it sits in (None: a block's page)."""
        return self._walk_all(start, end, True, True)  # type: ignore[return-value]

    def clear_in(self, leaf: int, va: int, old: int) -> None:
        """`clear(va)` of an entry `entry_slots` just gave (old, leaf) for, when nothing
        has touched the tree since: no second walk or read of the entry."""
        idx = (va >> 12) & 0x1FF
        self.writer.write_entry(leaf, idx, 0)
        if self.el1.tracer.enabled:
            self.el1.tracer.emit("pte_write", addr=va, table=leaf, index=idx, old=old, new=0)

    def _walk_all(self, start: int, end: int, swapped: bool, with_table: bool = False
                  ) -> Iterator[tuple[int, ...]]:
        """The tree's pages in [start, end), in address order.

        The three upper levels run in `_level2` (resumed once per 2 MiB) and the page
        level is a loop here, so a page costs one resumption, not one per level (KSM,
        compaction and unmap walk every page); each
        table page is read whole, and only its entries that can overlap [start, end)
        and are non-zero are looked at.
        """
        read = self.read_table
        valid, table_bit, addr = D.VALID, D.TABLE, D.ADDR_MASK
        for b2, d2 in self._level2(start, end):
            if not d2 & table_bit:             # a 2 MiB block: its 512 pages
                for pva in range(max(b2, start), min(b2 + HUGE, end), PAGE):
                    yield (pva, page_of_block(d2, pva), None) if with_table else \
                        (pva, page_of_block(d2, pva))
                continue
            leaf = d2 & addr
            e3 = read(leaf)
            for i3 in _overlapping(e3, b2, 12, start, end):
                d3 = e3[i3]
                if d3 & valid or swapped:
                    yield (b2 | (i3 << 12), d3, leaf) if with_table else \
                        (b2 | (i3 << 12), d3)

    def _level2(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """(va, descriptor) of every valid level-2 entry overlapping [start, end): the
        three upper levels of a walk, shared by the per-page and per-table scans (a
        level-2 entry covers 2 MiB, so this layer costs nothing per page)."""
        read = self.read_table
        valid, addr = D.VALID, D.ADDR_MASK
        e0 = read(self.root)
        for i0 in _overlapping(e0, 0, 39, start, end):
            d0 = e0[i0]
            if not d0 & valid:
                continue
            b0 = i0 << 39
            e1 = read(d0 & addr)
            for i1 in _overlapping(e1, b0, 30, start, end):
                d1 = e1[i1]
                if not d1 & valid:
                    continue
                b1 = b0 | (i1 << 30)
                e2 = read(d1 & addr)
                for i2 in _overlapping(e2, b1, 21, start, end):
                    d2 = e2[i2]
                    if d2 & valid:
                        yield b1 | (i2 << 21), d2

    def leaf_tables(self, start: int = 0, end: int = 1 << 48
                    ) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        """(va of its first page, its frame, its 512 entries) for every level-3 table
        overlapping [start, end), in address order; blocks are left out.  For scans
        that look at every page (compaction's reverse map, unmap): a table's entries are
        then handled in one loop, not one generator resumption each."""
        read, table_bit, addr = self.read_table, D.TABLE, D.ADDR_MASK
        for b2, d2 in self._level2(start, end):
            if d2 & table_bit:
                leaf = d2 & addr
                yield b2, leaf, read(leaf)

    def blocks_overlap(self, start: int, end: int) -> bool:
        """Whether a 2 MiB block mapping overlaps [start, end)."""
        if not self._huge:
            return False
        return any(va < end and start < va + HUGE for va in self._huge)

    def _collect(self, table: int, level: int, out: list[int]) -> None:
        if level < 3:
            for desc in _TABLE.unpack(self.el1.read(lm(table), PAGE)):
                if desc & 3 == 3:               # D.is_table below level 3, inline
                    self._collect(desc & D.ADDR_MASK, level + 1, out)
        out.append(table)

    def huge_candidates(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """(2 MiB-aligned va, level-3 table) for each full-size level-3 table in range."""
        first = (start + HUGE - 1) & ~(HUGE - 1)
        for va in range(first, end - HUGE + 1, HUGE):
            slot = self.l2_slot(va)
            if slot is not None and D.is_table(slot[2], 2):
                yield va, slot[2] & D.ADDR_MASK

    def read_table(self, table: int) -> tuple[int, ...]:
        return _TABLE.unpack(self.el1.read(lm(table), PAGE))

    # --- native collapse / split (the kernel's own writer) -------------------------
    def collapse_native(self, va: int) -> int:
        """Replace the level-3 table under va by one block; returns the table frame to free."""
        slot = self.l2_slot(va)
        assert slot is not None and D.is_table(slot[2], 2)
        l2, idx, desc = slot
        l3 = desc & D.ADDR_MASK
        entries = self.read_table(l3)
        block = (entries[0] & ~D.ADDR_MASK & ~D.TABLE) | (entries[0] & D.ADDR_MASK)
        self.writer.write_entry(l2, idx, block)
        if isinstance(self.writer, MediatedTableWriter):
            # The orphaned table still counts its mappings in the Guardian's frame
            # table: clear it, then hand it back (RELEASE_PT) before it is freed.
            for i in range(512):
                self.writer.write_entry(l3, i, 0)
            status, _ = self.el1.hvc(Call.RELEASE_PT, l3)
            if status:
                raise PageTableRefused("release_pt", status)
        self.el1.tlbi_all()
        return l3

    def split_native(self, va: int) -> None:
        """Replace the block at va by a level-3 table of its 512 pages."""
        slot = self.l2_slot(va)
        assert slot is not None
        l2, idx, block = slot
        table = self.writer.alloc_table(3)
        for i in range(512):
            self.writer.write_entry(table, i, page_of_block(block, va + i * PAGE))
        self.writer.write_entry(l2, idx, D.table_descriptor(table))
        self.el1.tlbi_all()

    def clear_block(self, va: int) -> int:
        """Remove a whole block mapping (munmap of the full 2 MiB); returns it."""
        slot = self.l2_slot(va)
        assert slot is not None
        self.writer.write_entry(slot[0], slot[1], 0)
        self.block_gone(va)
        return slot[2]


class HugePages:
    """Huge-page operations of an address space (mixed into `AddressSpace`).

    The mechanism is chosen per address space (`memops.ops_for`): the kernel's
    own table writes, or THP_COLLAPSE/THP_SPLIT for a confidential one.
    """

    tables: UserPageTables
    ctx: MemoryContext
    vmas: VmaList

    def split_huge(self, va: int) -> None:
        """Replace the 2 MiB block at va by 512 page entries (before any per-page change)."""
        block = self.tables.block_at(va)
        if not block:
            return
        ops_for(self, D.output_address(block, 2)).split(self, va)  # type: ignore[arg-type]
        self.tables.block_gone(va)
        self.ctx.stats.inc("kernel.thp.split")

    def collapse_huge(self, va: int, first_pa: int) -> None:
        """Replace the level-3 table under va (512 contiguous pages) by one block."""
        table = ops_for(self, first_pa).collapse(self, va)  # type: ignore[arg-type]
        self.ctx.frames.put(table)
        self.tables.block_made(va)
        self.ctx.stats.inc("kernel.thp.collapsed")

    def split_all_huge(self) -> None:
        """Every block back to pages (fork copies page entries only)."""
        if not self.tables.blocks:
            return
        for vma in self.vmas:
            for va in range((vma.start + HUGE - 1) & ~(HUGE - 1), vma.end - HUGE + 1, HUGE):
                self.split_huge(va)
