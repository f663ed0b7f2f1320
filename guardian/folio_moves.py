"""The page cache folio of a memfd page under the kernel's page events: SWAP_OUT,
MIGRATE_PAGE and the drop of a private view's read-only entry of it (reclaim).

A private view's read fault maps the memfd page's folio itself (do_read_fault() ->
finish_fault()); once a MAP_SHARED view has mapped that folio too, the frame is the
memfd's page (frames.folio_key: folio_alias.py), which pread64() and a later shared fault
reach (memfd_mapped.page_frame) even after the shared view is gone.  Linux moves that
folio only as one, with the page cache's entry for it:

- reclaim never swaps one mapping of a shmem folio: try_to_unmap_one() writes a swap
  entry only for an anonymous folio, a file folio's entries are cleared, and the folio
  stays in the page cache or is written to swap whole (shmem_writepage()).  So a
  SWAP_OUT of a private view's entry of the folio is no answer of Linux: refused
  (`swap_out.folio`) -- the swap would scrub the memfd's page with it;
- the same reclaim clears that entry (try_to_unmap()): the folio, kept by the page cache,
  loses nothing, and the Guardian holds the frame for the memfd's page (kept_folio); the
  refault there owes that folio's bytes (the page is cut and loose: set_pt.cut_refault
  judges a fresh frame against the held or mapped folio);
- migration moves the folio and its page cache entry together (migrate_folio() ->
  folio_migrate_mapping(), remove_migration_ptes()): the record of the memfd's page
  follows the new frame (`migrate.folio_moves`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from emulator import descriptors as D
from guardian import checks
from guardian.checks import refuse
from guardian.file_pages import FileView
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.state import MonitorState

Key = tuple[int, int, int]


def folio_of(state: MonitorState, owner: int, pa: int) -> Key | None:
    """The share page (memfd page) whose page cache folio the mapped frame `pa` still is:
    the page has no other frame, held or mapped at a place of the share.  None: no such
    page (the record is stale, or the frame is no folio)."""
    fr = state.frames
    key = fr.folio_key.get(pa)
    if key is None or fr.held_at.get((owner, key), pa) != pa:
        return None
    shares = state.shares
    if any(shares.frame_at(r, v) not in (None, pa) for r, v in shares.places_of(owner, key)):
        return None
    return key


def check_swap_out(state: MonitorState, owner: int, root: int, va: int, pa: int) -> None:
    """SWAP_OUT of the entry at (root, va), frame `pa`: refused where the entry is a
    private view's mapping of a memfd page's folio (try_to_unmap_one() gives a file folio's
    entry no swap entry; shmem swaps the folio whole, from the page cache)."""
    if state.shares.key_at(owner, root, va) is not None:
        return              # the share's own page: swapped as the share page (secure_swap)
    key = folio_of(state, owner, pa)
    if key is not None:
        refuse("swap_out.folio", Status.ERR_DENIED,
               f"{va:#x} maps the page cache folio of memfd page {key[1]:#x} read-only "
               "(a private view's read fault): Linux never swaps one mapping of a shmem "
               "folio (try_to_unmap_one(), shmem_writepage()); drop the entry instead")


def moved(state: MonitorState, owner: int, key: Key | None, old: int, new: int) -> None:
    """MIGRATE_PAGE moved the frame `old`, the folio of the memfd page `key` (folio_of()
    before the move), to `new`: the memfd's page is `new` now (folio_migrate_mapping())."""
    if key is None or not checks.enabled("migrate.folio_moves"):
        return
    fr = state.frames
    if fr.folio_key.get(old) == key:
        fr.drop_folio(old)
    fr.note_folio(new, key)
    state.stats.inc("guardian.folio_moved")


def drops_folio(state: MonitorState, owner: int, root: int, va: int, pa: int,
                old: int) -> bool:
    """May the read-only entry `old` at (root, va), a private view's mapping of the frame
    `pa`, go as reclaim clears it (try_to_unmap())?  Where `pa` is still the memfd page's
    folio: the page cache keeps it (kept_folio holds it at its last unmap), nothing is
    discarded, and the refault maps it again (do_read_fault())."""
    if not old & D.AP_RO or state.shares.key_at(owner, root, va) is not None \
            or folio_of(state, owner, pa) is None:
        return False
    space = state.registry.space_of(owner, root)
    found = space.sole_view(va) if space is not None and space.sole_views else None
    if found is None or not isinstance(found[0], FileView) or found[0].private_at is None:
        return False
    # (the refault owes the file's page as it is then, the folio a MAP_SHARED view
    # mapped and may have stored to: set_pt.cut_refault judges it against that frame,
    # held or mapped, file_pages.check_after_cut -> cut_movers.shared_frame)
    view, page = found[0], found[1] // PAGE
    view.cut.add(page)
    view.file.loose.add(page)
    return True
