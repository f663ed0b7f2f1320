"""answer_stores.stored() after round 87b (AP-101..138): registers that fail Linux's
first test (guardian/first_failures.py: sched_getattr, msgrcv, get_mempolicy, getgroups,
getrusage, pipe2, sched_getaffinity, getcwd, process_vm_readv) and descriptors whose
kind has no such operation (guardian/kind_stores.py: timerfd_gettime, mq_timedreceive,
getsockopt, waitid(P_PIDFD), accept4, a read of an unreadable file) store nothing
whatever the answer (a read of an unreadable file: its -EFAULT), -EFAULT and success
included -- each with its honest neighbour
(registers or a kind past the test: the answer Linux gives after a store stays open)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import PIPE, SHMEM, UNREADABLE, stored
from guardian.answer_stores import check as check_answer
from guardian.checks import Refused
from guardian.early_errors import refused_as_passed
from guardian.kind_stores import UNIX_DGRAM
from guardian.slots import Slot

EINVAL, EFAULT, EBADF = (1 << 64) - 22, (1 << 64) - 14, (1 << 64) - 9
PAGE2 = 0x5500_8020_00
M = 1 << 64
ANY = (0, 16, EFAULT, EINVAL)
ERRORS = (EFAULT,)

#: (call, registers failing first, registers past the test, an answer that may follow
#: a store for the latter)
FIRST = [
    ("sched_getattr", (0, PAGE2, 16, 0), (0, PAGE2, 48, 0), EFAULT),
    ("sched_getattr", (M - 1, PAGE2, 48, 0), (0, PAGE2, 4096, 0), 0),
    ("sched_getattr", (0, PAGE2, 48, 1), (0, PAGE2, 48, 0), 0),
    ("sched_getattr", (0, PAGE2, 0x20000, 0), (0, PAGE2, 0x10000, 0), 0),
    ("msgrcv", (M - 1, PAGE2, 16, 0, 0o4000), (0, PAGE2, 16, 0, 0o4000), 16),
    ("msgrcv", (0, PAGE2, M - 1, 0, 0o4000), (0, PAGE2, 16, 0, 0o4000), EFAULT),
    ("get_mempolicy", (PAGE2, 0, 0, 0, 0x100), (PAGE2, 0, 0, 0, 4), 0),
    ("getgroups", (M - 1, PAGE2), (4, PAGE2), 0),
    ("getrusage", (5, PAGE2), (M - 1, PAGE2), 0),
    ("pipe2", (PAGE2, 1), (PAGE2, 0o2000000 | 0o200000), 0),
    ("sched_getaffinity", (0, 4, PAGE2), (0, 8, PAGE2), EFAULT),
    ("getcwd", (PAGE2, 1), (PAGE2, 2), EFAULT),
    ("process_vm_readv", (0x3FFF_FFFF, PAGE2, 1, PAGE2, 1, 0),
     (0x3F_FFFF, PAGE2, 1, PAGE2, 1, 0), 16),
    ("process_vm_readv", (1, PAGE2, 1, PAGE2, 1, 1), (1, PAGE2, 1, PAGE2, 1, 0), 16),
]


@pytest.mark.parametrize(("name", "fails", "honest", "ret"), FIRST)
def test_registers_failing_first_store_nothing(name: str, fails: tuple[int, ...],
                                               honest: tuple[int, ...], ret: int) -> None:
    args = fails + (0,) * (6 - len(fails))
    for answer in ANY:
        assert stored(N[name], args, answer) == [], (name, answer)
    # honest neighbour: past the first test, the answer may follow a store
    assert stored(N[name], honest + (0,) * (6 - len(honest)), ret) != []


#: (call, registers, the kinds with no such operation, a kind past the test)
KINDS = [
    ("timerfd_gettime", (4, PAGE2), (SHMEM, PIPE, UNIX_DGRAM), None),
    ("mq_timedreceive", (4, PAGE2, 16, 0, 0), (SHMEM, PIPE, UNIX_DGRAM), None),
    ("getsockopt", (4, 1, 3, PAGE2, PAGE2 + 8), (SHMEM, PIPE), UNIX_DGRAM),
    ("accept4", (4, PAGE2, PAGE2 + 64, 0), (UNIX_DGRAM,), None),
    ("preadv2", (4, PAGE2, 1, M - 1, 0, 0), (UNREADABLE,), None),
    ("read", (4, PAGE2, 16), (UNREADABLE,), PIPE),
]


@pytest.mark.parametrize(("name", "regs", "kinds", "honest"), KINDS)
def test_kind_without_the_operation_stores_nothing(name: str, regs: tuple[int, ...],
                                                   kinds: tuple[str, ...],
                                                   honest: str | None) -> None:
    args = regs + (0,) * (6 - len(regs))
    for kind in kinds:
        for answer in ERRORS if kind == UNREADABLE else ANY:
            assert stored(N[name], args, answer, kind) == [], (name, kind, answer)
    # honest neighbour: a descriptor not known (or of a kind with the operation) may
    # have stored before -EFAULT
    assert stored(N[name], args, EFAULT, honest) is None


def test_waitid_pidfd_of_a_memfd_stores_at_most_its_siginfo() -> None:
    """pidfd_get_pid(): the memfd is no pidfd, -EBADF -- the rusage (page 2) is never
    copied; SYSCALL_DEFINE5(waitid) still stores infop on every answer."""
    for answer in ANY:
        assert stored(N["waitid"], (3, 4, 0, 5, PAGE2, 0), answer, SHMEM) == []
        assert stored(N["waitid"], (3, 4, 0x1000, 5, PAGE2, 0), answer, SHMEM) == \
            [(0x1000, 0x1000 + 128)]


def test_waitid_of_a_pidfd_or_another_which_stays_open() -> None:
    """Honest neighbour: a descriptor not known to be other than a pidfd: a 0 may be a
    reaped child with its rusage stored."""
    assert stored(N["waitid"], (3, 4, 0, 5, PAGE2, 0), 0, None) is None
    assert stored(N["waitid"], (0, 0, 0, 5, PAGE2, 0), 0, None) is None


def test_unrelated_call_not_judged() -> None:
    """A call the rules are not about pays nothing: no range, whatever its kind."""
    assert stored(N["getpid"], (0,) * 6, 0, SHMEM) is None


def _poll_slot(nr: int, args: tuple[int, ...], asked: bytes) -> Slot:
    slot = Slot(id=50, domain=1, saved=None, elr=0, nr=nr, args=args, root=0x4000_0000,
                thread=0)
    slot.asked[PAGE2] = asked
    slot.opened = (PAGE2,)
    return slot


INVALID_TS = b"\0" * 8 + b"x" * 8           # tv_nsec 'xxxxxxxx': past NSEC_PER_SEC
VALID_TS = b"\0" * 8 + (5).to_bytes(8, "little")
POLLS = [(N["ppoll"], (0, 0, PAGE2, 0, 8, 0)), (N["pselect6"], (0, 0, 0, 0, PAGE2, 0))]


@pytest.mark.parametrize(("nr", "args"), POLLS)
def test_poll_timeout_refused_as_passed_stores_nothing(nr: int, args: tuple[int, ...]) -> None:
    """SYSCALL_DEFINE5(ppoll) / do_pselect(): poll_select_set_timeout() -EINVAL first,
    before poll_select_finish() stores a time left: any answer, where the timeout lay
    quiet, leaves page 2 unstored (AP-108, AP-109, AK-018, AK-022)."""
    slot = _poll_slot(nr, args, INVALID_TS)
    assert refused_as_passed(slot)
    for ret in (0, (1 << 64) - 4, EFAULT):
        with pytest.raises(Refused):
            check_answer(slot, ret, lambda fd: None, lambda: True)


@pytest.mark.parametrize(("nr", "args"), POLLS)
def test_poll_valid_or_unquiet_timeout_stays_open(nr: int, args: tuple[int, ...]) -> None:
    """Honest neighbours: a valid timeout's -EINTR or 0 stored the time left; an invalid
    one not quiet through the call (another thread may have made it valid before
    get_timespec64()) is not judged."""
    valid = _poll_slot(nr, args, VALID_TS)
    assert not refused_as_passed(valid)
    for ret in (0, (1 << 64) - 4):
        check_answer(valid, ret, lambda fd: None, lambda: refused_as_passed(valid))
        check_answer(_poll_slot(nr, args, INVALID_TS), ret, lambda fd: None, lambda: False)
