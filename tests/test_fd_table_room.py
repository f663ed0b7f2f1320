"""`FileTable.grown` (fd_never_memory.room(): pselect6's bound on fdt->max_fds) learns
from every close that frees a number the table held: close() and close_range() alike
(__range_close() -> file_close_fd_locked(): the table keeps its size), but not a
close_range(CLOSE_RANGE_UNSHARE) whose copy (dup_fd()) is sized by the numbers below the
range."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS as NR
from guardian.confidential_files import Descriptors
from guardian.fd_never_memory import room
from guardian.open_files import OpenFile
from guardian.slots import Slot

CLOSE_RANGE_UNSHARE = 0x2


def _closed(args: tuple[int, ...], name: str = "close_range") -> int:
    registry = SimpleNamespace(slots={}, next_slot_id=lambda: 1, group_of=lambda _r, _t: 0,
                               space_of=lambda _d, _r: None)     # (split_pids)
    files = Descriptors(None, SimpleNamespace(registry=registry))  # type: ignore[arg-type]
    table = files.table(1, 1)
    table.fds[3] = OpenFile(path="/dev/null")
    table.fds[100] = OpenFile(path="/dev/null")
    assert room(table) == 128
    slot = Slot(10, 1, None, 0, NR[name], args + (0,) * (6 - len(args)), 1, 1)
    files.record(slot, 0)
    return room(files.table(1, 1))


def test_close_range_keeps_the_table_s_size() -> None:
    # a daemon's close_range(3, ~0U, 0) frees 100: max_fds stays 128 (expand_fdtable())
    assert _closed((100,), "close") == 128
    assert _closed((3, 0xFFFF_FFFF, 0)) == 128
    assert _closed((101, 0xFFFF_FFFF, 0)) == 128
    # CLOSE_RANGE_UNSHARE of a shared table: dup_fd() sizes the copy by 3 alone
    assert _closed((4, 0xFFFF_FFFF, CLOSE_RANGE_UNSHARE)) == 64
