"""Sealed swap of confidential pages (the secure ABI's swap calls).

Swap-out seals the page (AES-GCM under the domain's key, bound to the domain,
the virtual address and a fresh version) into bytes the kernel may store
anywhere, installs the kernel's swap descriptor and scrubs the frame; swap-in
accepts only an outstanding version, sealed for this address space and VA,
that authenticates (no tampering, replay or transplant).  A sealed page may be
shared between trees of one domain (fork) and is dropped when the program
unmaps its address.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from emulator import descriptors as D
from guardian import checks
from guardian.checks import refuse
from guardian.cut_writable import check_swap_in as check_clean_swap_in
from guardian.folio_moves import check_swap_out as check_folio_swap_out
from guardian.fork_copy import SEALED
from guardian.protections import leaf_excess
from guardian.secure_mm_checks import PageChecks
from guardian.state import MonitorState

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from guardian.clean_pages import CleanPages
    from guardian.slots import Domain, Space

PAGE = 4096
SEAL_MAGIC = b"BFS1"
SEAL_HEADER = struct.Struct("<4sIQ")          # magic, reserved, version (authenticated)
SEALED_SIZE = SEAL_HEADER.size + PAGE + 16    # header, ciphertext, GCM tag


def seal_version(sealed: bytes) -> int:
    """The version in a sealed page's (cleartext, authenticated) header; 0 if malformed."""
    if len(sealed) != SEALED_SIZE:
        return 0
    magic, _, version = SEAL_HEADER.unpack_from(sealed)
    return version if magic == SEAL_MAGIC else 0


@dataclass
class SealRecord:
    """An outstanding sealed page: where it belongs and which trees may swap it in."""

    va: int
    holders: set[int] = field(default_factory=set)


