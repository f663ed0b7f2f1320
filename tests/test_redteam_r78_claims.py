"""Round 78's honest answers: kcmp() of an epoll slot, a closed and a dup()ed descriptor,
process_madvise() of the caller's own mm with empty iovecs, an iovec past the address
space, MADV_WILLNEED of a file or locked page and MADV_COLD of a shared page, MADV_FREE of a
private file page, perf_event_open() in cgroup mode, with a group that is no event or a
small attr, and pidfd_getfd() and process_mrelease() of a descriptor that is no pidfd,
which a monitor could mistake for forged.

Each test runs the round-78 victim (secret_r78_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r78 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # kcmp(KCMP_EPOLL_TFD) of efd /dev/null: -EINVAL, of an empty epoll: -ENOENT;
    # kcmp(KCMP_FILE) of a closed descriptor: -EBADF, of dup(devnull): 0;
    # process_madvise(-10000) of {Q + 1, 0, Q, 4096}: -EINVAL, of an iovec at 1 << 54:
    # -EFAULT, MADV_FREE of a private memfd page (and madvise()): -EINVAL;
    # perf_event_open(cgroup, cpu -1): -EINVAL, group /dev/null: -EBADF, size 8: -E2BIG;
    # pidfd_getfd(devnull), process_mrelease(devnull): -EBADF.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # process_madvise(-10000, {Q, 4096, Q2 + 1, 0, Q2, 4096}, 3, MADV_COLD): 8192;
    # MADV_WILLNEED of a private memfd page and of a MAP_LOCKED page, MADV_COLD of a
    # shared anonymous page: 4096 (index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
