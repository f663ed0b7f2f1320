"""Secure memory management for confidential address spaces (the secure ABI's mechanism side).

The kernel keeps every policy decision (which page to swap, where to migrate,
what to merge, when to collapse a huge page); the Guardian performs each
mechanism as one checked, atomic step, because the kernel can neither read a
confidential frame nor write a table entry that maps one:

- swap-out seals the page (AES-GCM under the domain's key, bound to the
  domain, the virtual address and a fresh version) into bytes the kernel may
  store anywhere, installs the kernel's swap descriptor and scrubs the frame;
  swap-in accepts only an outstanding version, sealed for this address space
  and VA, that authenticates (no tampering, replay or transplant);
- migration and compaction copy and remap in one call and scrub the old frame;
- KSM merges only identical pages of one domain, read-only (CoW breaks them);
- THP collapse/split swap a level-3 table of 512 contiguous pages for a 2 MiB
  block and back;
- compression is refused: the kernel may not see the plaintext and
  ciphertext does not compress.

Every refusal leaves the frame table and memory unchanged and is recorded as a
Guardian decision.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from abi import Call, FrameKind, Status
from abi.layout import USER_TOP
from emulator import descriptors as D
from guardian import checks
from guardian.checks import refuse
from guardian.linear_map import TABLE_ENTRIES
from guardian.state import MonitorState

if TYPE_CHECKING:
    from guardian.slots import Domain

PAGE = 4096
HUGE = 2 << 20
SEAL_MAGIC = b"BFS1"
SEAL_HEADER = struct.Struct("<4sIQ")          # magic, reserved, version (authenticated)
SEALED_SIZE = SEAL_HEADER.size + PAGE + 16    # header, ciphertext, GCM tag
_SW_MASK = 0xF << D.SW_SHIFT
_SHIFTS = D.LEVEL_SHIFT[:3]                   # levels 0-2, the tables above a page

SECURE_MM_CALLS = frozenset({
    Call.SWAP_OUT, Call.SWAP_IN, Call.SWAP_SHARE, Call.SWAP_DISCARD, Call.MIGRATE_PAGE,
    Call.PAGE_DIGEST, Call.KSM_MERGE, Call.THP_COLLAPSE, Call.THP_SPLIT, Call.COMPRESS_PAGE,
})


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


def secure_mm_for(g: object) -> SecureMM:
    """The Guardian's SecureMM component (kept for callers that hold the Guardian)."""
    return g.secure_mm  # type: ignore[attr-defined,no-any-return]


