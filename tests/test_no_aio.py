"""A confidential program's aio and io_uring calls reach the kernel as the unassigned
number 244 with no argument, and only sys_ni_syscall()'s -ENOSYS comes back
(guardian/no_aio.py): a kernel without CONFIG_AIO and CONFIG_IO_URING."""

from __future__ import annotations

import pytest

from abi import Status
from abi.syscalls import NUMBERS, SYSCALL_NAMES
from guardian.capabilities import CAP_TABLE
from guardian.checks import Refused
from guardian.no_aio import CALLS, SHOWN_NR, UNASSIGNED, check
from tests.test_guardian_result_outputs import _refused_by
from tests.test_guardian_result_values import _resume
from tests.test_secure_mm import build_translating

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


def test_the_unassigned_range_is_arm64s_empty_one() -> None:
    """244..259: asm-generic's arch-specific numbers, none of them wired on arm64; nothing
    past the table (a newer kernel may assign it) is judged so."""
    assert UNASSIGNED == set(range(244, 260))
    assert not UNASSIGNED & set(SYSCALL_NAMES)
    assert max(SYSCALL_NAMES) + 1 not in UNASSIGNED


@pytest.mark.parametrize("nr", [244, 251, 259])
def test_own_unassigned_number_answers_enosys_only(nr: int) -> None:
    check(nr, ENOSYS)
    for ret in (0, 2**64 - 4, 2**64 - 512, 2**64 - 1):
        with pytest.raises(Refused, match="return.no_aio"):
            check(nr, ret)


def test_a_hidden_call_of_a_filtered_program_may_get_the_filter_s_errno() -> None:
    """A seccomp filter sees the 244 a hidden call is shown as, and a container's default
    action answers an unknown number -EPERM: refused only where no filter may answer."""
    s = build_translating()
    eperm = (1 << 64) - 1
    assert _resume(s, "io_setup", (1, 0), eperm, []) != Status.OK
    assert _refused_by(s, "return.no_aio")
    s.g.conf.returns.results.facts.filter_domains.add(1)          # the program installed a filter
    assert _resume(s, "io_setup", (1, 0), eperm, []) == Status.OK
