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

from collections.abc import Iterable, Mapping

from abi import Status
from abi.sigframe import FRAME_SIZE
from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_SP
from guardian import answer_stores, call_stores, checks, first_tests, granted_stores
from guardian.checks import refuse
from guardian.file_pages import FileView
from guardian.rseq_areas import Area
from guardian.slots import PAGE, Slot, Space

_EC_DABT_LOWER = 0x24
_ESR_WNR = 1 << 6
#: calls that write no user memory at all (they read buffers, or none): getname() of
#: openat/memfd_create only reads (strncpy_from_user()), ksys_dup() and munmap touch none
_NO_USER_WRITE = frozenset(NUMBERS[n] for n in (
    "getppid", "getpid", "gettid", "write", "pwrite64", "writev", "pwritev", "pwritev2",
    "fallocate", "ftruncate", "close", "lseek", "fsync", "fdatasync", "sched_yield",
    "openat", "dup", "dup3", "memfd_create", "munmap"))
#: calls whose stores the capability table does not bound, through these arguments only:
#: (index, bytes; a negative count -k: the length is argument k - 1); every other call
#: with a bounded row stores only at its write grants (granted_stores.py)
_POINTERS: dict[int, tuple[tuple[int, int], ...]] = {
    # parent_tid, child_tid: guardian.tid_words' grants, not the capability table's
    NUMBERS["clone"]: ((2, 4), (4, 4)),
    # mprotect_fixup() populates (FOLL_WRITE) a VM_LOCKED private view made writable
    NUMBERS["mprotect"]: ((0, -2),),
    NUMBERS["madvise"]: ((0, -2),),                       # (advices that store: below)
}
_NR_CLONE, _NR_MADVISE, _NR_MREMAP = NUMBERS["clone"], NUMBERS["madvise"], NUMBERS["mremap"]
_NR_MPROTECT, _PROT_WRITE = NUMBERS["mprotect"], 0x2
_NR_EXIT = NUMBERS["exit"]
_EXITS = frozenset({_NR_EXIT, NUMBERS["exit_group"]})
_CLONE_VM, _CLONE_CHILD_SETTID = 0x100, 0x1000000
_UNTAG = (1 << 56) - 1
#: madvise advices that fault no page writable (madvise_populate() writes only for
#: MADV_POPULATE_WRITE; the others zap, hint or flag the vma): 0-4, 8-22
_MADV_NO_STORE = frozenset((*range(0, 5), *range(8, 23)))


def _exit_writes(slot: Slot, space: Space | None, page: int) -> bool:
    """May exit/exit_group in `slot` store at `page` of its own tree?  mm_release() stores
    only through the robust-futex lists (exit_robust_list(): the words anywhere the lists
    lead) and at clear_child_tid (put_user(0)); with no list head the program set (the
    Guardian grants no walk without one: thread_exit.py), only at the TID words."""
    if space is None:
        return True
    if slot.nr == _NR_EXIT:
        if space.robust_lists.get(slot.thread):
            return True
        words = [space.tid_words.get(slot.thread, 0)]
    else:
        if any(space.robust_lists.values()):
            return True
        words = list(space.tid_words.values())
    # (a tagged word -- set_tid_address() and clone() keep the pointer as given -- is
    # stored at its untagged address: TBI)
    return any(w and w & _UNTAG < page + PAGE and (w & _UNTAG) + 4 > page for w in words)


