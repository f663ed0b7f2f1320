"""Where a confidential frame may have a second mapping: a copy the Guardian made for
the kernel (COPY_PAGE, a copy-on-write break or a migration), the new place of a
page the program's own mremap is moving, and the shares the program made itself.

A share is recorded from the program's own requests only: its mmap(MAP_SHARED) makes
one (an admitted file has one per domain, so two mmaps of it map the same pages),
fork hands it to the child at the same addresses, its mremap moves or grows it (or,
with old size 0, maps it again elsewhere), and its munmap (or MAP_FIXED, or a smaller
mremap) ends it where it unmaps.  A frame may be mapped at several places, writable,
only where every place is the same offset of the same share.

A page of a share is one page: every place that maps (share, offset) in any tree of the
domain maps the same frame, or none does and the page is swapped out (sealed) once for
all of them.  A copy (COPY_PAGE, a copy-on-write break), a fresh page or another frame
never takes one place of a share page while another place maps the page or holds it
sealed; KSM never merges a share page; a sealed share page swapped in at one place is
the page of every place (their claims on the sealed version end with it).  An admitted
file's share is per request (the kernel keeps no page cache across mmaps): its one
page is the page of one mmap of the file, which fork and mremap carry along.

A memfd's share is one for every mmap of the memfd (any descriptor the program made of
it), and its pages outlive their mappings, as the memfd holds them: when the last
mapping of such a page goes by the kernel's own unmapping, the frame is held (still the
domain's, out of the kernel's reach) as that share page.  It maps again only there, no
other frame (a fresh page, a swapped-in copy) takes that page meanwhile, and the kernel
gets it back, scrubbed, only by RECLAIM_PAGE (when the memfd is gone).  A memfd the
program keeps open across its own execve is the new image's too: when the exec'ing
domain is gone, the pages held for it pass to the new domain as its share's pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from abi import FrameKind, Status
from abi.layout import MREMAP_MAYMOVE, NR_MREMAP
from emulator import descriptors as D
from guardian import checks
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.cut_windows import cutting
from guardian.discard_windows import areas_going
from guardian.frame_table import Mapping
from guardian.slots import PAGE, Domain, Space, fixed_target, page_up
from guardian.state import MonitorState

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

#: What makes two places the same page of a share: (share, offset), and for an admitted
#: file's share also the area (origin) one mmap of the file made.
PageKey = tuple[int, int, int]


def share_key(dom: Domain, space: Space, va: int) -> PageKey | None:
    """The share page at va in `space` (None: va is no page of a MAP_SHARED area)."""
    if not space.shared_areas:
        return None
    at = space.share_at(va)
    if at is None:
        return None
    if at[0] in dom.file_shares.values():
        origin = space.origin_at(va)
        return at[0], at[1], origin[0] if origin is not None else 0
    return at[0], at[1], 0


class Shares:
    def __init__(self, state: MonitorState, registry: Registry) -> None:
        self.s = state
        self.registry = registry
        state.frames.program_share = self.frame_in_one_share
        #: execve slot -> (the exec'ing domain, {memfd id: its share there}) of the memfds
        #: that program kept open across the exec (no FD_CLOEXEC).
        self._exec_memfds: dict[int, tuple[int, dict[int, int]]] = {}
        #: the program's descriptors (set by the Confidential room that makes both)
        self.files: Descriptors | None = None
        #: memfd id -> a descriptor the program holds open on it ('' for none): a memfd
        #: keeps its pages while one is (set by the confidential side, which knows them).
        self.memfd_open: Callable[[int], str] = lambda memfd: ""

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

    # --- one page per share page ---------------------------------------------------------
    def key_at(self, domain: int, root: int, va: int) -> PageKey | None:
        dom = self.registry.domains.get(domain)
        space = dom.spaces.get(root) if dom is not None else None
        return share_key(dom, space, va) if dom is not None and space is not None else None

    def places_of(self, domain: int, key: PageKey) -> list[tuple[int, int]]:
        """Every (root, va) of the domain's trees that is the share page `key`."""
        dom = self.registry.domains.get(domain)
        if dom is None:
            return []
        out = []
        for root, space in dom.spaces.items():
            for start, end, share, off in space.shared_areas:
                if share == key[0] and off <= key[1] < off + (end - start):
                    va = start + (key[1] - off)
                    if share_key(dom, space, va) == key:
                        out.append((root, va))
        return out

    def frame_at(self, root: int, va: int) -> int | None:
        """The frame root's tree maps at va (a page or a block), None if none."""
        ram = self.s.ram
        table = root
        for level in range(4):
            desc = ram.read_u64(table + 8 * D.level_index(va, level))
            if not desc & D.VALID:
                return None
            if level < 3 and desc & D.TABLE:
                table = desc & D.ADDR_MASK
                continue
            if level == 0:
                return None
            return D.output_address(desc, level) + (va & ((1 << D.LEVEL_SHIFT[level]) - PAGE))
        return None

    def other_places(self, domain: int, root: int, va: int
                     ) -> tuple[PageKey | None, list[tuple[int, int, int | None, bool]]]:
        """The share page at (root, va) and its other places: (root, va, frame mapped there
        or None, whether that tree holds the page sealed there)."""
        key = self.key_at(domain, root, va)
        if key is None:
            return None, []
        return key, [(r, v, self.frame_at(r, v), self.s.sealed(r, v))
                     for r, v in self.places_of(domain, key) if (r, v) != (root, va)]

    def kept_page(self, domain: int, root: int, va: int) -> PageKey | None:
        """The share page at (root, va) if its share keeps its pages between mappings: a
        memfd's (the memfd holds them, as a file's page cache does), or an anonymous
        MAP_SHARED share's while an area of it lives on (its shmem object holds them:
        MADV_DONTNEED drops only the mapping, and the next access maps the same bytes)."""
        dom = self.registry.domains.get(domain)
        key = self.key_at(domain, root, va) if dom is not None else None
        if key is None or dom is None:
            return None
        if key[0] in dom.memfd_shares.values():
            return key
        if key[0] in dom.file_shares.values() or not checks.enabled("share.anon_kept"):
            return None
        return key if self.share_mapped(dom, key[0]) else None

    def share_mapped(self, dom: Domain, share: int) -> str:
        """Where an area of `share` lives on past the unmapping calls in progress and
        the trees being torn down ('' if nowhere): its pages live while it does."""
        reg = self.registry
        for root, space in dom.spaces.items():
            areas = [(s, e) for s, e, sh, _ in space.shared_areas if sh == share]
            if not areas or root in reg.dying:
                continue
            going = areas_going(reg.slots.values(), space, root)
            for start, end in areas:
                if not any(lo <= start and end <= hi for lo, hi in going):
                    return f"tree {root:#x} maps it at {start:#x}"
        return ""

    def release_unmapped(self, domain: int) -> None:
        """The program's unmapping completed (or a tree went): the pages held for an
        anonymous share no area maps any more go with its shmem object, scrubbed."""
        fr = self.s.frames
        dom = self.registry.domains.get(domain)
        memfds = set(dom.memfd_shares.values()) if dom is not None else set()
        for (owner, key), pa in list(fr.held_at.items()):
            if owner == domain and key[0] not in memfds \
                    and (dom is None or not self.share_mapped(dom, key[0])):
                self.s.release_frame(pa)
                self.s.stats.inc("guardian.shares.anon_pages_released")

    # --- a memfd kept across execve ----------------------------------------------------------
    def note_exec(self, slot_id: int, domain: int, memfds: Iterable[int]) -> None:
        """A thread in execve lost its address space, keeping these memfds open: remember
        which of its domain's shares they are (the domain may be gone by CREATE_DOMAIN)."""
        dom = self.registry.domains.get(domain)
        kept = {m: dom.memfd_shares[m] for m in memfds if m in dom.memfd_shares} \
            if dom is not None else {}
        if kept:
            self._exec_memfds[slot_id] = (domain, kept)

    def pass_exec_memfds(self, exec_slot: int, dom: Domain) -> None:
        """CREATE_DOMAIN of the image an execve serves: the memfds the exec'ing program
        kept open are the new image's too, and the pages the Guardian holds for them pass
        to the new domain, still confidential (the program's own hand-over, as a file it
        wrote).  Only from a domain that is gone: a living one (a fork parent) keeps its
        pages, which never belong to two domains."""
        old_dom, kept = self._exec_memfds.pop(exec_slot, (0, {}))
        if not kept:
            return
        if old_dom in self.registry.domains:
            dom.memfds_elsewhere.update(kept)
            return
        fr = self.s.frames
        for memfd, old_share in kept.items():
            share = dom.memfd_shares.setdefault(memfd, dom.new_share())
            for (owner, key), pa in list(fr.held_at.items()):
                if owner == old_dom and key[0] == old_share:
                    fr.pass_held(pa, dom.id, (share, key[1], key[2]))
                    self.s.stats.inc("guardian.exec.memfd_pages_passed")

    def reclaim_page(self, pa: int) -> int:
        """RECLAIM_PAGE: the kernel drops a share page the Guardian held between mappings
        (the memfd was closed, or the program's cut of it in progress drops the page:
        cut_windows.py): scrubbed, FREE.  Dropping it loses only what the kernel
        could drop anyway (the memfd's data); it never comes back as that page."""
        fr = self.s.frames
        if pa % PAGE:
            refuse("reclaim.held", Status.ERR_ALIGN, f"{pa:#x} is not page aligned")
        if not fr.contains(pa):
            refuse("reclaim.held", Status.ERR_RANGE, f"{pa:#x} is not RAM")
        if pa not in fr.held:
            refuse("reclaim.held", Status.ERR_STATE,
                   f"frame {pa:#x} is no share page the Guardian holds unmapped")
        owner, key = fr.record(pa).owner, fr.held[pa]
        still = self._memfd_alive(owner, key[0])
        cut = cutting(self.files, self.registry, owner, key) if still and self.files else None
        if cut is not None:
            cut.discarded = True       # the cut must now succeed (return.discard_succeeded)
        elif still:
            refuse("reclaim.memfd_closed", Status.ERR_DENIED,
                   f"frame {pa:#x} is page {key[1] // PAGE} of a share that {still}: the share "
                   "still holds its pages (a later mmap of it must find these bytes)")
        self.s.release_frame(pa)
        return 0

    def _memfd_alive(self, domain: int, share: int) -> str:
        """Why the memfd whose share this is still lives ('' if it does not): a descriptor
        of it is open (and no syscall in progress is closing it), or a page of its share
        is mapped or sealed in a tree of the domain."""
        dom = self.registry.domains.get(domain)
        if dom is None:
            return ""
        mapped = self.share_mapped(dom, share)
        if mapped and checks.enabled("share.anon_kept"):
            return f"has an area that lives on ({mapped}), so"
        memfd = next((m for m, sh in dom.memfd_shares.items() if sh == share), 0)
        if memfd and self.memfd_open(memfd):
            return f"descriptor {self.memfd_open(memfd)} still names"
        if any(sh == share for _, kept in self._exec_memfds.values() for sh in kept.values()):
            return "an execve in progress keeps open"
        fr = self.s.frames
        for places in fr.where.values():
            for r, v, _ in places:
                key = self.key_at(domain, r, v) if r in dom.spaces else None
                if key is not None and key[0] == share:
                    return f"tree {r:#x} still maps at {v:#x}"
        for r, space in dom.spaces.items():
            for start, end, sh, _ in space.shared_areas:
                if sh == share and any(self.s.sealed(r, v) for v in range(start, end, PAGE)):
                    return f"tree {r:#x} still holds a sealed page of"
        return ""

    def check_one_frame(self, domain: int, root: int, va: int, pa: int) -> None:
        """SET_PT maps pa at (root, va): where that is a share page, every other place of
        it maps pa too, or nothing (and none holds it swapped out), and a frame the
        Guardian holds for it (no place maps it now) is pa."""
        dom = self.registry.domains.get(domain)
        space = dom.spaces.get(root) if dom is not None else None
        if space is None or not space.shared_areas:
            return             # (no share page here: `other_places` would find none)
        key, others = self.other_places(domain, root, va)
        if key is not None and dom is not None and dom.memfds_elsewhere:
            self._check_not_elsewhere(dom, key, va)
        held = self.s.frames.held_at.get((domain, key)) if key is not None else None
        if held is not None and held != pa:
            refuse("set_pt.share_one_frame", Status.ERR_DENIED,
                   f"{va:#x} is a page of a MAP_SHARED share whose frame {held:#x} the "
                   f"Guardian holds: map that frame, not {pa:#x}")
        for r, v, frame, sealed in others:
            if frame is not None and frame != pa:
                refuse("set_pt.share_one_frame", Status.ERR_DENIED,
                       f"{va:#x} is a page of a MAP_SHARED share that {v:#x} in tree {r:#x} "
                       f"maps as frame {frame:#x}: one page of a share is one frame for every "
                       f"place (not {pa:#x}, a copy or a fresh page for one side)")
            if sealed:
                refuse("set_pt.share_one_frame", Status.ERR_DENIED,
                       f"{va:#x} is a page of a MAP_SHARED share that tree {r:#x} holds "
                       f"swapped out at {v:#x}: it comes back by SWAP_IN, as the one frame of "
                       "every place")

    def _check_not_elsewhere(self, dom: Domain, key: PageKey, va: int) -> None:
        """A page of a memfd whose pages another domain holds (the program that exec'd
        this image mapped it MAP_SHARED and lives on) never enters this domain: Linux's
        mapping would show that page, and no frame is two domains'."""
        memfd = next((m for m, sh in dom.memfd_shares.items() if sh == key[0]), 0)
        if memfd in dom.memfds_elsewhere:
            refuse("set_pt.memfd_elsewhere", Status.ERR_DENIED,
                   f"{va:#x} is a page of a memfd this image was handed by the execve of a "
                   "program that mapped it MAP_SHARED and lives on: its pages are that "
                   "program's, never a fresh page or a copy here")

    def check_swap_in(self, domain: int, root: int, va: int,
                      holds_same: Callable[[int, int], bool]
                      ) -> tuple[PageKey | None, list[tuple[int, int, int | None, bool]]]:
        """SWAP_IN at (root, va): where that is a share page, no other place of it maps the
        page (it would be two frames) or holds another sealed version of it
        (`holds_same(root, va)`: that place holds the version coming back)."""
        key, others = self.other_places(domain, root, va)
        held = self.s.frames.held_at.get((domain, key)) if key is not None else None
        if held is not None:
            refuse("swap_in.share_one_frame", Status.ERR_STATE,
                   f"{va:#x} is a page of a MAP_SHARED share whose frame {held:#x} the "
                   "Guardian holds: map that frame, not a second copy")
        for r, v, frame, sealed in others:
            if frame is not None:
                refuse("swap_in.share_one_frame", Status.ERR_STATE,
                       f"{va:#x} is a page of a MAP_SHARED share that {v:#x} in tree {r:#x} "
                       f"maps as frame {frame:#x}: map that frame here, not a second copy")
            if sealed and not holds_same(r, v):
                refuse("swap_in.share_one_frame", Status.ERR_STATE,
                       f"{va:#x} is a page of a MAP_SHARED share that tree {r:#x} holds "
                       f"sealed at {v:#x} as another version")
        return key, others

    def move_in_progress(self, root: int, va: int, pa: int,
                         places: set[tuple[int, int, int]]) -> bool:
        """Is (root, va) the new place of a page the program's own mremap is moving?

        The first page moved fixes the distance; every other page must move by the same
        one, and RESUME holds mremap's result to it.  With MREMAP_FIXED the program chose
        the place: the distance is its own, the page lands inside [new, new + new_len), and
        the target's old pages (unmapped before the first page moves) leave with their
        sealed copies."""
        for slot in self.registry.slots.values():
            if slot.root != root or slot.nr != NR_MREMAP or not slot.args[1]:
                continue
            a0, a1 = slot.args[0], slot.args[1]
            target = fixed_target(slot.nr, slot.args)
            if target is not None:
                a1 = min(page_up(a1), target[1] - target[0])   # a shrinking move cuts first
            olds = [v for r, v, _ in places if r == root and a0 <= v < a0 + a1]
            if not olds:
                continue
            if not slot.args[3] & MREMAP_MAYMOVE:
                # Without MREMAP_MAYMOVE Linux resizes the area where it is, or fails.
                refuse("remap.in_place", Status.ERR_DENIED,
                       f"mremap of {a0:#x} without MREMAP_MAYMOVE resizes in place: its page "
                       f"at {olds[0]:#x} cannot move to {va:#x}")
            delta = va - olds[0]
            if target is not None and (delta != target[0] - a0 or
                                       not target[0] <= va < target[1]):
                continue
            if slot.move_delta is None:
                slot.move_delta = delta
                if target is not None:
                    self.s.on_unmapped(root, [target])
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
