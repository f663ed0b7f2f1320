"""A process's address space on a rack: one translation tree per compute blade.

The areas (VMAs), brk and the process-wide bookkeeping are the process's, kept once at its home
blade.  Each compute blade's kernel builds its own page tables for the process in its own DRAM
(with an ASID from its own range), mapping only pages present in that blade's DRAM: a miss there is a page fault, and the fault is a request to
the switch.  A page arrives read-only (shared) or writable (exclusive) as the directory grants
it; an invalidation unmaps it, or turns it read-only, and flushes the TLB entry.
"""

from __future__ import annotations

import errno
from dataclasses import replace
from typing import TYPE_CHECKING

from emulator import descriptors as D
from emulator.rack.packets import make_fva
from kernel_model.errors import KernelError
from kernel_model.mm import AddressSpace, FaultResult, MemoryContext
from kernel_model.pagetable import lm
from kernel_model.thp import UserPageTables
from kernel_model.vma import PAGE, PROT_EXEC, PROT_WRITE, Vma, VmaList

if TYPE_CHECKING:
    from kernel_model.blade import RackRuntime
    from kernel_model.blade_node import BladeNode


def blade_perms(prot: int, writable: bool) -> D.PagePerms:
    return D.PagePerms(user=True, write=writable and bool(prot & PROT_WRITE),
                       user_exec=bool(prot & PROT_EXEC))


class VersionedAreas(VmaList):
    """The home's list of a process's areas, numbered by change so that a blade can tell
    whether its copy is current."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 0

    def insert(self, vma: Vma) -> None:
        self.version += 1
        super().insert(vma)

    def remove_range(self, start: int, end: int) -> list[Vma]:
        self.version += 1
        return super().remove_range(start, end)

    def replace(self, old: Vma, new: Vma) -> None:
        self.version += 1
        super().replace(old, new)


class RackAddressSpace(AddressSpace):
    def __init__(self, ctx: MemoryContext, asid: int, runtime: RackRuntime) -> None:
        super().__init__(ctx, asid)
        assert not len(self.vmas)
        self.vmas: VersionedAreas = VersionedAreas()
        self.rt = runtime
        self.rack_pid = runtime.register_mm(self)

    # --- per-blade trees (each kept by its blade's kernel) ---------------------------------------
    def blade_tables(self, blade: int) -> UserPageTables:
        return self.rt.nodes[blade].tables(self)

    def blade_ttbr0(self, blade: int) -> int:
        return self.rt.nodes[blade].ttbr0(self)

    @property
    def ttbr0(self) -> int:
        return self.blade_ttbr0(self.rt.current_blade)

    def fva(self, va: int) -> int:
        return make_fva(self.rack_pid, va)

    def futex_key(self, uaddr: int) -> tuple[str, int, int]:
        """Futex waiters meet on the word's global virtual address, whatever blade they sleep on."""
        return ("futex", 0, self.fva(uaddr))

    # --- faults ---------------------------------------------------------------------------------
    def handle_fault(self, va: int, write: bool, execute: bool) -> int:
        blade = self.rt.current_blade
        self.rt.areas_for_fault(self, blade)
        vma, code = self.faulting_area(va, write, execute)
        if vma is None:
            return code
        page = va & ~(PAGE - 1)
        desc = self.blade_tables(blade).lookup(page)
        if desc & D.VALID and (not write or not desc & D.AP_RO):
            return FaultResult.OK           # another thread of this blade brought it in
        try:
            self.rt.back_page(self, vma, page)
        except MemoryError:
            return FaultResult.OOM
        if not self.rt.fetch(blade, self.fva(page), write):
            return FaultResult.SEGV_ACCERR
        self.ctx.stats.inc("kernel.mm.page_faults")
        return FaultResult.OK

    # --- what touches pages in bulk ---------------------------------------------------------------
    def unmap_range(self, start: int, end: int) -> None:
        self.rt.forget_range(self, start, end)
        super().unmap_range(start, end)

    def discard(self, start: int, end: int) -> None:
        for vma in self.vmas.overlapping(start, end):
            if not vma.shared:
                self.rt.forget_range(self, max(vma.start, start), min(vma.end, end))
        super().discard(start, end)

    def protect(self, start: int, end: int, prot: int) -> None:
        self.rt.evict_range(self, start, end)       # refetched with the new permissions
        super().protect(start, end, prot)

    def fork(self, asid: int, before_copy=None) -> AddressSpace:  # noqa: ANN001
        """The child's copy: dirty pages go back to the memory blades first, then the memory
        blades copy the parent's pages into the child's own areas (no copy-on-write across
        the rack: a process's pages have one directory owner each)."""
        child = RackAddressSpace(self.ctx, asid, self.rt)
        child.merge_any = self.merge_any
        if before_copy is not None:
            before_copy(child)
        child.brk_start, child.brk = self.brk_start, self.brk
        for vma in self.vmas:
            if not vma.dont_fork:               # MADV_DONTFORK: the child has no such area
                # dup_mmap(): the child's areas are not locked (VM_LOCKED_MASK cleared)
                child.map_area(replace(vma, locked=False, onfault=False) if vma.locked
                               else vma)
        try:
            self.rt.copy_memory(self, child)
        except MemoryError:
            child.destroy()
            raise KernelError(errno.ENOMEM, "no memory blade has room for the child") from None
        return child

    def movable_entries(self, start: int, end: int) -> list[tuple[int, int]]:
        raise KernelError(errno.ENOMEM, "mremap on the rack moves nothing: copy instead")

    def destroy(self) -> None:
        self.rt.forget_mm(self)
        for node in self.rt.nodes:
            node.drop_tables(self)
        super().destroy()


