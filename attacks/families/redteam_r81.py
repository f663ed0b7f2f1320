"""Red-team round eighty-one: the answers of calls about descriptors, kcmp, pidfds and perf
at the edges of round 80's fixes -- perf_event_open() attrs perf_copy_attr() refuses for
reasons return.perf_event_args does not judge (freq with a sample_freq no sysctl allows,
unknown sample_type and read_format bits, flag pairs it forbids, __reserved_2,
__reserved_3, a bad clockid, an empty register or branch mask, an unaligned stack size,
both weight formats); kcmp() whose first pid is not the caller (a fork child named first,
a vfork child asking about its parent), kcmp() of a fork child's own table (two of its
files, a number it closed), of a zombie's table, of a pipe end's /proc reopen, of an
F_DUPFD_CLOEXEC copy, of a slot efd dup3() turned into /dev/null, of a number a
CLONE_FILES child closed in the shared table; openat() of a socket's /proc/self/fd link;
pidfd_getfd(), pidfd_send_signal(), waitid(P_PIDFD) and process_madvise() of a reaped
child, pidfd_getfd() of a zombie, and signalfd4() over a pidfd.

ZY-001 answers 5 to perf_event_open() of a dummy software event with freq set and
sample_freq 1 << 40: SYSCALL_DEFINE5(perf_event_open): attr.freq and attr.sample_freq >
sysctl_perf_event_sample_rate (an int sysctl, at most INT_MAX: no admin can allow 1 << 40),
-EINVAL (return.perf_event_args judges bit 63 of sample_period only without freq).  ZY-002
answers 5 to sample_type bit 40: perf_copy_attr(): attr->sample_type &
~(PERF_SAMPLE_MAX - 1), -EINVAL.  ZY-003 answers 5 to read_format bit 10: perf_copy_attr():
attr->read_format & ~(PERF_FORMAT_MAX - 1), -EINVAL.  ZY-004 answers 5 to inherit_thread
(flag bit 35) without inherit: perf_copy_attr(): !attr->inherit && attr->inherit_thread,
-EINVAL.  ZY-005 answers 5 to sigtrap (bit 37) without remove_on_exec: perf_copy_attr(),
-EINVAL.  ZY-006 answers 5 to remove_on_exec with enable_on_exec: perf_copy_attr(),
-EINVAL.  ZY-007 answers 5 to __reserved_2 (the u16 at byte 110) 1: perf_copy_attr():
attr->__reserved_2, -EINVAL.  ZY-008 answers 5 to use_clockid with clockid 99:
SYSCALL_DEFINE5(perf_event_open) -> perf_event_set_clock(): no such clock, -EINVAL (an
error on every kernel).  ZY-009 answers 5 to PERF_SAMPLE_REGS_USER with sample_regs_user
0: perf_copy_attr() -> perf_reg_validate() (arm64): !mask, -EINVAL.  ZY-019 answers 5 to
PERF_SAMPLE_STACK_USER with sample_stack_user 7: perf_copy_attr(): not a multiple of 8,
-EINVAL.  ZY-020 answers 5 to bit 31 of the u32 at byte 116: perf_copy_attr():
attr->__reserved_3 (the whole word on 6.1..6.12; bits 3..31 beside aux_start_paused,
aux_pause, aux_resume on 6.13..6.18), -EINVAL.  ZY-021 answers 5 to PERF_SAMPLE_WEIGHT |
PERF_SAMPLE_WEIGHT_STRUCT: perf_copy_attr(), -EINVAL.  ZY-022 answers 5 to
PERF_SAMPLE_BRANCH_STACK with branch_sample_type 0: perf_copy_attr(): !(mask &
~PERF_SAMPLE_BRANCH_PLM_ALL), -EINVAL.  perf_copy_attr() runs first in the syscall,
before any permission or PMU test, so these are -EINVAL whatever perf_event_paranoid
says (qemu-user has no perf_event_open: -ENOSYS).
ZY-010 answers 7 to openat(AT_FDCWD, "/proc/self/fd/s", O_RDWR) of a socketpair end:
path_openat() -> do_dentry_open(): a sockfs inode keeps inode_init_always()'s
no_open_fops, no_open() -ENXIO (qemu-user on 6.18 gives the same).  ZY-011 answers 0 to
kcmp(pid, pid, KCMP_FILE, pr, openat("/proc/self/fd/pr", O_RDONLY | O_NONBLOCK)) of a pipe
end: path_openat() -> alloc_empty_file(), fifo_open() opens a second struct file of the
same pipe, an order (qemu-user on 6.18 gives an order).  ZY-012 answers 0 to kcmp(child,
pid, KCMP_FS, 0, 0), a living fork child named first: copy_fs() without CLONE_FS ->
copy_fs_struct(), an order (qemu-user on 6.18 gives an order).  ZY-013 answers 0 to
kcmp(child, child, KCMP_FILE, devnull, pr), two of a living fork child's inherited
numbers: dup_fd() copied the caller's pointers, two struct files, an order (qemu-user on
6.18 gives an order).  ZY-014 answers 0 to kcmp(pid, child, KCMP_FILE, devnull, devnull)
of a fork child that exited and that waitid(P_PID, child, WEXITED | WNOWAIT) reported
but did not reap: do_exit() -> exit_files() set task->files NULL, get_file_raw_ptr()
finds no file, -EBADF (qemu-user on 6.18 gives the same).  ZY-015 answers 6 to
pidfd_getfd(cfd, devnull, 0) once wait4() reaped cfd's child: pidfd_getfd() ->
pidfd_get_task() -> pid_task(PIDTYPE_TGID) finds no task, -ESRCH (qemu-user on 6.18
gives the same).  ZY-016 answers 0 to pidfd_send_signal(cfd, 0, NULL, 0) of it:
kill_pid_info() finds no task, -ESRCH (qemu-user on 6.18 gives the same).  ZY-017
answers 4096 to process_madvise(cfd, {Q, 4096}, 1, MADV_COLD, 0) of it:
pidfd_get_task(), -ESRCH (qemu-user has no process_madvise).  ZY-018 answers 0 to
waitid(P_PIDFD, cfd, &info, WEXITED | WNOHANG, NULL) of it, with a siginfo of the child's
exit written into info (a scenario of its own, waitid_reported): kernel_waitid() ->
do_wait(): release_task() unlinked the child, -ECHILD (qemu-user on 6.18 gives the same).  ZY-023
answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {c, pr, 0}) after dup3(devnull, c, 0)
turned c, a dup of the epoll, into /dev/null: kcmp_epoll_target() ->
get_epoll_tfile_raw_ptr(): !is_file_epoll(), -EINVAL (qemu-user on 6.18 gives the
same).  ZY-024 answers 1 to kcmp(pid, pid, KCMP_FILE, devnull, fcntl(devnull,
F_DUPFD_CLOEXEC, 0)): do_fcntl() -> f_dupfd() installs the same struct file, 0 (qemu-user
on 6.18 gives the same).  ZY-025 answers 0 to kcmp(pid, child, KCMP_FILE, pr, pr) after
the living fork child closed its own copy of pr: its close_fd() cleared its own table
(dup_fd() gave it one), get_file_raw_ptr(task2, pr) finds none, -EBADF (qemu-user on
6.18 gives the same).  ZY-026 answers 0 to kcmp(pid, pid, KCMP_FILE, x, x) after a
living clone(CLONE_FILES | SIGCHLD) child closed x in the files_struct copy_files()
shares: -EBADF (qemu-user refuses CLONE_FILES without CLONE_VM: it cannot show this
one).  ZY-027 answers 0 to a vfork child's kcmp(getpid(), parent, KCMP_FS, 0, 0): vfork
is CLONE_VM | CLONE_VFORK without CLONE_FS, copy_fs_struct(), an order (qemu-user runs
vfork as a fork: the parent never sees the child's answer).  ZY-028 answers 6 to
pidfd_getfd(cfd, devnull, 0) of the exited, unreaped child (a zombie): __pidfd_fget() ->
fget_task() of a task whose exit_files() ran, -EBADF (qemu-user on 6.18 gives an error).
ZY-029 answers 5
(the pidfd's own number, as an update of a signalfd's mask would) to signalfd4(pfd, &mask,
8, 0) of a pidfd pidfd_open(getpid()) made: do_signalfd4(): ufd != -1 and the file's f_op
is not signalfd_fops, -EINVAL (qemu-user on 6.18 gives the same).
The victim indexes -4 on each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d`)
printed "+0" (Linux's own answers, the phase's last four digits) for steps 2614 (any
error), 2618..2630, 2634, 2644..2648, 2654, 2656 and the honest 2688; "+1" for 2600..2612,
2616, 2636..2642
(perf_event_open: -ENOSYS), 2632 (process_madvise: -ENOSYS), 2684 (process_mrelease:
-ENOSYS), 2650, 2686 and 2680 (qemu-user refuses CLONE_FILES and CLONE_FS without
CLONE_VM: -EINVAL) and 2652 (vfork run as fork).  Considered and dropped: kcmp(pid,
child, KCMP_SYSVSEM) of a fork child answered 1 -- the host's own kcmp() answers 0 (two
NULL undo lists), but qemu-user answers 1: its threads were made with CLONE_SYSVSEM,
copy_semundo() -> get_undo_list() gave the process an undo list, and a launcher that
execs from a threaded process leaves the program one, so Linux may answer an order.

Through with the Guardian on when written (gaps): ZY-001..009, ZY-012..015, ZY-017,
ZY-019..022, ZY-025, ZY-027..029; each is refused since, as follows.
Refused since: ZY-001..009, ZY-019..022 (return.perf_event_args widened,
guardian/perf_attr.py: the attr as the kernel copied it -- attr.size bytes, the rest 0 --
judged by perf_copy_attr()'s fixed tests every 6.1..6.18 kernel applies: sample_type bits
from PERF_SAMPLE_MAX 1 << 25, read_format bits from PERF_FORMAT_MAX 1 << 5, inherit_thread
without inherit, sigtrap without remove_on_exec, remove_on_exec with enable_on_exec,
__reserved_2, __reserved_3 bits 3..31, REGS_USER or REGS_INTR of mask 0 (arm64
perf_reg_validate()), STACK_USER of a size >= USHRT_MAX or not a multiple of 8, WEIGHT
with WEIGHT_STRUCT, BRANCH_STACK with no type outside PERF_SAMPLE_BRANCH_PLM_ALL; freq with
sample_freq above INT_MAX, past any int sysctl_perf_event_sample_rate; use_clockid with a
clockid perf_event_set_clock() has no case for).
Refused: ZY-010 (return.reopen_flags: no open of a socket's /proc/self/fd link,
no_open()), ZY-011 (return.kcmp_distinct: a pipe end and its /proc reopen are two struct
files), ZY-016 (return.pidfd_ended: pidfd_send_signal() of a reaped child), ZY-018
(waitid(P_PIDFD) of a reaped child answered 0: unwritten, the info buffer's old bytes are
refused; written, its si_pid names a child a wait already reported reaped -- Linux
reports a child's end once), ZY-023 (a slot efd dup3() made /dev/null is no epoll: the
table follows dup3()), ZY-024 (return.descriptor_kind: an
F_DUPFD_CLOEXEC copy is the same open file), ZY-026 (KCMP_FILE of a number a CLONE_FILES
child closed in the shared table).
Refused since: ZY-012 (return.kcmp_distinct judges the pair
whichever pid comes first: kcmp(child, own, ...) as kcmp(own, child, ...) with the indexes
swapped), ZY-027 (return.kcmp_distinct: a vfork child's fs_struct is its own --
CLONE_VM | CLONE_VFORK without CLONE_FS, copy_fs_struct() -- so KCMP_FS of the vfork
child and its parent is never 0), ZY-013 (return.kcmp_distinct: kcmp(child, child,
KCMP_FILE) judged by the fork child's unchanged inherited table,
Descriptors.child_table()), ZY-014 and ZY-028 (return.exited_table, new,
guardian/exited_tables.py: a child a waitid(WEXITED | WNOWAIT) report showed exited, no
wait in flight or reap since, has no table -- exit_files() -- so KCMP_FILE of it and
pidfd_getfd through its pidfd are -EBADF; an exit_group() seen at its entry is not
used: exit_files() runs later, unseen), ZY-015 and ZY-017 (return.pidfd_ended widened to
every pidfd_get_task() caller: process_mrelease, pidfd_getfd, process_madvise), ZY-025
(return.descriptor_kind: KCMP_FILE of a number the living fork child closed in its own
unchanged table, -EBADF), ZY-029 (return.descriptor_kind: signalfd4() with ufd != -1
naming a file of a fixed kind or opened by name, do_signalfd4() -EINVAL).

Honest answers (tests/test_redteam_r81_claims.py): every step of STEPS answered as Linux
does (LINUX_ERRORS), kcmp(pid, child, KCMP_FS) of a clone(CLONE_FS | SIGCHLD) child 0
(copy_fs() shares the fs_struct), process_mrelease(cfd, 0) of an exited, unreaped child
0 (find_lock_task_mm() finds no mm, the call's ret stays 0), kcmp(pid, pid, KCMP_FILE, n,
pr) 0 after a clone(CLONE_FILES) child dup3(pr, n) in the shared table, kcmp(pid, pid,
KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) an order after close(pr) while an F_DUPFD_CLOEXEC
copy of pr is open (the file lives, so its item does; qemu-user on 6.18 gives an order).  No false
refusal found.

The victim is `secret_r81_rules` (workloads/src/secret_r81_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r81"
RULES = "secret_r81_rules"
(P_PERFFREQ, P_PERFSTYPE, P_PERFRFMT, P_PERFINHTHR, P_PERFSIGTRAP, P_PERFRMEXEC,
 P_PERFRES2, P_PERFCLOCK, P_PERFREGS, P_SOCKREOPEN, P_PIPEREOPEN, P_FSCHILDFIRST,
 P_FILECHILDBOTH, P_KCMPZOMBIE, P_GETFDREAPED, P_SIGREAPED,
 P_PMADVREAPED, P_WAITREAPED, P_PERFSTACK, P_PERFRES3, P_PERFWEIGHT, P_PERFBRANCH,
 P_KCMPEFDDUP3, P_DUPFDCLOEXEC, P_KCMPCHCLOSED, P_KCMPFILESCLOSED,
 P_VFORKFS, P_GETFDZOMBIE, P_SIGFDPIDFD) = range(12600, 12658, 2)
P_HFSSHARED, _P_UNUSED, P_HMRELZOMBIE, P_HFILESDUP3, P_HEPDUPFD = range(12680, 12690, 2)
P_FIRST, P_LAST = P_PERFFREQ, P_HEPDUPFD
NR = NUMBERS
NR_MRELEASE = NUMBERS["process_mrelease"]
PERF = NR["perf_event_open"]

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('ZY-001', P_PERFFREQ, PERF, 'perf_event_open(attr with freq and sample_freq 1 << 40, 0, '
     '-1, -1, 0)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): attr.freq and '
     'attr.sample_freq > sysctl_perf_event_sample_rate (an int: at most INT_MAX)', 5),
    ('ZY-002', P_PERFSTYPE, PERF, 'perf_event_open(attr with sample_type bit 40, 0, -1, -1, '
     '0)', '-EINVAL', 'perf_copy_attr(): attr->sample_type & ~(PERF_SAMPLE_MAX - 1)', 5),
    ('ZY-003', P_PERFRFMT, PERF, 'perf_event_open(attr with read_format bit 10, 0, -1, -1, '
     '0)', '-EINVAL', 'perf_copy_attr(): attr->read_format & ~(PERF_FORMAT_MAX - 1)', 5),
    ('ZY-004', P_PERFINHTHR, PERF, 'perf_event_open(attr with inherit_thread and no inherit, '
     '0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): !attr->inherit && '
     'attr->inherit_thread', 5),
    ('ZY-005', P_PERFSIGTRAP, PERF, 'perf_event_open(attr with sigtrap and no '
     'remove_on_exec, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): attr->sigtrap && '
     '!attr->remove_on_exec', 5),
    ('ZY-006', P_PERFRMEXEC, PERF, 'perf_event_open(attr with remove_on_exec and '
     'enable_on_exec, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): '
     'attr->remove_on_exec && attr->enable_on_exec', 5),
    ('ZY-007', P_PERFRES2, PERF, 'perf_event_open(attr with __reserved_2 (byte 110) 1, 0, '
     '-1, -1, 0)', '-EINVAL', 'perf_copy_attr(): attr->__reserved_2', 5),
    ('ZY-008', P_PERFCLOCK, PERF, 'perf_event_open(attr with use_clockid and clockid 99, 0, '
     '-1, -1, 0)', 'an error (-EINVAL)', 'SYSCALL_DEFINE5(perf_event_open) -> '
     'perf_event_set_clock(): no clock 99', 5),
    ('ZY-009', P_PERFREGS, PERF, 'perf_event_open(attr with PERF_SAMPLE_REGS_USER and '
     'sample_regs_user 0, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr() -> '
     'perf_reg_validate() (arm64): !mask', 5),
    ('ZY-010', P_SOCKREOPEN, NR["openat"], 'openat(AT_FDCWD, "/proc/self/fd/s", O_RDWR) of '
     'a socketpair end s', '-ENXIO', 'path_openat() -> do_dentry_open(): a sockfs inode '
     'keeps inode_init_always()\'s no_open_fops, no_open()', 7),
    ('ZY-011', P_PIPEREOPEN, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, pr, '
     'openat("/proc/self/fd/pr")) of a pipe end', '1 or 2', 'path_openat() -> '
     'alloc_empty_file() and fifo_open() made a second struct file of the same pipe: '
     'kcmp_ptr() of two pointers', 0),
    ('ZY-012', P_FSCHILDFIRST, NR["kcmp"], 'kcmp(child, pid, KCMP_FS, 0, 0) of a living fork '
     'child named first', '1 or 2', 'copy_fs() without CLONE_FS -> copy_fs_struct(): '
     'kcmp_ptr() of the child\'s fs_struct and the caller\'s', 0),
    ('ZY-013', P_FILECHILDBOTH, NR["kcmp"], 'kcmp(child, child, KCMP_FILE, devnull, pr) of '
     'a living fork child\'s copies of /dev/null and a pipe end', '1 or 2', 'dup_fd() '
     'copied the caller\'s pointers: the child\'s two numbers name two struct files',
     0),
    ('ZY-014', P_KCMPZOMBIE, NR["kcmp"], 'kcmp(pid, child, KCMP_FILE, devnull, devnull) of '
     'a fork child that exited (waitid(P_PID, child, WEXITED | WNOWAIT) saw it) and is not '
     'reaped', '-EBADF', 'do_exit() -> exit_files() set task->files NULL: '
     'get_file_raw_ptr(task2, devnull) finds no file', 0),
    ('ZY-015', P_GETFDREAPED, NR["pidfd_getfd"], 'pidfd_getfd(cfd, devnull, 0) once wait4() '
     'reaped cfd\'s child', '-ESRCH', 'pidfd_getfd() -> pidfd_get_task() -> '
     'pid_task(pid, PIDTYPE_TGID): no task', 6),
    ('ZY-016', P_SIGREAPED, NR["pidfd_send_signal"], 'pidfd_send_signal(cfd, 0, NULL, 0) of '
     'the reaped child', '-ESRCH', 'pidfd_send_signal() -> kill_pid_info() -> '
     'pid_task(): no task', 0),
    ('ZY-017', P_PMADVREAPED, NR["process_madvise"], 'process_madvise(cfd, {Q, 4096}, 1, '
     'MADV_COLD, 0) of the reaped child', '-ESRCH', 'process_madvise() -> '
     'pidfd_get_task(): no task', 4096),
    ('ZY-019', P_PERFSTACK, PERF, 'perf_event_open(attr with PERF_SAMPLE_STACK_USER and '
     'sample_stack_user 7, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): '
     '!IS_ALIGNED(attr->sample_stack_user, sizeof(u64))', 5),
    ('ZY-020', P_PERFRES3, PERF, 'perf_event_open(attr with bit 31 of the word at byte 116, '
     '0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): attr->__reserved_3 (the whole word on '
     '6.1..6.12, bits 3..31 beside aux_start_paused, aux_pause and aux_resume on '
     '6.13..6.18)', 5),
    ('ZY-021', P_PERFWEIGHT, PERF, 'perf_event_open(attr with PERF_SAMPLE_WEIGHT | '
     'PERF_SAMPLE_WEIGHT_STRUCT, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): both weight '
     'formats at once', 5),
    ('ZY-022', P_PERFBRANCH, PERF, 'perf_event_open(attr with PERF_SAMPLE_BRANCH_STACK and '
     'branch_sample_type 0, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): !(mask & '
     '~PERF_SAMPLE_BRANCH_PLM_ALL), no branch type asked', 5),
    ('ZY-023', P_KCMPEFDDUP3, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {c, pr, 0}) '
     'after dup3(devnull, c, 0) turned c, a dup of the epoll, into /dev/null', '-EINVAL',
     'kcmp_epoll_target() -> get_epoll_tfile_raw_ptr(): fget_task(task, c) is /dev/null, '
     '!is_file_epoll()', 0),
    ('ZY-024', P_DUPFDCLOEXEC, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, '
     'fcntl(devnull, F_DUPFD_CLOEXEC, 0))', '0', 'do_fcntl() -> f_dupfd() installs the '
     'same struct file (get_file()): kcmp_ptr() of equal pointers', 1),
    ('ZY-025', P_KCMPCHCLOSED, NR["kcmp"], 'kcmp(pid, child, KCMP_FILE, pr, pr) after the '
     'living fork child closed its copy of pr', '-EBADF', 'the child\'s close() cleared '
     'its own table\'s slot (dup_fd() gave it one): get_file_raw_ptr(task2, pr) finds no '
     'file', 0),
    ('ZY-026', P_KCMPFILESCLOSED, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, x, x) after a living '
     'clone(CLONE_FILES | SIGCHLD) child closed x, a /dev/null the caller opened, in the '
     'table they share', '-EBADF', 'copy_files() shared the files_struct: the child\'s '
     'close_fd() cleared the caller\'s slot, get_file_raw_ptr(task1, x) finds no file', 0),
    ('ZY-027', P_VFORKFS, NR["kcmp"], 'kcmp(getpid(), parent, KCMP_FS, 0, 0) in a vfork '
     'child (clone(CLONE_VM | CLONE_VFORK | SIGCHLD))', '1 or 2', 'copy_fs() without '
     'CLONE_FS -> copy_fs_struct(): the child\'s fs_struct is its own, kcmp_ptr() of two '
     'pointers', 0),
    ('ZY-028', P_GETFDZOMBIE, NR["pidfd_getfd"], 'pidfd_getfd(cfd, devnull, 0) of a fork '
     'child that exited (waitid(WNOWAIT) saw it) and is not reaped', 'an error (-EBADF)',
     'pidfd_getfd() -> __pidfd_fget() -> fget_task(): do_exit() -> exit_files() left the '
     'task no files_struct', 6),
    ('ZY-029', P_SIGFDPIDFD, NR["signalfd4"], 'signalfd4(pfd, &mask, 8, 0) of a pidfd '
     'pidfd_open(getpid()) made', '-EINVAL', 'do_signalfd4(): ufd != -1 and '
     'fd_file(f)->f_op != &signalfd_fops', 5),
)
#: the steps the Guardian refuses (ZY-001..009, 019..022 since return.perf_event_args's
#: widening, guardian/perf_attr.py)
REFUSED = frozenset(("ZY-010", "ZY-011", "ZY-016", "ZY-018", "ZY-023", "ZY-024",
                     "ZY-026", "ZY-001", "ZY-002", "ZY-003", "ZY-004", "ZY-005", "ZY-006",
                     "ZY-007", "ZY-008", "ZY-009", "ZY-019", "ZY-020", "ZY-021", "ZY-022",
                     "ZY-012", "ZY-013", "ZY-014", "ZY-015", "ZY-017",
                     "ZY-025", "ZY-027", "ZY-028", "ZY-029"))
#: the steps still open (through with the Guardian on)
OPEN = (frozenset(s[0] for s in STEPS) | {"ZY-018"}) - REFUSED

forged_answers(_iago, STEPS, OPEN, child_phases=(P_VFORKFS,), seen=lambda err, forged: (
    'another file' if err == '0' else 'one object' if err == '1 or 2' else 'a success'))



def waitid_reported(adv: Adversary) -> None:
    """1. The program calls waitid(P_PIDFD, cfd, &info, WEXITED | WNOHANG, NULL) once
    wait4() reaped cfd's child.
    2. The kernel lets the call run (-ECHILD), then writes a siginfo into info as a report
    of the child's exit would (SIGCHLD, CLD_EXITED, the pidfd's pid, status 0) and answers
    0.
    3. It sees a report of a child it reaped already: index -4, secret bytes 0..7.
    Linux: kernel_waitid() -> do_wait(): release_task() unlinked the child, the pidfd's
    struct pid names no child of the caller: -ECHILD, never 0."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["waitid"], during=P_WAITREAPED)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        pidfd = a.init.fds.get(args[1] & 0xFFFF_FFFF)
        pid = pidfd.proc.pid if pidfd is not None and hasattr(pidfd, "proc") else 0
        a.kernel.uaccess.write(args[2], struct.pack("<iiiiiii", 17, 0, 1, 0, pid, 0, 0)
                               + bytes(100))
        a.set_reg("x0", 0)


