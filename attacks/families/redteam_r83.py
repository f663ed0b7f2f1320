"""Red-team round eighty-three: descriptor answers at the edges of round 82's rules --
return.fd_never_opened judges the descriptor arguments of descriptor_args.py's table and
the dfd of an *at call with a relative name on every success, but not a dfd that an empty
name under AT_EMPTY_PATH or utimensat()'s NULL name still looks up, an absolute name under
RESOLVE_IN_ROOT, a descriptor that is no call's own argument (fcntl's, ioctl's argument,
an SCM_RIGHTS number, a socket option's value, a select or poll set), nor an epoll in a
fork child's copied table; kcmp of KCMP_SIGHAND, KCMP_SYSVSEM and of two children, which
no rule follows; and three calls Linux answers 0 before any look-up, which the rule
refuses.

AD-001 answers 0 to faccessat2(77, "", F_OK, AT_EMPTY_PATH): do_faccessat(): AT_EMPTY_PATH
adds LOOKUP_EMPTY, user_path_at() -> filename_lookup() -> path_init() -> fdget_raw(dfd)
(CLASS(fd_raw) on 6.12..6.18) finds no file: -EBADF (qemu-user on 6.18: the same; the
rule leaves an empty name alone).  AD-002 answers 0 to utimensat(77, NULL, NULL, 0):
do_utimes(): a NULL name at a dfd other than AT_FDCWD is do_utimes_fd() -> fdget():
-EBADF (qemu-user on 6.18: the same; the rule leaves an unreadable name alone).  AD-003
answers 0 to fstat(90), 90 the number a clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child's
dup3(devnull, 90, 0) installed before it exited (a number the program never used):
copy_files() without CLONE_FILES -> dup_fd() gave the child a table of its own, whose
do_dup2() put nothing in the caller's: vfs_fstat() -> fdget_raw(): -EBADF (qemu-user
runs vfork as a fork: the child's answer never reaches the parent).  AD-004 answers 0
to kcmp(pid, child, KCMP_SIGHAND, 0, 0) of a living fork child: copy_sighand() without
CLONE_SIGHAND allocates a new sighand_struct, kcmp_ptr() an order (qemu-user on 6.18: an
order).
AD-005 answers 0 to kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a clone(CLONE_SYSVSEM |
SIGCHLD) child that exited and that waitid(WEXITED | WNOWAIT) reported, not reaped:
do_exit() -> exit_sem() set tsk->sysvsem.undo_list NULL, kcmp_ptr(list, NULL) an order
(the living child's 0 is honest: copy_semundo() -> get_undo_list() shares one list;
qemu-user refuses CLONE_SYSVSEM without CLONE_VM).  AD-006 lets pselect6(61, {60}, NULL,
NULL, {0, 0}, NULL) run and answers 1 with bit 60 kept: core_sys_select() -> do_select()
-> max_select_fd() finds a set bit where fdt->open_fds has none: -EBADF (qemu-user on
6.18: the same).  AD-007 answers 0 to ioctl(devnull, FICLONE, 77): do_vfs_ioctl() ->
ioctl_file_clone() -> fdget(srcfd) (CLASS(fd) on 6.12..6.18) finds no file: -EBADF
before any file system test (qemu-user on 6.18: the same).  AD-008 answers 0 to
close_range(77, 77, 1 << 5): SYSCALL_DEFINE3(close_range): flags & ~(CLOSE_RANGE_UNSHARE |
CLOSE_RANGE_CLOEXEC), -EINVAL (qemu-user on 6.18: the same).  AD-009 answers 0 to
kcmp(pid, vchild, KCMP_SIGHAND, 0, 0) of a clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child
that exited and that waitid(WNOWAIT) reported: copy_sighand() without CLONE_SIGHAND gave
it a sighand_struct of its own, which __exit_signal() drops only at the reap
(release_task()): an order (qemu-user on 6.18: an order).  AD-010 answers 0 to kcmp(pid,
child, KCMP_SYSVSEM, 0, 0) of a living fork child once the caller has an undo list (its
CLONE_SYSVSEM clone made one: get_undo_list()): copy_semundo() without CLONE_SYSVSEM sets
the child's NULL, an order (qemu-user on 6.18: an order).  AD-011 lets ppoll({77,
POLLIN}, 1, {0, 0}, NULL, 8) run, writes revents POLLIN and answers 1: do_sys_poll() ->
do_poll() -> do_pollfd(): fdget(77) finds no file, revents POLLNVAL, never POLLIN
(qemu-user on 6.18: POLLNVAL).  AD-012 answers 5 to openat2(77, "/dev/null", {O_RDONLY,
0, RESOLVE_IN_ROOT}, 24): path_init(): LOOKUP_IN_ROOT takes an absolute name relative to
dfd (no set_root()), fdget_raw(77): -EBADF (qemu-user has no openat2, -ENOSYS; the same
program built for the x86-64 host on 6.18 printed errno 9); the rule passes over every
name that starts with "/".  AD-013 answers 1 to fcntl(devnull, F_DUPFD_QUERY, 77):
do_fcntl() -> f_dupfd_query(): CLASS(fd_raw) of the argument finds no file, -EBADF
(6.10..6.18; 6.1..6.9 know no command 1027: -EINVAL) (qemu-user on 6.18: -EBADF).  AD-014
answers 0 to kcmp(pid, child, KCMP_EPOLL_TFD, pp0, {ep, pp0, 0}) of a living fork child,
ep an epoll the caller made after the fork: kcmp_epoll_target() -> fget_task(task2,
slot.efd) finds none in the table dup_fd() copied: -EBADF (qemu-user on 6.18: the same).
AD-015 answers 0 to kcmp(pid, child, KCMP_FILE, devnull, d) of a living fork child, d a
dup() made after the fork: get_file_raw_ptr(task2, d), -EBADF (qemu-user on 6.18: the
same).  AD-016 answers 1 to sendmsg(sv0, one byte with SCM_RIGHTS {77}, 0) on an AF_UNIX
socketpair: ____sys_sendmsg() -> __scm_send() -> scm_fp_copy() -> fget(77), -EBADF
(qemu-user on 6.18: the same).  AD-017 answers 0 to setsockopt(sv0, SOL_SOCKET,
SO_ATTACH_BPF, &77, 4): sk_setsockopt() -> sk_attach_bpf() -> bpf_prog_get_type() ->
__bpf_prog_get() -> fdget(ufd), -EBADF (qemu-user does not pass the option: -ENOPROTOOPT;
the x86-64 host on 6.18: errno 9).  AD-018 answers 78 to dup3(devnull, 78, O_NONBLOCK):
ksys_dup3(): flags & ~O_CLOEXEC, -EINVAL (qemu-user on 6.18: the same).  AD-019 answers 0
to kcmp(c1, c2, KCMP_FILES, 0, 0) of two living fork children: copy_files() -> dup_fd()
made each its own files_struct, an order (qemu-user on 6.18: an order).  AD-020 answers 0
to kcmp(child, pid, KCMP_VM, 0, 0) of a living fork child, the child's pid first:
copy_mm() -> dup_mm() made it an mm of its own, kcmp_ptr() of two pointers is 0 in
neither order (qemu-user on 6.18: an order); return.descriptor_kind's fork-child test
(fd_kind_answer._fork_child()) looks only at the caller's pid first.
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d -s -t
-u`) printed "+0" (Linux's own answers, the phase's last four digits) for steps 3600,
3602, 3606, 3610, 3612, 3614, 3616, 3618, 3620, 3624, 3626, 3628, 3630, 3634, 3636, 3638 and the
honest 3680 (a vfork child's close() of d, fstat(d) 0 in the parent), 3686
(newfstatat(devnull, "", AT_EMPTY_PATH) 0), 3690, 3692 and 3694 (splice, tee and
utimensat 0: the false refusals below); "+1" for 3604 (vfork runs as a fork), 3608 and
3682 (CLONE_SYSVSEM refused), 3684 (CLONE_SIGHAND refused), 3622 (openat2: -ENOSYS) and
3632 (SO_ATTACH_BPF: -ENOPROTOOPT); "-4" for the honest 3688 (KCMP_SYSVSEM of a fork child
before the caller has an undo list): qemu-user's own threads were made with glibc's
CLONE_SYSVSEM, so its host process has an undo list its fork child lacks; the victim
itself makes no thread and no SEM_UNDO before the step, so Linux's lists are both NULL
and kcmp_ptr(NULL, NULL) is 0.

Through with the Guardian on when written (gaps): AD-001, 002, 005..014, 016..020.
Refused: AD-003 (return.fd_never_opened: the vfork child's table is its own to the
Guardian too), AD-004
(return.descriptor_kind's fork child, fd_kind_answer._fork_child(): copy_sighand()),
AD-015 (return.fd_never_opened in the fork child's copied table, unchanged since the
fork).
Refused since round 83's fixes: AD-002 (return.fd_never_opened: utimensat's NULL name at a dfd,
fd_never_args.own_never()), AD-007 and AD-013 (return.fd_never_opened: ioctl(FICLONE)'s
and fcntl(F_DUPFD_QUERY)'s argument), AD-012 (return.fd_never_opened: openat2's absolute
name under RESOLVE_IN_ROOT / RESOLVE_BENEATH, read from open_how.resolve), AD-006,
AD-011, AD-016, AD-017 (return.fd_never_opened, guardian/fd_never_memory.py: a set bit
of pselect6's result sets, a ppoll entry whose revents is not POLLNVAL, an AF_UNIX
sendmsg's SCM_RIGHTS number, SO_ATTACH_BPF's value), AD-008 and AD-018
(return.range_table: abi/value_ranges' ArgBits on close_range's and dup3's flags),
AD-014 (return.fd_never_opened: KCMP_EPOLL_TFD's slot efd in the fork child's copied
table, fd_never_args.child_never()), AD-019 (return.descriptor_kind: KCMP_FILES of two
living fork children with two tables, fd_kind_answer._two_children()), AD-020
(return.descriptor_kind: the fork-child test with either pid first).
Still open, and what the Guardian would need: AD-001 -- the rule now judges an empty
name's dfd (AT_EMPTY_PATH: fdget_raw(); without it -ENOENT), but the victim's "" lies
on a page of its image never faulted in (UserMemory.read() answers None: the forging
kernel copied nothing), so the Guardian cannot tell it from an absolute name; it would
need the measured image's bytes for a page not present (what a fault-in must bring).
AD-005 -- KCMP_SYSVSEM of an exited child: the Guardian would need to know the child had
an undo list of its own or shared one (CLONE_SYSVSEM, recorded per child at the clone)
and that exit_sem() ran (the group's exit seen), and that the caller's own list is
non-NULL (a SEM_UNDO semop or a CLONE_SYSVSEM clone of its own, never unshared);
`return.exited_table` follows no undo list.  AD-009 -- KCMP_SIGHAND of an exited,
unreaped vfork child: the Guardian would need each child's CLONE_SIGHAND (vm_children
holds CLONE_VM children, with or without CLONE_SIGHAND) and that no reap ran.  AD-010 --
KCMP_SYSVSEM of a fork child once the caller has an undo list: the Guardian would need
to follow the caller's undo list (get_undo_list() on a CLONE_SYSVSEM clone or a SEM_UNDO
semop; unshare(CLONE_SYSVSEM) and exec drop it) -- it keeps no such fact.

Honest answers (tests/test_redteam_r83_claims.py): every step of STEPS, pselect6 and
ppoll answered as Linux does (LINUX_ERRORS; ppoll's POLLNVAL the kernel model's own),
fstat(d) 0 after a vfork child closed d in its own table, kcmp(KCMP_SYSVSEM) 0 of a
living CLONE_SYSVSEM child and of a fork child while the caller has no undo list,
kcmp(KCMP_SIGHAND) 0 of an exited, unreaped clone(CLONE_VM | CLONE_SIGHAND |
CLONE_VFORK) child, newfstatat(devnull, "", AT_EMPTY_PATH) 0 -- let through.
False refusals (fixed with round 83's fixes: descriptor_args.no_lookup(), for return.fd_never_opened
and return.negative_descriptor): splice(77, NULL, 78, NULL, 0, 0) 0
(SYSCALL_DEFINE6(splice): `if (unlikely(!len)) return 0;` before fdget()), tee(77, 78,
0, 0) 0 (SYSCALL_DEFINE4(tee): the flags test, then !len returns 0 before fdget()) and
utimensat(77, "x", {UTIME_OMIT, UTIME_OMIT}, 0) 0 (SYSCALL_DEFINE4(utimensat): "Nothing
to do, we must not even check the path", before do_utimes()) were each refused by
return.fd_never_opened (qemu-user on 6.18: 0 each); the victim makes these steps only
under -s, -t and -u.  No other call of descriptor_args.py's table tests a count before
its look-up (ksys_read(), do_sendfile(), copy_file_range, vmsplice, sendmmsg ...).

Not done for lack of time: the fast path's "held" numbers under another thread (a close
racing a read, CLONE_FILES threads), fanotify/seccomp listeners, --launch-fds as a user,
kcmp_distinct's leader fs_struct with a thread that unshare(CLONE_FS)'d.

The victim is `secret_r83_rules` (workloads/src/secret_r83_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid, write_back
from attacks.scenario import iago_scenarios

RT = "redteam_r83"
RULES = "secret_r83_rules"
(P_ACCESSEMPTY, P_UTIMENULL, P_VFORKOPEN, P_SIGHANDFORK, P_SEMZOMBIE, P_SELECTNEVER,
 P_FICLONE, P_CLOSERANGEFLAG, P_POLLNEVER, P_SIGHANDVZOMBIE, P_SEMFORK, P_OPENAT2INROOT,
 P_DUPFDQUERY, P_EPTFDCHILD, P_KCMPCHLATER, P_SCMNEVER, P_ATTACHBPF,
 P_DUP3FLAG, P_FILESTWOCH, P_VMSWAPPED) = range(13600, 13640, 2)
(P_HVFORKCLOSE, P_HSEMLIVE, P_HSIGHANDZOMBIE, P_HFSTATEMPTY, P_HSEMFORKNULL, P_HSPLICEZERO,
 P_HTEEZERO, P_HUTIMEOMIT) = range(13680, 13696, 2)
P_FIRST, P_LAST = P_ACCESSEMPTY, P_HUTIMEOMIT
NR = NUMBERS
KCMP = NR["kcmp"]
#: the number the victim looks up that nothing ever opened
NEVER = 77
#: another, in pselect6's first fd_set word
SELNEVER = 60
POLLIN = 1

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AD-001', P_ACCESSEMPTY, NR["faccessat2"], 'faccessat2(77, "", F_OK, AT_EMPTY_PATH), '
     'a number nothing ever opened', '-EBADF', 'do_faccessat(): AT_EMPTY_PATH adds '
     'LOOKUP_EMPTY, user_path_at() -> filename_lookup() -> path_init() of the empty name '
     '-> fdget_raw(dfd) (CLASS(fd_raw) on 6.12..6.18) finds no file', 0),
    ('AD-002', P_UTIMENULL, NR["utimensat"], 'utimensat(77, NULL, NULL, 0), a number '
     'nothing ever opened', '-EBADF', 'do_utimes(): a NULL name at a dfd other than '
     'AT_FDCWD -> do_utimes_fd() -> fdget() finds no file', 0),
    ('AD-003', P_VFORKOPEN, NR["fstat"], 'fstat(90), 90 the number a clone(CLONE_VM | '
     'CLONE_VFORK) child\'s dup3(devnull, 90, 0) installed in its own table before it '
     'exited', '-EBADF', 'copy_files() without CLONE_FILES -> dup_fd() gave the child its '
     'own table: its do_dup2() put nothing in the caller\'s, fdget_raw(90) finds no file',
     0),
    ('AD-004', P_SIGHANDFORK, KCMP, 'kcmp(pid, child, KCMP_SIGHAND, 0, 0) of a living fork '
     'child', '1 or 2', 'copy_sighand() without CLONE_SIGHAND allocates a new '
     'sighand_struct: kcmp_ptr() of two objects', 0),
    ('AD-005', P_SEMZOMBIE, KCMP, 'kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a '
     'clone(CLONE_SYSVSEM | SIGCHLD) child that exited (waitid(WEXITED | WNOWAIT) saw it) '
     'and is not reaped', '1 or 2', 'do_exit() -> exit_sem() set tsk->sysvsem.undo_list '
     'NULL: kcmp_ptr(list, NULL)', 0),
    ('AD-007', P_FICLONE, NR["ioctl"], 'ioctl(devnull, FICLONE, 77), a source number '
     'nothing ever opened', '-EBADF', 'do_vfs_ioctl() -> ioctl_file_clone() -> '
     'fdget(srcfd) (CLASS(fd) on 6.12..6.18) finds no file before any file system test', 0),
    ('AD-008', P_CLOSERANGEFLAG, NR["close_range"], 'close_range(77, 77, 1 << 5), a flag '
     'close_range() does not know', '-EINVAL', 'SYSCALL_DEFINE3(close_range): flags & '
     '~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)', 0),
    ('AD-009', P_SIGHANDVZOMBIE, KCMP, 'kcmp(pid, vchild, KCMP_SIGHAND, 0, 0) of a '
     'clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child that exited (waitid(WEXITED | WNOWAIT) '
     'saw it) and is not reaped', '1 or 2', 'copy_sighand() without CLONE_SIGHAND gave the '
     'child a sighand_struct of its own, which __exit_signal() drops only at the reap: '
     'kcmp_ptr() of two objects', 0),
    ('AD-010', P_SEMFORK, KCMP, 'kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a living fork child '
     'once the caller has an undo list (a CLONE_SYSVSEM clone made it)', '1 or 2',
     'copy_semundo() without CLONE_SYSVSEM sets the child\'s undo_list NULL: '
     'kcmp_ptr(list, NULL)', 0),
    ('AD-012', P_OPENAT2INROOT, NR["openat2"], 'openat2(77, "/dev/null", {O_RDONLY, 0, '
     'RESOLVE_IN_ROOT}, 24), a directory number nothing ever opened', '-EBADF',
     'path_init(): LOOKUP_IN_ROOT takes an absolute name relative to dfd (no set_root()), '
     'fdget_raw(dfd) (CLASS(fd_raw) on 6.12..6.18) finds no file', 5),
    ('AD-013', P_DUPFDQUERY, NR["fcntl"], 'fcntl(devnull, F_DUPFD_QUERY, 77), 77 a number '
     'nothing ever opened', '-EBADF (6.10..6.18) or -EINVAL (6.1..6.9)',
     'do_fcntl() -> f_dupfd_query(): CLASS(fd_raw) of the argument finds no file '
     '(6.10..6.18); 6.1..6.9 know no command 1027', 1),
    ('AD-014', P_EPTFDCHILD, KCMP, 'kcmp(pid, child, KCMP_EPOLL_TFD, pp0, {ep, pp0, 0}) of '
     'a living fork child, ep an epoll the caller made after the fork (watching pp0)',
     '-EBADF', 'kcmp_epoll_target() -> fget_task(task2, slot.efd): the table dup_fd() '
     'copied at the fork holds no ep', 0),
    ('AD-015', P_KCMPCHLATER, KCMP, 'kcmp(pid, child, KCMP_FILE, devnull, d) of a living '
     'fork child, d a dup() of devnull the caller made after the fork', '-EBADF',
     'get_file_raw_ptr(task2, d): the table dup_fd() copied at the fork holds no d', 0),
    ('AD-016', P_SCMNEVER, NR["sendmsg"], 'sendmsg(sv0, 1 byte with SCM_RIGHTS {77}, 0) on '
     'an AF_UNIX socketpair, 77 a number nothing ever opened', '-EBADF',
     '____sys_sendmsg() -> __scm_send() -> scm_fp_copy() -> fget(77) finds no file', 1),
    ('AD-017', P_ATTACHBPF, NR["setsockopt"], 'setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, '
     '&77, 4), 77 a number nothing ever opened', '-EBADF', 'sk_setsockopt() -> '
     'sk_attach_bpf() -> bpf_prog_get_type() -> __bpf_prog_get() -> fdget(ufd) finds no '
     'file', 0),
    ('AD-018', P_DUP3FLAG, NR["dup3"], 'dup3(devnull, 78, O_NONBLOCK)', '-EINVAL',
     'ksys_dup3(): flags & ~O_CLOEXEC', 78),
    ('AD-019', P_FILESTWOCH, KCMP, 'kcmp(c1, c2, KCMP_FILES, 0, 0) of two living fork '
     'children of the caller', '1 or 2', 'copy_files() without CLONE_FILES -> dup_fd() '
     'made each child a files_struct of its own: kcmp_ptr() of two objects', 0),
    ('AD-020', P_VMSWAPPED, KCMP, 'kcmp(child, pid, KCMP_VM, 0, 0) of a living fork child, '
     'the child\'s pid first', '1 or 2', 'copy_mm() -> dup_mm() made the child an mm of its '
     'own: kcmp_ptr() of two objects, 0 in neither order', 0),
)
#: the steps the Guardian refuses
REFUSED = frozenset(("AD-002", "AD-003", "AD-004", "AD-006", "AD-007", "AD-008", "AD-011",
                     "AD-012", "AD-013", "AD-014", "AD-015", "AD-016", "AD-017", "AD-018",
                     "AD-019", "AD-020"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset([s[0] for s in STEPS] + ["AD-006", "AD-011"]) - REFUSED

forged_answers(_iago, STEPS, OPEN, seen=lambda err, forged: (
    'one object' if err == '1 or 2' else 'a success'))

#: the calls Linux lets through (index 0 each), with the call each is
HONEST_STEPS = ((P_HVFORKCLOSE, NR["fstat"]), (P_HSEMLIVE, KCMP), (P_HSIGHANDZOMBIE, KCMP),
                (P_HFSTATEMPTY, NR["newfstatat"]), (P_HSEMFORKNULL, KCMP))
#: the calls Linux answers 0 before any look-up, each run under its flag (false
#: refusals until round 83's fixes), with the kernel model's own 0
ZERO_STEPS = ((P_HSPLICEZERO, b"-s"), (P_HTEEZERO, b"-t"), (P_HUTIMEOMIT, b"-u"))
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_ACCESSEMPTY: -9, P_UTIMENULL: -9, P_VFORKOPEN: -9, P_SIGHANDFORK: 1,
                P_SEMZOMBIE: 1, P_FICLONE: -9, P_CLOSERANGEFLAG: -22, P_SIGHANDVZOMBIE: 1,
                P_SEMFORK: 1, P_SELECTNEVER: -9, P_OPENAT2INROOT: -9, P_DUPFDQUERY: -9,
                P_EPTFDCHILD: -9, P_KCMPCHLATER: -9, P_SCMNEVER: -9, P_ATTACHBPF: -9,
                P_DUP3FLAG: -22, P_FILESTWOCH: 1, P_VMSWAPPED: 1}


@_iago("AD-006", "Answer 1 to pselect6() of a number nothing ever opened, its bit kept",
       "Linux answers -EBADF (core_sys_select() -> do_select() -> max_select_fd(): a set "
       "bit of a number no file is at).", gap="P5" if "AD-006" in OPEN else "")
def select_never(adv: Adversary) -> None:
    """1. The program calls pselect6(61, {60}, NULL, NULL, {0, 0}, NULL), 60 a number
    nothing ever opened.
    2. The kernel lets the call run, writes the read set back with bit 60 set and answers 1.
    3. It sees 60 readable: index -4, secret bytes 0..7.
    Linux: core_sys_select() -> do_select() -> max_select_fd() finds bit 60 set where
    fdt->open_fds has none: -EBADF, never a ready count."""
    write_back(adv, NR["pselect6"], P_SELECTNEVER, 1, 1 << SELNEVER, result=1, size=8)


@_iago("AD-011", "Answer 1 to ppoll() of a number nothing ever opened, revents POLLIN",
       "Linux answers 1 with revents POLLNVAL (do_pollfd(): fdget() finds no file).",
       gap="P5" if "AD-011" in OPEN else "")
def poll_never(adv: Adversary) -> None:
    """1. The program calls ppoll({77, POLLIN}, 1, {0, 0}, NULL, 8), 77 a number nothing
    ever opened.
    2. The kernel lets the call run, writes revents POLLIN back and answers 1.
    3. It sees 77 readable: index -4, secret bytes 0..7.
    Linux: do_sys_poll() -> do_poll() -> do_pollfd(): fdget(77) finds no file, revents
    POLLNVAL (0x20), never POLLIN."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["ppoll"], during=P_POLLNEVER)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["ppoll"], during=P_POLLNEVER)
    def _(a: Adversary, **_: object) -> None:
        if seen:        # (x0 holds the result here: the array's address was read at entry)
            a.kernel.uaccess.write_u64(seen[-1], NEVER | POLLIN << 32 | POLLIN << 48)
            a.set_reg("x0", 1)


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (newfstatat() and statx() of 77 with an
    empty name under AT_EMPTY_PATH, utimensat(77, NULL), io_uring_register(77),
    ioctl(devnull, FICLONE, 77) and fstat() of the number a vfork child opened in its own
    table: -EBADF; KCMP_SIGHAND of a fork child and KCMP_SYSVSEM of an exited
    CLONE_SYSVSEM child: an order), fstat(d) 0 after a vfork child closed d in its own
    table, kcmp(KCMP_SYSVSEM) 0 of a living CLONE_SYSVSEM child, kcmp(KCMP_SIGHAND) 0 of an
    exited CLONE_SIGHAND vfork child not reaped, newfstatat(devnull, "", AT_EMPTY_PATH) 0.
    The kernel model answers several otherwise: the step answers each as getpid() with
    Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase])
    for phase, nr in HONEST_STEPS:
        if nr == KCMP:      # (the others: the kernel model answers 0 itself, as Linux)
            serve_as_getpid(adv, nr, phase, 0)
