"""`return.fd_open`: a read, write, seek and the like succeeds only on an open descriptor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian import sole_held
from guardian.checks import Refused
from guardian.fd_open import check
from guardian.open_files import FileTable, OpenFile

EBADF = (1 << 64) - 9


def _files(table: FileTable, busy: bool = False) -> SimpleNamespace:
    return SimpleNamespace(table=lambda root, thread: table, busy=lambda slot, t: busy)


def _slot(name: str, fd: int, slot_id: int = 10) -> SimpleNamespace:
    return SimpleNamespace(nr=NUMBERS[name], args=(fd, 0, 8, 0, 0, 0), id=slot_id, root=1,
                           thread=1)


def test_a_closed_descriptor_reads_nothing() -> None:
    table = FileTable(fds={3: OpenFile("/dev/null")}, free={5: 7})
    check(_files(table), _slot("read", 3), 8)                     # open: judged elsewhere
    check(_files(table), _slot("read", 5), EBADF)                 # the honest answer
    with pytest.raises(Refused):
        check(_files(table), _slot("read", 5), 8)
    with pytest.raises(Refused):
        check(_files(table), _slot("fstat", 5), 0)
    check(_files(table), _slot("read", 5, slot_id=6), 8)          # freed after it entered
    check(_files(table, busy=True), _slot("read", 5), 8)          # another thread may reuse it
    check(_files(table), _slot("read", 9), 8)                     # never known: not judged


def test_an_o_path_descriptor_takes_no_read_but_fstat() -> None:
    table = FileTable(fds={4: OpenFile("/etc", path_only=True)})
    with pytest.raises(Refused):
        check(_files(table), _slot("read", 4), 1)
    with pytest.raises(Refused):
        check(_files(table), _slot("lseek", 4), 0)
    check(_files(table), _slot("fstat", 4), 0)
    check(_files(table), _slot("fcntl", 4), 0)
    assert OpenFile("/etc", path_only=True).copied().path_only    # dup keeps it


def test_the_guardian_follows_a_program_s_objects_up_to_its_open_file_limit() -> None:
    assert sole_held.MOST >= 1024
    assert sole_held.KEPT_LEAST * sole_held.MOST <= sole_held.BUDGET
