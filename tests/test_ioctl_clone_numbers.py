"""FICLONE and FICLONERANGE are named once (abi/descriptors.py) and every module that
judges them uses those names: the table's no-descriptor ioctls, the quiet range of
FICLONERANGE's struct and fd_never_args' src_fd reads."""

from __future__ import annotations

from abi.descriptors import FICLONE, FICLONERANGE
from abi.syscalls import NUMBERS
from guardian import fd_never_args, fd_records
from guardian.quiet_ranges import noted


def _iow(kind: int, nr: int, size: int) -> int:
    return (1 << 30) | (size << 16) | (kind << 8) | nr


def test_clone_ioctls_are_named_once() -> None:
    assert FICLONE == _iow(0x94, 9, 4)
    assert FICLONERANGE == _iow(0x94, 13, 32)           # struct file_clone_range
    assert {FICLONE, FICLONERANGE} <= fd_records._IOCTL_NO_FD
    assert fd_never_args._CMD_FD[NUMBERS["ioctl"]] == FICLONE
    assert noted(NUMBERS["ioctl"], (3, FICLONERANGE, 0x1000))
