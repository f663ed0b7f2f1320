"""cut_movers.other_file: a call in flight writes through the file its descriptor named
at the call's entry (fdget()); where another thread's dup2() or close() may have changed
the number since, the file it writes is not known."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian.cut_movers import other_file
from guardian.open_files import OpenFile
from guardian.slots import Slot


def _files(steady: bool, root_moved: bool = False, slots: tuple[Slot, ...] = ()
           ) -> SimpleNamespace:
    null = OpenFile(path="/dev/null")
    registry = SimpleNamespace(slots={s.id: s for s in slots})
    return SimpleNamespace(open_file=lambda slot, fd: null, sole=SimpleNamespace(by_file={}),
                           steady=lambda slot: steady,
                           admitted_reads=SimpleNamespace(root_moved=root_moved),
                           admission=SimpleNamespace(registry=registry))


def test_a_write_through_a_number_since_moved_may_write_the_memfd() -> None:
    write = Slot(3, 1, None, 0, NUMBERS["write"], (5, 0x1000, 16), root=1, thread=1)
    mem = object()
    assert other_file(_files(True), write, mem)          # (/dev/null, the table unchanged)
    assert not other_file(_files(False), write, mem)     # (fd 5 may have been the memfd)


def test_dev_null_after_a_chroot_or_during_a_mount_may_be_the_memfd() -> None:
    """In a chroot or a new mount namespace "/dev/null" may be a link to the memfd or a
    bind mount of it: the write may change the file."""
    write = Slot(3, 1, None, 0, NUMBERS["write"], (5, 0x1000, 16), root=1, thread=1)
    mount = Slot(4, 1, None, 0, NUMBERS["mount"], (0, 0, 0, 0, 0), root=1, thread=2)
    mem = object()
    assert not other_file(_files(True, root_moved=True), write, mem)
    assert not other_file(_files(True, slots=(write, mount)), write, mem)
    assert other_file(_files(True, slots=(write,)), write, mem)
