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
ZV-024's answer, 4096 to process_madvise(MADV_FREE) of the caller's own mm, is Linux's
on 6.13..6.18: a claim since the fixes (test_process_madvise_free_of_own_mm_on_6_13).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r80 as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario, get
from guardian.launch_facts import LaunchFacts
from tests.honest_runs import claim_run, step_indices


def test_honest_errors() -> None:
    # kcmp(): -EBADF, -EINVAL, -EFAULT, an order, 0; pidfd_getfd(): -EBADF;
    # process_mrelease(): -EINVAL; perf_event_open(): -EBADF, -EINVAL, -ENOENT;
    # madvise(MADV_FREE) of shmem areas: -EINVAL.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # pidfd_getfd(pfd, devnull): a descriptor; kcmp(pid, pid, KCMP_FS): 0; KCMP_FILE of an
    # SCM_RIGHTS copy: 0; KCMP_EPOLL_TFD of an item a fork child keeps: an order.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))


def test_process_madvise_free_of_own_mm_on_6_13() -> None:
    # Once ZV-024: process_madvise(pidfd_open(getpid()), {Q, 4096}, 1, MADV_FREE, 0)
    # answers 4096 on 6.13..6.18 (process_madvise_remote_valid() only where mm !=
    # current->mm: the caller's own mm takes every madvise() advice).  The victim expects
    # 6.1..6.12's -EINVAL and indexes -4 on its own, so only the Guardian's silence is held.
    sc = Scenario(id="ZZ-990", title="a round's claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=r.claim_madvise_free_self, rules=("G-IAGO-COUNT",),
                  program=r.RULES, args=())
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, r.P_FIRST, r.P_LAST).get(r.P_PMADVFREE) != 0


@pytest.mark.parametrize("xid", ["ZV-001", "ZV-005", "ZV-008", "ZV-020"])
def test_a_stated_launch_number_is_not_refused(monkeypatch: pytest.MonkeyPatch,
                                               xid: str) -> None:
    """Under `--launch-fds 900` (a shell's `900</dev/null`) number 900 may name a file:
    kcmp() may answer an order (two struct files), pidfd_getfd() a descriptor, and the
    Guardian, which does not know the file's kind, lets each through (the victim expects
    the README's launch and indexes -4 on its own, so only the Guardian's silence is
    held).  Under the README's launch each is refused (return.fd_never_opened)."""
    sc = get(xid)
    assert sc is not None
    assert run_one(sc, "on").outcome.decided_by
    monkeypatch.setattr(LaunchFacts, "fds", frozenset({900}))
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