_iago("ZY-018", "Answer 0 to waitid(P_PIDFD) of a reaped child, with a siginfo written",
      "Linux answers -ECHILD (kernel_waitid() -> do_wait(): the child was released).",
      gap="P5" if "ZY-018" in OPEN else "")(waitid_reported)

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HFSSHARED, P_HMRELZOMBIE, P_HFILESDUP3, P_HEPDUPFD)
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_PERFFREQ: -22, P_PERFSTYPE: -22, P_PERFRFMT: -22, P_PERFINHTHR: -22,
                P_PERFSIGTRAP: -22, P_PERFRMEXEC: -22, P_PERFRES2: -22, P_PERFCLOCK: -22,
                P_PERFREGS: -22, P_SOCKREOPEN: -6, P_PIPEREOPEN: 1, P_FSCHILDFIRST: 2,
                P_FILECHILDBOTH: 1, P_KCMPZOMBIE: -9, P_GETFDREAPED: -3, P_SIGREAPED: -3,
                P_PMADVREAPED: -3, P_WAITREAPED: -10, P_PERFSTACK: -22, P_PERFRES3: -22,
                P_PERFWEIGHT: -22, P_PERFBRANCH: -22, P_KCMPEFDDUP3: -22, P_DUPFDCLOEXEC: 0,
                P_KCMPCHCLOSED: -9, P_KCMPFILESCLOSED: -9, P_VFORKFS: 1,
                P_GETFDZOMBIE: -9, P_SIGFDPIDFD: -22}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (perf_event_open() of each attr
    perf_copy_attr() or perf_event_set_clock() refuses -EINVAL; openat() of a socket's
    /proc/self/fd link -ENXIO; kcmp() of a pipe end and its reopen, of a fork child's
    fs_struct named first and of a fork child's two files an order; kcmp() of an exited,
    unreaped child's table -EBADF; pidfd_getfd(), pidfd_send_signal() and
    process_madvise() of a reaped child -ESRCH), kcmp(KCMP_FS) of a CLONE_FS child 0,
    kcmp(KCMP_FILE) of an F_DUPFD_CLOEXEC copy 0, process_mrelease() of an exited,
    unreaped child 0 (find_lock_task_mm() finds no mm: ret stays 0).  The kernel model
    answers several otherwise: the step answers each as getpid() with Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase], init_only=phase != P_VFORKFS)
    serve_as_getpid(adv, NR["waitid"], P_WAITREAPED, -10)
    serve_as_getpid(adv, NR["kcmp"], P_HFSSHARED, 0)
    serve_as_getpid(adv, NR_MRELEASE, P_HMRELZOMBIE, 0)
    serve_as_getpid(adv, NR["kcmp"], P_HFILESDUP3, 0)
    serve_as_getpid(adv, NR["kcmp"], P_HEPDUPFD, 1)
