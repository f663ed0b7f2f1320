"""Red-team round eighty-seven: round 86's rules at their edges -- descriptor makers and
mount calls no maker rule judges yet (userfaultfd, fspick, perf_event_open,
landlock_create_ruleset, bpf, fsopen, fsmount, open_tree, pidfd_getfd), flag tests other
calls make before any look-up (move_mount, mount_setattr, pidfd_send_signal,
close_range, timerfd_settime, copy_file_range, splice, process_madvise), files of a kind
the Guardian knows (made by memfd_create, eventfd2) used where another kind is needed,
ioctls on them, and name_to_handle_at's -EOVERFLOW store.

Each step: the kernel serves the call as getpid() and answers a success (a descriptor 5,
0, or a count 1) where every Linux 6.1..6.18 refuses the call.  Linux's answers, the
x86-64 host on 6.18 natively as root (the same generic code; arm64 numbers differ only
for the older calls), and the kernel function that decides each:

AO-001 userfaultfd(0x100): new_userfaultfd() `if (flags & ~(UFFD_SHARED_FCNTL_FLAGS |
UFFD_USER_MODE_ONLY)) return -EINVAL;` (-EPERM first where userfaultfd_syscall_allowed()
says no; host: errno 22).  AO-002 fspick(AT_FDCWD, "/", 0x100):
`if (!may_mount()) return -EPERM;` then flags past FSPICK_CLOEXEC |
FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | FSPICK_EMPTY_PATH -EINVAL (host: errno
22).  (io_uring_setup() is no attack: return.no_aio shows the kernel the unassigned
number 244 and answers -ENOSYS itself.)  AO-003 perf_event_open(&attr, 0, -1, -1, 0x100):
SYSCALL_DEFINE5(perf_event_open) `if (flags & ~PERF_FLAG_ALL) return -EINVAL;` before it
reads the attr (host: errno 22).  AO-004 landlock_create_ruleset(NULL, 0, 0x80): `if
(!is_initialized()) return -EOPNOTSUPP;`, then flags past LANDLOCK_CREATE_RULESET_VERSION
(| _ERRATA from 6.15) -EINVAL; -ENOSYS without CONFIG_SECURITY_LANDLOCK (host: errno 22).
AO-005 bpf(999, NULL, 0): __sys_bpf() -> bpf_check_uarg_tail_zero() / the command
switch's `default: err = -EINVAL;` (-EPERM unprivileged under
sysctl_unprivileged_bpf_disabled; host: errno 22).  AO-006 fsopen("tmpfs", 0x100):
`if (!may_mount()) return -EPERM; if (flags & ~FSOPEN_CLOEXEC) return -EINVAL;` (host:
errno 22).  AO-007 fsmount(devnull, 0x100, 0): the same two tests, `flags & ~FSMOUNT_CLOEXEC`,
before fdget(fs_fd) (host: errno 22).  AO-008 open_tree(AT_FDCWD, "/", 0x4000000):
`flags & ~(AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)` -EINVAL before the look-up (host: errno 22).
AO-009 pidfd_getfd(pidfd, devnull, 1), pidfd its own pidfd_open(): `if (flags) return
-EINVAL;` before fdget(pidfd) (host:
errno 22).  AO-010 move_mount(-1, "", -1, "", 0x10000): !may_mount() -EPERM, then
`flags & ~MOVE_MOUNT__MASK` -EINVAL (host: errno 22).  AO-011 mount_setattr(AT_FDCWD,
"/", 0x2, &attr, 32): `flags & ~(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
AT_NO_AUTOMOUNT)` -EINVAL first (host: errno 22).  AO-012 pidfd_send_signal(devnull,
0, NULL, 0x10): `flags & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
PIDFD_SIGNAL_PROCESS_GROUP)` (6.9 on; `if (flags)` before) -EINVAL before fdget() (host:
errno 22).  AO-013 close_range(10, 9, 0): `if (fd > max_fd) return -EINVAL;` (host:
errno 22).  AO-014 timerfd_settime(devnull, 0x10, &its, NULL): do_timerfd_settime() `if
(flags & ~TFD_SETTIME_FLAGS || !itimerspec64_valid(new)) return -EINVAL;` before
fdget() (host: errno 22).  AO-015 copy_file_range(devnull, NULL, devnull, NULL, 1, 1),
answered 1: vfs_copy_file_range() `if (flags != 0) return -EINVAL;` (host: errno 22).
AO-016 splice(devnull, NULL, devnull, NULL, 1, 0x100), answered 1: SYSCALL_DEFINE6(splice)
`if (unlikely(flags & ~SPLICE_F_ALL)) return -EINVAL;` before fdget() (host: errno 22).
AO-017 process_madvise(devnull, NULL, 0, MADV_DONTNEED, 1): `if (flags != 0) return -EINVAL;`
first (6.1; 6.13 on the same in its vector path) (host: errno 22).  AO-018
epoll_ctl(ep, EPOLL_CTL_ADD, memfd, &ev): do_epoll_ctl() `!file_can_poll(tf.file)`
-EPERM: shmem_file_operations have no ->poll (host: errno 1).  AO-019 listen(eventfd, 1),
AO-020 accept4(memfd, NULL, NULL, 0) (answered descriptor 8), AO-023 getsockopt(eventfd, SOL_SOCKET, SO_TYPE,
&v, &4): sockfd_lookup_light() -> sock_from_file() is NULL, -ENOTSOCK (host: errno 88
each).  AO-021 ioctl(eventfd, FIONREAD, &n), n written: do_vfs_ioctl() serves FIONREAD for S_ISREG
alone, then vfs_ioctl() `if (!filp->f_op->unlocked_ioctl)` -ENOTTY (eventfd_fops have
none); AO-022 ioctl(memfd, TCGETS, &t), a termios written: shmem_file_operations have no unlocked_ioctl,
-ENOTTY (host: errno 25 each).  AO-024 name_to_handle_at(AT_FDCWD, "/dev/null", h, &id,
0) with h's handle_bytes 0: do_sys_name_to_handle() finds the handle does not fit,
-EOVERFLOW, and copies the header alone (handle_bytes 12, handle_type FILEID_INVALID as
6.x writes it) and the mount id -- the kernel writes -4 into the handle's first word
too (host: -EOVERFLOW, handle_bytes 12, type 255, f_handle untouched, mount id 24).
AO-025, AO-026, AO-027 epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev), t /dev/null by other ways
to it -- open("//dev/null") (the kernel serves that open, which the kernel model fails,
with the lowest free number), openat(open("/dev", O_PATH | O_DIRECTORY), "null"),
fcntl(devnull, F_DUPFD_CLOEXEC, 0): do_epoll_ctl() `!file_can_poll(tf.file)` -EPERM
(host: errno 1 each).  AO-028 mount_setattr(AT_FDCWD, "/", 0, &attr, 16): `usize <
MOUNT_ATTR_SIZE_VER0` -EINVAL (host: errno 22).  AO-029 open_tree(AT_FDCWD, "/",
AT_RECURSIVE): AT_RECURSIVE without OPEN_TREE_CLONE -EINVAL (host: errno 22).  AO-030
fsmount(devnull, 0, 0x40000000): !may_mount() -EPERM, then attr_flags past MOUNT_ATTR_*
-EINVAL before fdget() (host: errno 22).  AO-031 name_to_handle_at() of handle_bytes 0
answered -EOVERFLOW with handle_bytes 4096: every encode_fh asks at most MAX_HANDLE_SZ
(host: 12).  AO-032 name_to_handle_at() of handle_bytes 8 answered -EOVERFLOW with
handle_bytes 8: do_sys_name_to_handle() overflows only where the size needed passes the
one given, and writes that larger size (host: 12).  AO-033 ioctl(devnull, FIONREAD, &n), n written:
do_vfs_ioctl() serves FIONREAD for S_ISREG alone, then null_fops have no unlocked_ioctl,
-ENOTTY (host: errno 25).  AO-034 listen(devnull, 1): sockfd_lookup_light() -ENOTSOCK
(host: errno 88).  AO-035 listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1): sock_no_listen()
-EOPNOTSUPP (host: errno 95).  (epoll_ctl() adding /dev/null received by SCM_RIGHTS,
-EPERM on the host, is no attack: return.kind_needed refuses a success there -- the
received file keeps its name -- and in mprotect mode the program receives nothing; its
honest -EPERM is in the claims.)  AO-036 timerfd_settime(devnull, 0, {{0, 0}, {0, 10^9}},
NULL): do_timerfd_settime() `!itimerspec64_valid(new)` -EINVAL before fdget() (host:
errno 22).  AO-037 clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 10^9}, NULL):
`!timespec64_valid(&t)` -EINVAL (host: errno 22).  AO-038 ppoll(NULL, 0, {0, 0}, &mask,
4): set_user_sigmask() `sigsetsize != sizeof(sigset_t)` -EINVAL (host: errno 22; round
86's rule reads pselect6's size alone).  (epoll_pwait2() of a sigset size of 4, -EINVAL on
the host, is left out: the kernel model answers it 0.)

qemu-user on 6.18 (the victim built with RULES_DEBUG) printed "+0" (Linux's answer) for
every step but 15804, 15814, 15818, 15832, 15854, 15856 ("+1": it has no
perf_event_open, open_tree, mount_setattr, process_madvise: -ENOSYS), "+0" for the honest
15900..15908 and "+1" for 15910 (qemu passes no EPIOCGPARAMS).

Through with the Guardian on when written (gaps): AO-001, AO-002, AO-004, AO-006,
AO-007, AO-008, AO-010, AO-011, AO-012, AO-014, AO-018, AO-019, AO-020, AO-021, AO-022,
AO-023, AO-028, AO-029, AO-030, AO-031, AO-032, AO-033, AO-034, AO-035, AO-036,
AO-037, AO-038.  What the Guardian would need for each: AO-032 -- left
open: Linux gives that answer too -- ovl_encode_fh() answers FILEID_INVALID with max_len
untouched (no connectable handle under AT_HANDLE_CONNECTABLE, no alias, or
ovl_dentry_to_fid() failing: copy-up, -ENOMEM), and do_sys_name_to_handle() makes that
-EOVERFLOW with handle_bytes the size passed (rounded down to a dword); the Guardian would
need to know the file's file system (that its encoder raises max_len on every
FILEID_INVALID) to refuse a size written back at most the one passed.  AO-021 -- left open: Linux gives
that answer too -- 6.15.0..6.15.5 made anon inodes S_IFREG (cfd86ef7e8e7 "anon_inode: use
a proper mode internally", undone in 6.15.6), so do_vfs_ioctl() serves an eventfd's
FIONREAD as a regular file's: 0, storing i_size - f_pos, 0 (return.kind_needed refused it
until that was known).
Refused since: AO-001, AO-002, AO-004, AO-006, AO-007, AO-008, AO-010, AO-011,
AO-012, AO-014, AO-028, AO-029, AO-030 (return.maker_args, guardian/maker_flags.py: the
flag tests of userfaultfd, fspick, landlock_create_ruleset, fsopen, fsmount and its
attr_flags, open_tree and its AT_RECURSIVE without OPEN_TREE_CLONE, move_mount,
mount_setattr and its usize, pidfd_send_signal, timerfd_settime, each past the union of
6.1..6.18's flags); AO-018, AO-019, AO-020, AO-022, AO-023, AO-033, AO-034,
AO-035 (return.kind_needed, guardian/kind_needed.py: epoll_ctl of a memfd target -EPERM;
socket calls on an eventfd, memfd or other non-socket of a fixed kind, or on /dev/null
while /dev's names are the boot's, -ENOTSOCK; 'T' ioctls other than do_vfs_ioctl()'s own
on an eventfd, a memfd (FIONREAD of a memfd, a regular file, valid) or /dev/null,
-ENOTTY; listen/accept on an AF_UNIX SOCK_DGRAM socket() made, -EOPNOTSUPP).
Refused: AO-003 (perf_event_open's flags past PERF_FLAG_ALL: -EINVAL), AO-005
(bpf(): no contract for a success), AO-009 (pidfd_getfd's flags != 0: -EINVAL), AO-013
(abi/value_ranges: close_range's first above its last), AO-015 (copy_file_range's flags), AO-016 (splice's flags past SPLICE_F_ALL),
AO-017 (abi/value_ranges: process_madvise's flags must be 0), AO-024 (user_write:
guardian/handle_caps.py grants no write past the header at -EOVERFLOW), AO-031
(return.handle_size, guardian/handle_overflow.py: -EOVERFLOW's handle_bytes written back
is handle_dwords * 4 and at most 152, ovl_encode_fh()'s largest ask -- not MAX_HANDLE_SZ:
an NFS handle asks up to 144; and since the fix a -EOVERFLOW whose handle bytes changed
-- handle_caps grants them before the answer is known, Linux copies the header alone),
AO-036, AO-037 (return.early_error: timerfd_settime's
itimerspec and clock_nanosleep's timespec failing timespec64_valid(), nanosleep's and
timer_settime's too), AO-038 (return.early_error: ppoll's register sigsetsize != 8 with
a mask, epoll_pwait2's too), AO-025, AO-026,
AO-027 (return.kind_needed: the Guardian's table names the file /dev/null however it was
reached).

Honest answers (tests/test_redteam_r87_claims.py): every step answered as Linux does
(LINUX_ERRORS), name_to_handle_at()'s -EOVERFLOW with the header and mount id written,
name_to_handle_at(AT_HANDLE_FID) 0 with a handle written (6.5 on), pidfd_open(getpid(),
PIDFD_THREAD) and memfd_create("x", MFD_NOEXEC_SEAL) a descriptor (6.9, 6.3 on),
epoll_pwait() on a dup() of the epoll and on a copy of /dev/null's number an epoll was
dup3()ed onto 0 (host: 0 each), ioctl(ep, EPIOCGPARAMS) 0 with 8 bytes written (6.9 on;
host: 0, eight zero bytes) -- all let through.  Former false refusals (fixed by round
87's fix): in mprotect mode name_to_handle_at()'s honest stores (the -EOVERFLOW header,
AT_HANDLE_FID's handle, round 86's flags-0 handle) were refused (user_write: no capability
for the handle's header); guardian/handle_caps.py's grant now reaches that design too.
Version edge seen on the host: ioctl(ep, FIONREAD) is -EINVAL on 6.18
(ep_eventpoll_ioctl()), -ENOTTY on 6.1 (eventpoll_fops had no unlocked_ioctl).

Not done for lack of time: a timeout the program changes during the call, a descriptor
inherited over exec or taken by pidfd_getfd() used by kind_needed's calls, ioctls of
other kinds, userfaultfd(UFFD_USER_MODE_ONLY) and open_tree(OPEN_TREE_CLONE) as honest
makers, mount_setattr's usize above PAGE_SIZE (-E2BIG).

The victim is `secret_r87_rules` (workloads/src/secret_r87_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r87"
RULES = "secret_r87_rules"
NR = NUMBERS

(P_UFFDFLAG, P_FSPICK, P_PERFFLAG, P_LLFLAG, P_BPFCMD, P_FSOPEN, P_FSMOUNT, P_OPENTREE,
 P_MOVEMOUNT, P_MSETATTR, P_GETFDFLAG, P_PSIGFLAG, P_CRANGE, P_TFDSETFLAG, P_CFRFLAG,
 P_SPLICEFLAG, P_PMADVFLAG, P_EPMEMFD, P_LISTENEV, P_ACCEPTMEM, P_FIONREADEV, P_TCGETSMEM,
 P_SOCKOPTEV, P_N2HOVER, P_EPDSLASH, P_EPDIRAT, P_EPFDUP, P_MSETSIZE, P_TREEREC, P_FSMATTR,
 P_N2HBIG, P_N2HSMALL, P_EPRIGHTS, P_FIONREADDN, P_LISTENDN, P_LISTENDG, P_TFDSETNSEC,
 P_CNSNSEC, P_PPOLLSIGSZ) = range(15800, 15878, 2)
P_OKFID, P_OKPIDTHR, P_OKNOEXEC, P_OKEPDUP, P_OKDUP3EP, P_OKEPPARAMS = range(15900, 15912, 2)
P_FIRST, P_LAST = P_UFFDFLAG, P_OKEPPARAMS

#: the attacks the Guardian refuses
REFUSED = frozenset(("AO-003", "AO-005", "AO-009", "AO-013", "AO-015", "AO-016", "AO-017",
                     "AO-024", "AO-025", "AO-026", "AO-027"))
REFUSED |= frozenset(("AO-001", "AO-002", "AO-004", "AO-006", "AO-007", "AO-008", "AO-010",
                      "AO-011", "AO-012", "AO-014", "AO-028", "AO-029", "AO-030", "AO-018",
                      "AO-019", "AO-020", "AO-022", "AO-023", "AO-033", "AO-034",
                      "AO-035"))
#: ... and round 87's handle and time rules (return.handle_size, return.early_error)
REFUSED |= frozenset(("AO-031", "AO-036", "AO-037", "AO-038"))

_iago = iago_scenarios(RT, RULES)
_MK = "an error (-EPERM or -EINVAL)"

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AO-001', P_UFFDFLAG, NR["userfaultfd"], 'userfaultfd(0x100)', _MK,
     'new_userfaultfd(): userfaultfd_syscall_allowed() -EPERM, then `flags & '
     '~(UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY)` -EINVAL', 5),
    ('AO-002', P_FSPICK, NR["fspick"], 'fspick(AT_FDCWD, "/", 0x100)', _MK,
     'SYSCALL_DEFINE3(fspick): `if (!may_mount()) return -EPERM;` then `flags & '
     '~(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | '
     'FSPICK_EMPTY_PATH)` -EINVAL before the look-up', 5),
    ('AO-003', P_PERFFLAG, NR["perf_event_open"], 'perf_event_open(&attr, 0, -1, -1, '
     '0x100)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): `if (flags & '
     '~PERF_FLAG_ALL) return -EINVAL;` before the attr is read', 5),
    ('AO-004', P_LLFLAG, NR["landlock_create_ruleset"], 'landlock_create_ruleset(NULL, 0, '
     '0x80)', 'an error (-EOPNOTSUPP, -ENOSYS or -EINVAL)', 'landlock_create_ruleset(): '
     '!is_initialized() -EOPNOTSUPP, then flags past LANDLOCK_CREATE_RULESET_VERSION '
     '(| _ERRATA, 6.15) -EINVAL', 5),
    ('AO-005', P_BPFCMD, NR["bpf"], 'bpf(999, NULL, 0)', _MK, '__sys_bpf(): '
     'sysctl_unprivileged_bpf_disabled -EPERM, the command switch `default: err = '
     '-EINVAL;`', 5),
    ('AO-006', P_FSOPEN, NR["fsopen"], 'fsopen("tmpfs", 0x100)', _MK,
     'SYSCALL_DEFINE2(fsopen): `if (!may_mount()) return -EPERM; if (flags & '
     '~FSOPEN_CLOEXEC) return -EINVAL;`', 5),
    ('AO-007', P_FSMOUNT, NR["fsmount"], 'fsmount(devnull, 0x100, 0)', _MK,
     'SYSCALL_DEFINE3(fsmount): !may_mount() -EPERM, `flags & ~FSMOUNT_CLOEXEC` -EINVAL '
     'before fdget(fs_fd)', 5),
    ('AO-008', P_OPENTREE, NR["open_tree"], 'open_tree(AT_FDCWD, "/", 0x4000000)',
     '-EINVAL', 'SYSCALL_DEFINE3(open_tree): flags past AT_EMPTY_PATH | AT_NO_AUTOMOUNT '
     '| AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC -EINVAL '
     'before the look-up', 5),
    ('AO-009', P_GETFDFLAG, NR["pidfd_getfd"], 'pidfd_getfd(pidfd, devnull, 1), pidfd '
     'its own pidfd_open(getpid(), 0)', '-EINVAL', 'SYSCALL_DEFINE3(pidfd_getfd): `if '
     '(flags) return -EINVAL;` before fdget(pidfd)', 6),
    ('AO-010', P_MOVEMOUNT, NR["move_mount"], 'move_mount(-1, "", -1, "", 0x10000)',
     _MK, 'SYSCALL_DEFINE5(move_mount): !may_mount() -EPERM, `flags & '
     '~MOVE_MOUNT__MASK` -EINVAL', 0),
    ('AO-011', P_MSETATTR, NR["mount_setattr"], 'mount_setattr(AT_FDCWD, "/", 0x2, '
     '&attr, 32)', '-EINVAL', 'SYSCALL_DEFINE5(mount_setattr): flags past AT_EMPTY_PATH '
     '| AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT -EINVAL first', 0),
    ('AO-012', P_PSIGFLAG, NR["pidfd_send_signal"], 'pidfd_send_signal(devnull, 0, '
     'NULL, 0x10)', '-EINVAL', 'SYSCALL_DEFINE4(pidfd_send_signal): flags past '
     'PIDFD_SIGNAL_THREAD | _THREAD_GROUP | _PROCESS_GROUP (6.9; `if (flags)` before) '
     '-EINVAL before fdget()', 0),
    ('AO-013', P_CRANGE, NR["close_range"], 'close_range(10, 9, 0)', '-EINVAL',
     'SYSCALL_DEFINE3(close_range): `if (fd > max_fd) return -EINVAL;`', 0),
    ('AO-014', P_TFDSETFLAG, NR["timerfd_settime"], 'timerfd_settime(devnull, 0x10, '
     '&its, NULL)', '-EINVAL', 'do_timerfd_settime(): `if (flags & ~TFD_SETTIME_FLAGS || '
     '!itimerspec64_valid(new)) return -EINVAL;` before fdget(ufd)', 0),
    ('AO-015', P_CFRFLAG, NR["copy_file_range"], 'copy_file_range(devnull, NULL, devnull, '
     'NULL, 1, 1)', '-EINVAL', 'vfs_copy_file_range(): `if (flags != 0) return -EINVAL;`',
     1),
    ('AO-016', P_SPLICEFLAG, NR["splice"], 'splice(devnull, NULL, devnull, NULL, 1, 0x100)',
     '-EINVAL', 'SYSCALL_DEFINE6(splice): `if (unlikely(flags & ~SPLICE_F_ALL)) return '
     '-EINVAL;` before fdget()', 1),
    ('AO-017', P_PMADVFLAG, NR["process_madvise"], 'process_madvise(devnull, NULL, 0, '
     'MADV_DONTNEED, 1)', '-EINVAL', 'SYSCALL_DEFINE5(process_madvise): `if (flags != 0) '
     'return -EINVAL;` before pidfd_get_task()', 0),
    ('AO-018', P_EPMEMFD, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, memfd, &ev)',
     '-EPERM', 'do_epoll_ctl(): `if (!file_can_poll(tf.file)) goto error_tgt_fput;`: '
     'shmem_file_operations have no ->poll', 0),
    ('AO-019', P_LISTENEV, NR["listen"], 'listen(eventfd, 1)', '-ENOTSOCK',
     '__sys_listen() -> sockfd_lookup_light() -> sock_from_file(): eventfd_fops are no '
     'socket_file_ops', 0),
    ('AO-020', P_ACCEPTMEM, NR["accept4"], 'accept4(memfd, NULL, NULL, 0)', '-ENOTSOCK',
     '__sys_accept4() -> __sys_accept4_file() -> sock_from_file(): a shmem file is no '
     'socket', 8),
    ('AO-025', P_EPDSLASH, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, '
     'open("//dev/null"), &ev)', '-EPERM', 'do_epoll_ctl(): `!file_can_poll(tf.file)`: '
     'link_path_walk() skips the extra slash, the file is mem.c\'s null device (null_fops '
     'have no ->poll)', 0),
    ('AO-026', P_EPDIRAT, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, '
     'openat(open("/dev", O_PATH | O_DIRECTORY), "null"), &ev)', '-EPERM',
     'do_epoll_ctl(): `!file_can_poll(tf.file)`: the name "null" under the descriptor of '
     '/dev is the same null device', 0),
    ('AO-027', P_EPFDUP, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, fcntl(devnull, '
     'F_DUPFD_CLOEXEC, 0), &ev)', '-EPERM', 'do_epoll_ctl(): `!file_can_poll(tf.file)`: '
     'f_dupfd() gives a second number for the same struct file', 0),
    ('AO-028', P_MSETSIZE, NR["mount_setattr"], 'mount_setattr(AT_FDCWD, "/", 0, &attr, '
     '16)', '-EINVAL', 'SYSCALL_DEFINE5(mount_setattr): `if (unlikely(usize < '
     'MOUNT_ATTR_SIZE_VER0)) return -EINVAL;` (32) before the look-up', 0),
    ('AO-029', P_TREEREC, NR["open_tree"], 'open_tree(AT_FDCWD, "/", AT_RECURSIVE)',
     '-EINVAL', 'SYSCALL_DEFINE3(open_tree) (vfs_open_tree() from 6.15): `if ((flags & '
     'AT_RECURSIVE) && !(flags & OPEN_TREE_CLONE)) return -EINVAL;`', 5),
    ('AO-030', P_FSMATTR, NR["fsmount"], 'fsmount(devnull, 0, 0x40000000)', _MK,
     'SYSCALL_DEFINE3(fsmount): !may_mount() -EPERM, then `attr_flags & '
     '~(MOUNT_ATTR_RDONLY | ... | MOUNT_ATTR_NOSYMFOLLOW)` -EINVAL before fdget(fs_fd)', 5),
    ('AO-034', P_LISTENDN, NR["listen"], 'listen(devnull, 1)', '-ENOTSOCK',
     '__sys_listen() -> sockfd_lookup_light() -> sock_from_file(): /dev/null is no '
     'socket', 0),
    ('AO-035', P_LISTENDG, NR["listen"], 'listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1)',
     '-EOPNOTSUPP', '__sys_listen() -> unix_dgram_ops.listen = sock_no_listen(): a '
     'datagram socket never listens', 0),
    ('AO-036', P_TFDSETNSEC, NR["timerfd_settime"], 'timerfd_settime(devnull, 0, {{0, 0}, '
     '{0, 1000000000}}, NULL)', '-EINVAL', 'SYSCALL_DEFINE4(timerfd_settime) -> '
     'do_timerfd_settime(): `!itimerspec64_valid(new)` (it_value.tv_nsec >= '
     'NSEC_PER_SEC) -EINVAL before fdget(ufd)', 0),
    ('AO-037', P_CNSNSEC, NR["clock_nanosleep"], 'clock_nanosleep(CLOCK_MONOTONIC, 0, '
     '{0, 1000000000}, NULL)', '-EINVAL', 'SYSCALL_DEFINE4(clock_nanosleep): `if '
     '(!timespec64_valid(&t)) return -EINVAL;` before any sleep', 0),
    ('AO-038', P_PPOLLSIGSZ, NR["ppoll"], 'ppoll(NULL, 0, {0, 0}, &mask, 4)', '-EINVAL',
     'SYSCALL_DEFINE5(ppoll) -> set_user_sigmask(): `sigsetsize != sizeof(sigset_t)` '
     '-EINVAL before do_sys_poll()', 0),
)
#: the steps still open (through with the Guardian on)
OPEN = frozenset([s[0] for s in STEPS] + ["AO-021", "AO-022", "AO-023", "AO-024", "AO-031",
                                          "AO-032", "AO-033"]) - REFUSED

_SEEN = {0: 'a success', 1: 'a byte moved', 5: 'a descriptor', 6: 'a descriptor',
         8: 'a descriptor'}


def _open_slash(adv: Adversary, phase: int) -> None:
    """The kernel model opens no "//dev/null": the kernel serves the open as Linux would,
    the lowest free number (the one past the epoll the program made just before)."""
    if phase != P_EPDSLASH:
        return

    @adv.on(Point.SYSCALL_EXIT, nr=NR["epoll_create1"], during=P_EPDSLASH)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("r87", "ep")] = a.reg("x0")

    serve_as_getpid(adv, NR["openat"], P_EPDSLASH,
                    lambda a: a.memo.get(("r87", "ep"), 5) + 1)


forged_answers(_iago, tuple(s for s in STEPS if s[1] != P_EPDSLASH), OPEN,
               seen=lambda err, forged: _SEEN[forged])
forged_answers(_iago, tuple(s for s in STEPS if s[1] == P_EPDSLASH), OPEN,
               seen=lambda err, forged: _SEEN[forged], before=_open_slash)

#: Linux's answers for the steps (the x86-64 host on 6.18, as root)
LINUX_ERRORS: dict[int, int] = {P_UFFDFLAG: -22, P_FSPICK: -22, P_PERFFLAG: -22, P_LLFLAG: -22,
                P_BPFCMD: -22, P_FSOPEN: -22, P_FSMOUNT: -22, P_OPENTREE: -22,
                P_MOVEMOUNT: -22, P_MSETATTR: -22, P_GETFDFLAG: -22, P_PSIGFLAG: -22,
                P_CRANGE: -22, P_TFDSETFLAG: -22, P_CFRFLAG: -22, P_SPLICEFLAG: -22,
                P_PMADVFLAG: -22, P_EPMEMFD: -1, P_LISTENEV: -88, P_ACCEPTMEM: -88,
                P_FIONREADEV: -25, P_TCGETSMEM: -25, P_SOCKOPTEV: -88, P_FIONREADDN: -25,
                P_EPDIRAT: -1, P_EPFDUP: -1, P_MSETSIZE: -22, P_TREEREC: -22,
                P_FSMATTR: -22, P_EPRIGHTS: -1, P_LISTENDN: -88, P_LISTENDG: -95,
                P_TFDSETNSEC: -22, P_CNSNSEC: -22, P_PPOLLSIGSZ: -22}
#: (epoll_ctl() of "//dev/null" -EPERM too: the host on 6.18, errno 1)
_CALL = {s[1]: s[2] for s in STEPS} | {P_EPRIGHTS: NR["epoll_ctl"]} | {P_FIONREADEV: NR["ioctl"], P_TCGETSMEM: NR["ioctl"],
                                       P_FIONREADDN: NR["ioctl"],
                                       P_SOCKOPTEV: NR["getsockopt"]}


def _serve_written(adv: Adversary, nr: int, phase: int, result: int,
                   writes: tuple[tuple[int, int, int], ...]) -> None:
    """Let the call run; at its exit write each (argument, offset, u32 value) where the
    call's argument points, as a success would have, and answer `result`."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        for arg, off, value in writes:
            a.kernel.uaccess.write_u32(args[arg] + off, value)
        a.set_reg("x0", result)


