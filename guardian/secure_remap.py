"""Moving and merging confidential pages (the secure ABI's remapping calls).

Migration and compaction copy and remap in one call and scrub the old frame;
KSM merges only identical private pages of one domain, read-only (CoW breaks
them); THP collapse/split swap a level-3 table of 512 contiguous pages for a
2 MiB block and back; page digests let the kernel find merge candidates
without reading them; compression is refused: the kernel may not see the
plaintext and ciphertext does not compress.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from typing import Any

from abi import FrameKind, Status
from abi.layout import USER_TOP
from emulator import descriptors as D
from guardian import checks
from guardian.checks import refuse
from guardian.clean_pages import check_ksm as check_ksm_clean
from guardian.folio_moves import folio_of
from guardian.folio_moves import moved as folio_moved
from guardian.ksm_opt_in import mergeable
from guardian.linear_map import TABLE_ENTRIES
from guardian.numa_hints import held_entry, is_hint
from guardian.secure_mm_checks import PageChecks
from guardian.slots import Domain
from guardian.state import MonitorState

PAGE = 4096
HUGE = 2 << 20
DIGEST_RUN = 64             # pages PAGE_DIGEST digests at most in one call
_U64 = struct.Struct("<Q")
_SW_MASK = 0xF << D.SW_SHIFT


class SecureRemap:
    def __init__(self, state: MonitorState, page_checks: PageChecks) -> None:
        self.s = state
        self.c = page_checks
        #: a domain's key -> its keyed KSM digest before any data (copied for each page).
        self._digest_keys: dict[bytes, Any] = {}

    def migrate_page(self, root: int, va: int, new: int) -> tuple[int, bytes]:
        g = self.s
        self.c.aligned((va, PAGE), (new, PAGE))
        self.c.user(va, g.frames.contains(new), f"va {va:#x} or frame {new:#x} out of "
                                                     "range")
        dom = self.c.domain(root)
        self.c.fresh_frame(new, "new frame")
        clean = g.admission.clean
        entry, desc, old = self.c.page(root, va, dom, alone=not clean.entered, hint=True)
        others = clean.shared_places(g, g.registry, old, root, va) if clean.entered else []
        if others is None:
            self.c.page(root, va, dom, alone=True, hint=True)       # (smm.page_alone)
        # (the memfd page whose folio `old` is moves with it: folio_migrate_mapping())
        folio = folio_of(g, dom.id, old) if g.frames.folio_key else None
        g.protect_frame(new, dom.id)
        g.ram.copy_page(new, old)
        for e, r, v in others or ():
            # try_to_migrate() unmaps each mm's entry of the clean folio,
            # remove_migration_ptes() maps the new one there
            self.c.write(e, 3, (g.ram.read_u64(e) & ~D.ADDR_MASK) | new, dom.id, r, v)
            g.flush_page(v)
        lazy = g.lifecycle.lazy_free.pages.get((root, va)) == old
        # A hint stays a hint on the new frame (remove_migration_pte(); do_numa_page() maps it)
        self.c.write(entry, 3, (desc & ~D.ADDR_MASK) | new, dom.id, root, va)   # old: last mapping, scrubbed
        if lazy:
            # folio_migrate_flags() keeps the folio lazyfree (not swap-backed) and
            # remove_migration_pte() the pte clean: the record follows the page.
            g.lifecycle.lazy_free.moved(root, va, new)
        if g.admission.clean.entered:
            # migrate_folio(): a clean page cache folio stays the file's clean page
            g.admission.clean.moved(old, new)
        if folio is not None:
            folio_moved(g, dom.id, folio, old, new)
        g.flush_page(va)
        g.clock.charge("page_copy")
        return 0, b""

    def page_digest(self, root: int, va: int, count: int = 0) -> tuple[int, bytes]:
        """The keyed digest of the page at va; with count > 1, of a run of pages (one
        call per run KSM scans instead of one per page): their digests are copied out
        and the value is how many there are."""
        if va % PAGE:                        # (checked here first: one call per scanned run)
            self.c.aligned((va, PAGE))
        dom = self.c.domain(root)
        _, _, pa = self.c.page(root, va, dom, alone=False)
        opted = self._opted_in(dom, root)
        if not opted(va):
            refuse("ksm.mergeable", Status.ERR_DENIED,
                   f"{va:#x} in tree {root:#x} is in no area the program made mergeable "
                   "(madvise MADV_MERGEABLE, PR_SET_MEMORY_MERGE): KSM never compares it")
        keyed = self._digest_keys.get(dom.key)
        if keyed is None:
            keyed = self._digest_keys[dom.key] = hashlib.blake2b(
                digest_size=8, key=dom.key[:32], person=b"bf-ksm")
        h = keyed.copy()
        ram = self.s.ram
        view, base = ram.view, ram.base
        off = pa - base
        h.update(view[off:off + PAGE])      # hashed in place: no copy of the page
        if count <= 1:
            return int.from_bytes(h.digest(), "little"), b""
        out = [h.digest()]
        # The rest of the run: each page as `PageChecks.page` admits one (a 4 KiB entry
        # of this tree naming a CONFIDENTIAL frame of the domain); the run ends at the
        # first page that is not, at the first the program did not make mergeable, at the end
        # of the user half, or after DIGEST_RUN pages.
        fr = self.s.frames
        kinds, owners, index = fr.kind, fr.owner, fr.index
        buf, unpack_from = ram.buffer, _U64.unpack_from
        conf, domain_id = FrameKind.CONFIDENTIAL, dom.id
        table = self.c.table_of(root, va, 3)
        end = min(va + min(count, DIGEST_RUN) * PAGE, USER_TOP)
        for v in range(va + PAGE, end, PAGE):
            if not v & (HUGE - 1):
                table = self.c.table_of(root, v, 3)
            if table is None:
                break
            desc = unpack_from(buf, table + ((v >> 9) & 0xFF8) - base)[0]
            if not desc & D.VALID:
                break
            pa = desc & D.ADDR_MASK
            n = index(pa)
            if n is None or kinds[n] != conf or owners[n] != domain_id or not opted(v):
                break
            h = keyed.copy()
            off = pa - base
            h.update(view[off:off + PAGE])
            out.append(h.digest())
        return len(out), b"".join(out)

    def ksm_merge(self, root_a: int, va_a: int, root_b: int, va_b: int,
                   sw: int) -> tuple[int, bytes]:
        g = self.s
        self.c.aligned((va_a, PAGE), (va_b, PAGE))
        da = self.c.domain(root_a)
        db = self.c.domain(root_b)
        if da.id != db.id:
            refuse("ksm.same_domain", Status.ERR_DENIED, f"pages of domains {da.id} and {db.id} "
                                                        "are never merged")
        ta, tb = self.c.table_of(root_a, va_a, 3), self.c.table_of(root_b, va_b, 3)
        ea = ta + 8 * D.level_index(va_a, 3) if ta else 0
        eb = tb + 8 * D.level_index(va_b, 3) if tb else 0
        # A NUMA hint holding its frame counts as the page it stands for: ksmd's walk
        # follows a PROT_NONE pte (folio_walk_start()), replace_page() writes it valid.
        desc_a = held_entry(g, ea, g.ram.read_u64(ea)) if ea else 0
        desc_b = held_entry(g, eb, g.ram.read_u64(eb)) if eb else 0
        if not (desc_a & D.VALID and desc_b & D.VALID) or \
                desc_a & D.ADDR_MASK == desc_b & D.ADDR_MASK:
            refuse("ksm.distinct_present", Status.ERR_STATE, "both pages must be present in "
                                                       "different frames")
        _, _, pa = self.c.page(root_a, va_a, da, alone=False, hint=True)
        _, _, pb = self.c.page(root_b, va_b, da, alone=False, hint=True)
        for root, va in ((root_a, va_a), (root_b, va_b)):
            if self.s.shares.key_at(da.id, root, va) is not None:
                refuse("ksm.private_only", Status.ERR_DENIED,
                       f"{va:#x} in tree {root:#x} is a page of a MAP_SHARED share: merging it "
                       "would make one side's page a copy-on-write copy")
        check_ksm_clean(g.admission.clean, g, ((va_a, pa), (va_b, pb)))
        for root, va in ((root_a, va_a), (root_b, va_b)):
            if not self._opted_in(da, root)(va):
                refuse("ksm.mergeable", Status.ERR_DENIED,
                       f"{va:#x} in tree {root:#x} is in no area the program made mergeable "
                       "(madvise MADV_MERGEABLE, PR_SET_MEMORY_MERGE): KSM never merges it")
        if g.ram.read(pa, PAGE) != g.ram.read(pb, PAGE):
            refuse("ksm.identical", Status.ERR_DENIED, "the pages differ")
        soft = (sw & 0xF) << D.SW_SHIFT
        g.frames.record_share(pa, root_b, va_b)
        self.c.write(ea, 3, (desc_a & ~_SW_MASK) | D.AP_RO | soft, da.id, root_a, va_a)
        self.c.write(eb, 3, (desc_b & ~(D.ADDR_MASK | _SW_MASK)) | pa | D.AP_RO | soft,
                    da.id, root_b, va_b)
        g.flush_page(va_a)
        g.flush_page(va_b)
        return 0, b""

    def _opted_in(self, dom: Domain, root: int) -> Callable[[int], bool]:
        """va -> may KSM compare the page at va of tree `root`: where the program made it
        mergeable itself (guardian/ksm_opt_in.py; Linux's ksmd scans VM_MERGEABLE areas
        only).  A build without the check answers True."""
        if not checks.enabled("ksm.mergeable"):
            return lambda va: True
        space = dom.spaces.get(root)
        others = list(self.s.registry.slots.values())
        return lambda va: mergeable(space, root, va, others)

    # --- transparent huge pages ---------------------------------------------------------
    def thp_collapse(self, root: int, va: int) -> tuple[int, bytes]:
        g = self.s
        self.c.aligned((va, HUGE))
        self.c.user(va)
        dom = self.c.domain(root)
        l2 = self.c.table_of(root, va, 2)
        l2_entry = l2 + 8 * D.level_index(va, 2) if l2 else 0
        l3_desc = g.ram.read_u64(l2_entry) if l2 else 0
        if not D.is_table(l3_desc, 2):
            refuse("thp.contiguous", Status.ERR_STATE, f"{va:#x} has no level-3 table")
        l3 = l3_desc & D.ADDR_MASK
        entries = TABLE_ENTRIES.unpack(g.ram.read(l3, PAGE))
        base = entries[0] & D.ADDR_MASK
        attrs = entries[0] & ~D.ADDR_MASK
        if base % HUGE or attrs & 3 != 3 or any(
                e != base + i * PAGE | attrs for i, e in enumerate(entries)):
            refuse("thp.contiguous", Status.ERR_STATE, f"the pages at {va:#x} are not 512 "
                                                       "contiguous, aligned, uniform pages")
        fr = g.frames
        for i in range(512):
            n = fr.index(base + i * PAGE)
            if n is None or fr.kind[n] != FrameKind.CONFIDENTIAL or fr.owner[n] != dom.id \
                    or fr.user_maps[n] != 1:
                refuse("thp.exclusive", Status.ERR_OWNER, f"frame {base + i * PAGE:#x} is not "
                                                           "an exclusive frame of the domain")
        block = (attrs & ~D.TABLE) | base
        self.c.write(l2_entry, 2, block, dom.id, root, va)
        g.ram.zero_page(l3)
        for i, e in enumerate(entries):   # the old table's mappings go (the block's stay)
            g.tables.drop(3, e, l3 + 8 * i, root, va + i * PAGE)
        fr.free_table(l3)
        g.linear_writable(l3)
        g.lifecycle.lazy_free.end_range(root, va, va + HUGE)
        g.flush_range(va, HUGE)
        return l3, b""

    def thp_split(self, root: int, va: int, table: int) -> tuple[int, bytes]:
        g = self.s
        self.c.aligned((va, HUGE), (table, PAGE))
        self.c.user(va, g.frames.contains(table), f"va {va:#x} or table {table:#x} out "
                                                       "of range")
        dom = self.c.domain(root)
        self.c.fresh_frame(table, "table frame")
        l2 = self.c.table_of(root, va, 2)
        l2_entry = l2 + 8 * D.level_index(va, 2) if l2 else 0
        block = g.ram.read_u64(l2_entry) if l2 else 0
        if l2 and is_hint(2, block):
            # __split_huge_pmd() of a PROT_NONE pmd (pmd_present() on arm64): 512 ptes of
            # mk_pte(page, vma->vm_page_prot), valid, on the frames the hint holds.
            block = held_entry(g, l2_entry, block, 2)
        if not block & D.VALID or block & D.TABLE:
            refuse("thp.block", Status.ERR_STATE, f"{va:#x} is not a block mapping")
        base = D.output_address(block, 2)
        attrs = (block & ~D.BLOCK_MASK_L2) | D.TABLE
        entries = [base + i * PAGE | attrs for i in range(512)]
        g.frames.make_domain_table(table, 3, dom.id)
        g.linear_readonly(table)
        g.ram.write(table, TABLE_ENTRIES.pack(*entries))
        for i, e in enumerate(entries):
            g.tables.take(3, e, table + 8 * i, dom.id, root, va + i * PAGE)
        self.c.write(l2_entry, 2, D.table_descriptor(table), dom.id, root, va)
        g.lifecycle.lazy_free.end_range(root, va, va + HUGE)
        g.flush_range(va, HUGE)
        return 0, b""

    # --- compression ---------------------------------------------------------------------
    def compress_page(self, root: int, va: int) -> tuple[int, bytes]:
        refuse("compress.refused", Status.ERR_UNSUPPORTED,
               "memory compression is not offered for confidential pages: the "
               "kernel may not see the plaintext and sealed pages do not compress")
        return 0, b""
