"""answer_stores.stored() after round 85b: the store-then-fail calls' first failing
tests, capget's header, copy_file_range's default, FUTEX_WAKE_OP's unknown comparison."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import stored

EINVAL, ENOSYS, EFAULT = (1 << 64) - 22, (1 << 64) - 38, (1 << 64) - 14
ENOMEM, EAGAIN = (1 << 64) - 12, (1 << 64) - 11
PAGE2 = 0x5500_8020_00


def test_socketpair_unknown_type_flag_stores_nothing() -> None:
    """__sys_socketpair(): an unknown type flag fails before the fds' put_user()s."""
    args = (1, 2 | 0x10, 0, PAGE2, 0, 0)
    assert stored(N["socketpair"], args, EINVAL) == []
    assert stored(N["socketpair"], args, EFAULT) == []


def test_socketpair_known_flags_stays_open() -> None:
    """Honest neighbour: SOCK_CLOEXEC | SOCK_NONBLOCK pass; an error may follow the fds."""
    args = (1, 2 | 0o2000000 | 0o4000, 0, PAGE2, 0, 0)
    assert stored(N["socketpair"], args, EAGAIN) is None


def test_timer_create_clock_past_timer_clocks_stores_nothing() -> None:
    """do_timer_create(): no kclock from MAX_CLOCKS (clock_aux: no ->timer_create)."""
    assert stored(N["timer_create"], (16, 0, PAGE2, 0, 0, 0), EINVAL) == []
    assert stored(N["timer_create"], (10, 0, PAGE2, 0, 0, 0), 0) == []


def test_timer_create_known_clock_stays_open() -> None:
    """Honest neighbour: CLOCK_MONOTONIC may store the id, then fail."""
    assert stored(N["timer_create"], (1, 0, PAGE2, 0, 0, 0), EINVAL) is None
    assert stored(N["timer_create"], ((1 << 64) - 2, 0, PAGE2, 0, 0, 0), EINVAL) is None


def test_capget_error_stores_only_the_header_version() -> None:
    """cap_validate_magic() stores the version, then -EINVAL; the data never."""
    head = 0x4920_00
    assert stored(N["capget"], (head, PAGE2, 0, 0, 0, 0), EINVAL) == [(head, head + 4)]
    assert stored(N["capget"], (head, PAGE2, 0, 0, 0, 0), EFAULT) is None
    assert stored(N["capget"], (head, PAGE2, 0, 0, 0, 0), 0) is None


def test_copy_file_range_error_stores_nothing() -> None:
    """SYSCALL_DEFINE6(copy_file_range): the offsets are stored only for ret > 0."""
    # flags 0: non-zero flags fail vfs_copy_file_range() first (first_failures.py)
    args = (4, PAGE2, 4, 0, 16, 0)
    assert stored(N["copy_file_range"], args, EINVAL) == []
    assert stored(N["copy_file_range"], args, 16) is None
    assert stored(N["copy_file_range"], args, EFAULT) is None


def test_wake_op_unknown_cmp_stored_the_word() -> None:
    """futex_atomic_op_inuser(): a known op stores, then an unknown cmp answers -ENOSYS."""
    args = (0x1000, 5 | 128, 1, 1, PAGE2, (1 << 28) | (7 << 24))
    assert stored(N["futex"], args, ENOSYS) == [(PAGE2, PAGE2 + 4)]


def test_wake_op_known_cmp_error_stores_nothing() -> None:
    """Honest neighbour kept: a known op and cmp fail only before the op (-EINVAL)."""
    args = (0x1001, 5 | 128, 1, 1, PAGE2, (1 << 28) | (5 << 24))
    assert stored(N["futex"], args, EINVAL) == []
    assert stored(N["futex"], args, ENOMEM) == []