@_iago("AO-021", "Answer 0 to ioctl(eventfd, FIONREAD, &n), n written 0",
       "Linux answers -ENOTTY (do_vfs_ioctl() serves FIONREAD for regular files alone; "
       "vfs_ioctl() finds eventfd_fops have no unlocked_ioctl) but on 6.15.0..6.15.5, "
       "whose anon inodes are S_IFREG: 0, storing 0.",
       gap="P5" if "AO-021" in OPEN else "")
def fionread_eventfd(adv: Adversary) -> None:
    """1. The program calls ioctl(eventfd, FIONREAD, &n) on a descriptor eventfd2(0, 0)
    made.
    2. The kernel lets the call run, writes n 0, as a success would, and answers 0.
    3. The program sees a count read: index -4, secret bytes 0..7.
    Linux: do_vfs_ioctl(): `case FIONREAD: if (!S_ISREG(inode->i_mode)) break;` then
    vfs_ioctl(): `if (!filp->f_op->unlocked_ioctl) goto out;` -ENOTTY -- eventfd_fops
    have no unlocked_ioctl on any 6.1..6.18 kernel (the x86-64 host on 6.18: errno 25)."""
    _serve_written(adv, NR["ioctl"], P_FIONREADEV, 0, ((2, 0, 0),))


