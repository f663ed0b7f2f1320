"""return.perf_event_args, return.process_madvise_iovec and return.descriptor_kind
(guardian/perf_args.py, guardian/madvise_iovec.py, guardian/fd_kind_answer.py)."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.fd_kind_answer import check as check_kind
from guardian.fd_kind_answer import named
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
    assert named(OpenFile(path="/dev/null"))
    assert not named(OpenFile(path="/proc/self/fd/3"))
    assert not named(OpenFile(path="/dev/fd/3"))
    assert not named(OpenFile(maker=NUMBERS["pidfd_open"]))
    assert not named(None)


def test_a_lone_iovec_is_cut_before_access_ok() -> None:
    # 6.4+: __import_iovec_ubuf() -> import_ubuf() cuts the length at MAX_RW_COUNT first
    check_iovec(_slot("process_madvise", (-10000 % M, 0x1000, 1, 20, 0)), 0x7FFF_F000,
                lambda _a, _n: _iov((0x40_0000, 1 << 62)), lambda v: v)
    with pytest.raises(Refused):
        check_iovec(_slot("process_madvise", (-10000 % M, 0x1000, 1, 20, 0)), 4096,
                    lambda _a, _n: _iov((1 << 54, 4096)), lambda v: v)


class _Files:
    """A caller (thread 2) whose table unshare(CLONE_FILES) made: not its leader's."""

    def __init__(self, leader: bool) -> None:
        from guardian.fd_names import Reach
        from guardian.open_files import FileTable
        self.table = FileTable(pids={100}, free={5: 0})
        self.tables = {(1, 2): self.table}
        self.reached = Reach(leader=leader)
        self.may_pass = False           # (no sendmsg succeeded)
        self.sent_files: set[object] = set()
        self.exec_tables: list[object] = []
        self.exec_kept: set[object] = set()
        self.admission = SimpleNamespace(registry=SimpleNamespace(slots={}, dying=set()))

    def live_descriptions(self) -> dict[int, object]:
        return {id(f.description): f.description for f in self.table.fds.values()}

    def steady(self, _slot: Slot) -> bool:
        return True

    def open_file(self, _slot: Slot, fd: int) -> OpenFile | None:
        return self.table.fds.get(fd)

    def reach(self, _slot: Slot) -> object:
        return self.reached

    def pidfd_pid(self, _slot: Slot, _fd: int) -> int:
        return 100


def test_numbers_a_pid_names_are_the_leaders() -> None:
    """kcmp(pid, pid, KCMP_FILE, 5, 5) and pidfd_getfd(pidfd_open(pid), 5) look number 5
    up in the thread group leader's table: a thread that unshared and closed its own 5
    proves nothing of it."""

    kcmp = Slot(9, 1, None, 0, NUMBERS["kcmp"], (100, 100, 0, 5, 5), 1, 2)
    getfd = Slot(9, 1, None, 0, NUMBERS["pidfd_getfd"], (7, 5, 0), 1, 2)
    for slot, ret in ((kcmp, 0), (getfd, 8)):
        check_kind(_Files(leader=False), slot, ret, 100, True,  # type: ignore[arg-type]
                   lambda _a, _n: None)
        with pytest.raises(Refused):
            check_kind(_Files(leader=True), slot, ret, 100, True,  # type: ignore[arg-type]
                       lambda _a, _n: None)


def test_an_epoll_that_may_hold_a_registration_is_not_empty() -> None:
    """An epoll whose registration the Guardian dropped as released (the target file still
    held by an mmap: eventpoll_release() runs at __fput() alone) may find it: kcmp's
    ep_find_tfd() matches the number it was added under."""
    from guardian.confidential_events import EpollInstance
    files = _Files(leader=True)
    ep = EpollInstance()
    files.table.fds[4] = OpenFile(maker=NUMBERS["epoll_create1"], events=ep)
    files.table.fds[3] = OpenFile(path="/tmp/x")
    slot = Slot(9, 1, None, 0, NUMBERS["kcmp"], (100, 100, 7, 3, 0x5000), 1, 2)
    raw = struct.pack("<III", 4, 9, 0)
    with pytest.raises(Refused):
        check_kind(files, slot, 0, 100, True, lambda _a, _n: raw)  # type: ignore[arg-type]
    ep.unsure = True
    check_kind(files, slot, 0, 100, True, lambda _a, _n: raw)      # type: ignore[arg-type]
