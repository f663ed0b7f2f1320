"""A pipe only the program writes to returns its writes, in order (pipe_bytes): the self-
pipe's byte read back passes, another byte or more than was written is refused, and a
pipe whose bytes may move unseen (splice, its write end passed on) is not judged."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

BUF = NAME_VA + 64


def _bytes_at_buf(prog: _Program, data: bytes) -> None:
    blob = bytearray(256)
    blob[0:8] = struct.pack("<ii", 3, 4)                 # pipe2's fds: 3 reads, 4 writes
    blob[64:64 + len(data)] = data
    prog.memory.data = bytes(blob)


def _io(prog: _Program, name: str, fd: int, data: bytes) -> None:
    """A write or read of `data` at BUF completing with len(data), judged and recorded."""
    _bytes_at_buf(prog, data)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], (fd, BUF, len(data), 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    try:
        prog.files.sole.check(slot, len(data))
        prog.files.sole.record(slot, len(data))
    finally:
        del registry.slots[slot.id]


def _pipe(prog: _Program) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _bytes_at_buf(prog, b"")
    prog.call("pipe2", NAME_VA, 0, ret=0)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["pipe2"], (NAME_VA, 0, 0, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 0)
    del registry.slots[slot.id]


def test_the_self_pipe_returns_the_bytes_written(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02\x05")
    _io(prog, "read", 3, b"\x02")
    with pytest.raises(Refused) as e:
        _io(prog, "read", 3, b"\x06")                    # the next byte is 5
    assert e.value.check == "return.pipe_fifo"
    with pytest.raises(Refused):
        _io(prog, "read", 3, b"\x05\x00")                # more than was written
    _io(prog, "read", 3, b"\x05")
    checks.set_mutation("return.pipe_fifo")
    try:
        _io(prog, "read", 3, b"\x06")
    finally:
        checks.set_mutation("")


def test_a_pipe_whose_bytes_may_move_unseen_is_not_judged(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02")
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["splice"], (5, 0, 4, 0, 1, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 1)
    del registry.slots[slot.id]
    _io(prog, "read", 3, b"\x09")


def test_a_pipe_reopened_through_proc_is_not_judged(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02")
    prog.open("/proc/self/fd/4", ret=5)                  # another open file of the pipe
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"], (0, NAME_VA, 1, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 5)
    del registry.slots[slot.id]
    _io(prog, "read", 3, b"\x02\x07")                   # its writes are not followed
