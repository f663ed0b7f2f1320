"""Page migration between memory nodes, compaction, and huge-page (THP) collapse.

- NUMA balancing: allocations prefer node 0; every few faults a pass moves a
  batch of the faulting address space's pages that sit outside its home node
  to that node, while the home node has frames to spare.
- Compaction (only while free memory is above the high watermark, since
  reclaim splits huge pages again): a 2 MiB-aligned range of a private area that is fully
  populated with exclusive pages but not physically contiguous is moved,
  page by page, into one 2 MiB-aligned physical run (pages already in that run
  that belong to others are migrated out of it first), then collapsed into a
  single level-2 block mapping (a transparent huge page).

Every move is `MemOps.migrate`: a copy and a remap through the linear map for
ordinary processes, one MIGRATE_PAGE call for confidential ones (the Guardian
copies, remaps and scrubs the old frame in one step).
"""

from __future__ import annotations

from itertools import compress, islice
from typing import TYPE_CHECKING

from emulator import descriptors as D
from kernel_model.frames import PAGE, OutOfMemory
from kernel_model.memops import MemOpRefused, ops_for
from kernel_model.thp import HUGE

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace
    from kernel_model.reclaim import MemoryManager

BALANCE_SCAN = 64          # pages looked at per balancing pass
BALANCE_BATCH = 32         # pages moved at most per pass
_ATTR_MASK = ~(D.ADDR_MASK | D.AF)


def _migrate(mem: MemoryManager, mm: AddressSpace, va: int, new: int) -> None:
    """Move mm's page at va into the (already allocated) frame `new`."""
    desc = mm.tables.lookup(va)
    old = desc & D.ADDR_MASK
    ops_for(mm, old).migrate(mm, va, desc, new)
    mem.frames.put(old)


class NumaBalancer:
    def __init__(self, mem: MemoryManager) -> None:
        self.mem = mem
        self._cursor: dict[int, int] = {}

    def run(self, mm: AddressSpace) -> None:
        from kernel_model.reclaim import reclaimable
        mem = self.mem
        frames = mem.frames
        if frames.node_count() < 2 or mm.busy or not mm.alive:
            return
        home = mm.home_node
        spare = frames.low_watermark // frames.node_count() + 1
        if frames.free_in(home) <= spare or frames.below_low:
            return
        start = self._cursor.get(mm.serial, 0)
        batch = list(islice(mm.tables.leaves(start), BALANCE_SCAN))
        self._cursor[mm.serial] = batch[-1][0] + PAGE if len(batch) == BALANCE_SCAN else 0
        moved = 0
        for va, desc in batch:
            pa = desc & D.ADDR_MASK
            if frames.node_of(pa) == home or frames.refcount(pa) != 1 \
                    or not reclaimable(mm.vmas.find(va)) or mm.tables.block_at(va):
                continue
            try:
                new = frames.alloc(home, strict=True)
            except OutOfMemory:
                break
            try:
                ops_for(mm, pa).migrate(mm, va, desc, new)
            except MemOpRefused:
                frames.put(new)
                continue
            frames.put(pa)
            mem.stats.inc("kernel.migrate.pages")
            moved += 1
            if moved >= BALANCE_BATCH or frames.free_in(home) <= spare:
                break
        if moved:
            mem.ctx.el1.tlbi_all()


