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
(`FileView.cut`), judged by set_pt.cut_refault.  A frame once writable is an anonymous
copy no later write to the file reaches: reclaim swaps it out and back with its own
bytes (do_swap_page()).
"""

from __future__ import annotations

from guardian.file_pages import FileView
from guardian.slots import PAGE, Space


class CleanPages:
    def __init__(self) -> None:
        #: frame -> (root, va) where it entered a private view, never writable since
        self.entered: dict[int, tuple[int, int]] = {}

    @staticmethod
    def _private_view(space: Space | None, va: int) -> tuple[FileView, int] | None:
        found = space.sole_view(va) if space is not None and space.sole_views else None
        if found is None or not isinstance(found[0], FileView):
            return None
        view = found[0]
        if view.private_at is None or not view.file.followed:
            return None
        return view, found[1]

    def note(self, space: Space | None, root: int, va: int, pa: int) -> None:
        """A frame entered the domain at va (a leaf the caller sees writable at EL0 ends
        its cleanness at once: `written`)."""
        if self.entered:
            self.entered.pop(pa, None)
        if self._private_view(space, va) is None:
            return
        self.entered[pa] = (root, va & ~(PAGE - 1))

    def written(self, pa: int) -> None:
        """A leaf writable at EL0 maps the frame: it is no clean folio from now on
        (wp_page_copy() made it, or will make it, an anonymous copy)."""
        self.entered.pop(pa, None)

    def may_drop(self, space: Space | None, root: int, va: int, pa: int) -> bool:
        """May the frame `pa` leave the page at va, as reclaim unmaps a clean folio?  If
        so, the next fault there owes the file's bytes."""
        rec = self.entered.get(pa)
        found = self._private_view(space, va)
        if rec is None or found is None or rec != (root, va):
            return False
        view, offset = found
        view.cut.add(offset // PAGE)
        del self.entered[pa]
        return True
