"""A child a wait reported reaped never stops or continues again, and a child whose clone
named another exit signal raises no SIGCHLD when it ends: a SIGCHLD saying so is refused
(guardian/child_exits.py, `return.exit_status`)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.child_exits import check_signal_info
from guardian.confidential_registry import Registry
from guardian.slots import Slot

ROOT, SIGCHLD, CLD_STOPPED, CLD_CONTINUED = 0x1000, 17, 5, 6


def _info(code: int, pid: int) -> bytes:
    return struct.pack("<iiiiii", SIGCHLD, 0, code, 0, pid, 0).ljust(128, b"\0")


def test_a_reaped_child_never_stops() -> None:
    reg = Registry(None)  # type: ignore[arg-type]
    reg.exits.reported.add((ROOT, 77))
    slot = Slot(1, 1, UserContext(), 0x400000, NUMBERS["getppid"], (0,) * 6, root=ROOT,
                thread=1)
    for code in (CLD_STOPPED, CLD_CONTINUED):
        with pytest.raises(Refused) as e:
            check_signal_info(reg, slot, SIGCHLD, _info(code, 77), 0)
        assert e.value.check == "return.exit_status"
    check_signal_info(reg, slot, SIGCHLD, _info(CLD_STOPPED, 78), 0)     # a live child


def test_a_child_with_another_exit_signal_raises_no_sigchld() -> None:
    reg = Registry(None)  # type: ignore[arg-type]
    reg.exits.exit_signals[(ROOT, 90)] = 0          # clone(..., exit signal 0)
    slot = Slot(1, 1, UserContext(), 0x400000, NUMBERS["getppid"], (0,) * 6, root=ROOT,
                thread=1)
    with pytest.raises(Refused) as e:
        check_signal_info(reg, slot, SIGCHLD, _info(1, 90), 0)       # CLD_EXITED
    assert e.value.check == "return.exit_status"
    check_signal_info(reg, slot, SIGCHLD, _info(CLD_STOPPED, 90), 0)  # a stop: SIGCHLD
