"""The switch's control plane: areas, blade selection, directory entries, bounded splitting.

Blades' kernels forward mmap/munmap/brk and process exit here.  An area is placed on the memory
blade with the most free memory (size balancing) at the first free offset that fits its size
rounded up to a power of two; its global virtual address then lies in that blade's partition and
one partition entry translates it.  An area whose address is fixed by the program (the ELF image,
brk, the stack) gets exceptional translations instead.  Every area gets protection entries for
its process (default deny).

Directory entries are created on a miss (the packet is punted here, an entry is installed in
state I and the packet re-injected).  Bounded splitting runs once per epoch with MIND's
constants: regions that collect more invalidations than the threshold are split in two, cold
buddies are merged, within a budget of 30,000 entries.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from emulator.rack.directory import MAX_REGION, MIN_REGION, Directory, Region
from emulator.rack.memblade import MemoryBlade
from emulator.rack.network import EventLoop
from emulator.rack.packets import VA_MASK, Kind, Packet, Perm, make_fva
from emulator.rack.splitting import (
    DYN_CACHE_HIGH_PRESSURE,
    DYN_CACHE_TAR_DIR,
    BoundedSplitter,
)
from emulator.rack.switch import ExceptAction, PartitionAction, Switch
from emulator.rack.tables import TableFull
from emulator.rack.transitions import State

PARTITION_SHIFT = 40                 # 1 TiB of global virtual addresses per memory blade
DEFAULT_EPOCH_NS = 1_000_000_000     # DYN_CACHE_SLEEP_CYCLE = 1 s
AREA_ROUND = 2 << 20                 # CACHELINE_MAX_SIZE: mmap lengths round to 2 MiB
MAX_AREA_PIECE = 4 << 30             # DISAGG_VMA_MAX_SIZE


def pow2_at_least(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def aligned_blocks(start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as the fewest aligned power-of-two blocks (one LPM prefix each)."""
    out = []
    while start < end:
        size = start & -start if start else 1 << 47
        while start + size > end:
            size >>= 1
        out.append((start, size))
        start += size
    return out


@dataclass
class SplitConfig:
    enabled: bool = True
    split: bool = True
    merge: bool = True
    epoch_ns: int = DEFAULT_EPOCH_NS
    initial_region: int = 16 << 10          # INITIAL_REGION_INDEX = 16 KiB
    static_region: int | None = None        # fixed region size (splitting off)
    prepopulate: bool = True                # CACHE_DIR_PRE_POP_IDLE: entries made at mmap

    def region_size(self) -> int:
        return self.static_region or self.initial_region


@dataclass
class Area:
    pid: int
    start: int            # process virtual address
    length: int
    perm: int
    blade: str
    mem_base: int
    mem_length: int
    exceptional: bool
    prefixes: list = field(default_factory=list)