class Compactor:
    def __init__(self, mem: MemoryManager) -> None:
        self.mem = mem
        self._failed: set[tuple[int, int]] = set()

    def run(self, mm: AddressSpace) -> None:
        """Compact and collapse at most one 2 MiB range of mm."""
        from kernel_model.reclaim import reclaimable
        frames = self.mem.frames
        if mm.busy or not mm.alive or frames.free_frames < frames.high_watermark:
            return      # under reclaim pressure a huge page would only be split again
        for vma in mm.vmas:
            if not reclaimable(vma) or vma.backing is not None or vma.growsdown:
                continue
            for va, l3 in mm.tables.huge_candidates(vma.start, vma.end):
                entries = mm.tables.read_table(l3)
                if not all(e & D.VALID for e in entries):
                    continue
                ours = [e & D.ADDR_MASK for e in entries]
                attrs = entries[0] & _ATTR_MASK
                if any(e & _ATTR_MASK != attrs for e in entries) or \
                        any(frames.refcount(pa) != 1 for pa in ours):
                    continue
                if (mm.serial, va) in self._failed:
                    continue
                if not self._assemble(mm, va, ours):
                    self._failed.add((mm.serial, va))
                    continue
                self._collapse(mm, va)
                return

    def _assemble(self, mm: AddressSpace, va: int, ours: list[int]) -> bool:
        """Move the range's pages into one 2 MiB-aligned physical run."""
        mem = self.mem
        frames = mem.frames
        base = ours[0] & ~(HUGE - 1)
        if all(pa == base + i * PAGE for i, pa in enumerate(ours)):
            return True
        rmap = self._rmap()
        run = self._choose_run(ours, rmap)
        if run is None:
            return False
        avoid = range(run, run + HUGE)
        moved = 0
        try:
            for i in range(512):
                target = run + i * PAGE
                if ours[i] == target:
                    continue
                if not frames.is_free(target):
                    owner_mm, owner_va = rmap.pop(target)
                    new = frames.alloc(avoid=avoid)
                    _migrate(mem, owner_mm, owner_va, new)
                    rmap[new] = (owner_mm, owner_va)
                    if owner_mm is mm and 0 <= owner_va - va < HUGE:
                        ours[(owner_va - va) // PAGE] = new
                    moved += 1
                if not frames.take(target):
                    return False
                old = ours[i]
                _migrate(mem, mm, va + i * PAGE, target)
                rmap.pop(old, None)
                rmap[target] = (mm, va + i * PAGE)
                ours[i] = target
                moved += 1
        except (OutOfMemory, MemOpRefused, KeyError):
            return False
        finally:
            mem.stats.inc("kernel.compaction.moved", moved)
            if moved:
                mem.ctx.el1.tlbi_all()
        return True

    def _rmap(self) -> dict[int, tuple[AddressSpace, int]]:
        """frame -> (mm, va) for every exclusive, movable user page (blocks left out)."""
        from kernel_model.reclaim import reclaimable
        frames = self.mem.frames
        owns, refcount, exclusive = frames.owns, frames.refcount, frames.exclusive
        valid, addr = D.VALID, D.ADDR_MASK
        out: dict[int, tuple[AddressSpace, int]] = {}
        for mm in self.mem.spaces:
            if mm.busy or not mm.alive:
                continue
            find = mm.vmas.find
            # Pages come in address order: keep the area found last until va leaves it.
            vma = None
            movable = False
            for base, _, entries in mm.tables.leaf_tables():
                if vma is not None and vma.start <= base and base + HUGE <= vma.end:
                    if not movable:
                        continue            # the whole table lies in an area that stays
                    at = [i for i in compress(range(512), entries) if entries[i] & valid]
                    pas = [entries[i] & addr for i in at]
                    for i, pa, ok in zip(at, pas, exclusive(pas), strict=True):
                        if ok:
                            out[pa] = (mm, base | (i << 12))
                    continue
                for i in compress(range(512), entries):
                    desc = entries[i]
                    if not desc & valid:
                        continue
                    va = base | (i << 12)
                    if vma is None or not vma.start <= va < vma.end:
                        vma = find(va)
                        movable = reclaimable(vma)
                    if not movable:
                        continue
                    pa = desc & addr
                    if owns(pa) and refcount(pa) == 1:
                        out[pa] = (mm, va)
        return out

    def _choose_run(self, ours: list[int], rmap: dict[int, tuple[AddressSpace, int]]
                    ) -> int | None:
        """The 2 MiB run needing the fewest moves whose every frame is free or movable."""
        frames = self.mem.frames
        mine = set(ours)
        best: tuple[int, int] | None = None
        for lo, hi in frames.node_ranges:
            for run in range((lo + HUGE - 1) & ~(HUGE - 1), hi - HUGE + 1, HUGE):
                # Free frames cost one move, movable ones two; any other frame (a table,
                # the kernel's, a shared page) rules the run out.  Frames already in
                # place cost nothing.
                moves = 0
                for pa, is_free, want in zip(range(run, run + HUGE, PAGE),
                                             frames.free_flags(run, run + HUGE), ours, strict=True):
                    if want == pa:
                        continue
                    if is_free:
                        moves += 1
                    elif pa in rmap or pa in mine:
                        moves += 2
                    else:
                        break
                else:
                    if best is None or moves < best[0]:
                        best = (moves, run)
        spare = frames.free_frames - frames.low_watermark // 2
        if best is None or spare < 1:
            return None
        return best[1]

    def _collapse(self, mm: AddressSpace, va: int) -> None:
        """Set every access flag (the block has one) and replace the table by a block."""
        tables = mm.tables
        for i in range(512):
            desc = tables.lookup(va + i * PAGE)
            if not desc & D.AF:
                tables.set(va + i * PAGE, desc | D.AF)
        mm.collapse_huge(va, tables.lookup(va) & D.ADDR_MASK)
