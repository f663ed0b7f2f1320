"""What splice(), tee(), sendfile(), fallocate(), copy_file_range() and the positioned
reads and writes may answer (`return.fd_mode`, `return.move_args`, guardian/fd_modes.py):
each shape a 6.18 host refuses is refused, each one it answers is let through."""

from __future__ import annotations

import struct

import pytest

from guardian import fd_modes
from tests.call_judging import judge, refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_pipe_bytes import _pipe

MASK64 = (1 << 64) - 1
OFF_IN, OFF_OUT, IOV_VA = NAME_VA + 128, NAME_VA + 136, NAME_VA + 256
AT_FILE_POSITION = MASK64           # preadv2/pwritev2's -1
RWF_ATOMIC, RWF_DONTCACHE, RWF_NOSIGNAL = 0x40, 0x80, 0x100


def _judge(prog: _Program, name: str, args: tuple[int, ...], ret: int,
           asked: dict[int, bytes] | None = None) -> None:
    judge(fd_modes.check, prog, name, args, ret, asked)


def _refused(prog: _Program, name: str, args: tuple[int, ...], ret: int,
             asked: dict[int, bytes] | None = None) -> str:
    return refused(fd_modes.check, prog, name, args, ret, asked)


def _second_pipe(prog: _Program) -> None:
    """pipe2() answered with 6 (its read end) and 7 (its write end)."""
    prog.memory.data = struct.pack("<ii", 6, 7)
    prog.call("pipe2", NAME_VA, 0, ret=0)


# (the pipe: 3 its read end, 4 its write end)
def test_splice_and_tee_from_a_write_end(prog: _Program) -> None:
    _pipe(prog)
    _second_pipe(prog)
    _judge(prog, "splice", (3, 0, 7, 0, 10, 0), 10)
    _judge(prog, "tee", (3, 7, 10, 0), 10)
    assert _refused(prog, "splice", (4, 0, 7, 0, 10, 0), 10) == "return.fd_mode"
    assert _refused(prog, "tee", (4, 7, 10, 0), 10) == "return.fd_mode"
    # sys_splice()/sys_tee(): a zero length answers 0 before any end is looked at
    _judge(prog, "splice", (4, 0, 4, 0, 0, 0), 0)
    _judge(prog, "tee", (4, 3, 0, 0), 0)


def test_splice_flags_count_only_with_a_length(prog: _Program) -> None:
    _pipe(prog)
    assert _refused(prog, "splice", (3, 0, 4, 0, 10, 0x100), 10) == "return.move_args"
    _judge(prog, "splice", (3, 0, 4, 0, 0, 0x100), 0)     # sys_splice(): !len first


def test_tee_flags_and_ends(prog: _Program) -> None:
    _pipe(prog)
    # sys_tee() looks at the flags before the length
    assert _refused(prog, "tee", (3, 4, 0, 0x100), 0) == "return.move_args"
    assert _refused(prog, "tee", (3, 4, 10, 0), 10) == "return.move_args"   # itself
    prog.call("memfd_create", 0, 0, ret=5)
    assert _refused(prog, "tee", (5, 4, 10, 0), 10) == "return.move_args"   # no pipe


def test_sendfile_ends(prog: _Program) -> None:
    _pipe(prog)
    prog.call("memfd_create", 0, 0, ret=5)
    _judge(prog, "sendfile", (4, 5, 0, 10), 10)
    assert _refused(prog, "sendfile", (3, 5, 0, 0), 0) == "return.fd_mode"   # out O_RDONLY
    assert _refused(prog, "sendfile", (5, 4, 0, 10), 10) == "return.fd_mode"  # in O_WRONLY


@pytest.mark.parametrize(("off", "length"), [(0, 0), (0, -1), (-1, 10), (1 << 62, 1 << 62)])
def test_fallocate_offsets_and_lengths(prog: _Program, off: int, length: int) -> None:
    prog.call("memfd_create", 0, 0, ret=3)
    _judge(prog, "fallocate", (3, 0, 0, 4096), 0)
    assert _refused(prog, "fallocate", (3, 0, off & MASK64, length & MASK64), 0) == \
        "return.move_args"


@pytest.mark.parametrize("maker", ["eventfd2", "socket", "timerfd_create"])
def test_no_position_outside_files(prog: _Program, maker: str) -> None:
    prog.call(maker, 1, 1, 0, ret=3)
    assert _refused(prog, "pread64", (3, 0, 8, 0), 8) == "return.move_args"
    assert _refused(prog, "pwritev2", (3, 0, 1, 0, 0, 0), 8) == "return.move_args"
    _judge(prog, "preadv2", (3, 0, 1, AT_FILE_POSITION, 0, 0), 8)


def test_rwf_flags_by_file_and_version(prog: _Program) -> None:
    _pipe(prog)
    prog.call("socket", 1, 1, 0, ret=5)
    for fd in (4, 5):
        for flags in (RWF_ATOMIC, RWF_DONTCACHE, 0x10000):
            assert _refused(prog, "pwritev2", (fd, 0, 1, AT_FILE_POSITION, 0, flags), 10) \
                == "return.move_args"
            # vfs_writev(): vectors of no bytes answer 0 before the flags are looked at
            _judge(prog, "pwritev2", (fd, 0, 1, AT_FILE_POSITION, 0, flags), 0)
            empty = {IOV_VA: struct.pack("<QQQQ", NAME_VA, 0, NAME_VA, 0)}
            _judge(prog, "pwritev2", (fd, IOV_VA, 2, AT_FILE_POSITION, 0, flags), 0, empty)
            # ... but vectors that held bytes at the entry meet the flags: no 0 then
            full = {IOV_VA: struct.pack("<QQQQ", NAME_VA, 0, NAME_VA, 10)}
            assert _refused(prog, "pwritev2", (fd, IOV_VA, 2, AT_FILE_POSITION, 0, flags), 0,
                            full) == "return.move_args"
            assert _refused(prog, "preadv2", (fd, IOV_VA, 2, AT_FILE_POSITION, 0, flags), 0,
                            full) == "return.move_args"
        # RWF_NOSIGNAL: a 6.15+ kernel writes (an older one: EOPNOTSUPP)
        _judge(prog, "pwritev2", (fd, 0, 1, AT_FILE_POSITION, 0, RWF_NOSIGNAL), 10)


def test_copy_file_range_offsets_that_wrap(prog: _Program) -> None:
    prog.call("memfd_create", 0, 0, ret=3)
    prog.call("memfd_create", 0, 0, ret=4)
    # generic_copy_file_checks(): pos + count wrapping u64 is EOVERFLOW
    at = {OFF_IN: struct.pack("<q", 50), OFF_OUT: struct.pack("<q", 0)}
    _judge(prog, "copy_file_range", (3, OFF_IN, 4, OFF_OUT, 1 << 63, 0), 0, at)
    _judge(prog, "copy_file_range", (3, OFF_IN, 4, OFF_OUT, MASK64 - 50, 0), 0, at)
    assert _refused(prog, "copy_file_range", (3, OFF_IN, 4, OFF_OUT, MASK64 - 9, 0), 0,
                    at) == "return.move_args"
