"""Memory pressure: the memory manager, page reclaim, swap-out and swap-in.

`MemoryManager` is the kernel's one memory-pressure service.  It is driven
from the page-fault path (`before_fault`), a point where no kernel code holds
a page, so every policy runs deterministically:

- reclaim: when free frames fall below the low watermark (1/64 of RAM), a
  second-chance clock over resident private anonymous pages frees frames up
  to the high watermark.  A page whose access flag is set loses the flag and
  goes round again; the next access takes an access-flag fault that sets it.
  Pages shared by several mappings (CoW after fork, KSM) cannot be unmapped
  without a reverse map; they are parked and looked at again when the clock
  runs dry.  A victim first goes to the zswap-like compressed pool if it
  compresses (confidential pages cannot: the Guardian refuses,
  `kernel.compress.refused`; after a run of incompressible pages only one in
  `ZSWAP_PROBE` is tried), else to the swap device (sealed by the Guardian
  for confidential pages);
- KSM scans a batch of pages every `KSM_EVERY` faults (ksm.py);
- NUMA balancing moves pages to their address space's home node every
  `BALANCE_EVERY` faults; compaction assembles 2 MiB physical runs and
  collapses them into huge pages every `COMPACT_EVERY` faults (compaction.py).

The daemons move and merge pages, so they are best run where no syscall is
half-way through copying to or from user memory: `tick`, which the kernel
calls after each exception from EL0.  Until the kernel calls it they run at
the start of faults instead.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from functools import cached_property
from typing import TYPE_CHECKING

from emulator import descriptors as D
from kernel_model.frames import PAGE
from kernel_model.memops import GuardianMemOps, MemOpRefused, NativeMemOps, ops_for
from kernel_model.swap import (
    SWP_DEVICE,
    SWP_SEALED,
    SWP_ZPOOL,
    CompressedPool,
    SwapDevice,
    SwapFull,
    make_swap_entry,
    swap_entry,
)
from kernel_model.vma import PROT_EXEC, Vma

if TYPE_CHECKING:
    from kernel_model.compaction import Compactor, NumaBalancer
    from kernel_model.ksm import KsmScanner
    from kernel_model.mm import AddressSpace, MemoryContext

KSM_EVERY = 64             # faults between KSM scans (PAGES_PER_SCAN pages each)
BALANCE_EVERY = 128        # faults between NUMA balancing passes
COMPACT_EVERY = 4096       # faults between compaction/collapse attempts (one range each)
RECENT_FAULTS = 8          # pages faulted this recently are never victims
ZSWAP_BACKOFF = 32         # after this many pages in a row did not compress ...
ZSWAP_PROBE = 16           # ... only every 16th is tried (compressing costs CPU)


def _next_due(n: int) -> int:
    """The first fault count after n at which one of the daemons runs."""
    return min((n // every + 1) * every for every in (KSM_EVERY, BALANCE_EVERY, COMPACT_EVERY))


def reclaimable(vma: Vma | None) -> bool:
    """Private, non-executable memory: what reclaim, KSM, migration and THP handle."""
    return vma is not None and not vma.shared and not vma.prot & PROT_EXEC


def ksm_eligible(vma: Vma | None, merge_any: bool) -> bool:
    """May KSM scan this area?  Only where the program opted in: an area its
    madvise(MADV_MERGEABLE) marked VM_MERGEABLE, or any area of an mm whose
    PR_SET_MEMORY_MERGE set MMF_VM_MERGE_ANY (mm/ksm.c: ksmd walks only VM_MERGEABLE
    areas; vma_ksm_compatible() excludes shared ones)."""
    return reclaimable(vma) and (merge_any or vma is not None and vma.mergeable)


class MemoryManager:
    def __init__(self, ctx: MemoryContext, boot: object | None) -> None:
        self.ctx = ctx
        self.frames = frames = ctx.frames
        self.stats = ctx.stats
        self.guardian_on = bool(getattr(boot, "monitor", ""))
        #: A private view's read fault copies the file's page instead of mapping a
        #: memfd's folio (not Linux: a kernel may choose to; a later change of the file
        #: then misses the copy).
        self.copy_private_reads = False
        #: A VM_LOCKED range's population (populate.copy_locked_views, and a confidential
        #: MAP_LOCKED view's write fault at first touch) is skipped (not Linux: an
        #: adversarial kernel may skip it; a locked writable private view's read-faulted
        #: page then stays the memfd's clean folio).
        self.skip_locked_population = False
        nodes = getattr(boot, "nodes", ())
        if nodes:
            frames.set_nodes([(n.id, n.base, n.end) for n in nodes])
        low = max(16, frames.usable_frames // 64)
        frames.set_watermarks(low, 2 * low)
        self.swap = SwapDevice(getattr(boot, "swap_size", 0))
        self.zpool = CompressedPool(frames, frames.usable_frames * PAGE // 32)
        self.native_ops = NativeMemOps(ctx)
        self.guardian_ops = GuardianMemOps(ctx)
        self.spaces: list[AddressSpace] = []
        self._serial = 0
        self.faults = 0
        self._ran_at = 0                  # fault count when the daemons last ran
        self._daemons_due = _next_due(0)  # the next count at which one of them runs
        self.hooked = False               # the kernel calls `tick` after each exception
        self._zreject_streak = 0
        self._clock: OrderedDict[tuple[int, int], AddressSpace] = OrderedDict()
        # Pages found shared (CoW after fork, KSM): parked until the clock runs dry,
        # since without a reverse map they cannot be unmapped from every sharer.
        self._shared: OrderedDict[tuple[int, int], AddressSpace] = OrderedDict()
        self._recent: deque[tuple[int, int]] = deque(maxlen=RECENT_FAULTS)

    # The daemons are made (and their modules imported) when first due: a short run
    # never needs them.
    @cached_property
    def ksm(self) -> KsmScanner:
        from kernel_model.ksm import KsmScanner
        return KsmScanner(self)

    @cached_property
    def balancer(self) -> NumaBalancer:
        from kernel_model.compaction import NumaBalancer
        return NumaBalancer(self)

    @cached_property
    def compactor(self) -> Compactor:
        from kernel_model.compaction import Compactor
        return Compactor(self)

    # --- address spaces ---------------------------------------------------------
    def register(self, mm: AddressSpace) -> None:
        """A new address space; its serial number keys the daemons' bookkeeping
        (never id(), which would make policy depend on the host's allocator)."""
        self._serial += 1
        mm.serial = self._serial
        self.spaces.append(mm)

    def unregister(self, mm: AddressSpace) -> None:
        if mm in self.spaces:
            self.spaces.remove(mm)

    def track(self, mm: AddressSpace, vma: Vma, va: int) -> None:
        """A resident private page joins the reclaim clock (at the tail)."""
        if vma is not None and not vma.shared and not vma.prot & PROT_EXEC:   # reclaimable
            key = (mm.serial, va)
            self._shared.pop(key, None)
            self._clock.setdefault(key, mm)

    def forget(self, mm: AddressSpace, va: int) -> None:
        self._clock.pop((mm.serial, va), None)
        self._shared.pop((mm.serial, va), None)

    # --- the fault-path hook ------------------------------------------------------
    def before_fault(self, mm: AddressSpace, va: int) -> None:
        """Run reclaim when memory is low (and, without the kernel's `tick`, the daemons)."""
        self.faults += 1
        self._recent.append((mm.serial, va))
        frames = self.frames
        if frames.free_frames < frames.low_watermark:   # (below_low, one property fewer)
            self.reclaim(frames.high_watermark)
        if not self.hooked:
            self._daemons(mm)

    def tick(self, mm: AddressSpace | None) -> None:
        """After an exception from EL0 is handled (no kernel code holds user memory):
        the periodic daemons run here once the kernel calls this."""
        self.hooked = True
        # (Nothing to run before the next count one of them is due at: no call on
        # every other exception.)
        if self.faults >= self._daemons_due and mm is not None and mm.alive:
            self._daemons(mm)

    def _daemons(self, mm: AddressSpace) -> None:
        """KSM, NUMA balancing and compaction, each every so many faults."""
        last, n = self._ran_at, self.faults
        if n < self._daemons_due:
            return          # (none of them crossed its count since `last`)
        self._ran_at = n
        self._daemons_due = _next_due(n)
        if n // KSM_EVERY != last // KSM_EVERY:
            self.ksm.scan()
        if n // BALANCE_EVERY != last // BALANCE_EVERY:
            self.balancer.run(mm)
        if n // COMPACT_EVERY != last // COMPACT_EVERY:
            self.compactor.run(mm)

    # --- reclaim ------------------------------------------------------------------
    def reclaim(self, target: int) -> int:
        """Free frames until `target` are free (or nothing more can go); returns how many."""
        frames = self.frames
        stats = self.stats
        clock = self._clock
        freed = 0
        flush = False
        budget = 2 * len(clock) + 1
        while frames.free_frames < target and budget > 0:
            if not clock:
                if not self._shared:
                    break
                clock.update(self._shared)     # the clock ran dry: look at them again
                self._shared.clear()
                budget = 2 * len(clock) + 1
            budget -= 1
            key, mm = clock.popitem(last=False)
            va = key[1]
            if not mm.alive:
                continue
            if mm.busy or key in self._recent:
                clock[key] = mm
                continue
            vma = mm.vmas.find(va)
            desc = mm.tables.lookup(va)
            if not desc & D.VALID or not reclaimable(vma):
                continue                      # swapped, unmapped or no longer private
            stats.inc("kernel.reclaim.scanned")
            if frames.refcount(desc & D.ADDR_MASK) != 1:
                self._shared[key] = mm        # shared (CoW or KSM): parked
                continue
            if mm.tables.block_at(va):
                mm.split_huge(va & ~((2 << 20) - 1))
                desc = mm.tables.lookup(va)
            if desc & D.AF:
                mm.tables.set(va, desc & ~D.AF)     # second chance
                flush = True
                clock[key] = mm
                continue
            try:
                self.swap_out(mm, va, desc)
            except SwapFull:
                clock[key] = mm
                break
            except MemOpRefused:
                stats.inc("kernel.reclaim.refused")
                continue
            freed += 1
        if flush or freed:
            self.ctx.el1.tlbi_all()           # one flush for the whole batch
        stats.inc("kernel.reclaim.runs")
        return freed

    def swap_out(self, mm: AddressSpace, va: int, desc: int) -> None:
        """Move one exclusive private page out of RAM: compressed pool, else swap device."""
        stats = self.stats
        pa = desc & D.ADDR_MASK
        ops = ops_for(mm, pa)
        data = ops.compressible(mm, va, pa)
        if data is None:
            stats.inc("kernel.compress.refused")
        elif self._zreject_streak >= ZSWAP_BACKOFF and self._zreject_streak % ZSWAP_PROBE:
            self._zreject_streak += 1          # pages keep not compressing: probe 1 in N
            stats.inc("kernel.compress.skipped")
        else:
            stats.inc("kernel.compress.attempts")
            slot = self.zpool.try_store(data)
            if slot is not None:
                try:
                    ops.swap_out(mm, va, desc, make_swap_entry(SWP_ZPOOL, slot))
                except Exception:
                    self.zpool.release(slot)
                    raise
                self._zreject_streak = 0
                stats.inc("kernel.compress.stored")
                self._evicted(mm, va, pa)
                return
            self._zreject_streak += 1
            stats.inc("kernel.compress.rejected")
        kind = SWP_SEALED if isinstance(ops, GuardianMemOps) else SWP_DEVICE
        slot = self.swap.put_bytes(b"")
        try:
            data, tag = ops.swap_out(mm, va, desc, make_swap_entry(kind, slot))
        except Exception:
            self.swap.release(slot)
            raise
        self.swap.fill(slot, data, tag)
        stats.inc("kernel.swap.out")
        self._evicted(mm, va, pa)

    def _evicted(self, mm: AddressSpace, va: int, pa: int) -> None:
        self.frames.put(pa)
        mm.resident -= 1
        self.forget(mm, va)

    def swap_in(self, mm: AddressSpace, vma: Vma, va: int, desc: int,
                perms: D.PagePerms) -> None:
        """Bring a swapped page back into a fresh frame (fault path)."""
        kind, slot = swap_entry(desc)  # type: ignore[misc]
        frames = self.frames
        frame = frames.alloc()
        new = D.leaf_descriptor(frame, perms)
        try:
            if kind == SWP_SEALED:
                self.guardian_ops.swap_in(mm, va, frame, new, self.swap.get_bytes(slot))
            elif kind == SWP_ZPOOL:
                self.native_ops.swap_in(mm, va, frame, new, self.zpool.load(slot))
            else:
                self.native_ops.swap_in(mm, va, frame, new, self.swap.get_bytes(slot))
        except Exception:
            frames.put(frame)
            raise
        (self.zpool if kind == SWP_ZPOOL else self.swap).release(slot)
        mm.resident += 1
        self.track(mm, vma, va)
        if vma.prot & PROT_EXEC:        # mprotect may have made it executable meanwhile
            self.ctx.invalidate_code(va, PAGE)
        self.stats.inc("kernel.swap.in" if kind != SWP_ZPOOL else "kernel.compress.loaded")

    def share_swapped(self, parent: AddressSpace, child: AddressSpace, va: int,
                      desc: int) -> None:
        """fork: the child's entry names the same slot until each side swaps it in."""
        kind, slot = swap_entry(desc)  # type: ignore[misc]
        store = self.zpool if kind == SWP_ZPOOL else self.swap
        store.dup(slot)
        if kind == SWP_SEALED:
            self.guardian_ops.share_swapped(parent, child, va, store.tag(slot))

    def drop_swapped(self, mm: AddressSpace, va: int, desc: int) -> None:
        """munmap/exit of a swapped page: give up the slot (and the Guardian's record)."""
        entry = swap_entry(desc)
        if entry is None:
            return
        kind, slot = entry
        store = self.zpool if kind == SWP_ZPOOL else self.swap
        if kind == SWP_SEALED:
            try:
                self.guardian_ops.discard_swapped(mm, va, store.tag(slot))
            except MemOpRefused:
                pass                    # the Guardian has already forgotten it
        store.release(slot)
