"""Round 81's honest answers: perf_event_open() of each attr perf_copy_attr() or
perf_event_set_clock() refuses (-EINVAL), openat() of a socket's /proc/self/fd link
(-ENXIO), kcmp() of a pipe end and its /proc/self/fd reopen, of a fork child's fs_struct
named first and of a fork child's two files (an order), kcmp(KCMP_FILE) of an exited,
unreaped child (-EBADF), pidfd_getfd(), pidfd_send_signal() and process_madvise() of a
reaped child (-ESRCH); and the successes Linux gives: kcmp(KCMP_FS) of a CLONE_FS child
(0), kcmp(KCMP_FILE) of an F_DUPFD_CLOEXEC copy (0), process_mrelease() of an exited,
unreaped child (0: find_lock_task_mm() finds no mm, the call's ret stays 0), kcmp() of a
clone(CLONE_FILES) child's dup3() in the shared table (0), kcmp(KCMP_EPOLL_TFD) of an item
an F_DUPFD_CLOEXEC copy keeps alive (an order); signalfd4() of a pidfd (-EINVAL).

Each test runs the round-81 victim (secret_r81_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.  No false refusal found.
"""

from __future__ import annotations

from attacks.families import redteam_r81 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # perf_event_open(): -EINVAL; openat() of a socket's link: -ENXIO; kcmp(): an order,
    # -EBADF; pidfd_getfd(), pidfd_send_signal(), process_madvise() of a reaped child: -ESRCH.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((*(s[1] for s in r.STEPS),
                                                      r.P_WAITREAPED), 0))


def test_honest_successes() -> None:
    # kcmp(KCMP_FS) of a CLONE_FS child: 0; KCMP_FILE of an F_DUPFD_CLOEXEC copy: 0;
    # process_mrelease() of an exited, unreaped child: 0; KCMP_FILE after a CLONE_FILES
    # child's dup3(): 0; KCMP_EPOLL_TFD of an item an F_DUPFD_CLOEXEC copy keeps: an order.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
