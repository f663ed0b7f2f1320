"""A clean page of a MAP_PRIVATE view of a file only the program holds.

A read fault on a MAP_PRIVATE file mapping maps the page cache folio itself, read-only
(do_read_fault() -> finish_fault()); only a write fault copies it (do_cow_fault(),
wp_page_copy()).  Until then a later write to the file (pwrite64(), a MAP_SHARED view's
store) shows through the view, and reclaim may unmap the clean folio at any time
(try_to_unmap()), the next fault reading the file as it is then (shmem_fault()).

So where the Guardian follows the file's bytes, a frame that entered such a view at a
page and was never writable at EL0 since (no leaf of it without AP[2]: the program's
first store write-faults and copies, and a read() into the page -- copy_to_user() --
does too, do_wp_page(); the Guardian's own copies need a writable leaf) may leave that
page; the page is then one the next fault fills from the file as it is
(`FileView.cut`), judged by set_pt.cut_refault.  The frame is known by the file page it
entered as, not its address: mremap() moves the page cache folio's entry (move_ptes()),
and mprotect() leaves it read-only (change_pte_range(): can_change_pte_writable() wants
an exclusive anonymous page).  A frame once writable is an anonymous
copy no later write to the file reaches: reclaim swaps it out and back with its own
bytes (do_swap_page()).  A clean frame is never swapped on Linux (shrink_folio_list()
drops a clean file folio's entry): what SWAP_OUT sealed of one comes back as the
file's page as it is then.  MIGRATE_PAGE moves the folio (migrate_folio()): the new
frame is the clean page.  A fork child's entry shares the folio (copy_present_pte()):
the frame is the file's page in every tree that maps it at that file page.  So is every page of a writable private view that
MAP_POPULATE or MADV_POPULATE_WRITE populated: populate_vma_page_range() and
madvise_populate() fault it with FOLL_WRITE, which copies it (wp_page_copy()) without a
store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import PROT_WRITE
from emulator import descriptors as D
from guardian.checks import refuse
from guardian.file_pages import FileView
from guardian.slots import PAGE, Space

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry
    from guardian.state import MonitorState

MAP_POPULATE, MAP_NONBLOCK, MADV_POPULATE_WRITE = 0x8000, 0x10000, 23


def populate_copies(prot: int, flags: int) -> bool:
    """Does a MAP_PRIVATE mmap with `prot` and `flags` write-fault every page before it
    returns (do_mmap() -> mm_populate(), FOLL_WRITE for a writable private view)?"""
    return bool(prot & PROT_WRITE) and flags & (MAP_POPULATE | MAP_NONBLOCK) == MAP_POPULATE


def check_writable(clean: CleanPages, state: MonitorState, pa: int, va: int) -> None:
    """A leaf writable at EL0 names the frame `pa` at va: never a clean page, the page
    cache folio itself (do_read_fault() maps it read-only, copy_present_pte() keeps it
    so in a fork child; a store write-faults and maps a new frame, wp_page_copy())."""
    if pa in clean.entered and clean.still_mapped(state, pa):
        refuse("set_pt.clean_writable", Status.ERR_DENIED,
               f"frame {pa:#x} is a clean page of a private file view (the file's page): "
               f"{va:#x} becomes writable only on a copy of it (wp_page_copy())")


def check_ksm(clean: CleanPages, state: MonitorState,
              pages: Iterable[tuple[int, int]]) -> None:
    """KSM_MERGE of the pages (va, frame) `pages`: KSM merges anonymous pages only
    (scan_get_next_rmap_item() passes over a folio that is not folio_test_anon()); a
    clean page of a private file view is the page cache folio."""
    for va, pa in pages:
        if pa in clean.entered and clean.still_mapped(state, pa):
            refuse("ksm.clean_file", Status.ERR_DENIED,
                   f"the page at {va:#x} is a clean page of a private file view (the page "
                   "cache folio, not anonymous): KSM never merges it")


class CleanPages:
    def __init__(self) -> None:
        #: frame -> (root, file, page offset) where it entered a private view, never
        #: writable since: the page it is wherever mremap moves it (move_ptes())
        self.entered: dict[int, tuple[int, object, int]] = {}
        #: id(file) -> its frames in `entered` (a write to the file walks these alone)
        self.of_file: dict[int, set[int]] = {}
        #: (id(file), page) -> its frames in `entered` (a short write walks these alone)
        self.at_page: dict[tuple[int, int], set[int]] = {}
        #: (domain, sealed version) -> (file, page) of a clean frame SWAP_OUT sealed
        self.sealed: dict[tuple[int, int], tuple[object, int]] = {}

    @staticmethod
    def _private_view(space: Space | None, va: int) -> tuple[FileView, int] | None:
        found = space.sole_view(va) if space is not None and space.sole_views else None
        if found is None or not isinstance(found[0], FileView):
            return None
        view = found[0]
        if view.private_at is None or view.copied or not view.file.followed:
            return None
        return view, found[1]

    #: (the followed private view at va and the file offset there: secure_swap.py)
    private_view = _private_view

    def note(self, space: Space | None, root: int, va: int, pa: int) -> None:
        """A frame entered the domain at va (a leaf the caller sees writable at EL0 ends
        its cleanness at once: `written`)."""
        if self.entered:
            self._drop(pa)
        found = self._private_view(space, va)
        if found is None:
            return
        self._enter(pa, (root, found[0].file, found[1] // PAGE))

    def _enter(self, pa: int, rec: tuple[int, object, int]) -> None:
        self.entered[pa] = rec
        self.of_file.setdefault(id(rec[1]), set()).add(pa)
        self.at_page.setdefault((id(rec[1]), rec[2]), set()).add(pa)

    def _drop(self, pa: int) -> None:
        rec = self.entered.pop(pa, None)
        if rec is not None:
            frames = self.of_file[id(rec[1])]
            frames.discard(pa)
            if not frames:
                del self.of_file[id(rec[1])]
            page = self.at_page[(id(rec[1]), rec[2])]
            page.discard(pa)
            if not page:
                del self.at_page[(id(rec[1]), rec[2])]

    def moved(self, old: int, new: int) -> None:
        """MIGRATE_PAGE moved the frame `old`, mapped in one place, to `new`:
        migrate_folio() moves the page cache folio itself, still clean and the file's
        (remove_migration_pte() maps the new folio as the old entry was)."""
        rec = self.entered.get(old)
        if rec is None:
            return
        self._drop(old)
        self._drop(new)
        self._enter(new, rec)

    def swapped_out(self, dom_id: int, version: int, pa: int) -> None:
        """SWAP_OUT sealed the frame `pa` as `version`: where it is a clean page, Linux
        never swaps it -- reclaim drops the clean folio's entry (shrink_folio_list()) --
        so the page that comes back is the file's page as it is then."""
        rec = self.entered.get(pa)
        if rec is not None:
            self._drop(pa)
            self.sealed[(dom_id, version)] = (rec[1], rec[2])

    def swapped_in(self, space: Space | None, dom_id: int, version: int, va: int
                   ) -> bytes | None:
        """SWAP_IN of `version` at va: the file's page as it is now where the version
        sealed a clean page of that file page (the refault after reclaim dropped the
        entry reads it, shmem_fault(); a write refault copies it, wp_page_copy());
        None: the sealed bytes stand."""
        rec = self.sealed.pop((dom_id, version), None)
        found = self._private_view(space, va) if rec is not None else None
        if rec is None or found is None or (found[0].file, found[1] // PAGE) != rec:
            return None
        page = found[0].file.known(rec[1] * PAGE, PAGE)
        return page.ljust(PAGE, b"\0") if page is not None else None

    def refaults(self, space: Space | None, dom_id: int, version: int, va: int) -> bool:
        """A new page comes at va where `version` was sealed: where that sealed the clean
        page of this very file page, it may (a refault after reclaim dropped the clean
        folio's entry, shmem_fault()), holding the file's bytes as they are now."""
        rec = self.sealed.get((dom_id, version))
        found = self._private_view(space, va) if rec is not None else None
        if found is None or (found[0].file, found[1] // PAGE) != rec:
            return False
        found[0].cut.add(found[1] // PAGE)
        return True

    def written(self, pa: int) -> None:
        """A leaf writable at EL0 maps the frame: it is no clean folio from now on
        (wp_page_copy() made it, or will make it, an anonymous copy)."""
        self._drop(pa)

    def populated(self, frames: Iterable[tuple[int, int]]) -> None:
        """MADV_POPULATE_WRITE returned 0 over the pages (va, frame) `frames`:
        madvise_populate() write-faulted each, a copy now (wp_page_copy())."""
        for _, pa in frames:
            self._drop(pa)

    def show_write(self, state: MonitorState, registry: Registry, file: object,
                   start: int, end: int, data: Callable[[int], bytes | None]) -> None:
        """A write to the file changed [start, end): each clean frame of a page there,
        still mapped where it entered, is the page cache folio on Linux and shows the
        new bytes (do_read_fault() mapped the folio itself; shmem_file_write_iter()
        writes it): the file's page, `data(offset)`, is written into it."""
        first, last = start // PAGE, (end - 1) // PAGE
        frames = self.of_file.get(id(file), ())
        if last - first < len(frames):      # (a short write: its own pages' frames alone)
            frames = {pa for pg in range(first, last + 1)
                      for pa in self.at_page.get((id(file), pg), ())}
        for pa in list(frames):
            _, f, pg = self.entered[pa]
            if f is not file or not first <= pg <= last:
                continue
            # every place that maps it is that page of a private view of the file (the
            # place it entered, a fork's copy of it -- copy_present_pte() shares the folio,
            # and it stays the file's where the parent's store copied, wp_page_copy()):
            # no other page shares the frame
            places = state.frames.mappings(pa)
            if not places or not all(
                    self._is_page(registry, r, va, file, pg) for r, va, _ in places):
                self._drop(pa)                  # (judged no more)
                continue
            page = data(pg * PAGE)
            if page is None:
                self._drop(pa)                  # (bytes not known: judged no more)
                continue
            state.ram.write(pa, page)

    def still_mapped(self, state: MonitorState, pa: int) -> bool:
        """Is the clean frame `pa` still mapped at the file page it entered as?  (A
        frame the kernel freed once its page was copied -- wp_page_copy() -- or
        unmapped may come back as any page: its record is stale.)"""
        rec = self.entered[pa]
        return any(self._is_page(state.registry, r, v, rec[1], rec[2])
                   for r, v, _ in state.frames.mappings(pa))

    def _is_page(self, registry: Registry, root: int, va: int, file: object, pg: int) -> bool:
        dom = registry.domain_of_root(root)
        found = self._private_view(dom.spaces.get(root) if dom is not None else None, va)
        return found is not None and found[0].file is file and found[1] // PAGE == pg

    #: (is (root, va) that file page of a followed private view: folio_alias.py)
    is_page = _is_page

    def shared_places(self, state: MonitorState, registry: Registry, pa: int, root: int,
                      va: int) -> list[tuple[int, int, int]] | None:
        """The other places (entry, root, va) of the frame `pa` mapped at (root, va):
        none where it is mapped there alone; where it is a clean page every place maps at
        the file page it entered as (a fork child's entry: copy_present_pte() shares the
        folio), each a valid page entry, those places: migrate_pages() moves such a folio
        for every mapping (try_to_migrate()).  None: not so."""
        places = state.frames.mappings(pa)
        if len(places) <= 1:
            return []
        rec = self.entered.get(pa)
        if rec is None or not all(self._is_page(registry, r, v, rec[1], rec[2])
                                  and state.ram.read_u64(e) & 3 == 3 for r, v, e in places):
            return None
        return [(e, r, v) for r, v, e in sorted(places) if (r, v) != (root, va)]

    def same_folio(self, registry: Registry, pa: int, root: int, va: int, desc: int) -> bool:
        """May a read-only leaf at (root, va) map the clean frame `pa` mapped elsewhere?
        Where va is the same page of a private view of the same file: Linux keeps one
        page cache folio per file page and every private view's read fault maps it
        (do_read_fault() -> finish_fault()), read-only."""
        rec = self.entered.get(pa)
        return rec is not None and bool(desc & D.AP_RO) \
            and self._is_page(registry, root, va, rec[1], rec[2])

    def may_drop(self, space: Space | None, root: int, va: int, pa: int) -> bool:
        """May the frame `pa` leave the page at va, as reclaim unmaps a clean folio?  If
        so, the next fault there owes the file's bytes."""
        rec = self.entered.get(pa)
        found = self._private_view(space, va)
        # (in the tree it entered or a fork child's: copy_present_pte() shares the folio)
        if rec is None or found is None or rec[1:] != (found[0].file, found[1] // PAGE):
            return False
        view, offset = found
        view.cut.add(offset // PAGE)
        self._drop(pa)
        return True
