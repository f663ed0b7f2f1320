"""return.perf_event_args, return.process_madvise_iovec and return.descriptor_kind
(guardian/perf_args.py, guardian/madvise_iovec.py, guardian/fd_kind_answer.py)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.fd_kind_answer import _named
from guardian.madvise_iovec import check as check_iovec
from guardian.open_files import OpenFile
from guardian.perf_args import check as check_perf
from guardian.slots import Slot

M = 1 << 64


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(1, 1, None, 0, NUMBERS[nr], args, 1, 1)


def _attr(size: int) -> bytes:
    return size.to_bytes(4, "little")


@pytest.mark.parametrize("args,size", [
    ((0x1000, 0, -1 % M, -1 % M, 0), 0),                     # attr size 0: VER0
    ((0x1000, 0, -1 % M, -1 % M, 0), 64),
    ((0x1000, 0, -1 % M, -1 % M, 0), 8 << 1),                # not quiet below
    ((0x1000, 3, 0, -1 % M, 4), 64),                         # cgroup with a cpu
])
def test_perf_answers_linux_gives_pass(args: tuple[int, ...], size: int) -> None:
    quiet = size != 16
    check_perf(_slot("perf_event_open", args), 5,
               lambda _a, _n: _attr(size) if quiet else None)


@pytest.mark.parametrize("args,size", [
    ((0x1000, 3, -1 % M, -1 % M, 4), 64),                    # cgroup, cpu -1
    ((0x1000, 0, -1 % M, -1 % M, 0), 8),                     # below VER0
])
def test_perf_refused(args: tuple[int, ...], size: int) -> None:
    with pytest.raises(Refused):
        check_perf(_slot("perf_event_open", args), 5, lambda _a, _n: _attr(size))


def _iov(*pairs: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<QQ", b, n) for b, n in pairs)


def test_iovec_answers_linux_gives_pass() -> None:
    q = 0x40_0000
    for pairs, untag in [(((q, 4096), (q + 1, 0), (q, 4096)), lambda v: v),
                         (((q | 0x5A << 56, 4096),), lambda v: v & ((1 << 56) - 1))]:
        check_iovec(_slot("process_madvise", (-10000 % M, 0x1000, len(pairs), 20, 0)),
                    4096, lambda _a, _n, p=pairs: _iov(*p), untag)


@pytest.mark.parametrize("pairs", [
    ((0x40_0000, 4096), (1 << 54, 4096)),                    # past TASK_SIZE_MAX
    ((0x40_0000, 4096), (0x40_0000, -4096 % M)),             # negative length
    ((0x40_0000 | 0x5A << 56, 4096),),                       # tagged, no tagged ABI
])
def test_iovec_refused(pairs: tuple[tuple[int, int], ...]) -> None:
    with pytest.raises(Refused):
        check_iovec(_slot("process_madvise", (-10000 % M, 0x1000, len(pairs), 20, 0)),
                    4096, lambda _a, _n: _iov(*pairs), lambda v: v)


def test_named_files() -> None:
    assert _named(OpenFile(path="/dev/null"))
    assert not _named(OpenFile(path="/proc/self/fd/3"))
    assert not _named(OpenFile(path="/dev/fd/3"))
    assert not _named(OpenFile(maker=NUMBERS["pidfd_open"]))
    assert not _named(None)
