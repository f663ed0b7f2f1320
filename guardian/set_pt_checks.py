"""SET_PT's checks of one descriptor write, made before anything is committed.

The encoding (what a leaf or a table link may name), a leaf entering a tree
(ownership, one mapping per confidential frame, measurement on entry, fork and
share rules, copies taking their source's place) and an entry that goes or
changes (a confidential page leaves only when its program asks).  They read the
state and refuse; `PageTables` commits only after they all pass.
"""

from __future__ import annotations

from abi import FrameKind, Status
from emulator import descriptors as D
from guardian import numa_hints
from guardian.checks import refuse
from guardian.clean_pages import check_writable as check_clean_writable
from guardian.cut_writable import check as check_cut_writable
from guardian.descriptor_kinds import is_leaf, is_table_desc, leaf_frames, writable
from guardian.folio_alias import clean_folio_in, folio_places, is_clean_folio, is_shared_folio
from guardian.folio_moves import drops_folio
from guardian.frame_table import PAGE
from guardian.protections import check_leaf as check_protection
from guardian.slots import Space
from guardian.state import MonitorState
from guardian.unmapped_holes import check_leaf as check_hole


class SetPtChecks:
    """The descriptor checks of SET_PT (and CLEAR_PT_RANGE's rule for entries that go)."""

    def __init__(self, state: MonitorState) -> None:
        self.s = state
        #: frames the leaf being judged maps writable at EL0 (`commit_clean`)
        self.clean_ends: list[int] = []

    def check_encoding(self, level: int, desc: int, entry_pa: int) -> None:
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

    def check_new_leaf(self, level: int, desc: int, domain: int, root: int, va: int,
                       entry_pa: int, zero_fill: bool = False) -> bool:
        """A leaf (page or block) is about to be written at (root, va).  True: the page
        enters the domain zero-filled by the Guardian (SET_PT's zero_fill, where zeros
        are what it must hold); the caller fills it as it commits."""
        zero = False
        fr = self.s.frames
        admission, may_discard = self.s.admission, self.s.lifecycle.may_discard
        kinds, owners, user_maps = fr.kind, fr.owner, fr.user_maps
        space = self.s.registry.space_of(domain, root) if domain else None
        if space is not None and space.protections:
            for i in range(1 if level == 3 else len(leaf_frames(level, desc))):
                check_protection(space, self.s.registry.slots.values(), root, va + i * PAGE,
                                 desc)
        if space is not None and space.holes:
            frames = (desc & D.ADDR_MASK,) if level == 3 else leaf_frames(level, desc)
            for i, pa in enumerate(frames):
                # (A confidential frame where this space's fork left a range out is the
                # parent's or an alias: set_pt.dont_fork or set_pt.one_mapping names it.)
                if space.dropped_at_fork and fr.kind_of(pa) == FrameKind.CONFIDENTIAL \
                        and space.fork_fresh(va + i * PAGE) == "dont":
                    continue
                check_hole(space, self.s.registry.slots.values(), root, va + i * PAGE, desc)
        space_all = space
        if space is not None and not (space.wiped_at_fork or space.dropped_at_fork):
            space = None            # (most trees: no range a fork left empty or out)
        # (A page's one frame without building its range: every demand fault.)
        base, nframes = fr.base, fr.nframes
        # a leaf writable at EL0 ends a private view's clean page (clean_pages.py), once
        # the Guardian accepts it (`commit_clean`)
        clean = admission.clean if domain and admission.clean.entered and \
            desc & D.AP_EL0 and not desc & D.AP_RO else None
        self.clean_ends = ends = []
        for i, pa in enumerate((desc & D.ADDR_MASK,) if level == 3 else leaf_frames(level, desc)):
            n = (pa - base) // PAGE                 # (fr.index, inline)
            if not 0 <= n < nframes or pa < base:
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
                if self.s.sealed(root, page_va) and not may_discard(root, page_va) \
                        and not self.s.drop_clean_sealed(root, page_va):
                    refuse("set_pt.sealed_slot", Status.ERR_STATE,
                           f"the page at {page_va:#x} is swapped out: it comes back by "
                           "SWAP_IN, not as a new page")
                if desc & D.AP_EL0 and not desc & D.AP_RO and space_all is not None \
                        and space_all.sole_views:
                    check_cut_writable(space_all, self.s.registry.slots.values(), domain,
                                       root, page_va, self.s.lifecycle.rseq.areas)
                if admission.clean.entered:
                    self._check_one_folio(domain, root, page_va, pa)
                zero = admission.admit_page(domain, root, page_va, pa,
                                            executable=not desc & D.UXN, zero_fill=zero_fill)
                if (clean is not None or desc & D.AP_EL0 and not desc & D.AP_RO) \
                        and admission.clean.entered:    # (no call on a plain demand fault)
                    ends.append(pa)
                continue
            if clean is not None:
                if not is_clean_folio(self.s, domain, root, page_va, pa):
                    check_clean_writable(clean, self.s, pa, page_va)
                ends.append(pa)
            if space is not None:
                self._check_fork_fresh(space, root, page_va, pa, entry_pa)
            if pa in admission.input_frames and not desc & D.UXN:
                refuse("set_pt.input_not_exec", Status.ERR_DENIED,
                       f"frame {pa:#x} holds unmeasured file data; it cannot become executable")
            places = {p for p in fr.mappings(pa) if p[2] != entry_pa}
            if not places:
                held = fr.held.get(pa)
                if held is not None and self.s.shares.key_at(domain, root, page_va) != held \
                        and not is_shared_folio(self.s, domain, root, page_va, pa, desc):
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
                        domain, {(root, page_va)} | {(r, v) for r, v, _ in places}) \
                        and not (admission.clean.entered and admission.clean.same_folio(
                            self.s.registry, pa, root, page_va, desc)) \
                        and not is_shared_folio(self.s, domain, root, page_va, pa, desc) \
                        and not is_clean_folio(self.s, domain, root, page_va, pa):
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
        return zero

    def commit_clean(self) -> None:
        """The leaf `check_new_leaf` judged is accepted: its writable frames are no
        clean page from now on."""
        if self.clean_ends:
            for pa in self.clean_ends:
                self.s.admission.clean.written(pa)
            self.clean_ends = []

    def _check_one_folio(self, domain: int, root: int, va: int, pa: int) -> None:
        """A fresh frame entering a page of a MAP_SHARED share of a memfd: not while a
        clean private page of that memfd page is mapped in the same tree -- that page is
        the page cache folio (do_read_fault() mapped it), which the shared fault maps
        (do_shared_fault(): one folio per file page); a second frame would leave the
        private view's page stale as the shared view stores."""
        key = self.s.shares.key_at(domain, root, va)
        folio = clean_folio_in(self.s, domain, root, key) if key is not None else None
        if folio is not None and folio != pa:
            refuse("set_pt.one_folio", Status.ERR_DENIED,
                   f"the shared page at {va:#x} is the memfd page whose clean private page "
                   f"{folio:#x} this tree maps (the page cache folio): frame {pa:#x} would "
                   "be a second page of one file page")

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
        ram = self.s.ram
        if folio_places(self.s, domain, pa, [(root, va, desc)] + [
                (r, v, ram.read_u64(e)) for r, v, e in places]):
            return      # one share page and private views' read-only entries of its folio
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

    def check_discard(self, level: int, old: int, new: int, root: int, va: int) -> None:
        """The old entry goes: any mapping of a confidential page, not only its last one,
        leaves only when the program asked, or for a frame holding the same bytes (a
        copy-on-write break).  A frame another tree (fork) or address (KSM) still maps
        is no licence: the program at this address would lose its page all the same."""
        fr = self.s.frames
        may_discard = self.s.lifecycle.may_discard
        if is_table_desc(level, old):
            child = old & D.ADDR_MASK
            for v, pa in self.s.tables.leaves_below(child, level + 1, va):
                if fr.kind_of(pa) == FrameKind.CONFIDENTIAL and not may_discard(root, v, pa):
                    refuse("set_pt.discard_subtree", Status.ERR_DENIED,
                           f"clearing the table for {va:#x} would discard the confidential page "
                           f"{v:#x}: only the program's own unmapping, its exit, or SWAP_OUT "
                           "may do that")
            for _, lvl, v, held in numa_hints.hints_below(self.s, child, level + 1, va):
                for j, pa in enumerate(leaf_frames(lvl, held)):
                    if fr.kind_of(pa) == FrameKind.CONFIDENTIAL \
                            and not may_discard(root, v + j * PAGE, pa):
                        refuse("set_pt.discard_subtree", Status.ERR_DENIED,
                               f"clearing the table for {va:#x} would discard the hinted "
                               f"confidential page {v + j * PAGE:#x}")
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
            if self.s.admission.drops_clean(root, page_va, pa):
                continue       # a clean folio of a private view: try_to_unmap()
            if instead is None and fr.folio_key and drops_folio(
                    self.s, fr.record(pa).owner, root, page_va, pa, old):
                continue       # the memfd page's folio, kept for it: try_to_unmap()
            refuse("set_pt.discard_leaf", Status.ERR_DENIED,
                   f"{'replacing' if instead is not None else 'removing'} the confidential page "
                   f"{page_va:#x} would discard its contents: only the program's own "
                   "unmapping, its exit, or SWAP_OUT may do that")
