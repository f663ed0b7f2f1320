"""A clean page of a MAP_PRIVATE view of a file only the program holds.

A read fault on a MAP_PRIVATE file mapping maps the page cache folio itself, read-only
(do_read_fault() -> finish_fault()); only a write fault copies it (do_cow_fault(),
wp_page_copy()).  Until then a later write to the file (pwrite64(), a MAP_SHARED view's
store) shows through the view, and reclaim may unmap the clean folio at any time
(try_to_unmap()), the next fault reading the file as it is then (shmem_fault()).

So where the Guardian follows the file's bytes, a frame that entered such a view at a
page and still holds the bytes it entered with (its first digest: no store of the
program changed it) may leave that page; the page is then one the next fault fills
from the file as it is (`FileView.cut`), judged by set_pt.cut_refault.  A store of the
very bytes the page held cannot be told from none: such a page may show the file's
later bytes (the program's own writes to a file only it holds), never anything else.
"""

from __future__ import annotations

import hashlib

from guardian.file_pages import FileView
from guardian.slots import PAGE, Space

_ZEROS = hashlib.sha256(bytes(PAGE)).digest()


class CleanPages:
    def __init__(self) -> None:
        #: frame -> (root, va, digest of the bytes it entered a private view with)
        self.entered: dict[int, tuple[int, int, bytes]] = {}

    @staticmethod
    def _private_view(space: Space | None, va: int) -> tuple[FileView, int] | None:
        found = space.sole_view(va) if space is not None and space.sole_views else None
        if found is None or not isinstance(found[0], FileView):
            return None
        view = found[0]
        if view.private_at is None or not view.file.followed:
            return None
        return view, found[1]

    def note(self, space: Space | None, root: int, va: int, pa: int,
             data: bytes | None) -> None:
        """A frame holding `data` (None: zeros) entered the domain at va."""
        if self.entered:
            self.entered.pop(pa, None)
        if self._private_view(space, va) is None:
            return
        digest = _ZEROS if data is None else hashlib.sha256(data).digest()
        self.entered[pa] = (root, va & ~(PAGE - 1), digest)

    def may_drop(self, space: Space | None, root: int, va: int, pa: int, data: bytes) -> bool:
        """May the frame `pa` (holding `data`) leave the page at va, as reclaim unmaps a
        clean folio?  If so, the next fault there owes the file's bytes."""
        rec = self.entered.get(pa)
        found = self._private_view(space, va)
        if rec is None or found is None or rec[:2] != (root, va) or \
                hashlib.sha256(data).digest() != rec[2]:
            return False
        view, offset = found
        view.cut.add(offset // PAGE)
        del self.entered[pa]
        return True
