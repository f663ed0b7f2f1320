"""first_failures.py and kind_stores.py (check `cut.answer_stores`), round 90b: registers
and descriptor kinds that fail Linux's first test store nothing whatever the answer,
-EFAULT and success included -- epoll_pwait(2)'s maxevents <= 0 or past EP_MAX_EVENTS
(do_epoll_wait()), newfstatat's flags outside vfs_statx()'s 0x7900 (without
AT_EMPTY_PATH), wait4's upid INT_MIN (kernel_wait4()), timer_settime's NULL new value,
sched_getaffinity's pid no task holds (find_process_by_pid()), a CPU clock of no task
(pid_for_clock()); a descriptor register no table holds (fdget()), a timerfd read below 8
bytes (timerfd_read()), any read of an epoll file (no FMODE_CAN_READ), pread64/preadv of a
pipe2() end (-ESPIPE), socket calls and getdents64 of a file opened by path, recvmsg's
MSG_CMSG_COMPAT (__sys_recvmsg()), a CLOCKFD id of a file that is no posix clock
(get_clock_desc()).  Each with its honest neighbour: where Linux may store, the answer's
store stays open (None)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import PIPE, SHMEM, UNREADABLE, stored
from guardian.kind_stores import EPOLL, TIMERFD, UNIX_DGRAM, finer_kind, kind_fd
from guardian.open_files import OpenFile

EINVAL, EFAULT = (1 << 64) - 22, (1 << 64) - 14
PAGE2 = 0x5500_8020_00
TS = 0x5500_9000_00
M = 1 << 64
ANY = (0, 16, EFAULT, EINVAL)


def _a(*regs: int) -> tuple[int, ...]:
    return regs + (0,) * (6 - len(regs))


#: (call, registers failing first, registers past the test)
FIRST = [
    ("epoll_pwait", (5, PAGE2, M - 1, 0, 0, 8), (5, PAGE2, 1, 0, 0, 8)),
    ("epoll_pwait", (5, PAGE2, 0, 0, 0, 8), (5, PAGE2, 0x7FF_FFFF, 0, 0, 8)),
    ("epoll_pwait2", (5, PAGE2, 0x800_0000, TS, 0, 8), (5, PAGE2, 0x1_0000_0001, TS, 0, 8)),
    ("newfstatat", (M - 100, TS, PAGE2, 1), (M - 100, TS, PAGE2, 0x7900 & ~0x1000)),
    ("newfstatat", (M - 100, TS, PAGE2, 0x8000), (M - 100, TS, PAGE2, 0x1000 | 1)),
    ("wait4", (0x8000_0000, PAGE2, 0, 0), (0x8000_0001, PAGE2, 0, 0)),
    ("timer_settime", (0, 0, 0, PAGE2), (0, 0, TS, PAGE2)),
    ("sched_getaffinity", (M - 1, 8, PAGE2), (0, 8, PAGE2)),
    ("sched_getaffinity", (0x40_0000, 8, PAGE2), (0x3F_FFFF, 8, PAGE2)),
    ("clock_gettime", (0x8000_0002, PAGE2), (M - 6, PAGE2)),     # (pid 0x0fffffff; pid 0)
    ("clock_getres", (0xFFFF_FFFF, PAGE2), (0xFFFF_FFF6, PAGE2)),  # (CPUCLOCK_WHICH 3; pid 1)
]


@pytest.mark.parametrize(("name", "fails", "passes"), FIRST)
def test_registers_failing_first_store_nothing(name: str, fails: tuple[int, ...],
                                               passes: tuple[int, ...]) -> None:
    for ret in ANY:
        assert stored(N[name], _a(*fails), ret) == [], hex(ret)
    assert stored(N[name], _a(*passes), EFAULT) != []   # (None, or a partial copy)


def test_finer_kind_names_timerfd_and_epoll() -> None:
    assert finer_kind(OpenFile(maker=N["timerfd_create"])) == TIMERFD
    assert finer_kind(OpenFile(maker=N["epoll_create1"])) == EPOLL


@pytest.mark.parametrize("name", ["read", "pread64", "getdents64", "recvfrom", "recvmsg",
                                  "getsockopt", "getsockname", "epoll_pwait", "ioctl",
                                  "timerfd_gettime"])
def test_a_descriptor_no_table_holds_stores_nothing(name: str) -> None:
    for fd in (M - 1, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFC0):
        for ret in ANY:
            assert stored(N[name], _a(fd, PAGE2, 4096, 0, 0, 8), ret, None) == [], hex(fd)
    # honest neighbour: a descriptor a table may hold
    assert stored(N[name], _a(0x7FFF_FFBF, PAGE2, 4096, 0, 0, 8), EFAULT, None) is None


def test_waitid_pidfd_no_table_keeps_its_siginfo() -> None:
    assert stored(N["waitid"], _a(3, M - 1, PAGE2, 4), EINVAL, None) == [(PAGE2, PAGE2 + 128)]


def test_timerfd_read_below_8_and_epoll_reads() -> None:
    for ret in ANY:
        assert stored(N["read"], _a(5, PAGE2, 7), ret, TIMERFD) == []
        assert stored(N["pread64"], _a(5, PAGE2, 7), ret, TIMERFD) == []
        for name in ("read", "pread64", "readv", "preadv", "preadv2"):
            assert stored(N[name], _a(5, PAGE2, 16), ret, EPOLL) == [], name
    # honest neighbour: 8 bytes is a tick count (timerfd_read()'s put_user())
    assert stored(N["read"], _a(5, PAGE2, 8), EFAULT, TIMERFD) is None


def test_pread_of_a_pipe_is_espipe() -> None:
    for ret in ANY:
        assert stored(N["pread64"], _a(5, PAGE2, 16, 0), ret, PIPE) == []
        assert stored(N["preadv"], _a(5, PAGE2, 1, 0), ret, PIPE) == []
        assert stored(N["preadv2"], _a(5, PAGE2, 1, 0, 0, 0), ret, PIPE) == []
    # honest neighbours: a pipe's read, and preadv2 at offset -1 (do_readv())
    assert stored(N["read"], _a(5, PAGE2, 16), EFAULT, PIPE) is None
    assert stored(N["preadv2"], _a(5, PAGE2, 1, M - 1, 0, 0), EFAULT, PIPE) is None


@pytest.mark.parametrize("name", ["recvfrom", "recvmsg", "recvmmsg", "getsockopt",
                                  "getdents64"])
def test_a_file_opened_by_path_is_no_socket_nor_directory(name: str) -> None:
    for kind in (UNREADABLE, TIMERFD, EPOLL):
        for ret in ANY:
            assert stored(N[name], _a(3, PAGE2, 16, 0, 0, 0), ret, kind) == [], kind
    # honest neighbour: a kind not known (a socket, a directory opened for reading)
    assert stored(N[name], _a(3, PAGE2, 4096, 0, 0, 0), EFAULT, None) is None


def test_recvmsg_cmsg_compat() -> None:
    for kind in (None, UNIX_DGRAM):
        for ret in ANY:
            assert stored(N["recvmsg"], _a(5, TS, 0x8000_0040), ret, kind) == []
    # honest neighbours: recvfrom's flags carry no MSG_CMSG_COMPAT test; recvmsg without it
    assert stored(N["recvfrom"], _a(5, PAGE2, 16, 0x8000_0040), EFAULT, None) is None
    assert stored(N["recvmsg"], _a(5, TS, 0x40), EFAULT, UNIX_DGRAM) is None


def test_dgram_msg_oob_stays_open() -> None:
    """Honest: a socket a privileged process put in a sockmap takes MSG_OOB
    (unix_bpf_recvmsg() -> sk_msg_recvmsg() copies a redirected message)."""
    assert stored(N["recvfrom"], _a(5, PAGE2, 16, 0x41), EFAULT, UNIX_DGRAM) is None
    assert stored(N["recvmsg"], _a(5, TS, 0x41), EFAULT, UNIX_DGRAM) is None


def test_clockfd_of_no_posix_clock() -> None:
    memfd = (~3 << 3 | 3) & 0xFFFF_FFFF          # FD_TO_CLOCKID(3)
    assert kind_fd(N["clock_gettime"], _a(memfd, PAGE2)) == 3
    assert kind_fd(N["clock_gettime"], _a(1, PAGE2)) is None
    assert kind_fd(N["clock_gettime"], _a(0x8000_0002, PAGE2)) is None
    for name in ("clock_gettime", "clock_getres"):
        for kind in (SHMEM, PIPE, TIMERFD, EPOLL, UNIX_DGRAM):
            for ret in ANY:
                assert stored(N[name], _a(memfd, PAGE2), ret, kind) == [], kind
        # honest neighbour: a file opened by path may be /dev/ptp*
        assert stored(N[name], _a(memfd, PAGE2), EFAULT, UNREADABLE) is None