class SecureMM:
    def __init__(self, state: MonitorState) -> None:
        self.s = state
        state.on_unmapped = self.forget_unmapped
        self.seals: dict[int, dict[int, SealRecord]] = {}   # domain -> version -> record
        self.last_version: dict[int, int] = {}
        self._aead: dict[int, AESGCM] = {}
        #: domain -> va -> the outstanding versions sealed for that address (an index).
        self._at_va: dict[int, dict[int, set[int]]] = {}
        #: (domain, version, tree) -> (va, tree) where a sealed page of a MAP_SHARED share
        #: came back for every place: that tree's claim ended with it.
        self._share_back: dict[tuple[int, int, int], tuple[int, int]] = {}
        state.sealed = self.holds
        #: call -> (its name, its method, its counter): looked up once, not per call.
        self._routes: dict[Call, tuple[str, Callable[..., tuple[int, bytes]], str]] = {}
        #: a domain's key -> its keyed KSM digest before any data (copied for each page).
        self._digest_keys: dict[bytes, Any] = {}

    def holds(self, root: int, va: int) -> bool:
        """Whether tree `root` holds an outstanding sealed page for `va` (the page is
        swapped out there: only SWAP_IN, or the program's own unmapping, ends that)."""
        dom = self.s.registry.domain_of_root(root)
        versions = self._at_va.get(dom.id, {}).get(va) if dom is not None else None
        return bool(versions) and any(root in self.seals[dom.id][v].holders
                                      for v in versions)

    # --- the calls (each: root, va, ... -> (value, bytes out)) ---------------------------
    def call(self, call: Call, args: tuple[int, ...], payload: bytes) -> tuple[int, bytes]:
        route = self._routes.get(call)
        if route is None:
            name = call.name.lower()
            route = self._routes[call] = (name, getattr(self, f"_{name}"), f"guardian.abi.{name}")
        name, handler, counter = route
        if call == Call.SWAP_IN:
            value, data = self._swap_in(name, *args, payload=payload)
        else:
            value, data = handler(name, *args)
        self.s.stats.inc(counter)
        return value, data

    # --- shared checks ----------------------------------------------------------------
    def _domain(self, name: str, root: int, status: Status = Status.ERR_KIND) -> Domain:
        dom = self.s.registry.domain_of_root(root) if root % PAGE == 0 else None
        if dom is None or root & ~D.ADDR_MASK:
            refuse("smm.confidential_root", status, f"{root:#x} is not the root of a "
                                                    "confidential address space")
        assert dom is not None
        return dom

    def _aligned(self, name: str, *pairs: tuple[int, int]) -> None:
        for value, align in pairs:
            if value % align:
                refuse("smm.aligned", Status.ERR_ALIGN, f"{value:#x} is not aligned to "
                                                           f"{align:#x}")

    def _user(self, name: str, va: int, extra_ok: bool = True, what: str = "") -> None:
        if not 0 <= va < USER_TOP or not extra_ok:
            refuse("smm.user_range", Status.ERR_RANGE, what or f"{va:#x} is not a user address")

    def _fresh_frame(self, name: str, pa: int, what: str = "frame") -> None:
        fr = self.s.frames
        kind = fr.kind_of(pa)
        if kind not in (FrameKind.FREE, FrameKind.KERNEL) or fr.record(pa).user_maps:
            refuse("smm.fresh_frame", Status.ERR_KIND, f"{what} {pa:#x} is {kind.name}, not a "
                                                      "free frame without user mappings")

    def _table_of(self, root: int, va: int, level: int) -> int | None:
        """The level-`level` table on va's path in root's tree (None: no such table)."""
        table = root
        read_u64 = self.s.ram.read_u64
        for shift in _SHIFTS[:level]:
            desc = read_u64(table + 8 * ((va >> shift) & 0x1FF))
            if desc & 3 != 3:          # not a table descriptor (levels 0-2)
                return None
            table = desc & D.ADDR_MASK
        return table

    def _page(self, name: str, root: int, va: int, dom: Domain, *, alone: bool
              ) -> tuple[int, int, int]:
        """(entry PA, descriptor, frame) of the 4 KiB page entry mapping va, checked."""
        table = self._table_of(root, va, 3)
        desc = self.s.ram.read_u64(table + 8 * D.level_index(va, 3)) if table else 0
        if not desc & D.VALID:
            refuse("smm.page_mapped", Status.ERR_STATE, f"{va:#x} is not mapped by a page entry")
        pa = desc & D.ADDR_MASK
        fr = self.s.frames
        n = fr.index(pa)
        if n is None or fr.kind[n] != FrameKind.CONFIDENTIAL or fr.owner[n] != dom.id:
            refuse("smm.page_owned", Status.ERR_OWNER, f"frame {pa:#x} at {va:#x} is not a "
                                                       f"confidential frame of domain {dom.id}")
        if alone and fr.user_maps[n] != 1:
            refuse("smm.page_alone", Status.ERR_STATE, f"frame {pa:#x} has {fr.user_maps[n]} "
                                                       "mappings")
        assert table is not None
        return table + 8 * D.level_index(va, 3), desc, pa

    def _write(self, entry_pa: int, level: int, desc: int, domain: int, root: int,
               va: int) -> None:
        """Write one entry of a domain's tree with the Guardian's reference bookkeeping
        (new references before old ones; a linked table joins the domain)."""
        self.s.tables.write_entry(entry_pa, level, desc, domain, root, va)

    # --- sealing --------------------------------------------------------------------
    def _cipher(self, dom: Domain) -> AESGCM:
        aead = self._aead.get(dom.id)
        if aead is None:
            aead = self._aead[dom.id] = AESGCM(dom.key)
        return aead

    @staticmethod
    def _nonce_aad(dom: Domain, va: int, version: int) -> tuple[bytes, bytes]:
        header = SEAL_HEADER.pack(SEAL_MAGIC, 0, version)
        return struct.pack("<QI", version, 0), header + struct.pack("<QQ", dom.id, va)

    def _seal(self, dom: Domain, va: int, version: int, plain: bytes) -> bytes:
        nonce, aad = self._nonce_aad(dom, va, version)
        return SEAL_HEADER.pack(SEAL_MAGIC, 0, version) + self._cipher(dom).encrypt(nonce, plain,
                                                                                     aad)

    def _records(self, dom: Domain) -> dict[int, SealRecord]:
        return self.seals.setdefault(dom.id, {})

    # --- swap -------------------------------------------------------------------------
    def _swap_out(self, name: str, root: int, va: int, swap_desc: int) -> tuple[int, bytes]:
        self._aligned(name, (va, PAGE))
        self._user(name, va, swap_desc != 0 and not swap_desc & D.VALID,
                   f"va {va:#x} / swap descriptor {swap_desc:#x} out of range")
        dom = self._domain(name, root)
        entry, _, pa = self._page(name, root, va, dom, alone=True)
        version = self.last_version.get(dom.id, 0) + 1
        self.last_version[dom.id] = version
        g = self.s
        sealed = self._seal(dom, va, version, g.ram.read(pa, PAGE))
        self._supersede(dom, root, va)
        self._records(dom)[version] = SealRecord(va, {root})
        self._at_va.setdefault(dom.id, {}).setdefault(va, set()).add(version)
        self._write(entry, 3, swap_desc, dom.id, root, va)          # last mapping: scrubbed and FREE
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
            versions = self._at_va[dom_id][rec.va]
            versions.discard(version)
            if not versions:
                del self._at_va[dom_id][rec.va]

    def _swap_in(self, name: str, root: int, va: int, frame: int, desc: int, *,
                 payload: bytes) -> tuple[int, bytes]:
        g = self.s
        self._aligned(name, (va, PAGE), (frame, PAGE))
        self._user(name, va, g.frames.contains(frame), f"va {va:#x} or frame {frame:#x} "
                                                       "out of range")
        dom = self._domain(name, root)
        self._fresh_frame(name, frame)
        table = self._table_of(root, va, 3)
        entry = table + 8 * D.level_index(va, 3) if table else 0
        if not table or g.ram.read_u64(entry) & D.VALID:
            refuse("swap_in.slot_empty", Status.ERR_STATE, f"{va:#x} has no level-3 table or is "
                                                       "already present")
        if desc & 3 != 3 or desc & D.ADDR_MASK != frame:
            refuse("swap_in.descriptor", Status.ERR_DENIED, f"descriptor {desc:#x} is not a page "
                                                        f"entry for {frame:#x}")
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
        try:
            plain = self._cipher(dom).decrypt(nonce, payload[SEAL_HEADER.size:], aad)
        except InvalidTag:
            refuse("swap_in.authentic", Status.ERR_AUTH, f"the sealed page for {va:#x} fails "
                                                         "authentication (tampered)")
            plain = payload[SEAL_HEADER.size:SEAL_HEADER.size + PAGE].ljust(PAGE, b"\0")
        records = self._records(dom)
        key, others = self.s.shares.check_swap_in(
            dom.id, root, va, lambda r, v: version in self._at_va.get(dom.id, {}).get(v, ())
            and r in records[version].holders)
        g.protect_frame(frame, dom.id)       # out of the linear map before it holds data
        g.ram.write(frame, plain)
        self._write(entry, 3, desc, dom.id, root, va)
        holders = set(rec.holders) - {root}
        self._release(dom.id, version, root)
        if key is not None and checks.enabled("swap_in.share_one_frame"):
            # A share page is one page: back here, it is back for every place of it, whose
            # trees now map this frame (a claim kept would let one side swap in a copy).
            for other in holders & {r for r, v, _, _ in others if v == rec.va}:
                self._release(dom.id, version, other)
                self._share_back[(dom.id, version, other)] = (va, root)
        g.flush_page(va)
        g.clock.charge("page_copy")
        return 0, b""

    def _swap_share(self, name: str, src: int, dst: int, va: int, version: int
                    ) -> tuple[int, bytes]:
        self._aligned(name, (va, PAGE))
        a = self._domain(name, src)
        b = self._domain(name, dst)
        if a.id != b.id:
            refuse("swap_share.same_domain", Status.ERR_OWNER, f"trees of domains {a.id} and {b.id}")
        rec = self._records(a).get(version)
        if rec is None or src not in rec.holders or rec.va != va:
            refuse("swap_share.outstanding", Status.ERR_STALE, f"version {version} at {va:#x} is "
                                                             "not outstanding for the source tree")
        rec.holders.add(dst)
        return 0, b""

    def _swap_discard(self, name: str, root: int, va: int, version: int) -> tuple[int, bytes]:
        self._aligned(name, (va, PAGE))
        dom = self._domain(name, root)
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
        """A tree was freed: drop its claims (so a reused root PA inherits none)."""
        for dom_id, records in self.seals.items():
            for version in [v for v, r in records.items() if root in r.holders]:
                self._release(dom_id, version, root)

    # --- migration, digest, merge -----------------------------------------------------
    def _migrate_page(self, name: str, root: int, va: int, new: int) -> tuple[int, bytes]:
        g = self.s
        self._aligned(name, (va, PAGE), (new, PAGE))
        self._user(name, va, g.frames.contains(new), f"va {va:#x} or frame {new:#x} out of "
                                                     "range")
        dom = self._domain(name, root)
        self._fresh_frame(name, new, "new frame")
        entry, desc, old = self._page(name, root, va, dom, alone=True)
        g.protect_frame(new, dom.id)
        g.ram.copy_page(new, old)
        self._write(entry, 3, (desc & ~D.ADDR_MASK) | new, dom.id, root, va)   # old: last mapping, scrubbed
        g.flush_page(va)
        g.clock.charge("page_copy")
        return 0, b""

    def _page_digest(self, name: str, root: int, va: int) -> tuple[int, bytes]:
        self._aligned(name, (va, PAGE))
        dom = self._domain(name, root)
        _, _, pa = self._page(name, root, va, dom, alone=False)
        keyed = self._digest_keys.get(dom.key)
        if keyed is None:
            keyed = self._digest_keys[dom.key] = hashlib.blake2b(
                digest_size=8, key=dom.key[:32], person=b"bf-ksm")
        h = keyed.copy()
        ram = self.s.ram
        off = pa - ram.base
        h.update(ram.view[off:off + PAGE])      # hashed in place: no copy of the page
        return int.from_bytes(h.digest(), "little"), b""

    def _ksm_merge(self, name: str, root_a: int, va_a: int, root_b: int, va_b: int,
                   sw: int) -> tuple[int, bytes]:
        g = self.s
        self._aligned(name, (va_a, PAGE), (va_b, PAGE))
        da = self._domain(name, root_a)
        db = self._domain(name, root_b)
        if da.id != db.id:
            refuse("ksm.same_domain", Status.ERR_DENIED, f"pages of domains {da.id} and {db.id} "
                                                        "are never merged")
        ta, tb = self._table_of(root_a, va_a, 3), self._table_of(root_b, va_b, 3)
        ea = ta + 8 * D.level_index(va_a, 3) if ta else 0
        eb = tb + 8 * D.level_index(va_b, 3) if tb else 0
        desc_a = g.ram.read_u64(ea) if ea else 0
        desc_b = g.ram.read_u64(eb) if eb else 0
        if not (desc_a & D.VALID and desc_b & D.VALID) or \
                desc_a & D.ADDR_MASK == desc_b & D.ADDR_MASK:
            refuse("ksm.distinct_present", Status.ERR_STATE, "both pages must be present in "
                                                       "different frames")
        _, _, pa = self._page(name, root_a, va_a, da, alone=False)
        _, _, pb = self._page(name, root_b, va_b, da, alone=False)
        for root, va in ((root_a, va_a), (root_b, va_b)):
            if self.s.shares.key_at(da.id, root, va) is not None:
                refuse("ksm.private_only", Status.ERR_DENIED,
                       f"{va:#x} in tree {root:#x} is a page of a MAP_SHARED share: merging it "
                       "would make one side's page a copy-on-write copy")
        if g.ram.read(pa, PAGE) != g.ram.read(pb, PAGE):
            refuse("ksm.identical", Status.ERR_DENIED, "the pages differ")
        soft = (sw & 0xF) << D.SW_SHIFT
        g.frames.record_share(pa, root_b, va_b)
        self._write(ea, 3, (desc_a & ~_SW_MASK) | D.AP_RO | soft, da.id, root_a, va_a)
        self._write(eb, 3, (desc_b & ~(D.ADDR_MASK | _SW_MASK)) | pa | D.AP_RO | soft,
                    da.id, root_b, va_b)
        g.flush_page(va_a)
        g.flush_page(va_b)
        return 0, b""

    # --- transparent huge pages ---------------------------------------------------------
    def _thp_collapse(self, name: str, root: int, va: int) -> tuple[int, bytes]:
        g = self.s
        self._aligned(name, (va, HUGE))
        self._user(name, va)
        dom = self._domain(name, root)
        l2 = self._table_of(root, va, 2)
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
        self._write(l2_entry, 2, block, dom.id, root, va)
        g.ram.zero_page(l3)
        for i, e in enumerate(entries):   # the old table's mappings go (the block's stay)
            g.tables.drop(3, e, l3 + 8 * i, root, va + i * PAGE)
        fr.free_table(l3)
        g.linear_writable(l3)
        g.flush_range(va, HUGE)
        return l3, b""

    def _thp_split(self, name: str, root: int, va: int, table: int) -> tuple[int, bytes]:
        g = self.s
        self._aligned(name, (va, HUGE), (table, PAGE))
        self._user(name, va, g.frames.contains(table), f"va {va:#x} or table {table:#x} out "
                                                       "of range")
        dom = self._domain(name, root)
        self._fresh_frame(name, table, "table frame")
        l2 = self._table_of(root, va, 2)
        l2_entry = l2 + 8 * D.level_index(va, 2) if l2 else 0
        block = g.ram.read_u64(l2_entry) if l2 else 0
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
        self._write(l2_entry, 2, D.table_descriptor(table), dom.id, root, va)
        g.flush_range(va, HUGE)
        return 0, b""

    # --- compression ---------------------------------------------------------------------
    def _compress_page(self, name: str, root: int, va: int) -> tuple[int, bytes]:
        refuse("compress.refused", Status.ERR_UNSUPPORTED,
               "memory compression is not offered for confidential pages: the "
               "kernel may not see the plaintext and sealed pages do not compress")
        return 0, b""
