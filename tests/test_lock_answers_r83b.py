"""Round 83b's lock record follows the answers (guardian/lock_state.py, check
`cut.lock_answers`; AE-017, AE-018, AE-020..AE-024): a lock call that locked nothing
adds nothing, a mapping call that replaced or moved a locked area takes its lock off,
an on-fault mlock2 takes the hard lock off -- each with the honest neighbour (the lock
Linux keeps still opens mprotect's population)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.call_stores import note_lock
from guardian.cut_writable import _writes_page
from guardian.file_pages import FileView
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE_VA = VIEW + 2 * PAGE
OTHER = 0x6000_0000
N = NUMBERS
M = 1 << 64


def _slot(nr: int, args: tuple[int, ...] = (), sid: int = 50, thread: int = 0) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT,
                thread=thread)


def _space() -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    return Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)],  # type: ignore[arg-type]
                 lockable=[(VIEW, VIEW + 3 * PAGE)], brk=0x50_0000)


def _ret(space: Space, nr: int, args: tuple[int, ...], ret: int = 0, sid: int = 1) -> None:
    note_lock(space, _slot(nr, args, sid=sid), ret % M, (), sid + 1)


def _opens(space: Space) -> bool:
    protrw = _slot(N["mprotect"], (VIEW, 3 * PAGE, 3))
    return _writes_page(protrw, ROOT, PAGE_VA, space, (protrw,))


def test_lock_calls_that_lock_nothing() -> None:
    """AE-017: SYSCALL_DEFINE3(mlock2) refuses a flag past MLOCK_ONFAULT first; AE-018:
    apply_vma_lock_flags() refuses a wrapping end.  Honest: mlock2(0) and an mlock whose
    length wraps only in PAGE_ALIGN() to a page lock."""
    sp = _space()
    _ret(sp, N["mlock2"], (VIEW, 3 * PAGE, 2), -22)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, M - PAGE), -22)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock2"], (VIEW, 3 * PAGE, 0))
    assert _opens(sp)                                                  # (honest)
    sp = _space()
    _ret(sp, N["mlock"], (PAGE_VA + 2, M - 1))       # (len + 2 wraps to 1: one page)
    assert _opens(sp)                                                  # (honest)


def test_mappings_replace_the_locked_area() -> None:
    """AE-020: mmap_region() unmaps MAP_FIXED's old area; AE-021: mremap_to() unmaps the
    target; AE-022: a shrinking mremap unmaps the tail (and a later mmap there holds a new
    area); AE-024: MREMAP_DONTUNMAP clears the old area's lock (move_vma())."""
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mmap"], (VIEW, 3 * PAGE, 1, 0x12, 4, 0), VIEW, sid=3)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mremap"], (OTHER, 3 * PAGE, 3 * PAGE, 3, VIEW), VIEW, sid=3)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW - PAGE, 4 * PAGE))
    _ret(sp, N["mremap"], (VIEW - PAGE, 4 * PAGE, PAGE, 0), VIEW - PAGE, sid=3)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mremap"], (VIEW, 3 * PAGE, 3 * PAGE, 5, 0), OTHER, sid=3)
    assert not _opens(sp)


def test_mappings_keep_the_lock_linux_keeps() -> None:
    """Honest: a locked area moved onto the view keeps its lock (copy_vma()); a MAP_LOCKED
    mmap over it is locked anew; an mmap elsewhere, a failed MAP_FIXED, or one beside an
    mlock in flight (it may lock the new area) takes nothing off."""
    sp = _space()
    _ret(sp, N["mlock"], (OTHER, 3 * PAGE))
    _ret(sp, N["mremap"], (OTHER, 3 * PAGE, 3 * PAGE, 3, VIEW), VIEW, sid=3)
    assert _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mmap"], (VIEW, 3 * PAGE, 1, 0x2012, 4, 0), VIEW, sid=3)
    assert _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mmap"], (OTHER, 3 * PAGE, 1, 0x22, M - 1, 0), OTHER, sid=3)
    _ret(sp, N["mmap"], (VIEW, 3 * PAGE, 1, 0x12, 4, 0), -12, sid=5)
    assert _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    note_lock(sp, _slot(N["mmap"], (VIEW, 3 * PAGE, 1, 0x12, 4, 0), sid=3), VIEW,
              (_slot(N["mlock"], (VIEW, PAGE), sid=4, thread=1),), 5)
    assert _opens(sp)


def test_on_fault_lock_replaces_the_hard_one() -> None:
    """AE-023: mlock_fixup() sets VM_LOCKED | VM_LOCKONFAULT over a hard lock.  Honest: an
    on-fault mlock2 that failed, or a hard mlock after it, keeps the page open."""
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mlock2"], (VIEW, 3 * PAGE, 1), sid=3)
    assert not _opens(sp)
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE), sid=5)
    assert _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 3 * PAGE))
    _ret(sp, N["mlock2"], (VIEW, 3 * PAGE, 1), -4, sid=3)
    assert _opens(sp)


def test_mutated_build_keeps_the_old_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "MUTATED", "cut.lock_answers")
    sp = _space()
    _ret(sp, N["mlock2"], (VIEW, 3 * PAGE, 2), -22)
    assert _opens(sp)


def test_mlock_starting_in_a_known_hole_locks_nothing() -> None:
    """AE-019: apply_vma_lock_flags() finds no area at the start: -ENOMEM before any
    mlock_fixup().  Honest: -ENOMEM with an area at the start (locked up to a later hole),
    or with a mapping call in flight (it may have filled the hole first), may lock."""
    hole = VIEW - PAGE
    sp = _space()
    sp.holes = [(hole, VIEW)]
    _ret(sp, N["mlock"], (hole, 4 * PAGE), -12)
    assert not _opens(sp)
    sp = _space()
    _ret(sp, N["mlock"], (VIEW, 4 * PAGE), -12)
    assert _opens(sp)                                                  # (honest)
    sp = _space()
    sp.holes = [(hole, VIEW)]
    note_lock(sp, _slot(N["mlock"], (hole, 4 * PAGE), sid=1), (-12) % M,
              (_slot(N["mmap"], (hole, PAGE, 1, 0x12, 4, 0), sid=2, thread=1),), 3)
    assert _opens(sp)                                                  # (honest)
