"""A confidential program's aio and io_uring calls reach the kernel as the unassigned
number 244 with no argument, and only sys_ni_syscall()'s -ENOSYS comes back
(guardian/no_aio.py): a kernel without CONFIG_AIO and CONFIG_IO_URING."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS, SYSCALL_NAMES
from guardian.capabilities import CAP_TABLE
from guardian.checks import Refused
from guardian.no_aio import CALLS, SHOWN_NR, check

ENOSYS = 2**64 - 38


def test_the_shown_number_is_no_call() -> None:
    assert SHOWN_NR not in SYSCALL_NAMES


def test_every_aio_and_io_uring_call_is_covered() -> None:
    names = {"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
             "io_pgetevents", "io_uring_setup", "io_uring_enter", "io_uring_register"}
    assert CALLS == {NUMBERS[n] for n in names}
    assert not names & set(CAP_TABLE)          # the kernel touches none of their memory


@pytest.mark.parametrize("nr", sorted(CALLS))
def test_only_enosys_comes_back(nr: int) -> None:
    check(nr, ENOSYS)
    for ret in (0, 1, 2**64 - 22, 2**64 - 14, 0x7000_0000):
        with pytest.raises(Refused, match="return.no_aio"):
            check(nr, ret)
