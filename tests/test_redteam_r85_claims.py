"""Round 85's honest answers: pselect6() of bit 120 once a failed dup3(77, 100) grew the
table, of bit 240 once close_range() closed 200 and of bit 290 once a CLONE_FILES child
grew the shared table (-EBADF); pselect6(-1) (-EINVAL); sendmsg() of a cmsg shorter than
its header, of a SOL_SOCKET cmsg of type 99 (under -t) and of SCM_RIGHTS of 254 numbers
(-EINVAL), of a control length of 1 MiB (-ENOBUFS), of SCM_RIGHTS {-1} and of {77} on
sockets accept4()ed on a copied listener and on a SOCK_SEQPACKET one (-EBADF);
setsockopt(SO_ATTACH_BPF) on /dev/null (-ENOTSOCK) and of -1 (-EBADF);
ioctl(FICLONERANGE) of -1 (-EBADF); openat2() of "../x" under RESOLVE_BENEATH (-EXDEV),
of RESOLVE_BENEATH with RESOLVE_IN_ROOT, of 16 bytes of open_how, of an unknown flag, a
mode without O_CREAT and an unknown resolve bit (-EINVAL), of 32 bytes with a nonzero one
past 24 and of 65537 (-E2BIG); setsockopt(SO_ATTACH_BPF) of NULL and statx(77, NULL, 0)
(-EFAULT); newfstatat(77, NULL, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) (-EBADF, 6.11+);
sendmmsg() of a plain message and one with SCM_RIGHTS {77} (1, the first msg_len 1).
No false refusal was found.

Each test runs the round-85 victim (secret_r85_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r85 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    claim_run(r, r.claim_as_linux, (b"-t",), dict.fromkeys(list(r.LINUX_ERRORS), 0))


def test_sendmmsg_counts_the_first() -> None:
    claim_run(r, r.claim_as_linux, (), {r.P_HMMSGSECOND: 0})
