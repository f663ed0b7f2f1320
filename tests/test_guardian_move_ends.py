"""The ends and positions splice(), tee(), sendfile() and copy_file_range() may answer
success with (`return.move_ends`, guardian/move_ends.py): each shape a 6.18 host refuses
is refused, each one it answers is let through."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import fd_modes, move_ends
from tests.call_judging import judge, refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_memfd_flags import _call
from tests.test_guardian_pipe_bytes import _pipe
from tests.test_guardian_sole_held import _put

OFF_IN, OFF_OUT = NAME_VA + 128, NAME_VA + 136
O_WRONLY = 1


def _at(v: int) -> bytes:
    return struct.pack("<q", v)


def _judge(prog: _Program, name: str, args: tuple[int, ...], ret: int,
           asked: dict[int, bytes] | None = None) -> None:
    judge(move_ends.check, prog, name, args, ret, asked)


def _refused(prog: _Program, name: str, args: tuple[int, ...], ret: int,
             asked: dict[int, bytes] | None = None) -> None:
    assert refused(move_ends.check, prog, name, args, ret, asked) == "return.move_ends"


# (the pipe: 3 its read end, 4 its write end; 5 a memfd, 6 /dev/null, 7 a socket)
@pytest.fixture
def ends(prog: _Program) -> _Program:
    _pipe(prog)
    prog.call("memfd_create", 0, 0, ret=5)
    prog.open("/dev/null", ret=6, flags=O_WRONLY)
    prog.call("socket", 1, 1, 0, ret=7)
    return prog


def test_tee_into_a_device(ends: _Program) -> None:
    _refused(ends, "tee", (3, 6, 10, 0), 10)        # do_tee(): no pipe out
    _judge(ends, "tee", (3, 6, 0, 0), 0)            # sys_tee(): a zero length first
    _judge(ends, "tee", (3, 6, 10, 0), -22 & (1 << 64) - 1)


def test_splice_ends_and_offsets(ends: _Program) -> None:
    _refused(ends, "splice", (5, OFF_IN, 6, 0, 10, 0), 10, {OFF_IN: _at(0)})  # no pipe
    _judge(ends, "splice", (5, OFF_IN, 6, 0, 0, 0), 0, {OFF_IN: _at(0)})      # !len first
    _judge(ends, "splice", (5, OFF_IN, 4, 0, 10, 0), 10, {OFF_IN: _at(0)})
    _judge(ends, "splice", (3, 0, 6, 0, 10, 0), 10)
    _refused(ends, "splice", (3, 0, 7, OFF_OUT, 10, 0), 10, {OFF_OUT: _at(0)})  # socket
    _judge(ends, "splice", (3, 0, 7, 0, 10, 0), 10)
    _refused(ends, "splice", (3, 0, 5, OFF_OUT, 10, 0), 10, {OFF_OUT: _at(-1)})
    _judge(ends, "splice", (3, 0, 5, OFF_OUT, 10, 0), 10, {OFF_OUT: _at(0)})


def test_sendfile_offsets(ends: _Program) -> None:
    _refused(ends, "sendfile", (4, 7, OFF_IN, 10), 10, {OFF_IN: _at(0)})  # ESPIPE
    _refused(ends, "sendfile", (4, 7, OFF_IN, 0), 0, {OFF_IN: _at(0)})    # whatever the count
    _judge(ends, "sendfile", (4, 7, 0, 10), 10)
    _refused(ends, "sendfile", (4, 5, OFF_IN, 10), 10, {OFF_IN: _at(-5)})
    _judge(ends, "sendfile", (4, 5, OFF_IN, 10), 10, {OFF_IN: _at(0)})
    _judge(ends, "sendfile", (6, 5, OFF_IN, 10), 10, {OFF_IN: _at(0)})


def test_copy_file_range_ends_and_offsets(ends: _Program) -> None:
    ends.call("memfd_create", 0, 0, ret=8)
    _refused(ends, "copy_file_range", (5, OFF_IN, 6, 0, 10, 0), 10, {OFF_IN: _at(0)})
    _refused(ends, "copy_file_range", (5, OFF_IN, 6, 0, 0, 0), 0, {OFF_IN: _at(0)})
    _refused(ends, "copy_file_range", (5, OFF_IN, 7, 0, 10, 0), 10, {OFF_IN: _at(0)})
    _refused(ends, "copy_file_range", (5, OFF_IN, 8, OFF_OUT, 10, 0), 10,
             {OFF_IN: _at(-100), OFF_OUT: _at(0)})
    _refused(ends, "copy_file_range", (5, OFF_IN, 8, OFF_OUT, 10, 0), 10,
             {OFF_IN: _at(0), OFF_OUT: _at(-100)})
    _judge(ends, "copy_file_range", (5, OFF_IN, 8, OFF_OUT, 10, 0), 10,
           {OFF_IN: _at(0), OFF_OUT: _at(0)})


def test_eventfd_ends(ends: _Program) -> None:
    ends.call("eventfd2", 5, 0, ret=8)
    # do_splice_read(): no splice_read; do_splice_from(): no splice_write (a 6.18 host)
    _refused(ends, "sendfile", (4, 8, 0, 8), 8)
    _refused(ends, "sendfile", (4, 8, 0, 8), 0)
    _judge(ends, "sendfile", (4, 8, 0, 0), 0)           # a count of 0 reads nothing
    _refused(ends, "sendfile", (8, 5, OFF_IN, 10), 10, {OFF_IN: _at(0)})
    _judge(ends, "sendfile", (8, 5, OFF_IN, 10), 0, {OFF_IN: _at(0)})    # nothing read
    _refused(ends, "splice", (8, 0, 4, 0, 8, 0), 8)
    _refused(ends, "splice", (3, 0, 8, 0, 8, 0), 0)
    _judge(ends, "splice", (3, 0, 8, 0, 0, 0), 0)       # sys_splice(): !len first
    _judge(ends, "splice", (8, 0, 4, 0, 8, 0), -22 & (1 << 64) - 1)
    # generic_file_rw_checks(): no regular file
    _refused(ends, "copy_file_range", (5, OFF_IN, 8, 0, 10, 0), 10, {OFF_IN: _at(0)})
    _refused(ends, "copy_file_range", (8, 0, 5, 0, 0, 0), 0)


def test_pidfd_ends(ends: _Program) -> None:
    ends.call("pidfd_open", 100, 0, ret=8)
    ends.call("pidfd_open", 100, 0, ret=9)
    # pidfs_file_operations: no splice_read, splice_write (do_splice_read(),
    # do_splice_from(): EINVAL)
    _refused(ends, "splice", (8, 0, 4, 0, 8, 0), 8)
    _refused(ends, "splice", (3, 0, 8, 0, 8, 0), 8)
    _judge(ends, "splice", (3, 0, 8, 0, 0, 0), 0)       # sys_splice(): !len first
    _refused(ends, "sendfile", (4, 8, 0, 8), 8)
    _judge(ends, "sendfile", (4, 8, 0, 0), 0)
    _refused(ends, "sendfile", (8, 5, 0, 8), 8)
    _judge(ends, "sendfile", (8, 5, 0, 8), 0)           # nothing read
    # generic_copy_file_checks(): EXDEV across super blocks; an empty pidfs inode
    _refused(ends, "copy_file_range", (8, 0, 5, 0, 10, 0), 10)
    _refused(ends, "copy_file_range", (8, 0, 5, 0, 0, 0), 0)
    _refused(ends, "copy_file_range", (5, 0, 8, 0, 10, 0), 0)
    _judge(ends, "copy_file_range", (8, 0, 9, 0, 10, 0), 0)     # pidfs to pidfs: size 0
    _refused(ends, "copy_file_range", (8, 0, 9, 0, 10, 0), 10)
    ends.open("/proc/self/fd/8", 10, flags=2)           # pidfs reopens it: no pidfd kind
    _judge(ends, "copy_file_range", (10, 0, 9, 0, 10, 0), 0)



F_SETFL, O_APPEND = 4, 0o2000


def _in_flight(prog: _Program, name: str, args: tuple[int, ...]) -> Any:
    """The program's call `name`(args), entered and not yet returned."""
    return prog.files.admission.registry.add_slot(
        1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
        root=prog.root, thread=prog.thread)


