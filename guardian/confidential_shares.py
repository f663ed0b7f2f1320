"""Where a confidential frame may have a second mapping: a copy the Guardian made for
the kernel (COPY_PAGE, a copy-on-write break or a migration), the new place of a
page the program's own mremap is moving, and the shares the program made itself.

A share is recorded from the program's own requests only: its mmap(MAP_SHARED) makes
one (an admitted file has one per domain, so two mmaps of it map the same pages),
fork hands it to the child at the same addresses, its mremap moves or grows it (or,
with old size 0, maps it again elsewhere), and its munmap (or MAP_FIXED, or a smaller
mremap) ends it where it unmaps.  A frame may be mapped at several places, writable,
only where every place is the same offset of the same share.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import FrameKind, Status
from abi.layout import NR_MREMAP
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.frame_table import Mapping
from guardian.slots import PAGE
from guardian.state import MonitorState


class Shares:
    def __init__(self, state: MonitorState, registry: Registry) -> None:
        self.s = state
        self.registry = registry
        state.frames.program_share = self.frame_in_one_share

    def same_share(self, domain: int, places: Iterable[tuple[int, int]]) -> bool:
        """Is every (root, va) the same offset of one share the program recorded?"""
        dom = self.registry.domains.get(domain)
        if dom is None:
            return False
        seen: tuple[int, int] | None = None
        for root, va in places:
            space = dom.spaces.get(root)
            at = space.share_at(va) if space is not None else None
            if at is None or (seen is not None and at != seen):
                return False
            seen = at
        return seen is not None

    def same_origin(self, domain: int, root: int, va: int, places: set[Mapping]) -> bool:
        """Is (root, va) the same page of the same area as the frame's places at the same
        address in other trees: an area the child inherited at fork, not one made since
        in either tree?  (Pages outside every recorded area have no origin: the same.)"""
        dom = self.registry.domains.get(domain)
        if dom is None:
            return True

        def origin(r: int, v: int) -> tuple[int, int] | None:
            space = dom.spaces.get(r)
            return space.origin_at(v) if space is not None else None

        mine = origin(root, va)
        return all(origin(r, v) == mine for r, v, _ in places if v == va)

    def frame_in_one_share(self, pa: int, places: set[Mapping]) -> bool:
        """The frame table's question: are a frame's places all one page of one share?"""
        return self.same_share(self.s.frames.record(pa).owner,
                               {(root, va) for root, va, _ in places})

    def move_in_progress(self, root: int, va: int, pa: int,
                         places: set[tuple[int, int, int]]) -> bool:
        """Is (root, va) the new place of a page the program's own mremap is moving?

        The first page moved fixes the distance; every other page must move by the same
        one, and RESUME holds mremap's result to it."""
        for slot in self.registry.slots.values():
            if slot.root != root or slot.nr != NR_MREMAP or not slot.args[1]:
                continue
            a0, a1 = slot.args[0], slot.args[1]
            olds = [v for r, v, _ in places if r == root and a0 <= v < a0 + a1]
            if not olds:
                continue
            delta = va - olds[0]
            if slot.move_delta is None:
                slot.move_delta = delta
            if slot.move_delta == delta:
                self.s.frames.record_share(pa, root, va)
                return True
        return False

    def copy_page(self, dst: int, src: int) -> int:
        """The kernel's CoW/migration copy when the source is a confidential frame."""
        fr = self.s.frames
        if not (fr.contains(dst) and fr.contains(src)) or dst % PAGE or src % PAGE:
            refuse("copy_page.ram", Status.ERR_RANGE, "frames must be RAM pages")
        dkind = fr.kind_of(dst)
        if dkind not in (FrameKind.FREE, FrameKind.KERNEL) or fr.record(dst).user_maps:
            refuse("copy_page.dst_fresh", Status.ERR_KIND, f"destination is {dkind.name}")
        if fr.kind_of(src) in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
            refuse("copy_page.src_protected", Status.ERR_DENIED, "source is protected")
        self.s.ram.copy_page(dst, src)
        if fr.kind_of(src) == FrameKind.CONFIDENTIAL:
            self.s.protect_frame(dst, fr.record(src).owner)
            fr.bind_copy(dst, src)
        self.s.clock.charge("page_copy")
        return 0
