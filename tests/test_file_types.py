"""What fallocate(), ftruncate() and the RWF flags of preadv2()/pwritev2() may answer by
the kind of file (`return.file_type`, guardian/file_types.py): each shape a 6.18 host
refuses is refused, each one it answers is let through."""

from __future__ import annotations

import struct

import pytest

from guardian import file_types
from tests.call_judging import judge, refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_pipe_bytes import _pipe

MASK64 = (1 << 64) - 1
IOV_VA = NAME_VA + 256
AT_FILE_POSITION = MASK64
O_WRONLY, O_RDWR = 1, 2
RWF_HIPRI, RWF_DSYNC, RWF_ATOMIC, RWF_DONTCACHE, RWF_NOSIGNAL = 0x1, 0x2, 0x40, 0x80, 0x100
FALLOC_FL_KEEP_SIZE = 1


def _judge(prog: _Program, name: str, args: tuple[int, ...], ret: int,
           asked: dict[int, bytes] | None = None) -> None:
    judge(file_types.check, prog, name, args, ret, asked)


def _refused(prog: _Program, name: str, args: tuple[int, ...], ret: int,
             asked: dict[int, bytes] | None = None) -> str:
    return refused(file_types.check, prog, name, args, ret, asked)


def test_fallocate_and_ftruncate_of_a_pipe(prog: _Program) -> None:
    _pipe(prog)         # (3 its read end, 4 its write end)
    # vfs_fallocate(): ESPIPE; do_ftruncate(): EINVAL
    assert _refused(prog, "fallocate", (4, 0, 0, 10), 0) == "return.file_type"
    assert _refused(prog, "ftruncate", (4, 0), 0) == "return.file_type"
    _judge(prog, "fallocate", (4, 0, 0, 10), -29 & MASK64)
    _judge(prog, "ftruncate", (4, 0), -22 & MASK64)


@pytest.mark.parametrize("name", ["/dev/null", "/dev/zero", "/dev/urandom"])
def test_fallocate_and_ftruncate_of_a_device(prog: _Program, name: str) -> None:
    prog.open(name, 3, flags=O_WRONLY)
    assert _refused(prog, "fallocate", (3, 0, 0, 10), 0) == "return.file_type"   # ENODEV
    assert _refused(prog, "ftruncate", (3, 0), 0) == "return.file_type"          # EINVAL


@pytest.mark.parametrize("maker", ["eventfd2", "socket", "timerfd_create"])
def test_fallocate_and_ftruncate_of_no_inode_file(prog: _Program, maker: str) -> None:
    prog.call(maker, 1, 1, 0, ret=3)
    assert _refused(prog, "fallocate", (3, 0, 0, 10), 0) == "return.file_type"
    assert _refused(prog, "ftruncate", (3, 0), 0) == "return.file_type"


def test_memfds_and_files_are_cut_and_allocated(prog: _Program) -> None:
    prog.call("memfd_create", 0, 0, ret=3)
    _judge(prog, "fallocate", (3, FALLOC_FL_KEEP_SIZE, 0, 10), 0)
    _judge(prog, "ftruncate", (3, 0), 0)
    _judge(prog, "ftruncate", (3, 1 << 40), 0)
    prog.open("/tmp/data", 4, flags=O_RDWR)
    _judge(prog, "fallocate", (4, 0, 0, 10), 0)
    _judge(prog, "ftruncate", (4, 10), 0)


def test_ftruncate_to_a_negative_length(prog: _Program) -> None:
    prog.call("memfd_create", 0, 0, ret=3)
    # do_sys_ftruncate(): EINVAL before the descriptor is looked up
    assert _refused(prog, "ftruncate", (3, MASK64), 0) == "return.file_type"
    assert _refused(prog, "ftruncate", (99, 1 << 63), 0) == "return.file_type"
    _judge(prog, "ftruncate", (3, MASK64), -22 & MASK64)


