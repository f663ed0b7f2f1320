"""Round 89's honest answers: ioctl(TCGETS) on a timerfd, a signalfd, a pipe and an
AF_UNIX socket (-ENOTTY), read() of 64 bytes from a signalfd and write() to a signalfd
(-EINVAL), pread64() of an eventfd, lseek() of a pipe, pwrite64() and fallocate() of a
pipe's write end (-ESPIPE), read() of a pipe's write end (-EBADF), splice() and
copy_file_range() from an eventfd (-EINVAL), fcntl(F_NOTIFY, DN_MODIFY) of an eventfd
(-ENOTDIR), fcntl(F_SETLEASE, F_RDLCK) of a pipe, epoll_pwait() on an eventfd, epoll_ctl()
adding an epoll to itself and through an eventfd (-EINVAL), read() of a timerfd never
armed (-EAGAIN), fanotify_mark() and inotify_add_watch() on an eventfd, ftruncate() of a
pipe and fsync() of an eventfd (-EINVAL) -- qemu-aarch64-static's answers on the 6.18
host; fcntl(F_NOTIFY, 0) and fcntl(F_GETOWN_EX) of an eventfd 0, ioctl(FIONREAD) of a
pipe 0, lseek() of a timerfd 0, pread64() of an empty memfd 0, ioctl(FIOCLEX) of a
signalfd 0, pread64() of a memfd dup3()ed over an eventfd's number 0, kcmp(KCMP_FILE) of
a file and its dup 0, fcntl(F_SETFL, O_ASYNC | O_NONBLOCK) of an eventfd 0,
ioctl(FIOASYNC, &one) of a pipe 0, epoll_pwait() of an empty epoll 0, FIONREAD of a new
pipe 0 (n 0), and after a fork child wrote 1 to an eventfd and 8 bytes to a pipe and was
reaped: read() of the eventfd 8 (count 1), FIONREAD of the pipe 0 (n 8); two reads of an EFD_SEMAPHORE eventfd written 2 (8 with
1 each), a read of eventfd2(3, EFD_NONBLOCK) (8 with 3), and a third semaphore read
-EAGAIN; ioctl(pidfd, PIDFD_GET_INFO) 0 (6.13 on); ioctl(timerfd, TFD_IOC_SET_TICKS, &1)
0 and then a read of that timerfd, never armed, 8 with 1 tick (test_timerfd_set_ticks);
epoll_ctl(EPOLL_CTL_MOD) 0 of an item a fork child added to the shared epoll.  Linux's errors
for the refused calls: vmsplice() of an eventfd -EBADF, getdents64() of a pipe -ENOTDIR,
tee() of a pipe into itself -EINVAL, fadvise64() of a pipe -ESPIPE, readahead() of a pipe
-EINVAL, FIOQSIZE of a socket and FIOASYNC of an eventfd -ENOTTY, read() of a new eventfd
-EAGAIN, pread64() through a number dup3() gave an eventfd -ESPIPE, kcmp(KCMP_FILE) of
two files 1.

False refusals found: test_pidfd_get_namespace (xfail, strict): ioctl(pidfd,
PIDFD_GET_UTS_NAMESPACE, 0) answered a new descriptor, as every 6.11+ kernel does
(pidfd_ioctl() -> open_namespace(); the x86-64 host on 6.18 natively: a descriptor), is
refused: "command 0xff0a has no output contract" -- the Guardian needs pidfd_ioctl()'s
PIDFD_GET_*_NAMESPACE commands (_IO(0xFF, 1..10)) as makers of a descriptor (the lowest
free number, an nsfs file) on a sure pidfd; test_socket_atmark (xfail, strict):
ioctl(AF_UNIX socket, SIOCATMARK, &v) 0 with v 0, as unix_ioctl() answers (CONFIG_AF_UNIX_OOB, default y; the host natively
and qemu: 0, v 0), is refused the same way ("command 0x8905 has no output contract").
SIOCOUTQ of the same socket (0, w 0) passes (test_socket_outq).  test_figetbsz (xfail,
strict): ioctl(memfd, FIGETBSZ, &b) 0 with b 4096 -- do_vfs_ioctl()'s own command, the
host natively and qemu: 0, 4096 -- refused ("command 0x2 has no output contract");
test_siocgpgrp (xfail, strict): ioctl(AF_UNIX socket, SIOCGPGRP, &g) 0 with g 0 --
sock_ioctl() put_user(f_getown()), the host natively and qemu: 0, 0 -- refused ("command
0x8904 has no output contract").  Fixed since (round 89's fixes): abi/output_commands.py gives
SIOCATMARK, SIOCGPGRP and FIGETBSZ their int and PIDFD_GET_*_NAMESPACE (0xff01..0xff0a)
no write (the descriptor it answers is an ioctl's, which fd_records already treats as an
unseen maker), so the four pass.

Each test runs the round-89 victim (secret_r89_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r89 as r
from tests.honest_runs import claim_run

_OK = (r.P_OKNOTIFY0, r.P_OKFIONREADPIPE, r.P_OKGETOWNEX, r.P_OKLSEEKTFD, r.P_OKPREADMEM,
       r.P_OKFIOCLEXSFD, r.P_OKDUP3MEMPREAD, r.P_OKKCMPSAME, r.P_OKSETFLASYNC,
       r.P_OKFIOASYNCPIPE, r.P_EPWAITEMPTY, r.P_FIONREADPIPEN, r.P_OKFORKEV, r.P_OKFORKPIPE,
       r.P_OKSEMREAD, r.P_OKEVINIT, r.P_OKPIDFDINFO, r.P_OKFORKEPMOD)


def test_honest_errors() -> None:
    claim_run(r, r.claim_honest_calls, (), dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK), 0))


def test_honest_errors_mprotect() -> None:
    claim_run(r, r.claim_honest_calls, (), dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK), 0),
              mode="mprotect")


def test_pidfd_get_namespace() -> None:
    claim_run(r, r.claim_pidfd_namespace, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKPIDFDNS], 0))


def test_timerfd_set_ticks() -> None:
    claim_run(r, r.claim_set_ticks, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKSETTICKS,
                                                                r.P_OKTICKSREAD], 0))


def test_socket_outq() -> None:
    claim_run(r, r.claim_socket_outq, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKOUTQ], 0))


def test_socket_atmark() -> None:
    claim_run(r, r.claim_socket_atmark, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKATMARK, r.P_OKOUTQ], 0))


def test_figetbsz() -> None:
    claim_run(r, r.claim_figetbsz, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKOUTQ, r.P_OKFIGETBSZ], 0))


def test_siocgpgrp() -> None:
    claim_run(r, r.claim_siocgpgrp, (),
              dict.fromkeys(list(r.LINUX_ERRORS) + list(_OK) + [r.P_OKOUTQ, r.P_OKSIOCGPGRP], 0))
