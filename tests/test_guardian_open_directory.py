"""An openat with O_DIRECTORY that succeeded opened a directory (do_open(): ENOTDIR for
anything else), so it reached none of the program's memfds or pipes; O_TMPFILE carries
the O_DIRECTORY bit and makes a regular file (sole_reopens.directory)."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian.sole_reopens import directory

O_DIRECTORY, O_TMPFILE, O_RDWR = 0o40000, 0o20040000, 2


def _slot(nr: str, flags: int) -> SimpleNamespace:
    return SimpleNamespace(nr=NUMBERS[nr], args=[-100 & (1 << 64) - 1, 0x1000, flags, 0])


def test_an_open_with_o_directory_is_a_directory() -> None:
    assert directory(_slot("openat", O_DIRECTORY))  # type: ignore[arg-type]


def test_o_tmpfile_and_plain_opens_are_not() -> None:
    assert not directory(_slot("openat", O_TMPFILE | O_RDWR))  # type: ignore[arg-type]
    assert not directory(_slot("openat", O_RDWR))  # type: ignore[arg-type]


def test_openat2_flags_in_memory_are_not_judged() -> None:
    assert not directory(_slot("openat2", O_DIRECTORY))  # type: ignore[arg-type]
