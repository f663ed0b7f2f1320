"""Red-team round eighty-six: round 85's rules at their edges -- openat2's name and struct
past what return.early_error reads, control data __scm_send() refuses that
return.scm_control leaves alone (SCM_CREDENTIALS' length, SCM_SECURITY, SCM_PIDFD, a
SOCK_DGRAM pair, sendmmsg's later message), and argument errors other calls give before
any look-up (FICLONE's number, FICLONERANGE's struct, pselect6's timeout and sigmask,
epoll, inotify, fanotify, file handles, socket options beside SO_ATTACH_BPF, and the
descriptor makers' flags).

AL-001 answers 5 to openat2(AT_FDCWD, "./../x", {O_RDONLY, 0, RESOLVE_BENEATH}, 24):
path_init() makes the start nd->root, handle_dots() leaves "." where it is and
follow_dotdot() finds the path at nd->root, `in_root:` -EXDEV (the x86-64 host on 6.18:
errno 18; early_error looks at a first component '..' alone).  AL-002 answers 5 to
openat2(AT_FDCWD, "/dev/null", NULL, 24): copy_struct_from_user() of address 0, -EFAULT
(host: errno 14).  AL-003 answers 1 to sendmsg(sv0, SCM_CREDENTIALS {pid, uid, gid} of
cmsg_len 32) (under -c; the kernel model sent it when written, it answers -EINVAL since): __scm_send() `cmsg->cmsg_len !=
CMSG_LEN(sizeof(struct ucred))` -EINVAL (qemu-user: -EINVAL; the host on 6.18: errno 22); AL-021 the same on a
SOCK_DGRAM pair (unix_dgram_sendmsg() -> scm_send()); AL-022 answers 2 to sendmmsg() of a
plain message and one with those credentials, both msg_len written (__sys_sendmmsg(): 1).
AL-004, AL-005 answer 1 to sendmsg() of a SOL_SOCKET cmsg of type SCM_SECURITY (3) and
SCM_PIDFD (4): __scm_send()'s switch takes SCM_RIGHTS and SCM_CREDENTIALS alone on every
version 6.1..6.18, `default: goto error` -EINVAL (both are receive-only: scm_passec(),
scm_pidfd_recv(); qemu-user: -EINVAL; the host on 6.18: errno 22 each).  AL-006 answers 0 to ioctl(devnull, FICLONE, -1):
do_vfs_ioctl() -> ioctl_file_clone() -> fdget((unsigned int)-1) -EBADF; AL-007 the same
of 77.  AL-008 answers 0 to ioctl(devnull, FICLONERANGE, NULL): copy_from_user() -EFAULT.
AL-009 answers 0 to pselect6(0, ..., {0, 10^9}, NULL): poll_select_set_timeout() ->
!timespec64_valid() -EINVAL.  AL-010 answers 0 to pselect6(0, ..., {0, 0}, {&mask, 4}):
set_user_sigmask() `sigsetsize != sizeof(sigset_t)` -EINVAL.  AL-012 answers 0 to
epoll_pwait(ep, ev, 0, 0, NULL, 8): do_epoll_wait() `maxevents <= 0` -EINVAL.  AL-013
answers 0 to epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev): do_epoll_ctl() `f.file == tf.file`
-EINVAL.  AL-014 answers 0 to inotify_add_watch(devnull, "/", 0): `!(mask &
ALL_INOTIFY_BITS)` -EINVAL before fdget().  AL-015 answers 5 to inotify_init1(1)
(do_inotify_init(): -EINVAL).  AL-016 answers 5 to fanotify_init(0x80000000, O_RDONLY)
(`flags & ~FANOTIFY_INIT_FLAGS` -EINVAL; -EPERM without CAP_SYS_ADMIN; host as root:
errno 22).  AL-017 answers 0 to name_to_handle_at(AT_FDCWD, "/dev/null", h, &id,
AT_SYMLINK_NOFOLLOW) with a handle written: the flag test -EINVAL (host: errno 22).
AL-018 answers 5 to open_by_handle_at(AT_FDCWD, {handle_bytes 0}, O_RDONLY):
handle_to_path() -EINVAL (-EPERM without CAP_DAC_READ_SEARCH; host as root: errno 22).
AL-019 answers 0 to getsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &v, &4), v and the length
written: sk_getsockopt() has no such case, -ENOPROTOOPT (qemu-user: the same).  AL-020
answers 0 to setsockopt(sv0, SOL_SOCKET, SO_ATTACH_FILTER, {0, NULL}, 16):
__get_filter() -> bpf_check_basics_ok(NULL, 0) -EINVAL (host: errno 22).  AL-024 answers
0 to epoll_ctl(ep, EPOLL_CTL_ADD, devnull, &ev): !file_can_poll() -EPERM.  AL-025 answers
0 to epoll_pwait(devnull, ...): !is_file_epoll() -EINVAL.  AL-026 answers 0 to
inotify_add_watch(devnull, "/", IN_ALL_EVENTS): `f.file->f_op != &inotify_fops` -EINVAL.
AL-027 answers 0 to ioctl(devnull, FICLONE, devnull): vfs_clone_file_range() of a
character device -EINVAL (host: errno 22).  AL-028 answers 0 to fanotify_mark(devnull,
0x80000000, ...): `flags & ~FANOTIFY_MARK_FLAGS` -EINVAL before fdget() (host: errno
22).  AL-029, AL-030, AL-031, AL-032, AL-033, AL-034, AL-035 answer a descriptor to
epoll_create1(1), eventfd2(0, 2), signalfd4(-1, &mask, 4, 0), timerfd_create(99, 0),
memfd_create("x", 0x100), pidfd_open(getpid(), 1) and socket(AF_UNIX, SOCK_STREAM | 0x10,
0): each call's own flag (or size, clock) test -EINVAL before it makes anything (host:
errno 22 each).  AL-036 answers 40 to accept4(sv0, NULL, NULL, 1): __sys_accept4() flags
-EINVAL before fdget().  AL-037 answers 0 to setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF,
&devnull, 4): __bpf_prog_get() finds /dev/null's f_op is not bpf_prog_fops, -EINVAL (a
descriptor of another kind; host: errno 22).  AL-038 answers 0 to epoll_pwait2(ep, ev,
1, {0, 10^9}, NULL, 8): poll_select_set_timeout() -EINVAL before the epoll is looked at
(host: errno 22; qemu-user has no epoll_pwait2).  AL-039 answers 5 to signalfd4(-1,
&mask, 8, 1): do_signalfd4() flags -EINVAL (the size right this time).  AL-040 answers 5
to pidfd_open(0, 0): `pid <= 0` -EINVAL.  AL-041 answers 5 to memfd_create() of a
300-byte name: strnlen_user() past MFD_NAME_MAX_LEN + 1, -EINVAL.  AL-042 answers 40 to
accept4(sv0, NULL, NULL, 0) on a socketpair end: unix_accept() `sk_state !=
TCP_LISTEN` -EINVAL.  AL-043 answers 0 to listen(sv0, 1) on a socketpair end:
unix_listen() `!unix_sk(sk)->addr` -EINVAL (host and qemu-user: -EINVAL each).
AL-011 answers 0 to ppoll(NULL, 0, {-1, 0}, NULL, 8) and AL-023 to pselect6(0, ..., {-1,
0}, NULL): poll_select_set_timeout() -EINVAL (registered once the false refusals below
were fixed: the Guardian had killed the program at Linux's own -EINVAL there).
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d -c -n
-m`) printed "+0" (Linux's answer) for steps 15204..15250 but 15238, for 15254, 15256,
15260..15264, 15268, 15304..15312 but 15308 and the honest 15290, 15292; "+1" for 15300
(SO_ATTACH_BPF not passed) and 15302 (no epoll_pwait2); "+1" for 15200, 15202, 15294 (no
openat2: -ENOSYS), 15238 (qemu converts SO_ATTACH_FILTER's program itself) and 15252
(fanotify_mark); "-4" for 15258 and 15266 (qemu's own signalfd4 and socket-type
conversions).  The x86-64 host on 6.18 natively printed Linux's answer for each of those
(errnos 18, 14, 22 for SO_ATTACH_FILTER, signalfd4, socket, fanotify_mark), and a
descriptor for the honest openat2 of O_PATH.

Through with the Guardian on when written (gaps): AL-001..006, AL-008..010, AL-012..016,
AL-018..022, AL-024..030, AL-032, AL-033, AL-035..039, AL-041..043.
Refused since: AL-001 (return.early_error: '.' components before the '..'), AL-009,
AL-011, AL-023, AL-038 (return.early_error: a timeout poll_select_set_timeout() refuses,
pselect6's and ppoll's as the program passed it), AL-010 (return.early_error: pselect6's
sigset size read from its quiet sigmask pair), AL-003, AL-021, AL-022
(return.scm_control: SCM_CREDENTIALS' cmsg_len must be 28), AL-004, AL-005
(return.scm_control: SCM_SECURITY and SCM_PIDFD are no types __scm_send() takes), AL-002,
AL-008 (return.early_error: an open_how / file_clone_range at address 0), AL-006
(return.early_error: FICLONE's argument negative as an int), AL-019 (return.early_error:
getsockopt of a set-only SOL_SOCKET option), AL-020 (return.early_error: a sock_fprog
bpf_check_basics_ok() refuses), AL-037 (return.descriptor_kind,
guardian/bpf_attach_kind.py: SO_ATTACH_BPF of a file opened by name, no BPF program).  (AL-002's and AL-008's struct in a hole the
program's own munmap left is not judged yet: early_error would need scm_control's
hole_at() test passed in.)
Refused: AL-007 (return.fd_never_opened: FICLONE's argument 77 names no file), AL-017
(user_write: guardian/handle_caps.py grants no write of struct file_handle for a flag no
6.x name_to_handle_at takes, -EINVAL before any copy), AL-031
(return.value_range: signalfd4's sizemask must be 8), AL-034 (pidfd_open's flags past
PIDFD_NONBLOCK | PIDFD_THREAD), AL-040 (its pid <= 0).
Refused since: AL-012, AL-014, AL-015, AL-016, AL-018, AL-028, AL-029, AL-030, AL-032,
AL-033, AL-035, AL-036, AL-039, AL-041 (return.maker_args, guardian/maker_flags.py: each
call's own argument test before any look-up -- epoll_pwait's maxevents <= 0,
inotify_add_watch's mask with no ALL_INOTIFY_BITS bit, the flags of inotify_init1,
fanotify_init, fanotify_mark, epoll_create1, eventfd2, socket's type, accept4 and
signalfd4, timerfd_create's clock, memfd_create's flags and a name of 250 bytes with no
NUL, open_by_handle_at's handle_bytes 0 or past MAX_HANDLE_SZ; the union of 6.1..6.18's
flags known).
Refused since: AL-013, AL-024, AL-025, AL-026, AL-042, AL-043 (return.kind_needed,
guardian/kind_needed.py, the table steady through the call: epoll_ctl of the epoll as its
own target or of /dev/null (no ->poll), epoll_pwait and inotify_add_watch on a file opened
by name, listen and accept4 of an AF_UNIX socketpair end, TCP_ESTABLISHED for good).
Still open, and what the Guardian would need for each: AL-027 -- FICLONE of a character
device (the Guardian would need the kind of the ioctl's own file -- fd_kind_answer's sure
kinds -- and of the source: generic_file_rw_checks() -EINVAL where either is no regular
file; /dev/null is known by its name alone, and a mount may put a regular file there).
Honest answers (tests/test_redteam_r86_claims.py): every step answered as Linux does
(LINUX_ERRORS), sendmmsg() 1 with the first msg_len 1, sendmsg() of credentials padded
to 32 then SCM_RIGHTS {devnull} and of SCM_RIGHTS in 29 control bytes (trailing bytes),
openat2() of O_PATH | O_CLOEXEC | O_NOFOLLOW -- let through.  False refusals when
written, fixed since: ppoll() of {-1, 0} and pselect6() of {-1, 0} answered -EINVAL
(Linux's poll_select_set_timeout(); return.value_range read the program's own timeout as
the one the kernel left -- it now leaves a timeout poll_select_set_timeout() refuses to
return.early_error), and name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0) answered 0
with its handle written (qemu-user on 6.18: 0, handle_bytes 12, type 1): user_write had
no capability for the handle or the mount id -- guardian/handle_caps.py grants the
header, the handle_bytes the program passed and the mount id.

Not done for lack of time: a control buffer or a descriptor another thread rewrites
during the call, a socket number another thread closed and reopened, RESOLVE_CACHED and
O_TMPFILE's openat2 answers per version, io_uring.

The victim is `secret_r86_rules` (workloads/src/secret_r86_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r86"
RULES = "secret_r86_rules"
NR = NUMBERS

(P_BENEATHDOT, P_HOWNULL, P_CREDLEN, P_SCMSEC, P_SCMPIDFD, P_FICLONENEG, P_FICLONENEVER,
 P_RANGENULL, P_SELNSEC, P_SELSIGSZ, P_POLLNEG, P_EPMAX0, P_EPSELF, P_INOMASK0,
 P_INOINIT, P_FANINIT, P_N2HFLAG, P_BYHANDLE0, P_GETBPF, P_FILTER0,
 P_DGRAMCRED, P_SELNEG, P_EPNOPOLL, P_EPNOTEP, P_INONOTINO, P_CLONESELF, P_FANMARK,
 P_EPCREATE, P_EVENTFD, P_SIGNALFD, P_TIMERFD, P_MEMFDFLAG, P_PIDFDFLAG, P_SOCKFLAG,
 P_ACCFLAG) = range(15200, 15270, 2)
P_MMSGCRED = 15280
(P_BPFDEVNULL, P_EPWAIT2NSEC, P_SIGFDFLAG, P_PIDFDZERO, P_MEMFDLONG, P_ACCPAIR,
 P_LISTENPAIR) = range(15300, 15314, 2)
P_FIRST, P_LAST = P_BENEATHDOT, P_LISTENPAIR
P_OKCRED, P_OKTAIL, P_OKPATH, P_OKN2H = 15290, 15292, 15294, 15296

#: the attacks the Guardian refuses
REFUSED = frozenset(("AL-001", "AL-002", "AL-003", "AL-004", "AL-005", "AL-006", "AL-007",
                     "AL-008", "AL-009", "AL-010", "AL-011", "AL-017", "AL-019", "AL-020",
                     "AL-021", "AL-022", "AL-023", "AL-031", "AL-034", "AL-037", "AL-038",
                     "AL-040"))
#: ... and since round 86's maker rules (return.maker_args: guardian/maker_flags.py)
REFUSED |= frozenset(("AL-012", "AL-014", "AL-015", "AL-016", "AL-018", "AL-028", "AL-029",
                      "AL-030", "AL-032", "AL-033", "AL-035", "AL-036", "AL-039", "AL-041"))
#: ... and since round 86's kind rules (return.kind_needed: guardian/kind_needed.py)
REFUSED |= frozenset(("AL-013", "AL-024", "AL-025", "AL-026", "AL-042", "AL-043"))

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AL-001', P_BENEATHDOT, NR["openat2"], 'openat2(AT_FDCWD, "./../x", {O_RDONLY, 0, '
     'RESOLVE_BENEATH}, 24)', '-EXDEV', 'path_init() makes the start nd->root under '
     'LOOKUP_BENEATH; link_path_walk() -> walk_component() -> handle_dots(): "." '
     '(LAST_DOT) stays where it is, then ".." -> follow_dotdot() finds path_equal('
     '&nd->path, &nd->root) and `in_root:` answers -EXDEV under LOOKUP_BENEATH, whatever '
     'the working directory is', 5),
    ('AL-002', P_HOWNULL, NR["openat2"], 'openat2(AT_FDCWD, "/dev/null", NULL, 24)',
     '-EFAULT', 'SYSCALL_DEFINE4(openat2) -> copy_struct_from_user(&tmp, sizeof(tmp), '
     'how, usize) -> copy_from_user() of address 0 faults before build_open_flags() or '
     'any look-up', 5),
    ('AL-003', P_CREDLEN, NR["sendmsg"], 'sendmsg(sv0, 1 byte, SCM_CREDENTIALS {pid, uid, '
     'gid} of cmsg_len 32, 0) on an AF_UNIX socketpair', '-EINVAL', 'unix_stream_sendmsg() '
     '-> scm_send() -> __scm_send(): case SCM_CREDENTIALS `if (cmsg->cmsg_len != '
     'CMSG_LEN(sizeof(struct ucred))) goto error;` (28)', 1),
    ('AL-004', P_SCMSEC, NR["sendmsg"], 'sendmsg(sv0, 1 byte, a SOL_SOCKET cmsg of type '
     'SCM_SECURITY, 0) on an AF_UNIX socketpair', '-EINVAL', '__scm_send(): the switch '
     'knows SCM_RIGHTS and SCM_CREDENTIALS alone on every version 6.1..6.18 (SCM_SECURITY '
     'is put by scm_passec() on receipt, never taken), `default: goto error`', 1),
    ('AL-005', P_SCMPIDFD, NR["sendmsg"], 'sendmsg(sv0, 1 byte, a SOL_SOCKET cmsg of type '
     'SCM_PIDFD, 0) on an AF_UNIX socketpair', '-EINVAL', '__scm_send(): `default: goto '
     'error` (SCM_PIDFD, 6.5 on, is put by scm_pidfd_recv() on receipt; before 6.5 it is '
     'an unknown type)', 1),
    ('AL-006', P_FICLONENEG, NR["ioctl"], 'ioctl(devnull, FICLONE, -1)', '-EBADF',
     'do_vfs_ioctl() serves FICLONE for every file: ioctl_file_clone(filp, arg, 0, 0, 0) '
     '-> fdget((unsigned int)-1) finds no table that large', 0),
    ('AL-007', P_FICLONENEVER, NR["ioctl"], 'ioctl(devnull, FICLONE, 77), 77 a number '
     'nothing ever opened', '-EBADF', 'do_vfs_ioctl() -> ioctl_file_clone(filp, 77, ...) '
     '-> fdget(77) finds no file', 0),
    ('AL-008', P_RANGENULL, NR["ioctl"], 'ioctl(devnull, FICLONERANGE, NULL)', '-EFAULT',
     'do_vfs_ioctl() -> ioctl_file_clone_range(): copy_from_user(&args, argp, '
     'sizeof(args)) of address 0', 0),
    ('AL-009', P_SELNSEC, NR["pselect6"], 'pselect6(0, NULL, NULL, NULL, {0, 1000000000}, '
     'NULL)', '-EINVAL', 'do_pselect() -> poll_select_set_timeout(): '
     '!timespec64_valid() (tv_nsec >= NSEC_PER_SEC) before any set matters', 0),
    ('AL-010', P_SELSIGSZ, NR["pselect6"], 'pselect6(0, NULL, NULL, NULL, {0, 0}, {&mask, '
     '4})', '-EINVAL', 'do_pselect() -> set_user_sigmask(): `if (sigsetsize != '
     'sizeof(sigset_t)) return -EINVAL;` (8) before core_sys_select()', 0),
    ('AL-011', P_POLLNEG, NR["ppoll"], 'ppoll(NULL, 0, {-1, 0}, NULL, 8)', '-EINVAL',
     'SYSCALL_DEFINE5(ppoll) -> poll_select_set_timeout(): !timespec64_valid() (tv_sec '
     '< 0) before set_user_sigmask() or do_sys_poll()', 0),
    ('AL-012', P_EPMAX0, NR["epoll_pwait"], 'epoll_pwait(ep, ev, 0, 0, NULL, 8)',
     '-EINVAL', 'do_epoll_pwait() -> do_epoll_wait(): `if (maxevents <= 0 || maxevents > '
     'EP_MAX_EVENTS) return -EINVAL;` before fdget(epfd)', 0),
    ('AL-013', P_EPSELF, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev)',
     '-EINVAL', 'do_epoll_ctl(): `if (f.file == tf.file || !is_file_epoll(f.file)) goto '
     'error_tgt_fput;` (-EINVAL): one number names one file (-EBADF where it names none)',
     0),
    ('AL-014', P_INOMASK0, NR["inotify_add_watch"], 'inotify_add_watch(devnull, "/", 0)',
     '-EINVAL', 'SYSCALL_DEFINE3(inotify_add_watch): `if (unlikely(!(mask & '
     'ALL_INOTIFY_BITS))) return -EINVAL;` before fdget(fd)', 0),
    ('AL-015', P_INOINIT, NR["inotify_init1"], 'inotify_init1(1)', '-EINVAL',
     'do_inotify_init(): `if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) return -EINVAL;`', 5),
    ('AL-016', P_FANINIT, NR["fanotify_init"], 'fanotify_init(0x80000000, O_RDONLY)',
     'an error (-EINVAL; -EPERM without CAP_SYS_ADMIN)', 'SYSCALL_DEFINE2(fanotify_init): '
     '`if (flags & ~FANOTIFY_INIT_FLAGS) return -EINVAL;` (bit 31 is no FAN_* flag on '
     '6.1..6.18), the capability test beside it', 5),
    ('AL-018', P_BYHANDLE0, NR["open_by_handle_at"], 'open_by_handle_at(AT_FDCWD, '
     '{handle_bytes 0}, O_RDONLY)', 'an error (-EINVAL; -EPERM without '
     'CAP_DAC_READ_SEARCH)', 'do_handle_open() -> handle_to_path(): '
     '`(f_handle.handle_bytes > MAX_HANDLE_SZ) || (f_handle.handle_bytes == 0)` -EINVAL; '
     'capable(CAP_DAC_READ_SEARCH) / may_decode_fh() -EPERM', 5),
    ('AL-020', P_FILTER0, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, '
     'SO_ATTACH_FILTER, {0, NULL}, 16)', '-EINVAL', 'sk_setsockopt() -> '
     'copy_bpf_fprog_from_user() -> sk_attach_filter() -> __get_filter(): '
     '!bpf_check_basics_ok(NULL, 0) (flen 0)', 0),
    ('AL-021', P_DGRAMCRED, NR["sendmsg"], 'sendmsg(d0, 1 byte, SCM_CREDENTIALS of '
     'cmsg_len 32, 0) on an AF_UNIX SOCK_DGRAM socketpair', '-EINVAL',
     'unix_dgram_sendmsg() -> scm_send() -> __scm_send(): `cmsg->cmsg_len != '
     'CMSG_LEN(sizeof(struct ucred))`', 1),
    ('AL-023', P_SELNEG, NR["pselect6"], 'pselect6(0, NULL, NULL, NULL, {-1, 0}, NULL)',
     '-EINVAL', 'do_pselect() -> poll_select_set_timeout(): !timespec64_valid() (tv_sec '
     '< 0) before core_sys_select()', 0),
    ('AL-024', P_EPNOPOLL, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, devnull, &ev)',
     '-EPERM', 'do_epoll_ctl(): `if (!file_can_poll(tf.file)) goto error_tgt_fput;` '
     '(-EPERM): /dev/null\'s null_fops have no ->poll', 0),
    ('AL-025', P_EPNOTEP, NR["epoll_pwait"], 'epoll_pwait(devnull, ev, 1, 0, NULL, 8)',
     '-EINVAL', 'do_epoll_wait(): `if (!is_file_epoll(f.file)) return -EINVAL;` '
     '(/dev/null is no epoll)', 0),
    ('AL-026', P_INONOTINO, NR["inotify_add_watch"], 'inotify_add_watch(devnull, "/", '
     'IN_ALL_EVENTS)', '-EINVAL', 'SYSCALL_DEFINE3(inotify_add_watch): `if '
     '(unlikely(f.file->f_op != &inotify_fops))` -EINVAL before user_path_at()', 0),
    ('AL-027', P_CLONESELF, NR["ioctl"], 'ioctl(devnull, FICLONE, devnull)', '-EINVAL',
     'ioctl_file_clone() -> vfs_clone_file_range() -> remap_verify_area() / '
     'generic_file_rw_checks(): a character device is no regular file', 0),
    ('AL-028', P_FANMARK, NR["fanotify_mark"], 'fanotify_mark(devnull, 0x80000000, '
     'FAN_ACCESS, AT_FDCWD, "/")', '-EINVAL', 'do_fanotify_mark(): `if (flags & '
     '~FANOTIFY_MARK_FLAGS) return -EINVAL;` before fdget(fanotify_fd)', 0),
    ('AL-029', P_EPCREATE, NR["epoll_create1"], 'epoll_create1(1)', '-EINVAL',
     'do_epoll_create(): `if (flags & ~EPOLL_CLOEXEC) return -EINVAL;`', 5),
    ('AL-030', P_EVENTFD, NR["eventfd2"], 'eventfd2(0, 2)', '-EINVAL', 'do_eventfd(): '
     '`if (flags & ~EFD_FLAGS_SET) return -EINVAL;` (2 is none of O_CLOEXEC, O_NONBLOCK, '
     'EFD_SEMAPHORE)', 5),
    ('AL-031', P_SIGNALFD, NR["signalfd4"], 'signalfd4(-1, &mask, 4, 0)', '-EINVAL',
     'SYSCALL_DEFINE4(signalfd4): `if (sizemask != sizeof(sigset_t) || '
     'copy_from_user(...)) return -EINVAL;`', 5),
    ('AL-032', P_TIMERFD, NR["timerfd_create"], 'timerfd_create(99, 0)', '-EINVAL',
     'SYSCALL_DEFINE2(timerfd_create): clockid 99 is none of CLOCK_MONOTONIC, '
     'CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM', 5),
    ('AL-033', P_MEMFDFLAG, NR["memfd_create"], 'memfd_create("x", 0x100)', '-EINVAL',
     'SYSCALL_DEFINE2(memfd_create): without MFD_HUGETLB `flags & '
     '~(unsigned int)MFD_ALL_FLAGS` -EINVAL', 5),
    ('AL-034', P_PIDFDFLAG, NR["pidfd_open"], 'pidfd_open(getpid(), 1)', '-EINVAL',
     'SYSCALL_DEFINE2(pidfd_open): `if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)) return '
     '-EINVAL;` (PIDFD_THREAD from 6.9; 1 is neither on any version)', 5),
    ('AL-035', P_SOCKFLAG, NR["socket"], 'socket(AF_UNIX, SOCK_STREAM | 0x10, 0)',
     '-EINVAL', '__sys_socket() -> sock_check_flags(): `flags & ~(SOCK_CLOEXEC | '
     'SOCK_NONBLOCK)` (0x10 lies past SOCK_TYPE_MASK) -EINVAL before sock_create()', 5),
    ('AL-036', P_ACCFLAG, NR["accept4"], 'accept4(sv0, NULL, NULL, 1)', '-EINVAL',
     '__sys_accept4(): `if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;` '
     'before fdget(fd)', 40),
    ('AL-037', P_BPFDEVNULL, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, '
     'SO_ATTACH_BPF, &devnull, 4)', '-EINVAL', 'sk_attach_bpf() -> __get_bpf() -> '
     'bpf_prog_get_type() -> __bpf_prog_get() -> ____bpf_prog_get(): `if (f.file->f_op '
     '!= &bpf_prog_fops) return ERR_PTR(-EINVAL);` (/dev/null is no BPF program)', 0),
    ('AL-038', P_EPWAIT2NSEC, 441, 'epoll_pwait2(ep, ev, 1, {0, 1000000000}, NULL, 8)',
     '-EINVAL', 'SYSCALL_DEFINE6(epoll_pwait2) -> poll_select_set_timeout(): '
     '!timespec64_valid() before do_epoll_pwait()', 0),
    ('AL-039', P_SIGFDFLAG, NR["signalfd4"], 'signalfd4(-1, &mask, 8, 1)', '-EINVAL',
     'do_signalfd4(): `if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) return -EINVAL;`', 5),
    ('AL-040', P_PIDFDZERO, NR["pidfd_open"], 'pidfd_open(0, 0)', '-EINVAL',
     'SYSCALL_DEFINE2(pidfd_open): `if (pid <= 0) return -EINVAL;`', 5),
    ('AL-041', P_MEMFDLONG, NR["memfd_create"], 'memfd_create(a name of 300 bytes, 0)',
     '-EINVAL', 'SYSCALL_DEFINE2(memfd_create) -> (6.9+ alloc_name()): `len = '
     'strnlen_user(uname, MFD_NAME_MAX_LEN + 1); if (len > MFD_NAME_MAX_LEN + 1) ... '
     '-EINVAL` (249 bytes at most)', 5),
    ('AL-042', P_ACCPAIR, NR["accept4"], 'accept4(sv0, NULL, NULL, 0), sv0 an AF_UNIX '
     'socketpair end', '-EINVAL', 'unix_accept(): `if (sk->sk_state != TCP_LISTEN) goto '
     'out;` (-EINVAL): unix_socketpair() left it TCP_ESTABLISHED', 40),
    ('AL-043', P_LISTENPAIR, NR["listen"], 'listen(sv0, 1), sv0 an AF_UNIX socketpair '
     'end', '-EINVAL', 'unix_listen(): `if (!READ_ONCE(unix_sk(sk)->addr)) goto out;` '
     '(-EINVAL: no listens on an unbound socket; a socketpair end has no address)', 0),
)
#: the steps still open (through with the Guardian on)
OPEN = frozenset([s[0] for s in STEPS] + ["AL-017", "AL-019", "AL-022"]) - REFUSED
#: the steps that run under a flag of their own: -c the credentials of cmsg_len 32 (the
#: kernel model sent them when written: a leak untouched), -n ppoll's and -m pselect6's
#: negative timeout (the Guardian refused Linux's own -EINVAL there when written)
FLAG = {P_CREDLEN: b"-c", P_DGRAMCRED: b"-c", P_MMSGCRED: b"-c", P_POLLNEG: b"-n",
        P_SELNEG: b"-m"}

_SEEN = {0: 'a success', 1: 'the byte sent', 5: 'a descriptor', 40: 'a descriptor'}
forged_answers(_iago, tuple(s for s in STEPS if s[1] not in FLAG), OPEN,
               seen=lambda err, forged: _SEEN[forged])
for _s in STEPS:
    if _s[1] in FLAG:
        forged_answers(lambda *a, _f=FLAG[_s[1]], **k: _iago(*a, args=(_f,), **k), (_s,),
                       OPEN, seen=lambda err, forged: _SEEN[forged])

#: Linux's answers for the steps (the x86-64 host on 6.18, qemu-user on 6.18)
LINUX_ERRORS = {P_BENEATHDOT: -18, P_HOWNULL: -14, P_CREDLEN: -22, P_SCMSEC: -22,
                P_SCMPIDFD: -22, P_FICLONENEG: -9, P_FICLONENEVER: -9, P_RANGENULL: -14,
                P_SELNSEC: -22, P_SELSIGSZ: -22, P_POLLNEG: -22, P_EPMAX0: -22,
                P_EPSELF: -22, P_INOMASK0: -22, P_INOINIT: -22, P_FANINIT: -22,
                P_N2HFLAG: -22, P_BYHANDLE0: -22, P_GETBPF: -92, P_FILTER0: -22,
                P_DGRAMCRED: -22, P_SELNEG: -22, P_EPNOPOLL: -1, P_EPNOTEP: -22,
                P_INONOTINO: -22, P_CLONESELF: -22, P_FANMARK: -22, P_EPCREATE: -22,
                P_EVENTFD: -22, P_SIGNALFD: -22, P_TIMERFD: -22, P_MEMFDFLAG: -22,
                P_PIDFDFLAG: -22, P_SOCKFLAG: -22, P_ACCFLAG: -22, P_BPFDEVNULL: -22,
                P_EPWAIT2NSEC: -22, P_SIGFDFLAG: -22, P_PIDFDZERO: -22, P_MEMFDLONG: -22,
                P_ACCPAIR: -22, P_LISTENPAIR: -22}
_CALL = {s[1]: s[2] for s in STEPS} | {P_N2HFLAG: NR["name_to_handle_at"],
                                       P_GETBPF: NR["getsockopt"], P_POLLNEG: NR["ppoll"],
                                       P_SELNEG: NR["pselect6"]}


@_iago("AL-022", "Answer 2 to sendmmsg() of two messages, the second with SCM_CREDENTIALS "
       "of cmsg_len 32, both msg_len written",
       "Linux answers 1 (__sys_sendmmsg(): the first went, the second's __scm_send() "
       "refused the credentials' length).", gap="P5" if "AL-022" in OPEN else "",
       args=(b"-c",))
def sendmmsg_second_creds(adv: Adversary) -> None:
    """1. The program calls sendmmsg(sv0, {1 byte; 1 byte with SCM_CREDENTIALS {pid, uid,
    gid} of cmsg_len 32}, 2, 0) on an AF_UNIX socketpair.
    2. The kernel serves the call as getpid(), writes msg_len 1 into both entries and
    answers 2.
    3. The program sees both sent: index -4, secret bytes 0..7.
    Linux: __sys_sendmmsg() -> ___sys_sendmsg() sends the first; the second's
    unix_stream_sendmsg() -> scm_send() -> __scm_send() finds `cmsg_len !=
    CMSG_LEN(sizeof(struct ucred))` (-EINVAL); with one datagram sent the answer is 1
    (qemu-user on 6.18: 1)."""
    _mmsg(adv, 2)


def _serve_written(adv: Adversary, nr: int, phase: int,
                   writes: tuple[tuple[int, int, int], ...]) -> None:
    """Let the call run; at its exit write each (argument, offset, u32 value) where the
    call's argument points, as a success would have, and answer 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        for arg, off, value in writes:
            a.kernel.uaccess.write_u32(args[arg] + off, value)
        a.set_reg("x0", 0)


