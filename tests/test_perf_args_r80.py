"""Round 80's gaps in `return.perf_event_args` (guardian/perf_args.py) and
`return.descriptor_kind` (guardian/fd_kind_answer.py): an attr whose sample_period has bit
63 without freq (SYSCALL_DEFINE5(perf_event_open): -EINVAL, ZV-027), whose flag word sets
a __reserved_1 bit (perf_copy_attr(): -EINVAL, ZV-028), a cgroup descriptor that is a
pipe end (css_tryget_online_from_dir(): -EBADF, ZV-035), pidfd_getfd() of a signalfd
(pidfd_get_pid(): -EBADF, ZV-006) and a perf group that is a signalfd (perf_fget_light():
-EBADF, ZV-009); the answers Linux gives pass."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.open_files import OpenFile
from guardian.perf_args import check
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import _Files, _judge
from tests.test_descriptor_kind_r79 import _slot as _kslot

M = 1 << 64
ATTR = 0x1000
CGROUP = 4
N = NUMBERS


def _slot(pid: int = 0, cpu: int = -1, flags: int = 0) -> Slot:
    return Slot(1, 1, None, 0, N["perf_event_open"], (ATTR, pid % M, cpu % M, -1 % M,
                                                      flags), 1, 1)


def _attr(period: int = 0, word: int = 0, size: int = 64) -> bytes:
    buf = bytearray(4096)
    buf[4:8] = size.to_bytes(4, "little")
    buf[16:24] = period.to_bytes(8, "little")
    buf[40:48] = word.to_bytes(8, "little")
    return bytes(buf)


def _read(mem: bytes, quiet: bool = True):  # type: ignore[no-untyped-def]
    return lambda addr, n: mem[addr - ATTR:addr - ATTR + n] if quiet else None


PIPE_END = OpenFile(maker=N["pipe2"], access=1)
SIGNALFD = OpenFile(maker=N["signalfd4"])


@pytest.mark.parametrize("slot,mem,files", [
    (_slot(), _attr(period=1 << 63), {}),                     # ZV-027
    (_slot(), _attr(period=(1 << 63) | 1, word=1 << 5), {}),  # exclude_kernel, no freq
    (_slot(), _attr(word=1 << 63), {}),                       # ZV-028: __reserved_1
    (_slot(), _attr(word=1 << 48), {}),                       # the lowest judged bit
    (_slot(7, 0, CGROUP), _attr(), {7: PIPE_END}),            # ZV-035: a pipe end
    (_slot(7, 0, CGROUP), _attr(), {7: SIGNALFD}),            # a signalfd
    (_slot(7, 0, CGROUP), _attr(), {7: OpenFile(maker=N["memfd_create"], memfd=1)}),
])
def test_refused(slot: Slot, mem: bytes, files: dict[int, OpenFile]) -> None:
    with pytest.raises(Refused, match="return.perf_event_args|-E"):
        check(slot, 5, _read(mem), 4, files.get)


@pytest.mark.parametrize("slot,mem,files,quiet", [
    (_slot(), _attr(period=1 << 62), {}, True),               # a large period
    # freq: sample_freq's rule (above INT_MAX is -EINVAL too: test_perf_attr_r81.py)
    (_slot(), _attr(period=0x7FFF_FFFF, word=1 << 10), {}, True),
    (_slot(), _attr(period=1 << 63), {}, False),              # not quiet: may have been 0
    (_slot(), _attr(word=1 << 37 | 1 << 36), {}, True),       # sigtrap (5.13+), remove_on_exec
    (_slot(), _attr(word=1 << 38 | 1 << 47), {}, True),       # bits a later 6.x may define
    # every flag 6.1 knows but enable_on_exec (remove_on_exec excludes it: perf_copy_attr())
    (_slot(), _attr(word=(1 << 38) - 1 - (1 << 12)), {}, True),
    (_slot(7, 0, CGROUP), _attr(), {7: OpenFile("/sys/fs/cgroup/a", access=0)}, True),
    (_slot(7, 0, CGROUP), _attr(), {7: OpenFile(maker=N["pidfd_getfd"])}, True),
    (_slot(7, 0, CGROUP), _attr(), {7: OpenFile()}, True),   # inherited: any kind
    (_slot(7, 0, 0), _attr(), {7: PIPE_END}, True),           # no PERF_FLAG_PID_CGROUP
])
def test_answers_linux_gives_pass(slot: Slot, mem: bytes, files: dict[int, OpenFile],
                                  quiet: bool) -> None:
    check(slot, 5, _read(mem, quiet), 4, files.get)


def _signalfd_files() -> _Files:
    files = _Files()
    files.table.fds[3] = OpenFile(maker=N["pidfd_open"], pid=100)
    files.table.fds[6] = OpenFile(maker=N["perf_event_open"])
    files.table.fds[8] = SIGNALFD
    return files


@pytest.mark.parametrize("nr,args,ret", [
    ("pidfd_getfd", (8, 0, 0), 7),                      # ZV-006: a signalfd
    ("process_mrelease", (8, 0), 0),                    # the same lookup
    ("perf_event_open", (0x1000, 0, -1 % M, 8, 0), 5),  # ZV-009: a signalfd group
])
def test_signalfd_is_no_pidfd_nor_perf_event(nr: str, args: tuple[int, ...], ret: int) -> None:
    with pytest.raises(Refused, match="return.descriptor_kind|-EBADF"):
        _judge(_signalfd_files(), _kslot(nr, args), ret)


def test_pidfd_and_perf_group_pass() -> None:
    files = _signalfd_files()
    _judge(files, _kslot("pidfd_getfd", (3, 0, 0)), 7)
    _judge(files, _kslot("perf_event_open", (0x1000, 0, -1 % M, 6, 0)), 5)
