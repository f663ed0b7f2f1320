"""A memfd's mmap is lockable only where its descriptor named the memfd at the entry."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS as NR
from guardian.confidential_files import Descriptors
from guardian.open_files import OpenFile
from guardian.slots import Slot


def _slot(i: int, name: str, args: tuple[int, ...], thread: int = 1) -> Slot:
    return Slot(i, 1, None, 0, NR[name], args + (0,) * (6 - len(args)), 1, thread)


def test_a_memfd_put_in_place_during_the_mmap_is_not_taken_as_lockable() -> None:
    registry = SimpleNamespace(slots={}, next_slot_id=lambda: 1)
    files = Descriptors(None, SimpleNamespace(registry=registry))  # type: ignore[arg-type]
    table = files.table(1, 1)
    table.fds[5] = OpenFile(None, True, 1)
    files.shmem_memfds.add(1)
    mmap = _slot(10, "mmap", (0, 0x1000, 3, 1, 5, 0))
    registry.slots = {10: mmap}
    assert files.lockable_memfd(mmap, 5)
    # another thread's dup3 onto 5, in flight: mmap's fdget() may have found the old file
    dup = _slot(11, "dup3", (7, 5, 0), thread=2)
    files.tables[(1, 2)] = table
    registry.slots = {10: mmap, 11: dup}
    assert not files.lockable_memfd(mmap, 5)
