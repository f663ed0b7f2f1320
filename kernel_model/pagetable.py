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

from emulator import descriptors as D
from emulator.el1 import El1
from kernel_model.frames import FrameAllocator

PAGE = 4096
LINEAR_BASE = 0xFFFF_0000_0000_0000
_TABLE = struct.Struct("<512Q")


def lm(pa: int) -> int:
    """Kernel linear-map address of a physical address."""
    return LINEAR_BASE | pa


class PageTableWriter(Protocol):
    """How the kernel changes translation tables (native or mediated)."""

    def alloc_table(self) -> int: ...
    def write_entry(self, table_pa: int, index: int, desc: int) -> None: ...
    def free_table(self, table_pa: int) -> None: ...


class NativeTableWriter:
    """Without a monitor: the kernel zeroes and writes table pages itself."""

    def __init__(self, el1: El1, frames: FrameAllocator) -> None:
        self.el1 = el1
        self.frames = frames
        self.writes = 0

    def alloc_table(self) -> int:
        pa = self.frames.alloc()
        self.el1.fill(lm(pa), 0, PAGE)
        return pa

    def write_entry(self, table_pa: int, index: int, desc: int) -> None:
        self.writes += 1
        self.el1.write_u64(lm(table_pa) + 8 * index, desc)

    def free_table(self, table_pa: int) -> None:
        self.frames.put(table_pa)


class PageTables:
    """One four-level translation tree (an address space's TTBR0 tables)."""

    def __init__(self, el1: El1, writer: PageTableWriter) -> None:
        self.el1 = el1
        self.writer = writer
        self.root = writer.alloc_table()

    def _read(self, table_pa: int, index: int) -> int:
        return self.el1.read_u64(lm(table_pa) + 8 * index)

    def _leaf_table(self, va: int, create: bool) -> int | None:
        table = self.root
        for level in range(3):
            idx = D.level_index(va, level)
            desc = self._read(table, idx)
            if not desc & D.VALID:
                if not create:
                    return None
                new = self.writer.alloc_table()
                self.writer.write_entry(table, idx, D.table_descriptor(new))
                table = new
            else:
                table = desc & D.ADDR_MASK
        return table

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

    def leaves(self, start: int = 0, end: int = 1 << 48) -> Iterator[tuple[int, int]]:
        """(va, descriptor) of every valid level-3 entry in [start, end), in order.

        Reads whole table pages at once, as copy_page_range walks them.
        """
        yield from self._walk(self.root, 0, 0, start, end)

    def _walk(self, table: int, level: int, va_base: int, start: int, end: int
              ) -> Iterator[tuple[int, int]]:
        entries = _TABLE.unpack(self.el1.read(lm(table), PAGE))
        shift = D.LEVEL_SHIFT[level]
        for idx, desc in enumerate(entries):
            if not desc & D.VALID:
                continue
            va = va_base | (idx << shift)
            if va + (1 << shift) <= start or va >= end:
                continue
            if level == 3:
                yield va, desc
            else:
                yield from self._walk(desc & D.ADDR_MASK, level + 1, va, start, end)

    def destroy(self) -> None:
        """Free every table page of the tree (not the frames it maps)."""
        self._free(self.root, 0)

    def _free(self, table: int, level: int) -> None:
        if level < 3:
            entries = _TABLE.unpack(self.el1.read(lm(table), PAGE))
            for desc in entries:
                if desc & D.VALID:
                    self._free(desc & D.ADDR_MASK, level + 1)
        self.writer.free_table(table)