def test_check_refuses_and_passes_at_the_page() -> None:
    """The whole check: the page refaulted writable under the grant alone, then the
    answer -- refused where Linux stored nothing there, passed where it may have."""
    from guardian.checks import Refused
    from tests.test_answer_stores_r84b import PAGE2 as P2
    from tests.test_answer_stores_r84b import _run, _slot
    for nr, args in ((N["capget"], (0x1000, P2)), (N["socketpair"], (1, 2 | 0x10, 0, P2)),
                     (N["timer_create"], (16, 0, P2)), (N["copy_file_range"], (4, P2, 4, 0, 16, 1))):
        with pytest.raises(Refused, match="cut.answer_stores"):
            _run(_slot(nr, args), -22)
    _run(_slot(N["capget"], (P2, 0x1000)), -22)
    _run(_slot(N["futex"], (0x1000, 0x85, 1, 1, P2, (1 << 28) | (7 << 24))), -38)


def test_vector_reads_judged_as_read() -> None:
    """vfs_readv() -> do_iter_read(): FMODE_READ first; shmem answers an error or 0
    only with nothing copied -- with the honest neighbours (a count, an unknown file)."""
    from guardian.answer_stores import PIPE, SHMEM, UNREADABLE
    EBADF = (1 << 64) - 9
    for nr in (N["readv"], N["preadv"]):
        args = (3, 0x4000, 1, 0, 0, 0)
        assert stored(nr, args, EBADF, UNREADABLE) == []
        assert stored(nr, args, EAGAIN, PIPE) == []
        assert stored(nr, args, 0, SHMEM) == []
        assert stored(nr, args, EFAULT, SHMEM) == []
        assert stored(nr, args, 16, SHMEM) is None
        assert stored(nr, args, EAGAIN, None) is None
        assert stored(nr, args, 0, None) is None


def test_unsized_outputs_error_stores_nothing() -> None:
    """getsockname/accept4 (move_addr_to_user() last), process_vm_readv (an error only
    with nothing copied): an error but -EFAULT stored nothing; -EFAULT, a count stay open."""
    for nr, err in ((N["getsockname"], 88), (N["accept4"], 95),
                    (N["process_vm_readv"], 3)):
        args = (4, PAGE2, 0x4000, 0, 0, 0)
        assert stored(nr, args, (1 << 64) - err) == []
        assert stored(nr, args, EFAULT) is None
    assert stored(N["accept4"], (4, PAGE2, 0x4000, 0, 0, 0), 5) is None
    assert stored(N["recvfrom"], (4, PAGE2, 16, 64, 0, 0), EAGAIN) is None


def test_sched_getaffinity_efault_within_cpumask_size() -> None:
    """SYSCALL_DEFINE3(sched_getaffinity): one copy of min(len, cpumask_size()) bytes:
    a -EFAULT stored nothing past 512 bytes (NR_CPUS / 8 under arm64's ceiling 4096);
    honest neighbour: a -EFAULT within the span may have stored there."""
    buf = PAGE2 - 1024
    assert stored(N["sched_getaffinity"], (0, 4096, buf, 0, 0, 0), EFAULT) == \
        [(buf, buf + 512)]
    assert stored(N["sched_getaffinity"], (0, 16, buf, 0, 0, 0), EFAULT) == \
        [(buf, buf + 16)]
    from guardian.checks import Refused
    from tests.test_answer_stores_r84b import PAGE2 as P2
    from tests.test_answer_stores_r84b import _run, _slot
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(_slot(N["sched_getaffinity"], (0, 4096, P2 - 1024)), -14)
    _run(_slot(N["sched_getaffinity"], (0, 4096, P2 - 32)), -14)


def test_sched_getaffinity_efault_of_a_4096_cpu_kernel_passes() -> None:
    """A Linux answer, once refused: a kernel built with NR_CPUS 4096 (arm64's
    Kconfig ceiling; RHEL/Fedora aarch64) has cpumask_size() 512 before 6.9 whatever the
    CPUs present: sched_getaffinity(0, 4096, page 2 - 256) copies 512 bytes, 256 of them
    into page 2 (its write fault opens it), and answers -EFAULT where another thread's
    mprotect(PROT_READ) of page 2 made the retried store fault."""
    from tests.test_answer_stores_r84b import PAGE2 as P2
    from tests.test_answer_stores_r84b import _run, _slot
    _run(_slot(N["sched_getaffinity"], (0, 4096, P2 - 256)), -14)
