"""A process's address space: areas, real page tables, demand paging, copy-on-write.

Every page the guest touches is faulted in here: zero-filled, read from its
backing, or shared.  Private pages are shared read-only after fork and copied on
the first write.  All memory work happens through the kernel's EL1 face.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from emulator import descriptors as D
from emulator.el1 import El1
from kernel_model.errors import KernelError
from kernel_model.frames import FrameAllocator, OutOfMemory
from kernel_model.pagetable import PageTables, PageTableWriter, lm
from kernel_model.vma import (
    PAGE,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    SharedPages,
    Vma,
    VmaList,
)

log = logging.getLogger(__name__)

SW_COW = 1          # descriptor software bit: private page shared after fork

USER_TOP = 1 << 48
STACK_TOP = 0x0000_FFFF_FFFF_0000
STACK_LIMIT = 8 << 20
MMAP_TOP = STACK_TOP - STACK_LIMIT - (64 << 20)
MMAP_BOTTOM = 0x0000_1000_0000


class FaultResult:
    OK = 0
    SEGV_MAPERR = 1     # no mapping
    SEGV_ACCERR = 2     # mapping forbids the access
    OOM = 3


@dataclass
class MemoryContext:
    """The kernel services an address space needs (shared by all of them)."""

    el1: El1
    frames: FrameAllocator
    writer: PageTableWriter
    stats: object
    clock: object
    invalidate_code: object  # Callable[[int, int], None]: drop translated code for a VA range
    copy_frame: object       # Callable[[int, int], None]: copy a physical page (dst, src)


def _perms(prot: int, writable: bool) -> D.PagePerms:
    return D.PagePerms(user=True, write=writable and bool(prot & PROT_WRITE),
                       user_exec=bool(prot & PROT_EXEC))


class AddressSpace:
    """Areas plus the translation tree that realises them."""

    def __init__(self, ctx: MemoryContext, asid: int) -> None:
        self.ctx = ctx
        self.asid = asid
        self.tables = PageTables(ctx.el1, ctx.writer)
        self.vmas = VmaList()
        self.brk_start = 0
        self.brk = 0
        self.users = 1          # threads/processes sharing this mm (CLONE_VM)
        self.resident = 0

    @property
    def ttbr0(self) -> int:
        return self.tables.root | (self.asid << 48)

    # --- mapping ------------------------------------------------------------
    def map_area(self, vma: Vma) -> None:
        if vma.shared_pages is not None:
            vma.shared_pages.mappers += 1
        self.vmas.insert(vma)

    def unmap_range(self, start: int, end: int) -> None:
        """Remove areas and their pages in [start, end) (munmap)."""
        removed = self.vmas.remove_range(start, end)
        for vma in removed:
            self._drop_pages(vma.start, vma.end)
            sp = vma.shared_pages
            if sp is not None and not self._still_maps(sp):
                sp.mappers -= 1
                if sp.mappers == 0:
                    self._release_shared(sp)
        if removed:
            self.ctx.el1.tlbi_all()

    def _still_maps(self, sp: SharedPages) -> bool:
        return any(v.shared_pages is sp for v in self.vmas)

    def _release_shared(self, sp: SharedPages) -> None:
        writeback = sp.writeback
        for idx, pa in sorted(sp.frames.items()):
            if writeback is not None:
                writeback(idx * PAGE, self.ctx.el1.read(lm(pa), PAGE))
            self.ctx.frames.put(pa)
        sp.frames.clear()

    def _drop_pages(self, start: int, end: int) -> None:
        frames = self.ctx.frames
        for va, desc in list(self.tables.leaves(start, end)):
            self.tables.clear(va)
            frames.put(desc & D.ADDR_MASK)
            self.resident -= 1

    def protect(self, start: int, end: int, prot: int) -> None:
        """mprotect: change area permissions and rewrite present descriptors."""
        for vma in self.vmas.overlapping(start, end):
            lo, hi = max(vma.start, start), min(vma.end, end)
            self.vmas.remove_range(lo, hi)
            self.vmas.insert(replace(vma.slice(lo, hi), prot=prot))
        for va, desc in list(self.tables.leaves(start, end)):
            vma = self.vmas.find(va)
            assert vma is not None
            cow = D.software_bits(desc) & SW_COW
            writable = vma.shared or not cow
            new = D.leaf_descriptor(desc & D.ADDR_MASK, _perms(prot, writable),
                                    software=D.software_bits(desc))
            self.tables.set(va, new)
            if prot & PROT_EXEC:
                self.ctx.invalidate_code(va, PAGE)
        self.ctx.el1.tlbi_all()

    def discard(self, start: int, end: int) -> None:
        """MADV_DONTNEED: private pages read back as zeros (or the file) next time."""
        for vma in self.vmas.overlapping(start, end):
            if not vma.shared:
                self._drop_pages(max(vma.start, start), min(vma.end, end))
        self.ctx.el1.tlbi_all()

    # --- faults ---------------------------------------------------------------
    def handle_fault(self, va: int, write: bool, execute: bool) -> int:
        """Resolve a fault at va; returns a FaultResult code."""
        vma = self.vmas.find(va)
        if vma is None:
            return FaultResult.SEGV_MAPERR
        if write and not vma.prot & PROT_WRITE:
            return FaultResult.SEGV_ACCERR
        if execute and not vma.prot & PROT_EXEC:
            return FaultResult.SEGV_ACCERR
        if not vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC):
            return FaultResult.SEGV_ACCERR
        page_va = va & ~(PAGE - 1)
        try:
            desc = self.tables.lookup(page_va)
            if desc & D.VALID:
                if write and D.software_bits(desc) & SW_COW:
                    self._break_cow(vma, page_va, desc)
                    return FaultResult.OK
                # Present and allowed: a stale translation; the retry will succeed.
                return FaultResult.OK
            self._populate(vma, page_va)
        except OutOfMemory:
            return FaultResult.OOM
        return FaultResult.OK

    def _populate(self, vma: Vma, page_va: int) -> None:
        ctx = self.ctx
        stats = ctx.stats
        if vma.shared_pages is not None:
            sp = vma.shared_pages
            idx = (vma.offset + page_va - vma.start) // PAGE
            pa = sp.frames.get(idx)
            if pa is None:
                pa = self._fresh_frame(vma, page_va)
                sp.frames[idx] = pa
            ctx.frames.get(pa)
            self.tables.set(page_va, D.leaf_descriptor(pa, _perms(vma.prot, True)))
        else:
            pa = self._fresh_frame(vma, page_va)
            self.tables.set(page_va, D.leaf_descriptor(pa, _perms(vma.prot, True)))
        self.resident += 1
        stats.inc("kernel.mm.page_faults")
        if vma.prot & PROT_EXEC:
            ctx.invalidate_code(page_va, PAGE)

    def _fresh_frame(self, vma: Vma, page_va: int) -> int:
        """A new frame holding the page's initial contents."""
        ctx = self.ctx
        pa = ctx.frames.alloc()
        dst = lm(pa)
        content = b""
        if vma.backing is not None and page_va < vma.file_end:
            content = vma.backing.read_page(vma.offset + page_va - vma.start)
            limit = vma.file_end - page_va
            if len(content) > limit:
                content = content[:limit]
        if content:
            ctx.el1.write(dst, content)
            if len(content) < PAGE:
                ctx.el1.fill(dst + len(content), 0, PAGE - len(content))
            ctx.clock.charge("page_copy")
            ctx.stats.inc("kernel.mm.file_pages")
        else:
            ctx.el1.fill(dst, 0, PAGE)
            ctx.clock.charge("page_zero")
            ctx.stats.inc("kernel.mm.zero_pages")
        return pa

    def _break_cow(self, vma: Vma, page_va: int, desc: int) -> None:
        ctx = self.ctx
        old = desc & D.ADDR_MASK
        if ctx.frames.refcount(old) == 1:
            new_pa = old   # last user: take the page over without copying
            ctx.stats.inc("kernel.mm.cow_reuse")
        else:
            new_pa = ctx.frames.alloc()
            try:
                ctx.copy_frame(new_pa, old)
            except Exception:
                ctx.frames.put(new_pa)
                raise
            ctx.frames.put(old)
            ctx.stats.inc("kernel.mm.cow_copies")
        self.tables.set(page_va, D.leaf_descriptor(new_pa, _perms(vma.prot, True)))
        ctx.el1.tlbi_va(page_va)
        if vma.prot & PROT_EXEC:
            ctx.invalidate_code(page_va, PAGE)

    # --- fork / teardown ----------------------------------------------------
    def fork(self, asid: int, before_copy: Callable[[AddressSpace], None] | None = None
             ) -> AddressSpace:
        """A copy-on-write duplicate (the child's address space).

        `before_copy` runs once the child's root exists and before any page is
        shared into it (the Guardian must learn the child's domain first).
        """
        child = AddressSpace(self.ctx, asid)
        if before_copy is not None:
            before_copy(child)
        child.brk_start, child.brk = self.brk_start, self.brk
        frames = self.ctx.frames
        for vma in self.vmas:
            child.map_area(vma)
        for va, desc in list(self.tables.leaves()):
            vma = self.vmas.find(va)
            pa = desc & D.ADDR_MASK
            frames.get(pa)
            if vma is None or vma.shared:
                child.tables.set(va, desc)
            else:
                perms = _perms(vma.prot, False)
                ro = D.leaf_descriptor(pa, perms, software=SW_COW)
                if desc != ro:
                    self.tables.set(va, ro)
                child.tables.set(va, ro)
            child.resident += 1
        self.ctx.el1.tlbi_all()
        return child

    def destroy(self) -> None:
        """Release every page, shared region and table (exit or exec)."""
        for vma in list(self.vmas):
            self.unmap_range(vma.start, vma.end)
        self.tables.destroy()

    # --- area placement -----------------------------------------------------
    def find_free(self, length: int, hint: int = 0) -> int:
        if hint and hint % PAGE == 0 and MMAP_BOTTOM <= hint and hint + length <= MMAP_TOP \
                and self.vmas.is_free(hint, hint + length):
            return hint
        start = self.vmas.find_gap_topdown(length, MMAP_TOP, MMAP_BOTTOM)
        if start is None:
            raise KernelError(errno.ENOMEM)
        return start
