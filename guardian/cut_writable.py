"""A writable refault of a private file view's page a cut or reclaim left empty.

A page of a MAP_PRIVATE view of a followed file that no frame holds now (`FileView.cut`:
reclaim dropped the clean folio's entry, a cut zapped it, MADV_DONTNEED dropped it) comes
back read-only on a read fault: do_read_fault() maps the page cache folio and
finish_fault() makes no entry writable without FAULT_FLAG_WRITE.  A writable entry there
is a copy only a write fault makes (do_cow_fault()): the program's own store -- a data
abort from EL0 with ESR.WnR at that page, which the Guardian sees enter -- or a call
that writes user memory there (copy_to_user(), a FOLL_WRITE gup: read(), mlock() or
MADV_POPULATE_WRITE of a writable view, populate_vma_page_range()).  With neither in
flight the kernel stands in for a store the program never made: the page would stop
showing the file's later writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space

_EC_DABT_LOWER = 0x24
_ESR_WNR = 1 << 6
#: calls that write no user memory at all (they read buffers, or none)
_NO_USER_WRITE = frozenset(NUMBERS[n] for n in (
    "getppid", "getpid", "gettid", "write", "pwrite64", "writev", "pwritev", "pwritev2",
    "fallocate", "ftruncate", "close", "lseek", "fsync", "fdatasync", "sched_yield"))
#: calls that write user memory only through these arguments: (index, bytes)
_POINTERS: dict[int, tuple[tuple[int, int], ...]] = {
    NUMBERS["wait4"]: ((1, 4), (3, 144)),                 # wstatus, rusage
    NUMBERS["copy_file_range"]: ((1, 8), (3, 8)),         # off_in, off_out
    NUMBERS["splice"]: ((1, 8), (3, 8)),                  # off_in, off_out
    NUMBERS["sendfile"]: ((2, 8),),                       # offset
    NUMBERS["clone"]: ((2, 4), (4, 4)),                   # parent_tid, child_tid
}
#: arguments a fork child's first run stores through in its own tree, while its
#: creator's clone is in flight (schedule_tail(): CLONE_CHILD_SETTID)
_CHILD_TREE = frozenset({(NUMBERS["clone"], 4)})


def _writes_page(slot: Slot, root: int, page: int) -> bool:
    """May the exception or call in `slot` write-fault the page at `page` of tree `root`?"""
    if slot.nr is None:
        if slot.fault is None or slot.root != root:
            return False
        esr, far = slot.fault
        return (esr >> 26) & 0x3F == _EC_DABT_LOWER and bool(esr & _ESR_WNR) \
            and far & ~(PAGE - 1) == page
    if slot.nr in _NO_USER_WRITE:
        return False
    ptrs = _POINTERS.get(slot.nr)
    if ptrs is None:
        return True                     # (a call that may write user memory anywhere)
    args = slot.args
    return any(i < len(args) and args[i] and args[i] < page + PAGE and args[i] + n > page
               and (slot.root == root or (slot.nr, i) in _CHILD_TREE) for i, n in ptrs)


def catches(space: Space | None) -> bool:
    """May a signal delivery write a frame into this space (a handler of any of its thread
    groups: handle_signal() -> setup_rt_frame(), at any return to user)?  None: unknown."""
    if space is None:
        return True
    tables = [space.handlers, *space.group_handlers.values()]
    return any(act[0] not in (0, 1) for table in tables for act in table.values())


def check(space: Space, slots: Iterable[Slot], domain: int, root: int, va: int) -> None:
    """A new frame enters writable at EL0 at va: where va is a page a private view of a
    followed file left empty (`FileView.cut`), a write fault or a writing call at that
    page must be in flight (do_read_fault() maps read-only; do_cow_fault() copies)."""
    found = space.sole_view(va)
    if found is None or not isinstance(found[0], FileView):
        return
    view, offset = found
    if view.private_at is None or view.copied or not view.file.followed \
            or offset // PAGE not in view.cut:
        return
    page = va & ~(PAGE - 1)
    if catches(space) or any(s.domain == domain and _writes_page(s, root, page) for s in slots):
        return
    refuse("set_pt.cut_writable", Status.ERR_DENIED,
           f"the page at {va:#x} of a private view of a file only the program holds was "
           "left empty (reclaim, a cut): it comes back writable only on a write fault or a "
           "call writing it (do_cow_fault()); a read refault maps the file's page read-only "
           "(do_read_fault())")


def check_swap_in(space: Space | None, slots: Iterable[Slot], domain: int, root: int,
                  va: int) -> None:
    """SWAP_IN writable at EL0 of what SWAP_OUT sealed of a clean page at va: Linux never
    swaps a clean file folio (shrink_folio_list() drops its entry), so this is a refault,
    writable only while a write fault or a writing call at that page is in flight
    (do_cow_fault(); do_read_fault() maps read-only); `space`: the tree's (catches())."""
    page = va & ~(PAGE - 1)
    if catches(space) or any(s.domain == domain and _writes_page(s, root, page) for s in slots):
        return
    refuse("swap_in.clean_writable", Status.ERR_DENIED,
           f"the page at {va:#x} was a clean page of a private file view: it comes back "
           "as a refault, writable only on a write fault or a call writing it "
           "(do_cow_fault()); a read refault maps it read-only (do_read_fault())")
