"""Red-team round eighty-eight: round 87's kind and maker rules at their edges --
do_vfs_ioctl()'s own commands on a file they do not fit (FIOQSIZE of an anon inode), the
generic ioctls past the 'T' group (FS_IOC_GETFLAGS) and 'T' ioctls with size bits
(TIOCGPTN), the socket calls return.kind_needed does not list (recvfrom, sendmsg), reads
and writes an eventfd or timerfd refuses for their size or value, the signalfd and
timerfd calls on a descriptor of another kind, makers' flags no rule reads yet
(pidfd_open, memfd_secret, eventfd2, timerfd_create's clock) and epoll_ctl()'s
membership and argument tests.

Each step: the kernel serves the call as getpid() and answers a success (0, a count, or
a descriptor: 8, the lowest free number, or for signalfd4 the eventfd's own 5) where every
Linux 6.1..6.18 refuses the call.  Linux's answers (the x86-64 host on 6.18.44 natively
as root -- the same generic code -- and qemu-aarch64-static where it passes the call
through), and the kernel function that decides each:

AQ-001 ioctl(eventfd, FIOQSIZE, &sz): do_vfs_ioctl() `case FIOQSIZE:` ->
ioctl_fioqsize() (6.1: inline) `if (S_ISDIR(inode->i_mode) || S_ISREG(inode->i_mode) ||
S_ISLNK(inode->i_mode)) ... else return -ENOTTY;` -- an eventfd's anon inode has no type
bits (host: errno 25; qemu has no FIOQSIZE: errno 38).  return.kind_needed lists FIOQSIZE
among do_vfs_ioctl()'s own commands "served for every file".  AQ-002 ioctl(eventfd,
FS_IOC_GETFLAGS, &fl): ioctl_getflags() -> vfs_fileattr_get() `if
(!inode->i_op->fileattr_get) return -ENOIOCTLCMD;` -> -ENOTTY (host and qemu: errno 25).
AQ-003 ioctl(eventfd, TIOCGPTN, &n): _IOR('T', 0x30, unsigned int), no do_vfs_ioctl()
case, vfs_ioctl() `!filp->f_op->unlocked_ioctl` -ENOTTY (host and qemu: errno 25); the
rule reads 'T' commands without size bits alone.  AQ-004 recvfrom(eventfd, buf, 8, 0,
NULL, NULL), answered 8: __sys_recvfrom() -> sockfd_lookup_light() -ENOTSOCK (qemu:
errno 88).  AQ-005 sendmsg(memfd, &msg, 0), answered 1: __sys_sendmsg() ->
sockfd_lookup_light() -ENOTSOCK (qemu: errno 88).  AQ-006 read(eventfd, buf, 4),
answered 4: eventfd_read() `if (iov_iter_count(to) < sizeof(ucnt)) return -EINVAL;`
(host, qemu: errno 22).  AQ-007 write(eventfd, &ULLONG_MAX, 8), answered 8:
eventfd_write() `if (ucnt == ULLONG_MAX) return -EINVAL;` (host, qemu: errno 22).
AQ-008 read(timerfd, buf, 4), answered 4: timerfd_read() (timerfd_read_iter() 6.12 on)
`if (count < sizeof(ticks)) return -EINVAL;` (qemu: errno 22).  AQ-009 signalfd4(eventfd,
&mask, 8, 0), answered the eventfd's number: do_signalfd4() `if (fd_file(f)->f_op !=
&signalfd_fops) ... return -EINVAL;` (qemu: errno 22).  AQ-010 signalfd4(-1, &mask, 4,
0), answered 8: SYSCALL_DEFINE4(signalfd4) `if (sizemask != sizeof(sigset_t)) return
-EINVAL;` (host: errno 22; qemu ignores the size and answers a descriptor).  AQ-011
timerfd_gettime(eventfd, &its), answered 0: do_timerfd_gettime() -> timerfd_fget() `if
(f_op != &timerfd_fops) return -EINVAL;` (qemu: errno 22).  AQ-012
timerfd_settime(eventfd, 0, {0}, NULL), answered 0: do_timerfd_settime() -> timerfd_fget()
-EINVAL (qemu: errno 22).  AQ-013 pidfd_open(getpid(), 1): `if (flags & ~(PIDFD_NONBLOCK
| PIDFD_THREAD)) return -EINVAL;` (6.9 on; `~PIDFD_NONBLOCK` before) (host, qemu: errno
22).  AQ-014 memfd_secret(0x100): `if (flags & ~(SECRETMEM_FLAGS_MASK | O_CLOEXEC)) return
-EINVAL;` (-ENOSYS first where secretmem is off) (host: errno 22; qemu: errno 38).
AQ-015 eventfd2(0, 2): do_eventfd() `if (flags & ~EFD_FLAGS_SET) return -EINVAL;` (host,
qemu: errno 22).  AQ-016 timerfd_create(99, 0): `clockid != CLOCK_MONOTONIC && ...`
-EINVAL (qemu: errno 22).  AQ-017 epoll_ctl(ep, EPOLL_CTL_MOD, eventfd, &ev) of a file
never added: do_epoll_ctl() `epi = ep_find(ep, tf.file, fd);` NULL, `case EPOLL_CTL_MOD:
... else error = -ENOENT;` (qemu: errno 2).  AQ-018 epoll_ctl(ep, EPOLL_CTL_MOD, eventfd,
{EPOLLIN | EPOLLEXCLUSIVE}): do_epoll_ctl() `if (ep_op_has_event(op) && (epds->events &
EPOLLEXCLUSIVE)) { if (op == EPOLL_CTL_MOD) goto error_tgt_fput;` -EINVAL (qemu: errno
22).  AQ-019 epoll_ctl(ep, 4, eventfd, &ev): the op switch's `default: error = -EINVAL;`
(qemu: errno 22).  AQ-020 epoll_ctl(ep, EPOLL_CTL_ADD, eventfd, &ev) a second time:
`case EPOLL_CTL_ADD: if (!epi) ... else error = -EEXIST;` (qemu: errno 17).

AQ-021 ioctl(pidfd, TCGETS, &t), a termios written: pidfd_fops had no unlocked_ioctl
before 6.11, pidfd_ioctl()'s `default: return -ENOIOCTLCMD;` after: -ENOTTY (host, qemu:
errno 25).  AQ-022 ioctl(ep, TCGETS, &t): ep_eventpoll_ioctl() (6.9 on) `default: return
-EINVAL;`, eventpoll_fops without unlocked_ioctl before: -ENOTTY (host, qemu: errno 22).
AQ-023 write(timerfd, &v, 8): vfs_write() `!(file->f_mode & FMODE_CAN_WRITE)` -EINVAL --
timerfd_fops have no ->write (host, qemu: errno 22).  AQ-024 read(ep, buf, 8): vfs_read()
`!(file->f_mode & FMODE_CAN_READ)` -EINVAL (host, qemu: errno 22).  AQ-025 lseek(pidfd, 5,
SEEK_SET): vfs_llseek() without FMODE_LSEEK (pidfd_fops have no llseek) -ESPIPE (host,
qemu: errno 29).  AQ-026 getpeername(pidfd, &sa, &len): sockfd_lookup_light() -ENOTSOCK
(host, qemu: errno 88).  AQ-027 pidfd_send_signal(eventfd, 0, NULL, 0): pidfd_to_pid()
`f_op != &pidfd_fops` ERR_PTR(-EBADF) (host, qemu: errno 9).  AQ-028
inotify_rm_watch(eventfd, 1): `f.file->f_op != &inotify_fops` -EINVAL (host, qemu: errno
22).  AQ-029 fcntl(eventfd, F_GETPIPE_SZ), answered 65536: pipe_fcntl() get_pipe_info()
NULL, -EBADF (host, qemu: errno 9).  AQ-030 fcntl(eventfd, F_GET_SEALS), answered 0:
memfd_fcntl() -> memfd_get_seals() -> memfd_file_seals_ptr() NULL, -EINVAL (host, qemu:
errno 22).  AQ-032 clock_nanosleep(CLOCK_MONOTONIC, 0, {-1, 0},
NULL): `!timespec64_valid(&t)` (tv_sec < 0) -EINVAL (host, qemu: errno 22).  AQ-033
timer_gettime(42, &its), no timer_create() ever made: do_timer_gettime() ->
lock_timer() finds no k_itimer of that id, -EINVAL (host, qemu: errno 22).  AQ-034
accept4(socket(AF_UNIX, SOCK_STREAM, 0), NULL, NULL, 1), answered 9: __sys_accept4()
`flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)` -EINVAL before the look-up (qemu: errno 22).
AQ-035 dup3(eventfd, eventfd, 0), answered the number: ksys_dup3() `oldfd == newfd`
-EINVAL (qemu: errno 22).  AQ-036 epoll_create1(1): do_epoll_create() `flags &
~EPOLL_CLOEXEC` -EINVAL (qemu: errno 22).

qemu-user on 6.18 (the victim built with RULES_DEBUG) printed "+0" (Linux's answer) for
every step but 16200 ("+1": qemu has no FIOQSIZE, -ENOSYS), 16242 ("-4": qemu's
signalfd4 drops the size argument) and 16308 ("+1", FIOQSIZE again); the host natively
answered FIOQSIZE of an eventfd -ENOTTY, of a memfd 0, and signalfd4() of size 4
-EINVAL; memfd_secret(0x100) -EINVAL natively, -ENOSYS under qemu.  (Left out as round
86's: signalfd4() and inotify_init1() of flag 1.)

Through with the Guardian on when written (gaps): AQ-001, AQ-002, AQ-003, AQ-004, AQ-005,
AQ-007, AQ-011, AQ-012, AQ-014, AQ-017, AQ-018, AQ-019, AQ-020, AQ-021, AQ-022, AQ-024,
AQ-025, AQ-027, AQ-028, AQ-029, AQ-030.  What the Guardian would need for each: AQ-001 --
that FIOQSIZE is do_vfs_ioctl()'s own only for a directory, regular file or symlink (an
eventfd's anon inode, /dev/null's character device: -ENOTTY), not "served for every
file"; AQ-002 -- that the generic FS_IOC_GETFLAGS/FS_IOC_FSGETXATTR reach
vfs_fileattr_get() and an anon inode has no ->fileattr_get (-ENOTTY; a memfd's shmem has
one, 6.0 on); AQ-003 -- that every ioctl on an eventfd (or memfd, /dev/null) that
do_vfs_ioctl() does not serve is -ENOTTY, size bits or not (the rule reads 'T' commands
without size bits alone); AQ-004, AQ-005 -- recvfrom, recvmsg, recvmmsg, sendto, sendmsg,
sendmmsg in kind_needed's _SOCK_CALLS; AQ-007 -- closed, see below; AQ-011, AQ-012 -- closed, see below; AQ-014 -- closed, see below; AQ-017, AQ-020 -- closed, see below; AQ-018, AQ-019 -- closed, see below; AQ-021, AQ-022 -- pidfds (no ioctl but the
6.11+ PIDFS_IOCTL 0xFF ones) and epolls (EPIOC* alone, 6.9 on) among the kinds whose
'T' ioctls fail; AQ-024 -- a read of an epoll (or pidfd, signalfd's write, ...: no
->read / ->write) -EINVAL, as the timerfd write already is judged; AQ-025 -- lseek() of
a pidfd (no llseek) -ESPIPE; AQ-027, AQ-028 -- closed, see below; AQ-029, AQ-030 -- fcntl's
F_GETPIPE_SZ/F_SETPIPE_SZ need a pipe (-EBADF), F_GET_SEALS/F_ADD_SEALS a memfd or
hugetlbfs/shmem file (-EINVAL), for files of a fixed kind.
Refused: AQ-006, AQ-008 (a read of an eventfd or timerfd answering other than 8 bytes),
AQ-009 (signalfd4 on a ufd that is no signalfd), AQ-010 (abi/value_ranges: signalfd4's
sizemask must be 8), AQ-013 (pidfd_open's flags past PIDFD_NONBLOCK | PIDFD_THREAD),
AQ-015, AQ-016 (return.maker_args: eventfd2's flags, timerfd_create's clock), AQ-023 (a
write to a timerfd), AQ-026 (return.kind_needed: getpeername on a pidfd, no socket), AQ-032
(return.early_error: clock_nanosleep's {-1, 0} fails timespec64_valid()), AQ-033
(timer_gettime of an id no live timer of the process holds), AQ-034, AQ-036
(return.maker_args: accept4's and epoll_create1's flags), AQ-035 (dup3 onto itself).
Refused since the descriptor-kinds fix (return.kind_needed widened, guardian/kind_ops.py):
AQ-002 (FS_IOC_GETFLAGS / _SETFLAGS / _FS*XATTR of an eventfd or epoll: an anon inode has
no ->fileattr_get), AQ-003 (every ioctl of a type do_vfs_ioctl() does not serve on an
eventfd, memfd, epoll or mem.c's devices, size bits or not), AQ-004, AQ-005 (recvfrom,
recvmsg, recvmmsg, sendto, sendmsg, sendmmsg in _SOCK_CALLS: -ENOTSOCK), AQ-021, AQ-022
('T' ioctls but do_vfs_ioctl()'s own on a pidfd or epoll), AQ-024 (a read or write of an
epoll or pidfd: no FMODE_CAN_READ / _WRITE, -EINVAL), AQ-025 (lseek of a pidfd:
-ESPIPE), AQ-029 (F_GETPIPE_SZ / F_SETPIPE_SZ of a maker's file that is no pipe2() end,
or of mem.c's devices: -EBADF), AQ-030 (F_GET_SEALS / F_ADD_SEALS of one that is no
memfd: -EINVAL).  AQ-001 stays open, and must: 6.15.0..6.15.5 made anon inodes S_IFREG
(cfd86ef7e8e7 "anon_inode: use a proper mode internally", undone by 1e7ab6f67824 in
6.15.6 and the stable trees that took it), so ioctl_fioqsize() of an eventfd answers 0
with 0 written there -- an answer Linux gives (a claim once the victim takes it as one);
by the same commit FIONREAD of an eventfd answers 0 there (round 87's AO-021 is let
through since, as Linux's own answer).
Refused since (the makers' own calls and arguments): AQ-011, AQ-012, AQ-027, AQ-028 (return.maker_kind,
guardian/maker_kinds.py: timerfd_gettime/timerfd_settime of a file that is no timerfd --
timerfd_fget() -EINVAL --, pidfd_send_signal/process_madvise of one that is no pidfd --
pidfd_to_pid(), pidfd_pid() -EBADF --, inotify_rm_watch of one that is no inotify,
-EINVAL; the table steady, the kind sure), AQ-007 (return.counter_value: an eventfd
write whose count, quiet through the call, is ULLONG_MAX), AQ-014, AQ-018, AQ-019
(return.maker_args: memfd_secret's flags past O_CLOEXEC; epoll_ctl's op past
EPOLL_CTL_MOD, and EPOLLEXCLUSIVE with EPOLL_CTL_MOD in an event read where quiet --
epoll_ctl now noted at its entry, quiet_ranges.MAKER_READS), AQ-017, AQ-020
(return.epoll_item, guardian/epoll_items.py: the epoll's interest list as the Guardian
follows it -- confidential_events.EpollInstance -- complete where no process it does not
follow reaches the epoll; MOD or DEL of a (number, file) it does not hold -ENOENT, ADD of
one it holds -EEXIST, do_epoll_ctl()'s ep_find()).

Honest answers (tests/test_redteam_r88_claims.py): every step answered as Linux does
(LINUX_ERRORS), ioctl(memfd, FS_IOC_GETFLAGS) 0 (shmem_fileattr_get(), 6.0 on; host: 0),
ioctl(memfd, FIOQSIZE) 0 (S_ISREG; host: 0), ioctl(devnull, FIOASYNC) 0, ioctl(eventfd,
FIONBIO) 0 and signalfd4() on a signalfd its own number (qemu: each).

The victim is `secret_r88_rules` (workloads/src/secret_r88_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r88"
RULES = "secret_r88_rules"
NR = NUMBERS

(P_FIOQSZEV, P_GETFLAGSEV, P_TIOCGPTNEV, P_RECVFROMEV, P_SENDMSGMEM, P_EVREAD4, P_EVWRITEMAX,
 P_TFDREAD4, P_SFDONEV, _P_SFDFLAG, P_TFDGETEV, P_TFDSETEV, P_PIDFDFLAG, P_SECRETFLAG,
 P_EPMODNOENT, P_EPEXCLMOD, P_EPOPBAD, P_EVFDFLAG, P_TFDCLOCK, _P_INOFLAG, P_EPADDTWICE,
 P_SFDSIZE, P_TCGETSPID, P_TCGETSEP, P_TFDWRITE, P_EPREAD, P_LSEEKPID, P_PEERPID, P_PSIGEV,
 P_INORMEV, P_PIPESZEV, P_SEALSEV, P_CNSNEG, P_TIMERGET, P_ACCEPTFLAG, P_DUP3SAME,
 P_EPCFLAG) = range(16200, 16274, 2)
(P_OKGETFLAGSMEM, P_OKFIOASYNCDN, P_OKFIONBIOEV, P_OKSFDAGAIN, P_OKFIOQSZMEM, P_OKDUP3SOCK,
 P_OKLSEEKEV, P_OKCNSFLAG) = range(16300, 16316, 2)
P_FIRST, P_LAST = P_FIOQSZEV, P_OKCNSFLAG

_iago = iago_scenarios(RT, RULES)
_EV = 5     # the eventfd's number (3 /dev/null, 4 the log memfd, 5 the eventfd)
_FREE = 8   # the lowest free number at the maker steps

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AQ-001', P_FIOQSZEV, NR["ioctl"], 'ioctl(eventfd, FIOQSIZE, &sz)', '-ENOTTY',
     'do_vfs_ioctl() FIOQSIZE -> ioctl_fioqsize(): an anon inode is neither S_ISDIR, '
     'S_ISREG nor S_ISLNK, -ENOTTY', 0),
    ('AQ-002', P_GETFLAGSEV, NR["ioctl"], 'ioctl(eventfd, FS_IOC_GETFLAGS, &fl)', '-ENOTTY',
     'ioctl_getflags() -> vfs_fileattr_get(): `if (!inode->i_op->fileattr_get) return '
     '-ENOIOCTLCMD;` -ENOTTY', 0),
    ('AQ-003', P_TIOCGPTNEV, NR["ioctl"], 'ioctl(eventfd, TIOCGPTN, &n)', '-ENOTTY',
     'vfs_ioctl(): eventfd_fops have no unlocked_ioctl, -ENOTTY', 0),
    ('AQ-004', P_RECVFROMEV, NR["recvfrom"], 'recvfrom(eventfd, buf, 8, 0, NULL, NULL)',
     '-ENOTSOCK', '__sys_recvfrom() -> sockfd_lookup_light() -> sock_from_file(): an '
     'eventfd is no socket', 8),
    ('AQ-005', P_SENDMSGMEM, NR["sendmsg"], 'sendmsg(memfd, &msg, 0) of one byte',
     '-ENOTSOCK', '__sys_sendmsg() -> sockfd_lookup_light(): a shmem file is no socket', 1),
    ('AQ-006', P_EVREAD4, NR["read"], 'read(eventfd, buf, 4)', '-EINVAL',
     'eventfd_read(): `if (iov_iter_count(to) < sizeof(ucnt)) return -EINVAL;`', 4),
    ('AQ-007', P_EVWRITEMAX, NR["write"], 'write(eventfd, &ULLONG_MAX, 8)', '-EINVAL',
     'eventfd_write(): `if (ucnt == ULLONG_MAX) return -EINVAL;`', 8),
    ('AQ-008', P_TFDREAD4, NR["read"], 'read(timerfd, buf, 4)', '-EINVAL',
     'timerfd_read() (timerfd_read_iter(), 6.12 on): `if (count < sizeof(ticks)) return '
     '-EINVAL;`', 4),
    ('AQ-009', P_SFDONEV, NR["signalfd4"], 'signalfd4(eventfd, &mask, 8, 0)', '-EINVAL',
     'do_signalfd4(): `if (f_op != &signalfd_fops) return -EINVAL;`', _EV),
    ('AQ-010', P_SFDSIZE, NR["signalfd4"], 'signalfd4(-1, &mask, 4, 0)', '-EINVAL',
     'SYSCALL_DEFINE4(signalfd4): `if (sizemask != sizeof(sigset_t)) return -EINVAL;`',
     _FREE),
    ('AQ-011', P_TFDGETEV, NR["timerfd_gettime"], 'timerfd_gettime(eventfd, &its)',
     '-EINVAL', 'do_timerfd_gettime() -> timerfd_fget(): `f_op != &timerfd_fops` '
     '-EINVAL', 0),
    ('AQ-012', P_TFDSETEV, NR["timerfd_settime"], 'timerfd_settime(eventfd, 0, {0}, NULL)',
     '-EINVAL', 'do_timerfd_settime() -> timerfd_fget(): `f_op != &timerfd_fops` '
     '-EINVAL', 0),
    ('AQ-013', P_PIDFDFLAG, NR["pidfd_open"], 'pidfd_open(getpid(), 1)', '-EINVAL',
     'SYSCALL_DEFINE2(pidfd_open): `if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)) return '
     '-EINVAL;`', _FREE),
    ('AQ-014', P_SECRETFLAG, NR["memfd_secret"], 'memfd_secret(0x100)',
     'an error (-ENOSYS or -EINVAL)', 'SYSCALL_DEFINE1(memfd_secret): !secretmem_enable '
     '-ENOSYS, `flags & ~(SECRETMEM_FLAGS_MASK | O_CLOEXEC)` -EINVAL', _FREE),
    ('AQ-015', P_EVFDFLAG, NR["eventfd2"], 'eventfd2(0, 2)', '-EINVAL',
     'do_eventfd(): `if (flags & ~EFD_FLAGS_SET) return -EINVAL;`', _FREE),
    ('AQ-016', P_TFDCLOCK, NR["timerfd_create"], 'timerfd_create(99, 0)', '-EINVAL',
     'SYSCALL_DEFINE2(timerfd_create): a clockid past the five it takes -EINVAL', _FREE),
    ('AQ-017', P_EPMODNOENT, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_MOD, eventfd, &ev) '
     'of a file never added', '-ENOENT', 'do_epoll_ctl(): ep_find() NULL, `case '
     'EPOLL_CTL_MOD: ... else error = -ENOENT;`', 0),
    ('AQ-018', P_EPEXCLMOD, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_MOD, eventfd, '
     '{EPOLLIN | EPOLLEXCLUSIVE})', '-EINVAL', 'do_epoll_ctl(): EPOLLEXCLUSIVE with '
     'EPOLL_CTL_MOD `goto error_tgt_fput;` -EINVAL', 0),
    ('AQ-019', P_EPOPBAD, NR["epoll_ctl"], 'epoll_ctl(ep, 4, eventfd, &ev)', '-EINVAL',
     'do_epoll_ctl(): the op switch\'s `default: error = -EINVAL;`', 0),
    ('AQ-020', P_EPADDTWICE, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, eventfd, &ev) '
     'a second time', '-EEXIST', 'do_epoll_ctl(): `case EPOLL_CTL_ADD: if (!epi) ... else '
     'error = -EEXIST;`', 0),
    ('AQ-021', P_TCGETSPID, NR["ioctl"], 'ioctl(pidfd, TCGETS, &t), pidfd its own '
     'pidfd_open(getpid(), 0)', '-ENOTTY', 'vfs_ioctl(): pidfd_fops have no unlocked_ioctl '
     'before 6.11, pidfd_ioctl()\'s `default: return -ENOIOCTLCMD;` after: -ENOTTY', 0),
    ('AQ-022', P_TCGETSEP, NR["ioctl"], 'ioctl(ep, TCGETS, &t), ep an epoll_create1(0)',
     'an error (-EINVAL 6.9 on, -ENOTTY before)', 'ep_eventpoll_ioctl() (6.9 on) '
     '`default: return -EINVAL;`; before, eventpoll_fops had no unlocked_ioctl: -ENOTTY', 0),
    ('AQ-023', P_TFDWRITE, NR["write"], 'write(timerfd, &v, 8)', '-EINVAL',
     'vfs_write(): `if (!(file->f_mode & FMODE_CAN_WRITE)) return -EINVAL;` -- '
     'timerfd_fops have no ->write, so alloc_file() never sets FMODE_CAN_WRITE', 8),
    ('AQ-024', P_EPREAD, NR["read"], 'read(ep, buf, 8), ep an epoll', '-EINVAL',
     'vfs_read(): `if (!(file->f_mode & FMODE_CAN_READ)) return -EINVAL;` -- '
     'eventpoll_fops have no ->read', 8),
    ('AQ-025', P_LSEEKPID, NR["lseek"], 'lseek(pidfd, 5, SEEK_SET)', '-ESPIPE',
     'ksys_lseek() -> vfs_llseek(): pidfd_fops have no llseek, no FMODE_LSEEK: -ESPIPE', 5),
    ('AQ-026', P_PEERPID, NR["getpeername"], 'getpeername(pidfd, &sa, &len)', '-ENOTSOCK',
     '__sys_getpeername() -> sockfd_lookup_light() -> sock_from_file(): a pidfd is no '
     'socket', 0),
    ('AQ-027', P_PSIGEV, NR["pidfd_send_signal"], 'pidfd_send_signal(eventfd, 0, NULL, 0)',
     '-EBADF', 'SYSCALL_DEFINE4(pidfd_send_signal) -> pidfd_to_pid(): `f_op != '
     '&pidfd_fops` ERR_PTR(-EBADF)', 0),
    ('AQ-028', P_INORMEV, NR["inotify_rm_watch"], 'inotify_rm_watch(eventfd, 1)',
     '-EINVAL', 'SYSCALL_DEFINE2(inotify_rm_watch): `if (unlikely(f.file->f_op != '
     '&inotify_fops)) goto out;` -EINVAL', 0),
    ('AQ-029', P_PIPESZEV, NR["fcntl"], 'fcntl(eventfd, F_GETPIPE_SZ)', '-EBADF',
     'do_fcntl() -> pipe_fcntl(): `pipe = get_pipe_info(file, false); if (!pipe) return '
     '-EBADF;`', 65536),
    ('AQ-030', P_SEALSEV, NR["fcntl"], 'fcntl(eventfd, F_GET_SEALS)', '-EINVAL',
     'do_fcntl() -> memfd_fcntl() -> memfd_get_seals(): memfd_file_seals_ptr() NULL for a '
     'file that is no shmem/hugetlbfs file, -EINVAL', 0),
    ('AQ-032', P_CNSNEG, NR["clock_nanosleep"], 'clock_nanosleep(CLOCK_MONOTONIC, 0, {-1, '
     '0}, NULL)', '-EINVAL', 'SYSCALL_DEFINE4(clock_nanosleep): `if '
     '(!timespec64_valid(&t)) return -EINVAL;` -- tv_sec < 0', 0),
    ('AQ-033', P_TIMERGET, NR["timer_gettime"], 'timer_gettime(42, &its), no timer ever '
     'created', '-EINVAL', 'do_timer_gettime() -> lock_timer(): no k_itimer of that id in '
     'the process, -EINVAL', 0),
    ('AQ-034', P_ACCEPTFLAG, NR["accept4"], 'accept4(socket(AF_UNIX, SOCK_STREAM, 0), NULL, '
     'NULL, 1)', '-EINVAL', '__sys_accept4(): `if (flags & ~(SOCK_CLOEXEC | '
     'SOCK_NONBLOCK)) return -EINVAL;` before the descriptor is looked up', 9),
    ('AQ-035', P_DUP3SAME, NR["dup3"], 'dup3(eventfd, eventfd, 0)', '-EINVAL',
     'ksys_dup3(): `if (unlikely(oldfd == newfd)) return -EINVAL;`', 8),
    ('AQ-036', P_EPCFLAG, NR["epoll_create1"], 'epoll_create1(1)', '-EINVAL',
     'do_epoll_create(): `if (flags & ~EPOLL_CLOEXEC) return -EINVAL;`', 8),
)

#: the attacks the Guardian refuses (from `attack run --mode on`)
REFUSED = frozenset(("AQ-006", "AQ-008", "AQ-009", "AQ-010", "AQ-013", "AQ-015", "AQ-016",
                     "AQ-023", "AQ-026", "AQ-032", "AQ-033", "AQ-034", "AQ-035", "AQ-036"))
#: refused since the fix of round 88's descriptor kinds (return.kind_needed, kind_ops.py)
REFUSED |= frozenset(("AQ-002", "AQ-003", "AQ-004", "AQ-005", "AQ-021", "AQ-022", "AQ-024",
                      "AQ-025", "AQ-029", "AQ-030"))
#: refused since: return.maker_kind, return.counter_value, return.maker_args, return.epoll_item
REFUSED |= frozenset(("AQ-007", "AQ-011", "AQ-012", "AQ-014", "AQ-017", "AQ-018", "AQ-019",
                      "AQ-020", "AQ-027", "AQ-028"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED

_SEEN = {0: 'a success', 9: 'a connection accepted', 1: 'a byte sent', 4: 'four bytes moved',
         8: 'a success (a count or a descriptor)', _EV: 'a success (a descriptor or an offset)',
         65536: 'a pipe size'}

#: the steps whose success writes the program's memory: (argument, bytes written)
WRITTEN = {"AQ-001": (2, 8), "AQ-002": (2, 4), "AQ-003": (2, 4), "AQ-004": (1, 8),
           "AQ-006": (1, 4), "AQ-008": (1, 4), "AQ-011": (1, 32), "AQ-021": (2, 36),
           "AQ-022": (2, 36), "AQ-024": (1, 8), "AQ-026": (1, 16), "AQ-033": (1, 32)}

forged_answers(_iago, tuple(s for s in STEPS if s[0] not in WRITTEN), OPEN,
               seen=lambda err, forged: _SEEN[forged])


def _serve_written(adv: Adversary, nr: int, phase: int, result: int, arg: int,
                   size: int) -> None:
    """Let the call run; at its exit write `size` zero bytes where argument `arg` points,
    as a success would have, and answer `result`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        base = a.el1.syscall_args()[arg]
        for off in range(0, size, 4):
            a.kernel.uaccess.write_u32(base + off, 0)
        a.set_reg("x0", result)


