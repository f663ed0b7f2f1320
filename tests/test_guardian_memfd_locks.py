"""fcntl record locks on a memfd only the program holds (`return.memfd_lock`): an OFD
lock is its one open file's, shared by a fork child; a POSIX lock is a descriptor table's,
released by that table's close of any descriptor of the file; a SETLK is refused with
EAGAIN only where another owner's conflicting lock may be held, and a POSIX lock or an
F_GETLK's F_UNLCK never goes past a conflicting OFD lock."""

from __future__ import annotations

import struct

import pytest

from guardian import memfd_locks
from guardian.checks import Refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_memfd_flags import _call, _memfd_and_child
from tests.test_guardian_sole_held import MFD, _put

F_GETLK, F_SETLK, F_SETLKW, F_OFD_SETLK = 5, 6, 7, 37
F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2
SEEK_SET, SEEK_CUR = 0, 1
FL = NAME_VA + 1536
EAGAIN = -11 & (1 << 64) - 1


@pytest.fixture(autouse=True)
def _met(monkeypatch: pytest.MonkeyPatch) -> None:
    # (the struct flock is read at a quiet return: no other thread ran since the entry)
    monkeypatch.setattr(memfd_locks, "flock_met", lambda sole, slot: True)


def _lock(prog: _Program, cmd: int, kind: int, start: int = 0, length: int = 0, *,
          ret: int = 0, child: bool = False, whence: int = SEEK_SET, fd: int = MFD) -> None:
    _put(prog, FL, struct.pack("<hh4xqqi4x", kind, whence, start, length, 0))
    _call(prog, "fcntl", fd, cmd, FL, ret=ret, child=child)


def _refused(prog: _Program, cmd: int, kind: int, start: int = 0, length: int = 0, *,
             ret: int = 0, child: bool = False) -> None:
    with pytest.raises(Refused) as e:
        _lock(prog, cmd, kind, start, length, ret=ret, child=child)
    assert e.value.check == "return.memfd_lock"


def test_a_fork_child_shares_its_parents_ofd_lock(prog: _Program) -> None:
    """QW-011: the child's OFD lock of the same open file never conflicts."""
    _memfd_and_child(prog)
    _lock(prog, F_OFD_SETLK, F_WRLCK)
    _refused(prog, F_OFD_SETLK, F_WRLCK, ret=EAGAIN, child=True)
    _lock(prog, F_OFD_SETLK, F_WRLCK, child=True)               # same owner: relocked
    _lock(prog, F_OFD_SETLK, F_RDLCK, 0, 8, child=True)
    _refused(prog, F_SETLK, F_RDLCK, 8, 4, child=True)          # past the OFD write lock
    _lock(prog, F_SETLK, F_RDLCK, 8, 4, ret=EAGAIN, child=True)
    _lock(prog, F_SETLK, F_RDLCK, 4, 4, child=True)             # OFD read lock there now


def test_an_unlocked_range_is_free_for_the_child(prog: _Program) -> None:
    _memfd_and_child(prog)
    _lock(prog, F_OFD_SETLK, F_WRLCK)
    _lock(prog, F_OFD_SETLK, F_UNLCK, 0, 10)                    # F_UNLCK splits it
    _lock(prog, F_SETLK, F_WRLCK, 0, 10, child=True)
    _refused(prog, F_SETLK, F_WRLCK, 5, 10, child=True)
    _lock(prog, F_SETLK, F_WRLCK, 5, 10, ret=EAGAIN, child=True)  # the child's own [0, 10)...
    _refused(prog, F_SETLK, F_WRLCK, 0, 10, ret=EAGAIN, child=True)   # ... is no conflict


def test_a_posix_lock_is_its_tables_and_may_conflict_with_the_childs(prog: _Program) -> None:
    _memfd_and_child(prog)
    _lock(prog, F_SETLK, F_WRLCK, 0, 10)
    _lock(prog, F_SETLK, F_RDLCK, 0, 10)                        # same owner: replaced
    _refused(prog, F_SETLK, F_WRLCK, 0, 10, ret=EAGAIN)         # its own lock: no conflict
    _lock(prog, F_SETLK, F_WRLCK, 5, 1, ret=EAGAIN, child=True)
    _lock(prog, F_OFD_SETLK, F_WRLCK, ret=EAGAIN, child=True)
    _refused(prog, F_SETLK, F_WRLCK, 10, 10, ret=EAGAIN, child=True)  # no overlap
    _refused(prog, F_SETLK, F_RDLCK, 0, 10, ret=EAGAIN, child=True)   # two read locks
    _lock(prog, F_SETLK, F_WRLCK, 0, 10, child=True)            # (its holder may have gone)


def test_a_close_of_another_descriptor_drops_the_posix_lock(prog: _Program) -> None:
    _memfd_and_child(prog)
    _lock(prog, F_SETLK, F_WRLCK)
    _call(prog, "dup", MFD, ret=MFD + 1)
    _lock(prog, F_SETLK, F_WRLCK, ret=EAGAIN, child=True)
    _call(prog, "close", MFD + 1, ret=0)                        # locks_remove_posix()
    _refused(prog, F_SETLK, F_WRLCK, ret=EAGAIN, child=True)
    _lock(prog, F_SETLK, F_WRLCK, child=True)


def test_getlk_reports_a_conflicting_ofd_write_lock(prog: _Program) -> None:
    _memfd_and_child(prog)
    _lock(prog, F_OFD_SETLK, F_WRLCK, 0, 10)
    with pytest.raises(Refused) as e:
        _lock(prog, F_GETLK, F_UNLCK, 0, 4, child=True)
    assert e.value.check == "return.memfd_lock"
    _lock(prog, F_GETLK, F_UNLCK, 20, 4, child=True)
    _lock(prog, F_GETLK, F_WRLCK, 0, 4, child=True)


def test_seek_cur_is_resolved_by_the_offset(prog: _Program) -> None:
    _memfd_and_child(prog)
    _call(prog, "lseek", MFD, 100, SEEK_SET, ret=100)
    _lock(prog, F_OFD_SETLK, F_WRLCK, 0, 10, whence=SEEK_CUR)    # [100, 110)
    _lock(prog, F_SETLK, F_WRLCK, 0, 100, child=True)
    _refused(prog, F_SETLK, F_WRLCK, 105, 1, child=True)


def test_a_lock_whose_range_is_not_known_ends_the_judging(
        prog: _Program, monkeypatch: pytest.MonkeyPatch) -> None:
    _memfd_and_child(prog)
    monkeypatch.setattr(memfd_locks, "flock_met", lambda sole, slot: False)
    _lock(prog, F_SETLK, F_WRLCK)
    monkeypatch.setattr(memfd_locks, "flock_met", lambda sole, slot: True)
    _lock(prog, F_OFD_SETLK, F_WRLCK, ret=EAGAIN, child=True)
    _lock(prog, F_SETLK, F_WRLCK, ret=EAGAIN, child=True)


def test_an_error_a_seccomp_filter_may_give_is_not_judged(prog: _Program) -> None:
    _memfd_and_child(prog)
    prog.files.sole.filtered = lambda slot: True
    _lock(prog, F_OFD_SETLK, F_WRLCK, ret=EAGAIN, child=True)