@_iago("AO-033", "Answer 0 to ioctl(devnull, FIONREAD, &n), n written 0",
       "Linux answers -ENOTTY (do_vfs_ioctl() serves FIONREAD for regular files alone; "
       "vfs_ioctl() finds null_fops have no unlocked_ioctl).",
       gap="P5" if "AO-033" in OPEN else "")
def fionread_devnull(adv: Adversary) -> None:
    """1. The program calls ioctl(devnull, FIONREAD, &n) on its descriptor of /dev/null.
    2. The kernel lets the call run, writes n 0, as a success would, and answers 0.
    3. The program sees a count read: index -4, secret bytes 0..7.
    Linux: do_vfs_ioctl(): `case FIONREAD: if (!S_ISREG(inode->i_mode)) break;` then
    vfs_ioctl(): drivers/char/mem.c's null_fops have no unlocked_ioctl, -ENOTTY (the
    x86-64 host on 6.18: errno 25)."""
    _serve_written(adv, NR["ioctl"], P_FIONREADDN, 0, ((2, 0, 0),))


@_iago("AO-022", "Answer 0 to ioctl(memfd, TCGETS, &t), a struct termios written",
       "Linux answers -ENOTTY (vfs_ioctl(): shmem_file_operations have no "
       "unlocked_ioctl).", gap="P5" if "AO-022" in OPEN else "")
