"""Round 79's honest answers: kcmp() of two opens of one name, of a close_range()d number,
of an epoll's unwatched or dropped targets, of a fork child's files and handlers and of
an F_DUPFD_CLOEXEC copy, perf_event_open() with an unknown flag, a big or dirty attr, a
cgroup of /dev/null and groups that are closed or an epoll, pidfd_getfd() and
process_mrelease() with flags or of a closed number, an epoll or a memfd,
process_madvise() of no iovec, madvise(999), pidfd_open() of flag 1 and pid 0, and the
successes Linux gives (kcmp() of a watched and of a stale epoll item, pidfd_open() with
PIDFD_NONBLOCK and PIDFD_THREAD, a clean 4096-byte perf attr, pidfd_getfd() of an epoll).

Each test runs the round-79 victim (secret_r79_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.  No false refusal found.
"""

from __future__ import annotations

from attacks.families import redteam_r79 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # kcmp(KCMP_FILE) of two opens: an order, of a close_range()d number: -EBADF, of a
    # fork child's copy and an F_DUPFD_CLOEXEC copy: 0; KCMP_EPOLL_TFD of an unwatched,
    # closed or deleted target: -ENOENT, of a memfd efd: -EINVAL; KCMP_SIGHAND of a fork
    # child: an order; perf_event_open(): -EINVAL, -E2BIG, -EACCES, -EBADF;
    # pidfd_getfd(), process_mrelease(): -EINVAL, -EBADF; process_madvise() of no iovec:
    # 0, of one page: 4096; madvise(999), pidfd_open(getpid(), 1), pidfd_open(0): -EINVAL.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # kcmp(KCMP_EPOLL_TFD) of a watched and of a stale item: 0; pidfd_open(PIDFD_NONBLOCK),
    # pidfd_open(PIDFD_THREAD), perf_event_open() of a clean 4096-byte attr,
    # pidfd_getfd(pfd, ep): a descriptor (index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
