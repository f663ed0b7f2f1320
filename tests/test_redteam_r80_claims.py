"""Round 80's honest answers: kcmp() of a number never opened, of type 8, of a NULL slot,
of a signalfd efd, of a fork child's fs_struct, of a pidfd_getfd() copy, of a
/proc/self/fd reopen and of an SCM_RIGHTS copy; pidfd_getfd() of a number never opened
and of a signalfd; process_mrelease() of the living caller; perf_event_open() of a group
never opened or a signalfd, of no target and of type 1000; MADV_FREE of a shared
anonymous page and of a private view of a /proc reopen; and the successes Linux gives
(pidfd_getfd(pfd, devnull), kcmp(KCMP_FS) of the caller with itself, kcmp(KCMP_FILE) of
an SCM_RIGHTS copy, kcmp(KCMP_EPOLL_TFD) of an item a fork child's copy keeps alive,
MADV_FREE of an anonymous page mremap() moved over a private memfd view); KCMP_FILES of a
CLONE_FILES child (0) and KCMP_FILE of a number a fork child dup3()ed over (an order) are
steps of STEPS.

Each test runs the round-80 victim (secret_r80_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.  No false refusal found.
"""

from __future__ import annotations

from attacks.families import redteam_r80 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # kcmp(): -EBADF, -EINVAL, -EFAULT, an order, 0; pidfd_getfd(): -EBADF;
    # process_mrelease(): -EINVAL; perf_event_open(): -EBADF, -EINVAL, -ENOENT;
    # madvise(MADV_FREE) of shmem areas: -EINVAL.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # pidfd_getfd(pfd, devnull): a descriptor; kcmp(pid, pid, KCMP_FS): 0; KCMP_FILE of an
    # SCM_RIGHTS copy: 0; KCMP_EPOLL_TFD of an item a fork child keeps: an order.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
