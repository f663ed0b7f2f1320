"""Round 88's honest answers: ioctl(FIOQSIZE), ioctl(FS_IOC_GETFLAGS) and ioctl(TIOCGPTN)
on an eventfd (-ENOTTY), recvfrom() on an eventfd and sendmsg() on a memfd (-ENOTSOCK),
read() of 4 bytes from an eventfd and a timerfd, write() of ULLONG_MAX to an eventfd,
signalfd4() on an eventfd and of a sigset size of 4, timerfd_gettime() and
timerfd_settime() on an eventfd, pidfd_open() of flag 1, memfd_secret() of flag 0x100,
eventfd2() of flag 2, timerfd_create() of clock 99, epoll_ctl() of EPOLL_CTL_MOD with
EPOLLEXCLUSIVE and of op 4 (-EINVAL), of EPOLL_CTL_MOD of a file never added (-ENOENT)
and of EPOLL_CTL_ADD of a file added (-EEXIST), ioctl(TCGETS) on a pidfd (-ENOTTY) and an
epoll (-EINVAL), write() to a timerfd and read() of an epoll (-EINVAL), lseek() of a
pidfd (-ESPIPE), getpeername() of a pidfd (-ENOTSOCK), pidfd_send_signal() of an eventfd
(-EBADF), inotify_rm_watch() of an eventfd (-EINVAL), fcntl(F_GETPIPE_SZ) (-EBADF) and
fcntl(F_GET_SEALS) (-EINVAL) of an eventfd, clock_nanosleep() of {-1, 0}
(-EINVAL), timer_gettime() of an id never made,
accept4() of flag 1, dup3() onto itself, epoll_create1() of flag 1 (-EINVAL) --
the x86-64 host's and
qemu-aarch64-static's answers on 6.18; ioctl(memfd, FS_IOC_GETFLAGS) and ioctl(memfd,
FIOQSIZE) 0 (shmem_fileattr_get(), 6.0 on; a regular file), ioctl(devnull, FIOASYNC)
and ioctl(eventfd, FIONBIO) 0, signalfd4() on a signalfd its own number, getsockopt(SO_TYPE)
on a socket dup3()ed over an eventfd's number 0 (1 written), lseek(eventfd, 0, SEEK_SET)
0, clock_nanosleep(CLOCK_MONOTONIC, 2, {0, 1}, NULL) 0.

False refusals found: none (each test below passes).

Each test runs the round-88 victim (secret_r88_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r88 as r
from tests.honest_runs import claim_run

_OK = (r.P_OKGETFLAGSMEM, r.P_OKFIOASYNCDN, r.P_OKFIONBIOEV, r.P_OKSFDAGAIN, r.P_OKFIOQSZMEM,
       r.P_OKDUP3SOCK, r.P_OKLSEEKEV, r.P_OKCNSFLAG)


def test_honest_errors() -> None:
    claim_run(r, r.claim_honest_ioctls, (), dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK), 0))


def test_honest_errors_mprotect() -> None:
    claim_run(r, r.claim_honest_ioctls, (), dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK), 0),
              mode="mprotect")
