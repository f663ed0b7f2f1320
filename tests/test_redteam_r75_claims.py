"""Round 75's honest answers: calls on a negative descriptor inside -20000..-10000 and
memory calls Linux answers 0, which a monitor could mistake for forged.

Each test runs the round-75 victim (secret_r75_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r75 as r
from tests.honest_runs import claim_run


def test_honest_sentinel_range_descriptors() -> None:
    # close(-10000), read(-10001), fstat(-12345), lseek(-15000), fsync(-20000),
    # faccessat(-10002, "dev/null"), newfstatat(-10003, "dev/null"), mkdirat(-19999),
    # pidfd_send_signal(-10002), dup(-10009), unlinkat(-10004), fcntl(-11111): -EBADF
    # (fdget(), path_init(); qemu-user gives the same; index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((phase for _, phase, *_ in r.STEPS), 0))


def test_honest_memory_calls_answered_zero() -> None:
    # msync(P, -1, MS_SYNC), mlock(P, -1), munlock(P, -1): 0 (the length rounds up to 0);
    # MADV_FREE of a shared page a private mmap replaced, MS_INVALIDATE after munlockall(),
    # MADV_WILLNEED of a hole mremap(MREMAP_FIXED) filled: 0 (qemu-user gives the same);
    # MADV_WILLNEED of a hole a vfork child's mmap(MAP_FIXED) filled (the child shares the
    # mm), MS_INVALIDATE of a locked page unmapped and mapped again, and of the page
    # mremap(MREMAP_DONTUNMAP) left (move_vma() clears VM_LOCKED_MASK): 0;
    # MS_INVALIDATE of a page mapped after mlockall(MCL_FUTURE) or with MAP_LOCKED:
    # -EBUSY (index 0 each).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.ZERO_STEPS, 0)
              | {r.P_FUTURELOCKED: 0, r.P_MAPLOCKED: 0})
