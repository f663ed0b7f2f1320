"""The lock state (guardian/lock_state.py): the record of the areas
that may be VM_LOCKED stays as small as what it covers.  Under mlockall(MCL_CURRENT |
MCL_FUTURE) -- the usual real-time launch -- every later mmap's area is added
(do_mmap(): vm_flags |= mm->def_flags); a range already covered must not split the
record, or it grows by two entries per mmap for the program's life and every mmap,
brk and mremap return and every populating-call check walks it."""

from __future__ import annotations

from abi.syscalls import NUMBERS as N
from guardian import lock_state
from guardian.slots import PAGE, Slot, Space

ROOT = 0x4000_0000


def _ret(space: Space, nr: int, args: tuple[int, ...], ret: int, sid: int) -> None:
    slot = Slot(id=sid, domain=1, saved=None, elr=0, nr=nr,
                args=tuple(args) + (0,) * (6 - len(args)), root=ROOT, thread=0)
    lock_state.note(space, slot, ret, (), sid + 1)


def test_covered_adds_keep_one_range() -> None:
    sp = Space()
    _ret(sp, N["mlockall"], (3,), 0, 1)                 # MCL_CURRENT | MCL_FUTURE
    assert sp.may_locked == [(0, 1 << 64)] and sp.may_future
    for i in range(200):
        va = 0x7000_0000 + 0x10_0000 * i
        _ret(sp, N["mmap"], (0, PAGE, 3, 0x22), va, 2 + i)
    assert sp.may_locked == [(0, 1 << 64)]


def test_adjacent_and_overlapping_adds_merge() -> None:
    """Each MAP_LOCKED mmap next to or over the last joins it; a distant one stays apart;
    what the record covers is unchanged."""
    sp = Space()
    base = 0x7000_0000
    for i in range(50):
        _ret(sp, N["mmap"], (0, 2 * PAGE, 3, 0x2022), base + PAGE * i, 1 + i)
    _ret(sp, N["mmap"], (0, PAGE, 3, 0x2022), 0x9000_0000, 100)
    assert sorted(sp.may_locked) == [(base, base + 51 * PAGE), (0x9000_0000, 0x9000_1000)]


def test_munmap_takes_its_range_off_only_when_sure() -> None:
    """do_vmi_munmap() removes the areas and their VM_LOCKED: an munmap answered 0 with no
    adding call beside it takes its range off the record (else it keeps every unmapped
    lock for the tree's life); a failed one, or one an mlock raced, keeps it."""
    va = 0x7000_0000
    sp = Space()
    _ret(sp, N["mlock"], (va, 4 * PAGE), 0, 1)
    _ret(sp, N["munmap"], (va, PAGE), (1 << 64) - 22, 2)           # -EINVAL: kept
    assert sp.may_locked == [(va, va + 4 * PAGE)]
    _ret(sp, N["munmap"], (va, 4 * PAGE), 0, 3)
    assert sp.may_locked == []
    assert sp.unlock_mark == 4      # (a call that entered before may have acted before)
    sp = Space()
    _ret(sp, N["mlock"], (va, 4 * PAGE), 0, 1)
    unmap = Slot(id=3, domain=1, saved=None, elr=0, nr=N["munmap"],
                 args=(va, 4 * PAGE, 0, 0, 0, 0), root=ROOT, thread=0)
    mlock = Slot(id=4, domain=1, saved=None, elr=0, nr=N["mlock"],
                 args=(va, PAGE, 0, 0, 0, 0), root=ROOT, thread=1)
    lock_state.note(sp, unmap, 0, (unmap, mlock), 5)                # an mlock in flight
    assert sp.may_locked == [(va, va + 4 * PAGE)]


def test_munmap_of_unlocked_memory_leaves_the_marks() -> None:
    """An munmap the record does not cover changes nothing: the calls in flight keep
    their own judgement (no unlock mark)."""
    sp = Space()
    _ret(sp, N["mlock"], (0x7000_0000, PAGE), 0, 1)
    _ret(sp, N["munmap"], (0x9000_0000, PAGE), 0, 2)
    assert sp.may_locked == [(0x7000_0000, 0x7000_1000)] and sp.unlock_mark == 0