def test_rwf_flags_of_a_device(prog: _Program) -> None:
    prog.open("/dev/null", 3, flags=O_RDWR)
    for flags in (RWF_ATOMIC, RWF_DONTCACHE):
        assert _refused(prog, "pwritev2", (3, 0, 1, AT_FILE_POSITION, 0, flags), 10) == \
            "return.file_type"
        _judge(prog, "pwritev2", (3, 0, 1, AT_FILE_POSITION, 0, flags), 0)   # no bytes
    # null_fops has a write_iter: the other flags write (a 6.18 host: 10)
    for flags in (RWF_HIPRI, RWF_DSYNC, RWF_NOSIGNAL):
        _judge(prog, "pwritev2", (3, 0, 1, AT_FILE_POSITION, 0, flags), 10)
    prog.open("/dev/full", 4, flags=O_RDWR)
    assert _refused(prog, "pwritev2", (4, 0, 1, AT_FILE_POSITION, 0, RWF_DSYNC), 10) == \
        "return.file_type"


def test_rwf_flags_of_an_eventfd(prog: _Program) -> None:
    prog.call("eventfd2", 1, 0, ret=3)
    held = {IOV_VA: struct.pack("<QQ", NAME_VA, 8)}
    for flags in (RWF_DSYNC, RWF_NOSIGNAL, 0x4):
        assert _refused(prog, "pwritev2", (3, 0, 1, AT_FILE_POSITION, 0, flags), 8) == \
            "return.file_type"
        assert _refused(prog, "pwritev2", (3, IOV_VA, 1, AT_FILE_POSITION, 0, flags), 0,
                        held) == "return.file_type"
    # do_loop_readv_writev() takes RWF_HIPRI; eventfd reads through read_iter
    _judge(prog, "pwritev2", (3, 0, 1, AT_FILE_POSITION, 0, RWF_HIPRI), 8)
    _judge(prog, "preadv2", (3, 0, 1, AT_FILE_POSITION, 0, RWF_DSYNC), 8)
    # vfs_writev(): vectors of no bytes answer 0 first
    empty = {IOV_VA: struct.pack("<QQ", NAME_VA, 0)}
    _judge(prog, "pwritev2", (3, IOV_VA, 1, AT_FILE_POSITION, 0, RWF_DSYNC), 0, empty)


def test_rwf_atomic_reads_nothing(prog: _Program) -> None:
    prog.call("memfd_create", 0, 0, ret=3)
    # kiocb_set_rw_flags(): "if (rw_type != WRITE) return -EOPNOTSUPP"
    assert _refused(prog, "preadv2", (3, 0, 1, 0, 0, RWF_ATOMIC), 10) == "return.file_type"
    _judge(prog, "preadv2", (3, 0, 1, 0, 0, RWF_DSYNC), 10)
    _judge(prog, "preadv2", (3, 0, 1, 0, 0, RWF_ATOMIC), -95 & MASK64)


def test_fallocate_of_a_pipe_reopened_by_name(prog: _Program) -> None:
    _pipe(prog)         # (3 its read end, 4 its write end)
    prog.open("/proc/self/fd/4", 5, flags=O_WRONLY)     # fifo_open(): the same pipe
    assert _refused(prog, "fallocate", (5, 0, 0, 10), 0) == "return.file_type"   # ESPIPE
    assert _refused(prog, "ftruncate", (5, 0), 0) == "return.file_type"          # EINVAL
    _judge(prog, "fallocate", (5, 0, 0, 10), -29 & MASK64)
    prog.call("dup", 5, ret=6)
    assert _refused(prog, "fallocate", (6, 0, 0, 10), 0) == "return.file_type"
    prog.call("memfd_create", 0, 0, ret=7)
    prog.open("/proc/self/fd/7", 8, flags=O_RDWR)       # a memfd reopened stays regular
    _judge(prog, "fallocate", (8, 0, 0, 10), 0)


def test_fallocate_and_ftruncate_of_a_pidfd(prog: _Program) -> None:
    prog.call("pidfd_open", 100, 0, ret=3)
    # pidfs: no fallocate (vfs_fallocate(): EOPNOTSUPP); pidfs_setattr(): EOPNOTSUPP
    assert _refused(prog, "fallocate", (3, 0, 0, 10), 0) == "return.file_type"
    assert _refused(prog, "ftruncate", (3, 0), 0) == "return.file_type"
    _judge(prog, "fallocate", (3, 0, 0, 10), -95 & MASK64)
    _judge(prog, "ftruncate", (3, 0), -95 & MASK64)
    prog.call("dup", 3, ret=4)
    assert _refused(prog, "ftruncate", (4, 0), 0) == "return.file_type"
