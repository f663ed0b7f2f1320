"""Red-team round eighty-two: the answers of calls about descriptors, the launch table, kcmp,
pidfds and perf at the edges of round 81's rules -- return.fd_never_opened judges a number
nothing ever opened only for kcmp, pidfd_getfd (of the caller's own pidfd),
perf_event_open's group and process_mrelease: close(), dup(), fcntl(), fchdir(),
pidfd_send_signal(), process_madvise(), epoll_ctl()'s target and openat()'s dirfd look the
same number up (fdget() / fget_raw(): -EBADF) and are not judged, nor are kcmp() and
pidfd_getfd() of it in a living fork child's copied table; return.exited_table judges
KCMP_FILE and KCMP_EPOLL_TFD of an exited, unreaped child, not KCMP_FS, KCMP_FILES or
KCMP_VM of one that had shared the caller's fs_struct, table or mm (exit_fs(), exit_files(),
exit_mm() left NULL; a vfork child's mm too); a software event no PMU knows; close_range()
of an end below its start; the CLONE_PIDFD number a fork child's table lacks, the number a
fork child's own open() got, a tfd no epoll item has, a negative perf group.

AB-001 answers 0 to close(77), a number nothing ever opened: close_fd() ->
file_close_fd_locked() (pick_file() on 6.1..6.7) finds no file, -EBADF (qemu-user on 6.18
gives the same).  AB-002 answers 5 (the lowest free number) to dup(77): ksys_dup() ->
fget_raw(), -EBADF (qemu-user on 6.18: the same).  AB-003 answers 0 to fcntl(77, F_GETFD):
SYSCALL_DEFINE3(fcntl) -> fdget_raw() (CLASS(fd_raw) on 6.12..6.18), -EBADF (qemu-user on
6.18: the same).  AB-004 answers 0 to pidfd_send_signal(77, 0, NULL, 0):
SYSCALL_DEFINE4(pidfd_send_signal) -> fdget(), -EBADF (qemu-user on 6.18: the same).
AB-006 answers 4096 to process_madvise(77, {q, 4096}, 1, MADV_COLD, 0): pidfd_get_task() ->
pidfd_get_pid() -> fdget(), -EBADF (qemu-user has no process_madvise).  AB-007 answers 0 to
epoll_ctl(ep, EPOLL_CTL_ADD, 77, &ev): do_epoll_ctl(): fdget(fd) of the target, -EBADF
(qemu-user on 6.18: the same).  AB-012 answers 0 to fchdir(77): SYSCALL_DEFINE1(fchdir) ->
fdget_raw(), -EBADF (qemu-user on 6.18: the same; the step runs last, after AB-001's
close(77), so its number is also one the program closed).  AB-008 answers 0 to kcmp(pid,
child, KCMP_FILE, devnull, 77) of a living fork child: dup_fd() copied the caller's table,
which holds no 77, get_file_raw_ptr(task2, 77), -EBADF (qemu-user on 6.18: the same).
AB-010 answers 8 to pidfd_getfd(cfd, 77, 0) through the pidfd of that child: __pidfd_fget()
-> fget_task(child, 77), -EBADF (qemu-user on 6.18: the same).  AB-005 answers 0 to
kcmp(pid, child, KCMP_FS, 0, 0) of a clone(CLONE_FS | SIGCHLD) child that exited and that
waitid(P_PID, child, WEXITED | WNOWAIT) reported, not reaped: do_exit() -> exit_fs() set
task->fs NULL, kcmp_ptr(fs, NULL) an order, never 0 (the living child's 0 is honest).
AB-011 answers 0 to kcmp(pid, child, KCMP_FILES, 0, 0) of such a clone(CLONE_FILES |
SIGCHLD) child: do_exit() -> exit_files() set task->files NULL, an order (qemu-user refuses
CLONE_FS and CLONE_FILES without CLONE_VM: it cannot show these two).  AB-009 answers 5 to
perf_event_open(attr of a dummy software event, 0, -1, -2, 0): group_fd != -1 ->
perf_fget_light() (6.1..6.11) / CLASS(fd) (6.12..6.18) of -2, -EBADF before any PMU test
(qemu-user has no perf_event_open).  AB-013 answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD,
devnull, {ep, 77, 0}) of an epoll watching one pipe end: kcmp_epoll_target() ->
get_epoll_tfile_raw_ptr() -> ep_find_tfd() finds no item, -ENOENT (qemu-user on 6.18: the
same).  AB-014 answers 0 to kcmp(pid, child, KCMP_FILE, p, p), p the pidfd
clone(CLONE_PIDFD | SIGCHLD) gave the caller of a living fork child: copy_process() runs
copy_files() -> dup_fd() before __pidfd_prepare() -> get_unused_fd_flags() reserves p in
the caller's table alone, get_file_raw_ptr(task2, p) -EBADF (qemu-user refuses
CLONE_PIDFD: it cannot show this one).  AB-015 answers 0 to kcmp(pid, pid, KCMP_FILE, n, n),
n the number a living fork child's openat("/dev/null") got in its own table: its
fd_install() put nothing in the caller's, -EBADF (qemu-user on 6.18: the same).  AB-016
answers 5 (the lowest free number) to openat(77, "null", O_RDONLY): path_openat() ->
path_init() of a relative name, fdget_raw(dfd) finds no file, -EBADF (qemu-user on 6.18:
the same).  AB-017 answers 0 to kcmp(pid, child, KCMP_FILE, p, p), p the CLONE_PIDFD pidfd
of a living fork child at a number the program never used before (every lower one held
open): the child's table, copied before __pidfd_prepare(), holds no p, -EBADF (qemu-user
refuses CLONE_PIDFD).  AB-018 answers 0 to kcmp(pid, vchild, KCMP_VM, 0, 0) of a
clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child that exited and that waitid(WEXITED |
WNOWAIT) reported, not reaped: do_exit() -> exit_mm() set task->mm NULL, kcmp_ptr(mm,
NULL) an order, never 0 although the two shared one mm while the child lived (qemu-user,
which runs vfork as a fork, on 6.18 gives an order).  AB-019 answers 5 to
perf_event_open() of PERF_TYPE_SOFTWARE config 1000 (exclude_kernel, so the default
perf_event_paranoid 2 allows it): perf_init_event() finds no pmu_idr slot for
PERF_TYPE_SOFTWARE (perf_pmu_register() keeps it out) and tries every PMU:
perf_swevent_init() has event_id >= PERF_COUNT_SW_MAX, task_clock_event_init() and
cpu_clock_event_init() want their own config, every other PMU another type: -ENOENT
(return.perf_event_args judges perf_copy_attr()'s fixed tests only; qemu-user has no
perf_event_open).  AB-020 answers 0 to close_range(77, 10, 0): __close_range(): fd >
max_fd, -EINVAL (qemu-user on 6.18: the same).
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d`) printed
"+0" (Linux's own answers, the phase's last four digits) for steps 3200..3206, 3212..3214,
3218, 3222..3224, 3228..3230, 3234, 3238 and the honest 3280 (kcmp of devnull and devnull |
1 << 32: 0, get_file_raw_ptr()'s index is an unsigned int), 3284 and 3286; "+1" for 3208,
3220 and 3282 (qemu-user refuses CLONE_FS and CLONE_FILES without CLONE_VM: -EINVAL), 3226,
3232, 3288 and 3290 (CLONE_PIDFD refused), 3292 (CLONE_FILES refused), 3210
(process_madvise: -ENOSYS) and 3216, 3236 (perf_event_open: -ENOSYS).

Through with the Guardian on when written (gaps): AB-001..008, AB-010..012, AB-016..020.
Refused since: AB-001, 002, 003, 004, 006, 007, 012 and 016 (return.fd_never_opened, widened
by guardian/fd_never_args.py to every descriptor argument of descriptor_args.py's table in
the caller's own table -- close_fd(), fget_raw(), fdget_raw(), fdget(), path_init()'s
fdget_raw(dfd) of a relative name --, mmap without MAP_ANONYMOUS, signalfd4,
landlock_restrict_self, waitid(P_PIDFD), a cgroup perf_event_open, open_by_handle_at's
mount_fd), AB-008, 010 and 017 (return.fd_never_opened in a living fork child's table:
dup_fd()'s copy, unchanged and followed, never held the number -- a CLONE_PIDFD pidfd
__pidfd_prepare() reserved after copy_files() included; kcmp's KCMP_FILE index of the
child, pidfd_getfd's target through the child's pidfd).
Refused since: AB-005, AB-011 and AB-018 (return.exited_table, widened to kcmp's KCMP_FS,
KCMP_FILES and KCMP_VM of the caller's own pid, the caller its group's leader, and a child
a waitid(WEXITED | WNOWAIT) reported exited with no wait in flight or reap since: exit_fs(),
exit_files(), exit_mm() left the child's NULL, kcmp_ptr() an order), AB-019
(return.perf_event_args: guardian/perf_attr.py judges PERF_TYPE_SOFTWARE config >=
PERF_COUNT_SW_MAX, 12 on every 6.x), AB-020 (return.range_table: close_range's row in
abi/value_ranges.py holds ArgNotAbove(0, 1) as a success term, not judged where a seccomp
filter may answer).
Refused when written: AB-009 (return.negative_descriptor: a group_fd of -2, fdget() finds no file),
AB-013 (return.descriptor_kind: the epoll holds no item for 77, ep_find_tfd()), AB-014 (the
pidfd's number was one the program closed before the clone, so the child's copy holds none:
return.descriptor_kind), AB-015 (return.fd_never_opened: the child's open did not enter the
caller's table).

Honest answers (tests/test_redteam_r82_claims.py): every step of STEPS answered as Linux
does (LINUX_ERRORS), kcmp(pid, pid, KCMP_FILE, devnull, devnull | 1 << 32) 0,
kcmp(pid, child, KCMP_FILES) of a living clone(CLONE_FILES) child 0 (copy_files() shares
the files_struct), kcmp(pid, pid, KCMP_VM) 0, kcmp(pid, child, KCMP_FILE, devnull,
devnull) of a living fork child 0 (dup_fd() copied the pointer), kcmp(pid, pid, KCMP_FILE,
p, p) of the CLONE_PIDFD pidfd 0, at a number never used before too (the Guardian follows
the pidfd clone() wrote back), kcmp(pid, pid, KCMP_FILE, n, n) 0 where n is the number a
living clone(CLONE_FILES) child's openat() got in the table it shares.  No false refusal
found.

AB-014 predicts p by dup() and close(), which the Guardian then judges by the closed
number; AB-017 is the same fact at a number never used (refused since by
return.fd_never_opened in the child's copied table).

The victim is `secret_r82_rules` (workloads/src/secret_r82_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r82"
RULES = "secret_r82_rules"
(P_CLOSENEVER, P_DUPNEVER, P_FCNTLNEVER, P_SIGNEVER, P_KCMPFSZOMBIE, P_PMADVNEVER,
 P_EPCTLNEVER, P_KCMPCHNEVER, P_PERFGROUPNEG, P_GETFDCHNEVER, P_KCMPFILESZOMBIE,
 P_FCHDIRNEVER, P_EPTFDNEVER, P_KCMPPIDFDCH, P_KCMPCHOPENED, P_OPENATNEVER, P_KCMPPIDFDNEW,
 P_KCMPVMVFORK, P_PERFSWCONFIG, P_CLOSERANGEINV) = range(13200, 13240, 2)
(P_HKCMPHIGH, P_HFILESLIVE, P_HVMSELF, P_HCHDEVNULL, P_HPIDFDSELF, P_HPIDFDNEWSELF,
 P_HFILESOPEN) = range(13280, 13294, 2)
P_FIRST, P_LAST = P_CLOSENEVER, P_HFILESOPEN
NR = NUMBERS
KCMP = NR["kcmp"]
#: the number the victim looks up that nothing ever opened
NEVER = 77

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('AB-001', P_CLOSENEVER, NR["close"], 'close(77), a number nothing ever opened',
     '-EBADF', 'close_fd() -> file_close_fd_locked() (pick_file() on 6.1..6.7) finds no '
     'file', 0),
    ('AB-002', P_DUPNEVER, NR["dup"], 'dup(77), a number nothing ever opened', '-EBADF',
     'ksys_dup() -> fget_raw(): no file', 5),
    ('AB-003', P_FCNTLNEVER, NR["fcntl"], 'fcntl(77, F_GETFD), a number nothing ever opened',
     '-EBADF', 'SYSCALL_DEFINE3(fcntl) -> fdget_raw() (CLASS(fd_raw) on 6.12..6.18): no '
     'file', 0),
    ('AB-004', P_SIGNEVER, NR["pidfd_send_signal"], 'pidfd_send_signal(77, 0, NULL, 0), a '
     'number nothing ever opened', '-EBADF', 'SYSCALL_DEFINE4(pidfd_send_signal) -> fdget() '
     '(CLASS(fd) on 6.12..6.18): no file', 0),
    ('AB-005', P_KCMPFSZOMBIE, KCMP, 'kcmp(pid, child, KCMP_FS, 0, 0) of a '
     'clone(CLONE_FS | SIGCHLD) child that exited (waitid(P_PID, child, WEXITED | WNOWAIT) '
     'saw it) and is not reaped', '1 or 2', 'do_exit() -> exit_fs() set task->fs NULL: '
     'kcmp_ptr(fs, NULL)', 0),
    ('AB-006', P_PMADVNEVER, NR["process_madvise"], 'process_madvise(77, {q, 4096}, 1, '
     'MADV_COLD, 0), a pidfd number nothing ever opened', '-EBADF', 'process_madvise() -> '
     'pidfd_get_task() -> pidfd_get_pid() -> fdget(): no file', 4096),
    ('AB-007', P_EPCTLNEVER, NR["epoll_ctl"], 'epoll_ctl(ep, EPOLL_CTL_ADD, 77, &ev), a '
     'target number nothing ever opened', '-EBADF', 'do_epoll_ctl(): fdget(fd) (CLASS(fd) '
     'on 6.12..6.18) of the target: no file', 0),
    ('AB-008', P_KCMPCHNEVER, KCMP, 'kcmp(pid, child, KCMP_FILE, devnull, 77) of a living '
     'fork child, 77 a number nothing ever opened', '-EBADF', 'dup_fd() copied the '
     'caller\'s table, which holds no 77: get_file_raw_ptr(task2, 77) finds no file', 0),
    ('AB-009', P_PERFGROUPNEG, NR["perf_event_open"], 'perf_event_open(attr of a dummy '
     'software event, 0, -1, -2, 0)', '-EBADF', 'SYSCALL_DEFINE5(perf_event_open): '
     'group_fd != -1 -> perf_fget_light() (6.1..6.11) / CLASS(fd) (6.12..6.18) of -2 finds '
     'no file', 5),
    ('AB-010', P_GETFDCHNEVER, NR["pidfd_getfd"], 'pidfd_getfd(cfd, 77, 0) through the pidfd '
     'of a living fork child, 77 a number nothing ever opened', '-EBADF', 'pidfd_getfd() -> '
     '__pidfd_fget() -> fget_task(child, 77): the table dup_fd() copied holds no 77', 8),
    ('AB-011', P_KCMPFILESZOMBIE, KCMP, 'kcmp(pid, child, KCMP_FILES, 0, 0) of a '
     'clone(CLONE_FILES | SIGCHLD) child that exited (waitid(WEXITED | WNOWAIT) saw it) and '
     'is not reaped', '1 or 2', 'do_exit() -> exit_files() set task->files NULL: '
     'kcmp_ptr(files, NULL)', 0),
    ('AB-012', P_FCHDIRNEVER, NR["fchdir"], 'fchdir(77), a number nothing ever opened',
     '-EBADF', 'SYSCALL_DEFINE1(fchdir) -> fdget_raw() (CLASS(fd_raw)): no file', 0),
    ('AB-013', P_EPTFDNEVER, KCMP, 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, 77, 0}) of '
     'an epoll watching one pipe end, 77 a number nothing ever opened', '-ENOENT',
     'kcmp_epoll_target() -> get_epoll_tfile_raw_ptr() -> ep_find_tfd(): no item of '
     'tfd 77', 0),
    ('AB-014', P_KCMPPIDFDCH, KCMP, 'kcmp(pid, child, KCMP_FILE, p, p), p the pidfd '
     'clone(CLONE_PIDFD | SIGCHLD) gave the caller of that living fork child', '-EBADF',
     'copy_process(): copy_files() -> dup_fd() copied the table before '
     '__pidfd_prepare() -> get_unused_fd_flags() reserved p in the caller\'s alone: '
     'get_file_raw_ptr(task2, p) finds no file', 0),
    ('AB-015', P_KCMPCHOPENED, KCMP, 'kcmp(pid, pid, KCMP_FILE, n, n), n the number a '
     'living fork child\'s openat("/dev/null") got in its own table', '-EBADF',
     'dup_fd() gave the child a table of its own; its fd_install() put nothing in the '
     'caller\'s: get_file_raw_ptr(task1, n) finds no file', 0),
    ('AB-016', P_OPENATNEVER, NR["openat"], 'openat(77, "null", O_RDONLY), a directory '
     'number nothing ever opened', '-EBADF', 'do_filp_open() -> path_openat() -> '
     'path_init(): a relative name, fdget_raw(dfd) (CLASS(fd_raw)) finds no file', 5),
    ('AB-017', P_KCMPPIDFDNEW, KCMP, 'kcmp(pid, child, KCMP_FILE, p, p), p the pidfd '
     'clone(CLONE_PIDFD | SIGCHLD) gave the caller of that living fork child at a number '
     'the program never used before', '-EBADF', 'copy_process(): copy_files() -> dup_fd() '
     'copied the table before __pidfd_prepare() -> get_unused_fd_flags() reserved p in '
     'the caller\'s alone: get_file_raw_ptr(task2, p) finds no file', 0),
    ('AB-018', P_KCMPVMVFORK, KCMP, 'kcmp(pid, vchild, KCMP_VM, 0, 0) of a '
     'clone(CLONE_VM | CLONE_VFORK | SIGCHLD) child that exited (waitid(WEXITED | WNOWAIT) '
     'saw it) and is not reaped', '1 or 2', 'do_exit() -> exit_mm() set task->mm NULL: '
     'kcmp_ptr(mm, NULL)', 0),
    ('AB-019', P_PERFSWCONFIG, NR["perf_event_open"], 'perf_event_open(attr of '
     'PERF_TYPE_SOFTWARE config 1000 with exclude_kernel, 0, -1, -1, 0)', '-ENOENT',
     'perf_init_event(): PERF_TYPE_SOFTWARE is in no pmu_idr slot, so every PMU is tried: '
     'perf_swevent_init() (event_id >= PERF_COUNT_SW_MAX), task_clock_event_init(), '
     'cpu_clock_event_init() and each PMU of another type answer -ENOENT', 5),
    ('AB-020', P_CLOSERANGEINV, NR["close_range"], 'close_range(77, 10, 0), an end below '
     'the start', '-EINVAL', 'SYSCALL_DEFINE3(close_range) -> __close_range(): fd > max_fd',
     0),
)
#: the steps the Guardian refuses
REFUSED = frozenset(f"AB-{n:03d}" for n in range(1, 21))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED

forged_answers(_iago, STEPS, OPEN, seen=lambda err, forged: (
    'one object' if err == '1 or 2' else 'a success'))

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HKCMPHIGH, P_HFILESLIVE, P_HVMSELF, P_HCHDEVNULL, P_HPIDFDSELF,
                P_HPIDFDNEWSELF, P_HFILESOPEN)
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_CLOSENEVER: -9, P_DUPNEVER: -9, P_FCNTLNEVER: -9, P_SIGNEVER: -9,
                P_KCMPFSZOMBIE: 1, P_PMADVNEVER: -9, P_EPCTLNEVER: -9, P_KCMPCHNEVER: -9,
                P_PERFGROUPNEG: -9, P_GETFDCHNEVER: -9, P_KCMPFILESZOMBIE: 1,
                P_FCHDIRNEVER: -9, P_EPTFDNEVER: -2, P_KCMPPIDFDCH: -9,
                P_KCMPCHOPENED: -9, P_OPENATNEVER: -9, P_KCMPPIDFDNEW: -9,
                P_KCMPVMVFORK: 1, P_PERFSWCONFIG: -2, P_CLOSERANGEINV: -22}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (close(), dup(), fcntl(), fchdir(),
    pidfd_send_signal(), process_madvise() and epoll_ctl()'s target of a number nothing
    ever opened, kcmp() and pidfd_getfd() of it in a living fork child's copied table and
    perf_event_open() of group_fd -2: -EBADF; KCMP_EPOLL_TFD of a tfd no item has:
    -ENOENT; KCMP_FS and KCMP_FILES of an exited child that shared them: an order),
    kcmp(KCMP_FILE) of devnull and devnull | 1 << 32 0, kcmp(KCMP_FILES) of a living
    CLONE_FILES child 0, kcmp(pid, pid, KCMP_VM) 0, kcmp(KCMP_FILE) of devnull and a living
    fork child's copy of it 0, kcmp(KCMP_FILE) of a CLONE_PIDFD pidfd with itself 0;
    openat() relative to 77 -EBADF, kcmp(KCMP_FILE) of the CLONE_PIDFD number in the child
    -EBADF, KCMP_VM of an exited vfork child an order, perf_event_open() of software config
    1000 -ENOENT, close_range(77, 10, 0) -EINVAL; kcmp(KCMP_FILE) 0 of a CLONE_PIDFD pidfd
    at a number never used with itself and of the number a CLONE_FILES child's openat()
    got.  The kernel model answers several otherwise: the step
    answers each as getpid() with Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase])
    for phase in HONEST_STEPS:
        serve_as_getpid(adv, KCMP, phase, 0)
