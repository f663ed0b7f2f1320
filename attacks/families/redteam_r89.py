"""Red-team round eighty-nine: round 88's kind rules (return.kind_needed widened,
guardian/kind_ops.py; return.maker_kind) past the kinds and calls they judge -- the ioctls
of a timerfd, signalfd, inotify, pipe and socket, reads and writes of a signalfd and an
inotify, the positioned calls (pread64, pwrite64, lseek) of files alloc_file() gives no
FMODE_PREAD / FMODE_LSEEK, a pipe's write end read, splice and copy_file_range from an
eventfd, fcntl commands per kind (F_NOTIFY, F_SETLEASE), epoll calls whose epoll
descriptor is none or the target itself, the file calls a pipe or an eventfd has not
(fallocate, ftruncate, fsync, getdents64, tee, vmsplice, fadvise64, readahead, FIOQSIZE,
FIOASYNC), inotify_add_watch/fanotify_mark on another kind, a number dup3() changed,
and the state a kind holds (a timerfd never armed, an eventfd never written, an empty
pipe or epoll, a signalfd's mask, kcmp of two files).

Each step: the kernel serves the call as getpid() and answers a success (0, a count, or
a watch descriptor) where every Linux 6.1..6.18 refuses the call; where a success writes
the program's memory the call runs and the kernel writes zeros there as a success
would.  Linux's answers (qemu-aarch64-static on the 6.18.44 host, passing each call
through: the victim built with RULES_DEBUG printed "+0" -- Linux's answer -- for every
step), and the kernel function that decides each:

AT-001 ioctl(timerfd, TCGETS, &t): vfs_ioctl() -> timerfd_ioctl() `default: ret =
-ENOTTY;` (TFD_IOC_SET_TICKS alone).  AT-002 ioctl(signalfd, TCGETS): signalfd_fops have
no unlocked_ioctl, vfs_ioctl() -ENOTTY.  AT-003 ioctl(inotify, TCGETS): inotify_ioctl()
serves FIONREAD and INOTIFY_IOC_SETNEXTWD, `default: ret = -ENOTTY;`.  AT-004 ioctl(pipe,
TCGETS): pipe_ioctl() (FIONREAD, IOC_WATCH_QUEUE_*) `default: return -ENOIOCTLCMD;` ->
-ENOTTY.  AT-005 ioctl(AF_UNIX socket, TCGETS): sock_ioctl() -> sock_do_ioctl():
unix_ioctl() -ENOIOCTLCMD, `if (!is_socket_ioctl_cmd(cmd)) return -ENOTTY;` (qemu: errno
25 each).  AT-006 read(signalfd, buf, 64): signalfd_read_iter() `count /= sizeof(struct
signalfd_siginfo); if (!count) return -EINVAL;` (qemu: 22).  AT-007 read(inotify, buf,
4): inotify_read() -> get_one_event() `if (event_size > count) return
ERR_PTR(-EINVAL);`, whole events only; none pending, IN_NONBLOCK: -EAGAIN (qemu: 11).
AT-008 write(signalfd, &v, 8): vfs_write() no FMODE_CAN_WRITE -EINVAL (qemu: 22).
AT-009 write(inotify, &v, 8): do_inotify_init() opens O_RDONLY, vfs_write() `if
(!(file->f_mode & FMODE_WRITE)) return -EBADF;` (qemu: 9).  AT-010 pread64(eventfd,
buf, 8, 0): ksys_pread64() `ret = -ESPIPE; if (f.file->f_mode & FMODE_PREAD)` --
anon_inode_getfile() -> alloc_file() sets FMODE_LSEEK at most, never FMODE_PREAD (qemu:
29).  AT-011 lseek(pipe, 0, SEEK_SET): pipefifo_fops have no llseek (no_llseek before
6.12), vfs_llseek() -ESPIPE (qemu: 29).  AT-012 pwrite64(pipe write end, &v, 8, 0):
ksys_pwrite64() no FMODE_PWRITE, -ESPIPE (qemu: 29).  AT-013 read(pipe write end, buf,
8): vfs_read() `if (!(file->f_mode & FMODE_READ)) return -EBADF;` (qemu: 9).  AT-014
splice(eventfd, NULL, pipe write end, NULL, 8, 0): do_splice() -> splice_file_to_pipe()
-> do_splice_read() (do_splice_to() before 6.5) `if (unlikely(!in->f_op->splice_read))
return warn_unsupported(in, "read");` -EINVAL (qemu: 22).  AT-015 copy_file_range(eventfd,
NULL, memfd, NULL, 8, 0): vfs_copy_file_range() -> generic_copy_file_checks() `if
(!S_ISREG(inode_in->i_mode) ...) return -EINVAL;` (qemu: 22).  AT-016 fcntl(eventfd,
F_NOTIFY, DN_MODIFY): fcntl_dirnotify() `if (!S_ISDIR(inode->i_mode)) return -ENOTDIR;`
(qemu: 20).  AT-017 fcntl(pipe, F_SETLEASE, F_RDLCK): fcntl_setlease() -> vfs_setlease()
-> generic_setlease() `if (!S_ISREG(inode->i_mode)) return -EINVAL;` (-EACCES first for
a file another user owns; qemu as root: 22).  AT-018 fcntl(eventfd, F_SETFL, O_DIRECT):
setfl() `if ((arg & O_DIRECT) && !(filp->f_mode & FMODE_CAN_ODIRECT)) return -EINVAL;`
(qemu: 22).  AT-019 epoll_pwait(eventfd, evs, 1, 0, NULL, 8): do_epoll_wait() `if
(!is_file_epoll(f.file))` -EINVAL (qemu: 22).  AT-020 epoll_ctl(ep, EPOLL_CTL_ADD, ep,
&e): do_epoll_ctl() `if (f.file == tf.file || !is_file_epoll(f.file)) goto
error_tgt_fput;` -EINVAL (qemu: 22).  AT-021 epoll_ctl(eventfd, EPOLL_CTL_ADD, timerfd,
&e): the same test, the first descriptor no epoll, -EINVAL (qemu: 22).  AT-022
read(timerfd, buf, 8), the timer never armed, TFD_NONBLOCK: timerfd_read() `if
(!ctx->ticks) ... -EAGAIN` -- ticks grow only once timerfd_settime() armed it (qemu:
11).  AT-023 fanotify_mark(eventfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/"):
do_fanotify_mark() `if (unlikely(f.file->f_op != &fanotify_fops)) goto fput_and_out;`
-EINVAL (qemu: an error).  AT-024 fallocate(pipe write end, 0, 0, 8): vfs_fallocate()
`if (S_ISFIFO(inode->i_mode)) return -ESPIPE;` (qemu: 29).  AT-025 ftruncate(pipe write
end, 0): do_sys_ftruncate() (do_ftruncate() 6.11 on) `if (!S_ISREG(inode->i_mode) ||
!(file->f_mode & FMODE_WRITE)) return -EINVAL;` (qemu: 22).  AT-026 fsync(eventfd):
vfs_fsync_range() `if (!file->f_op->fsync) return -EINVAL;` (qemu: 22).  AT-027
inotify_add_watch(eventfd, "/", IN_MODIFY): `if (unlikely(f.file->f_op !=
&inotify_fops)) return -EINVAL;` (qemu: 22).

AT-028 read(signalfd, buf, 128) of mask {SIGUSR1}, answered 128 with a record of
ssi_signo 0: signalfd_dequeue() -> dequeue_signal(&ctx->sigmask) hands out only a signal
of the mask (none pending, SFD_NONBLOCK: -EAGAIN; qemu: 11).  AT-029 kcmp(pid, pid,
KCMP_FILE, eventfd, memfd) answered 0: kcmp_ptr() of two struct files made apart is 1 or
2 (qemu: not 0).  AT-030 getdents64(pipe, buf, 64): iterate_dir() no ->iterate_shared,
-ENOTDIR (qemu: 20).  AT-031 tee(pipe, its own write end, 8, SPLICE_F_NONBLOCK): do_tee()
`ipipe != opipe` or -EINVAL (qemu: 22).  AT-032 vmsplice(eventfd, &iov, 1, 0) answered 0:
vmsplice() `get_pipe_info(f.file, true)` NULL, -EBADF (qemu: 9).  AT-033
fadvise64(pipe write end, 0, 0, POSIX_FADV_NORMAL): generic_fadvise() `if
(S_ISFIFO(inode->i_mode)) return -ESPIPE;` (qemu: 29).  AT-034 readahead(pipe, 0, 8):
ksys_readahead() `!S_ISREG(...)` -EINVAL (qemu: 22).  AT-035 ioctl(AF_UNIX socket,
FIOQSIZE, &sz): ioctl_fioqsize() S_IFSOCK -ENOTTY on every version (host natively: 25;
qemu has no FIOQSIZE).  AT-036 pread64(n, ...) once dup3(eventfd, n, 0) put an eventfd
at a memfd's number: ksys_pread64() -ESPIPE (qemu: 29).  AT-037 epoll_pwait(ep2, evs, 1,
0, NULL, 8) of a new epoll nothing was added to, answered 1 with {EPOLLIN, 0}: ep_poll()
finds the ready list empty, 0 (qemu: 0).  AT-038 read(e3, buf, 8) of a new EFD_NONBLOCK
eventfd never written, answered 8 with the count 1: eventfd_read() `if (!ctx->count)`
-EAGAIN (qemu: 11).  AT-039 ioctl(p2, FIONREAD, &n) of a new pipe never written,
answered 0 with n 8: pipe_ioctl() FIONREAD sums the ring's bytes, 0 (qemu: 0, n 0).
AT-040 ioctl(eventfd, FIOASYNC, &one): ioctl_fioasync() `if (filp->f_op->fasync) ...
else error = -ENOTTY;` where FASYNC changes -- eventfd_fops have no ->fasync (host
natively and qemu: errno 25; a pipe: 0).  AT-041 read(e5, buf, 8) of an EFD_SEMAPHORE |
EFD_NONBLOCK eventfd written 2 and read twice (8 with the count 1 each), answered 8 with
1: eventfd_read() `ucnt = (ctx->flags & EFD_SEMAPHORE) ? 1 : ctx->count;`, the count is
0, -EAGAIN (qemu: 11).  AT-042 ioctl(pidfd, _IO(0xFF, 0x77), 0): pidfd_fops have no
unlocked_ioctl before 6.11, pidfd_ioctl()'s `default: return -ENOIOCTLCMD;` after:
-ENOTTY (host natively: 25; qemu passes no unknown ioctl: 38).  AT-043 ioctl(ep,
_IO(0x8A, 0x77), 0): ep_eventpoll_ioctl() (6.9 on) `default: return -EINVAL;`, -ENOTTY
before (host natively: 22).

Left out: inotify's own ioctls, reads and writes (the kernel model has no
inotify_init1(), so the steps would never run) and fcntl(eventfd, F_SETFL, O_DIRECT)
(setfl()'s FMODE_CAN_ODIRECT test: -EINVAL; the kernel model answers 0, so the
untouched victim would leak): phases 16804, 16812, 16816 and 16834 are unused.

Through with the Guardian on when written (gaps): AT-001, AT-002, AT-004, AT-005, AT-008,
AT-011, AT-016, AT-017, AT-022, AT-023, AT-026, AT-030, AT-032, AT-033, AT-034, AT-035,
AT-040.  What the Guardian would need for each: AT-001, AT-002, AT-004, AT-005 -- the
timerfd (timerfd_ioctl(): TFD_IOC_SET_TICKS alone), the signalfd (no unlocked_ioctl),
the pipe (pipe_ioctl(): FIONREAD, IOC_WATCH_QUEUE_*) and the socket (sock_do_ioctl():
the socket's own and is_socket_ioctl_cmd() commands) among ioctl_why()'s kinds: a 'T'
command but do_vfs_ioctl()'s own is -ENOTTY for each (only a tty driver serves TCGETS);
AT-035 -- FIOQSIZE of a socket or pipe is -ENOTTY on every version (S_IFSOCK /
S_IFIFO, no 6.15 anon-inode excuse); AT-040 -- FIOASYNC of a nonzero value on a file
whose fops have no ->fasync (eventfd, epoll, timerfd, signalfd, memfd, pidfd) is
-ENOTTY, unless FASYNC is already set; AT-008 -- a write of a signalfd (no ->write, like
the timerfd's already judged) -EINVAL; AT-011 -- lseek of a pipe (or socket: no
FMODE_LSEEK) -ESPIPE, as pread64/pwrite64 of one already are; AT-030 -- getdents64 of
a pipe (any maker's file but a directory) -ENOTDIR, as of a memfd already; AT-032 --
vmsplice of a file that is no pipe -EBADF (get_pipe_info()), not only its byte count;
AT-033, AT-034 -- fadvise64 of a pipe -ESPIPE and readahead of a file that is no
regular file -EINVAL, as fallocate and ftruncate of a pipe already are; AT-016 --
F_NOTIFY with events (arg & ~DN_MULTISHOT) of a file that is no directory -ENOTDIR;
AT-017 -- F_SETLEASE (F_RDLCK / F_WRLCK) of a file that is no regular file -EINVAL
(generic_setlease()); AT-026 -- fsync/fdatasync of a file whose fops have no ->fsync
(eventfd, pipe, socket, epoll, timerfd, signalfd, pidfd) -EINVAL; AT-023 --
fanotify_mark of a descriptor that is no fanotify group -EINVAL (maker_kinds.py holds
inotify_add_watch/_rm_watch: fanotify_mark's first argument the same way); AT-022 -- a
timerfd never armed by timerfd_settime() (nor TFD_IOC_SET_TICKS) has no tick to read:
-EAGAIN / blocks, as the eventfd counter rule (AT-038's refusal) already follows an
eventfd's count.
Refused: AT-006 (a signalfd read of less than one siginfo), AT-010, AT-012, AT-036
(pread64/pwrite64 of a file with no FMODE_PREAD/FMODE_PWRITE, through a number dup3()
changed too), AT-013 (a read through an O_WRONLY pipe end), AT-014 (splice from a file
with no splice_read), AT-015 (copy_file_range of no regular file), AT-019, AT-021
(epoll_pwait / epoll_ctl on a descriptor that is no epoll), AT-020 (epoll_ctl of the
epoll onto itself), AT-024, AT-025 (fallocate / ftruncate of a pipe), AT-027
(inotify_add_watch of no inotify), AT-028 (a signalfd record of a signal outside the
mask), AT-029 (kcmp KCMP_FILE 0 of two files made apart), AT-031 (tee of a pipe into
itself), AT-037 (an epoll event no registration has), AT-038 (an eventfd read while the
counter the program follows is 0; AT-041 the same after EFD_SEMAPHORE's reads of 1
each), AT-042, AT-043 (an ioctl of the pidfd's or epoll's own type that no kernel
serves, answered 0: "no output contract"), AT-039 (FIONREAD of the program's own pipe
other than the bytes it wrote).
Refused since round 89's kind fixes (return.kind_needed widened, guardian/kind_ops.py
and kind_needed.py): AT-001, AT-002, AT-004, AT-005 (TCGETS of a timerfd, signalfd, pipe
end, AF_UNIX socket: ioctl_why() knows timerfd_fops -- TFD_IOC_SET_TICKS --,
signalfd_fops, pipe_ioctl()'s FIONREAD and 'W' commands, unix_ioctl()'s SIOCOUTQ/SIOCINQ
with sock_ioctl()'s 0x89 and 0x8B types), AT-035 (FIOQSIZE of a pipe or socket:
S_IFIFO / S_IFSOCK), AT-008 (a signalfd's writes), AT-011 (lseek of a pipe or socket),
AT-026 (fsync/fdatasync of a maker's file but a memfd), AT-030 (getdents64 of any
maker's file), AT-032 (vmsplice of no pipe, a 0 only where the iovecs, read where quiet,
hold a byte: vmsplice() answers 0 for an empty iov_iter before get_pipe_info()), AT-033
(fadvise64 of a pipe), AT-034 (readahead of a pipe or socket; anon inodes were S_IFREG
on 6.15.0..6.15.5 and pidfs inodes are, so those are let through).  AT-040 stays open:
ioctl_fioasync() fails only where FASYNC changes, and setfl() writes FASYNC into f_flags
even for a file with no ->fasync (fcntl(eventfd, F_SETFL, O_ASYNC) 0, an honest claim),
so the Guardian would need each open file's FASYNC as every holder left it (its own
F_SETFL and FIOASYNC, a fork child's or an SCM_RIGHTS receiver's, none in flight: as
return.fd_nonblock follows O_NONBLOCK) and FIOASYNC's int read where quiet.

Honest answers (tests/test_redteam_r89_claims.py, passing with the Guardian on but the
four false refusals below):
every step answered as Linux does (LINUX_ERRORS), fcntl(eventfd, F_NOTIFY, 0) 0
(fcntl_dirnotify() flushes before the S_ISDIR test), ioctl(pipe, FIONREAD) 0, fcntl(eventfd,
F_GETOWN_EX) 0, lseek(timerfd, 0, SEEK_SET) 0, pread64(memfd) 0, ioctl(signalfd, FIOCLEX)
0, pread64 of a memfd dup3()ed over an eventfd's number 0, kcmp KCMP_FILE of a file and
its dup 0, fcntl(eventfd, F_SETFL, O_ASYNC | O_NONBLOCK) 0 (setfl() calls ->fasync only
where there is one: the host and qemu 0), ioctl(pipe, FIOASYNC, &one) 0, an empty
epoll's epoll_pwait 0, a new pipe's FIONREAD 0 with n 0, and the count 1 and the 8 bytes
a fork child wrote to an eventfd and a pipe before it was reaped (read 8 with 1,
FIONREAD n 8: the Guardian follows the child's writes), two reads of an EFD_SEMAPHORE
eventfd written 2 (1 each), a read of eventfd2(3, ...) (3) and ioctl(pidfd,
PIDFD_GET_INFO, &info) 0 with the struct written (6.13 on), and ioctl(timerfd,
TFD_IOC_SET_TICKS, &one) 0 then a read of that timerfd, never armed, 8 with 1 tick
(test_timerfd_set_ticks: the host natively 0, then 8 with 1 -- the edge AT-022's rule
must leave open), and ioctl(AF_UNIX socket, SIOCOUTQ, &w) 0 with w 0
(test_socket_outq), and epoll_ctl(ep3, EPOLL_CTL_MOD, e7) 0 once a fork child added e7
to the shared epoll and was reaped (ep_find() finds the child's item: the Guardian
follows the child's epoll_ctl).
False refusals found (xfail, strict): test_pidfd_get_namespace -- ioctl(pidfd,
PIDFD_GET_UTS_NAMESPACE, 0) answered a new descriptor, as pidfd_ioctl() ->
open_namespace() does on 6.11+ (the host natively: a descriptor), is refused as a
command "with no output contract": the Guardian needs PIDFD_GET_*_NAMESPACE
(_IO(0xFF, 1..10)) as makers of a descriptor on a sure pidfd (the lowest free number,
-ENOTTY before 6.11); test_socket_atmark -- ioctl(AF_UNIX socket, SIOCATMARK, &v) 0
with v 0, as unix_ioctl() answers (CONFIG_AF_UNIX_OOB, default y; the host natively and
qemu: 0, v 0), is refused the same way: the Guardian needs SIOCATMARK (0x8905) with
its int output on a socket (AF_UNIX 5.15 on, TCP/SCTP always); test_figetbsz --
ioctl(memfd, FIGETBSZ, &b) 0 with b 4096 (do_vfs_ioctl() `case FIGETBSZ:`
put_user(sb->s_blocksize); the host natively and qemu: 0, 4096) refused alike: the
Guardian needs FIGETBSZ's int output (every file: do_vfs_ioctl()'s own); test_siocgpgrp
-- ioctl(AF_UNIX socket, SIOCGPGRP, &g) 0 with g 0 (sock_ioctl() `case SIOCGPGRP:`
put_user(f_getown()); the host natively and qemu: 0, 0) refused alike: the Guardian
needs sock_ioctl()'s own SIOCGPGRP/SIOCSPGRP (and FIOGETOWN/FIOSETOWN) contracts on a
socket.
Refused since (round 89's fcntl and maker fixes): AT-016 and AT-017 by `return.fcntl_kind` (guardian/maker_kinds.py:
fcntl(F_NOTIFY) with events -- the low 32 bits of arg past DN_MULTISHOT -- of a file a
maker of FIXED_KIND_MAKERS made, no directory, fcntl_dirnotify() -ENOTDIR; F_SETLEASE of
one but memfd_create's, no regular file, generic_setlease() -EINVAL; the table steady, no
filter), AT-023 by `return.maker_kind` widened (fanotify_mark of no fanotify group,
do_fanotify_mark() `f_op != &fanotify_fops` -EINVAL), AT-022 by `return.eventfd_sum`
widened (guardian/sole_held.py: a timerfd the program made is followed as a counter at 0
-- timerfd_read() `if (!ctx->ticks)` -EAGAIN -- until a timerfd_settime on it, whatever it
answered or while in flight, or an ioctl that may be TFD_IOC_SET_TICKS, ends the judging;
only while the Guardian follows every holder, as an eventfd's).  The four false refusals are fixed
(no longer xfail): abi/output_commands.py gives SIOCATMARK, SIOCGPGRP, FIOGETOWN and
FIGETBSZ one int written, SIOCSPGRP/FIOSETOWN none, and PIDFD_GET_*_NAMESPACE
(0xff01..0xff0a) none -- the descriptor it answers is an ioctl's, which fd_records.py
already follows as a maker it cannot see (every known-free number forgotten).
The kernel model's fcntl(eventfd, F_SETFL, O_DIRECT) now answers -EINVAL as setfl() does
(an anon inode has no FMODE_CAN_ODIRECT; tests/test_kernel_model_r89.py).

The victim is `secret_r89_rules` (workloads/src/secret_r89_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r89"
RULES = "secret_r89_rules"
NR = NUMBERS

(P_TCGETSTFD, P_TCGETSSFD, P_TCGETSINO, P_TCGETSPIPE, P_TCGETSSOCK, P_SFDREAD64, P_INOREAD4,
 P_SFDWRITE, P_INOWRITE, P_PREADEV, P_LSEEKPIPE, P_PWRITEPIPE, P_READPIPEW, P_SPLICEEV,
 P_CFREV, P_NOTIFYEV, P_LEASEPIPE, P_ODIRECTEV, P_EPWAITEV, P_EPADDSELF, P_EPCTLNOTEP,
 P_TFDUNARMED, P_FANMARKEV, P_FALLOCPIPE, P_FTRUNCPIPE, P_FSYNCEV,
 P_INOADDEV, P_SFDSIGNO, P_KCMPFILE, P_GETDENTSPIPE, P_TEESAME, P_VMSPLICEEV, P_FADVPIPE,
 P_READAHEADPIPE, P_FIOQSZSOCK, P_DUP3PREAD, P_EPWAITEMPTY, P_EVREADUNSET, P_FIONREADPIPEN,
 P_FIOASYNCEV, P_SEMDRAINED, P_PIDFDIOCBAD, P_EPIOCBAD) = range(16800, 16886, 2)
(P_OKNOTIFY0, P_OKFIONREADPIPE, P_OKGETOWNEX, P_OKLSEEKTFD, P_OKPREADMEM,
 P_OKFIOCLEXSFD, P_OKDUP3MEMPREAD, P_OKKCMPSAME, P_OKSETFLASYNC,
 P_OKFIOASYNCPIPE, P_OKFORKEV, P_OKFORKPIPE, P_OKSEMREAD, P_OKEVINIT,
 P_OKPIDFDINFO, P_OKPIDFDNS, P_OKSETTICKS, P_OKTICKSREAD, P_OKATMARK,
 P_OKOUTQ, P_OKFIGETBSZ, P_OKSIOCGPGRP, P_OKFORKEPMOD) = range(16900, 16946, 2)
P_FIRST, P_LAST = P_TCGETSTFD, P_OKFORKEPMOD

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AT-001', P_TCGETSTFD, NR["ioctl"], 'ioctl(timerfd, TCGETS, &t)', '-ENOTTY',
     'vfs_ioctl() -> timerfd_ioctl(): `default: ret = -ENOTTY;` (TFD_IOC_SET_TICKS alone)',
     0),
    ('AT-002', P_TCGETSSFD, NR["ioctl"], 'ioctl(signalfd, TCGETS, &t)', '-ENOTTY',
     'vfs_ioctl(): signalfd_fops have no unlocked_ioctl, -ENOTTY', 0),
    ('AT-004', P_TCGETSPIPE, NR["ioctl"], 'ioctl(pipe, TCGETS, &t)', '-ENOTTY',
     'vfs_ioctl() -> pipe_ioctl(): FIONREAD and the watch-queue ioctls alone, '
     '`default: return -ENOIOCTLCMD;` -ENOTTY', 0),
    ('AT-005', P_TCGETSSOCK, NR["ioctl"], 'ioctl(socket(AF_UNIX, SOCK_STREAM, 0), TCGETS, '
     '&t)', '-ENOTTY', 'sock_ioctl() -> sock_do_ioctl(): unix_ioctl() -ENOIOCTLCMD, '
     '`if (!is_socket_ioctl_cmd(cmd)) return -ENOTTY;`', 0),
    ('AT-006', P_SFDREAD64, NR["read"], 'read(signalfd, buf, 64)', '-EINVAL',
     'signalfd_read_iter() (signalfd_read() before 6.8): `count /= sizeof(struct '
     'signalfd_siginfo); if (!count) return -EINVAL;` -- 128 bytes a siginfo', 64),
    ('AT-008', P_SFDWRITE, NR["write"], 'write(signalfd, &v, 8)', '-EINVAL',
     'vfs_write(): `if (!(file->f_mode & FMODE_CAN_WRITE)) return -EINVAL;` -- '
     'signalfd_fops have no ->write', 8),
    ('AT-010', P_PREADEV, NR["pread64"], 'pread64(eventfd, buf, 8, 0)', '-ESPIPE',
     'ksys_pread64(): `ret = -ESPIPE; if (f.file->f_mode & FMODE_PREAD)` -- '
     'anon_inode_getfile() -> alloc_file() never sets FMODE_PREAD', 8),
    ('AT-011', P_LSEEKPIPE, NR["lseek"], 'lseek(pipe, 0, SEEK_SET)', '-ESPIPE',
     'vfs_llseek(): pipefifo_fops have no llseek (no_llseek before 6.12), no FMODE_LSEEK: '
     '-ESPIPE', 0),
    ('AT-012', P_PWRITEPIPE, NR["pwrite64"], 'pwrite64(pipe write end, &v, 8, 0)',
     '-ESPIPE', 'ksys_pwrite64(): no FMODE_PWRITE (create_pipe_files() -> '
     'alloc_file_pseudo() -> alloc_file()), -ESPIPE', 8),
    ('AT-013', P_READPIPEW, NR["read"], 'read(pipe write end, buf, 8)', '-EBADF',
     'vfs_read(): `if (!(file->f_mode & FMODE_READ)) return -EBADF;` -- pipe2()\'s fd[1] '
     'is O_WRONLY', 8),
    ('AT-014', P_SPLICEEV, NR["splice"], 'splice(eventfd, NULL, pipe write end, NULL, 8, 0)',
     '-EINVAL', 'do_splice() -> splice_file_to_pipe() -> do_splice_read() (do_splice_to() '
     'before 6.5): `if (unlikely(!in->f_op->splice_read)) return warn_unsupported(in, '
     '"read");` -EINVAL', 8),
    ('AT-015', P_CFREV, NR["copy_file_range"], 'copy_file_range(eventfd, NULL, memfd, NULL, '
     '8, 0)', '-EINVAL', 'vfs_copy_file_range() -> generic_copy_file_checks(): `if '
     '(!S_ISREG(inode_in->i_mode) || !S_ISREG(inode_out->i_mode)) return -EINVAL;` (and no '
     '->splice_read where 6.15.0..6.15.5 made the anon inode S_IFREG)', 8),
    ('AT-016', P_NOTIFYEV, NR["fcntl"], 'fcntl(eventfd, F_NOTIFY, DN_MODIFY)', '-ENOTDIR',
     'do_fcntl() -> fcntl_dirnotify(): `if (!S_ISDIR(inode->i_mode)) return -ENOTDIR;`', 0),
    ('AT-017', P_LEASEPIPE, NR["fcntl"], 'fcntl(pipe, F_SETLEASE, F_RDLCK)',
     'an error (-EINVAL)', 'fcntl_setlease() -> vfs_setlease() (kernel_setlease()) -> '
     'generic_setlease(): `if (!S_ISREG(inode->i_mode)) return -EINVAL;`', 0),
    ('AT-019', P_EPWAITEV, NR["epoll_pwait"], 'epoll_pwait(eventfd, evs, 1, 0, NULL, 8)',
     '-EINVAL', 'do_epoll_wait(): `if (!is_file_epoll(f.file)) goto error_fput;` -EINVAL',
     0),
    ('AT-020', P_EPADDSELF, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e)',
     '-EINVAL', 'do_epoll_ctl(): `if (fd_file(f) == fd_file(tf) || '
     '!is_file_epoll(fd_file(f))) goto error_tgt_fput;` -EINVAL', 0),
    ('AT-021', P_EPCTLNOTEP, NR["epoll_ctl"], 'epoll_ctl(eventfd, EPOLL_CTL_ADD, timerfd, '
     '&e)', '-EINVAL', 'do_epoll_ctl(): `!is_file_epoll(fd_file(f))` -EINVAL -- the first '
     'descriptor is no epoll', 0),
    ('AT-022', P_TFDUNARMED, NR["read"], 'read(timerfd, buf, 8), the timer never armed, '
     'TFD_NONBLOCK', '-EAGAIN', 'timerfd_read() (timerfd_read_iter() 6.12 on): `if '
     '(!ctx->ticks) ... res = -EAGAIN` -- ticks only grow once timerfd_settime() armed it',
     8),
    ('AT-023', P_FANMARKEV, NR["fanotify_mark"], 'fanotify_mark(eventfd, FAN_MARK_ADD, '
     'FAN_MODIFY, AT_FDCWD, "/")', 'an error (-EINVAL)', 'do_fanotify_mark(): `if '
     '(unlikely(fd_file(f)->f_op != &fanotify_fops)) goto fput_and_out;` -EINVAL', 0),
    ('AT-024', P_FALLOCPIPE, NR["fallocate"], 'fallocate(pipe write end, 0, 0, 8)',
     '-ESPIPE', 'vfs_fallocate(): `if (S_ISFIFO(inode->i_mode)) return -ESPIPE;`', 0),
    ('AT-025', P_FTRUNCPIPE, NR["ftruncate"], 'ftruncate(pipe write end, 0)', '-EINVAL',
     'do_sys_ftruncate() (do_ftruncate() 6.11 on): `if (!S_ISREG(inode->i_mode) || '
     '!(file->f_mode & FMODE_WRITE)) return -EINVAL;`', 0),
    ('AT-026', P_FSYNCEV, NR["fsync"], 'fsync(eventfd)', '-EINVAL',
     'do_fsync() -> vfs_fsync_range(): `if (!file->f_op->fsync) return -EINVAL;`', 0),
    ('AT-027', P_INOADDEV, NR["inotify_add_watch"], 'inotify_add_watch(eventfd, "/", '
     'IN_MODIFY)', '-EINVAL', 'SYSCALL_DEFINE3(inotify_add_watch): `if '
     '(unlikely(fd_file(f)->f_op != &inotify_fops)) return -EINVAL;`', 1),
    ('AT-028', P_SFDSIGNO, NR["read"], 'read(signalfd, buf, 128), SFD_NONBLOCK, the mask '
     '{SIGUSR1}', '-EAGAIN, or 128 with ssi_signo SIGUSR1', 'signalfd_read_iter() -> '
     'signalfd_dequeue() -> dequeue_signal(&ctx->sigmask): only a signal of the mask, '
     'none pending and O_NONBLOCK: -EAGAIN; ssi_signo is the signal dequeued, never 0', 128),
    ('AT-029', P_KCMPFILE, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, eventfd, memfd)',
     '1 or 2 (or -ENOSYS without CONFIG_KCMP)', 'SYSCALL_DEFINE5(kcmp) `case KCMP_FILE: '
     'ret = kcmp_ptr(filp1, filp2, KCMP_FILE);` -- two struct files the program made apart, '
     'never equal: 0 never', 0),
    ('AT-030', P_GETDENTSPIPE, NR["getdents64"], 'getdents64(pipe, buf, 64)', '-ENOTDIR',
     'iterate_dir(): pipefifo_fops have no ->iterate_shared, `res = -ENOTDIR`', 0),
    ('AT-031', P_TEESAME, NR["tee"], 'tee(pipe, its own write end, 8, SPLICE_F_NONBLOCK)',
     '-EINVAL', 'do_tee(): `if (ipipe && opipe && ipipe != opipe)` ... else -EINVAL -- '
     'both ends of one pipe', 8),
    ('AT-032', P_VMSPLICEEV, NR["vmsplice"], 'vmsplice(eventfd, &iov, 1, 0)', '-EBADF',
     'SYSCALL_DEFINE4(vmsplice) -> vmsplice_to_pipe()/_to_user(): '
     '`get_pipe_info(f.file, true)` NULL, -EBADF', 0),
    ('AT-033', P_FADVPIPE, NR["fadvise64"], 'fadvise64(pipe write end, 0, 0, '
     'POSIX_FADV_NORMAL)', '-ESPIPE', 'ksys_fadvise64_64() -> vfs_fadvise() -> '
     'generic_fadvise(): `if (S_ISFIFO(inode->i_mode)) return -ESPIPE;`', 0),
    ('AT-034', P_READAHEADPIPE, NR["readahead"], 'readahead(pipe, 0, 8)', '-EINVAL',
     'ksys_readahead(): `if (!f.file->f_mapping || !f.file->f_mapping->a_ops || '
     '!S_ISREG(file_inode(f.file)->i_mode)) goto out;` -EINVAL', 0),
    ('AT-035', P_FIOQSZSOCK, NR["ioctl"], 'ioctl(socket(AF_UNIX, SOCK_STREAM, 0), FIOQSIZE, '
     '&sz)', '-ENOTTY', 'do_vfs_ioctl() FIOQSIZE -> ioctl_fioqsize(): a socket inode is '
     'S_IFSOCK on every version (no 6.15 S_IFREG excuse), -ENOTTY', 0),
    ('AT-036', P_DUP3PREAD, NR["pread64"], 'pread64(n, buf, 8, 0) once dup3(eventfd, n, 0) '
     'put an eventfd at a memfd\'s number n', '-ESPIPE', 'ksys_pread64(): the file at n is '
     'now the eventfd, no FMODE_PREAD, -ESPIPE (do_dup2() replaced the memfd)', 8),
    ('AT-037', P_EPWAITEMPTY, NR["epoll_pwait"], 'epoll_pwait(ep2, evs, 1, 0, NULL, 8), ep2 '
     'a new epoll nothing was ever added to', '0', 'do_epoll_wait() -> ep_poll(): '
     '`ep_events_available(ep)` false for an epoll with no item (the ready list fills only '
     'from ep_poll_callback() of an item), timeout 0: 0', 1),
    ('AT-038', P_EVREADUNSET, NR["read"], 'read(e3, buf, 8), e3 a new EFD_NONBLOCK eventfd '
     'of count 0 never written', '-EAGAIN', 'eventfd_read(): `if (!ctx->count) { if '
     '((file->f_flags & O_NONBLOCK) ...) return -EAGAIN;` -- only write() or the kernel\'s '
     'eventfd_signal() of an eventfd it was handed (aio, vfio, KVM irqfd: none) adds', 8),
    ('AT-039', P_FIONREADPIPEN, NR["ioctl"], 'ioctl(p2, FIONREAD, &n), p2 a new pipe never '
     'written', '0 with n 0', 'pipe_ioctl() `case FIONREAD:` sums buf->len over the ring: '
     'an empty pipe both of whose ends the program alone holds is 0', 0),
    ('AT-040', P_FIOASYNCEV, NR["ioctl"], 'ioctl(e3, FIOASYNC, &one), e3 an eventfd',
     '-ENOTTY', 'do_vfs_ioctl() -> ioctl_fioasync(): FASYNC changes and `if '
     '(filp->f_op->fasync) ... else error = -ENOTTY;` -- eventfd_fops have no ->fasync '
     '(the host on 6.18 and qemu: errno 25)', 0),
    ('AT-041', P_SEMDRAINED, NR["read"], 'read(e5, buf, 8), e5 an EFD_SEMAPHORE | '
     'EFD_NONBLOCK eventfd written 2 and read twice', '-EAGAIN', 'eventfd_read(): '
     '`ucnt = (ctx->flags & EFD_SEMAPHORE) ? 1 : ctx->count;` -- each of the two reads took '
     '1, the count is 0: -EAGAIN', 8),
    ('AT-042', P_PIDFDIOCBAD, NR["ioctl"], 'ioctl(pidfd, _IO(0xFF, 0x77), 0)', '-ENOTTY',
     'vfs_ioctl(): pidfd_fops have no unlocked_ioctl before 6.11; pidfd_ioctl() after '
     'serves PIDFD_GET_*_NAMESPACE, PIDFD_GET_INFO, FS_IOC_GETVERSION alone, `default: '
     'return -ENOIOCTLCMD;` -ENOTTY', 0),
    ('AT-043', P_EPIOCBAD, NR["ioctl"], 'ioctl(ep, _IO(0x8A, 0x77), 0), ep an epoll',
     'an error (-EINVAL 6.9 on, -ENOTTY before)', 'ep_eventpoll_ioctl() (6.9 on): '
     'EPIOCSPARAMS and EPIOCGPARAMS alone, `default: return -EINVAL;`; eventpoll_fops had '
     'no unlocked_ioctl before: -ENOTTY', 0),
)

#: the attacks the Guardian refuses (from `attack run --mode on`)
REFUSED = frozenset(("AT-006", "AT-010", "AT-012", "AT-013", "AT-014", "AT-015", "AT-019",
                     "AT-020", "AT-021", "AT-024", "AT-025", "AT-027", "AT-028", "AT-029",
                     "AT-031", "AT-036", "AT-037", "AT-038", "AT-039",
                     "AT-041", "AT-042", "AT-043"))
#: closed by round 89's kind fixes (return.kind_needed widened: guardian/kind_ops.py)
REFUSED |= frozenset(("AT-001", "AT-002", "AT-004", "AT-005", "AT-008", "AT-011", "AT-026",
                      "AT-030", "AT-032", "AT-033", "AT-034", "AT-035"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED
#: refused since round 89's fixes (return.fcntl_kind: AT-016, AT-017; return.maker_kind: AT-023;
#: return.eventfd_sum: AT-022)
_FCNTL_MAKER_FIXED = frozenset(("AT-016", "AT-017", "AT-022", "AT-023"))
REFUSED, OPEN = REFUSED | _FCNTL_MAKER_FIXED, OPEN - _FCNTL_MAKER_FIXED

_SEEN = {0: 'a success', 1: 'a watch descriptor', 128: 'a signal record of ssi_signo 0',
         8: 'a success (eight bytes moved)', 64: 'sixty-four bytes read'}

#: the steps whose success writes the program's memory: (argument, bytes written)
WRITTEN = {"AT-001": (2, 36), "AT-002": (2, 36), "AT-004": (2, 36), "AT-005": (2, 36),
           "AT-006": (1, 64), "AT-010": (1, 8), "AT-013": (1, 8), "AT-022": (1, 8),
           "AT-028": (1, 128), "AT-035": (2, 8), "AT-036": (1, 8), "AT-037": (1, 16),
           "AT-038": (1, 8), "AT-039": (2, 4), "AT-041": (1, 8)}

forged_answers(_iago, tuple(s for s in STEPS if s[0] not in WRITTEN), OPEN,
               seen=lambda err, forged: _SEEN[forged])


#: the steps whose first 4 bytes written are not 0 (AT-022: one expiry, a tick count a
#: read of an armed timer could give -- only that it was never armed tells it apart;
#: AT-037: EPOLLIN; AT-038: a count of 1; AT-039: 8 bytes in the pipe)
FIRST_WORD = {"AT-022": 1, "AT-037": 1, "AT-038": 1, "AT-039": 8, "AT-041": 1}


def _serve_written(adv: Adversary, nr: int, phase: int, result: int, arg: int,
                   size: int, first: int = 0) -> None:
    """Let the call run; at its exit write `size` bytes where argument `arg` points (the
    first 4 `first`, the rest 0), as a success would have, and answer `result`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        base = a.el1.syscall_args()[arg]
        for off in range(0, size, 4):
            a.kernel.uaccess.write_u32(base + off, first if off == 0 else 0)
        a.set_reg("x0", result)