def tcgets_memfd(adv: Adversary) -> None:
    """1. The program calls ioctl(memfd, TCGETS, &t) on a descriptor memfd_create("k", 0)
    made.
    2. The kernel lets the call run, writes the 36 bytes of a struct termios (c_iflag
    0x500, c_oflag 5, c_cflag 0xbf, c_lflag 0x8a3b, c_cc 0), as a terminal would, and
    answers 0.
    3. The program sees a terminal: index -4, secret bytes 0..7.
    Linux: a memfd is a shmem file; do_vfs_ioctl() has no TCGETS case and vfs_ioctl()
    finds shmem_file_operations have no unlocked_ioctl: -ENOTTY (the x86-64 host on
    6.18: errno 25)."""
    _serve_written(adv, NR["ioctl"], P_TCGETSMEM, 0,
                   ((2, 0, 0x500), (2, 4, 5), (2, 8, 0xBF), (2, 12, 0x8A3B))
                   + tuple((2, off, 0) for off in range(16, 36, 4)))


@_iago("AO-023", "Answer 0 to getsockopt(eventfd, SOL_SOCKET, SO_TYPE, &v, &4), v "
       "SOCK_STREAM and the length written",
       "Linux answers -ENOTSOCK (__sys_getsockopt() -> sockfd_lookup_light(): an eventfd "
       "is no socket).", gap="P5" if "AO-023" in OPEN else "")
