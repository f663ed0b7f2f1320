"""Round 84's honest answers: sendmsg() with SCM_RIGHTS {77} first in 1032 control bytes,
after a cmsg of another level and on an accepted AF_UNIX socket, sendmmsg() of it,
setsockopt(SO_ATTACH_REUSEPORT_EBPF) and ioctl(FICLONERANGE) of it, utimensat(77, "x") of
two zero timespecs, statx() and newfstatat() of 77 with a NULL name under AT_EMPTY_PATH
(-EBADF); tee() of length 0 with an unknown flag, dup3() of one number twice and
SO_ATTACH_BPF of length 8 (-EINVAL); openat2() of an absolute name under RESOLVE_BENEATH
(-EXDEV); kcmp(KCMP_FILES / KCMP_VM / KCMP_FS) of exited, fork, unshared and two fork
children (an order); pselect6() of bit 120 once the table grew, of bit 70 while it holds
64, and ppoll() of 300 entries (the kernel model's own answers); and the successes Linux
gives: kcmp() 0 of two exited fork children (KCMP_FILES, KCMP_VM: both NULL), of one
exited child with itself, KCMP_SYSVSEM and KCMP_IO of the caller and an exited child
(both NULL), KCMP_IO of a living fork child, KCMP_FS of a CLONE_FS child, splice() of
length 0 with an unknown flag (0 before the flags test), utimensat() of two UTIME_OMIT
with unknown flags (0 before do_utimes()).  No false refusal was found.

Each test runs the round-84 victim (secret_r84_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r84 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(
        [s[1] for s in r.STEPS] + [r.P_SELECTHIGH, r.P_POLLMANY, r.P_SENDMMSG,
                                  r.P_STATXNULL, r.P_FSTATATNULL, r.P_SELECTCLAMP], 0))


def test_honest_successes() -> None:
    # kcmp(): 0 for two exited fork children (exit_files() / exit_mm() left both NULL).
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((p for p, _ in r.HONEST_STEPS), 0))


def test_splice_of_nothing_unknown_flag() -> None:
    claim_run(r, r.claim_as_linux, (b"-s",), {r.P_HSPLICEFLAGS: 0})


def test_utimensat_omit_unknown_flags() -> None:
    claim_run(r, r.claim_as_linux, (b"-u",), {r.P_HUTIMEFLAGS: 0})
