"""answer_stores.stored() after round 86b (AM-001..018): clocks with no timer or sleep,
splice's length 0, flags and errors, copy_file_range's 0, waitid's rusage, preadv2's
flags and descriptor, ppoll's sigsetsize, recvmmsg's timeout -- each with its honest
neighbour (an answer Linux may give after a store stays open)."""

from __future__ import annotations

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import SHMEM, UNREADABLE, stored

EINVAL, EFAULT, EBADF = (1 << 64) - 22, (1 << 64) - 14, (1 << 64) - 9
EOPNOTSUPP, ECHILD, EAGAIN = (1 << 64) - 95, (1 << 64) - 10, (1 << 64) - 11
PAGE2 = 0x5500_8020_00
M = 1 << 64


def test_timer_create_clock_without_timer_stores_nothing() -> None:
    """do_timer_create(): clock_monotonic_raw and the coarse clocks (4..6) and a CLOCKFD
    id (clock_posix_dynamic) have no ->timer_create: -EOPNOTSUPP first."""
    for cid in (4, 5, 6, M - 37):
        assert stored(N["timer_create"], (cid, 0, PAGE2, 0, 0, 0), EOPNOTSUPP) == []


def test_timer_create_cpu_clock_stays_open() -> None:
    """Honest neighbour: a CPU-time clock id (low bits not CLOCKFD) has ->timer_create;
    CLOCK_THREAD_CPUTIME_ID too."""
    for cid in (3, M - 2, M - 6):
        assert stored(N["timer_create"], (cid, 0, PAGE2, 0, 0, 0), EINVAL) is None


def test_clock_nanosleep_clock_without_nsleep_stores_nothing() -> None:
    """SYSCALL_DEFINE4(clock_nanosleep): `if (!kc->nsleep) return -EOPNOTSUPP;` first."""
    for cid in (3, 4, 6, 10, 16, M - 37):
        assert stored(N["clock_nanosleep"], (cid, 0, 0x1000, PAGE2, 0, 0), 0) == []


def test_clock_nanosleep_sleeping_clock_stays_open() -> None:
    """Honest neighbour: CLOCK_MONOTONIC's -EINTR (nanosleep_copyout() stored rem), and
    its 0 (a restarted sleep may have stored it first) stay open."""
    for ret in (M - 4, 0):
        assert stored(N["clock_nanosleep"], (1, 0, 0x1000, PAGE2, 0, 0), ret) is None
    assert stored(N["nanosleep"], (0x1000, PAGE2, 0, 0, 0, 0), 0) is None


def test_splice_length_zero_flags_and_errors_store_nothing() -> None:
    """SYSCALL_DEFINE6(splice): `if (!len) return 0;`, flags past SPLICE_F_ALL; and
    __do_splice() stores the offsets only for ret >= 0."""
    assert stored(N["splice"], (4, PAGE2, 6, 0, 0, 0), 0) == []
    assert stored(N["splice"], (4, PAGE2, 6, 0, 16, 0x100), EINVAL) == []
    assert stored(N["splice"], (4, PAGE2, 4, 0, 16, 0), EINVAL) == []


def test_splice_moved_or_fault_stays_open() -> None:
    """Honest neighbour: a count (or 0 with a length: EOF) stored the offset; -EFAULT
    may follow it."""
    args = (4, PAGE2, 6, 0, 16, 0)
    assert stored(N["splice"], args, 0) is None
    assert stored(N["splice"], args, 16) is None
    assert stored(N["splice"], args, EFAULT) is None


def test_copy_file_range_zero_stores_nothing() -> None:
    """SYSCALL_DEFINE6(copy_file_range): the offsets only `if (ret > 0)`."""
    assert stored(N["copy_file_range"], (4, PAGE2, 4, 0, 0, 0), 0) == []
    assert stored(N["copy_file_range"], (4, PAGE2, 4, 0, 16, 0), 16) is None


def test_waitid_error_stores_at_most_the_siginfo() -> None:
    """SYSCALL_DEFINE5(waitid): rusage only `if (err > 0)`; infop on every answer."""
    assert stored(N["waitid"], (0, 0, 0, 5, PAGE2, 0), ECHILD) == []
    assert stored(N["waitid"], (3, 4, 0, 5, PAGE2, 0), EBADF) == []
    assert stored(N["waitid"], (0, 0, 0x1000, 5, PAGE2, 0), ECHILD) == [(0x1000, 0x1080)]
    # options without WEXITED | WSTOPPED | WCONTINUED fail first: any answer
    assert stored(N["waitid"], (0, 0, 0, 0, PAGE2, 0), 0) == []