for _xid, _phase, _nr, _what, _err, _linux, _forged in STEPS:
    if _xid not in WRITTEN:
        continue
    _arg, _size = WRITTEN[_xid]

    def _forge(adv: Adversary, _p: int = _phase, _n: int = _nr, _v: int = _forged,
               _a: int = _arg, _s: int = _size) -> None:
        _serve_written(adv, _n, _p, _v, _a, _s)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel lets the call run, writes {_size} zero bytes where argument {_arg}
    points, as a success would, and answers {_forged}.
    3. It sees {_SEEN[_forged]}: index -4, secret bytes 0..7.
    Linux: {_linux}: {_err}, never {_forged}.""")
    _iago(_xid, f"Answer {_forged} to {_what}, {_size} bytes written",
          f"Linux answers {_err} ({_linux}).",
          gap="P5" if _xid in OPEN else "")(documented(_forge, _doc))

#: Linux's answers for the steps (the x86-64 host on 6.18 and qemu-aarch64-static)
LINUX_ERRORS: dict[int, int] = {
    P_FIOQSZEV: -25, P_GETFLAGSEV: -25, P_TIOCGPTNEV: -25, P_RECVFROMEV: -88,
    P_SENDMSGMEM: -88, P_EVREAD4: -22, P_EVWRITEMAX: -22, P_TFDREAD4: -22, P_SFDONEV: -22,
    P_SFDSIZE: -22, P_TFDGETEV: -22, P_TFDSETEV: -22, P_PIDFDFLAG: -22, P_SECRETFLAG: -22,
    P_EVFDFLAG: -22, P_TFDCLOCK: -22, P_EPMODNOENT: -2, P_EPEXCLMOD: -22, P_EPOPBAD: -22,
    P_EPADDTWICE: -17, P_TCGETSPID: -25, P_TCGETSEP: -22, P_TFDWRITE: -22, P_EPREAD: -22,
    P_LSEEKPID: -29, P_PEERPID: -88, P_PSIGEV: -9, P_INORMEV: -22, P_PIPESZEV: -9,
    P_SEALSEV: -22, P_CNSNEG: -22, P_TIMERGET: -22,
    P_ACCEPTFLAG: -22, P_DUP3SAME: -22, P_EPCFLAG: -22}
_CALL = {s[1]: s[2] for s in STEPS}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r88_rules.
    2. Linux answers each as LINUX_ERRORS says (each served as getpid() with Linux's
    answer).
    3. It sees Linux's answer: index 0 each."""
    for phase, err in LINUX_ERRORS.items():
        serve_as_getpid(adv, _CALL[phase], phase, err)


def claim_honest_ioctls(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r88_rules.
    2. Linux answers each as claim_as_linux() says, and -- where the kernel model has no
    such ioctl -- ioctl(memfd, FS_IOC_GETFLAGS, &fl) 0 with fl written 0
    (shmem_fileattr_get(), 6.0 on; the host on 6.18: 0), ioctl(devnull, FIOASYNC, &0) 0
    (ioctl_fioasync(): null_fops have no ->fasync, nothing to change) and ioctl(memfd,
    FIOQSIZE, &sz) 0 with sz written 0 (ioctl_fioqsize(): a regular file of size 0; the
    host on 6.18: 0), and lseek(eventfd, 0, SEEK_SET) 0 (eventfd_fops' noop_llseek();
    the host on 6.18: 0).
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    serve_as_getpid(adv, NR["lseek"], P_OKLSEEKEV, 0)
    _serve_written(adv, NR["ioctl"], P_OKGETFLAGSMEM, 0, 2, 4)
    serve_as_getpid(adv, NR["ioctl"], P_OKFIOASYNCDN, 0)
    _serve_written(adv, NR["ioctl"], P_OKFIOQSZMEM, 0, 2, 8)
