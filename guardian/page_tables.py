"""Translation-table mediation: the Guardian's calls that change the kernel's page tables.

REGISTER_PT and RELEASE_PT turn frames into tables and back, SET_PT writes one
descriptor after checking it (ownership, domain, one parent per table, one
mapping per confidential frame, measurement of what enters a domain, no page
leaving a domain unasked), SET_PTBR switches the live TTBR0 root and FREE_PGD
tears a tree down.  Tables are read-only in the kernel's linear map, so these
checked calls are the only way a translation changes.  Each call checks the
whole request first and then commits through the frame table's transitions.
"""

from __future__ import annotations

import hashlib
import struct

from abi import FrameKind, Status
from emulator import descriptors as D
from guardian import checks, numa_hints
from guardian.checks import refuse
from guardian.descriptor_kinds import (
    PROT_NONE,
    is_leaf,
    is_prot_none,
    is_table_desc,
    leaf_frames,
    prot_none_as_leaf,
)
from guardian.folio_alias import kept_folio
from guardian.frame_table import PAGE
from guardian.linear_map import TABLE_ENTRIES
from guardian.set_pt_checks import SetPtChecks
from guardian.stale_translations import needs_invalidation
from guardian.state import MonitorState

KERNEL_OWNER = 0          # owner id of the kernel's own tables (domains are 1, 2, ...)
ZERO_PAGE = bytes(PAGE)
ZERO_DIGEST = hashlib.sha256(ZERO_PAGE).digest()
_U64 = struct.Struct("<Q")