def getsockopt_eventfd(adv: Adversary) -> None:
    """1. The program calls getsockopt(eventfd, SOL_SOCKET, SO_TYPE, &v, &len), len 4, on
    a descriptor eventfd2(0, 0) made.
    2. The kernel lets the call run, writes v 1 (SOCK_STREAM) and len 4, as a success
    would, and answers 0.
    3. The program sees the option read: index -4, secret bytes 0..7.
    Linux: __sys_getsockopt() -> sockfd_lookup_light() -> sock_from_file(): eventfd_fops
    are no socket_file_ops, -ENOTSOCK (the x86-64 host on 6.18: errno 88)."""
    _serve_written(adv, NR["getsockopt"], P_SOCKOPTEV, 0, ((3, 0, 1), (4, 0, 4)))


#: what Linux writes at -EOVERFLOW: handle_bytes 12, handle_type FILEID_INVALID, mount id
_OVERFLOW_HEADER = ((2, 0, 12), (2, 4, 255), (3, 0, 24))


@_iago("AO-024", "Answer -EOVERFLOW to name_to_handle_at() of handle_bytes 0, the header, "
       "the mount id and the handle's first word written",
       "Linux answers -EOVERFLOW and copies the header (handle_bytes, handle_type) and the "
       "mount id alone: do_sys_name_to_handle() copies struct_size(handle, f_handle, 0).",
       gap="P5" if "AO-024" in OPEN else "")
