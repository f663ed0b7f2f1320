"""The Guardian's invariants as code, checked after every call in test mode.

Each returns a list of violations (empty when it holds).  They restate the
properties the checks are meant to guarantee, from the state itself: what
the frame table says, what the page tables map, what the linear map and the
DMA filter allow, and which keys the domains hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import FrameKind
from abi.layout import NR_MREMAP
from emulator import descriptors as D
from guardian.descriptor_kinds import writable
from guardian.frame_table import PAGE
from guardian.protections import leaf_excess
from guardian.state import MonitorState

if TYPE_CHECKING:
    from guardian.secure_mm import SecureMM


class Invariants:
    def __init__(self, state: MonitorState, secure_mm: SecureMM) -> None:
        self.s = state
        self.secure_mm = secure_mm

    def violations(self) -> list[str]:
        return (self.s.frames.violations() + self.hidden_from_kernel() + self.domain_trees()
                + self.shared_read_only() + self.fork_shares() + self.fork_advice()
                + self.share_pages()
                + self.contexts() + self.keys() + self.sealed_versions()
                + self.sealed_holders() + self.protections())

    def hidden_from_kernel(self) -> list[str]:
        """Confidential and Guardian frames are absent from the linear map and denied to
        DMA; table pages are read-only to the kernel and denied to DMA."""
        s = self.s
        out = []
        fr = s.frames
        for i, kind in enumerate(fr.kind):
            if kind not in (FrameKind.CONFIDENTIAL, FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
                continue
            pa = fr.base + i * PAGE
            if not s.bus.denied(pa):
                out.append(f"{FrameKind(kind).name} frame {pa:#x} is reachable by DMA")
            if pa >= s.reserved_base:
                continue
            lm = s.linear.entry(pa)
            if kind == FrameKind.CONFIDENTIAL and lm & D.VALID:
                out.append(f"CONFIDENTIAL frame {pa:#x} is in the kernel's linear map")
            if kind == FrameKind.PAGE_TABLE and lm & D.VALID and not lm & D.AP_RO:
                out.append(f"table {pa:#x} is writable through the kernel's linear map")
        return out

    def domain_trees(self) -> list[str]:
        """Every page a domain's tree maps is a confidential frame of that domain, recorded
        at the place it is mapped; every table of the tree is the domain's."""
        s = self.s
        out = []
        fr = s.frames
        for dom in s.registry.domains.values():
            for root in dom.roots:
                for table, _ in s.tables.tables(root):
                    if fr.record(table).owner != dom.id:
                        out.append(f"table {table:#x} of domain {dom.id}'s tree is not its own")
                for va, pa in s.tables.leaves_below(root, 0, 0):
                    rec = fr.record(pa)
                    if rec.kind != FrameKind.CONFIDENTIAL or rec.owner != dom.id:
                        out.append(f"page {va:#x} of domain {dom.id} maps {pa:#x}, a "
                                   f"{rec.kind.name} frame of owner {rec.owner}")
                    elif not any(r == root and v == va for r, v, _ in fr.mappings(pa)):
                        out.append(f"page {va:#x} of domain {dom.id} is mapped without a "
                                   "recorded place")
        return out

    def shared_read_only(self) -> list[str]:
        """A confidential frame mapped in more than one place (fork share, KSM merge) is
        mapped read-only (no AP write, no DBM) in every one of them, except where every place
        is the same page of one share the program made (MAP_SHARED), or a page its own
        mremap is moving."""
        s = self.s
        reg = s.registry
        out = []
        for pa, places in s.frames.where.items():
            if len(places) < 2:
                continue
            rw = [(r, v) for r, v, e in places if writable(s.ram.read_u64(e))]
            if not rw:
                continue
            if s.shares.same_share(s.frames.record(pa).owner, {(r, v) for r, v, _ in places}):
                continue
            roots = {r for r, _, _ in places}
            if len(roots) == 1 and any(sl.root in roots and sl.nr == NR_MREMAP
                                       for sl in reg.slots.values()):
                continue
            out.append(f"frame {pa:#x} has {len(places)} mappings but is writable at "
                       + ", ".join(f"{v:#x} in tree {r:#x}" for r, v in sorted(rw)))
        return out

    def fork_shares(self) -> list[str]:
        """A confidential frame mapped at the same address in several trees is the same
        page of one area there: one the child inherited at fork, not one either tree's
        program made since."""
        s = self.s
        out = []
        for pa, places in s.frames.where.items():
            if len({r for r, _, _ in places}) < 2:
                continue
            owner = s.frames.record(pa).owner
            out += [f"frame {pa:#x} is mapped at {va:#x} in tree {r:#x} and in another tree "
                    "where that address is another area"
                    for r, va, _ in sorted(places)
                    if not s.shares.same_origin(owner, r, va, places)]
        return out

    def fork_advice(self) -> list[str]:
        """Where a fork left a range of the child empty (MADV_WIPEONFORK) or out
        (MADV_DONTFORK), the child maps no frame its parent's tree maps (a KSM merge of
        identical pages aside): the parent's pages from before the fork never reach it."""
        s = self.s
        fr = s.frames
        out = []
        for dom in s.registry.domains.values():
            for root, space in dom.spaces.items():
                parent = space.fork_parent
                ranges = space.wiped_at_fork + space.dropped_at_fork
                if not ranges or parent not in dom.roots:
                    continue
                for va, pa in s.tables.leaves_below(root, 0, 0):
                    if pa in fr.shares or not any(a <= va < b for a, b in ranges):
                        continue
                    out += [f"frame {pa:#x} at {va:#x} of tree {root:#x}, a range its fork "
                            f"left empty or out, is also mapped at {v:#x} in its parent's "
                            f"tree {parent:#x}"
                            for r, v, _ in sorted(fr.mappings(pa)) if r == parent]
        return out

    def share_pages(self) -> list[str]:
        """A page of a MAP_SHARED share is one page: every place of it in the domain's trees
        maps the same frame, and it is never present at one place while another holds it
        swapped out (sealed)."""
        s = self.s
        frames: dict[tuple[int, object], set[int]] = {}
        for pa, places in s.frames.where.items():
            owner = s.frames.record(pa).owner
            for r, v, _ in places:
                key = s.shares.key_at(owner, r, v)
                if key is not None:
                    frames.setdefault((owner, key), set()).add(pa)
        sealed: dict[tuple[int, object], set[int]] = {}
        for dom_id, records in self.secure_mm.seals.items():
            for version, rec in records.items():
                for root in rec.holders:
                    key = s.shares.key_at(dom_id, root, rec.va)
                    if key is not None:
                        sealed.setdefault((dom_id, key), set()).add(version)
        out = [f"share page {key} of domain {dom} is mapped as {len(pas)} frames: "
               + ", ".join(f"{pa:#x}" for pa in sorted(pas))
               for (dom, key), pas in frames.items() if len(pas) > 1]
        out += [f"share page {key} of domain {dom} is present and also held swapped out"
                for (dom, key) in frames.keys() & sealed.keys()]
        out += [f"share page {key} of domain {dom} is held sealed as versions {sorted(vs)}"
                for (dom, key), vs in sealed.items() if len(vs) > 1]
        return out

    def contexts(self) -> list[str]:
        """Every saved context belongs to a live address space of its domain; a clone slot
        has yielded at most one child."""
        reg = self.s.registry
        out = []
        for slot in reg.slots.values():
            dom = reg.domains.get(slot.domain)
            if dom is None or slot.root not in dom.roots:
                out.append(f"slot {slot.id} names an address space outside its domain")
            if slot.children > 1:
                out.append(f"slot {slot.id} yielded {slot.children} children")
        return out

    def keys(self) -> list[str]:
        """Every domain key is the Guardian's own (from its private entropy)."""
        s = self.s
        return [f"domain {d.id}'s key is not from the Guardian's entropy"
                for d in s.registry.domains.values() if d.key != s.entropy.domain_key(d.id)]

    def sealed_versions(self) -> list[str]:
        """A tree holds at most one outstanding sealed version of an address: the newest
        (an older one could roll the page back)."""
        out = []
        for dom_id, records in self.secure_mm.seals.items():
            held: dict[tuple[int, int], list[int]] = {}
            for version, rec in records.items():
                for root in rec.holders:
                    held.setdefault((root, rec.va), []).append(version)
            out += [f"tree {root:#x} of domain {dom_id} holds sealed versions {sorted(vs)} of "
                    f"{va:#x}" for (root, va), vs in held.items() if len(vs) > 1]
        return out

    def sealed_holders(self) -> list[str]:
        """Sealed pages are held by live trees of their own domain only: a freed tree's
        claims went with it (a later tree at its root PA inherits none), and a domain with
        no tree left keeps no seal state."""
        root_domain = self.s.registry.root_domain
        domains = self.s.registry.domains
        out = [f"domain {d} is gone but keeps sealed pages" for d in self.secure_mm.seals
               if d not in domains]
        for dom_id, records in self.secure_mm.seals.items():
            out += [f"version {v} of domain {dom_id} is held by tree {root:#x}, no live tree "
                    "of that domain" for v, rec in records.items() for root in rec.holders
                    if root_domain.get(root) != dom_id]
        return out

    def protections(self) -> list[str]:
        """No present leaf of a confidential tree gives EL0 more than the protection the
        program's mmap or mprotect set there (calls of it in progress aside), however the
        leaf got there (SET_PT, SWAP_IN, a migration)."""
        reg = self.s.registry
        out = []
        for dom in reg.domains.values():
            for root, space in dom.spaces.items():
                for start, end, _, _ in list(space.protections):
                    for va, level, desc in self._leaves(root, start, end):
                        excess = leaf_excess(space, reg.slots.values(), root, va, desc)
                        if excess:
                            out.append(f"tree {root:#x} (level-{level} leaf): {excess}")
        return out

    def _leaves(self, root: int, start: int, end: int) -> list[tuple[int, int, int]]:
        """(va, level, descriptor) of the present leaves over [start, end) in root's tree,
        one per page."""
        out: list[tuple[int, int, int]] = []
        va = start & ~(PAGE - 1)
        ram = self.s.ram
        while va < end:
            table, level = root, 0
            while True:
                desc = ram.read_u64(table + 8 * D.level_index(va, level))
                span = 1 << D.LEVEL_SHIFT[level]
                if not desc & D.VALID:
                    va = (va & ~(span - 1)) + span        # nothing mapped below this entry
                    break
                if level < 3 and D.is_table(desc, level):
                    table, level = desc & D.ADDR_MASK, level + 1
                    continue
                out.append((va, level, desc))
                va += PAGE
                break
        return out