@_iago("AL-017", "Answer 0 to name_to_handle_at(AT_FDCWD, \"/dev/null\", h, &id, "
       "AT_SYMLINK_NOFOLLOW), a handle and a mount id written",
       "Linux answers -EINVAL (SYSCALL_DEFINE5(name_to_handle_at) refuses a flag beside "
       "AT_SYMLINK_FOLLOW, AT_EMPTY_PATH and the AT_HANDLE_* ones before any look-up).",
       gap="P5" if "AL-017" in OPEN else "")
def handle_flag(adv: Adversary) -> None:
    """1. The program calls name_to_handle_at(AT_FDCWD, "/dev/null", h, &id,
    AT_SYMLINK_NOFOLLOW), h's handle_bytes 128.
    2. The kernel lets the call run, writes handle_bytes 8, handle_type 1, 8
    handle bytes and mount id 1, as a success would, and answers 0.
    3. The program sees a handle: index -4, secret bytes 0..7.
    Linux: SYSCALL_DEFINE5(name_to_handle_at): `if ((flag & ~(AT_SYMLINK_FOLLOW |
    AT_EMPTY_PATH)) != 0)` (6.1; AT_HANDLE_FID 0x200 from 6.5, AT_HANDLE_MNT_ID_UNIQUE
    0x1 from 6.12, AT_HANDLE_CONNECTABLE 0x2 from 6.13 beside them) -EINVAL before
    user_path_at(): 0x100 is none of them (the x86-64 host on 6.18: errno 22; qemu-user:
    -EINVAL)."""
    _serve_written(adv, NR["name_to_handle_at"], P_N2HFLAG,
                   ((2, 0, 8), (2, 4, 1), (2, 8, 0x11), (2, 12, 0x22), (3, 0, 1)))


