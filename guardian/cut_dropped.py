"""Private pages of a file only the program holds that its own madvise(MADV_DONTNEED)
dropped (zap_page_range_single() takes the private copy away), and the pages an mremap()
that grew such a view added (vma_expand(), move_vma(): nothing mapped there): the next
fault there reads the file as it is then (filemap_fault(), shmem_fault()), whatever the
program stored before.  Such a page is judged as the pages a cut dropped are
(file_pages.py: `FileView.cut`, set_pt.cut_refault).  A fork's child has views of its
own (`Space.copy`, `FileView.forked`): a page one tree dropped is owed in that tree only."""

from __future__ import annotations

from collections.abc import Iterable

from abi.layout import MADV_ZAPPING, NR_MADVISE
from guardian.file_pages import FileView
from guardian.given_back import PagesIn
from guardian.slots import PAGE, Domain, Slot, Space


def note_dropped(slot: Slot, dom: Domain, space: Space, ranges: list[tuple[int, int]],
                 pages_in: PagesIn) -> None:
    """madvise(MADV_DONTNEED) in `slot` gave back `ranges` and returned success: each
    page of a MAP_PRIVATE view of a file only the program holds in them that the tree
    no longer maps owes the file's bytes at its next fault."""
    if slot.nr != NR_MADVISE or slot.args[2] not in MADV_ZAPPING:
        return
    for start, end in ranges:
        kept = {va for va, _pa in pages_in(slot.root, 0, 0, start, end)}
        for v_start, v_end, view, off in space.sole_views:
            if not isinstance(view, FileView) or view.private_at is None:
                continue
            lo, hi = max(start, v_start), min(end, v_end)
            if lo >= hi:
                continue
            first = (off + (lo - v_start) + PAGE - 1) // PAGE
            view.cut.update(range(first, (off + hi - v_start) // PAGE))
            for va in kept:
                if lo <= va < hi:
                    view.cut.discard((off + va - v_start) // PAGE)


def note_present(view: FileView, start: int, off: int, vas: Iterable[int]) -> None:
    """A MAP_PRIVATE view at `start` (file offset `off`) is made with pages already
    present at the mmap's return (MAP_POPULATE: populate_vma_page_range() with
    FOLL_WRITE copies them on write; another thread's fault while the mmap was in
    flight): they entered, and may hold the program's stores since, not the file's."""
    for va in vas:
        view.cut.discard((off + va - start) // PAGE)


def note_grown(dom: Domain, space: Space, start: int, end: int) -> None:
    """The program's own mremap() grew a mapping, its new part [start, end): each page of
    a MAP_PRIVATE view of a file only the program holds there owes the file's bytes at
    its first fault."""
    for v_start, v_end, view, off in space.sole_views:
        if not isinstance(view, FileView) or view.private_at is None:
            continue
        lo, hi = max(start, v_start), min(end, v_end)
        if lo < hi:
            view.cut.update(range((off + lo - v_start) // PAGE, (off + hi - v_start) // PAGE))


def views_left(space: Space, start: int, end: int) -> list[tuple[int, int, object, int]]:
    """The views of a file only the program holds over [start, end), as an mremap() with
    MREMAP_DONTUNMAP leaves them there (move_vma() keeps the old vma with its vm_file
    and offset, Linux 5.13 and later): its pages went, so each page of a MAP_PRIVATE view
    owes the file's bytes at its next fault (a view of its own: the moved pages keep
    theirs)."""
    out: list[tuple[int, int, object, int]] = []
    for v_start, v_end, view, off in space.sole_views:
        lo, hi = max(start, v_start), min(end, v_end)
        if lo >= hi or not isinstance(view, FileView):
            continue
        at = off + lo - v_start
        if view.private_at is not None:
            view = FileView(view.file, view.private_at, view.writable, memfd=view.memfd)
            view.cut.update(range(at // PAGE, (at + hi - lo) // PAGE))
        out.append((lo, hi, view, at))
    return out
