"""One compute blade's kernel instance: what each of a rack's blades owns and shares with no
other blade.

A blade has its own DRAM (a contiguous range of frames with its own allocator: the pages it
caches and its own page-table pages), its own translation tree for every process it runs
threads of, its own ASID space (its TLB view), its own run queue and the saved CPU state of the
threads placed on it.  Another blade's kernel reaches none of this except through messages on
the rack's network.  Process-wide state (areas, descriptors, signal actions, futex queues, the
thread list) is not here: it lives with the process at its home blade.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from emulator.el1 import El1
from kernel_model.frames import FrameAllocator
from kernel_model.pagetable import NativeTableWriter
from kernel_model.scheduler import Scheduler
from kernel_model.thp import UserPageTables

if TYPE_CHECKING:
    from kernel_model.blade_mm import RackAddressSpace

PAGE = 4096
# Each blade numbers its address spaces from its own ASID range, so the one host core's
# ASID-tagged TLB can never serve one blade a translation another blade made.
ASID_BASE = 0x1000
ASIDS_PER_BLADE = 0xF00
# The blade kernel's own memory beside its page cache: its page-table pages.
KERNEL_MEMORY = 1 << 20


class BladeNode:
    """A compute blade's kernel: its DRAM, its page tables, its ASIDs and its run queue."""

    def __init__(self, index: int, cores: list[El1], dram_base: int, cache_bytes: int) -> None:
        self.index = index
        self.name = f"cb{index}"
        self.cores = cores                 # the blade's own CPU(s): their TLBs are its view
        el1 = self.el1 = cores[0]
        self.dram_base = dram_base
        self.dram_size = cache_bytes + KERNEL_MEMORY
        self.frames = FrameAllocator(dram_base, self.dram_size)
        self.frames.add_free_range(dram_base, dram_base + self.dram_size)
        self.writer = NativeTableWriter(el1, self.frames)
        self.sched = Scheduler()
        self.counters: Counter[str] = Counter()
        self._trees: dict[int, tuple[UserPageTables, int]] = {}   # rack pid -> (tree, asid)
        self.areas_seen: dict[int, int] = {}     # rack pid -> version of its areas copied here
        self._next_asid = 0

    def tlbi_va(self, va: int) -> None:
        """A page left this blade's tables: every core of the blade forgets it."""
        for core in self.cores:
            core.tlbi_va(va)
        self.counters["tlb_shootdowns"] += 1

    def owns(self, pa: int) -> bool:
        return self.dram_base <= pa < self.dram_base + self.dram_size

    # --- address spaces ---------------------------------------------------------------------
    def alloc_asid(self) -> int:
        if self._next_asid == ASIDS_PER_BLADE:
            self._next_asid = 0
            for core in self.cores:    # the blade's ASIDs wrap: its TLBs start over
                core.tlbi_all()
        asid = ASID_BASE + self.index * ASIDS_PER_BLADE + self._next_asid
        self._next_asid += 1
        return asid

    def tables(self, mm: RackAddressSpace) -> UserPageTables:
        """The blade's own translation tree for `mm` (built in the blade's DRAM)."""
        entry = self._trees.get(mm.rack_pid)
        if entry is None:
            entry = self._trees[mm.rack_pid] = (UserPageTables(self.el1, self.writer),
                                                self.alloc_asid())
            self.counters["address_spaces"] += 1
        return entry[0]

    def has_tables(self, mm: RackAddressSpace) -> bool:
        return mm.rack_pid in self._trees

    def ttbr0(self, mm: RackAddressSpace) -> int:
        tree = self.tables(mm)
        return tree.root | (self._trees[mm.rack_pid][1] << 48)

    def drop_tables(self, mm: RackAddressSpace) -> None:
        entry = self._trees.pop(mm.rack_pid, None)
        self.areas_seen.pop(mm.rack_pid, None)
        if entry is not None:
            entry[0].destroy()

    def statistics(self) -> dict[str, int]:
        out = {f"rack.{self.name}.kernel.{k}": v for k, v in sorted(self.counters.items())}
        out[f"rack.{self.name}.kernel.frames_in_use"] = self.frames.allocated
        out[f"rack.{self.name}.kernel.frames_peak"] = self.frames.peak
        return out
