"""A user page fault: the area that allows the access, and the page that answers it.

A fault the areas allow is resolved by the entry the tree holds: a page whose access
flag the reclaim clock cleared is marked used again, a copy-on-write page written is
copied (or taken over by its last user), a swap entry is swapped back in, and an empty
entry gets a new page: zero-filled, read from the area's backing, or the frame of a
shared region.  `PageFaults` is mixed into `AddressSpace` (mm.py).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from kernel_model.frames import OutOfMemory
from kernel_model.memops import MemOpRefused
from kernel_model.swap import SwapFull, swap_entry
from kernel_model.thp import HUGE, UserPageTables
from kernel_model.vma import PAGE, PROT_EXEC, PROT_READ, PROT_WRITE, SharedPages, Vma, VmaList

if TYPE_CHECKING:
    from kernel_model.mm import MemoryContext

log = logging.getLogger(__name__)

SW_COW = 1          # descriptor software bit: private page shared after fork (or merged by KSM)


class FaultResult:
    OK = 0
    SEGV_MAPERR = 1     # no mapping
    SEGV_ACCERR = 2     # mapping forbids the access
    OOM = 3
    SIGBUS = 4          # a file page wholly past the file's end (BUS_ADRERR)


@cache
def leaf_perms(prot: int, writable: bool) -> D.PagePerms:
    # PagePerms is frozen: one object per (prot, writable) serves every fault.  A
    # PROT_NONE page stays mapped (mprotect keeps its frame) but EL0 may not touch it.
    return D.PagePerms(user=bool(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)),
                       write=writable and bool(prot & PROT_WRITE),
                       user_exec=bool(prot & PROT_EXEC))


@cache
def page_bits(prot: int) -> int:
    """Everything but the address in a fresh user page's level-3 descriptor."""
    return D.leaf_descriptor(0, leaf_perms(prot, True))


def folio_index(vma: Vma, page_va: int) -> int:
    """The file page a private view's page_va shows (its backing starts at `base`)."""
    return (getattr(vma.backing, "base", 0) + vma.offset + page_va - vma.start) // PAGE


def maps_folio(vma: Vma | None, va: int, pa: int) -> bool:
    """Is the private view's entry at va, onto the frame pa, its file's folio (not a
    copy of its own)?"""
    sp = vma.folio_pages if vma is not None else None
    return sp is not None and sp.frames.get(folio_index(vma, va)) == pa


