"""Round 76's honest answers: calls on pages locked by mmap(MAP_LOCKED),
mlockall(MCL_FUTURE) or mlock(), and a pidfd sentinel, which a monitor could mistake for
forged.

Each test runs the round-76 victim (secret_r76_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r76 as r
from tests.honest_runs import claim_run


def test_honest_locked_page_errors() -> None:
    # pidfd_send_signal(-20000): -EBADF; process_mrelease(-10000): -EINVAL;
    # MADV_COLD/MADV_PAGEOUT/MADV_DONTNEED of a locked page: -EINVAL; msync(MS_INVALIDATE)
    # of a page MAP_LOCKED, mremap's growth, brk under MCL_FUTURE, an mprotect split,
    # MCL_ONFAULT, a vfork child's mlockall or a move left locked: -EBUSY (index 0 each).
    # open_by_handle_at(-10009), kcmp(KCMP_FILE, -10000), perf_event_open(group_fd
    # -10000): -EBADF.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0)
              | dict.fromkeys((r.P_PROCMADVLOCKED, r.P_HANDLEANCHOR, r.P_KCMPFILE,
                               r.P_PERFGROUP), 0))


def test_honest_locked_page_successes() -> None:
    # MADV_DONTNEED_LOCKED of a MAP_LOCKED page; a fork child's msync(MS_INVALIDATE) after
    # its parent's mlockall(MCL_FUTURE) (mm_init() clears def_flags);
    # pidfd_send_signal(-10001) (6.15); MS_INVALIDATE after munlock(), of the unlocked half
    # of a split MAP_LOCKED area, and after mlockall(MCL_CURRENT) replaced MCL_FUTURE: 0
    # (qemu-user on 6.18 gives the same; index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
