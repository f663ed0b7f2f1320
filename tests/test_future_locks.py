"""Pages mlockall(MCL_FUTURE) (mm->def_flags' VM_LOCKED) and mmap(MAP_LOCKED) lock are
followed (guardian/locked_ranges.py), and only where no other call may have acted."""

from __future__ import annotations

from abi.syscalls import NUMBERS as NR
from guardian.locked_ranges import follow
from guardian.slots import PAGE, Slot, Space

VA, MAP_PRIVATE_ANON, MAP_LOCKED = 0x40_0000, 0x22, 0x2000
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


def _slot(i: int, name: str, args: tuple[int, ...]) -> Slot:
    return Slot(i, 1, None, 0, NR[name], args + (0,) * (6 - len(args)), 1, 1)


def _mmap(space: Space, i: int, flags: int = MAP_PRIVATE_ANON,
          others: tuple[Slot, ...] = ()) -> bool:
    """An anonymous mmap of a page at VA answered; is it taken as locked?"""
    space.lockable.append((VA, VA + PAGE))
    slot = _slot(i, "mmap", (0, PAGE, 3, flags, -1 % (1 << 64), 0))
    follow(space, slot, VA, (slot,) + others, i + 1)
    locked = space.locked_at(VA)
    space.locked, space.lockable = [], []
    return locked


def _call(space: Space, i: int, name: str, args: tuple[int, ...], ret: int = 0) -> None:
    slot = _slot(i, name, args)
    follow(space, slot, ret, (slot,), i + 1)


def test_map_locked_and_def_flags() -> None:
    space = Space([], 0, 0, {}, set(), {})
    assert not _mmap(space, 1) and _mmap(space, 2, MAP_PRIVATE_ANON | MAP_LOCKED)
    _call(space, 3, "mlockall", (MCL_FUTURE | MCL_ONFAULT,))
    assert _mmap(space, 4)
    assert not space.forked().lock_future                  # mm_init(): cleared
    _call(space, 5, "mlockall", (MCL_CURRENT,))            # apply_mlockall_flags(): cleared
    assert not _mmap(space, 6)
    _call(space, 7, "mlockall", (MCL_FUTURE,))
    _call(space, 8, "munlockall", ())
    assert not _mmap(space, 9)
    _call(space, 10, "mlockall", (MCL_FUTURE,), -12 % (1 << 64))   # an error: not known
    assert not _mmap(space, 11)


def test_def_flags_not_taken_while_another_call_may_have_acted() -> None:
    space = Space([], 0, 0, {}, set(), {})
    _call(space, 3, "mlockall", (MCL_FUTURE,))
    assert not _mmap(space, 2)                             # entered before the mlockall
    assert not _mmap(space, 6, others=(_slot(5, "munlockall", ()),))
    assert not _mmap(space, 7, MAP_PRIVATE_ANON | MAP_LOCKED,
                     others=(_slot(5, "munlock", (VA, PAGE)),))


class _NotWalked(tuple):  # type: ignore[type-arg]
    def __iter__(self):  # noqa: ANN204
        raise AssertionError("the calls in flight were walked")


def test_a_plain_mmap_walks_no_call_in_flight() -> None:
    # (every mmap reaches follow(): without MAP_LOCKED or def_flags no lock follows it)
    space = Space([], 0, 0, {}, set(), {})
    follow(space, _slot(1, "mmap", (0, PAGE, 3, MAP_PRIVATE_ANON, -1 % (1 << 64), 0)), VA,
           _NotWalked(), 2)
    follow(space, _slot(3, "munmap", (VA, PAGE)), 0, _NotWalked(), 4)