# (8 a memfd the Guardian follows, 9 /dev/zero, 10 a second, empty one)
@pytest.mark.parametrize("name, args, ret", [("splice", (3, 0, 8, 0, 10, 0), 10),
                                             ("sendfile", (8, 9, 0, 10), 10),
                                             ("copy_file_range", (10, 0, 8, 0, 10, 0), 0)])
def test_o_append_set_during_the_move(ends: _Program, name: str, args: tuple[int, ...],
                                      ret: int) -> None:
    """A fork child's F_SETFL(O_APPEND) on the open file they share (or another thread's)
    that enters and returns while the move is in flight may have come after the move looked at its output (do_splice(),
    do_splice_direct_actor(), generic_copy_file_checks() test f_flags once): the move's
    success is Linux's.  A move that enters after it returned meets O_APPEND: refused."""
    registry = ends.files.admission.registry
    registry.root_domain[ends.root] = registry.root_domain[ends.root + 0x1000] = 1
    _put(ends, NAME_VA, b"m\0")
    _call(ends, "memfd_create", NAME_VA, 0, ret=8)
    ends.open("/dev/zero", ret=9)
    _call(ends, "memfd_create", NAME_VA, 0, ret=10)
    table = ends.files.table(ends.root, ends.thread)
    ends.files.tables[(ends.root + 0x1000, ends.thread + 1)] = table.copy()  # a fork child
    check = fd_modes.check if name == "copy_file_range" else move_ends.check
    rule = "return.move_args" if name == "copy_file_range" else "return.move_ends"
    judge(check, ends, name, args, ret)                     # no O_APPEND yet
    moving = _in_flight(ends, name, args)
    _call(ends, "fcntl", 8, F_SETFL, O_APPEND, ret=0, child=True)
    try:
        check(ends.files, moving, ret)
    finally:
        del ends.files.admission.registry.slots[moving.id]
    assert refused(check, ends, name, args, ret) == rule
