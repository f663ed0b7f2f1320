"""Round 82b's lock-state precision (guardian/lock_state.py, check `cut.lock_state`): a
populating memory call opens only what its areas' actual lock state lets Linux populate
(AA-001..AA-005, AA-026, AA-027, AA-029), each with the honest neighbour (the lock Linux
would populate under keeps the page open)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.call_stores import note_lock
from guardian.checks import Refused
from guardian.cut_writable import _writes_page, check
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE_VA = VIEW + 2 * PAGE           # (page 2 of a 3-page view, left empty)
OTHER = 0x6000_0000                 # (an unrelated area)
HEAP = 0x50_0000
N = NUMBERS


def _slot(nr: int, args: tuple[int, ...] = (), sid: int = 50, thread: int = 0) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT,
                thread=thread)


def _space(**kw: object) -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    kw.setdefault("lockable", [(VIEW, VIEW + 3 * PAGE)])
    kw.setdefault("brk", HEAP)
    return Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)], **kw)  # type: ignore[arg-type]


def _ret(space: Space, nr: int, args: tuple[int, ...], ret: int = 0, sid: int = 1) -> None:
    """The program's call returned `ret` (no other call in flight)."""
    note_lock(space, _slot(nr, args, sid=sid), ret, (), sid + 1)


def _opens(slot: Slot, space: Space, others: tuple[Slot, ...] = (), page: int = PAGE_VA
           ) -> bool:
    return _writes_page(slot, ROOT, page, space, (slot, *others))


PROTRW = _slot(N["mprotect"], (VIEW, 3 * PAGE, 3))
PKEYRW = _slot(N["pkey_mprotect"], (VIEW, 3 * PAGE, 3, (1 << 64) - 1))


def test_mprotect_opens_only_a_hard_locked_area() -> None:
    """AA-001, AA-002: a lock elsewhere (or one munlock() undid) opens nothing at the
    view (mprotect_fixup() populates only the page's own VM_LOCKED area); AA-026: an
    on-fault lock populates nothing (populate_vma_page_range()).  Honest: the view's own
    mlock() opens it, a lock call in flight too."""
    sp = _space()
    _ret(sp, N["mlock"], (OTHER, PAGE))
    _ret(sp, N["munmap"], (OTHER, PAGE), sid=3)
    assert not _opens(PROTRW, sp) and not _opens(PKEYRW, sp)
    onf = _space()
    _ret(onf, N["mlock2"], (VIEW, 3 * PAGE, 1))
    assert not _opens(PROTRW, onf)
    undone = _space()
    _ret(undone, N["mlock"], (VIEW, 3 * PAGE))
    assert _opens(PROTRW, undone) and _opens(PKEYRW, undone)           # (honest)
    _ret(undone, N["munlock"], (VIEW, 3 * PAGE), sid=3)
    assert not _opens(PROTRW, undone)
    # (a call that entered before the munlock returned may have acted before it)
    assert _opens(_slot(N["mprotect"], (VIEW, 3 * PAGE, 3), sid=2), undone)
    assert _opens(PROTRW, _space(), (_slot(N["mlock"], (OTHER, PAGE), sid=60, thread=1),))
    # (an munlock answered beside a lock call in flight is not followed)
    racing = _space()
    _ret(racing, N["mlock"], (VIEW, 3 * PAGE))
    note_lock(racing, _slot(N["munlock"], (VIEW, 3 * PAGE), sid=3), 0,
              (_slot(N["mlock"], (VIEW, PAGE), sid=4, thread=1),), 5)
    assert _opens(PROTRW, racing)
    # (mlockall(MCL_CURRENT | MCL_ONFAULT) answered 0 makes every area on-fault)
    turned = _space()
    _ret(turned, N["mlockall"], (1,))
    assert _opens(PROTRW, turned)                                      # (honest)
    _ret(turned, N["mlockall"], (1 | 4,), sid=3)
    assert not _opens(PROTRW, turned)