class BladePageStore:
    """One compute blade's DRAM as its page cache: frames from the blade's own allocator."""

    def __init__(self, runtime: RackRuntime, node: BladeNode) -> None:
        self.rt = runtime
        self.node = node
        self.blade = node.index
        self.frames: dict[int, int] = {}       # fva -> frame

    def _where(self, fva: int) -> tuple[RackAddressSpace | None, int]:
        return self.rt.mm_of(fva), fva & ((1 << 48) - 1)

    def install(self, fva: int, data: bytes, writable: bool) -> None:
        node = self.node
        el1 = node.el1
        pa = self.frames.get(fva)
        if pa is None:
            pa = node.frames.alloc()
            self.frames[fva] = pa
        el1.write(lm(pa), data)
        mm, va = self._where(fva)
        if mm is None:
            return
        vma = mm.vmas.find(va)
        prot = vma.prot if vma is not None else 0
        tree = mm.blade_tables(self.blade)
        old = tree.lookup(va)
        tree.set(va, D.leaf_descriptor(pa, blade_perms(prot, writable)))
        if old & D.VALID:
            node.tlbi_va(va)
        if prot & PROT_EXEC:
            # Code translated from what this frame held before must go, on the blade's cores.
            for core in node.cores:
                if core is self.rt.kernel.el1 and self.blade == self.rt.current_blade:
                    core.invalidate_code(va, PAGE)      # the faulting core: just this page
                else:
                    core.invalidate_all_code()

    def read(self, fva: int) -> bytes:
        return self.node.el1.read(lm(self.frames[fva]), PAGE)

    def drop(self, fva: int) -> None:
        pa = self.frames.pop(fva, None)
        if pa is None:
            return
        self.node.frames.put(pa)
        mm, va = self._where(fva)
        if mm is not None and mm.alive:
            mm.blade_tables(self.blade).clear(va)
            self.node.tlbi_va(va)

    def make_readonly(self, fva: int) -> None:
        mm, va = self._where(fva)
        if mm is None or fva not in self.frames:
            return
        vma = mm.vmas.find(va)
        prot = vma.prot if vma is not None else 0
        mm.blade_tables(self.blade).set(va, D.leaf_descriptor(self.frames[fva],
                                                              blade_perms(prot, False)))
        self.node.tlbi_va(va)