for _xid, _phase, _nr, _what, _err, _linux, _forged in STEPS:
    if _xid not in WRITTEN:
        continue
    _arg, _size = WRITTEN[_xid]

    _w = FIRST_WORD.get(_xid, 0)

    def _forge(adv: Adversary, _p: int = _phase, _n: int = _nr, _v: int = _forged,
               _a: int = _arg, _s: int = _size, _f: int = _w) -> None:
        _serve_written(adv, _n, _p, _v, _a, _s, _f)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel lets the call run, writes {_size} bytes ({_w} first, zeros after) where
    argument {_arg} points, as a success would, and answers {_forged}.
    3. It sees {_SEEN[_forged]}: index -4, secret bytes 0..7.
    Linux: {_linux}: {_err}, never {_forged}.""")
    _iago(_xid, f"Answer {_forged} to {_what}, {_size} bytes written",
          f"Linux answers {_err} ({_linux}).",
          gap="P5" if _xid in OPEN else "")(documented(_forge, _doc))

#: Linux's answers for the steps (qemu-aarch64-static on the 6.18 host)
LINUX_ERRORS: dict[int, int] = {
    P_TCGETSTFD: -25, P_TCGETSSFD: -25, P_TCGETSPIPE: -25,
    P_TCGETSSOCK: -25, P_SFDREAD64: -22, P_SFDWRITE: -22,
    P_PREADEV: -29, P_LSEEKPIPE: -29, P_PWRITEPIPE: -29, P_READPIPEW: -9, P_SPLICEEV: -22,
    P_CFREV: -22, P_NOTIFYEV: -20, P_LEASEPIPE: -22, P_EPWAITEV: -22,
    P_EPADDSELF: -22, P_EPCTLNOTEP: -22, P_TFDUNARMED: -11, P_FANMARKEV: -22,
    P_FALLOCPIPE: -29, P_FTRUNCPIPE: -22, P_FSYNCEV: -22, P_INOADDEV: -22,
    P_SFDSIGNO: -11, P_KCMPFILE: 1, P_GETDENTSPIPE: -20, P_TEESAME: -22, P_VMSPLICEEV: -9,
    P_FADVPIPE: -29, P_READAHEADPIPE: -22, P_FIOQSZSOCK: -25, P_DUP3PREAD: -29,
    P_EVREADUNSET: -11, P_FIOASYNCEV: -25, P_SEMDRAINED: -11, P_PIDFDIOCBAD: -25,
    P_EPIOCBAD: -22}
_CALL = {s[1]: s[2] for s in STEPS}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as LINUX_ERRORS says (each served as getpid() with Linux's
    answer).
    3. It sees Linux's answer: index 0 each."""
    for phase, err in LINUX_ERRORS.items():
        serve_as_getpid(adv, _CALL[phase], phase, err)


