"""A private view's read refault on the frame the program's MAP_SHARED view of the same
memfd page maps, and a shared view's fault on a private view's clean frame.

Linux keeps one page cache folio per memfd page: the shared view's fault maps it
writable (do_shared_fault()), and a private view's read fault maps the same folio
read-only (do_read_fault() -> finish_fault(); shmem_fault() finds it), where no private
copy is (reclaim dropped the clean entry, a cut, MADV_DONTNEED); a shared view's fault
after a private read fault maps the private view's clean folio, writable.  Such a leaf is that
page of the file, the share's frame, read-only: the program's stores to it write-fault
and copy (wp_page_copy()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import descriptors as D
from guardian.descriptor_kinds import writable
from guardian.file_pages import FileView
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.state import MonitorState


def is_shared_folio(state: MonitorState, domain: int, root: int, va: int, pa: int,
                    desc: int) -> bool:
    """Is the leaf `desc` at (root, va) a private view's read-only refault of a memfd page
    the frame `pa` is, the program's MAP_SHARED share of that page (held by the memfd or
    mapped by a shared view)?"""
    if not desc & D.AP_RO:
        return False
    space = state.registry.space_of(domain, root)
    found = space.sole_view(va) if space is not None and space.sole_views else None
    if found is None or not isinstance(found[0], FileView):
        return False
    view, offset = found
    if view.private_at is None:
        return False
    page = offset // PAGE
    dom = state.registry.domains.get(domain)
    # (the memfd the view maps, as its mmap named it: the share whatever follows it now)
    share = dom.memfd_shares.get(view.memfd) if dom is not None and view.memfd else \
        _share_of(state, domain, view.file)
    if share is None:
        return False
    key = (share, page * PAGE, 0)
    shares = state.shares
    if state.frames.held_at.get((domain, key)) == pa or any(
            shares.frame_at(r, v) == pa for r, v in shares.places_of(domain, key)):
        state.frames.note_folio(pa, key)        # (held for the share at its last unmap)
        return True
    return False


def _share_of(state: MonitorState, domain: int, file: object) -> object | None:
    """The program's MAP_SHARED share of the memfd whose followed file is `file`."""
    files = state.admission.descriptors
    dom = state.registry.domains.get(domain)
    if files is None or dom is None:
        return None
    ids = {f.memfd for table in files.tables.values() for f in table.fds.values()
           if f.memfd and files.sole.by_file.get(f.description) is file}
    return dom.memfd_shares.get(next(iter(ids))) if len(ids) == 1 else None


def is_clean_folio(state: MonitorState, domain: int, root: int, va: int, pa: int) -> bool:
    """Is (root, va) the program's MAP_SHARED view of the memfd page whose clean private
    page the frame `pa` is?  Linux's shared fault maps that very folio, writable
    (do_shared_fault(); do_read_fault() mapped it read-only in the private view)."""
    rec = state.admission.clean.entered.get(pa)
    if rec is None or not getattr(rec[1], "followed", False):
        return False
    shares = state.shares
    key = shares.key_at(domain, root, va)
    share = _share_of(state, domain, rec[1]) if key is not None else None
    if share is None or key != (share, rec[2] * PAGE, 0):
        return False
    # (the share page has no frame yet: one folio per file page, shmem_get_folio())
    held = state.frames.held_at.get((domain, key))
    if held in (None, pa) and all(
            shares.frame_at(r, v) in (None, pa) for r, v in shares.places_of(domain, key)):
        state.frames.note_folio(pa, key)        # (held for the share at its last unmap)
        return True
    return False


def kept_folio(state: MonitorState, owner: int, pa: int) -> tuple[int, int, int] | None:
    """The share page whose folio the frame `pa`, its last mapping a private view's
    entry gone, is: the page cache keeps it (shmem: the folio outlives its mappings), so
    the Guardian holds it for that page.  None: no such page, or it has another frame."""
    key = state.frames.folio_key.get(pa)
    if key is None or (owner, key) in state.frames.held_at or any(
            state.shares.frame_at(r, v) not in (None, pa)
            for r, v in state.shares.places_of(owner, key)):
        return None
    return key


def folio_places(state: MonitorState, domain: int, pa: int,
                 places: list[tuple[int, int, int]]) -> bool:
    """Are the places (root, va, entry) of the frame `pa` one page of one MAP_SHARED share
    and private views' read-only entries of that page's folio (do_read_fault() maps it
    read-only; a store write-faults and copies, wp_page_copy())?"""
    keys = set()
    for root, va, desc in places:
        key = state.shares.key_at(domain, root, va)
        if key is not None:
            keys.add(key)
        elif writable(desc) or not is_shared_folio(state, domain, root, va, pa, desc):
            return False
    return len(keys) == 1


def clean_folio_in(state: MonitorState, domain: int, root: int,
                   key: tuple[int, int, int]) -> int | None:
    """A clean private page of the memfd page that is the share page `key`, still mapped
    at that file page in the tree `root` (clean_pages.py): the page's folio, which Linux's
    shared fault there maps (shmem_get_folio(): one folio per file page).  None: none."""
    clean = state.admission.clean
    page = key[1] // PAGE
    # (by file, then that page: a walk of every clean page would grow with the program
    # on each fresh frame a share page takes)
    for fid in clean.of_file:
        for pa in clean.at_page.get((fid, page), ()):
            rec = clean.entered[pa]
            if _share_of(state, domain, rec[1]) == key[0] and any(
                    r == root and clean.is_page(state.registry, r, v, rec[1], rec[2])
                    for r, v, _ in state.frames.mappings(pa)):
                return pa
    return None
