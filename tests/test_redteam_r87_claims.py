"""Round 87's honest answers: userfaultfd() of flag 0x100, fspick(), fsopen(), fsmount(),
open_tree(), move_mount(), mount_setattr() of unknown flags, perf_event_open() of flag
0x100, landlock_create_ruleset() of flag 0x80, bpf() of command 999, pidfd_getfd() of
flag 1, pidfd_send_signal() of flag 0x10, close_range(10, 9), timerfd_settime() of flag
0x10, copy_file_range() of flag 1, splice() of flag 0x100, process_madvise() of flag 1
(-EINVAL); epoll_ctl() adding a memfd (-EPERM); listen() on an eventfd, accept4() on a
memfd, getsockopt() on an eventfd (-ENOTSOCK); ioctl(FIONREAD) on an eventfd,
ioctl(TCGETS) on a memfd (-ENOTTY); name_to_handle_at() of 0 handle bytes (-EOVERFLOW,
handle_bytes 12, handle_type 255 and the mount id written) -- the x86-64 host's answers
on 6.18; name_to_handle_at() of AT_HANDLE_FID (0, a handle written: 6.5 on),
pidfd_open() of PIDFD_THREAD and memfd_create() of MFD_NOEXEC_SEAL (a descriptor: 6.9,
6.3 on), epoll_pwait() on a dup() of an epoll (0, as the kernel model serves it).

Former false refusals (fixed in round 87's fix): test_overflow_header_mprotect,
test_handle_fid_mprotect and test_r86_handle_mprotect -- with the Guardian in mprotect
mode name_to_handle_at()'s honest stores (the -EOVERFLOW header, AT_HANDLE_FID's handle,
round 86's flags-0 handle) were refused for want of a capability: guardian/handle_caps.py's
grant now reaches the predecessor design too (its header is a fixed struct the handle
argument names).

Each test runs the round-87 victim (secret_r87_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.  One run serves each claim.
"""

from __future__ import annotations

from attacks.families import redteam_r86 as r86
from attacks.families import redteam_r87 as r
from tests.honest_runs import claim_run

_ALL = list(r.LINUX_ERRORS) + [r.P_N2HOVER, r.P_N2HBIG, r.P_N2HSMALL, r.P_OKEPDUP,
                               r.P_OKDUP3EP]


def test_honest_errors() -> None:
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(_ALL, 0))


def test_handle_fid() -> None:
    claim_run(r, r.claim_fid, (), {r.P_OKFID: 0, r.P_N2HOVER: 0})


def test_thread_pidfd_and_noexec_memfd() -> None:
    claim_run(r, r.claim_makers, (), {r.P_OKPIDTHR: 0, r.P_OKNOEXEC: 0})




def test_epoll_params() -> None:
    claim_run(r, r.claim_epoll_params, (), {r.P_OKEPPARAMS: 0})


def test_overflow_header_mprotect() -> None:
    claim_run(r, r.claim_as_linux, (), {r.P_N2HOVER: 0}, mode="mprotect")


def test_handle_fid_mprotect() -> None:
    claim_run(r, r.claim_fid, (), {r.P_OKFID: 0}, mode="mprotect")


def test_r86_handle_mprotect() -> None:
    """Round 86's flags-0 handle (12 bytes and the mount id written, 0 answered) in
    mprotect mode: the grant of guardian/handle_caps.py reaches that design too."""
    claim_run(r86, r86.claim_handle, (), {r86.P_OKN2H: 0}, mode="mprotect")
