"""Round 74's honest answers: what Linux does with memory calls it fails for their
arguments and with calls on a negative descriptor, which a monitor could mistake for
forged.

Each test runs the round-74 victim (secret_r74_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r74 as r
from tests.honest_runs import claim_run


def test_honest_refused_memory_calls_and_bad_descriptors() -> None:
    # madvise(P, 4096, 77) and madvise(P, -8192): -EINVAL (madvise_behavior_valid(),
    # do_madvise()); msync(P, -8192): -ENOMEM; mlock2(P, 4096, 2): -EINVAL; mlock(P, -8192):
    # an error; munlock(P, -8192), munmap(P, -8192): -EINVAL; mincore(P, -8192): -ENOMEM;
    # faccessat(), newfstatat(), mkdirat(), unlinkat(), fchmodat(), utimensat(),
    # readlinkat() of a relative name at dfd -5 and preadv2(), pwritev2(), epoll_ctl(),
    # copy_file_range(), sendfile(), pidfd_send_signal(), timerfd_gettime() of descriptor
    # -1, and the same calls of ZC-023..ZC-042: -EBADF; mknodat(AT_FDCWD, "/dev/null"):
    # -EEXIST (index 0 each; claim_model_errors where the kernel model answers
    # otherwise; fchownat() below).
    claim_run(r, r.claim_model_errors, (), dict.fromkeys(
        (phase for _, phase, *_ in r.STEPS if phase != r.P_RELCHOWN), 0)
        | {r.P_MKNODEXIST: 0})


def test_honest_int_arguments_of_a_wide_register() -> None:
    # mlock2(P, 4096, MLOCK_ONFAULT), msync(P, 4096, 1 << 32 | MS_SYNC),
    # madvise(P, 4096, 1 << 32 | MADV_WILLNEED), close(D | 1 << 32) and
    # fcntl(devnull | 1 << 32, F_GETFD): 0 each (SYSCALL_DEFINEn casts an int or
    # unsigned int argument from its register: the upper half is never seen); openat() and
    # newfstatat() of "." at dfd 0xffffff9c (AT_FDCWD as an int; index 0 each).
    claim_run(r, r.claim_model_errors, (), dict.fromkeys(
        (r.P_WIDELOCK2, r.P_WIDESYNC, r.P_WIDEADVISE, r.P_WIDECLOSE, r.P_WIDEFCNTL,
         r.P_WIDECWDOPEN, r.P_WIDECWDSTAT), 0))


def test_honest_fchownat_reads_its_name() -> None:
    # fchownat(AT_FDCWD, "/dev/null", -1, -1, 0): 0 (qemu-user gives the same);
    # fchownat(-5, "dev/null", -1, -1, 0): -EBADF (path_init(): fdget(-5); index 0 each).
    claim_run(r, r.claim_model_errors, (), {r.P_CHOWNOK: 0, r.P_RELCHOWN: 0})
