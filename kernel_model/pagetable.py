"""Real AArch64 page tables, built and changed by the kernel through EL1.

Tables live in frames from the kernel's allocator and are written through the
kernel's linear map (TTBR1), exactly as Linux writes its PTEs.  The
`PageTableWriter` is the seam where a monitor can take over: with the Guardian
on, the same calls become checked Guardian requests.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Protocol

from abi import Call
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator.el1 import El1
from kernel_model.frames import FrameAllocator

PAGE = 4096
_TABLE = struct.Struct("<512Q")


def lm(pa: int) -> int:
    """Kernel linear-map address of a physical address."""
    return LINEAR_BASE | pa


class PageTableWriter(Protocol):
    """How the kernel changes translation tables (native or mediated)."""

    def alloc_table(self, level: int) -> int: ...
    def write_entry(self, table_pa: int, index: int, desc: int, zero_fill: int = 0) -> None:
        """Write one entry; zero_fill: the page it maps is still to be zero-filled (a
        fresh anonymous page), by whoever writes the entry."""
        ...

    def clear_entries(self, table_pa: int, first: int, last: int) -> None: ...
    def free_tree(self, root_pa: int, tables: list[int]) -> None: ...


class PageTableRefused(Exception):
    """The monitor refused a table operation (carries its status code)."""

    def __init__(self, what: str, status: int) -> None:
        super().__init__(f"{what} refused by the monitor (status {status})")
        self.status = status


class NativeTableWriter:
    """Without a monitor: the kernel zeroes and writes table pages itself."""

    def __init__(self, el1: El1, frames: FrameAllocator) -> None:
        self.el1 = el1
        self.frames = frames

    def alloc_table(self, level: int) -> int:
        pa = self.frames.alloc()
        self.el1.zero_page(LINEAR_BASE | pa)
        return pa

    def write_entry(self, table_pa: int, index: int, desc: int, zero_fill: int = 0) -> None:
        if zero_fill:
            self.el1.zero_page(LINEAR_BASE | (desc & D.ADDR_MASK))
        self.el1.write_u64((LINEAR_BASE | table_pa) + 8 * index, desc)

    def clear_entries(self, table_pa: int, first: int, last: int) -> None:
        """Zero entries [first, last) of a table in one write (unmapping a range)."""
        self.el1.write(lm(table_pa) + 8 * first, bytes(8 * (last - first)))

    def free_tree(self, root_pa: int, tables: list[int]) -> None:
        for pa in tables:
            self.frames.put(pa)


class MediatedTableWriter:
    """With the Guardian on: table pages are read-only to the kernel, so every
    change is a Guardian call (abi.Call), checked against its frame table."""

    def __init__(self, el1: El1, frames: FrameAllocator) -> None:
        self.el1 = el1
        self.frames = frames

    def alloc_table(self, level: int) -> int:
        pa = self.frames.alloc()
        status, _ = self.el1.hvc(Call.REGISTER_PT, pa, level)
        if status:
            self.frames.put(pa)
            raise PageTableRefused("register_pt", status)
        return pa

    def write_entry(self, table_pa: int, index: int, desc: int, zero_fill: int = 0) -> None:
        # zero_fill: the Guardian fills a page entering a confidential tree (SET_PT).
        status, _ = self.el1.hvc(Call.SET_PT, table_pa, index, desc, zero_fill)
        if status:
            raise PageTableRefused("set_pt", status)

    def clear_entries(self, table_pa: int, first: int, last: int) -> None:
        """Clear entries [first, last) of a table in one call (each checked as SET_PT)."""
        status, _ = self.el1.hvc(Call.CLEAR_PT_RANGE, table_pa, first, last - first)
        if status:
            raise PageTableRefused("clear_pt_range", status)

    def free_tree(self, root_pa: int, tables: list[int]) -> None:
        status, _ = self.el1.hvc(Call.FREE_PGD, root_pa)
        if status:
            raise PageTableRefused("free_pgd", status)
        for pa in tables:
            self.frames.put(pa)


class PageTables:
    """One four-level translation tree (an address space's TTBR0 tables)."""

    def __init__(self, el1: El1, writer: PageTableWriter) -> None:
        self.el1 = el1
        self.writer = writer
        self.root = writer.alloc_table(0)
        # Levels 0 and 1 of a user tree only ever gain table entries until the tree is
        # destroyed (blocks and table swaps happen at level 2), so the level-2 table
        # behind each 1 GiB of VA is remembered after one walk; levels 2 and 3 are read
        # on every access.
        self._l2_tables: dict[int, int] = {}

    def _read(self, table_pa: int, index: int) -> int:
        return self.el1.read_u64(LINEAR_BASE | (table_pa + 8 * index))

    def _l2_table(self, va: int, create: bool) -> int | None:
        """The level-2 table on va's path (None if there is none and `create` is false)."""
        key = va >> 30
        table = self._l2_tables.get(key)
        if table is not None:
            return table
        table = self.root
        for level in (0, 1):
            idx = D.level_index(va, level)
            desc = self._read(table, idx)
            if not desc & D.VALID:
                if not create:
                    return None
                new = self.writer.alloc_table(level + 1)
                self.writer.write_entry(table, idx, D.table_descriptor(new))
                table = new
            elif not desc & D.TABLE:
                return None                   # a block above level 2: not ours to walk
            else:
                table = desc & D.ADDR_MASK
        self._l2_tables[key] = table
        return table

    def _leaf_table(self, va: int, create: bool) -> int | None:
        l2 = self._l2_table(va, create)
        if l2 is None:
            return None
        idx = D.level_index(va, 2)
        desc = self._read(l2, idx)
        if not desc & D.VALID:
            if not create:
                return None
            new = self.writer.alloc_table(3)
            self.writer.write_entry(l2, idx, D.table_descriptor(new))
            return new
        return desc & D.ADDR_MASK

    def lookup(self, va: int) -> int:
        """The level-3 descriptor for va (0 when nothing is mapped)."""
        table = self._leaf_table(va, False)
        if table is None:
            return 0
        return self._read(table, D.level_index(va, 3))

    def set(self, va: int, desc: int) -> int:
        """Write the level-3 descriptor for va; returns the old one."""
        table = self._leaf_table(va, True)
        assert table is not None
        idx = D.level_index(va, 3)
        old = self._read(table, idx)
        self.writer.write_entry(table, idx, desc)
        if self.el1.tracer.enabled:
            self.el1.tracer.emit("pte_write", addr=va, table=table, index=idx, old=old, new=desc)
        return old

    def clear(self, va: int) -> int:
        table = self._leaf_table(va, False)
        if table is None:
            return 0
        idx = D.level_index(va, 3)
        old = self._read(table, idx)
        if old:
            self.writer.write_entry(table, idx, 0)
            if self.el1.tracer.enabled:
                self.el1.tracer.emit("pte_write", addr=va, table=table, index=idx, old=old, new=0)
        return old

    def clear_run(self, leaf: int, run: list[tuple[int, int]]) -> None:
        """Clear consecutive level-3 entries of one table in one writer call: `run` is
        (va, old descriptor) of each, in address order, as a walk just found them."""
        first = (run[0][0] >> 12) & 0x1FF
        self.writer.clear_entries(leaf, first, first + len(run))
        if self.el1.tracer.enabled:
            for i, (va, old) in enumerate(run):
                self.el1.tracer.emit("pte_write", addr=va, table=leaf, index=first + i, old=old,
                                     new=0)

    def leaves(self, start: int = 0, end: int = 1 << 48) -> Iterator[tuple[int, int]]:
        """(va, descriptor) of every valid level-3 entry in [start, end), in order.

        Reads whole table pages at once, as copy_page_range walks them.  The walk's own
        iterator is handed out, not wrapped: KSM and compaction step through every page.
        """
        return self._walk(self.root, 0, 0, start, end)

    def _walk(self, table: int, level: int, va_base: int, start: int, end: int
              ) -> Iterator[tuple[int, int]]:
        entries = _TABLE.unpack(self.el1.read(lm(table), PAGE))
        shift = D.LEVEL_SHIFT[level]
        # Only the entries overlapping [start, end): a scan resuming at a cursor (KSM,
        # balancing) does not step over everything before it again.
        first = (start - va_base) >> shift if start > va_base else 0
        last = min(512, -(-(end - va_base) >> shift)) if end > va_base else 0
        if level == 3:
            for idx in range(first, last):
                desc = entries[idx]
                if desc & D.VALID:
                    yield va_base | (idx << shift), desc
            return
        for idx in range(first, last):
            desc = entries[idx]
            if desc & D.VALID:
                yield from self._walk(desc & D.ADDR_MASK, level + 1, va_base | (idx << shift),
                                      start, end)

    def destroy(self) -> None:
        """Free every table page of the tree (not the frames it maps)."""
        tables: list[int] = []
        self._collect(self.root, 0, tables)
        self._l2_tables.clear()
        self.writer.free_tree(self.root, tables)

    def _collect(self, table: int, level: int, out: list[int]) -> None:
        if level < 3:
            for desc in _TABLE.unpack(self.el1.read(lm(table), PAGE)):
                if desc & D.VALID:
                    self._collect(desc & D.ADDR_MASK, level + 1, out)
        out.append(table)