def handle_overflow_write(adv: Adversary) -> None:
    """1. The program calls name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0), h's
    handle_bytes 0 and its handle words 0.
    2. The kernel lets the call run, writes handle_bytes 12, handle_type 255, mount id
    24 -- and 0xfffffffc into the handle's first word -- and answers -EOVERFLOW.
    3. The program indexes by the handle's first word, which Linux leaves untouched:
    index -4, secret bytes 0..7.
    Linux: do_sys_name_to_handle(): exportfs_encode_fh() finds handle_bytes 0 too small,
    `handle_bytes = 0; retval = -EOVERFLOW;` then copy_to_user(ufh, handle,
    struct_size(handle, f_handle, handle_bytes)) -- 8 bytes -- and the mount id (the
    x86-64 host on 6.18: -EOVERFLOW, handle_bytes 12, type 255, f_handle untouched,
    mount id 24)."""
    _serve_written(adv, NR["name_to_handle_at"], P_N2HOVER, -75, _OVERFLOW_HEADER + ((2, 8, 0xFFFFFFFC),))


@_iago("AO-031", "Answer -EOVERFLOW to name_to_handle_at() of handle_bytes 0 with "
       "handle_bytes 4096 written", "Linux writes the size the handle needs, at most "
       "MAX_HANDLE_SZ (128): exportfs_encode_fh() asks a size it can put in 128 bytes.",
       gap="P5" if "AO-031" in OPEN else "")
