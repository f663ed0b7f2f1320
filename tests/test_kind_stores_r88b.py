"""kind_stores.py (round 88b): descriptor kinds with no such operation store nothing.

finer_kind() names an O_PATH descriptor (fdget()/fdget_pos() -EBADF), a pipe2() write end
(vfs_read(): no FMODE_READ), an eventfd (eventfd_read(): -EINVAL below 8 bytes) and a
signalfd (signalfd_read_iter(): -EINVAL below 128 bytes); NO_OPERATION gains
recvfrom/recvmsg/recvmmsg (-ENOTSOCK: sockfd_lookup_light()), epoll_pwait(2) (-EINVAL:
do_epoll_wait()'s is_file_epoll()) and getdents64 (-ENOTDIR: iterate_dir()) of those
files and a memfd.  Each rule with its honest neighbour: the answer Linux can give with a
store stays open (None)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS as N
from guardian import kind_stores
from guardian.answer_stores import SHMEM, read_kind, stored
from guardian.kind_stores import EVENTFD, PATH, PIPE_WRITE, SIGNALFD, UNIX_DGRAM, finer_kind
from guardian.open_files import OpenFile

PAGE2 = 0x5500_8020_00
EFAULT, EINTR, EINVAL = ((1 << 64) - e for e in (14, 4, 22))
ANSWERS = (EFAULT, EINTR, EINVAL, 0, 8, 16)


def _a(*regs: int) -> tuple[int, ...]:
    return regs + (0,) * (6 - len(regs))


def test_finer_kind_names_what_the_program_made() -> None:
    assert finer_kind(OpenFile("/dev/null", path_only=True)) == PATH
    assert finer_kind(OpenFile(maker=N["pipe2"], access=1)) == PIPE_WRITE
    assert finer_kind(OpenFile(maker=N["pipe2"], access=0)) is None     # (read end: PIPE)
    assert finer_kind(OpenFile(maker=N["eventfd2"], access=2)) == EVENTFD
    assert finer_kind(OpenFile(maker=N["signalfd4"])) == SIGNALFD
    assert finer_kind(OpenFile("/etc/passwd", access=0)) is None
    assert finer_kind(OpenFile(maker=N["timerfd_create"])) == "timerfd"   # (round 90b)


def test_read_kind_asks_finer_kind_only_with_the_table_steady() -> None:
    efd = OpenFile(maker=N["eventfd2"], access=2)
    files = SimpleNamespace(lockable_memfd=lambda slot, fd: False,
                            open_file=lambda slot, fd: efd, steady=lambda slot: True)
    assert read_kind(files, None, 5) == EVENTFD  # type: ignore[arg-type]
    files.steady = lambda slot: False
    assert read_kind(files, None, 5) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["recvfrom", "recvmsg", "recvmmsg"])
def test_recv_of_no_socket_stores_nothing(name: str) -> None:
    for kind in (SHMEM, PIPE_WRITE, EVENTFD, SIGNALFD, PATH):
        for ret in ANSWERS:
            assert stored(N[name], _a(4, PAGE2, 16), ret, kind) == [], (kind, hex(ret))


def test_recvfrom_of_a_datagram_socket_stays_open() -> None:
    """Honest neighbour: a socket's recvfrom stores its datagram."""
    assert stored(N["recvfrom"], _a(4, PAGE2, 16), EFAULT, UNIX_DGRAM) is None
    assert stored(N["recvfrom"], _a(4, PAGE2, 16), EFAULT, None) is None


@pytest.mark.parametrize("name", ["epoll_pwait", "epoll_pwait2", "getdents64"])
def test_no_epoll_or_directory_stores_nothing(name: str) -> None:
    for kind in (SHMEM, PIPE_WRITE, EVENTFD, SIGNALFD, UNIX_DGRAM, PATH):
        for ret in ANSWERS:
            assert stored(N[name], _a(4, PAGE2, 1, 0, 0, 8), ret, kind) == [], kind
    # honest neighbour: an unknown descriptor (an epoll, a directory) stores its count
    # (a getdents64 count of 64: below 24 fails filldir64() first, first_failures.py)
    assert stored(N[name], _a(4, PAGE2, 64, 0, 0, 8), 1, None) not in (None, [])
    assert stored(N[name], _a(4, PAGE2, 64, 0, 0, 8), EFAULT, None) is None


def test_o_path_ioctl_stores_nothing_whatever_the_command() -> None:
    for cmd in (0x5401, 0x541B, 0x80086601):
        assert stored(N["ioctl"], _a(4, cmd, PAGE2), EFAULT, PATH) == []
    # honest neighbour: a memfd's ioctl other than TCGETS, an unknown file's TCGETS
    assert stored(N["ioctl"], _a(4, 0x541B, PAGE2), EFAULT, SHMEM) is None
    assert stored(N["ioctl"], _a(4, 0x5401, PAGE2), EFAULT, None) is None


@pytest.mark.parametrize("name", ["read", "pread64", "readv", "preadv", "preadv2"])
def test_pipe_write_end_and_o_path_reads_store_nothing(name: str) -> None:
    for kind in (PIPE_WRITE, PATH):
        for ret in ANSWERS:
            assert stored(N[name], _a(4, PAGE2, 16), ret, kind) == [], (kind, hex(ret))


@pytest.mark.parametrize(("kind", "least"), [(EVENTFD, 8), (SIGNALFD, 128)])
@pytest.mark.parametrize("name", ["read", "pread64"])
def test_counter_reads_below_their_least_count_store_nothing(kind: str, least: int,
                                                             name: str) -> None:
    for ret in ANSWERS:
        assert stored(N[name], _a(4, PAGE2, least - 1), ret, kind) == []
    # honest neighbour: a read of the least count may store it, then fault
    assert stored(N[name], _a(4, PAGE2, least), EFAULT, kind) is None
    assert stored(N["readv"], _a(4, PAGE2, 1), EFAULT, kind) is None


def test_the_other_kind_calls_take_the_new_kinds() -> None:
    for nr in (N["timerfd_gettime"], N["mq_timedreceive"], N["getsockopt"], N["accept4"]):
        for kind in (PATH, PIPE_WRITE, EVENTFD, SIGNALFD):
            assert kind_stores.stored(nr, _a(4, PAGE2, 0, PAGE2, PAGE2), EFAULT, kind) == []
