"""The ends and positions splice(), tee(), sendfile() and copy_file_range() may answer
success with (`return.move_ends`, guardian/move_ends.py): each shape a 6.18 host refuses
is refused, each one it answers is let through."""

from __future__ import annotations

import struct

import pytest

from guardian import move_ends
from tests.call_judging import judge, refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_pipe_bytes import _pipe

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
