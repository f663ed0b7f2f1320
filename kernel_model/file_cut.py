"""A file cut shorter leaves no page of it mapped past its new end.

Linux's truncate_setsize() -> truncate_pagecache() unmaps every page of every mapping of
the inode that lies wholly past the new end -- shared pages and private copies alike
(unmap_mapping_range(mapping, holebegin, 0, 1): even_cows) -- and then drops those pages
from the page cache.  A later touch there faults, and the fault finds the page past
i_size: SIGBUS (page_faults.py).  ftruncate(), truncate() and an open with O_TRUNC all end
in it (do_truncate() -> notify_change() -> shmem_setattr() or the file system's setattr).

The model's mapped pages are its own frames (page_cache.FilePages for a program the
kernel can read, a memfd's MemfdPages or a per-space SharedPages for a confidential one),
so a cut unmaps them here: from every address space, then out of the shared pages.  A
confidential memfd's page goes back by RECLAIM_PAGE (the Guardian held it when its last
mapping went, and gives it back during the cut only past the new end).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from abi import Call
from emulator.descriptors import ADDR_MASK
from kernel_model.page_cache import FilePages
from kernel_model.page_faults import maps_folio
from kernel_model.pagetable import lm
from kernel_model.vma import PAGE, SharedPages, Vma

if TYPE_CHECKING:
    from collections.abc import Callable

    from kernel_model.mm import AddressSpace, MemoryContext

log = logging.getLogger(__name__)


def _inode(fd: int) -> tuple[int, int] | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _unnamed(fd: int) -> bool:
    """Has the file no name (a memfd, an O_TMPFILE file never linked)?"""
    try:
        return os.fstat(fd).st_nlink == 0
    except OSError:
        return False


def _file_offset(vma: Vma) -> int:
    """The file offset of `vma.start` (a private mapping's backing starts at its own)."""
    return getattr(vma.backing, "base", 0) + vma.offset


def _maps_inode(vma: Vma, inode: tuple[int, int], seen: dict[int, object]) -> bool:
    f = getattr(vma.backing, "file", None)
    fd = getattr(f, "fd", -1)
    if f is None or fd < 0:
        return False
    key = id(f)
    if key not in seen:
        seen[key] = _inode(fd)
    return seen[key] == inode


def _zap_mappings(ctx: MemoryContext, inode: tuple[int, int],
                  span: Callable[[AddressSpace, Vma], tuple[int, int] | None]
                  ) -> list[SharedPages]:
    """Zap `span(mm, vma)` of every live mapping of the inode (None: leave that mapping
    alone), flushing each space's TLB once; the shared pages of every mapping not left
    alone, for the caller to drop its pages from."""
    seen: dict[int, object] = {}
    pages: list[SharedPages] = []
    for mm in list(ctx.memory.spaces):
        if not mm.alive:
            continue
        zapped = False
        for vma in list(mm.vmas):
            if not _maps_inode(vma, inode, seen):
                continue
            got = span(mm, vma)
            if got is None:
                continue
            lo, hi = got
            if lo < hi:
                mm.zap(lo, hi)
                zapped = True
            sp = vma.shared_pages or vma.folio_pages
            if sp is not None and sp not in pages:
                pages.append(sp)
        if zapped:
            ctx.el1.tlbi_all()
    return pages


def cut_file(ctx: MemoryContext, file: object, size: int) -> None:
    """`file` (an open HostFile) was cut to `size` bytes: unmap and drop its pages wholly
    past the new end in every address space of `ctx`."""
    fd = getattr(file, "fd", -1)
    inode = _inode(fd) if fd >= 0 else None
    if inode is not None:
        memfd = getattr(file, "memfd_pages", None)
        cut_inode(ctx, inode, size, memfd.pages if memfd is not None else None,
                  memfd=memfd is not None, unnamed=_unnamed(fd))


def cut_path(ctx: MemoryContext, host: str, size: int) -> None:
    """truncate(2) cut the host file `host` to `size` bytes (as `cut_file`)."""
    try:
        st = os.stat(host)
    except OSError:
        return
    cut_inode(ctx, (st.st_dev, st.st_ino), size)


def cut_inode(ctx: MemoryContext, inode: tuple[int, int], size: int,
              kept: SharedPages | None = None, memfd: bool = False,
              unnamed: bool = False) -> None:
    """The inode was cut to `size` bytes: every mapping of it loses its pages wholly past
    the end, and its shared pages (`kept`: a memfd's, mapped or not) drop them.
    `unnamed`: the file has no name (a memfd, whatever open file of it the call used, or
    an O_TMPFILE file), so a confidential program's private copies of it go too."""
    first = (size + PAGE - 1) // PAGE           # the first page wholly past the end

    def past_end(mm: AddressSpace, vma: Vma) -> tuple[int, int] | None:
        if mm.confidential and not memfd and not (unnamed and not vma.shared) and (
                vma.shared_pages is None or not vma.shared_pages.file_cache):
            # Only a memfd's pages and the private copies of a file without a name
            # (unmap_mapping_range(..., even_cows = 1): swap entries too) may leave a
            # confidential program's view at a cut (the Guardian cannot tell a named
            # file's mappings from its cut): its other mappings keep their pages
            # past the end, a known difference.
            return None
        return vma.start + max(0, first * PAGE - _file_offset(vma)), vma.end

    pages = _zap_mappings(ctx, inode, past_end)
    if kept is not None and kept not in pages:
        pages.append(kept)              # a memfd's pages outlive their mappings
    for sp in pages:
        # (A confidential program's pages of another file stay where they are: the
        # Guardian holds each one no mapping maps while its area lives on.)
        if isinstance(sp, FilePages):
            _zero_tail(ctx, sp, size)
        if sp.file_cache or isinstance(sp, FilePages):
            _drop_past(ctx, sp, first)


def _zero_tail(ctx: MemoryContext, sp: SharedPages, size: int) -> None:
    """truncate_inode_partial_folio(): the bytes of the last page past the end read as
    zeros from now on."""
    pa = sp.frames.get(size // PAGE) if size % PAGE else None
    if pa is not None:
        ctx.el1.write(lm(pa) + size % PAGE, bytes(PAGE - size % PAGE))


def _drop_past(ctx: MemoryContext, sp: SharedPages, first: int) -> None:
    """The shared pages' frames at index `first` and beyond leave them (nothing maps them
    any more): past the end, no write-back is owed."""
    for idx in sorted(i for i in sp.frames if i >= first):
        pa = sp.frames.pop(idx)
        if sp.file_cache:
            status, _ = ctx.el1.hvc(Call.RECLAIM_PAGE, pa)
            if status:
                log.warning("the Guardian did not give back frame %#x of a cut memfd "
                            "(status %d)", pa, status)
                continue        # still the Guardian's: never reused by the kernel
        ctx.frames.put(pa)



def punch_file(ctx: MemoryContext, file: object, off: int, length: int) -> None:
    """madvise(MADV_REMOVE) punched [off, off+length) out of `file`'s inode (madvise_remove()
    -> vfs_fallocate(PUNCH_HOLE | KEEP_SIZE) -> shmem_fallocate()): every shared mapping
    of it loses its pages there (unmap_mapping_range(..., even_cows = 0): private copies
    stay) and the page cache drops them; the next fault reads the hole's zeros."""
    fd = getattr(file, "fd", -1)
    inode = _inode(fd) if fd >= 0 else None
    if inode is None or length <= 0:
        return
    first, stop = off // PAGE, (off + length + PAGE - 1) // PAGE

    def punched(mm: AddressSpace, vma: Vma) -> tuple[int, int] | None:
        at = _file_offset(vma)
        lo = max(vma.start, vma.start + first * PAGE - at)
        hi = min(vma.end, vma.start + stop * PAGE - at)
        if not vma.shared:
            if vma.folio_pages is None:
                return None
            # a private view's entries of the folio go, its own copies stay
            # (zap_pte_range() with even_cows = 0: only a page of the mapping itself)
            for va, desc in list(mm.tables.leaves(lo, hi)):
                if maps_folio(vma, va, desc & ADDR_MASK):
                    mm.zap(va, va + PAGE)
            ctx.el1.tlbi_all()
            return lo, lo
        return lo, hi

    pages = _zap_mappings(ctx, inode, punched)
    memfd = getattr(file, "memfd_pages", None)
    if memfd is not None and memfd.pages is not None and memfd.pages not in pages:
        pages.append(memfd.pages)
    for sp in pages:
        if sp.file_cache or isinstance(sp, FilePages):
            for idx in sorted(i for i in sp.frames if first <= i < stop):
                pa = sp.frames.pop(idx)
                if sp.file_cache:
                    status, _ = ctx.el1.hvc(Call.RECLAIM_PAGE, pa)
                    if status:
                        continue    # still the Guardian's: never reused by the kernel
                ctx.frames.put(pa)