class PageFaults:
    """The page-fault path of an address space (mixed into `AddressSpace`)."""

    ctx: MemoryContext
    confidential: bool | None
    tables: UserPageTables
    vmas: VmaList
    resident: int

    def faulting_area(self, va: int, write: bool, execute: bool) -> tuple[Vma | None, int]:
        """The area at va and FaultResult.OK, or None and the SIGSEGV code for an access
        the areas do not allow (one lookup: this is the page-fault path)."""
        vma = self.vmas.find(va)
        if vma is None:
            return None, FaultResult.SEGV_MAPERR
        prot = vma.prot
        if (write and not prot & PROT_WRITE) or (execute and not prot & PROT_EXEC) \
                or not prot & (PROT_READ | PROT_WRITE | PROT_EXEC):
            return None, FaultResult.SEGV_ACCERR
        return vma, FaultResult.OK

    def handle_fault(self, va: int, write: bool, execute: bool) -> int:
        """Resolve a fault at va; returns a FaultResult code."""
        # (faulting_area, inline: one call fewer on every fault.)
        vma = self.vmas.find(va)
        if vma is None:
            return FaultResult.SEGV_MAPERR
        prot = vma.prot
        if (write and not prot & PROT_WRITE) or (execute and not prot & PROT_EXEC) \
                or not prot & (PROT_READ | PROT_WRITE | PROT_EXEC):
            return FaultResult.SEGV_ACCERR
        page_va = va & ~(PAGE - 1)
        mem = self.ctx.memory
        try:
            mem.before_fault(self, page_va)
            desc, leaf = self.tables.lookup_slot(page_va)
            if desc & D.VALID:
                if not desc & D.AF:
                    # The reclaim clock cleared the access flag: the page is in use again.
                    desc |= D.AF     # (an entry without AF is never cached: no flush)
                    self.tables.set(page_va, desc)
                if write and D.software_bits(desc) & SW_COW:
                    # (do_wp_page(): only an anonymous folio is reused; a private file
                    # view's page may be the file's own: copied)
                    self._break_cow(vma, page_va, desc,
                                    copy=vma.backing is not None and not vma.shared)
                    return FaultResult.OK
                if write and desc & D.AP_RO and desc & D.AP_EL0 and vma.backing is not None \
                        and not vma.shared and prot & PROT_WRITE:
                    # a private file page read-faulted (do_read_fault()) is the file's:
                    # a store copies it (do_wp_page() -> wp_page_copy())
                    self._break_cow(vma, page_va, desc, copy=True)
                    return FaultResult.OK
                if not self._allows(desc, write, execute):
                    self._make_progress(vma, page_va, desc, write)
                # Present and allowed: a stale translation; the retry will succeed.
                return FaultResult.OK
            if desc and swap_entry(desc) is not None:
                mem.swap_in(self, vma, page_va, desc, leaf_perms(vma.prot, True))
                return FaultResult.OK
            # A file page wholly past EOF (as it is now) has nothing to map, shared or
            # private: Linux's fault gives VM_FAULT_SIGBUS (shmem_get_folio_gfp() and
            # filemap_fault() check the index against i_size).
            beyond = getattr(vma.backing, "beyond_eof", None)
            if beyond is not None and beyond(vma.offset + page_va - vma.start):
                return FaultResult.SIGBUS
            self._populate(vma, page_va, leaf, desc, write or vma.populate_write)
        except (OutOfMemory, SwapFull):
            return FaultResult.OOM
        except MemOpRefused as exc:
            log.warning("fault at %#x: %s", va, exc)
            return FaultResult.OOM
        return FaultResult.OK

    @staticmethod
    def _allows(desc: int, write: bool, execute: bool) -> bool:
        """Whether the present entry lets EL0 make the access (a retry would not fault)."""
        if not desc & D.AP_EL0 or (write and desc & D.AP_RO):
            return False
        return not (execute and desc & D.UXN)

    def _make_progress(self, vma: Vma, page_va: int, desc: int, write: bool) -> None:
        """A present entry that forbids an access its area allows, made to allow it (the
        frame kept), so that the retried access never faults again:

        - a write to a read-only entry: handle_pte_fault() with FAULT_FLAG_WRITE makes a
          pte_write() (arm64: PTE_DBM) entry dirty (pte_mkdirty(): PTE_RDONLY cleared);
          one without PTE_DBM goes to do_wp_page(), which reuses an exclusive page or a
          shared mapping's (wp_page_reuse(), wp_page_shared(): maybe_mkwrite());
        - any other access: the area's protection restored on the entry, as
          do_numa_page() does for a PROT_NONE entry of an accessible area."""
        perms = leaf_perms(vma.prot, True)
        bits = D.leaf_descriptor(0, perms) & ~(D.ADDR_MASK | D.AF)
        keep = D.AP_EL0 | D.AP_RO | D.UXN
        new = (desc & ~keep) | (bits & keep)
        if not write and desc & D.AP_RO:
            new |= D.AP_RO          # a read keeps a clean entry clean
        self.tables.set(page_va, new)
        self.ctx.el1.tlbi_va(page_va)
        self.ctx.stats.inc("kernel.mm.wp_reuse" if write else "kernel.mm.prot_restored")
        if vma.prot & PROT_EXEC:
            self.ctx.invalidate_code(page_va, PAGE)

    def _populate(self, vma: Vma, page_va: int, leaf: int | None = None, old: int = 0,
                  write: bool = True) -> None:
        """Map a new page at page_va (`leaf`, `old`: the level-3 table its entry sits in and
        the entry, as the fault's lookup found them; leaf None: look again).  A read fault
        on a private file mapping maps its page read-only (do_read_fault() ->
        finish_fault(): no maybe_mkwrite() without FAULT_FLAG_WRITE); the first store
        write-faults (_make_progress)."""
        ctx = self.ctx
        stats = ctx.stats
        sp = vma.shared_pages
        folio = vma.folio_pages if sp is None and not write \
            and not ctx.memory.copy_private_reads else None
        if folio is not None and not (folio.file_cache and folio_index(vma, page_va)
                                      not in folio.frames):
            # A private view's read fault maps the memfd's folio itself, read-only
            # (do_read_fault() -> finish_fault()), made as a shared fault makes it where
            # the page has none yet (shmem_get_folio_gfp()): not tracked for reclaim,
            # the page cache holding it too (a clean file folio is never swapped).  (A
            # confidential memfd's page without a frame: a clean copy, below, which
            # its shared fault takes as the folio, `_clean_folio`: the Guardian holds a
            # memfd's frame only as a page of its MAP_SHARED share.)
            idx = folio_index(vma, page_va)
            pa = folio.frames.get(idx)
            if pa is None:
                pa = self._fresh_frame(vma, page_va)
                folio.frames[idx] = pa
            ctx.frames.get(pa)
            self._map_new(leaf, page_va, old, (pa & D.ADDR_MASK) | page_bits(vma.prot) | D.AP_RO)
        elif sp is not None:
            idx = (vma.offset + page_va - vma.start) // PAGE
            pa = sp.frames.get(idx)
            if pa is None:
                pa = self._clean_folio(sp, idx) if sp.file_cache else None
                if pa is None:
                    pa = self._fresh_frame(vma, page_va)
                sp.frames[idx] = pa
            ctx.frames.get(pa)
            self._map_new(leaf, page_va, old, (pa & D.ADDR_MASK) | page_bits(vma.prot))
        else:
            # A confidential space's fresh anonymous page is zero-filled by the Guardian as
            # it maps it (SET_PT's zero_fill): the kernel need not write what it cannot
            # read afterwards, nor the Guardian read it to check.
            fill = leaf is not None and self.confidential is True and vma.backing is None
            pa = self._fresh_frame(vma, page_va, self._huge_slot(vma, page_va, leaf), fill)
            desc = (pa & D.ADDR_MASK) | page_bits(vma.prot)
            if not write and vma.backing is not None:
                desc |= D.AP_RO
            if leaf is None:                    # (_map_new, inline)
                self.tables.set(page_va, desc)
            else:
                self.tables.set_in(leaf, page_va, old, desc, fill)
            if not write and vma.folio_pages is not None and vma.folio_pages.file_cache:
                # (a read fault's copy is the page's clean folio until a store: never
                # swapped, as Linux never swaps a clean file folio; the Guardian refuses
                # its SWAP_IN where a shared view may have changed the file's page)
                vma.folio_pages.clean.setdefault(folio_index(vma, page_va), set()).add(pa)
            else:
                ctx.memory.track(self, vma, page_va)
        self.resident += 1
        counters = stats.counters
        counters["kernel.mm.page_faults"] = counters.get("kernel.mm.page_faults", 0) + 1
        if vma.prot & PROT_EXEC:
            ctx.invalidate_code(page_va, PAGE)

    def _clean_folio(self, sp: SharedPages, idx: int) -> int | None:
        """A confidential memfd page without a frame: the clean read-only page a private
        view of it in this space maps (its read fault's copy), which becomes the page's
        frame (one folio per file page, shmem_get_folio(): do_read_fault() mapped it);
        None: no such page (or a kernel that keeps copies)."""
        if self.ctx.memory.copy_private_reads:
            return None
        for vma in self.vmas:
            if vma.folio_pages is not sp:
                continue
            va = vma.start + idx * PAGE - getattr(vma.backing, "base", 0) - vma.offset
            if not vma.start <= va < vma.end:
                continue
            desc = self.tables.lookup(va)
            pa = desc & D.ADDR_MASK
            # (a fork child's entry too: copy_present_pte() shared the clean folio)
            copies = sp.clean.get(idx)
            if desc & D.VALID and desc & D.AP_RO and copies is not None and pa in copies:
                copies.discard(pa)
                if not copies:
                    del sp.clean[idx]
                self.ctx.frames.get(pa)             # (the page cache's reference)
                self.ctx.memory.forget(self, va)    # (the folio: never swapped)
                return pa
        return None

    def _map_new(self, leaf: int | None, page_va: int, old: int, desc: int) -> None:
        # Making the new page touched only its frame (through the linear map), never the
        # tree, so the lookup's table still holds the entry it read.
        if leaf is None:
            self.tables.set(page_va, desc)
        else:
            self.tables.set_in(leaf, page_va, old, desc)

    def _huge_slot(self, vma: Vma, page_va: int, leaf: int | None) -> int | None:
        """The frame that keeps page_va's 2 MiB range physically contiguous and aligned
        (taken only if it is free), or None: no such frame is wanted.

        Compaction collapses a fully populated 2 MiB range into a huge page only once its
        frames form one aligned run; lowest-first frames never do (the range's table
        frame sits among them, and the run starts anywhere), so every page would be
        moved.  Placed this way from the first fault, the range needs no move.  Only an
        anonymous private area the whole range lies in, and only while memory is
        plentiful (as compaction itself)."""
        if vma.backing is not None or vma.shared or vma.growsdown or vma.prot & PROT_EXEC:
            return None
        base = page_va & ~(HUGE - 1)
        if base < vma.start or base + HUGE > vma.end:
            return None
        frames = self.ctx.frames
        if frames.free_frames < frames.high_watermark:
            return None
        slot = page_va - base
        if not slot:
            return frames.free_run(HUGE // PAGE)
        if leaf is None:
            return None
        # The page before, in place: this one goes right after it.
        prev = self.ctx.el1.read_u64(LINEAR_BASE | (leaf + ((page_va - PAGE) >> 9 & 0xFF8)))
        target = (prev & D.ADDR_MASK) + PAGE
        if not prev & D.VALID or target & (HUGE - 1) != slot:
            return None
        return target

    def _fresh_frame(self, vma: Vma, page_va: int, placed: int | None = None,
                     filled_on_map: bool = False) -> int:
        """A new frame holding the page's initial contents (in `placed` where that frame
        is given and free); a page of zeros left as it is where `filled_on_map` (the
        writer of its entry fills it)."""
        ctx = self.ctx
        pa = placed if placed is not None and ctx.frames.take(placed) else ctx.frames.alloc()
        dst = LINEAR_BASE | pa              # lm(pa)
        content = b""
        backing = vma.backing
        # A file mapping's page holds the file's bytes as they are now (the file may have
        # grown since mmap: its end is the file's, not the area's `file_end`).
        live = backing is not None and hasattr(backing, "beyond_eof")
        if backing is not None and (live or page_va < vma.file_end):
            content = backing.read_page(vma.offset + page_va - vma.start)
            limit = PAGE if live else vma.file_end - page_va
            if len(content) > limit:
                content = content[:limit]
        if content:
            ctx.el1.write(dst, content)
            if len(content) < PAGE:
                ctx.el1.fill(dst + len(content), 0, PAGE - len(content))
            ctx.clock.charge("page_copy")
            ctx.stats.inc("kernel.mm.file_pages")
        else:
            if not filled_on_map:
                ctx.el1.zero_page(dst)
            clock = ctx.clock               # (clock.charge("page_zero"), inline: the same)
            cost = clock.costs["page_zero"]
            clock.cycles += cost
            clock.charged["page_zero"] = clock.charged.get("page_zero", 0) + cost
            counters = ctx.stats.counters   # (stats.inc, inline: every anonymous fault)
            counters["kernel.mm.zero_pages"] = counters.get("kernel.mm.zero_pages", 0) + 1
        return pa

    def _break_cow(self, vma: Vma, page_va: int, desc: int, copy: bool = False) -> None:
        ctx = self.ctx
        old = desc & D.ADDR_MASK
        if ctx.frames.refcount(old) == 1 and not copy:
            new_pa = old   # last user: take the page over without copying
            ctx.stats.inc("kernel.mm.cow_reuse")
            copies = vma.folio_pages.clean.get(folio_index(vma, page_va)) \
                if vma.folio_pages is not None else None
            if copies is not None:
                copies.discard(old)             # (stored: the program's own from now)
        else:
            new_pa = ctx.frames.alloc()
            try:
                ctx.copy_frame(new_pa, old)
            except Exception:
                ctx.frames.put(new_pa)
                raise
            ctx.stats.inc("kernel.mm.cow_copies")
        try:
            self.tables.set(page_va, D.leaf_descriptor(new_pa, leaf_perms(vma.prot, True)))
        except Exception:
            if new_pa != old:               # (the old entry stays: its reference too)
                ctx.frames.put(new_pa)
            raise
        if new_pa != old:
            ctx.frames.put(old)             # (wp_page_copy(): the old page's mapping goes)
        ctx.memory.track(self, vma, page_va)        # exclusive now: reclaimable again
        ctx.el1.tlbi_va(page_va)
        if vma.prot & PROT_EXEC:
            ctx.invalidate_code(page_va, PAGE)