class BladeSpace:
    """First-fit allocation inside one memory blade (offsets aligned to their rounded size)."""

    def __init__(self, blade: MemoryBlade) -> None:
        self.blade = blade
        self.used: list[tuple[int, int]] = []      # sorted (offset, length)
        self._used_bytes = 0
        self.holes = False

    @property
    def free(self) -> int:
        return self.blade.size - self._used_bytes

    def alloc(self, length: int, align: int) -> int | None:
        if not self.holes:            # nothing freed yet: first fit is the end
            end = self.used[-1][0] + self.used[-1][1] if self.used else 0
            cand = -(-end // align) * align
            if cand + length <= self.blade.size:
                self.used.append((cand, length))
                self._used_bytes += length
                return cand
        cursor = 0
        for off, n in [*self.used, (self.blade.size, 0)]:
            cand = -(-cursor // align) * align
            if cand + length <= off:
                bisect.insort(self.used, (cand, length))
                self._used_bytes += length
                self.holes = True
                return cand
            cursor = max(cursor, off + n)
        return None

    def release(self, offset: int) -> None:
        for i, (off, n) in enumerate(self.used):
            if off == offset:
                del self.used[i]
                self._used_bytes -= n
                self.holes = True
                return


class ControlPlane:
    def __init__(self, loop: EventLoop, switch: Switch, memory_blades: list[MemoryBlade],
                 split: SplitConfig) -> None:
        self.loop = loop
        self.switch = switch
        self.directory: Directory = switch.directory
        self.costs = switch.costs
        self.split = split
        self.spaces = [BladeSpace(b) for b in memory_blades]
        self.areas: dict[int, list[Area]] = {}
        self.counters: Counter[str] = Counter()
        self._bases: list[int] = []          # sorted entry bases: finding room on a miss
        self.epochs = 0
        self.splitter = BoundedSplitter(self)
        switch.control = self
        for i, space in enumerate(self.spaces):
            base = (i + 1) << PARTITION_SHIFT
            prefix = switch.partitions.prefix_for(base, 1 << PARTITION_SHIFT)
            switch.partitions.insert(prefix, PartitionAction(space.blade.name, base, 0))
        if split.enabled and split.static_region is None:
            loop.after(split.epoch_ns, self._epoch, daemon=True)

    # --- areas ------------------------------------------------------------------------------
    def pick_blade(self, length: int) -> BladeSpace:
        """Size balancing: the memory blade with the most free bytes (lowest index on ties)."""
        return max(self.spaces, key=lambda s: (s.free, -s.blade.index))

    def mmap(self, pid: int, length: int, perm: int = Perm.READ_WRITE,
             fixed_va: int | None = None) -> int:
        """Create an area; returns its virtual address.  Raises MemoryError when full."""
        if length <= 0:
            raise ValueError("an area needs a positive length")
        length = -(-length // MIN_REGION) * MIN_REGION
        if fixed_va is None:
            length = -(-length // AREA_ROUND) * AREA_ROUND
        rounded = pow2_at_least(length)
        align = min(rounded, MAX_AREA_PIECE)
        for space in sorted(self.spaces, key=lambda s: (-s.free, s.blade.index)):
            off = space.alloc(rounded, align)
            if off is not None:
                break
        else:
            raise MemoryError(f"no memory blade has {rounded:#x} free bytes")
        space.blade.meminit(off, rounded)
        if fixed_va is None:
            va = ((space.blade.index + 1) << PARTITION_SHIFT) + off
            area = Area(pid, va, length, perm, space.blade.name, off, rounded, exceptional=False)
        else:
            va = fixed_va
            area = Area(pid, va, length, perm, space.blade.name, off, rounded, exceptional=True)
            self.counters["exceptional_areas"] += 1
        try:
            self._install_protection(area)
        except TableFull:
            space.release(off)
            self.counters["exception_table_full"] += 1
            raise
        self.areas.setdefault(pid, []).append(area)
        self.counters["mmaps"] += 1
        if self.split.prepopulate:
            self._prepopulate(make_fva(pid, va), make_fva(pid, va + length))
        return va

    def _prepopulate(self, lo: int, hi: int) -> None:
        """Entries in state I over a new area: the first 256 MiB in the initial region size,
        the rest in 2 MiB regions (MIND's INITIAL_REGION_INDEX with CACHE_DIR_PRE_OPT)."""
        first = self.split.region_size()
        dynamic = self.split.static_region is None
        limit = lo + (256 << 20 if dynamic else hi - lo)
        # Bounded splitting keeps the free list above the high-pressure line at start.
        budget = int(DYN_CACHE_HIGH_PRESSURE * DYN_CACHE_TAR_DIR) if dynamic else None
        for start, size in aligned_blocks(lo, hi):
            base = start
            while base < start + size:
                step = min(size, first if base < limit else max(first, MAX_REGION), MAX_REGION)
                region, base = base, base + step
                if self.directory.lookup(region) is not None:
                    continue
                if budget is not None and len(self.directory.used) >= budget:
                    self.counters["prepopulate_full"] += 1
                    return
                try:
                    self._install(region, step, State.I, 0)
                except TableFull:
                    self.counters["prepopulate_full"] += 1
                    return
                self.counters["entries_prepopulated"] += 1

    def _install_protection(self, area: Area) -> None:
        table = self.switch.exceptions
        done = []
        try:
            for start, size in aligned_blocks(area.start, area.start + area.length):
                fva = make_fva(area.pid, start)
                prefix = table.prefix_for(fva, size)
                blade = area.blade if area.exceptional else None
                table.insert(prefix, ExceptAction(area.perm, blade, fva,
                                                  area.mem_base + start - area.start))
                done.append(prefix)
        except TableFull:
            for prefix in done:
                table.delete(prefix)
            raise
        area.prefixes = done

    def munmap(self, pid: int, va: int, length: int) -> None:
        """Remove whole areas inside [va, va+length) and their directory entries."""
        keep = []
        for area in self.areas.get(pid, []):
            if va <= area.start and area.start + area.length <= va + length:
                for prefix in area.prefixes:
                    self.switch.exceptions.delete(prefix)
                self._drop_entries(make_fva(pid, area.start), make_fva(pid, area.start + area.length))
                for space in self.spaces:
                    if space.blade.name == area.blade:
                        space.release(area.mem_base)
                self.counters["munmaps"] += 1
            else:
                keep.append(area)
        self.areas[pid] = keep

    def exit(self, pid: int) -> None:
        for area in list(self.areas.get(pid, [])):
            self.munmap(pid, area.start, area.length)
        self.areas.pop(pid, None)

    def _drop_entries(self, lo: int, hi: int) -> None:
        d = self.directory
        i = bisect.bisect_left(self._bases, lo - MAX_REGION)
        for base in list(self._bases[i:]):
            if base >= hi:
                break
            region = d.lookup(base)
            if region is not None and region.base + region.size > lo:
                self._remove(region)

    # --- directory entries ---------------------------------------------------------------------
    def install_entry(self, base: int, size: int, state: State, sharers: int) -> Region:
        return self._install(base, size, state, sharers)

    def remove_entry(self, region: Region) -> None:
        self._remove(region)

    def _install(self, base: int, size: int, state: State, sharers: int) -> Region:
        region = self.directory.install(base, size, state, sharers)
        bisect.insort(self._bases, base)
        return region

    def _remove(self, region: Region) -> None:
        self.directory.remove(region)
        i = bisect.bisect_left(self._bases, region.base)
        if i < len(self._bases) and self._bases[i] == region.base:
            del self._bases[i]

    def _room_for(self, fva: int) -> int:
        """The largest region size <= the configured one whose aligned block around `fva`
        holds no entry yet."""
        size = self.split.region_size()
        while size > MIN_REGION:
            base = fva & ~(size - 1)
            i = bisect.bisect_left(self._bases, base)
            if i == len(self._bases) or self._bases[i] >= base + size:
                return size
            size >>= 1
        return MIN_REGION

    def directory_miss(self, p: Packet) -> None:
        """A request found no entry: install one in state I and re-inject the packet."""
        self.loop.after(self.costs.control_plane_ns, self._populate, p)

    def _populate(self, p: Packet) -> None:
        if self.directory.lookup(p.fva) is None:
            size = self._room_for(p.fva)
            try:
                self._install(p.fva & ~(size - 1), size, State.I, 0)
                self.counters["entries_created"] += 1
            except TableFull:
                self.counters["directory_full"] += 1
                self.switch.counters["nacks"] += 1
                self.switch._reply(p, Kind.NACK)
                return
        self.switch._directory_pass1(p)

    # --- bounded splitting --------------------------------------------------------------------
    def _epoch(self) -> None:
        self.epochs += 1
        self.splitter.run_epoch()
        self.loop.after(self.split.epoch_ns, self._epoch, daemon=True)

    def run_epoch(self) -> None:
        self.splitter.run_epoch()

    def statistics(self) -> dict[str, int]:
        out = {f"control.{k}": v for k, v in sorted(self.counters.items())}
        out["control.epochs"] = self.epochs
        out["control.directory_entries"] = len(self.directory.used)
        return out


__all__ = ["VA_MASK", "Area", "ControlPlane", "SplitConfig", "aligned_blocks"]
