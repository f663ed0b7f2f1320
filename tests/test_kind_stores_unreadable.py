"""kind_stores.py: a read of a descriptor opened without read access stores nothing,
whatever the answer -- not only -EFAULT.  vfs_read()/vfs_readv() refuse it -EBADF before
->read_iter(), and what may come first (ksys_pread64()'s -EINVAL/-ESPIPE, import_iovec()'s
-EINVAL/-EFAULT) only reads: an -EINTR or -EIO answered over a store into a private file
view's empty page is a lie."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import PIPE, UNREADABLE, stored

PAGE2 = 0x5500_8020_00
EINTR, EIO, EINVAL, EBADF, EFAULT = ((1 << 64) - e for e in (4, 5, 22, 9, 14))
READS = [("read", (4, PAGE2, 16)), ("pread64", (4, PAGE2, 16, 0)),
         ("readv", (4, PAGE2, 1)), ("preadv", (4, PAGE2, 1, 0)),
         ("preadv2", (4, PAGE2, 1, 0, 0, 0))]


@pytest.mark.parametrize(("name", "regs"), READS)
def test_unreadable_read_stores_nothing_for_any_answer(name: str,
                                                       regs: tuple[int, ...]) -> None:
    args = regs + (0,) * (6 - len(regs))
    for ret in (EINTR, EIO, EINVAL, EBADF, EFAULT, 0, 16):
        assert stored(N[name], args, ret, UNREADABLE) == [], (name, hex(ret))


@pytest.mark.parametrize(("name", "regs"), READS)
def test_readable_or_unknown_read_error_stays_open(name: str, regs: tuple[int, ...]) -> None:
    """Honest neighbour: a file the Guardian cannot name may pin the buffer, store, then
    fail with any errno (fuse_direct_io())."""
    args = regs + (0,) * (6 - len(regs))
    for ret in (EINTR, EIO, EFAULT):
        assert stored(N[name], args, ret, None) is None


def test_pipe_read_error_still_stores_nothing() -> None:
    """pipe_read() answers an error only where it copied nothing (unchanged)."""
    assert stored(N["read"], (4, PAGE2, 16, 0, 0, 0), EINTR, PIPE) == []
