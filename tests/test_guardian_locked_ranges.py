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

from abi import Call, Status
from emulator.fastuc import UserContext
from guardian.slots import Slot, Space
from tests.test_guardian_discard_windows import ELR, NR, SID, _drop, _enter, _resume
from tests.test_secure_mm import PAGE, ROOT_A, VA, Scene, build_translating

MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTNEED_LOCKED = 4, 8, 9, 24
MCL_CURRENT, MCL_FUTURE = 1, 2
EINVAL, ENOMEM = (1 << 64) - 22, (1 << 64) - 12
MAP_PRIVATE = 0x02


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


# --- threads: a call acts inside the kernel before its return is seen ----------------------
def _in_flight(s: Scene, sid: int, name: str, args: tuple[int, ...]) -> Slot:
    """Another thread of tree A is inside syscall `name` (entered, not yet returned)."""
    slot = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                root=s.b + ROOT_A, thread=2)
    s.g.conf.slots[sid] = slot
    return slot


@pytest.mark.parametrize(("name", "args"), [
    ("munlock", (VA, 4 * PAGE)),
    ("munlockall", ()),
])
def test_no_page_is_taken_as_locked_while_an_unlocking_call_is_in_flight(
        s: Scene, name: str, args: tuple[int, ...]) -> None:
    """Thread B's munlock did its work in the kernel and was preempted before its
    return: Linux's madvise(MADV_DONTNEED) of the range, now unlocked, zaps it.  (An
    munmap or MAP_FIXED mmap in flight opens its own window over its range.)"""
    _space(s)
    _call(s, "mlock", (VA, 4 * PAGE), 0)
    _in_flight(s, SID + 1, name, args)
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK


def test_a_new_mapping_is_not_locked() -> None:
    """munmap of a locked area whose return is not seen yet, then an mmap(NULL) that got
    the same place: the new area carries no lock of the old one."""
    space = Space(areas=[(0x10000, 0x14000)], lockable=[(0x10000, 0x14000)])
    space.lock(0x10000, 0x14000)
    space.add_area(0x11000, 0x12000, 5)
    assert space.locked == [(0x10000, 0x11000), (0x12000, 0x14000)]
    space.lock(0x20000, 0x21000)
    space.locked.append((0x30000, 0x31000))            # a stale record at the destination
    space.move_area(0x12000, 0x1000, 0x30000, 0x1000, 6)
    assert space.locked_at(0x30000)                    # the moved lock, not the stale one
    space.move_area(0x13000, 0x1000, 0x40000, 0x1000, 7)
    space.locked.append((0x50000, 0x51000))
    space.add_area(0x50000, 0x51000, 8)
    assert not space.locked_at(0x50000)


def test_a_lock_undone_before_its_return_is_seen_is_not_followed(s: Scene) -> None:
    """Thread A's mlock locked the range; thread B's munlock ran after it in the kernel
    and returned first: the range is unlocked, though mlock answers 0 later."""
    space = _space(s)
    mlock = s.g.conf.registry.add_slot(1, UserContext(), ELR, NR["mlock"], (VA, 4 * PAGE, 0, 0, 0, 0),
                                       root=s.b + ROOT_A, thread=2)
    _call(s, "munlock", (VA, 4 * PAGE), 0)              # entered after, returned first
    status = s.call(Call.RESUME, mlock.id, 0, mlock.kernel_elr)[0]
    s.g.lock_el1(False)
    assert status == Status.OK
    assert space.locked == []
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK


def test_a_lock_with_an_unlocking_call_in_flight_is_not_followed(s: Scene) -> None:
    space = _space(s)
    _in_flight(s, SID + 1, "munmap", (VA, PAGE))
    _call(s, "mlock", (VA, 4 * PAGE), 0)
    assert space.locked == []


def test_a_lock_after_the_unlocking_calls_returned_is_followed(s: Scene) -> None:
    space = _space(s)
    _call(s, "munlockall", (), 0)
    _call(s, "mlock", (VA, 4 * PAGE), 0)
    assert space.locked == [(VA, VA + 4 * PAGE)]


def test_munlock_untags_the_address(s: Scene) -> None:
    """do_munlock's range starts at untagged_addr(start): a tagged pointer unlocks."""
    space = _space(s)
    _call(s, "mlock", ((0x5A << 56) | VA, 4 * PAGE), 0)
    assert space.locked == [(VA, VA + 4 * PAGE)]
    _call(s, "munlock", ((0x3C << 56) | (VA + PAGE), PAGE), 0)
    assert not space.locked_at(VA + PAGE) and space.locked_at(VA)


def test_a_file_mapping_is_never_lockable() -> None:
    """mlock_fixup() leaves a DAX file's area unlocked; a regular file may be one."""
    from guardian.locked_ranges import mmap_lockable
    assert mmap_lockable(MAP_PRIVATE, True, False)
    assert not mmap_lockable(MAP_PRIVATE, False, True)
