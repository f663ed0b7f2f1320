"""Populating calls: MAP_POPULATE and MADV_POPULATE_READ / MADV_POPULATE_WRITE fault
the pages of a range in at once, as populate_vma_page_range() and madvise_populate()
do.  A write fault of a private view copies its file page (wp_page_copy()): after it the
page is the program's own, never the file's later bytes."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from kernel_model.mm import FaultResult
from kernel_model.vma import PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace
    from kernel_model.vma import Vma

PAGE = 4096
MADV_POPULATE_READ, MADV_POPULATE_WRITE = 22, 23


def populate_area(mm: AddressSpace, start: int, end: int) -> None:
    """do_mmap() -> mm_populate(): each page faulted in, with FOLL_WRITE where the area
    is private and writable (populate_vma_page_range()); the first failure stops it and
    the mmap still succeeds (__mm_populate() ignores it).  In a confidential space a
    writable private file view's pages are write-faulted at their first touch instead
    (Vma.populate_write, `writes_later`): the Guardian admits a file page only once the
    mmap returned."""
    for va in range(start, end, PAGE):
        vma = mm.vmas.find(va)
        if vma is None or not vma.prot & (PROT_READ | PROT_WRITE):
            return
        write = bool(vma.prot & PROT_WRITE) and not vma.shared
        # (a confidential view's memfd folio waits for its first touch too: the
        # Guardian knows the view only once the mmap returned)
        if not write and (_reads_page_cache(vma)
                          or mm.confidential and vma.folio_pages is not None):
            continue
        if mm.handle_fault(va, write, False) != FaultResult.OK:
            return


def copy_locked_views(mm: AddressSpace, start: int, end: int) -> None:
    """mm_populate() of a VM_LOCKED range (mmap(MAP_LOCKED) or under mlockall(MCL_FUTURE),
    mlockall(MCL_CURRENT), mprotect_fixup() making a locked private area writable)
    write-faults each page of a writable private area (populate_vma_page_range():
    FOLL_WRITE), so a locked writable private view of a memfd holds copies, never the
    folio its read faults mapped (wp_page_copy()).  Only those views' pages: elsewhere the
    model keeps every page resident already, and a write fault there changes nothing the
    program could see.  (mlock() and mlock2() fault their range in themselves.)  None
    where the memory manager skips it (MemoryManager.skip_locked_population)."""
    if mm.ctx.memory.skip_locked_population:
        return
    for vma in list(mm.vmas.overlapping(start, end)):
        if vma.folio_pages is None or vma.shared or not vma.locked or vma.onfault \
                or not vma.prot & PROT_WRITE:
            continue
        for va in range(max(start, vma.start), min(end, vma.end), PAGE):
            if mm.handle_fault(va, True, False) != FaultResult.OK:
                return                  # (__mm_populate() ignores a failure)


def madvise_populate(mm: AddressSpace, start: int, end: int, write: bool) -> int:
    """madvise_populate(): a hole is ENOMEM; an area that does not allow the access
    (check_vma_flags(): PROT_NONE, or a write to a read-only area) EINVAL; a fault that
    fails (SIGBUS past the file's end, SIGSEGV) EFAULT, out of memory ENOMEM."""
    for va in range(start, end, PAGE):
        vma = mm.vmas.find(va)
        if vma is None:
            return -errno.ENOMEM
        if not vma.prot & (PROT_READ | PROT_WRITE) or write and not vma.prot & PROT_WRITE:
            return -errno.EINVAL
        if not write and _reads_page_cache(vma):
            beyond = getattr(vma.backing, "beyond_eof", None)
            if beyond is not None and beyond(vma.offset + va - vma.start):
                return -errno.EFAULT        # (the fault's VM_FAULT_SIGBUS)
            continue
        res = mm.handle_fault(va, write and not vma.shared, False)
        if res == FaultResult.OOM:
            return -errno.ENOMEM
        if res != FaultResult.OK:
            return -errno.EFAULT
    return 0


def _reads_page_cache(vma: Vma) -> bool:
    """Is a read fault here Linux's mapping of the file's page cache page itself
    (do_read_fault() on a private file view)?  The model's read fault copies the page, a
    copy later writes to the file do not reach, so a read population leaves such a page
    to its first touch: the bytes it then shows are the ones Linux's page would.  A
    memfd's view maps the folio itself (`Vma.folio_pages`): populated."""
    return vma.backing is not None and not vma.shared and vma.folio_pages is None


def writes_later(mm: AddressSpace, shared: bool, file: bool, prot: int) -> bool:
    """Does a populating mmap (MAP_POPULATE, VM_LOCKED) of a confidential space leave its
    population to each page's first fault, as a write fault (a writable private file
    view)?"""
    return mm.confidential is True and file and not shared and bool(prot & PROT_WRITE)
