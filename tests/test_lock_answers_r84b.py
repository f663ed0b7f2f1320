"""Round 84b's lock record after an munlock answered -ENOMEM (guardian/lock_walk.py,
guardian/lock_state.py, check `cut.lock_answers`; AH-017): apply_vma_lock_flags()
unlocked every area before the first gap, so the areas the Guardian lists from the start
up to that gap lose their lock -- with the honest neighbours: a start inside or right
after another area (the split at the start may fail: nothing changed), an area-changing
call in flight or a hole filled since, no gap seen, and mlock2(MLOCK_ONFAULT)'s -ENOMEM
(AH-018: do_mlock()'s RLIMIT_MEMLOCK test, nothing changed) keep the hard lock."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.call_stores import note_lock
from guardian.cut_writable import _writes_page
from guardian.file_pages import FileView
from guardian.lock_walk import walked
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE_VA = VIEW + 2 * PAGE
N = NUMBERS
M = 1 << 64
ENOMEM = -12 % M


def _slot(nr: int, args: tuple[int, ...] = (), sid: int = 50) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)


def _space(areas: tuple[tuple[int, int], ...] = ((VIEW, VIEW + 3 * PAGE),)) -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    sp = Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)],  # type: ignore[arg-type]
               lockable=[(VIEW, VIEW + 3 * PAGE)], brk=0x50_0000)
    sp.areas = list(areas)
    sp.holes = [(VIEW + 3 * PAGE, VIEW + 4 * PAGE)]
    note_lock(sp, _slot(N["mlock"], (VIEW, 3 * PAGE), sid=1), 0, (), 2)
    return sp


def _ret(space: Space, nr: int, args: tuple[int, ...], ret: int, sid: int = 3,
         others: tuple[Slot, ...] = ()) -> None:
    note_lock(space, _slot(nr, args, sid=sid), ret % M, others, sid + 1)


def _opens(space: Space) -> bool:
    protrw = _slot(N["mprotect"], (VIEW, 3 * PAGE, 3))
    return _writes_page(protrw, ROOT, PAGE_VA, space, (protrw,))


def test_munlock_into_a_hole_unlocks_before_it() -> None:
    """AH-017: munlock(view, 4 pages) answered -ENOMEM at the hole after the view."""
    sp = _space()
    assert _opens(sp)
    _ret(sp, N["munlock"], (VIEW, 4 * PAGE), -12)
    assert not _opens(sp)
    # (two areas the Guardian lists, contiguous up to the hole)
    sp = _space(((VIEW, VIEW + PAGE), (VIEW + PAGE, VIEW + 3 * PAGE)))
    _ret(sp, N["munlock"], (VIEW, 4 * PAGE), -12)
    assert not _opens(sp)


@pytest.mark.parametrize("case", ["below", "inside", "in_flight", "filled", "no_gap",
                                  "onfault", "eintr"])
def test_lock_linux_may_keep_stays(case: str) -> None:
    sp = _space(((VIEW - PAGE, VIEW), (VIEW, VIEW + 3 * PAGE)) if case == "below"
                else ((VIEW, VIEW + 4 * PAGE),) if case == "no_gap"
                else ((VIEW, VIEW + 3 * PAGE),))
    nr, args, ret, others = N["munlock"], (VIEW, 4 * PAGE), ENOMEM, ()
    if case == "inside":
        args = (VIEW + PAGE, 3 * PAGE)        # (split_vma() at the start may fail)
    if case == "in_flight":
        others = (_slot(N["munmap"], (VIEW + PAGE, PAGE), sid=2),)
    if case == "filled":
        sp.fill_mark = 4                      # (an mmap or shmat returned since the entry)
    if case == "onfault":
        nr, args = N["mlock2"], (VIEW, 4 * PAGE, 1)
    if case == "eintr":
        ret = -4 % M
    note_lock(sp, _slot(nr, args, sid=3), ret, others, 4)
    assert _opens(sp)


def test_walked() -> None:
    sp = _space()
    slot = _slot(N["munlock"], (VIEW, 4 * PAGE), sid=3)
    assert walked(sp, slot, (), VIEW, VIEW + 4 * PAGE) == VIEW + 3 * PAGE
    assert walked(sp, slot, (), VIEW, VIEW + 2 * PAGE) == VIEW    # (no gap before the end)


def test_mutated_build_keeps_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "MUTATED", "cut.lock_answers")
    sp = _space()
    _ret(sp, N["munlock"], (VIEW, 4 * PAGE), -12)
    assert _opens(sp)