@_iago("AL-019", "Answer 0 to getsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &v, &4), the "
       "value and length written", "Linux answers -ENOPROTOOPT (sk_getsockopt() has no "
       "case SO_ATTACH_BPF: it is set-only).", gap="P5" if "AL-019" in OPEN else "")
def getsockopt_attach_bpf(adv: Adversary) -> None:
    """1. The program calls getsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &v, &len), len 4,
    on an AF_UNIX socketpair.
    2. The kernel lets the call run, writes v 0 and len 4, as a success would,
    and answers 0.
    3. The program sees the option read: index -4, secret bytes 0..7.
    Linux: __sys_getsockopt() -> do_sock_getsockopt() -> sk_getsockopt(): SO_ATTACH_BPF
    (50) has no case (SO_ATTACH_FILTER's number alone is SO_GET_FILTER), `default:
    return -ENOPROTOOPT;` (qemu-user on 6.18: -ENOPROTOOPT)."""
    _serve_written(adv, NR["getsockopt"], P_GETBPF, ((3, 0, 0), (4, 0, 4)))


def _mmsg(adv: Adversary, count: int) -> None:
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sendmmsg"], during=P_MMSGCRED)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[1])

    def _sent(a: Adversary) -> int:
        if seen:
            for i in range(count):
                a.kernel.uaccess.write_u32(seen[-1] + 64 * i + 56, 1)
        return count
    serve_as_getpid(adv, NR["sendmmsg"], P_MMSGCRED, _sent)


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r86_rules.
    2. Linux answers each as LINUX_ERRORS says (each served as getpid() with Linux's
    answer), and sendmmsg() of a plain message and one with credentials of cmsg_len 32
    1 with the first msg_len 1; openat2() of O_PATH | O_CLOEXEC | O_NOFOLLOW a new
    descriptor (5, the lowest free); the honest sendmsg()s run as the kernel model serves them.
    3. It sees Linux's answer: index 0 each."""
    for phase, err in LINUX_ERRORS.items():
        serve_as_getpid(adv, _CALL[phase], phase, err)
    _mmsg(adv, 1)
    # (the kernel model opens no O_PATH descriptor through openat2: Linux's lowest free one)
    serve_as_getpid(adv, NR["openat2"], P_OKPATH, 5)


def claim_handle(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r86_rules.
    2. Linux answers each as claim_as_linux() says, and name_to_handle_at(AT_FDCWD,
    "/dev/null", h, &id, 0) 0 with handle_bytes 12, handle_type 1, 12 handle bytes and
    mount id 24 written (what qemu-user on 6.18 printed for the same call).
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    _serve_written(adv, NR["name_to_handle_at"], P_OKN2H,
                   ((2, 0, 12), (2, 4, 1), (2, 8, 0x11), (2, 12, 0x22), (2, 16, 0x33),
                    (3, 0, 24)))