def handle_overflow_huge(adv: Adversary) -> None:
    """1. The program calls name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0), h's
    handle_bytes 0.
    2. The kernel lets the call run, writes handle_bytes 4096, handle_type 255 and mount
    id 24, and answers -EOVERFLOW.
    3. The program takes 4096 for the size a handle needs -- more than any handle is:
    index -4, secret bytes 0..7.
    Linux: do_sys_name_to_handle() -> exportfs_encode_fh(): the file system's encode_fh
    puts the dwords it needs in max_len (12 bytes for shmem / devtmpfs; btrfs' 40 the
    largest), `handle_bytes = handle_dwords * sizeof(u32)`; every encoder's size fits
    MAX_HANDLE_SZ (128), the size do_sys_name_to_handle() itself allows (the x86-64 host
    on 6.18: handle_bytes 12)."""
    _serve_written(adv, NR["name_to_handle_at"], P_N2HBIG, -75,
                   ((2, 0, 4096), (2, 4, 255), (3, 0, 24)))


@_iago("AO-032", "Answer -EOVERFLOW to name_to_handle_at() of handle_bytes 8 with "
       "handle_bytes 8 written", "Linux answers -EOVERFLOW only where the handle needs "
       "more than the handle_bytes passed, and writes that larger size.",
       gap="P5" if "AO-032" in OPEN else "")
