"""Translation-table mediation: the Guardian's calls that change the kernel's page tables.

REGISTER_PT and RELEASE_PT turn frames into tables and back, SET_PT writes one descriptor after
checking it (ownership, domain, one parent per table, no frame shared into or out of a domain),
SET_PTBR switches the live TTBR0 root and FREE_PGD tears a tree down.  Tables are read-only in
the kernel's linear map, so these checked calls are the only way a translation changes.  A mixin
of `Guardian`, which holds the frame table, RAM and decisions these use.
"""

from __future__ import annotations

import struct

from abi import FrameKind, Status
from emulator import descriptors as D
from emulator import sysregs as S
from guardian.frame_table import PAGE

KERNEL_OWNER = 0          # owner id of the kernel's own tables (domains are 1, 2, ...)
TABLE_ENTRIES = struct.Struct("<512Q")
LM_PERMS_RW = D.PagePerms(user=False, write=True, user_exec=False, kernel_exec=False,
                           global_=True)
LM_PERMS_RO = D.PagePerms(user=False, write=False, user_exec=False, kernel_exec=False,
                           global_=True)


class PageTableCalls:
    """REGISTER_PT, RELEASE_PT, SET_PT, SET_PTBR and FREE_PGD, with their checks."""

    def _frame_checks(self, call: str, pa: int) -> Status | None:
        if pa % PAGE:
            return self._decide(call, Status.ERR_ALIGN, f"{pa:#x} is not page aligned")
        if not self.frames.contains(pa):
            return self._decide(call, Status.ERR_RANGE, f"{pa:#x} is not RAM")
        return None

    def _call_register_pt(self, pa: int, level: int) -> tuple[Status, int]:
        bad = self._frame_checks("register_pt", pa)
        if bad is not None:
            return bad, 0
        if not 0 <= level <= 3:
            return self._decide("register_pt", Status.ERR_RANGE, f"level {level}"), 0
        kind = self.frames.kind_of(pa)
        if kind not in (FrameKind.FREE, FrameKind.KERNEL):
            return self._decide("register_pt", Status.ERR_KIND,
                                f"{pa:#x} is a {kind.name} frame"), 0
        if self.frames.record(pa).user_maps:
            return self._decide("register_pt", Status.ERR_STATE, f"{pa:#x} is user-mapped"), 0
        self.ram.zero_page(pa)
        self.frames.set_kind(pa, FrameKind.PAGE_TABLE, owner=KERNEL_OWNER, level=level)
        self._set_linear(pa, LM_PERMS_RO)
        return Status.OK, 0

    def _call_release_pt(self, pa: int) -> tuple[Status, int]:
        if pa % PAGE:
            return self._decide("release_pt", Status.ERR_ALIGN, f"{pa:#x} is not page aligned"), 0
        if not self.frames.contains(pa):
            return self._decide("release_pt", Status.ERR_KIND, f"{pa:#x} is not a table"), 0
        rec = self.frames.record(pa)
        if rec.kind != FrameKind.PAGE_TABLE:
            return self._decide("release_pt", Status.ERR_KIND, f"{pa:#x} is not a table"), 0
        if rec.parent or self._is_live_root(pa):
            return self._decide("release_pt", Status.ERR_STATE, f"table {pa:#x} is in use"), 0
        if any(d & D.VALID for d in TABLE_ENTRIES.unpack(self.ram.read(pa, PAGE))):
            return self._decide("release_pt", Status.ERR_STATE, f"table {pa:#x} not empty"), 0
        self.ram.zero_page(pa)
        self.frames.set_kind(pa, FrameKind.FREE)
        self._set_linear(pa, LM_PERMS_RW)
        return Status.OK, 0

    def _call_set_pt(self, table: int, index: int, desc: int) -> tuple[Status, int]:
        bad = self._frame_checks("set_pt", table)
        if bad is not None:
            return bad, 0
        if not 0 <= index < 512:
            return self._decide("set_pt", Status.ERR_RANGE, f"index {index}"), 0
        trec = self.frames.record(table)
        if trec.kind != FrameKind.PAGE_TABLE:
            return self._decide("set_pt", Status.ERR_KIND,
                                f"{table:#x} is a {trec.kind.name} frame, not a table"), 0
        entry_pa = table + 8 * index
        status = self._check_new(trec.level, desc, entry_pa)
        if status is not None:
            return status, 0
        old = self.ram.read_u64(entry_pa)
        if old == desc:
            return Status.OK, 0
        domain = self._domain_of_table(table)
        if desc & D.VALID and trec.level < 3 and desc & D.TABLE:
            child = desc & D.ADDR_MASK
            crec = self.frames.record(child)
            if crec.owner != domain and any(d & D.VALID for d in
                                            TABLE_ENTRIES.unpack(self.ram.read(child, PAGE))):
                return self._decide("set_pt", Status.ERR_DENIED,
                                    f"table {child:#x} holds mappings of another address "
                                    "space; only empty tables move between trees"), 0
        if desc & D.VALID and (trec.level == 3 or not desc & D.TABLE):
            for pa in self._leaf_frames(trec.level, desc):
                rec = self.frames.record(pa)
                if rec.kind == FrameKind.CONFIDENTIAL and rec.owner != domain:
                    return self._decide("set_pt", Status.ERR_DENIED,
                                        f"confidential frame {pa:#x} belongs to another "
                                        "protection domain"), 0
                if domain and rec.kind != FrameKind.CONFIDENTIAL and rec.user_maps:
                    return self._decide("set_pt", Status.ERR_DENIED,
                                        f"frame {pa:#x} is mapped by another address space; "
                                        "it cannot become confidential"), 0
            if domain and trec.level == 3:
                refused = self.conf.admit_leaf(domain, self._entry_va(table, index),
                                               D.output_address(desc, 3))
                if refused is not None:
                    return refused, 0
        if domain and old & D.VALID and (trec.level == 3 or not old & D.TABLE):
            kept = set(self._leaf_frames(trec.level, desc)) if desc & D.VALID and (
                trec.level == 3 or not desc & D.TABLE) else set()
            for pa in self._leaf_frames(trec.level, old):
                rec = self.frames.record(pa)
                if (rec.kind == FrameKind.CONFIDENTIAL and rec.user_maps == 1
                        and pa not in kept):
                    va = self._entry_va(table, index)
                    if not self.conf.may_discard(self._root_of(table), va):
                        return self._decide("set_pt", Status.ERR_DENIED,
                                            f"removing the last mapping of confidential page "
                                            f"{va:#x} would discard it: only the program's own "
                                            "unmapping, its exit, or SWAP_OUT may do that"), 0
        # Take the new references before dropping the old ones, so rewriting an
        # entry to the same frame never lets its count touch zero.
        self._take(trec.level, desc, entry_pa, domain)
        self.ram.write_u64(entry_pa, desc)
        self._drop(trec.level, old, entry_pa)
        if domain and desc & D.VALID and (trec.level == 3 or not desc & D.TABLE):
            for pa in self._leaf_frames(trec.level, desc):
                self.conf.protect_frame(pa, domain)
        if old & D.VALID:
            self._flush()      # a changed or removed translation may be cached
        return Status.OK, 0

    def _entry_va(self, table: int, index: int) -> int:
        """The user VA an entry translates, from the tables' parent links."""
        level = self.frames.record(table).level
        va = index << D.LEVEL_SHIFT[level]
        shift = D.LEVEL_SHIFT[level] + 9
        for _ in range(level):
            parent = self.frames.record(table).parent
            if not parent:
                break
            va |= ((parent & (PAGE - 1)) // 8) << shift
            shift += 9
            table = parent & ~(PAGE - 1)
        return va

    def _root_of(self, table: int) -> int:
        for _ in range(4):
            parent = self.frames.record(table).parent
            if not parent:
                break
            table = parent & ~(PAGE - 1)
        return table

    def _domain_of_table(self, table: int) -> int:
        """The protection domain a table page belongs to (0: an ordinary tree).

        Tables join a domain when linked into one (or adopted with its root) and
        stay its own until released, so a subtree cannot carry a domain's frames
        into another tree."""
        return self.frames.record(table).owner

    def _check_new(self, level: int, desc: int, entry_pa: int) -> Status | None:
        if not desc & D.VALID:
            return None
        if level < 3 and desc & D.TABLE:
            child = desc & D.ADDR_MASK
            if not self.frames.contains(child):
                return self._decide("set_pt", Status.ERR_RANGE, f"child table {child:#x} not RAM")
            rec = self.frames.record(child)
            if rec.kind != FrameKind.PAGE_TABLE or rec.level != level + 1:
                return self._decide("set_pt", Status.ERR_KIND,
                                    f"{child:#x} is not a level-{level + 1} table")
            if rec.parent and rec.parent != entry_pa:
                return self._decide("set_pt", Status.ERR_STATE,
                                    f"table {child:#x} already has a parent")
            if self._is_live_root(child):
                return self._decide("set_pt", Status.ERR_STATE,
                                    f"table {child:#x} is a live root")
            return None
        if level == 0 or (level == 3 and not desc & D.TABLE):
            return self._decide("set_pt", Status.ERR_DENIED, "reserved descriptor encoding")
        out = D.output_address(desc, level)
        size = 1 << D.LEVEL_SHIFT[level]
        for pa in range(out, out + size, PAGE):
            if not self.frames.contains(pa):
                return self._decide("set_pt", Status.ERR_DENIED,
                                    f"{pa:#x} is not RAM: user tables map memory only")
            kind = self.frames.kind_of(pa)
            if kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
                return self._decide("set_pt", Status.ERR_DENIED,
                                    f"mapping a {kind.name} frame ({pa:#x}) is not allowed")
        return None

    def _leaf_frames(self, level: int, desc: int) -> range:
        out = D.output_address(desc, level)
        return range(out, out + (1 << D.LEVEL_SHIFT[level]), PAGE)

    def _drop(self, level: int, desc: int, entry_pa: int = 0) -> None:
        if not desc & D.VALID:
            return
        if level < 3 and desc & D.TABLE:
            child = desc & D.ADDR_MASK
            n = self.frames.index(child)
            if n is None:
                return
            if entry_pa:
                # Called after the write: the entry may link the same child again.
                new = self.ram.read_u64(entry_pa)
                relinked = new & D.VALID and new & D.TABLE and new & D.ADDR_MASK == child
                if relinked or self.frames.parent[n] != entry_pa:
                    return
            self.frames.parent[n] = 0
            return
        for pa in self._leaf_frames(level, desc):
            n = self.frames.index(pa)
            if n is not None and self.frames.user_maps[n]:
                self.frames.user_maps[n] -= 1
                if self.frames.user_maps[n] == 0:
                    if self.frames.kind[n] == FrameKind.USER:
                        self.frames.set_kind(pa, FrameKind.FREE)
                    elif self.frames.kind[n] == FrameKind.CONFIDENTIAL:
                        self.conf.release_frame(pa)

    def _take(self, level: int, desc: int, entry_pa: int, domain: int = 0) -> None:
        if not desc & D.VALID:
            return
        if level < 3 and desc & D.TABLE:
            n = self.frames.index(desc & D.ADDR_MASK)
            assert n is not None
            self.frames.parent[n] = entry_pa
            self.frames.owner[n] = domain
            return
        for pa in self._leaf_frames(level, desc):
            n = self.frames.index(pa)
            if n is not None:
                self.frames.user_maps[n] += 1
                if self.frames.kind[n] in (FrameKind.FREE, FrameKind.KERNEL):
                    self.frames.kind[n] = FrameKind.USER

    def _is_live_root(self, pa: int) -> bool:
        return any(cpu.ttbr0 & D.ADDR_MASK == pa for cpu in self.cpus)

    def _is_root(self, pa: int) -> bool:
        if pa % PAGE or not self.frames.contains(pa):
            return False
        rec = self.frames.record(pa)
        return rec.kind == FrameKind.PAGE_TABLE and rec.level == 0 and not rec.parent

    def _call_set_ptbr(self, ttbr0: int) -> tuple[Status, int]:
        base = ttbr0 & D.ADDR_MASK
        if ttbr0 & 0xFFE:
            return self._decide("set_ptbr", Status.ERR_ALIGN, "unaligned TTBR0"), 0
        if not self._is_root(base):
            return self._decide("set_ptbr", Status.ERR_KIND, f"{base:#x} is not a root table"), 0
        for cpu in self.cpus[:1]:
            cpu.write_sysreg(S.TTBR0_EL1, ttbr0)
        self.live_ttbr0 = ttbr0
        return Status.OK, 0

    def _call_free_pgd(self, root: int) -> tuple[Status, int]:
        if root % PAGE:
            return self._decide("free_pgd", Status.ERR_ALIGN, f"{root:#x} is not page aligned"), 0
        if not self._is_root(root):
            return self._decide("free_pgd", Status.ERR_KIND, f"{root:#x} is not a root table"), 0
        if self._is_live_root(root):
            return self._decide("free_pgd", Status.ERR_STATE, "the tree is live in TTBR0"), 0
        self._free_tree(root, 0)
        self.conf.forget_root(root)
        from guardian.secure_mm import secure_mm_for  # it imports this module
        secure_mm_for(self).forget_root(root)
        return Status.OK, 0

    def _free_tree(self, table: int, level: int) -> None:
        entries = TABLE_ENTRIES.unpack(self.ram.read(table, PAGE))
        for desc in entries:
            if not desc & D.VALID:
                continue
            if level < 3 and desc & D.TABLE:
                self._free_tree(desc & D.ADDR_MASK, level + 1)
            else:
                self._drop(level, desc)
        self.ram.zero_page(table)
        self.frames.set_kind(table, FrameKind.FREE)
        self._set_linear(table, LM_PERMS_RW)