def claim_honest_calls(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_as_linux() says, and -- where the kernel model answers
    otherwise -- fcntl(eventfd, F_NOTIFY, 0) 0 (fcntl_dirnotify(): `if ((arg &
    ~DN_MULTISHOT) == 0) { dnotify_flush(filp, id); return 0; }` before the S_ISDIR test;
    qemu: 0), fcntl(eventfd, F_GETOWN_EX, &o) 0 with o written {F_OWNER_TID, 0}
    (f_getown_ex(): no owner set; qemu: 0) and lseek(timerfd, 0, SEEK_SET) 0
    (timerfd_fops' noop_llseek(); qemu: 0), ioctl(pipe, FIOASYNC, &one) 0
    (ioctl_fioasync() -> pipe_rdwr_fasync(); the host and qemu: 0), and
    ioctl(pidfd, PIDFD_GET_INFO, &info) 0 with the 64-byte struct pidfd_info written
    (pidfd_info(), 6.13 on; the host on 6.18: 0).
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    serve_as_getpid(adv, NR["fcntl"], P_OKNOTIFY0, 0)
    _serve_written(adv, NR["fcntl"], P_OKGETOWNEX, 0, 2, 8)
    serve_as_getpid(adv, NR["lseek"], P_OKLSEEKTFD, 0)
    serve_as_getpid(adv, NR["ioctl"], P_OKFIOASYNCPIPE, 0)
    _serve_written(adv, NR["ioctl"], P_OKPIDFDINFO, 0, 2, 64)


def claim_pidfd_namespace(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_honest_calls() says, and ioctl(pidfd,
    PIDFD_GET_UTS_NAMESPACE, 0) -- _IO(0xFF, 10) -- the lowest free number, 14
    (pidfd_ioctl() -> open_namespace(): an nsfs file of the task's UTS namespace, 6.11
    on; the x86-64 host on 6.18 natively: a descriptor, 5 in a small test).
    3. It sees Linux's answer: index 0 each."""
    claim_honest_calls(adv)
    serve_as_getpid(adv, NR["ioctl"], P_OKPIDFDNS, 14)


def claim_set_ticks(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_honest_calls() says, and ioctl(t7, TFD_IOC_SET_TICKS,
    &one) of a timerfd never armed 0 (timerfd_ioctl() -> timerfd_set_ticks() under
    CONFIG_CHECKPOINT_RESTORE, y in the defconfigs; the x86-64 host on 6.18 natively:
    0), then read(t7, buf, 8) 8 with the tick count 1 (the host: 8, 1).
    3. It sees Linux's answer: index 0 each."""
    claim_honest_calls(adv)
    serve_as_getpid(adv, NR["ioctl"], P_OKSETTICKS, 0)
    _serve_written(adv, NR["read"], P_OKTICKSREAD, 8, 1, 8, 1)


def claim_socket_outq(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_honest_calls() says, and ioctl(AF_UNIX stream socket,
    SIOCOUTQ, &w) 0 with w 0 (unix_ioctl() -> unix_outq_len(); the x86-64 host on 6.18
    natively and qemu: 0, w 0).
    3. It sees Linux's answer: index 0 each."""
    claim_honest_calls(adv)
    _serve_written(adv, NR["ioctl"], P_OKOUTQ, 0, 2, 4)


def claim_socket_atmark(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_socket_outq() says, and ioctl(AF_UNIX stream socket,
    SIOCATMARK, &v) 0 with v 0 (unix_ioctl() `case SIOCATMARK:` -- no OOB skb at the
    head of the queue, CONFIG_AF_UNIX_OOB default y, 5.15 on; the x86-64 host on 6.18
    natively and qemu: 0, v 0).
    3. It sees Linux's answer: index 0 each."""
    claim_socket_outq(adv)
    _serve_written(adv, NR["ioctl"], P_OKATMARK, 0, 2, 4)


def _serve_word(adv: Adversary, phase: int, value: int) -> None:
    """Let ioctl run; at its exit write `value` as the int its third argument points to
    and answer 0."""
    _serve_written(adv, NR["ioctl"], phase, 0, 2, 4, value)


def claim_figetbsz(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_socket_outq() says, and ioctl(memfd, FIGETBSZ, &b) 0
    with b 4096 (do_vfs_ioctl() `case FIGETBSZ:` put_user(sb->s_blocksize); the x86-64
    host on 6.18 natively and qemu: 0, 4096).
    3. It sees Linux's answer: index 0 each."""
    claim_socket_outq(adv)
    _serve_word(adv, P_OKFIGETBSZ, 4096)


def claim_siocgpgrp(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r89_rules.
    2. Linux answers each as claim_socket_outq() says, and ioctl(AF_UNIX socket,
    SIOCGPGRP, &g) 0 with g 0 (sock_ioctl() `case SIOCGPGRP:` put_user(f_getown()): no
    owner set; the x86-64 host on 6.18 natively and qemu: 0, 0).
    3. It sees Linux's answer: index 0 each."""
    claim_socket_outq(adv)
    _serve_word(adv, P_OKSIOCGPGRP, 0)