class PageTables:
    """REGISTER_PT, RELEASE_PT, SET_PT, SET_PTBR and FREE_PGD, with their checks."""

    def __init__(self, state: MonitorState) -> None:
        self.s = state
        self.entry_checks = SetPtChecks(state)

    # --- shared checks ----------------------------------------------------------------
    def _frame(self, pa: int) -> None:
        if pa % PAGE:
            refuse("frame.aligned", Status.ERR_ALIGN, f"{pa:#x} is not page aligned")
        if not self.s.frames.contains(pa):
            refuse("frame.in_ram", Status.ERR_RANGE, f"{pa:#x} is not RAM")

    def check_frame(self, pa: int) -> None:
        """A frame or table a call names is page aligned and RAM (for CLEAR_PT_RANGE)."""
        self._frame(pa)

    def check_discard(self, level: int, old: int, new: int, root: int, va: int) -> None:
        """SET_PT's rule for an entry that goes or changes (for CLEAR_PT_RANGE)."""
        self.entry_checks.check_discard(level, old, new, root, va)

    # --- REGISTER_PT / RELEASE_PT --------------------------------------------------------
    def register_pt(self, pa: int, level: int) -> int:
        self._frame(pa)
        if not 0 <= level <= 3:
            refuse("register_pt.level", Status.ERR_RANGE, f"level {level}")
        fr = self.s.frames
        kind = fr.kind_of(pa)
        if kind not in (FrameKind.FREE, FrameKind.KERNEL):
            refuse("register_pt.kind", Status.ERR_KIND, f"{pa:#x} is a {kind.name} frame")
        if fr.record(pa).user_maps:
            refuse("register_pt.unmapped", Status.ERR_STATE, f"{pa:#x} is user-mapped")
        self.s.ram.zero_page(pa)
        fr.make_table(pa, level)
        self.s.linear_readonly(pa)
        return 0

    def release_pt(self, pa: int) -> int:
        if pa % PAGE:
            refuse("frame.aligned", Status.ERR_ALIGN, f"{pa:#x} is not page aligned")
        fr = self.s.frames
        if not fr.contains(pa) or fr.kind_of(pa) != FrameKind.PAGE_TABLE:
            refuse("release_pt.kind", Status.ERR_KIND, f"{pa:#x} is not a table")
        if fr.record(pa).parent or self.s.is_live_root(pa):
            refuse("release_pt.unused", Status.ERR_STATE, f"table {pa:#x} is in use")
        if any(d & D.VALID for d in TABLE_ENTRIES.unpack(self.s.ram.read(pa, PAGE))):
            refuse("release_pt.empty", Status.ERR_STATE, f"table {pa:#x} not empty")
        self.s.ram.zero_page(pa)
        fr.free_table(pa)
        self.s.linear_writable(pa)
        return 0

    # --- SET_PT -------------------------------------------------------------------------
    def set_pt(self, table: int, index: int, desc: int, zero_fill: int = 0) -> int:
        s = self.s
        fr = s.frames
        # (_frame, inline, with the index it finds kept: every demand fault comes this way)
        if table % PAGE:
            refuse("frame.aligned", Status.ERR_ALIGN, f"{table:#x} is not page aligned")
        n: int | None = (table - fr.base) // PAGE       # (fr.index, inline)
        if not 0 <= n < fr.nframes or table < fr.base:
            n = None
            refuse("frame.in_ram", Status.ERR_RANGE, f"{table:#x} is not RAM")
        if not 0 <= index < 512:
            refuse("set_pt.index", Status.ERR_RANGE, f"index {index}")
        # The table's record, read from the frame table's columns (no record object).
        if n is None:
            raise ValueError(f"{table:#x} is not a RAM frame")   # (a build without frame.in_ram)
        if fr.kind[n] != FrameKind.PAGE_TABLE:
            refuse("set_pt.table_kind", Status.ERR_KIND,
                   f"{table:#x} is a {fr.kind_of(table).name} frame, not a table")
        level = fr.level[n]
        entry_pa = table + 8 * index
        if level == 3 and desc & 3 == 3:
            return self._set_page(table, index, entry_pa, desc, fr.owner[n], zero_fill)
        self.entry_checks.check_encoding(level, desc, entry_pa)
        old = s.ram.read_u64(entry_pa)
        if old == desc:
            return 0
        domain = fr.owner[n]
        root = va = 0
        if domain:
            root, va = self.locate(table, index)
            if level >= 2:
                old = self.held_entry(entry_pa, old, level)
                if self._numa_hint(entry_pa, root, va, old, desc, level):
                    return 0
        if is_table_desc(level, desc):
            child = desc & D.ADDR_MASK
            if fr.record(child).owner != domain and self._has_valid(child):
                refuse("set_pt.subtree_owner", Status.ERR_DENIED,
                       f"table {child:#x} holds mappings of another address space; only empty "
                       "tables move between trees")
        # A hint an mremap carries holds its frame at the new entry (move_ptes()).
        took = numa_hints.moved_hint(s, root, va, desc) \
            if domain and level == 3 and not old & D.VALID else 0
        took = took or desc
        new_frames = leaf_frames(level, took) if is_leaf(level, took) else ()
        if new_frames:
            self.entry_checks.check_new_leaf(level, took, domain, root, va, entry_pa)
        if domain and old & D.VALID:
            self.entry_checks.check_discard(level, old, desc, root, va)
        if domain and new_frames:
            for i, pa in enumerate(new_frames):
                self.s.shares.check_one_frame(domain, root, va + i * PAGE, pa)
        # A checked COPY_PAGE copy taking its source's place (read before `take` ends the
        # binding): a fork child's copy of its parent's page still counts as inherited.
        copied = fr.copy_binding.get(new_frames[0]) if level == 3 and new_frames else None
        if new_frames:
            self.entry_checks.commit_clean()
        # Commit: new references before old ones, so rewriting an entry to the same
        # frame never lets its count touch zero.
        self.take(level, took, entry_pa, domain, root, va)
        s.ram.write_u64(entry_pa, desc)
        self.drop(level, old, entry_pa, root, va, keep_shares=True)
        if domain and level == 3:
            s.lifecycle.lazy_free.after_write(s.lifecycle, root, va, old, desc)
        if copied is not None:
            s.fork_copy.copied(root, va, new_frames[0], copied)
        if domain and new_frames:
            for pa in new_frames:
                s.protect_frame(pa, domain)
        if needs_invalidation(level, old, desc):
            # A changed or removed translation may be cached: a page's goes by address
            # (its VA from the parent links; an entry of a table no root reaches has
            # nothing cached), anything wider by a full flush.  (A valid entry that
            # only widens what it grants leaves nothing stale: see stale_translations.)
            if level == 3:
                s.flush_page(va if domain else self.entry_va(table, index))
            elif domain:
                # A confidential tree is a TTBR0 tree: its entry's span is known.
                s.flush_range(va, 1 << D.LEVEL_SHIFT[level])
            else:
                s.flush()
        return 0

    def _set_page(self, table: int, index: int, entry_pa: int, desc: int, domain: int,
                  zero_fill: int = 0) -> int:
        """`set_pt` of a page descriptor (level 3, valid), the call of every demand fault:
        the same checks in the same order, on the one frame it names, found once.  With
        zero_fill, a page that must enter a domain holding zeros is zero-filled here."""
        s = self.s
        fr = s.frames
        pa = desc & D.ADDR_MASK
        n: int | None = (pa - fr.base) // PAGE          # (fr.index, inline)
        if not 0 <= n < fr.nframes or pa < fr.base:
            n = None
        # SetPtChecks.check_encoding of a page: RAM, and neither GUARDIAN nor PAGE_TABLE memory.
        if n is None:
            refuse("set_pt.leaf_ram", Status.ERR_DENIED,
                   f"{pa:#x} is not RAM: user tables map memory only")
            kind = int(FrameKind.FREE)      # (a build without set_pt.leaf_ram: as kind_of)
        else:
            kind = fr.kind[n]
        if kind == FrameKind.GUARDIAN or kind == FrameKind.PAGE_TABLE:
            refuse("set_pt.leaf_kind", Status.ERR_DENIED,
                   f"mapping a {FrameKind(kind).name} frame ({pa:#x}) is not allowed")
        old = s.ram.read_u64(entry_pa)
        if old == desc:
            return 0
        root = va = 0
        if domain:
            root, va = self.locate(table, index)
            if not old & D.VALID and old & PROT_NONE:       # (held_entry's test, inline)
                old = numa_hints.held_entry(s, entry_pa, old, 3)
        zero = self.entry_checks.check_new_leaf(3, desc, domain, root, va, entry_pa,
                                                bool(zero_fill))
        if domain:
            if old & D.VALID:
                self.entry_checks.check_discard(3, old, desc, root, va)
            s.shares.check_one_frame(domain, root, va, pa)
        # A checked COPY_PAGE copy taking its source's place (as in `set_pt`).
        copied = fr.copy_binding.get(pa)
        self.entry_checks.commit_clean()
        # Commit as `set_pt`: the new reference (`take` of one page), the write, the old.
        if zero:
            s.ram.zero_page(pa)
        fr.map_leaf(pa, (root, va, entry_pa) if domain else None)
        s.ram.write_u64(entry_pa, desc)
        if old & D.VALID:
            self.drop(3, old, entry_pa, root, va, keep_shares=True)
            if domain:
                s.lifecycle.lazy_free.after_write(s.lifecycle, root, va, old, desc)
        elif domain and s.lifecycle.lazy_free.pages:    # (an mremap's move_ptes())
            s.lifecycle.lazy_free.after_write(s.lifecycle, root, va, old, desc)
        if copied is not None:
            s.fork_copy.copied(root, va, pa, copied)
        if domain:
            s.protect_frame(pa, domain)
        if old & D.VALID and needs_invalidation(3, old, desc):     # (a fault's entry: invalid)
            s.flush_page(va if domain else self.entry_va(table, index))
        return 0

    def held_entry(self, entry_pa: int, old: int, level: int = 3) -> int:
        """A domain's leaf entry as the references see it (guardian/numa_hints.py)."""
        if old & D.VALID or not old & PROT_NONE:
            return old                  # (no hint: every entry but a few, at every write)
        return numa_hints.held_entry(self.s, entry_pa, old, level)

    def _numa_hint(self, entry_pa: int, root: int, va: int, old: int, desc: int,
                   level: int) -> bool:
        return numa_hints.write_hint(self.s, entry_pa, root, va, old, desc, level)

    def _has_valid(self, table: int) -> bool:
        return any(d & D.VALID for d in TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE)))

    # --- where an entry is ------------------------------------------------------------------
    def entry_va(self, table: int, index: int) -> int:
        """The user VA an entry translates, from the tables' parent links."""
        fr = self.s.frames
        level = fr.level_of(table)
        va = index << D.LEVEL_SHIFT[level]
        shift = D.LEVEL_SHIFT[level] + 9
        for _ in range(level):
            parent = fr.parent_of(table)
            if not parent:
                break
            va |= ((parent & (PAGE - 1)) // 8) << shift
            shift += 9
            table = parent & ~(PAGE - 1)
        return va

    def root_of(self, table: int) -> int:
        fr = self.s.frames
        for _ in range(4):
            parent = fr.parent_of(table)
            if not parent:
                break
            table = parent & ~(PAGE - 1)
        return table

    def locate(self, table: int, index: int) -> tuple[int, int]:
        """(root, VA) of an entry: `root_of` and `entry_va` in one walk up the parent
        links (every SET_PT of a domain's tree needs both)."""
        fr = self.s.frames
        parents, base = fr.parent, fr.base
        n = (table - base) // PAGE
        level = fr.level[n]
        shift = D.LEVEL_SHIFT[level]
        va = index << shift
        shift += 9
        for _ in range(4):
            parent = parents[n]
            if not parent:
                break
            if level > 0:
                va |= ((parent & (PAGE - 1)) // 8) << shift
                shift += 9
                level -= 1
            table = parent & ~(PAGE - 1)
            n = (table - base) // PAGE
        return table, va

    def tables(self, table: int, level: int = 0) -> list[tuple[int, int]]:
        """Every table of the tree under `table`, with its level."""
        out = [(table, level)]
        if level < 3:
            for desc in TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE)):
                if is_table_desc(level, desc):
                    out += self.tables(desc & D.ADDR_MASK, level + 1)
        return out

    def leaves_below(self, table: int, level: int, base_va: int
                     ) -> list[tuple[int, int]]:
        """(va, frame) of every 4 KiB page mapped under `table` (base_va: its first VA)."""
        out: list[tuple[int, int]] = []
        span = 1 << D.LEVEL_SHIFT[level]
        for i, desc in enumerate(TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE))):
            if not desc & D.VALID:
                continue
            va = base_va + i * span
            if is_table_desc(level, desc):
                out += self.leaves_below(desc & D.ADDR_MASK, level + 1, va)
            else:
                out += [(va + j * PAGE, pa) for j, pa in enumerate(leaf_frames(level, desc))]
        return out

    def leaf_entries(self, root: int) -> list[tuple[int, int, int]]:
        """(entry PA, level, descriptor) of every leaf in root's tree."""
        out = []
        for table, level in self.tables(root):
            for i, desc in enumerate(TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE))):
                if is_leaf(level, desc):
                    out.append((table + 8 * i, level, desc))
        return out

    # --- reference bookkeeping (the commit half of every entry write) ------------------------
    def take(self, level: int, desc: int, entry_pa: int, domain: int = 0, root: int = 0,
             va: int = 0) -> None:
        if not desc & D.VALID:
            return
        fr = self.s.frames
        if is_table_desc(level, desc):
            fr.link_table(desc & D.ADDR_MASK, entry_pa, domain)
            return
        for i, pa in enumerate(leaf_frames(level, desc)):
            fr.map_leaf(pa, (root, va + i * PAGE, entry_pa) if domain else None)

    def drop(self, level: int, desc: int, entry_pa: int = 0, root: int = 0, va: int = 0,
             keep_shares: bool = False) -> None:
        """The old entry's references go (called after the write).  A confidential frame
        whose last mapping this was is scrubbed and FREE again, except (`keep_shares`: the
        kernel's own unmapping, not a secure-ABI step) a page of a share that keeps its
        pages between mappings (a memfd's): the Guardian holds it for that share page."""
        if not desc & D.VALID:
            return
        fr = self.s.frames
        if is_table_desc(level, desc):
            child = desc & D.ADDR_MASK
            n = fr.index(child)
            if n is None:
                return
            if entry_pa:
                # Called after the write: the entry may link the same child again.
                new = self.s.ram.read_u64(entry_pa)
                if (is_table_desc(level, new) and new & D.ADDR_MASK == child) \
                        or fr.parent[n] != entry_pa:
                    return
            fr.unlink_table(child)
            if root:        # its hints go with it (numa_hints.release_below)
                numa_hints.release_below(self, child, level + 1, root, va)
            return
        # Called after the write: a frame the entry still maps keeps its recorded place.
        now = self.s.ram.read_u64(entry_pa) if entry_pa else 0
        still = set(leaf_frames(level, now)) if is_leaf(level, now) else set()
        for i, pa in enumerate(leaf_frames(level, desc)):
            n = fr.index(pa)
            if n is None or not fr.user_maps[n]:
                continue
            where = (root, va + i * PAGE, entry_pa) if root and pa not in still else None
            if fr.unmap_leaf(pa, where) == 0 and fr.kind[n] == FrameKind.CONFIDENTIAL:
                key = self.s.shares.kept_page(fr.owner[n], root, va + i * PAGE) \
                    if keep_shares and root else None
                if key is None and keep_shares and pa in fr.folio_key:
                    key = kept_folio(self.s, fr.owner[n], pa)
                if key is not None and (fr.owner[n], key) not in fr.held_at:
                    fr.hold(pa, key)
                else:
                    self.s.release_frame(pa)

    def write_entry(self, entry_pa: int, level: int, desc: int, domain: int, root: int,
                    va: int) -> None:
        """The Guardian's own write of one entry of a domain's tree (secure ABI)."""
        old = self.s.ram.read_u64(entry_pa)
        took = desc
        if level == 2 and domain:
            old = self.held_entry(entry_pa, old, 2)     # (a hinted block: THP_SPLIT)
        if level == 3 and domain:
            # A NUMA hint holds its frame like the valid page it stands for (numa_hints.py).
            old = self.held_entry(entry_pa, old)
            took = prot_none_as_leaf(desc) if is_prot_none(desc) else desc
        self.take(level, took, entry_pa, domain, root, va)
        self.s.ram.write_u64(entry_pa, desc)
        self.drop(level, old, entry_pa, root, va)
        if level == 3 and domain:
            self.s.lifecycle.lazy_free.end(root, va)

    # --- SET_PTBR / FREE_PGD -------------------------------------------------------------------
    def set_ptbr(self, ttbr0: int) -> int:
        base = ttbr0 & D.ADDR_MASK
        if ttbr0 & 0xFFE:
            refuse("set_ptbr.aligned", Status.ERR_ALIGN, "unaligned TTBR0")
        if not self.s.is_root(base):
            refuse("set_ptbr.root", Status.ERR_KIND, f"{base:#x} is not a root table")
        from emulator import sysregs as S
        for cpu in self.s.cpus[:1]:
            cpu.write_sysreg(S.TTBR0_EL1, ttbr0)
        self.s.live_ttbr0 = ttbr0
        if checks.enabled("set_ptbr.kernel_view"):
            self.s.kernel_view.on_ttbr0(ttbr0)     # EPD0 as for a trapped write of the same value
        return 0

    def free_pgd(self, root: int) -> int:
        if root % PAGE:
            refuse("frame.aligned", Status.ERR_ALIGN, f"{root:#x} is not page aligned")
        if not self.s.is_root(root):
            refuse("free_pgd.root", Status.ERR_KIND, f"{root:#x} is not a root table")
        if self.s.is_live_root(root):
            refuse("free_pgd.not_live", Status.ERR_STATE, "the tree is live in TTBR0")
        self._free_tree(root, 0, 0, root)
        self.s.flush()          # the leaves it cleared may be cached
        self.s.lifecycle.forget_root(root)
        return 0

    def _free_tree(self, table: int, level: int, base_va: int, root: int) -> None:
        span = 1 << D.LEVEL_SHIFT[level]
        for i, desc in enumerate(TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE))):
            if level >= 2 and is_prot_none(desc):
                desc = self.held_entry(table + 8 * i, desc, level)
            if not desc & D.VALID:
                continue
            if is_table_desc(level, desc):
                self._free_tree(desc & D.ADDR_MASK, level + 1, base_va + i * span, root)
            else:
                self.s.ram.write_u64(table + 8 * i, 0)
                self.drop(level, desc, table + 8 * i, root, base_va + i * span,
                          keep_shares=True)
        self.s.ram.zero_page(table)
        self.s.frames.free_table(table)
        self.s.linear_writable(table)