def handle_overflow_small(adv: Adversary) -> None:
    """1. The program calls name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0), h's
    handle_bytes 8.
    2. The kernel lets the call run, writes handle_bytes 8 (the size passed), handle_type
    255 and mount id 24, and answers -EOVERFLOW.
    3. The program sees a handle that does not fit in the room it fits in: index -4,
    secret bytes 0..7.
    Linux: do_sys_name_to_handle(): `if (handle_bytes > f_handle.handle_bytes) { ...
    retval = -EOVERFLOW; }` -- handle_bytes, the size encode_fh asked, is written back
    and is larger than the size passed (the x86-64 host on 6.18: 8 passed, -EOVERFLOW,
    handle_bytes 12)."""
    _serve_written(adv, NR["name_to_handle_at"], P_N2HSMALL, -75,
                   ((2, 0, 8), (2, 4, 255), (3, 0, 24)))


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r87_rules.
    2. Linux answers each as LINUX_ERRORS says (each served as getpid() with Linux's
    answer) -- but for the epoll_ctl() of "//dev/null", whose open the kernel model
    fails (the step indexes 1); name_to_handle_at() of handle_bytes 0 -EOVERFLOW with handle_bytes 12,
    handle_type 255 and mount id 24 written (what the host on 6.18 wrote).
    3. It sees Linux's answer: index 0 each."""
    for phase, err in LINUX_ERRORS.items():
        serve_as_getpid(adv, _CALL[phase], phase, err)
    _serve_written(adv, NR["name_to_handle_at"], P_N2HOVER, -75, _OVERFLOW_HEADER)
    _serve_written(adv, NR["name_to_handle_at"], P_N2HBIG, -75, _OVERFLOW_HEADER)
    _serve_written(adv, NR["name_to_handle_at"], P_N2HSMALL, -75, _OVERFLOW_HEADER)


def claim_fid(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r87_rules.
    2. Linux answers each as claim_as_linux() says, and name_to_handle_at(AT_FDCWD,
    "/dev/null", h, &id, AT_HANDLE_FID) 0 with handle_bytes 12, handle_type 1, 12 handle
    bytes and mount id 24 written (6.5 on; the host on 6.18: 0, handle_bytes 12, type 1).
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    _serve_written(adv, NR["name_to_handle_at"], P_OKFID, 0, ((2, 0, 12), (2, 4, 1), (2, 8, 0x11), (2, 12, 0x22),
                                    (2, 16, 0x33), (3, 0, 24)))


def claim_makers(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r87_rules.
    2. Linux answers each as claim_as_linux() says, and pidfd_open(getpid(),
    PIDFD_THREAD) and memfd_create("x", MFD_NOEXEC_SEAL) each a new descriptor (6.9 and
    6.3 on; the host on 6.18: a descriptor each), served as getpid() with the lowest
    free number.
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    serve_as_getpid(adv, NR["pidfd_open"], P_OKPIDTHR, 5)
    serve_as_getpid(adv, NR["memfd_create"], P_OKNOEXEC, 5)


def claim_epoll_params(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of secret_r87_rules.
    2. Linux answers each as claim_as_linux() says, and ioctl(ep, EPIOCGPARAMS, &params)
    0 with the 8 bytes of struct epoll_params written 0 (6.9 on: ep_eventpoll_ioctl() ->
    copy_to_user(); the host on 6.18: 0, eight zero bytes).
    3. It sees Linux's answer: index 0 each."""
    claim_as_linux(adv)
    _serve_written(adv, NR["ioctl"], P_OKEPPARAMS, 0, ((2, 0, 0), (2, 4, 0)))
