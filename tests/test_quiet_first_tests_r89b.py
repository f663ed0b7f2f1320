"""Review of round 89b: every call guardian/first_tests.py judges by program memory kept
at its entry is one quiet_ranges notes at the entry (`Slot.runs_at_entry`) -- else
quiet() holds nothing quiet for it and its first test is never judged (fgetxattr's
empty name, round 88b, was never noted: an -EFAULT that opened its output page passed)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.first_tests import MEMORY_CALLS
from guardian.quiet_ranges import CALLS, noted

_F_GETLK = 5


@pytest.mark.parametrize("nr", sorted(MEMORY_CALLS))
def test_memory_first_test_noted_at_entry(nr: int) -> None:
    args = (4, _F_GETLK, 0x1000, 0, 0, 0) if nr == NUMBERS["fcntl"] else (0x1000,) * 6
    if nr == NUMBERS["getsockopt"]:                 # (SOL_SOCKET alone: round 90b)
        args = (4, 1, 3, 0x1000, 0x2000, 0)
    assert nr in CALLS and noted(nr, args)


def test_fgetxattr_noted() -> None:
    assert noted(NUMBERS["fgetxattr"], (4, 0x1000, 0x2000, 16, 0, 0))
