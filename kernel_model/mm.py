"""A process's address space: areas, real page tables, demand paging, copy-on-write.

Every page the guest touches is faulted in (page_faults.py, mixed in here):
zero-filled, read from its backing, shared, or swapped back in.  Private pages are
shared read-only after fork and copied on the first write.  All memory work happens
through the kernel's EL1 face; the memory-pressure machinery (reclaim and swap, KSM,
NUMA balancing, compaction and huge pages) lives in `MemoryManager` (reclaim.py)
and runs at the start of a fault or after an exception, points where no kernel
code holds a page.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import compress

from abi import Call
from abi.layout import (
    USER_TOP,  # noqa: F401 - the user half, for the kernel's modules
)
from emulator import descriptors as D
from emulator.el1 import El1
from kernel_model.errors import KernelError
from kernel_model.frames import FrameAllocator, OutOfMemory
from kernel_model.memops import MemOpRefused
from kernel_model.page_faults import SW_COW as SW_COW  # importable here too
from kernel_model.page_faults import FaultResult as FaultResult  # importable here too
from kernel_model.page_faults import PageFaults, leaf_perms, maps_folio
from kernel_model.pagetable import MediatedTableWriter, NativeTableWriter, PageTableWriter, lm
from kernel_model.reclaim import MemoryManager
from kernel_model.swap import SWP_SEALED, swap_entry
from kernel_model.thp import HUGE, HugePages, UserPageTables
from kernel_model.vma import (
    PAGE,
    PROT_EXEC,
    SharedPages,
    Vma,
    VmaList,
)

log = logging.getLogger(__name__)

STACK_TOP = 0x0000_FFFF_FFFF_0000
STACK_LIMIT = 8 << 20
MMAP_TOP = STACK_TOP - STACK_LIMIT - (64 << 20)
MMAP_BOTTOM = 0x0000_1000_0000


@dataclass(eq=False, repr=False)
class MemoryContext:
    """The kernel services an address space needs (shared by all of them)."""

    el1: El1
    frames: FrameAllocator
    writer: PageTableWriter
    stats: object
    clock: object
    invalidate_code: object  # Callable[[int, int], None]: drop translated code for a VA range
    copy_frame: object       # Callable[[int, int], None]: copy a physical page (dst, src)
    boot: object | None = None   # BootInfo: memory nodes, swap size, whether a monitor runs
    make_address_space: object = None   # Callable[[MemoryContext, int], AddressSpace] (rack)
    memory: MemoryManager = field(init=False)

    def __post_init__(self) -> None:
        boot = self.boot
        if boot is None:     # older callers: the kernel that owns copy_frame knows it
            boot = getattr(getattr(self.copy_frame, "__self__", None), "boot_info", None)
        self.memory = MemoryManager(self, boot)

    @property
    def guardian_on(self) -> bool:
        return self.memory.guardian_on


@contextmanager
def no_memory_is_enomem() -> Iterator[None]:
    """A syscall that must split a huge page (a table frame) fails with ENOMEM if RAM is out."""
    try:
        yield
    except OutOfMemory:
        raise KernelError(errno.ENOMEM, "no frame to split a huge page") from None


def release_shared(ctx: MemoryContext, sp: SharedPages) -> None:
    """The last mapping of a shared region went (or, for a memfd's pages, the memfd was
    closed too): write file pages back and free the frames.  A confidential memfd's
    frames are the Guardian's until reclaimed (it held them when their last mapping
    went); they are released only once the memfd is closed and nothing maps them."""
    if sp.file_cache and (sp.file_open or sp.mappers):
        return
    writeback = sp.writeback
    for idx, pa in sorted(sp.frames.items()):
        if sp.file_cache:
            status, _ = ctx.el1.hvc(Call.RECLAIM_PAGE, pa)
            if status:
                log.warning("the Guardian did not give back frame %#x (status %d)", pa, status)
                continue        # still the Guardian's: never reused by the kernel
        elif writeback is not None:
            writeback(idx * PAGE, ctx.el1.read(lm(pa), PAGE))
        ctx.frames.put(pa)
    sp.frames.clear()
    sp.released()


class AddressSpace(HugePages, PageFaults):
    """Areas plus the translation tree that realises them."""

    def __init__(self, ctx: MemoryContext, asid: int) -> None:
        self.ctx = ctx
        self.asid = asid
        #: the REGISTER_* membarrier commands this mm made (mm->membarrier_state)
        self.membarrier_state = 0
        self.tables = UserPageTables(ctx.el1, ctx.writer)
        self.tables.split_hook = self.split_huge
        self.vmas = VmaList()
        self.brk_start = 0
        self.brk = 0
        self.users = 1          # threads/processes sharing this mm (CLONE_VM)
        self.dumpable = 1       # mm->flags' dumpable mode (SUID_DUMP_USER: PR_SET_DUMPABLE)
        self.resident = 0
        #: True once its frames are known to be the Guardian's (None: not known to be).
        self.confidential: bool | None = None
        self.compress_refused = False   # the Guardian said no to compressing its pages
        #: PR_SET_MEMORY_MERGE (MMF_VM_MERGE_ANY): KSM may merge every eligible area, not
        #: only those madvise(MADV_MERGEABLE) marked.  Kept by fork; a new mm at exec starts
        #: without it here (Linux 6.7's ksm_execve() keeps it through exec, but a new
        #: confidential domain starts with nothing it agreed to merge: the program asks anew).
        self.merge_any = False
        #: mlockall(MCL_FUTURE): VM_LOCKED in mm->def_flags, so every later mmap is locked
        #: until munlockall(); a fork child's mm and exec's new one start without it
        #: (mm_init(): def_flags & VM_INIT_DEF_MASK)
        self.lock_future = False
        #: ... with VM_LOCKONFAULT too (mlockall(MCL_FUTURE | MCL_ONFAULT)): a later
        #: mmap's area, MAP_LOCKED or not, is never populated (populate_vma_page_range())
        self.lock_future_onfault = False
        self.alive = True
        self.busy = 0           # >0 while fork walks it: the daemons keep their hands off
        self.home_node = asid % ctx.frames.node_count()
        self.serial = 0         # set by the memory manager
        ctx.memory.register(self)

    @property
    def ttbr0(self) -> int:
        return self.tables.root | (self.asid << 48)

    # --- mapping ------------------------------------------------------------
    def map_area(self, vma: Vma) -> None:
        sp = vma.shared_pages or vma.folio_pages
        if sp is not None and not ((sp.file_cache or sp.per_space) and self._still_maps(sp)):
            sp.mappers += 1     # (a memfd's pages count each address space once)
        self.vmas.insert(vma)

    def unmap_range(self, start: int, end: int) -> None:
        """Remove areas and their pages in [start, end) (munmap)."""
        with no_memory_is_enomem():
            self._unmap_range(start, end)

    def _unmap_range(self, start: int, end: int) -> None:
        removed = self.vmas.remove_range(start, end)
        for vma in removed:
            self._drop_pages(vma.start, vma.end)
            self._forget_shared(vma)
        if removed:
            self.ctx.el1.tlbi_all()

    def _forget_shared(self, vma: Vma) -> None:
        """An area went: its shared region (or a private view's page cache) loses a
        mapper if no other area maps it."""
        sp = vma.shared_pages or vma.folio_pages
        if sp is not None and not self._still_maps(sp):
            sp.mappers -= 1
            if sp.mappers == 0:
                self._release_shared(sp)

    def _still_maps(self, sp: SharedPages) -> bool:
        return any(v.shared_pages is sp or v.folio_pages is sp for v in self.vmas)

    def _release_shared(self, sp: SharedPages) -> None:
        release_shared(self.ctx, sp)

    def _drop_pages(self, start: int, end: int, clear: bool = True) -> None:
        """Release the pages of [start, end); `clear=False` leaves their entries in a
        tree that is about to be freed whole (nothing walks it again)."""
        frames = self.ctx.frames
        mem = self.ctx.memory
        tables = self.tables
        if tables.blocks:       # whole huge pages go in one entry; partial ones are split
            kept: list[int] = []    # blocks released but left in the tree (clear=False)
            for va in range((start + HUGE - 1) & ~(HUGE - 1), end - HUGE + 1, HUGE):
                block = tables.block_at(va)
                if block:
                    base = D.output_address(tables.clear_block(va) if clear else block, 2)
                    for i in range(512):
                        frames.put(base + i * PAGE)
                        mem.forget(self, va + i * PAGE)
                    self.resident -= 512
                    if not clear:
                        kept.append(va)
            if kept:
                # zap_pmd_range(): a huge PMD is zapped once (zap_huge_pmd()) and the walk
                # goes on after it; its pages are not released again as page entries.
                lo = start
                for va in kept:
                    if lo < va:
                        self._drop_small_pages(lo, va, clear)
                    lo = va + HUGE
                if lo < end:
                    self._drop_small_pages(lo, end, clear)
                return
        self._drop_small_pages(start, end, clear)

    def _drop_small_pages(self, start: int, end: int, clear: bool) -> None:
        """`_drop_pages` below the whole huge pages: page entries and partial blocks."""
        frames = self.ctx.frames
        mem = self.ctx.memory
        tables = self.tables
        # With the kernel's own writer nothing below walks or changes the tree but these
        # clears, so each entry is cleared in the table the walk found it in.  (Through the
        # Guardian every clear is a call of its own, and each walks again.)
        direct = clear and isinstance(self.ctx.writer, NativeTableWriter)
        if direct and isinstance(tables.writer, NativeTableWriter) \
                and not tables.el1.tracer.enabled and not tables.blocks_overlap(start, end):
            self._drop_table_spans(start, end)
            return
        # Through the Guardian, consecutive present pages of one level-3 table are
        # cleared in one CLEAR_PT_RANGE call; their frames are released after it, in order.
        batch = clear and not direct and isinstance(tables.writer, MediatedTableWriter)
        run: list[tuple[int, int]] = []
        run_leaf = 0
        for va, desc, leaf in list(tables.entry_slots(start, end)):
            if batch and leaf is not None and desc & D.VALID:
                if run and (leaf != run_leaf or va != run[-1][0] + PAGE):
                    self._release_run(run_leaf, run)
                    run = []
                run_leaf = leaf
                run.append((va, desc))
                continue
            if run:
                self._release_run(run_leaf, run)
                run = []
            if desc & D.VALID:
                if clear:
                    if direct and leaf is not None:
                        tables.clear_in(leaf, va, desc)
                    else:
                        tables.clear(va)
                frames.put(desc & D.ADDR_MASK)
                self.resident -= 1
            else:
                mem.drop_swapped(self, va, desc)
                if clear:
                    if direct and leaf is not None:
                        tables.clear_in(leaf, va, desc)
                    else:
                        tables.clear(va)
            mem.forget(self, va)
        if run:
            self._release_run(run_leaf, run)

    def _release_run(self, leaf: int, run: list[tuple[int, int]]) -> None:
        """Clear a run of present pages of one table, then release their frames."""
        self.tables.clear_run(leaf, run)
        put, forget = self.ctx.frames.put, self.ctx.memory.forget
        for va, desc in run:
            put(desc & D.ADDR_MASK)
            self.resident -= 1
            forget(self, va)

    def _drop_table_spans(self, start: int, end: int) -> None:
        """`_drop_pages` with the kernel's own writer, no tracer and no block in range:
        each level-3 table's entries in range are released in one loop and cleared in
        one write (what the per-entry clears would leave, without 512 writes a table)."""
        frames = self.ctx.frames
        mem = self.ctx.memory
        put, forget = frames.put, mem.forget
        writer = self.tables.writer
        assert isinstance(writer, NativeTableWriter)
        valid, addr = D.VALID, D.ADDR_MASK
        dropped = 0
        for base, leaf, entries in self.tables.leaf_tables(start, end):
            lo = (start - base) >> 12 if start > base else 0
            hi = min((end - base + PAGE - 1) >> 12, 512)
            first = -1
            i = -1
            for i in compress(range(lo, hi), entries[lo:hi]):
                desc = entries[i]
                va = base | (i << 12)
                if desc & valid:
                    put(desc & addr)
                    dropped += 1
                else:
                    mem.drop_swapped(self, va, desc)
                forget(self, va)
                if first < 0:
                    first = i
            if first >= 0:
                writer.clear_entries(leaf, first, i + 1)
        self.resident -= dropped

    def protect(self, start: int, end: int, prot: int) -> None:
        """mprotect: change area permissions and rewrite present descriptors."""
        with no_memory_is_enomem():
            self._protect(start, end, prot)

    def _protect(self, start: int, end: int, prot: int) -> None:
        for vma in self.vmas.overlapping(start, end):
            lo, hi = max(vma.start, start), min(vma.end, end)
            self.vmas.remove_range(lo, hi)
            self.vmas.insert(replace(vma.slice(lo, hi), prot=prot))
        for va, desc in list(self.tables.leaves(start, end)):
            vma = self.vmas.find(va)
            assert vma is not None
            cow = D.software_bits(desc) & SW_COW
            # change_pte_range(): a private file page still read-only stays so (only an
            # exclusive anonymous page may be made writable, can_change_pte_writable());
            # the first store write-faults and copies it (wp_page_copy())
            clean = not vma.shared and vma.backing is not None and bool(desc & D.AP_RO)
            writable = vma.shared or not (cow or clean)
            new = D.leaf_descriptor(desc & D.ADDR_MASK, leaf_perms(prot, writable),
                                    software=D.software_bits(desc))
            self.tables.set(va, new)
            if prot & PROT_EXEC:
                self.ctx.invalidate_code(va, PAGE)
        self.ctx.el1.tlbi_all()

    def zap(self, start: int, end: int) -> None:
        """unmap_mapping_range(): the pages of [start, end) go, their areas stay (the
        caller invalidates the TLB)."""
        with no_memory_is_enomem():
            self._drop_pages(start, end)

    def discard(self, start: int, end: int) -> None:
        """MADV_DONTNEED: private pages read back as zeros (or the file) next time."""
        with no_memory_is_enomem():
            for vma in self.vmas.overlapping(start, end):
                if not vma.shared:
                    self._drop_pages(max(vma.start, start), min(vma.end, end))
        self.ctx.el1.tlbi_all()

    # --- fork / teardown ----------------------------------------------------
    def fork(self, asid: int, before_copy: Callable[[AddressSpace], None] | None = None
             ) -> AddressSpace:
        """A copy-on-write duplicate (the child's address space).

        `before_copy` runs once the child's root exists and before any page is
        shared into it (the Guardian must learn the child's domain first).
        """
        child = AddressSpace(self.ctx, asid)
        child.confidential = self.confidential
        child.compress_refused = self.compress_refused
        child.merge_any = self.merge_any
        child.dumpable = self.dumpable  # (dup_mm(): MMF_INIT_MASK keeps MMF_DUMPABLE_MASK)
        if before_copy is not None:
            before_copy(child)
        child.brk_start, child.brk = self.brk_start, self.brk
        frames = self.ctx.frames
        mem = self.ctx.memory
        if frames.below_low:        # room for the child's tables (and huge-page splits)
            mem.reclaim(frames.high_watermark)
        self.busy += 1
        try:
            self.split_all_huge()
            for vma in self.vmas:
                if not vma.dont_fork:           # MADV_DONTFORK: the child has no such area
                    # dup_mmap(): the child's areas are not locked (VM_LOCKED_MASK cleared)
                    child.map_area(replace(vma, locked=False, onfault=False) if vma.locked
                                   else vma)
            for va, desc in list(self.tables.entries()):
                vma = self.vmas.find(va)
                if vma is not None and (vma.dont_fork or vma.wipe_on_fork):
                    continue        # no page goes over: wiped (zero on touch) or no area
                if not desc & D.VALID:          # swapped out: both share the slot
                    mem.share_swapped(self, child, va, desc)
                    child.tables.set(va, desc)
                    continue
                pa = desc & D.ADDR_MASK
                frames.get(pa)
                if vma is None or vma.shared:
                    child.tables.set(va, desc)
                else:
                    perms = leaf_perms(vma.prot, False)
                    ro = D.leaf_descriptor(pa, perms, software=SW_COW)
                    if desc != ro:
                        self.tables.set(va, ro)
                    child.tables.set(va, ro)
                    if not maps_folio(vma, va, pa):     # (the file's folio: never swapped)
                        mem.track(child, vma, va)
                child.resident += 1
        except OutOfMemory:
            self.ctx.el1.tlbi_all()
            child.destroy()
            raise KernelError(errno.ENOMEM, "no memory for the child's tables") from None
        finally:
            self.busy -= 1
        self.ctx.el1.tlbi_all()
        return child

    def movable_entries(self, start: int, end: int) -> list[tuple[int, int]]:
        """mremap: the entries (present and swapped) to carry to a new address.

        A page sealed by the Guardian is bound to its virtual address, so it is
        swapped back in first; a plain swap entry moves as it is.
        """
        mem = self.ctx.memory
        frames = self.ctx.frames
        self.busy += 1          # reclaim must not send the range back out meanwhile
        try:
            for va, desc in list(self.tables.entries(start, end)):
                entry = swap_entry(desc)
                vma = self.vmas.find(va)
                if entry is not None and entry[0] == SWP_SEALED and vma is not None:
                    if frames.below_low:
                        mem.reclaim(frames.high_watermark)
                    mem.swap_in(self, vma, va, desc, leaf_perms(vma.prot, True))
        except (OutOfMemory, MemOpRefused) as exc:
            raise KernelError(errno.ENOMEM, str(exc)) from None
        finally:
            self.busy -= 1
        for va, _ in self.tables.leaves(start, end):
            mem.forget(self, va)
        return list(self.tables.entries(start, end))

    def destroy(self) -> None:
        """Release every page, shared region and table (exit or exec)."""
        if self.confidential:
            # Tell the Guardian first: its pages may go only with the address space.
            self.ctx.el1.hvc(Call.EXIT_DOMAIN, self.tables.root)
        if isinstance(self.ctx.writer, NativeTableWriter) and not self.ctx.el1.tracer.enabled:
            # The kernel's own tables, untraced: the tree is freed whole, so its entries
            # are not cleared one by one first (a monitor counts each mapping, and a
            # trace records each table write: those still see every clear).
            with no_memory_is_enomem():
                for vma in list(self.vmas):
                    for gone in self.vmas.remove_range(vma.start, vma.end):
                        self._drop_pages(gone.start, gone.end, clear=False)
                        self._forget_shared(gone)
            self.ctx.el1.tlbi_all()
        else:
            for vma in list(self.vmas):
                self.unmap_range(vma.start, vma.end)
        self.tables.destroy()
        self.alive = False
        self.ctx.memory.unregister(self)

    # --- area placement -----------------------------------------------------
    def find_free(self, length: int, hint: int = 0) -> int:
        if hint and hint % PAGE == 0 and MMAP_BOTTOM <= hint and hint + length <= MMAP_TOP \
                and self.vmas.is_free(hint, hint + length):
            return hint
        start = self.vmas.find_gap_topdown(length, MMAP_TOP, MMAP_BOTTOM)
        if start is None:
            raise KernelError(errno.ENOMEM)
        return start