def _writes_page(slot: Slot, root: int, page: int, space: Space | None = None,
                 others: Iterable[Slot] = ()) -> bool:
    """May the exception or call in `slot` write-fault the page at `page` of tree `root`
    (`space`: that tree's, for an exit's words and locks; None: unknown; `others`: the
    slots in flight)?"""
    nr = slot.nr
    if nr is None:
        if slot.fault is None or slot.root != root:
            return False
        esr, far = slot.fault
        return (esr >> 26) & 0x3F == _EC_DABT_LOWER and bool(esr & _ESR_WNR) \
            and far & ~(PAGE - 1) == page
    if nr in _NO_USER_WRITE:
        return False
    args = slot.args
    if nr in _EXITS:
        return slot.root == root and _exit_writes(slot, space, page)
    if nr in call_stores.CALLS and checks.enabled("cut.call_ranges"):
        return call_stores.stores_at(slot, root, page, space, others)
    if nr == _NR_MREMAP:
        # do_mremap() populates (mm_populate()) only a VM_LOCKED area it grew; a shrink,
        # a move of the same size or a failure stores nothing
        return len(args) > 2 and args[2] > args[1]
    ptrs = _POINTERS.get(nr)
    if ptrs is None:
        if not checks.enabled("cut.output_stores"):
            return True
        # copy_to_user()/put_user() of the call: only at its write grants, each range at
        # its untagged address too (TBI); None: the table cannot bound it -- anywhere
        ranges = granted_stores.store_ranges(nr, args)
        return ranges is None or slot.root == root and any(
            (s & _UNTAG) < page + PAGE and (s & _UNTAG) + (e - s) > page
            for s, e in ranges)
    if nr == _NR_MADVISE and len(args) > 2 and args[2] & 0xFFFFFFFF in _MADV_NO_STORE:
        return False
    if nr == _NR_MPROTECT and len(args) > 2 and not args[2] & _PROT_WRITE:
        return False                    # (mprotect_fixup() populates only for VM_WRITE)
    for i, n in ptrs:
        if i >= len(args) or not args[i]:
            continue
        if n < 0:
            n = args[-n - 1] if -n - 1 < len(args) else 1 << 64
        at = args[i] & _UNTAG            # (a TBI tag: the store lands at the untagged va)
        if not (at < page + PAGE and at + n > page):
            continue
        if nr == _NR_CLONE and i == 4:
            # CLONE_CHILD_SETTID: the child stores its tid in its own mm at its first run
            # (copy_process() -> p->set_child_tid; schedule_tail() -> put_user()): the
            # caller's tree only where the child shares it (CLONE_VM)
            flags = args[0]
            if not flags & _CLONE_CHILD_SETTID or \
                    (slot.root == root) != bool(flags & _CLONE_VM):
                continue
        elif slot.root != root:
            continue
        return True
    return False


def catches(space: Space | None) -> bool:
    """May a signal delivery write a frame into this space (a handler of any of its thread
    groups: handle_signal() -> setup_rt_frame(), at any return to user)?  None: unknown."""
    if space is None:
        return True
    tables = [space.handlers, *space.group_handlers.values()]
    return any(act[0] not in (0, 1) for table in tables for act in table.values())


def frame_reaches(space: Space | None, slots: Iterable[Slot], domain: int, root: int,
                  page: int) -> bool:
    """May a signal frame be written at `page` of tree `root` now?  The Guardian writes
    each frame itself at the SP of a thread in the kernel, or at the top of an alternate
    stack (get_sigframe(): sp - sizeof(rt_sigframe), 16-aligned), faulting its pages in
    first: only a handler installed and such a frame's reach open the page."""
    if space is None:
        return True
    if not catches(space):
        return False
    tops = [ss_sp + ss_size for ss_sp, ss_size in space.altstacks if ss_size]
    for s in slots:
        if s.domain != domain or s.root != root:
            continue
        try:
            tops.append(s.ctx.get(CTX_SP))
        except AssertionError:
            return True                 # (registers not to be had: unknown)
    reach = FRAME_SIZE + 32
    return any(top - reach < page + PAGE and top > page for top in tops)


def rseq_reaches(rseq: Mapping[tuple[int, int], Area] | None, root: int, page: int
                 ) -> bool:
    """May a return to user store at `page` of tree `root` through a thread's rseq area
    (`rseq`: rseq_areas.RseqAreas.areas, (root, thread) -> area)?  At any return the
    Guardian stores the area's ids for the kernel (rseq_update_cpu_node_id(); rseq_ip_fixup()
    clears rseq_cs) and asks the kernel to fault a missing page in writable first
    (FaultIn(write=True): a write fault, do_cow_fault()), whatever call or interrupt the
    thread entered with -- openat's as much as read's.  None: no area known."""
    return rseq is not None and any(
        r == root and area.va & _UNTAG < page + PAGE and (area.va & _UNTAG) + area.length > page
        for (r, _), area in rseq.items())


