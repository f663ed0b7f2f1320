"""guardian/first_failures.py (check `cut.answer_stores`), round 89b: registers that fail
Linux's first test store nothing whatever the answer, -EFAULT and success included --
getdents64's count below filldir64()'s smallest record (24), readlinkat's bufsiz <= 0 as
an int (do_readlinkat()), rt_sigtimedwait's sigsetsize != 8, wait4's options outside
kernel_wait4()'s set, statx's flags outside vfs_statx()'s (0x7900), timer_gettime's and
timer_settime's negative id (lock_timer()), setitimer's which past ITIMER_PROF
(do_setitimer()), timerfd_settime's flags past TFD_SETTIME_FLAGS, epoll_pwait(2)'s
non-NULL mask with sigsetsize != 8 (set_user_sigmask()), copy_file_range's non-zero flags
(vfs_copy_file_range()), getrlimit's resource >= RLIM_NLIMITS (do_prlimit()), accept4's
flags past SOCK_CLOEXEC | SOCK_NONBLOCK (__sys_accept4_file()), pselect6's negative n
(core_sys_select()) and ppoll's nfds past sysctl_nr_open_max (do_sys_poll()), both with
no timespec (poll_select_finish() stores at it otherwise).  Each with its honest
neighbour: registers past the test keep the answer's store open."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import stored
from guardian.first_failures import fails_first

EINVAL, EFAULT = (1 << 64) - 22, (1 << 64) - 14
PAGE2 = 0x5500_8020_00
TS = 0x5500_9000_00
M = 1 << 64
ANY = (0, 16, EFAULT, EINVAL)

#: (call, registers failing first, registers past the test (an -EFAULT may follow a
#: partial copy))
FIRST = [
    ("getdents64", (5, PAGE2, 16), (5, PAGE2, 24)),
    ("getdents64", (5, PAGE2, 0x1_0000_0017), (5, PAGE2, 0x1_0000_0018)),
    ("readlinkat", (M - 100, TS, PAGE2, 0x8000_0000), (M - 100, TS, PAGE2, 0x7FFF_FFFF)),
    ("readlinkat", (M - 100, TS, PAGE2, 0), (M - 100, TS, PAGE2, 0x1_0000_0001)),
    ("rt_sigtimedwait", (TS, PAGE2, 0, 16), (TS, PAGE2, 0, 8)),
    ("wait4", (M - 1, PAGE2, 4, 0), (M - 1, PAGE2, 1 | 2 | 8 | 0xE000_0000, 0)),
    ("statx", (M - 100, TS, 1, 0x7FF, PAGE2), (M - 100, TS, 0x7900, 0x7FF, PAGE2)),
    ("statx", (M - 100, TS, 0x8000, 0x7FF, PAGE2), (M - 100, TS, 0x1_0000_0000, 0x7FF, PAGE2)),
    ("timer_gettime", (0xFFFF_FFFF, PAGE2), (0x7FFF_FFFF, PAGE2)),
    ("timer_settime", (0x8000_0000, 0, TS, PAGE2), (0x1_0000_0000, 0, TS, PAGE2)),
    ("setitimer", (5, 0, PAGE2), (2, 0, PAGE2)),
    ("setitimer", (M - 1, TS, PAGE2), (0x1_0000_0000, TS, PAGE2)),
    ("timerfd_settime", (5, 4, TS, PAGE2), (5, 3, TS, PAGE2)),
    ("epoll_pwait", (5, PAGE2, 1, 0, TS, 4), (5, PAGE2, 1, 0, TS, 8)),
    ("epoll_pwait2", (5, PAGE2, 1, 0, TS, 16), (5, PAGE2, 1, 0, 0, 16)),
    ("copy_file_range", (4, PAGE2, 5, 0, 16, 1), (4, PAGE2, 5, 0, 16, 0x1_0000_0000)),
    ("getrlimit", (99, PAGE2), (15, PAGE2)),
    ("getrlimit", (16, PAGE2), (0x1_0000_0007, PAGE2)),
    ("accept4", (3, PAGE2, TS, 1), (3, PAGE2, TS, 0o2004000)),
    ("pselect6", (0xFFFF_FFFF, PAGE2, 0, 0, 0, 0), (0x1_0000_0001, PAGE2, 0, 0, 0, 0)),
    ("ppoll", (PAGE2, 0x8000_0000, 0, 0, 0), (PAGE2, 0x7FFF_FFC0, 0, 0, 0)),
    ("ppoll", (PAGE2, 0xFFFF_FFFF, 0, 0, 0), (PAGE2, 0x1_0000_0001, 0, 0, 0)),
]


@pytest.mark.parametrize(("name", "fails", "honest"), FIRST)
def test_registers_failing_first_store_nothing(name: str, fails: tuple[int, ...],
                                               honest: tuple[int, ...]) -> None:
    args = fails + (0,) * (6 - len(fails))
    assert fails_first(N[name], args)
    for answer in ANY:
        assert stored(N[name], args, answer) == [], (name, answer)
    # honest neighbour: past the first test, an -EFAULT may follow a partial copy
    near = honest + (0,) * (6 - len(honest))
    assert not fails_first(N[name], near)
    assert stored(N[name], near, EFAULT) != []


#: a timespec given: poll_select_finish() may store the time left there (and with an
#: invalid count Linux still answers -EINVAL after it), so the answer stays open
@pytest.mark.parametrize(("name", "args"), [
    ("pselect6", (0xFFFF_FFFF, PAGE2, 0, 0, TS, 0)),
    ("ppoll", (PAGE2, 0x8000_0000, TS, 0, 0, 0)),
])
def test_polls_with_a_timespec_stay_open(name: str, args: tuple[int, ...]) -> None:
    assert not fails_first(N[name], args)
