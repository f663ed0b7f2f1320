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
from guardian import checks
from guardian.checks import refuse
from guardian.frame_table import PAGE
from guardian.linear_map import TABLE_ENTRIES
from guardian.slots import Space
from guardian.stale_translations import needs_invalidation
from guardian.state import MonitorState

KERNEL_OWNER = 0          # owner id of the kernel's own tables (domains are 1, 2, ...)
ZERO_PAGE = bytes(PAGE)
ZERO_DIGEST = hashlib.sha256(ZERO_PAGE).digest()
_U64 = struct.Struct("<Q")


def is_leaf(level: int, desc: int) -> bool:
    return bool(desc & D.VALID) and (level == 3 or not desc & D.TABLE)


def is_table_desc(level: int, desc: int) -> bool:
    return bool(desc & D.VALID) and level < 3 and bool(desc & D.TABLE)


def writable(desc: int) -> bool:
    """A valid leaf some access may write: AP[2] clear, or DBM (hardware may clear it)."""
    return bool(desc & D.VALID) and (not desc & D.AP_RO or bool(desc & D.DBM))


def leaf_frames(level: int, desc: int) -> range:
    out = D.output_address(desc, level)
    return range(out, out + (1 << D.LEVEL_SHIFT[level]), PAGE)


class PageTables:
    """REGISTER_PT, RELEASE_PT, SET_PT, SET_PTBR and FREE_PGD, with their checks."""

    def __init__(self, state: MonitorState) -> None:
        self.s = state

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
        self._check_discard(level, old, new, root, va)

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
    def set_pt(self, table: int, index: int, desc: int) -> int:
        s = self.s
        fr = s.frames
        self._frame(table)
        if not 0 <= index < 512:
            refuse("set_pt.index", Status.ERR_RANGE, f"index {index}")
        # The table's record, read from the frame table's columns (no record object).
        n = fr.index(table)
        if n is None:
            raise ValueError(f"{table:#x} is not a RAM frame")   # (a build without frame.in_ram)
        if fr.kind[n] != FrameKind.PAGE_TABLE:
            refuse("set_pt.table_kind", Status.ERR_KIND,
                   f"{table:#x} is a {fr.kind_of(table).name} frame, not a table")
        level = fr.level[n]
        entry_pa = table + 8 * index
        if level == 3 and desc & 3 == 3:
            return self._set_page(table, index, entry_pa, desc, fr.owner[n])
        self._check_encoding(level, desc, entry_pa)
        old = s.ram.read_u64(entry_pa)
        if old == desc:
            return 0
        domain = fr.owner[n]
        root = va = 0
        if domain:
            root, va = self.locate(table, index)
        if is_table_desc(level, desc):
            child = desc & D.ADDR_MASK
            if fr.record(child).owner != domain and self._has_valid(child):
                refuse("set_pt.subtree_owner", Status.ERR_DENIED,
                       f"table {child:#x} holds mappings of another address space; only empty "
                       "tables move between trees")
        new_frames = leaf_frames(level, desc) if is_leaf(level, desc) else ()
        if new_frames:
            self._check_new_leaf(level, desc, domain, root, va, entry_pa)
        if domain and old & D.VALID:
            self._check_discard(level, old, desc, root, va)
        if domain and new_frames:
            for i, pa in enumerate(leaf_frames(level, desc)):
                self.s.shares.check_one_frame(domain, root, va + i * PAGE, pa)
        # A checked COPY_PAGE copy taking its source's place (read before `take` ends the
        # binding): a fork child's copy of its parent's page still counts as inherited.
        copied = fr.copy_binding.get(new_frames[0]) if level == 3 and new_frames else None
        # Commit: new references before old ones, so rewriting an entry to the same
        # frame never lets its count touch zero.
        self.take(level, desc, entry_pa, domain, root, va)
        s.ram.write_u64(entry_pa, desc)
        self.drop(level, old, entry_pa, root, va, keep_shares=True)
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

    def _set_page(self, table: int, index: int, entry_pa: int, desc: int, domain: int) -> int:
        """`set_pt` of a page descriptor (level 3, valid), the call of every demand fault:
        the same checks in the same order, on the one frame it names, found once."""
        s = self.s
        fr = s.frames
        pa = desc & D.ADDR_MASK
        n = fr.index(pa)
        # _check_encoding of a page: RAM, and neither GUARDIAN nor PAGE_TABLE memory.
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
        self._check_new_leaf(3, desc, domain, root, va, entry_pa)
        if domain:
            if old & D.VALID:
                self._check_discard(3, old, desc, root, va)
            s.shares.check_one_frame(domain, root, va, pa)
        # A checked COPY_PAGE copy taking its source's place (as in `set_pt`).
        copied = fr.copy_binding.get(pa)
        # Commit as `set_pt`: the new reference (`take` of one page), the write, the old.
        fr.map_leaf(pa, (root, va, entry_pa) if domain else None)
        s.ram.write_u64(entry_pa, desc)
        if old & D.VALID:
            self.drop(3, old, entry_pa, root, va, keep_shares=True)
        if copied is not None:
            s.fork_copy.copied(root, va, pa, copied)
        if domain:
            s.protect_frame(pa, domain)
        if needs_invalidation(3, old, desc):
            s.flush_page(va if domain else self.entry_va(table, index))
        return 0

    def _has_valid(self, table: int) -> bool:
        return any(d & D.VALID for d in TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE)))

    def _check_encoding(self, level: int, desc: int, entry_pa: int) -> None:
        if not desc & D.VALID:
            return
        fr = self.s.frames
        if is_table_desc(level, desc):
            child = desc & D.ADDR_MASK
            if not fr.contains(child):
                refuse("set_pt.child_table", Status.ERR_RANGE, f"child table {child:#x} not RAM")
            rec = fr.record(child)
            if rec.kind != FrameKind.PAGE_TABLE or rec.level != level + 1:
                refuse("set_pt.child_table", Status.ERR_KIND,
                       f"{child:#x} is not a level-{level + 1} table")
            if rec.parent and rec.parent != entry_pa:
                refuse("set_pt.child_one_parent", Status.ERR_STATE,
                       f"table {child:#x} already has a parent")
            if self.s.is_live_root(child):
                refuse("set_pt.child_not_root", Status.ERR_STATE, f"table {child:#x} is a live root")
            return
        if level == 0 or (level == 3 and not desc & D.TABLE):
            refuse("set_pt.encoding", Status.ERR_DENIED, "reserved descriptor encoding")
        for pa in leaf_frames(level, desc):
            if not fr.contains(pa):
                refuse("set_pt.leaf_ram", Status.ERR_DENIED,
                       f"{pa:#x} is not RAM: user tables map memory only")
            kind = fr.kind_of(pa)
            if kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
                refuse("set_pt.leaf_kind", Status.ERR_DENIED,
                       f"mapping a {kind.name} frame ({pa:#x}) is not allowed")

    def _check_new_leaf(self, level: int, desc: int, domain: int, root: int, va: int,
                        entry_pa: int) -> None:
        """A leaf (page or block) is about to be written at (root, va)."""
        fr = self.s.frames
        admission, may_discard = self.s.admission, self.s.lifecycle.may_discard
        kinds, owners, user_maps = fr.kind, fr.owner, fr.user_maps
        space = self.s.registry.space_of(domain, root) if domain else None
        if space is not None and not (space.wiped_at_fork or space.dropped_at_fork):
            space = None            # (most trees: no range a fork left empty or out)
        for i, pa in enumerate(leaf_frames(level, desc)):
            n = fr.index(pa)
            if n is None:
                raise ValueError(f"{pa:#x} is not a RAM frame")   # (a build without leaf_ram)
            kind = kinds[n]
            if kind == FrameKind.CONFIDENTIAL and owners[n] != domain:
                refuse("set_pt.conf_owner", Status.ERR_DENIED,
                       f"confidential frame {pa:#x} belongs to another protection domain")
            if not domain:
                continue
            page_va = va + i * PAGE
            if kind != FrameKind.CONFIDENTIAL:
                if user_maps[n]:
                    refuse("set_pt.no_conf_import", Status.ERR_DENIED,
                           f"frame {pa:#x} is mapped by another address space; it cannot "
                           "become confidential")
                if self.s.sealed(root, page_va) and not may_discard(root, page_va):
                    refuse("set_pt.sealed_slot", Status.ERR_STATE,
                           f"the page at {page_va:#x} is swapped out: it comes back by "
                           "SWAP_IN, not as a new page")
                admission.admit_page(domain, root, page_va, pa, executable=not desc & D.UXN)
                continue
            if space is not None:
                self._check_fork_fresh(space, root, page_va, pa, entry_pa)
            if pa in admission.input_frames and not desc & D.UXN:
                refuse("set_pt.input_not_exec", Status.ERR_DENIED,
                       f"frame {pa:#x} holds unmeasured file data; it cannot become executable")
            places = {p for p in fr.mappings(pa) if p[2] != entry_pa}
            if not places:
                held = fr.held.get(pa)
                if held is not None and self.s.shares.key_at(domain, root, page_va) != held:
                    refuse("set_pt.share_one_frame", Status.ERR_DENIED,
                           f"frame {pa:#x} is held as a page of a MAP_SHARED share; "
                           f"{page_va:#x} in tree {root:#x} is not that page")
                source = fr.copy_binding.get(pa)
                if source is not None:
                    self._check_copy_outcome(pa, source, level, entry_pa, i, page_va)
                continue
            # A second place is the same address in another tree of the domain (fork: the
            # same page of an area the child inherited), an address the Guardian itself
            # shared the frame to (KSM), the program's mremap, or the same page of a share
            # the program made (MAP_SHARED).
            shared = page_va in {v for _, v in fr.shares.get(pa, set())}
            same_va = any(v == page_va for _, v, _ in places) \
                and self.s.shares.same_origin(domain, root, page_va, places)
            moving = False
            if not shared and not same_va:
                moving = self.s.shares.move_in_progress(root, page_va, pa, places)
                if not moving and not self.s.shares.same_share(
                        domain, {(root, page_va)} | {(r, v) for r, v, _ in places}):
                    where = ", ".join(hex(v) for _, v, _ in sorted(places))
                    refuse("set_pt.one_mapping", Status.ERR_DENIED,
                           f"confidential frame {pa:#x} is already mapped at {where}; "
                           + (f"{page_va:#x} in this tree is another area than there (not "
                              "one inherited at fork)" if any(v == page_va for _, v, _ in places)
                              else f"a second address {page_va:#x} would alias it"))
            if same_va and not shared:
                self._check_fork_share(domain, root, page_va, pa, entry_pa, level, i, places)
            if shared and not desc & D.AP_RO:
                refuse("set_pt.shared_readonly", Status.ERR_DENIED,
                       f"the merged frame {pa:#x} is mapped read-only wherever it is shared")
            # The program's own mremap: the old place in this tree goes next; other trees
            # still hold the frame read-only.
            # (Only a share one_mapping admitted: an alias it refuses is its own to catch.)
            others = {p for p in places if p[0] != root} if moving else places
            if others and (shared or same_va or moving):
                self._check_shared_writable(desc, domain, root, page_va, pa, others)

    def _check_fork_fresh(self, space: Space, root: int, va: int, pa: int,
                          entry_pa: int) -> None:
        """Where the fork that made this tree left va empty (MADV_WIPEONFORK) or out
        (MADV_DONTFORK), no page of another tree -- the parent's, shared or copied by
        COPY_PAGE -- comes in: only a fresh page does (zero-filled as it enters the domain).
        A frame this very entry maps already (a rewrite, a copy-on-write break of the
        tree's own page) is the tree's own."""
        fresh = space.fork_fresh(va)
        if not fresh:
            return
        fr = self.s.frames
        places = fr.mappings(pa)
        if any(e == entry_pa for _, _, e in places):
            return
        other = next((p for p in sorted(places) if p[0] != root), None)
        source = fr.copy_binding.get(pa)
        if other is None and (source is None
                              or any(e == entry_pa for _, _, e in fr.mappings(source))):
            return
        held = (f"frame {pa:#x} is mapped at {other[1]:#x} in tree {other[0]:#x}"
                if other is not None else f"frame {pa:#x} is a copy of {source:#x}")
        if fresh == "wipe":
            refuse("set_pt.wipe_on_fork", Status.ERR_DENIED,
                   f"{va:#x} was MADV_WIPEONFORK when this address space was forked: it "
                   f"starts empty in the child, but {held}, a page from before the fork")
        else:
            refuse("set_pt.dont_fork", Status.ERR_DENIED,
                   f"{va:#x} was MADV_DONTFORK when this address space was forked: it is no "
                   f"memory of the child, but {held}, a page from before the fork")

    def _check_fork_share(self, domain: int, root: int, va: int, pa: int, entry_pa: int,
                          level: int, i: int, places: set[tuple[int, int, int]]) -> None:
        """A frame another tree maps at the same address joins this tree only as the fork
        found it: the child takes its parent's frame while the fork copy lasts (neither has
        run since).  A page that diverged since (a copy-on-write break, a fresh page, a
        swap-in into one tree) is that tree's alone.  Rewriting an entry that maps the
        frame already (a permission change) and a share the program made pass."""
        old = self.s.ram.read_u64(entry_pa)
        if is_leaf(level, old):
            olds = list(leaf_frames(level, old))
            if i < len(olds) and olds[i] == pa:
                return
        fork_copy = self.s.fork_copy
        if any(v == va and fork_copy.copying(root, r) for r, v, _ in places):
            return
        if self.s.shares.same_share(domain, {(root, va)} | {(r, v) for r, v, _ in places}):
            return
        where = ", ".join(f"tree {r:#x}" for r, _, _ in sorted(places))
        refuse("set_pt.fork_share", Status.ERR_DENIED,
               f"confidential frame {pa:#x} at {va:#x} is {where}'s own since the fork: tree "
               f"{root:#x} shares it only as a fork child while the fork copy lasts")

    def _check_shared_writable(self, desc: int, domain: int, root: int, va: int, pa: int,
                               places: set[tuple[int, int, int]]) -> None:
        """A frame with another mapping (a fork share, a KSM merge) is read-only in every
        tree until a copy separates them: neither this entry nor any other place of the
        frame may be writable (AP[2] clear, or DBM letting hardware make it so).  Only an
        area the program itself mapped MAP_SHARED, where every place is the same page of one
        share, is exempt."""
        others_writable = [p for p in places if writable(self.s.ram.read_u64(p[2]))]
        if not writable(desc) and not others_writable:
            return
        if self.s.shares.same_share(domain, {(root, va)} | {(r, v) for r, v, _ in places}):
            return
        where = ", ".join(f"{v:#x} in tree {r:#x}" for r, v, _ in sorted(places))
        if writable(desc):
            reason = (f"frame {pa:#x} is also mapped at {where}; a writable mapping at {va:#x} "
                      "would let one side change the other's page (copy it first)")
        else:
            reason = (f"frame {pa:#x} is mapped writable at {where}; make that mapping "
                      f"read-only before sharing the frame at {va:#x}")
        refuse("set_pt.shared_writable", Status.ERR_DENIED, reason)

    def _check_copy_outcome(self, copy: int, source: int, level: int, entry_pa: int,
                            i: int, page_va: int) -> None:
        """A COPY_PAGE copy is mapped only as the outcome it was made for (a copy-on-write
        break, a move): in place of its source, which this very entry maps now, and while
        the source still holds the copied bytes.  A source that was written, swapped out,
        unmapped or replaced since leaves the copy stale: it never stands in for anything."""
        old = self.s.ram.read_u64(entry_pa)
        olds = list(leaf_frames(level, old)) if is_leaf(level, old) else []
        now = olds[i] if i < len(olds) else None
        if now != source:
            refuse("set_pt.copy_binding", Status.ERR_DENIED,
                   f"the copy in {copy:#x} was made of {source:#x}, which the entry for "
                   f"{page_va:#x} does not map now: a copy only takes its source's place")
        if self.s.ram.read(copy, PAGE) != self.s.ram.read(source, PAGE):
            refuse("set_pt.copy_binding", Status.ERR_DENIED,
                   f"the copy in {copy:#x} no longer holds what {source:#x} holds at "
                   f"{page_va:#x}: the page changed since it was copied")

    def _check_discard(self, level: int, old: int, new: int, root: int, va: int) -> None:
        """The old entry goes: any mapping of a confidential page, not only its last one,
        leaves only when the program asked, or for a frame holding the same bytes (a
        copy-on-write break).  A frame another tree (fork) or address (KSM) still maps
        is no licence: the program at this address would lose its page all the same."""
        fr = self.s.frames
        may_discard = self.s.lifecycle.may_discard
        if is_table_desc(level, old):
            child = old & D.ADDR_MASK
            for v, pa in self.leaves_below(child, level + 1, va):
                if fr.kind_of(pa) == FrameKind.CONFIDENTIAL and not may_discard(root, v, pa):
                    refuse("set_pt.discard_subtree", Status.ERR_DENIED,
                           f"clearing the table for {va:#x} would discard the confidential page "
                           f"{v:#x}: only the program's own unmapping, its exit, or SWAP_OUT "
                           "may do that")
            return
        now = list(leaf_frames(level, new)) if is_leaf(level, new) else []
        for i, pa in enumerate(leaf_frames(level, old)):
            if fr.kind_of(pa) != FrameKind.CONFIDENTIAL:
                continue
            instead = now[i] if i < len(now) else None
            if instead == pa:
                continue
            page_va = va + i * PAGE
            if may_discard(root, page_va, pa):
                continue
            if instead is not None and self.s.ram.read(instead, PAGE) == self.s.ram.read(pa, PAGE):
                continue       # a copy-on-write break: the program's page keeps its bytes
            refuse("set_pt.discard_leaf", Status.ERR_DENIED,
                   f"{'replacing' if instead is not None else 'removing'} the confidential page "
                   f"{page_va:#x} would discard its contents: only the program's own "
                   "unmapping, its exit, or SWAP_OUT may do that")

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
                if key is not None and (fr.owner[n], key) not in fr.held_at:
                    fr.hold(pa, key)
                else:
                    self.s.release_frame(pa)

    def write_entry(self, entry_pa: int, level: int, desc: int, domain: int, root: int,
                    va: int) -> None:
        """The Guardian's own write of one entry of a domain's tree (secure ABI)."""
        old = self.s.ram.read_u64(entry_pa)
        self.take(level, desc, entry_pa, domain, root, va)
        self.s.ram.write_u64(entry_pa, desc)
        self.drop(level, old, entry_pa, root, va)

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
