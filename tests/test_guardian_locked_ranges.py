"""A page of a range the program locked never leaves through MADV_DONTNEED, MADV_FREE or
MADV_REMOVE (`discard.not_locked`): Linux refuses that advice on a VM_LOCKED area
(mm/madvise.c madvise_dontneed_free_valid_vma(), madvise_remove()).  The Guardian follows
the locks from the program's own mlock/mlock2/mlockall/munlock/munlockall and their
answers (guardian/locked_ranges.py), taking nothing as locked that Linux might not have
locked.

Tree A (tests/test_secure_mm.py) is domain 1's live address space and maps four pages
at VA.
"""

from __future__ import annotations

import pytest

from abi import Status
from guardian.slots import Space
from tests.test_guardian_discard_windows import _drop, _enter, _resume
from tests.test_secure_mm import PAGE, ROOT_A, VA, Scene, build_translating

MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTNEED_LOCKED = 4, 8, 9, 24
MCL_CURRENT, MCL_FUTURE = 1, 2
EINVAL, ENOMEM = (1 << 64) - 22, (1 << 64) - 12


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _space(s: Scene) -> Space:
    """Tree A's space, its four pages one lockable area of the program's own."""
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.areas.append((VA, VA + 4 * PAGE))
    space.lockable.append((VA, VA + 4 * PAGE))
    return space


def _call(s: Scene, name: str, args: tuple[int, ...], ret: int) -> None:
    """The program's call `name` with `args` came back with `ret`, let through."""
    _enter(s, name, args)
    assert _resume(s, ret) == Status.OK


@pytest.mark.parametrize("advice", [MADV_DONTNEED, MADV_FREE, MADV_REMOVE])
def test_advice_linux_refuses_on_a_locked_page_opens_no_window(s: Scene, advice: int) -> None:
    space = _space(s)
    if advice == MADV_REMOVE:                           # a hole only in a shared mapping
        space.shared_areas.append((VA + PAGE, VA + 2 * PAGE, 77, 0))
    _call(s, "mlock", (VA + PAGE + 100, 50), 0)       # rounded out to page 1
    _enter(s, "madvise", (VA + PAGE, PAGE, advice))
    assert _drop(s, VA + PAGE) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.discard_leaf"


def test_a_page_outside_the_locked_range_may_go(s: Scene) -> None:
    _space(s)
    _call(s, "mlock", (VA + PAGE, PAGE), 0)
    _enter(s, "madvise", (VA, 4 * PAGE, MADV_DONTNEED))
    assert _drop(s, VA + 2 * PAGE) == Status.OK
    assert _drop(s, VA + PAGE) == Status.ERR_DENIED


def test_dontneed_locked_zaps_a_locked_page(s: Scene) -> None:
    _space(s)
    _call(s, "mlock2", (VA + PAGE, PAGE, 1), 0)        # MLOCK_ONFAULT: VM_LOCKED too
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED_LOCKED))
    assert _drop(s, VA + PAGE) == Status.OK


@pytest.mark.parametrize(("name", "args"), [
    ("munlock", (VA + PAGE, PAGE)),
    ("munlockall", ()),
])
def test_an_unlocked_page_may_go_again(s: Scene, name: str, args: tuple[int, ...]) -> None:
    _space(s)
    _call(s, "mlock", (VA, 4 * PAGE), 0)
    _call(s, name, args, ENOMEM if name == "munlock" else 0)   # an error may unlock a part
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK


def test_a_lock_call_answered_with_an_error_is_not_judged(s: Scene) -> None:
    _space(s)
    _call(s, "mlock", (VA, 4 * PAGE), ENOMEM)
    _call(s, "mlockall", (MCL_CURRENT,), ENOMEM)
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK


def test_mlock_leaves_an_area_it_cannot_lock_unlocked(s: Scene) -> None:
    space = _space(s)
    space.lockable = [(VA, VA + PAGE)]                 # pages 1..3: hugetlb, a device's
    _call(s, "mlock", (VA, 4 * PAGE), 0)
    assert space.locked == [(VA, VA + PAGE)]
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK


def test_mlockall_current_locks_every_lockable_area(s: Scene) -> None:
    space = _space(s)
    _call(s, "mlockall", (MCL_CURRENT | MCL_FUTURE,), 0)
    assert (VA, VA + 4 * PAGE) in space.locked and space.locked == space.lockable
    _enter(s, "madvise", (VA + 3 * PAGE, PAGE, MADV_FREE))
    assert _drop(s, VA + 3 * PAGE) == Status.ERR_DENIED


def test_mlockall_future_alone_locks_nothing_now(s: Scene) -> None:
    space = _space(s)
    _call(s, "mlockall", (MCL_FUTURE,), 0)
    assert space.locked == []


def test_the_lock_follows_the_area() -> None:
    space = Space(areas=[(0x10000, 0x14000)], lockable=[(0x10000, 0x14000)])
    space.lock(0x10000, 0x14000)
    assert space.forked().locked == []                 # dup_mmap clears VM_LOCKED_MASK
    assert space.forked().lockable == [(0x10000, 0x14000)]
    space.move_area(0x10000, 0x4000, 0x20000, 0x6000, 9)   # mremap: moved and grown
    assert space.locked == [(0x20000, 0x26000)]
    assert not space.locked_at(0x10000)
    space.remove_area(0x21000, 0x22000)                # munmap of one page
    assert space.locked == [(0x20000, 0x21000), (0x22000, 0x26000)]