def _opened(space: Space | None, slots: list[Slot], domain: int, root: int, page: int,
            rseq: Mapping[tuple[int, int], Area] | None) -> bool:
    """May a write fault at `page` of tree `root` be in flight now: a store, a call that
    may write there, a signal frame's or an rseq area's store at a return to user?"""
    return any(s.domain == domain and _writes_page(s, root, page, space, slots)
               for s in slots) \
        or frame_reaches(space, slots, domain, root, page) or rseq_reaches(rseq, root, page)


def note_sole(space: Space | None, slots: list[Slot], domain: int, root: int, page: int,
              rseq: Mapping[tuple[int, int], Area] | None) -> None:
    """The page just opened: where one call's write grant alone could open it (no other
    slot, signal frame or rseq area reaches it), note it on that call's slot, for its
    answer to cover (answer_stores.check(), `cut.answer_stores`; first_tests.check(),
    `cut.first_tests`).  Only a refault of a cut page comes here: no hot path."""
    if not checks.enabled("cut.answer_stores") or frame_reaches(
            space, slots, domain, root, page) or rseq_reaches(rseq, root, page):
        return
    openers = [s for s in slots if s.domain == domain
               and _writes_page(s, root, page, space, slots)]
    if len(openers) == 1 and (openers[0].nr in answer_stores.CALLS
                              or openers[0].nr in first_tests.CALLS) \
            and openers[0].nr not in _POINTERS:
        openers[0].opened += (page,)


def check(space: Space, slots: Iterable[Slot], domain: int, root: int, va: int,
          rseq: Mapping[tuple[int, int], Area] | None = None) -> None:
    """A new frame enters writable at EL0 at va: where va is a page a private view of a
    followed file left empty (`FileView.cut`), a write fault or a writing call at that
    page must be in flight (do_read_fault() maps read-only; do_cow_fault() copies);
    `rseq`: the threads' rseq areas (None: none)."""
    found = space.sole_view(va)
    if found is None or not isinstance(found[0], FileView):
        return
    view, offset = found
    if view.private_at is None or view.copied or not view.file.followed \
            or offset // PAGE not in view.cut:
        return
    page = va & ~(PAGE - 1)
    held = list(slots)
    if _opened(space, held, domain, root, page, rseq):
        note_sole(space, held, domain, root, page, rseq)
        return
    refuse("set_pt.cut_writable", Status.ERR_DENIED,
           f"the page at {va:#x} of a private view of a file only the program holds was "
           "left empty (reclaim, a cut): it comes back writable only on a write fault or a "
           "call writing it (do_cow_fault()); a read refault maps the file's page read-only "
           "(do_read_fault())")


def check_swap_in(space: Space | None, slots: Iterable[Slot], domain: int, root: int,
                  va: int, rseq: Mapping[tuple[int, int], Area] | None = None) -> None:
    """SWAP_IN writable at EL0 of what SWAP_OUT sealed of a clean page at va: Linux never
    swaps a clean file folio (shrink_folio_list() drops its entry), so this is a refault,
    writable only while a write fault or a writing call at that page is in flight
    (do_cow_fault(); do_read_fault() maps read-only); `space`: the tree's (catches())."""
    page = va & ~(PAGE - 1)
    held = list(slots)
    if _opened(space, held, domain, root, page, rseq):
        note_sole(space, held, domain, root, page, rseq)
        return
    refuse("swap_in.clean_writable", Status.ERR_DENIED,
           f"the page at {va:#x} was a clean page of a private file view: it comes back "
           "as a refault, writable only on a write fault or a call writing it "
           "(do_cow_fault()); a read refault maps it read-only (do_read_fault())")