class SecureSwap:
    def __init__(self, state: MonitorState, page_checks: PageChecks) -> None:
        self.s = state
        self.c = page_checks
        state.on_unmapped = self.forget_unmapped
        state.on_tree_freed = self.forget_root
        self.seals: dict[int, dict[int, SealRecord]] = {}   # domain -> version -> record
        self.last_version: dict[int, int] = {}
        self._aead: dict[int, AESGCM] = {}
        #: domain -> va -> the outstanding versions sealed for that address (an index).
        self._at_va: dict[int, dict[int, set[int]]] = {}
        #: (domain, version, tree) -> (va, tree) where a sealed page of a MAP_SHARED share
        #: came back for every place: that tree's claim ended with it.
        self._share_back: dict[tuple[int, int, int], tuple[int, int]] = {}
        state.sealed = self.holds
        state.drop_clean_sealed = self.drop_clean
        state.sealed_vas = self.held_vas

    def holds(self, root: int, va: int) -> bool:
        """Whether tree `root` holds an outstanding sealed page for `va` (the page is
        swapped out there: only SWAP_IN, or the program's own unmapping, ends that)."""
        if not self._at_va:
            return False         # (nothing sealed anywhere: asked on every demand fault)
        dom = self.s.registry.domain_of_root(root)
        versions = self._at_va.get(dom.id, {}).get(va) if dom is not None else None
        return bool(versions) and any(root in self.seals[dom.id][v].holders
                                      for v in versions)

    def drop_clean(self, root: int, va: int) -> bool:
        """A new page comes at va, where tree `root` holds sealed pages: where each was
        a clean page of the private file view there, Linux never swapped it (reclaim
        dropped the folio's entry, shrink_folio_list()): the claims go, and the page
        that comes is the file's as it is now (set_pt.cut_refault)."""
        clean = self.s.admission.clean
        dom = self.s.registry.domain_of_root(root)
        if dom is None or not clean.sealed:
            return False
        records = self.seals.get(dom.id, {})
        mine = [v for v in self._at_va.get(dom.id, {}).get(va, ()) if root in records[v].holders]
        space = self.s.registry.space_of(dom.id, root)
        if not mine or not all(clean.refaults(space, dom.id, v, va) for v in mine):
            return False
        for version in mine:
            self._release(dom.id, version, root)
            if version not in records:
                clean.sealed.pop((dom.id, version), None)
        return True

    def held_vas(self, root: int) -> list[int]:
        """Every va at which tree `root` holds an outstanding sealed page."""
        if not self._at_va:
            return []           # (nothing sealed anywhere: asked at every syscall's return)
        dom = self.s.registry.domain_of_root(root)
        at_va = self._at_va.get(dom.id) if dom is not None else None
        if not at_va:
            return []
        records = self.seals.get(dom.id, {})
        return sorted(va for va, versions in at_va.items()
                      if any(root in records[v].holders for v in versions))

    # --- sealing --------------------------------------------------------------------
    def _cipher(self, dom: Domain) -> AESGCM:
        aead = self._aead.get(dom.id)
        if aead is None:
            # (cryptography: some 7 ms to import, paid by runs that swap a sealed page only)
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            aead = self._aead[dom.id] = AESGCM(dom.key)
        return aead

    @staticmethod
    def _nonce_aad(dom: Domain, va: int, version: int) -> tuple[bytes, bytes]:
        header = SEAL_HEADER.pack(SEAL_MAGIC, 0, version)
        return struct.pack("<QI", version, 0), header + struct.pack("<QQ", dom.id, va)

    def seal(self, dom: Domain, va: int, version: int, plain: bytes) -> bytes:
        nonce, aad = self._nonce_aad(dom, va, version)
        return SEAL_HEADER.pack(SEAL_MAGIC, 0, version) + self._cipher(dom).encrypt(nonce, plain,
                                                                                     aad)

    def _records(self, dom: Domain) -> dict[int, SealRecord]:
        return self.seals.setdefault(dom.id, {})

    # --- swap -------------------------------------------------------------------------
    def swap_out(self, root: int, va: int, swap_desc: int) -> tuple[int, bytes]:
        self.c.aligned((va, PAGE))
        self.c.user(va, swap_desc != 0 and not swap_desc & D.VALID,
                   f"va {va:#x} / swap descriptor {swap_desc:#x} out of range")
        dom = self.c.domain(root)
        entry, _, pa = self.c.page(root, va, dom, alone=True, hint=True)
        g = self.s
        if g.frames.folio_key:
            # (a memfd page's folio a private view maps: never one mapping's swap)
            check_folio_swap_out(g, dom.id, root, va, pa)
        version = self.last_version.get(dom.id, 0) + 1
        self.last_version[dom.id] = version
        sealed = self.seal(dom, va, version, g.ram.read(pa, PAGE))
        if g.admission.clean.entered:
            g.admission.clean.swapped_out(dom.id, version, pa)
        self._supersede(dom, root, va)
        self._records(dom)[version] = SealRecord(va, {root})
        self._at_va.setdefault(dom.id, {}).setdefault(va, set()).add(version)
        self.c.write(entry, 3, swap_desc, dom.id, root, va)          # last mapping: scrubbed and FREE
        g.flush_page(va)
        g.clock.charge("page_copy")
        return version, sealed

    def _supersede(self, dom: Domain, root: int, va: int) -> None:
        """One outstanding version per address of a tree: a page present again without a
        SWAP_IN (only inside the program's own unmapping) and sealed anew leaves the tree's
        older version stale, so it can never roll the page back."""
        records = self._records(dom)
        for version in list(self._at_va.get(dom.id, {}).get(va, ())):
            if root in records[version].holders:
                self._release(dom.id, version, root)

    def _release(self, dom_id: int, version: int, root: int) -> None:
        """Tree `root` no longer holds `version`; the record goes with its last holder."""
        records = self.seals[dom_id]
        rec = records[version]
        rec.holders.discard(root)
        if not rec.holders:
            del records[version]
            sealed = self.s.admission.clean.sealed
            if sealed:
                sealed.pop((dom_id, version), None)     # (a clean page's: never back)
            versions = self._at_va[dom_id][rec.va]
            versions.discard(version)
            if not versions:
                del self._at_va[dom_id][rec.va]

    def swap_in(self, root: int, va: int, frame: int, desc: int, *,
                 payload: bytes) -> tuple[int, bytes]:
        g = self.s
        self.c.aligned((va, PAGE), (frame, PAGE))
        self.c.user(va, g.frames.contains(frame), f"va {va:#x} or frame {frame:#x} "
                                                       "out of range")
        dom = self.c.domain(root)
        self.c.fresh_frame(frame)
        table = self.c.table_of(root, va, 3)
        entry = table + 8 * D.level_index(va, 3) if table else 0
        if not table or g.ram.read_u64(entry) & D.VALID:
            refuse("swap_in.slot_empty", Status.ERR_STATE, f"{va:#x} has no level-3 table or is "
                                                       "already present")
        if desc & 3 != 3 or desc & D.ADDR_MASK != frame:
            refuse("swap_in.descriptor", Status.ERR_DENIED, f"descriptor {desc:#x} is not a page "
                                                        f"entry for {frame:#x}")
        # do_swap_page() rebuilds the entry from the area's protection: a page comes back
        # with no more than the program's mmap or mprotect gave it.
        excess = leaf_excess(g.registry.space_of(dom.id, root), g.registry.slots.values(),
                             root, va, desc)
        if excess:
            refuse("swap_in.protection", Status.ERR_DENIED, f"SWAP_IN: {excess}")
        version = seal_version(payload)
        if not version:
            refuse("swap_in.well_formed", Status.ERR_AUTH, "the sealed page is malformed (tampered)")
        rec = self._records(dom).get(version)
        back = self._share_back.get((dom.id, version, root))
        if back is not None and (rec is None or root not in rec.holders):
            refuse("swap_in.share_one_frame", Status.ERR_STALE,
                   f"version {version} is a page of a MAP_SHARED share that came back at "
                   f"{back[0]:#x} in tree {back[1]:#x}: map that frame, not a copy of its own")
        if rec is None or root not in rec.holders:
            why = ("already swapped in, discarded or never issued (replayed)" if rec is None
                   else "held by other address spaces of the domain, not this one")
            refuse("swap_in.outstanding", Status.ERR_STALE, f"version {version} is not outstanding "
                                                       f"for this tree: {why}")
        if rec.va != va:
            refuse("swap_in.same_va", Status.ERR_AUTH, f"version {version} was sealed for va "
                                                      f"{rec.va:#x}, not {va:#x} (transplanted)")
        nonce, aad = self._nonce_aad(dom, va, version)
        cipher = self._cipher(dom)
        from cryptography.exceptions import InvalidTag
        try:
            plain = cipher.decrypt(nonce, payload[SEAL_HEADER.size:], aad)
        except InvalidTag:
            refuse("swap_in.authentic", Status.ERR_AUTH, f"the sealed page for {va:#x} fails "
                                                         "authentication (tampered)")
            plain = payload[SEAL_HEADER.size:SEAL_HEADER.size + PAGE].ljust(PAGE, b"\0")
        records = self._records(dom)
        key, others = self.s.shares.check_swap_in(
            dom.id, root, va, lambda r, v: version in self._at_va.get(dom.id, {}).get(v, ())
            and r in records[version].holders)
        refault = None
        if (dom.id, version) in g.admission.clean.sealed and desc & D.AP_EL0 \
                and not desc & D.AP_RO:
            check_clean_swap_in(g.registry.space_of(dom.id, root), g.registry.slots.values(),
                                dom.id, root, va, g.lifecycle.rseq.areas)
        if g.admission.clean.sealed:
            # a clean page of a file comes back as the file's page now (clean_pages.py)
            space = g.registry.space_of(dom.id, root)
            self._check_clean_known(g.admission.clean, space, dom.id, version, va)
            refault = g.admission.clean.swapped_in(space, dom.id, version, va)
            plain = refault or plain
        g.protect_frame(frame, dom.id)       # out of the linear map before it holds data
        g.ram.write(frame, plain)
        self.c.write(entry, 3, desc, dom.id, root, va)
        holders = set(rec.holders) - {root}
        self._release(dom.id, version, root)
        g.fork_copy.copied(root, va, frame, SEALED)   # a fork child's claim, paid in full
        if refault is not None and not (desc & D.AP_EL0 and not desc & D.AP_RO):
            # a read refault maps the folio again, clean (do_read_fault())
            g.admission.clean.note(space, root, va, frame)
        if key is not None and checks.enabled("swap_in.share_one_frame"):
            # A share page is one page: back here, it is back for every place of it, whose
            # trees now map this frame (a claim kept would let one side swap in a copy).
            for other in holders & {r for r, v, _, _ in others if v == rec.va}:
                self._release(dom.id, version, other)
                self._share_back[(dom.id, version, other)] = (va, root)
        g.flush_page(va)
        g.clock.charge("page_copy")
        return 0, b""

    @staticmethod
    def _check_clean_known(clean: CleanPages, space: Space | None, dom_id: int,
                           version: int, va: int) -> None:
        """SWAP_IN of a sealed clean page of a file page a shared view may have stored to
        (MemFile.loose: its bytes are not known): Linux never swaps a
        clean file folio out (shrink_folio_list() drops its entry, and the refault maps
        the page cache folio as it is then), so the sealed bytes may be stale and the
        file's are not known to stand in for them."""
        rec = clean.sealed.get((dom_id, version))
        found = clean.private_view(space, va) if rec is not None else None
        if found is None or (found[0].file, found[1] // PAGE) != rec:
            return
        # (only where a shared view may have stored: a file past what the Guardian keeps
        # of it, MemFile.data None, is not known either, yet the kernel model's reclaim
        # honestly swaps a clean copy of an O_TMPFILE file's page and brings it back)
        if rec[1] in getattr(found[0].file, "loose", ()) \
                and checks.enabled("swap_in.clean_known"):
            refuse("swap_in.clean_known", Status.ERR_STATE,
                   f"the sealed page for {va:#x} is a clean page of a file page whose bytes "
                   "are not known (a shared view may have stored there): Linux drops a "
                   "clean file page and refaults the page cache folio, never swaps it")

    def swap_share(self, src: int, dst: int, va: int, version: int
                    ) -> tuple[int, bytes]:
        self.c.aligned((va, PAGE))
        a = self.c.domain(src)
        b = self.c.domain(dst)
        if a.id != b.id:
            refuse("swap_share.same_domain", Status.ERR_OWNER, f"trees of domains {a.id} and {b.id}")
        rec = self._records(a).get(version)
        if rec is None or src not in rec.holders or rec.va != va:
            refuse("swap_share.outstanding", Status.ERR_STALE, f"version {version} at {va:#x} is "
                                                             "not outstanding for the source tree")
        space = b.spaces.get(dst)
        if space is not None and space.fork_fresh(va):
            refuse("swap_share.fork_advice", Status.ERR_DENIED,
                   f"{va:#x} was MADV_WIPEONFORK or MADV_DONTFORK when tree {dst:#x} was "
                   "forked: the parent's sealed page does not reach the child")
        if not self.s.fork_copy.copying(dst, src):
            refuse("swap_share.fork_copy", Status.ERR_DENIED,
                   f"tree {dst:#x} is no fork child being copied from {src:#x}: a sealed page "
                   "is shared only by the trees that held it at the fork")
        rec.holders.add(dst)
        return 0, b""

    def swap_discard(self, root: int, va: int, version: int) -> tuple[int, bytes]:
        self.c.aligned((va, PAGE))
        dom = self.c.domain(root)
        records = self._records(dom)
        rec = records.get(version)
        if rec is None or root not in rec.holders or rec.va != va:
            refuse("swap_discard.outstanding", Status.ERR_STALE, f"version {version} at {va:#x} "
                                                               "is not outstanding for this tree")
        if not self.s.lifecycle.may_discard(root, va):
            refuse("swap_discard.program_asked", Status.ERR_DENIED,
                   f"the program did not unmap {va:#x}: its sealed page stays claimable")
        self._release(dom.id, version, root)
        return 0, b""

    def forget_unmapped(self, root: int, ranges: list[tuple[int, int]]) -> None:
        """The program's own munmap (madvise, MAP_FIXED, brk, mremap) of these ranges
        completed: the tree's sealed pages there are gone with them, so none can come back
        later into new memory the program maps at the same address."""
        dom = self.s.registry.domain_of_root(root)
        index = self._at_va.get(dom.id) if dom is not None else None
        if not index or dom is None:
            return
        pages = sum((e - s) // PAGE for s, e in ranges)
        vas = ([va for s, e in ranges for va in range(s, e, PAGE) if va in index]
               if pages < len(index) else
               [va for va in index if any(s <= va < e for s, e in ranges)])
        records = self.seals[dom.id]
        for va in vas:
            for version in list(index.get(va, ())):
                if root in records[version].holders:
                    self._release(dom.id, version, root)

    def forget_root(self, root: int) -> None:
        """A tree was freed (FREE_PGD: its process exited or exec'd): its claims go, so a
        later tree at the same root PA, in the same domain, inherits none; a domain with
        no tree left can never swap a page in again, and its seal state goes whole."""
        for dom_id, records in self.seals.items():
            for version in [v for v, r in records.items() if root in r.holders]:
                self._release(dom_id, version, root)
        live = self.s.registry.domains
        self._share_back = {k: v for k, v in self._share_back.items()
                            if k[2] != root and k[0] in live}
        for dom_id in [d for d in self.seals if d not in live]:
            del self.seals[dom_id]
            self._at_va.pop(dom_id, None)
            self._aead.pop(dom_id, None)
            self.last_version.pop(dom_id, None)     # (domain ids are never reused)
            clean = self.s.admission.clean
            if clean.sealed:
                clean.sealed = {k: v for k, v in clean.sealed.items() if k[0] != dom_id}

