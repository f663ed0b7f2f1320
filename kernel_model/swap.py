"""Swap entries, the swap device and the zswap-like compressed pool.

A swapped-out page keeps a level-3 descriptor that is invalid (bit 0 clear),
so any access faults, but non-zero: like a Linux swap PTE it names where the
page went.  Bits [3:2] hold the entry type (the swap device or the compressed
pool) and bits [47:12] the slot.  The fault path recognises such an entry and
swaps the page back in.

The swap device is a bytes store whose capacity (in 4 KiB slots) comes from
the machine file's `[swap] size`.  A slot holds a page, or for a confidential
process the Guardian's sealed page, and is reference counted: fork shares a
swapped page between parent and child until each has swapped it in.

The compressed pool is modelled on zswap: it keeps zlib-compressed pages in
RAM, and the RAM it uses is taken from the frame allocator so compression
never hides memory use.  Incompressible pages are rejected and go to the swap
device instead.
"""

from __future__ import annotations

import heapq
import zlib

from kernel_model.frames import PAGE, FrameAllocator, OutOfMemory

SWP_TYPE_SHIFT = 2
SWP_DEVICE = 1            # the page is in the swap device, as plain bytes
SWP_ZPOOL = 2             # the page is in the compressed pool
SWP_SEALED = 3            # the page is in the swap device, sealed by the Guardian
_SLOT_MASK = 0x0000_FFFF_FFFF_F000


class SwapFull(Exception):
    """The swap device (or the compressed pool) has no room left."""


def make_swap_entry(kind: int, slot: int) -> int:
    """The invalid descriptor that stands for a page in slot `slot` of store `kind`."""
    return ((slot << 12) & _SLOT_MASK) | (kind << SWP_TYPE_SHIFT)


def swap_entry(desc: int) -> tuple[int, int] | None:
    """(kind, slot) if desc is a swap entry, else None."""
    if desc & 1:
        return None
    kind = (desc >> SWP_TYPE_SHIFT) & 3
    if kind == 0:
        return None
    return kind, (desc & _SLOT_MASK) >> 12


class _SlotStore:
    """Reference-counted slots, lowest free slot first (deterministic placement)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: dict[int, bytes] = {}
        self._refs: dict[int, int] = {}
        self._tags: dict[int, int] = {}
        self._freed: list[int] = []
        self._next = 0
        self.peak = 0

    @property
    def used(self) -> int:
        return len(self._data)

    def _new_slot(self) -> int:
        if self._freed:
            return heapq.heappop(self._freed)
        if self._next >= self.capacity:
            raise SwapFull("no free swap slot")
        self._next += 1
        return self._next - 1

    def put_bytes(self, data: bytes, tag: int = 0) -> int:
        """Store data in the lowest free slot; `tag` is kept with it (a seal's version)."""
        slot = self._new_slot()
        self._data[slot] = data
        self._refs[slot] = 1
        if tag:
            self._tags[slot] = tag
        self.peak = max(self.peak, len(self._data))
        return slot

    def fill(self, slot: int, data: bytes, tag: int = 0) -> None:
        """Set the contents of a slot taken with `put_bytes(b"")` (its entry needed first)."""
        self._data[slot] = data
        if tag:
            self._tags[slot] = tag

    def get_bytes(self, slot: int) -> bytes:
        return self._data[slot]

    def tag(self, slot: int) -> int:
        return self._tags.get(slot, 0)

    def dup(self, slot: int) -> None:
        self._refs[slot] += 1

    def refs(self, slot: int) -> int:
        return self._refs.get(slot, 0)

    def release(self, slot: int) -> bool:
        """Drop one reference; True when the slot became free."""
        refs = self._refs[slot] - 1
        if refs:
            self._refs[slot] = refs
            return False
        del self._refs[slot]
        self._tags.pop(slot, None)
        self._on_free(self._data.pop(slot))
        heapq.heappush(self._freed, slot)
        return True

    def _on_free(self, data: bytes) -> None:
        """Hook for stores that account the bytes they hold."""


class SwapDevice(_SlotStore):
    """The swap device: `size` bytes of 4 KiB slots (a sealed page fits one slot)."""

    def __init__(self, size: int) -> None:
        super().__init__(size // PAGE)


class CompressedPool(_SlotStore):
    """zswap: compressed pages kept in RAM frames taken from the allocator."""

    def __init__(self, frames: FrameAllocator, max_bytes: int, max_ratio: float = 0.5) -> None:
        super().__init__(1 << 24)
        self.frames = frames
        self.max_bytes = max_bytes
        self.max_len = int(PAGE * max_ratio)
        self.bytes_used = 0
        self._backing: list[int] = []           # frames holding the pool's bytes

    def try_store(self, page: bytes) -> int | None:
        """Compress and keep the page; None if it does not compress well or no room."""
        packed = zlib.compress(page, 1)
        if len(packed) > self.max_len or self.bytes_used + len(packed) > self.max_bytes:
            return None
        need = -(-(self.bytes_used + len(packed)) // PAGE)
        try:
            while len(self._backing) < need:
                self._backing.append(self.frames.alloc())
        except OutOfMemory:
            return None
        self.bytes_used += len(packed)
        return self.put_bytes(packed)

    def load(self, slot: int) -> bytes:
        return zlib.decompress(self.get_bytes(slot))

    def _on_free(self, data: bytes) -> None:
        self.bytes_used -= len(data)
        while self._backing and (len(self._backing) - 1) * PAGE >= self.bytes_used:
            self.frames.put(self._backing.pop())
