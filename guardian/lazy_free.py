"""Pages MADV_FREE made lazy-free: reclaim may drop them later while they stay clean.

madvise(MADV_FREE) leaves a private anonymous page mapped but clean and old
(madvise_free_pte_range(): on arm64 without hardware DBM a clean pte is read-only).
Reclaim may then discard the folio at any later time (try_to_unmap_one(): a lazyfree
folio that is not dirty is dropped, the next read maps a zero page); a write faults,
the kernel makes the pte writable and dirty, and the page is kept.  So the Guardian
records a confidential page whose leaf the kernel makes read-only (same frame) inside
the program's own MADV_FREE call, and lets its leaf go later only while every mapping
of the frame is still read-only and the record stands: a writable leaf, another
frame, an unmapping or the Guardian's own rewrite of the entry ends it.  The program's
own mremap carries the record with the pte to its new address (move_ptes() moves the
pte as it is, clean), and MIGRATE_PAGE to the new frame (folio_migrate_flags() keeps the
folio lazyfree, remove_migration_pte() the pte clean).  Swap-out ends it (a folio
reclaim swaps is dirty: folio_set_swapbacked(); SWAP_IN's folio is swap-backed).

arm64's clean pte keeps PTE_WRITE (DBM, bit 51) with PTE_RDONLY (pte_mkclean()); EL0
always runs with TCR_EL1.HD clear (guardian/el0_view.py), so a write through such an
entry faults and the kernel must rewrite it: only PTE_RDONLY as it is now counts.
"""

from __future__ import annotations

from abi.layout import NR_MADVISE, NR_MREMAP
from emulator import descriptors as D
from guardian.descriptor_kinds import is_prot_none
from guardian.slots import page_up

MADV_FREE = 8


class LazyFree:
    """(root, va) -> frame of each page the program's MADV_FREE left lazy-free."""

    def __init__(self) -> None:
        self.pages: dict[tuple[int, int], int] = {}

    def after_write(self, lifecycle: object, root: int, va: int, old: int, new: int) -> None:
        """A page entry of `root` at va went from `old` to `new` (SET_PT, CLEAR_PT_RANGE)."""
        pa = new & D.ADDR_MASK
        key = (root, va)
        if not old & D.VALID and _read_only(new) and self.pages \
                and _moved_here(lifecycle, self.pages, root, va, pa):
            self.pages[key] = pa       # move_ptes(): the pte moves as it is, still clean
            return
        same_clean = _read_only(new) \
            and bool(old & D.VALID) and old & D.ADDR_MASK == pa
        if not same_clean:
            self.pages.pop(key, None)
            return
        if key not in self.pages and _in_free_call(lifecycle, root, va):
            self.pages[key] = pa       # madvise_free_pte_range(): clean, old, read-only

    def moved(self, root: int, va: int, pa: int) -> None:
        """MIGRATE_PAGE put va's lazy-free page on frame pa, its entry as it was."""
        self.pages[(root, va)] = pa

    def end(self, root: int, va: int) -> None:
        self.pages.pop((root, va), None)

    def end_range(self, root: int, start: int, end: int) -> None:
        """[start, end)'s pages go into or out of a block (THP_COLLAPSE, THP_SPLIT):
        collapse_huge_page() copies them into a new folio, never a lazyfree one."""
        if self.pages:
            self.pages = {k: v for k, v in self.pages.items()
                          if k[0] != root or not start <= k[1] < end}

    def may_drop(self, frames: object, ram: object, root: int, va: int, pa: int) -> bool:
        """May the leaf at va go without the program's asking (reclaim's discard)?"""
        if self.pages.get((root, va)) != pa:
            return False
        places = frames.mappings(pa)                        # type: ignore[attr-defined]
        return bool(places) and all(_read_only(ram.read_u64(p[2]))  # type: ignore[attr-defined]
                                    for p in places)

    def forget(self, root: int) -> None:
        self.pages = {k: v for k, v in self.pages.items() if k[0] != root}


def _read_only(desc: int) -> bool:
    """A valid leaf no EL0 write completes through without the kernel rewriting it:
    PTE_RDONLY set (DBM does not count, hardware DBM is off: TCR_EL1.HD clear).  A NUMA
    hint with PTE_RDONLY counts too (pte_modify() to PAGE_NONE keeps a clean pte clean;
    try_to_unmap_one() takes it as present)."""
    return bool(desc & D.AP_RO) and (bool(desc & D.VALID) or is_prot_none(desc))


def _in_free_call(lifecycle: object, root: int, va: int) -> bool:
    """Is the program's own madvise(MADV_FREE) over va (arguments Linux accepts, advice
    that applies there) in progress in `root`?"""
    from guardian.discard_windows import advice_applies, window_open
    reg = lifecycle.registry                                # type: ignore[attr-defined]
    for slot in reg.slots.values():
        if slot.root != root or slot.nr != NR_MADVISE or slot.args[2] != MADV_FREE:
            continue
        a = slot.args
        if not a[0] <= va < a[0] + page_up(a[1]):
            continue
        space = reg.space_of(slot.domain, root)
        if window_open(slot, space) and advice_applies(MADV_FREE, space, va):
            return True
    return False


def _moved_here(lifecycle: object, pages: dict[tuple[int, int], int], root: int, va: int,
                pa: int) -> bool:
    """Does the program's own mremap in progress in `root` move a lazy-free page of frame
    pa (still mapped at its old address) to va (move_ptes() carries the clean pte)?"""
    reg = lifecycle.registry                                # type: ignore[attr-defined]
    moving = [s.args for s in reg.slots.values() if s.root == root and s.nr == NR_MREMAP]
    return any(r == root and p == pa and v != va and a[0] <= v < a[0] + page_up(a[1])
               for (r, v), p in pages.items() for a in moving)
