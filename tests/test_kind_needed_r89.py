"""Round 89's widening of return.kind_needed (guardian/kind_ops.py, kind_needed.py): the
ioctls of a timerfd, signalfd, pipe and AF_UNIX socket, FIOQSIZE of a pipe or socket, a
signalfd's write, lseek of a pipe or socket, fsync, getdents64, vmsplice, fadvise64 and
readahead of kinds with no such operation.  Each refusal sits beside the answer Linux
gives, which passes."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.kind_needed import check
from guardian.open_files import OpenFile
from guardian.slots import Slot

N = NUMBERS
TABLE = {
    3: OpenFile(maker=N["timerfd_create"]),
    4: OpenFile(maker=N["signalfd4"]),
    5: OpenFile(maker=N["pipe2"]),
    6: OpenFile(maker=N["socket"], sock=(1, 1, 0)),     # AF_UNIX SOCK_STREAM
    7: OpenFile(maker=N["socket"], sock=(2, 1, 0)),     # AF_INET: not judged by type
    8: OpenFile(maker=N["eventfd2"]),
    9: OpenFile(maker=N["memfd_create"]),
    10: OpenFile(path="/tmp/dir"),                      # a name: a directory, a FIFO ...
    11: OpenFile(),                                     # kind not known
    12: OpenFile(maker=N["socketpair"], sock=(1, 1, 0)),
}
TCGETS, FIONREAD, FIOQSIZE, FIOCLEX, FIOASYNC = 0x5401, 0x541B, 0x5460, 0x5451, 0x5452
TFD_IOC_SET_TICKS, SIOCOUTQ, SIOCATMARK, SIOCGPGRP = 0x40085400, 0x5411, 0x8905, 0x8904
FIGETBSZ, WATCH_QUEUE_SET_SIZE, SIOCGIWNAME = 0x2, 0x5760, 0x8B01
FS_IOC_GETFLAGS = 0x80086601
IOV_ONE = struct.pack("<QQ", 0x2000, 8)         # one iovec of 8 bytes
IOV_EMPTY = struct.pack("<QQQQ", 0x2000, 0, 0x3000, 0)


def _read(addr: int, n: int, mem: bytes | None) -> bytes | None:
    return mem[:n] if mem is not None and addr == 0x100 else None


def _check(nr: str, args: tuple[int, ...], ret: int = 0, mem: bytes | None = None) -> None:
    slot = Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)
    check(slot, ret, TABLE.get, read=lambda a, n: _read(a, n, mem))


@pytest.mark.parametrize("nr,args", [
    ("ioctl", (3, TFD_IOC_SET_TICKS, 0x100)),   # timerfd_ioctl() (test_timerfd_set_ticks)
    ("ioctl", (3, FIOCLEX, 0)), ("ioctl", (4, FIOCLEX, 0)),  # do_vfs_ioctl()'s own
    ("ioctl", (3, FIOQSIZE, 0x100)),            # 6.15.0..6.15.5: anon inodes S_IFREG
    ("ioctl", (4, FIGETBSZ, 0x100)),
    ("ioctl", (5, FIONREAD, 0x100)),            # pipe_ioctl()
    ("ioctl", (5, FIOASYNC, 0x100)),            # pipe_fasync()
    ("ioctl", (5, WATCH_QUEUE_SET_SIZE, 1)),    # pipe_ioctl(), CONFIG_WATCH_QUEUE
    ("ioctl", (6, SIOCOUTQ, 0x100)),            # unix_ioctl() (test_socket_outq)
    ("ioctl", (6, FIONREAD, 0x100)),            # unix_ioctl() SIOCINQ
    ("ioctl", (6, SIOCATMARK, 0x100)), ("ioctl", (12, SIOCGPGRP, 0x100)),  # 0x89
    ("ioctl", (6, SIOCGIWNAME, 0x100)),         # wext_handle_ioctl()
    ("ioctl", (6, FS_IOC_GETFLAGS, 0x100)),     # (let through)
    ("ioctl", (7, TCGETS, 0x100)),              # another family: not judged
    ("ioctl", (10, TCGETS, 0x100)), ("ioctl", (11, FIOQSIZE, 0x100)),
    ("write", (8, 0x100, 8)), ("read", (4, 0x100, 128)),   # eventfd_write(); a read
    ("lseek", (3, 0, 0)), ("lseek", (4, 0, 0)), ("lseek", (9, 0, 0)),  # noop_llseek, shmem
    ("lseek", (10, 0, 0)),
    ("fsync", (9,)), ("fdatasync", (9,)), ("fsync", (10,)), ("fsync", (11,)),  # noop_fsync
    ("getdents64", (10, 0x100, 64)), ("getdents64", (11, 0x100, 64)),
    ("fadvise64", (8, 0, 0, 0)), ("fadvise64", (6, 0, 0, 0)),  # noop bdi: 0
    ("fadvise64", (9, 0, 0, 0)), ("fadvise64", (10, 0, 0, 0)),
    ("readahead", (9, 0, 8)), ("readahead", (8, 0, 8)),  # regular; 6.15 anon S_IFREG
    ("readahead", (10, 0, 8)),
])
def test_kind_needed_r89_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    _check(nr, args)


@pytest.mark.parametrize("args,ret,mem", [
    ((5, 0x100, 1, 0), 8, IOV_ONE),             # a pipe
    ((8, 0x100, 0, 0), 0, None),                # nr_segs 0: iov_iter_count() 0
    ((8, 0x100, 2, 0), 0, IOV_EMPTY),           # iovecs of 0 bytes
    ((8, 0x100, 1, 0), 0, None),                # iovecs not quiet: not judged
    ((10, 0x100, 1, 0), 8, IOV_ONE),            # a name: may be a FIFO
])
def test_vmsplice_linux_gives_pass(args: tuple[int, ...], ret: int, mem: bytes | None) -> None:
    _check("vmsplice", args, ret, mem)


@pytest.mark.parametrize("nr,args", [
    ("ioctl", (3, TCGETS, 0x100)),              # AT-001
    ("ioctl", (4, TCGETS, 0x100)),              # AT-002
    ("ioctl", (5, TCGETS, 0x100)),              # AT-004
    ("ioctl", (6, TCGETS, 0x100)),              # AT-005
    ("ioctl", (12, TCGETS, 0x100)), ("ioctl", (3, FS_IOC_GETFLAGS, 0x100)),
    ("ioctl", (5, 0x80047601, 0x100)),          # FS_IOC_GETVERSION of a pipe
    ("ioctl", (6, FIOQSIZE, 0x100)),            # AT-035
    ("ioctl", (7, FIOQSIZE, 0x100)), ("ioctl", (5, FIOQSIZE, 0x100)),
    ("write", (4, 0x100, 8)),                   # AT-008
    ("pwrite64", (4, 0x100, 8, 0)), ("writev", (4, 0x100, 1)),
    ("lseek", (5, 0, 0)),                       # AT-011
    ("lseek", (6, 0, 0)), ("lseek", (12, 0, 1)),
    ("fsync", (8,)),                            # AT-026
    ("fdatasync", (5,)), ("fsync", (6,)), ("fsync", (3,)), ("fsync", (4,)),
    ("getdents64", (5, 0x100, 64)),             # AT-030
    ("getdents64", (8, 0x100, 64)), ("getdents64", (9, 0x100, 64)),
    ("fadvise64", (5, 0, 0, 0)),                # AT-033
    ("readahead", (5, 0, 8)),                   # AT-034
    ("readahead", (6, 0, 8)),
])
def test_kind_needed_r89_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused):
        _check(nr, args)


@pytest.mark.parametrize("args,ret,mem", [
    ((8, 0x100, 1, 0), 0, IOV_ONE),             # AT-032: an eventfd, 8 bytes to move
    ((8, 0x100, 1, 0), 8, None),                # a count: moved whatever the iovecs
    ((9, 0x100, 2, 0), 0, IOV_EMPTY[:16] + IOV_ONE),
])
def test_vmsplice_refused(args: tuple[int, ...], ret: int, mem: bytes | None) -> None:
    with pytest.raises(Refused):
        _check("vmsplice", args, ret, mem)
