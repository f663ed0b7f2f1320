"""Round 77's honest answers: pidfd_getfd() and kcmp() at negative values, process_madvise()
of the caller's own mm, process_mrelease() of a pidfd of its own process and
perf_event_open() with no task and no cpu, which a monitor could mistake for forged.

Each test runs the round-77 victim (secret_r77_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r77 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # pidfd_getfd(-10000/-10001/-20000), kcmp(KCMP_EPOLL_TFD) of efd -10000: -EBADF;
    # process_madvise(-10000) of a hole: -ENOMEM; of a shared page with MADV_FREE, with
    # flags 1, 1025 iovecs, advice 999, an unaligned iovec: -EINVAL; process_mrelease() of
    # a pidfd of the live caller, perf_event_open(pid -1, cpu -1), kcmp type 8: -EINVAL.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # process_madvise(-10000, {Q, K locked}, 2, MADV_COLD): 4096 (vector_madvise());
    # kcmp(pid, pid, KCMP_VM, -1, -1): 0; madvise(MADV_COLD) of brk growth after
    # mlockall(MCL_FUTURE) and munlockall(): 0 (index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
