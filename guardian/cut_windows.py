"""Which memfd pages a cut the program makes may take out of its view.

ftruncate(fd, length) of a memfd, or an open with O_TRUNC of one (/proc/self/fd/N),
cuts it: Linux's shmem_setattr() -> truncate_setsize() -> truncate_pagecache() unmaps
every page of it wholly past the new end from every mapping (unmap_mapping_range(),
in every address space) and shmem_truncate_range() drops those pages.  While the
program's own cut is in progress the kernel may therefore clear those mappings
(`Lifecycle.may_discard`) and take those pages back (RECLAIM_PAGE, `Shares.reclaim_page`)
-- only those: a page before the new end, or of another share, stays the program's.
And a cut that did so must then succeed (`return.discard_succeeded`): Linux checks the
descriptor, the length and the seals before it touches a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import FrameKind
from abi.layout import NR_OPENAT
from abi.syscalls import NUMBERS
from guardian import reopen_flags
from guardian.file_pages import FileView
from guardian.quiet_ranges import quiet
from guardian.slots import PAGE, Slot, Space, page_up

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.confidential_shares import Shares
    from guardian.file_pages import PagesIn
    from guardian.state import MonitorState

_NR_FTRUNCATE = NUMBERS["ftruncate"]
_NR_OPENAT2 = NUMBERS["openat2"]
#: The calls that may cut a memfd.
CUT_CALLS = frozenset({_NR_FTRUNCATE, NR_OPENAT, _NR_OPENAT2})
O_RDONLY = 0
O_TRUNC = 0o1000
O_PATH = 0o10000000
_SIGN = 1 << 63


def cut_of(files: Descriptors, registry: Registry, slot: Slot,
           any_file: bool = False) -> tuple[int, int] | None:
    """(the memfd's id, the length) the call in `slot` cuts a memfd of the program to,
    as the program asked; None for another call, another file, or arguments Linux
    refuses: a negative length, a descriptor opened read-only (do_sys_ftruncate():
    EINVAL; an O_PATH handle EBADF), open flags refused by themselves (reopen_flags.py).
    `any_file`: an O_TRUNC open of any file again, not only a memfd (its id then 0)."""
    a = slot.args
    if slot.nr == _NR_FTRUNCATE:
        if a[1] & _SIGN:
            return None                        # do_ftruncate(): EINVAL
        f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
        if f is None or not f.memfd or f.path_only or f.access == O_RDONLY:
            return None
        return f.memfd, a[1]
    opened = reopen_flags.how(files, registry, slot)
    dom = registry.domains.get(slot.domain)
    if opened is None or dom is None:
        return None
    flags = opened[0]
    if not flags & O_TRUNC or flags & O_PATH:
        return None
    walked = reopen_flags.walk(files, slot, opened[2])
    if walked is None or reopen_flags.refused(files, slot, opened, walked) is not None:
        return None
    again, length = files.reopen_of(slot)
    if again is None or not (again.memfd or any_file) or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, a[1], a[1] + length)]):
        return None
    return again.memfd, 0


def cut_page(files: Descriptors, registry: Registry, slot: Slot,
             key: tuple[int, ...] | None) -> bool:
    """Is the share page `key` (share, offset, ...) of the slot's domain one the cut in
    `slot` drops (a page of that memfd wholly past the new end)?"""
    if key is None or slot.nr not in CUT_CALLS:
        return False
    cut = cut_of(files, registry, slot)
    dom = registry.domains.get(slot.domain)
    if cut is None or dom is None:
        return False
    share = dom.memfd_shares.get(cut[0])
    return share is not None and key[0] == share and key[1] >= page_up(cut[1])


def _copy_cut(files: Descriptors, registry: Registry, slot: Slot) -> tuple[object, int] | None:
    """(the file only the program holds, the length) the call in `slot` cuts it to, as
    the program asked: an ftruncate of a memfd or an O_TMPFILE file, or an O_TRUNC open
    of one again (/proc/self/fd/N: do_open() -> handle_truncate() -> do_truncate());
    None for another call or arguments Linux refuses (cut_of's tests)."""
    a = slot.args
    if slot.nr == _NR_FTRUNCATE:
        f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
        if a[1] & _SIGN or f is None or f.path_only or f.access == O_RDONLY:
            return None                        # do_ftruncate(): EINVAL, EBADF
        mem = files.sole.settled(slot, a[0] & 0xFFFF_FFFF)
        return (mem, a[1]) if mem is not None else None
    if cut_of(files, registry, slot, any_file=True) is None:
        return None                            # (an O_TMPFILE file's reopen cuts it too)
    again, _ = files.reopen_of(slot)
    mem = files.sole.by_file.get(again.description) if again is not None else None
    return (mem, 0) if mem is not None and not files.sole.unsettled(slot) else None


#: (the file only the program holds, the length) the call in a slot cuts it to
copy_cut = _copy_cut


def cut_copy(files: Descriptors, registry: Registry, slot: Slot, space: Space | None,
             va: int) -> bool:
    """Is `va` a page of the program's own private mapping (a copy-on-write copy or not)
    of the memfd or O_TMPFILE file the ftruncate or O_TRUNC open in `slot` cuts, wholly
    past the new end?  unmap_mapping_range(..., even_cows = 1) zaps private copies too,
    for every file type."""
    if slot.nr not in CUT_CALLS or space is None or not space.sole_views:
        return False
    cut = _copy_cut(files, registry, slot)
    found = space.sole_view(va) if cut is not None else None
    return found is not None and isinstance(found[0], FileView) and \
        found[0].file is cut[0] and found[1] & ~(PAGE - 1) >= page_up(cut[1])  # type: ignore[index]


def cutting(files: Descriptors, registry: Registry, domain: int,
            key: tuple[int, ...]) -> Slot | None:
    """The call in progress in `domain` whose cut drops the share page `key`, if any."""
    for slot in registry.slots.values():
        if slot.domain == domain and slot.nr in CUT_CALLS and \
                cut_page(files, registry, slot, key):
            return slot
    return None


def zero_tail(files: Descriptors, registry: Registry, shares: Shares, state: MonitorState,
              pages_in: PagesIn, slot: Slot, length: int) -> None:
    """The program's ftruncate cut its memfd to `length`, inside a page: the bytes of that
    page past the new end read as zeros from now on, in every mapping
    (truncate_inode_partial_folio() zeroes them in the one page they all map).  The
    kernel cannot write a confidential page, so the Guardian does it, as the program
    asked, where the page is mapped or held."""
    tail = length % PAGE
    dom = registry.domains.get(slot.domain)
    # (only a cut Linux makes: the descriptor the call met, writable -- cut_of's test)
    cut = cut_of(files, registry, slot) if files.steady(slot) else None
    memfd = cut[0] if cut is not None and slot.nr == _NR_FTRUNCATE else 0
    share = dom.memfd_shares.get(memfd) if dom is not None and memfd else None
    if not tail or share is None or dom is None:
        return
    key = (share, length - tail, 0)
    fr = state.frames
    found = {fr.held_at[(dom.id, key)]} if (dom.id, key) in fr.held_at else set()
    for root, va in shares.places_of(dom.id, key):
        found.update(pa for _, pa in pages_in(root, 0, 0, va, va + PAGE))
    for pa in sorted(found):
        if fr.kind_of(pa) == FrameKind.CONFIDENTIAL and fr.record(pa).owner == dom.id:
            state.ram.write(pa + tail, bytes(PAGE - tail))
