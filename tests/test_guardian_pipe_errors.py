"""The errors a pipe call can give where the Guardian follows the pipe: a read that
entered with bytes waiting never fails with EAGAIN or EINTR (`return.pipe_read_waiting`),
and a write never fails with EPIPE while the caller holds the read end
(`return.epipe_reader`)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks, pipe_epipe
from guardian.checks import Refused
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_pipe_bytes import BUF, _io, _pipe

U64 = 1 << 64
EINTR, EAGAIN, EFAULT, EPIPE = 4, 11, 14, 32


def _fail(prog: _Program, name: str, fd: int, errno: int, entered: int | None = None) -> None:
    """A read or write of 8 bytes at BUF answering -errno, judged (`entered`: the slot id
    the call got at its entry; by default, now)."""
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], (fd, BUF, 8, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    if entered is not None:
        slot.id = entered
    try:
        prog.files.sole.check(slot, U64 - errno)
        pipe_epipe.check(prog.files, slot, U64 - errno, registry.slots.values())
    finally:
        registry.slots.pop(slot.id, None)


@pytest.mark.parametrize("errno", [EAGAIN, EINTR])
def test_a_read_with_bytes_waiting_does_not_fail_so(prog: _Program, errno: int) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02\x05")
    with pytest.raises(Refused) as e:
        _fail(prog, "read", 3, errno)
    assert e.value.check == "return.pipe_read_waiting"
    checks.set_mutation("return.pipe_read_waiting")
    try:
        _fail(prog, "read", 3, errno)
    finally:
        checks.set_mutation("")


def test_a_read_may_fail_so_with_the_pipe_empty_or_a_fault(prog: _Program) -> None:
    _pipe(prog)
    _fail(prog, "read", 3, EAGAIN)                      # nothing waiting: not judged here
    _io(prog, "write", 4, b"\x02")
    _fail(prog, "read", 3, EFAULT)                      # a copy that faults


def test_a_read_that_entered_before_the_bytes_went_in_is_not_judged(prog: _Program) -> None:
    _pipe(prog)
    before = prog.files.admission.registry.next_slot_id()
    _io(prog, "write", 4, b"\x02")
    _fail(prog, "read", 3, EINTR, entered=before - 1)   # it may have waited on an empty pipe


def test_no_epipe_while_the_caller_holds_the_read_end(prog: _Program) -> None:
    _pipe(prog)
    with pytest.raises(Refused) as e:
        _fail(prog, "write", 4, EPIPE)
    assert e.value.check == "return.epipe_reader"
    prog.call("close", 3, ret=0)                        # the last reader goes
    _fail(prog, "write", 4, EPIPE)
