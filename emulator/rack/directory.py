"""The coherence directory's data-plane state: the `findCacheSlot` LPM and its registers.

One entry covers an aligned power-of-two region of 4 KiB..2 MiB of full virtual addresses.  Its
state lives in register arrays indexed by the entry number, as on the ASIC: the state and the
busy bit (`on_update`), the sharer bitmap (one bit per compute blade, 16 at most), the
control-plane lock, the size index and the invalidation counter bounded splitting reads.
Entries are allocated and freed by the control plane only.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.rack.tables import DIRECTORY_CAPACITY, LpmTable, RegisterArray, TableFull
from emulator.rack.transitions import State

MIN_REGION = 4096
MAX_REGION = 2 << 20
MAX_BLADES = 16            # the sharer bitmap is 16 bits wide


def size_index(size: int) -> int:
    """MIND's size index: size = 4 KiB << index (0..9)."""
    if size < MIN_REGION or size > MAX_REGION or size & (size - 1):
        raise ValueError(f"directory regions are powers of two from 4 KiB to 2 MiB, not {size:#x}")
    return size.bit_length() - MIN_REGION.bit_length()


@dataclass(frozen=True)
class Region:
    index: int     # the entry number (register index)
    base: int      # first FVA
    size: int


class Directory:
    def __init__(self, capacity: int | None = DIRECTORY_CAPACITY) -> None:
        self.capacity = capacity
        self.slots: LpmTable[int] = LpmTable("findCacheSlot", 64, capacity)
        n = capacity if capacity is not None else 1024
        self.state = RegisterArray("cache_dir_state", n, int(State.I))
        self.on_update = RegisterArray("cache_dir_on_update", n)
        self.sharers = RegisterArray("cache_dir_sharer", n)
        self.lock = RegisterArray("cache_dir_lock", n)
        self.size_idx = RegisterArray("cache_dir_size", n)
        self.inv_cnt = RegisterArray("cache_dir_inv_cnt", n)
        self.base = RegisterArray("entry_base", n)      # the control plane's shadow of the key
        self._free = list(range(n - 1, -1, -1))         # pop() gives the lowest index first
        self._next_new = n
        self.used: set[int] = set()

    def _registers(self) -> tuple[RegisterArray, ...]:
        return (self.state, self.on_update, self.sharers, self.lock, self.size_idx,
                self.inv_cnt, self.base)

    # --- data plane -------------------------------------------------------------------------
    def lookup(self, fva: int) -> Region | None:
        hit = self.slots.lookup(fva)
        if hit is None:
            return None
        prefix, index = hit
        return Region(index, prefix.value, 1 << (64 - prefix.length))

    # --- control plane ------------------------------------------------------------------------
    def install(self, base: int, size: int, state: State, sharers: int) -> Region:
        """Allocate an entry, write its registers, then its LPM rule (make before break)."""
        if not self._free:
            if self.capacity is not None:
                self.slots.overflows += 1
                raise TableFull(self.slots.name, self.capacity)
            grow = self._next_new * 2
            for reg in self._registers():
                reg.grow(grow)
            self._free = list(range(grow - 1, self._next_new - 1, -1))
            self._next_new = grow
        index = self._free.pop()
        try:
            self.slots.insert(self.slots.prefix_for(base, size), index)
        except TableFull:
            self._free.append(index)
            raise
        for reg in self._registers():
            reg.clear(index)
        self.state[index] = int(state)
        self.sharers[index] = sharers
        self.size_idx[index] = size_index(size)
        self.base[index] = base
        self.used.add(index)
        return Region(index, base, size)

    def remove(self, region: Region) -> None:
        self.slots.delete(self.slots.prefix_for(region.base, region.size))
        self.used.discard(region.index)
        self._free.append(region.index)

    def region(self, index: int) -> Region:
        return Region(index, self.base[index], MIN_REGION << self.size_idx[index])

    def entries(self) -> list[Region]:
        return sorted((self.region(i) for i in self.used), key=lambda r: r.base)

    @property
    def free_entries(self) -> int:
        return len(self._free) if self.capacity is not None else 1 << 30

    def statistics(self) -> dict[str, int]:
        return {"entries": len(self.used), "peak": self.slots.peak,
                "overflows": self.slots.overflows}