def test_mremap_moves_the_lock_and_opens_only_its_grown_part() -> None:
    """AA-003: growing an unlocked area opens nothing; a locked one only its grown part --
    the MREMAP_FIXED target (unmapped first) or a hole.  AA-027: an on-fault area moved by
    mremap keeps no hard lock (copy_vma() keeps vm_flags); a hard-locked one does."""
    sp = _space()
    _ret(sp, N["mlock"], (OTHER, PAGE))
    assert not _opens(_slot(N["mremap"], (HEAP, PAGE, 2 * PAGE, 1, 0)), sp)
    grow_other = _slot(N["mremap"], (OTHER, PAGE, 2 * PAGE, 1, 0))
    assert not _opens(grow_other, sp)                                  # (a hole)
    assert _opens(grow_other, sp, (_slot(N["munmap"], (VIEW, PAGE), sid=60, thread=1),))
    assert _opens(_slot(N["mremap"], (OTHER, PAGE, 3 * PAGE, 3, VIEW)), sp)  # (honest)
    assert not _opens(_slot(N["mremap"], (OTHER, PAGE, PAGE, 3, VIEW)), sp)  # (no growth)
    moved = _space()
    _ret(moved, N["mlock2"], (OTHER, 3 * PAGE, 1))
    _ret(moved, N["mremap"], (OTHER, 3 * PAGE, 3 * PAGE, 3, VIEW), VIEW, sid=3)
    assert not _opens(PROTRW, moved)
    hard = _space()
    _ret(hard, N["mlock"], (OTHER, 3 * PAGE))
    _ret(hard, N["mremap"], (OTHER, 3 * PAGE, 3 * PAGE, 3, VIEW), VIEW, sid=3)
    assert _opens(PROTRW, hard)                                        # (honest)


def test_brk_populates_only_its_growth_under_a_hard_future_lock() -> None:
    """AA-004: mlock() sets no def_flags; AA-005: munlockall() clears them
    (apply_mlockall_flags(0)); AA-029: MCL_FUTURE | MCL_ONFAULT populates nothing.
    Honest: under mlockall(MCL_FUTURE) brk opens [oldbrk, newbrk), never the view."""
    grow_to_view = _slot(N["brk"], (VIEW + 3 * PAGE,))
    sp = _space(brk=VIEW)
    _ret(sp, N["mlock"], (OTHER, PAGE))
    assert not _opens(grow_to_view, sp)
    _ret(sp, N["mlockall"], (2,), sid=3)
    assert _opens(grow_to_view, sp)                                    # (honest)
    assert not _opens(_slot(N["brk"], (HEAP + PAGE,)), _space(may_future=True))
    _ret(sp, N["munlockall"], (), sid=5)
    assert not _opens(grow_to_view, sp)
    onf = _space(brk=VIEW)
    _ret(onf, N["mlockall"], (2 | 4,))
    assert not _opens(grow_to_view, onf)
    # (an mmap that returned while mlockall(MCL_FUTURE) ran may have got def_flags)
    raced = _space()
    _ret(raced, N["mmap"], (0, 3 * PAGE, 3, 0x22, -1, 0), VIEW, sid=2)
    note_lock(raced, _slot(N["mlockall"], (2,), sid=1), 0, (), 4)
    assert _opens(PROTRW, raced)
    # (an mlockall in flight may set def_flags first)
    assert _opens(grow_to_view, onf, (_slot(N["mlockall"], (2,), sid=60, thread=1),))


def test_refused_end_to_end_and_mutation_reopens() -> None:
    """AA-001 at set_pt: the writable refault during mprotect() of a view never locked is
    refused (set_pt.cut_writable); without cut.lock_state the sticky lock_seen opens it."""
    sp = _space()
    _ret(sp, N["mlock"], (OTHER, PAGE))
    with pytest.raises(Refused):
        check(sp, [PROTRW], 1, ROOT, PAGE_VA)
    old = checks.MUTATED
    checks.MUTATED = "cut.lock_state"
    try:
        check(sp, [PROTRW], 1, ROOT, PAGE_VA)
    finally:
        checks.MUTATED = old