def test_waitid_reap_or_fault_stays_open() -> None:
    """Honest neighbour: 0 may be a reaped child's (rusage copied); -EFAULT may follow
    a partial copy."""
    assert stored(N["waitid"], (0, 0, 0, 5, PAGE2, 0), 0) is None
    assert stored(N["waitid"], (0, 0, 0, 5, PAGE2, 0), EFAULT) is None


def test_preadv2_flags_and_unreadable_store_nothing() -> None:
    """kiocb_set_rw_flags(): flags past RWF_SUPPORTED; vfs_readv(): FMODE_READ first."""
    assert stored(N["preadv2"], (4, 0x1000, 1, 0, 0, 0x1000), EOPNOTSUPP) == []
    assert stored(N["preadv2"], (3, 0x1000, 1, M - 1, 0, 0), EBADF, UNREADABLE) == []


def test_preadv2_known_flags_stay_open() -> None:
    """Honest neighbour: RWF_NOSIGNAL (6.15+) is a known flag; another file's error may
    follow a pinned buffer (fuse_direct_io())."""
    assert stored(N["preadv2"], (4, 0x1000, 1, 0, 0, 0x100), EOPNOTSUPP) is None
    assert stored(N["preadv2"], (3, 0x1000, 1, 0, 0, 0), EBADF) is None


def test_ppoll_sigsetsize_stores_nothing() -> None:
    """set_user_sigmask(): a non-NULL sigmask with sigsetsize != 8, -EINVAL first."""
    assert stored(N["ppoll"], (0, 0, PAGE2, 0x2000, 16, 0), EINVAL) == []


def test_ppoll_good_sigsetsize_stays_open() -> None:
    """Honest neighbour: poll_select_finish() stores the time left on every answer."""
    assert stored(N["ppoll"], (0, 0, PAGE2, 0x2000, 8, 0), EINVAL) is None
    assert stored(N["ppoll"], (0, 0, PAGE2, 0, 16, 0), EINVAL) is None


def test_recvmmsg_no_datagram_stores_no_timeout() -> None:
    """__sys_recvmmsg(): `if (datagrams <= 0) return datagrams;` before the timeout's
    put_timespec64(); the messages' grants stay."""
    caps = [(0x3000, 0x3040, 2), (PAGE2, PAGE2 + 16, 3)]
    args = (5, 0x3000, 1, 0x40, PAGE2, 0)
    assert stored(N["recvmmsg"], args, EINVAL, caps=caps) == [(0x3000, 0x3040)]
    assert stored(N["recvmmsg"], args, 0, caps=caps) == [(0x3000, 0x3040)]


def test_recvmmsg_datagrams_or_fault_stay_open() -> None:
    """Honest neighbour: datagrams > 0 wrote the time left; -EFAULT may follow it."""
    caps = [(PAGE2, PAGE2 + 16, 3)]
    args = (5, 0x3000, 1, 0x40, PAGE2, 0)
    assert stored(N["recvmmsg"], args, 1, caps=caps) is None
    assert stored(N["recvmmsg"], args, EFAULT, caps=caps) is None


def test_tcgets_on_a_shmem_memfd_stores_nothing() -> None:
    """vfs_ioctl(): shmem_file_operations has no ->unlocked_ioctl: -ENOTTY, nothing
    stored whatever the answer."""
    assert stored(N["ioctl"], (4, 0x5401, PAGE2, 0, 0, 0), (1 << 64) - 25, SHMEM) == []
    assert stored(N["ioctl"], (4, 0x5401, PAGE2, 0, 0, 0), 0, SHMEM) == []


def test_tcgets_elsewhere_stays_open() -> None:
    """Honest neighbour: a descriptor not known as a shmem memfd (a tty may store the
    termios), or another command on the memfd (FIONREAD ...), stays open."""
    assert stored(N["ioctl"], (0, 0x5401, PAGE2, 0, 0, 0), 0) is None
    assert stored(N["ioctl"], (4, 0x541B, PAGE2, 0, 0, 0), 0, SHMEM) is None
