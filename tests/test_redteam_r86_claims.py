"""Round 86's honest answers: openat2() of "./../x" under RESOLVE_BENEATH (-EXDEV) and of a
NULL open_how (-EFAULT); ioctl(FICLONE) of -1, of 77 (-EBADF) and of /dev/null itself
(-EINVAL), ioctl(FICLONERANGE) of NULL (-EFAULT); pselect6() of a timeout of 10^9 ns and of
a sigset size of 4, epoll_pwait() of 0 events and on /dev/null, epoll_ctl() adding an epoll
to itself (-EINVAL) and /dev/null (-EPERM), inotify_add_watch() of mask 0 and on /dev/null,
inotify_init1(1), fanotify_init() of bit 31, fanotify_mark() of flag bit 31,
name_to_handle_at() of AT_SYMLINK_NOFOLLOW, open_by_handle_at() of 0 handle bytes,
epoll_create1(1), eventfd2(0, 2), signalfd4() of a sigset size of 4, timerfd_create(99),
memfd_create() of flag 0x100, pidfd_open() of flag 1, socket() of type flag 0x10 and
accept4() of flag 1, setsockopt(SO_ATTACH_BPF) of /dev/null, epoll_pwait2() of a
timeout of 10^9 ns, signalfd4() of flag 1, pidfd_open(0), memfd_create() of a 300-byte
name, accept4() and listen() on a socketpair end (-EINVAL); sendmsg() of SCM_SECURITY, of SCM_PIDFD and (under -c) of
SCM_CREDENTIALS of cmsg_len 32 on a stream and a datagram AF_UNIX socketpair (-EINVAL),
sendmmsg() of a plain message and one with those credentials (1, the first msg_len 1);
getsockopt(SO_ATTACH_BPF) (-ENOPROTOOPT), setsockopt(SO_ATTACH_FILTER) of an empty program
(-EINVAL); sendmsg() of credentials padded to 32 then SCM_RIGHTS, of SCM_RIGHTS with
trailing control bytes, openat2() of O_PATH | O_CLOEXEC | O_NOFOLLOW, as the kernel model
serves them.

False refusals when written, fixed since: ppoll() of a timeout {-1, 0} and pselect6() of
{-1, 0} answered -EINVAL (return.value_range took the timeout the program passed for one
the kernel left; Linux's poll_select_set_timeout() refuses it before anything is written:
the range rule now leaves such a timeout to return.early_error), and name_to_handle_at()
of /dev/null answered 0 with its handle written (the Guardian granted the kernel no write
of struct file_handle or the mount id: guardian/handle_caps.py grants them).

Each test runs the round-86 victim (secret_r86_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r86 as r
from tests.honest_runs import claim_run

_ALWAYS = [p for p in r.LINUX_ERRORS if p not in r.FLAG]


def test_honest_errors() -> None:
    claim_run(r, r.claim_as_linux, (b"-c",),
              dict.fromkeys(_ALWAYS + [r.P_CREDLEN, r.P_DGRAMCRED, r.P_MMSGCRED, r.P_OKCRED,
                                       r.P_OKTAIL, r.P_OKPATH], 0))


def test_ppoll_negative_timeout() -> None:
    claim_run(r, r.claim_as_linux, (b"-n",), {r.P_POLLNEG: 0})


def test_pselect6_negative_timeout() -> None:
    claim_run(r, r.claim_as_linux, (b"-m",), {r.P_SELNEG: 0})


def test_name_to_handle_at_written() -> None:
    claim_run(r, r.claim_handle, (), {r.P_OKN2H: 0})
