"""Red-team round eighty: the answers of calls about descriptors and areas, where the
descriptor is one return.descriptor_kind does not know the kind of (a number never opened,
a signalfd, a pidfd_getfd() or SCM_RIGHTS copy, a /proc/self/fd reopen), where the call
fails before any descriptor is looked at (kcmp() of type 8,
perf_event_open() of no target or of no PMU), where the process is not dying
(process_mrelease()), of a fork child's fs_struct (KCMP_FS), and MADV_FREE of areas that
are file areas by another road than a private memfd view (a shared anonymous page, a
private view of a /proc reopen of the memfd) or locked; KCMP_EPOLL_TFD's edges (an idx1
never opened, dup3() over the watched number, a fork child keeping the file), and
process_mrelease() of another process, living or reaped, and process_madvise()'s advice.

ZV-001 answers 1 to kcmp(pid, pid, KCMP_FILE, devnull, 900) of a number the program never
opened: get_file_raw_ptr() finds no file, -EBADF (qemu-user on 6.18 gives the same).
ZV-002 answers 0 to kcmp(pid, pid, 8, 0, 0): SYSCALL_DEFINE5(kcmp)'s switch has no type 8
(KCMP_TYPES), -EINVAL (qemu-user on 6.18 gives the same).  ZV-003 is withdrawn (no
scenario): kcmp(pid, pid, KCMP_EPOLL_TFD, pr, NULL) answered 0 (Linux:
kcmp_epoll_target() -> copy_from_user() of the slot, -EFAULT) is ZO-024's open gap already;
its step stays a claim.  ZV-004 answers
0 to kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {sfd, pr, 0}) where sfd is a signalfd4(-1, ...)
(a new signalfd: signalfd_fops): get_epoll_tfile_raw_ptr(): !is_file_epoll(), -EINVAL
(qemu-user on 6.18 gives the same).  ZV-005 answers 6 to pidfd_getfd(pidfd_open(getpid()),
900, 0): pidfd_getfd() -> __pidfd_fget() -> fget_task() of a number never opened, -EBADF
(qemu-user on 6.18 gives the same).  ZV-006 answers 7 to pidfd_getfd(sfd, 0, 0) of a
signalfd: pidfd_get_pid() -> pidfd_pid(): no pidfd, -EBADF (qemu-user on 6.18 gives the
same).  ZV-007 answers 0 to process_mrelease(pidfd_open(getpid()), 0) of the living
caller: process_mrelease(): !task_will_free_mem() and no MMF_OOM_SKIP, -EINVAL (qemu-user
has no process_mrelease: -ENOSYS).  ZV-008 answers 5 to perf_event_open(dummy, 0, -1, 900,
0) and ZV-009 to a group that is a signalfd: perf_fget_light(): no file or f_op !=
&perf_fops, -EBADF (qemu-user has no perf_event_open).  ZV-010 answers 5 to
perf_event_open(dummy, -1, -1, -1, 0): no task and cpu -1, perf_event_alloc(): (unsigned)cpu
>= nr_cpu_ids with !task, -EINVAL.  ZV-011 answers 5 to perf_event_open() of attr.type
1000: perf_init_event() -> idr_find(&pmu_idr, 1000) finds no PMU, -ENOENT.  ZV-012
answers 0 to kcmp(pid, child, KCMP_FS, 0, 0) of a living fork child: copy_fs() without
CLONE_FS -> copy_fs_struct() allocates the child's own fs_struct, kcmp_ptr() answers 1 or
2, never 0 (qemu-user on 6.18 gives an order).  ZV-013 answers 1 to kcmp(pid, pid,
KCMP_FILE, devnull, pidfd_getfd(pidfd_open(getpid()), devnull, 0)): __pidfd_fget() ->
fget_task() takes a reference of the same struct file and receive_fd() installs it,
kcmp_ptr() answers 0 (qemu-user on 6.18 gives the same).  ZV-014 answers 0 to kcmp(pid,
pid, KCMP_FILE, m, openat("/proc/self/fd/m")): the magic link is followed and
do_open() -> vfs_open() opens a new struct file (path_openat() -> alloc_empty_file()),
never 0 (qemu-user on 6.18 gives an order).  ZV-015 answers 0 to madvise(S, 4096,
MADV_FREE) of a MAP_SHARED | MAP_ANONYMOUS page: mmap_region() -> shmem_zero_setup() makes
it a shmem file area, madvise_free_single_vma(): !vma_is_anonymous(), -EINVAL.  ZV-016
answers 0 to madvise(V, 4096, MADV_FREE) of a MAP_PRIVATE view of the memfd reopened
through /proc/self/fd: still a shmem file area, -EINVAL (qemu-user answers 0 to both: it
drops MADV_FREE).  ZV-017 answers 0 to kcmp(pid, pid, KCMP_FILE, devnull, pr) of /dev/null
opened by name and a pipe end: path_openat() and create_pipe_files() ->
alloc_file_pseudo() made two struct files, never 0 (qemu-user on 6.18 gives an order).
ZV-018 answers 2 to kcmp(pid, pid, KCMP_SIGHAND, 0, 0): one task, kcmp_ptr() of its one
sighand_struct, 0 (qemu-user on 6.18 gives the same).  ZV-019 answers 0 to kcmp(0, pid,
KCMP_FILE, devnull, devnull): find_task_by_vpid(0) finds no task, -ESRCH (qemu-user on
6.18 gives the same).  ZV-020 answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, 900, {ep, pr,
0}) of an idx1 never opened: get_file_raw_ptr(task1, 900) finds no file, -EBADF
(qemu-user on 6.18 gives the same).  ZV-021 answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, pr,
{ep, pr, 0}) after dup3(devnull, pr, 0) replaced the watched pipe end's only number:
do_dup2() -> filp_close() drops the old file's last reference, its __fput() ->
eventpoll_release_file() removes the item, ep_find_tfd() finds none, -ENOENT (qemu-user on
6.18 gives the same).  ZV-022 answers 0 to process_mrelease(pidfd_open(child), 0) of a
living fork child: !task_will_free_mem(), -EINVAL; ZV-023 answers 0 to the same pidfd
once wait4() reaped the child: pidfd_get_task() -> pid_task(PIDTYPE_TGID) finds no task,
-ESRCH (a pidfd pins its struct pid: no pid reuse can answer otherwise; qemu-user has no
process_mrelease).  ZV-024 is withdrawn (no scenario,
a claim since the fixes): 4096 to process_madvise(pfd, {Q, 4096}, 1, MADV_FREE, 0) with pfd
pidfd_open(getpid()) is Linux's own answer on 6.13..6.18 -- SYSCALL_DEFINE5(process_madvise)
applies process_madvise_remote_valid() (MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED,
MADV_COLLAPSE) only where mm != current->mm ("mm/madvise: unrestrict process_madvise() for
current process"), the caller's own mm takes every advice madvise() takes; 6.1..6.12's
process_madvise_behavior_valid() answers -EINVAL (claim_madvise_free_self; qemu-user has
no process_madvise).  ZV-025 answers 0 to
madvise(L, 4096, MADV_FREE) of an mlock()ed anonymous page: madvise_dontneed_free() ->
can_madv_lru_vma(): VM_LOCKED, -EINVAL.  ZV-026 answers 0 to kcmp(pid, pid,
KCMP_EPOLL_TFD, pr, {c, pr, 0}) of a slot whose efd c (a dup of the epoll) the program
closed: kcmp_epoll_target() -> fget_task(task, slot.efd) finds no file, -EBADF (qemu-user
on 6.18 gives the same).  ZV-027 answers 5 to perf_event_open() of an attr whose
sample_period is 1 << 63 (no freq): SYSCALL_DEFINE5(perf_event_open), -EINVAL on every
6.x.  ZV-028 answers 5 to perf_event_open() of an attr whose flag word has bit 63 set
(__reserved_1 on every 6.1..6.18 layout): perf_copy_attr(), -EINVAL.  ZV-029 answers 1
to kcmp(pid, child, KCMP_FILES, 0, 0) of a living child of clone(CLONE_FILES | SIGCHLD):
copy_files() shares the caller's files_struct, kcmp_ptr() of equal pointers, 0 (qemu-user
refuses CLONE_FILES without CLONE_VM: it cannot show this one).  ZV-030 answers 0 to
kcmp(pid, child, KCMP_FILE, devnull, devnull) after the fork child dup3()ed a pipe end
over its own copy of that number: do_dup2() changed only the child's table, kcmp_ptr() of
two files, 1 or 2 (qemu-user on 6.18 gives an order).  ZV-031 answers 0 to madvise(L,
4096, MADV_FREE) after mlock2(L, 4096, MLOCK_ONFAULT): VM_LOCKED | VM_LOCKONFAULT,
madvise_dontneed_free() -> can_madv_lru_vma(), -EINVAL; ZV-032 to an area mmap() made
after mlockall(MCL_FUTURE) (mm->def_flags gives it VM_LOCKED, it was never mlock()ed
itself), -EINVAL.  ZV-033 answers 4096 to process_madvise(pfd, {Q, 4096}, 1, MADV_COLD,
1): SYSCALL_DEFINE5(process_madvise): flags != 0, -EINVAL.  ZV-034 answers 0 to kcmp(pid,
pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after the program sent pr to itself by
SCM_RIGHTS, received it as r and closed r and pr: the message was consumed, no reference
is left, __fput() -> eventpoll_release_file() removed the item, -ENOENT (qemu-user on 6.18
gives the same).  ZV-035 answers 6 to perf_event_open(dummy, pw, 0, -1,
PERF_FLAG_PID_CGROUP) of a pipe's write end: perf_allow_cpu() (-EACCES without
CAP_PERFMON) or perf_cgroup_connect() -> css_tryget_online_from_dir(): no cgroup
directory, -EBADF.  The victim indexes -4 on each forged answer and writes the secret's
first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d`)
printed "+0" for steps 2000..2010, 2022..2028, 2034..2042, 2052, 2060, 2068, 2070 (kcmp,
pidfd_getfd: Linux's own answers, the phase's last four digits) and for 2018, 2020 (any
error: -ENOSYS); "+1" for 2012..2016, 2044..2048, 2054, 2056, 2066 (process_mrelease,
perf_event_open, process_madvise: -ENOSYS), 2058 (clone(CLONE_FILES) without CLONE_VM:
-EINVAL there) and 2062 (its mlock2() fails); "-4" for 2030, 2032, 2050 and 2064 (it
answers 0 to MADV_FREE, which it drops); "+0" for the honest 2080..2088.

Through with the Guardian on when written (gaps): ZV-001 (KCMP_FILE of a number never
opened: only numbers the program closed are judged), ZV-004 (an efd that is a signalfd), ZV-005 (pidfd_getfd() of a number
never opened in the caller's own table), ZV-008
(perf_event_open()'s group never opened), ZV-011 (a
PMU type no kernel registers), ZV-012 (a fork child's own fs_struct: KCMP_FS), ZV-014 (a
/proc/self/fd reopen is a second struct file), ZV-017 (a named file and a pipe end are two
struct files), ZV-019 (kcmp() of pid 0), ZV-020 (KCMP_EPOLL_TFD's idx1 never opened),
ZV-021 (dup3() over the watched file's only number releases its item: refused in mode
mprotect, through in mode on), ZV-022 (process_mrelease() of a living fork child),
ZV-026 (KCMP_EPOLL_TFD's slot efd closed: only idx1 is judged closed), ZV-029 (a CLONE_FILES
child shares the caller's table: KCMP_FILES 0), ZV-030 (a fork child's own dup3() over an
inherited number: its file is another), ZV-034 (once the program passed a file by
SCM_RIGHTS, a released item is never judged gone, even where every message was received
and every copy closed: through in mode on; in mode mprotect the exchange fails and it is
refused).
Refused: ZV-002 (kcmp()'s type past KCMP_EPOLL_TFD), ZV-007 (process_mrelease() of the
live caller), ZV-010 (return.negative_descriptor: pid -1 and cpu -1), ZV-013
(return.descriptor_kind: a pidfd_getfd() copy of the caller's own file is one open file),
ZV-015 (MADV_FREE of a MAP_SHARED area), ZV-016 (MADV_FREE of a private view of a /proc
reopen of the memfd), ZV-018 (kcmp() of the caller's own pid twice), ZV-025 (MADV_FREE of
a locked page), ZV-031 (a page mlock2(MLOCK_ONFAULT) locked), ZV-032 (an area
mlockall(MCL_FUTURE) locked as it was made), ZV-033 (process_madvise()'s flags:
abi/value_ranges).
Left open, and what the Guardian would need: ZV-011
(attr.type 1000): perf_pmu_register() -> idr_alloc(&pmu_idr, pmu, PERF_TYPE_MAX, 0) gives
each dynamic PMU (uncore, CoreSight, SPE, kprobe/uprobe, a module's) the lowest free id
from 6 up, with no upper bound; type 1000 exists on a kernel with some 995 PMUs -- it
would need the kernel's PMU count, which only the untrusted kernel reports
(/sys/bus/event_source/devices).  ZV-022 (process_mrelease() of a living fork child):
task_will_free_mem() holds for a child a SIGKILL of another process of the user or the OOM
killer has sent, which the Guardian cannot see; it would need to know that no signal but
its own program's reached the child and no OOM kill ran (process_mrelease() of the caller
itself stays refused: return.mrelease_live).  ZV-029 (a CLONE_FILES child answered
KCMP_FILES 1): a child whose task began to exit has no table (do_exit() -> exit_files()
sets task->files NULL, and kcmp_ptr(files, NULL) answers 1 or 2), and another process may
SIGKILL the child at any time, unseen until the kernel reports the end; it would need to
know the child had not entered do_exit() when kcmp() read task->files.  ZV-034 (a file the
program passed to itself by SCM_RIGHTS, then closed everywhere): it would need to know
that each message holding the file was consumed (a recvmsg of the program's own peer end
without MSG_PEEK installed it, no other process holds that end, no unix GC holds the
skb), so that scm_fp_copy()'s reference is gone; files never sent are judged
(`Descriptors.sent_files`).
Refused since: ZV-006 (return.descriptor_kind: a signalfd4() answer is a signalfd,
no pidfd), ZV-009 (return.descriptor_kind: nor a perf event), ZV-027
(return.perf_event_args: sample_period bit 63 without freq), ZV-028
(return.perf_event_args: a __reserved_1 bit 48..63 of the flag word), ZV-035
(return.perf_event_args: a cgroup descriptor a call made as a pseudo file -- pipe2,
socket, memfd_create, signalfd4, ... -- is no cgroup directory), ZV-023
(return.pidfd_ended: process_mrelease() through a pidfd of a child a wait of the program
reaped, pidfd_get_task() -> -ESRCH; guardian/pidfds.py check_task); ZV-004 and ZV-026 (return.kcmp_slot_file: a
slot efd signalfd4(-1, ...) made, !is_file_epoll(), and one the program closed,
fget_task() -EBADF), ZV-012 (return.kcmp_distinct: KCMP_FS of a fork child cloned without
CLONE_FS, copy_fs_struct()), ZV-014, ZV-017 and ZV-030 (return.kcmp_distinct: KCMP_FILE of
two struct files each made apart -- a /proc/self/fd reopen, path_openat() ->
alloc_empty_file(); a named file and a pipe end; a fork child's own dup3() over its copy),
ZV-019 (return.kcmp_answer: find_task_by_vpid(0) finds no task, -ESRCH), ZV-021
(return.descriptor_kind: the released pipe end was in no SCM_RIGHTS message the program
sent -- `Descriptors.sent_files` -- so __fput() -> eventpoll_release_file() removed its
item), ZV-001, ZV-005, ZV-008 and ZV-020 (return.fd_never_opened:
the launch's table is a fact -- 0..2, which the user's shell may have closed, and the
numbers `blindfold run --launch-fds N,...` states; guardian/launch_fds.py -- so a number
no call of the program's installed, in a table no call the Guardian does not follow
touched (recvmsg's SCM_RIGHTS is followed where its control data is read whole, no
SCM_PIDFD, the caller the space's only thread), names no file: get_file_raw_ptr() /
fget_task() / perf_fget_light(), -EBADF; a stated launch number, a number a call made,
one another thread's call may be installing pass).

Honest answers (tests/test_redteam_r80_claims.py): every step of STEPS answered as Linux
does (among them KCMP_FILES of a CLONE_FILES child 0 and KCMP_FILE of a number a fork
child dup3()ed over an order), pidfd_getfd(pfd, devnull, 0) a descriptor, kcmp(pid, pid, KCMP_FS, 0, 0) 0 and
kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) an order after close(pr) while a
living fork child holds pr's file (no __fput(): the item lives; qemu-user on 6.18 gives an
order), madvise(V, 4096, MADV_FREE) 0 after mremap(MREMAP_MAYMOVE | MREMAP_FIXED) moved an
anonymous page over the private memfd view V (move_vma() unmaps the view there: the range
is anonymous; the Guardian lets it through), kcmp(pid, pid, KCMP_FILE, devnull, r) 0 of
the copy r of devnull the program sent itself by SCM_RIGHTS (scm_fp_copy() -> fget_raw(), scm_detach_fds() -> receive_fd() install the
same struct file; qemu-user on 6.18 gives 0; the Guardian refuses a forged 1 in mode on,
and in mode mprotect the SCM_RIGHTS exchange does not complete, so it is a claim, not a
scenario); and under a launch that passes 900 (`--launch-fds 900`,
tests/test_redteam_r80_claims.py test_a_stated_launch_number_is_not_refused) ZV-001,
005, 008 and 020's answers pass: the number may name a file of any kind).  No false refusal found.  Not finished: the victim's step P_HFREEZERO,
madvise(Z, 4096, MADV_FREE) of a MAP_PRIVATE view of /dev/zero (Linux: 0, mmap_zero() ->
vma_set_anonymous()), is no claim: the kernel model cannot map /dev/zero, so the step
never reaches the call.

The victim is `secret_r80_rules` (workloads/src/secret_r80_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r80"
RULES = "secret_r80_rules"
(P_KCMPNEVER, P_KCMPTYPE, P_KCMPSLOTNULL, P_KCMPEPSIGFD, P_GETFDNEVER, P_GETFDSIGFD,
 P_MRELLIVE, P_PERFGRPNEVER, P_PERFGRPSIGFD, P_PERFNOTARGET, P_PERFTYPE, P_KCMPFSCHILD,
 P_KCMPGETFDCOPY, P_KCMPREOPEN, P_KCMPSCM, P_FREESHMEM, P_FREEREOPEN, P_KCMPNAMEDPIPE,
 P_KCMPSELFSIG, P_KCMPPIDZERO, P_KCMPEPIDXNEVER, P_KCMPEPDUP3, P_MRELCHILD, P_MRELREAPED,
 P_PMADVFREE, P_FREELOCKED, P_KCMPEFDCLOSED, P_PERFPERIOD,
 P_PERFRESERVED, P_KCMPFILESSHARED, P_KCMPCHDUP3, P_FREEONFAULT, P_FREEFUTURE,
 P_PMADVFLAGS, P_KCMPEPPASSED, P_PERFCGPIPE) = range(12000, 12072, 2)
(P_HFREEZERO, P_HGETFDNULL, P_HKCMPSELFFS, P_HKCMPEPHELD,
 P_HFREEREMAPOVER) = range(12080, 12090, 2)
P_FIRST, P_LAST = P_KCMPNEVER, P_HFREEREMAPOVER
NR = NUMBERS
NR_MRELEASE = NUMBERS["process_mrelease"]

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('ZV-001', P_KCMPNEVER, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, 900) of a number '
     'the program never opened', '-EBADF', 'SYSCALL_DEFINE5(kcmp): get_file_raw_ptr(task2, '
     '900) finds no file', 1),
    ('ZV-002', P_KCMPTYPE, NR["kcmp"], 'kcmp(pid, pid, 8, 0, 0)', '-EINVAL',
     'SYSCALL_DEFINE5(kcmp): no case for type 8 (KCMP_TYPES)', 0),
    ('ZV-004', P_KCMPEPSIGFD, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {sfd, pr, 0}) '
     'of a slot whose efd is a new signalfd', '-EINVAL', 'get_epoll_tfile_raw_ptr(): '
     '!is_file_epoll() (signalfd4(-1, ...) made a signalfd_fops file)', 0),
    ('ZV-005', P_GETFDNEVER, NR["pidfd_getfd"], 'pidfd_getfd(pidfd_open(getpid()), 900, 0) '
     'of a number the program never opened', '-EBADF', 'pidfd_getfd() -> __pidfd_fget() '
     '-> fget_task(): no file', 6),
    ('ZV-006', P_GETFDSIGFD, NR["pidfd_getfd"], 'pidfd_getfd(sfd, 0, 0) of a signalfd',
     '-EBADF', 'pidfd_get_pid() -> pidfd_pid(): the file is no pidfd', 7),
    ('ZV-007', P_MRELLIVE, NR_MRELEASE, 'process_mrelease(pidfd_open(getpid()), 0) of the '
     'living caller', '-EINVAL', 'process_mrelease(): !task_will_free_mem() and no '
     'MMF_OOM_SKIP', 0),
    ('ZV-008', P_PERFGRPNEVER, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, 900, 0) '
     'of a group number never opened', '-EBADF', 'perf_fget_light(): no file at 900', 5),
    ('ZV-009', P_PERFGRPSIGFD, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, sfd, 0) '
     'of a group that is a signalfd', '-EBADF', 'perf_fget_light(): f_op != &perf_fops', 5),
    ('ZV-010', P_PERFNOTARGET, NR["perf_event_open"], 'perf_event_open(dummy, -1, -1, -1, 0) '
     'of no task and no cpu', '-EINVAL', 'perf_event_alloc(): (unsigned)cpu >= nr_cpu_ids '
     'with no task', 5),
    ('ZV-011', P_PERFTYPE, NR["perf_event_open"], 'perf_event_open(attr.type 1000, 0, -1, '
     '-1, 0)', '-ENOENT', 'perf_event_alloc() -> perf_init_event(): idr_find(&pmu_idr) '
     'finds no PMU 1000', 5),
    ('ZV-012', P_KCMPFSCHILD, NR["kcmp"], 'kcmp(pid, child, KCMP_FS, 0, 0) of a living fork '
     'child', '1 or 2', 'copy_fs() without CLONE_FS -> copy_fs_struct() allocates the '
     'child\'s own fs_struct: kcmp_ptr() of two pointers', 0),
    ('ZV-013', P_KCMPGETFDCOPY, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, '
     'pidfd_getfd(pidfd_open(getpid()), devnull, 0))', '0', '__pidfd_fget() -> fget_task() '
     'and receive_fd() install the same struct file: kcmp_ptr() of equal pointers', 1),
    ('ZV-014', P_KCMPREOPEN, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, m, '
     'openat("/proc/self/fd/m"))', '1 or 2', 'the magic link is followed and '
     'path_openat() -> alloc_empty_file() opens a second struct file: kcmp_ptr() of two '
     'pointers', 0),
    ('ZV-015', P_FREESHMEM, NR["madvise"], 'madvise(S, 4096, MADV_FREE) of a MAP_SHARED | '
     'MAP_ANONYMOUS page', '-EINVAL', 'mmap_region() -> shmem_zero_setup() made it a shmem '
     'file area: madvise_free_single_vma(): !vma_is_anonymous()', 0),
    ('ZV-016', P_FREEREOPEN, NR["madvise"], 'madvise(V, 4096, MADV_FREE) of a MAP_PRIVATE '
     'view of the memfd reopened through /proc/self/fd', '-EINVAL', 'the view\'s vm_file is '
     'the reopened shmem file: madvise_free_single_vma(): !vma_is_anonymous()', 0),
    ('ZV-017', P_KCMPNAMEDPIPE, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, pr) of '
     '/dev/null opened by name and a pipe end pipe2() made', '1 or 2', 'path_openat() and '
     'create_pipe_files() -> alloc_file_pseudo() made two struct files: kcmp_ptr() of two '
     'pointers', 0),
    ('ZV-018', P_KCMPSELFSIG, NR["kcmp"], 'kcmp(pid, pid, KCMP_SIGHAND, 0, 0) of the caller '
     'with itself', '0', 'find_task_by_vpid() finds one task twice: kcmp_ptr() of its one '
     'sighand_struct', 2),
    ('ZV-019', P_KCMPPIDZERO, NR["kcmp"], 'kcmp(0, pid, KCMP_FILE, devnull, devnull)',
     '-ESRCH', 'SYSCALL_DEFINE5(kcmp): find_task_by_vpid(0) finds no task', 0),
    ('ZV-020', P_KCMPEPIDXNEVER, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, 900, {ep, pr, '
     '0}) of an idx1 never opened', '-EBADF', 'kcmp_epoll_target(): get_file_raw_ptr(task1, '
     '900) finds no file', 0),
    ('ZV-021', P_KCMPEPDUP3, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) '
     'after dup3(devnull, pr, 0) replaced the watched pipe end\'s only number', '-ENOENT',
     'do_dup2() -> filp_close() of the old file, its __fput() -> eventpoll_release_file() '
     'dropped the item: ep_find_tfd() finds none', 0),
    ('ZV-022', P_MRELCHILD, NR_MRELEASE, 'process_mrelease(pidfd_open(child), 0) of a living '
     'fork child', '-EINVAL', 'process_mrelease(): !task_will_free_mem() and no '
     'MMF_OOM_SKIP', 0),
    ('ZV-023', P_MRELREAPED, NR_MRELEASE, 'process_mrelease(cfd, 0) of a pidfd whose child '
     'wait4() reaped', '-ESRCH', 'pidfd_get_task() -> pid_task(pid, PIDTYPE_TGID): the '
     'struct pid has no task', 0),
    ('ZV-025', P_FREELOCKED, NR["madvise"], 'madvise(L, 4096, MADV_FREE) of an mlock()ed '
     'anonymous page', '-EINVAL', 'madvise_dontneed_free() -> can_madv_lru_vma(): '
     'VM_LOCKED', 0),
    ('ZV-026', P_KCMPEFDCLOSED, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {c, pr, 0}) '
     'of a slot whose efd c the program closed', '-EBADF', 'kcmp_epoll_target() -> '
     'fget_task(task, slot.efd) finds no file', 0),
    ('ZV-027', P_PERFPERIOD, NR["perf_event_open"], 'perf_event_open(attr.sample_period 1 << '
     '63, 0, -1, -1, 0)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): !attr.freq and '
     'attr.sample_period & (1ULL << 63)', 5),
    ('ZV-028', P_PERFRESERVED, NR["perf_event_open"], 'perf_event_open(attr whose flag bit '
     '63, __reserved_1, is set, 0, -1, -1, 0)', '-EINVAL', 'perf_copy_attr(): '
     'attr->__reserved_1', 5),
    ('ZV-029', P_KCMPFILESSHARED, NR["kcmp"], 'kcmp(pid, child, KCMP_FILES, 0, 0) of a '
     'living child of clone(CLONE_FILES | SIGCHLD)', '0', 'copy_files() with CLONE_FILES '
     'shares the caller\'s files_struct (atomic_inc(&oldf->count)): kcmp_ptr() of equal '
     'pointers', 1),
    ('ZV-030', P_KCMPCHDUP3, NR["kcmp"], 'kcmp(pid, child, KCMP_FILE, devnull, devnull) after '
     'the fork child dup3()ed a pipe end over its copy of that number', '1 or 2',
     'the child\'s do_dup2() replaced its own table\'s pointer (dup_fd() gave it a table '
     'of its own): kcmp_ptr() of /dev/null\'s file and the pipe\'s', 0),
    ('ZV-031', P_FREEONFAULT, NR["madvise"], 'madvise(L, 4096, MADV_FREE) after mlock2(L, '
     '4096, MLOCK_ONFAULT)', '-EINVAL', 'apply_vma_lock_flags() set VM_LOCKED | '
     'VM_LOCKONFAULT: madvise_dontneed_free() -> can_madv_lru_vma()', 0),
    ('ZV-032', P_FREEFUTURE, NR["madvise"], 'madvise(F, 4096, MADV_FREE) of an area mmap() '
     'made after mlockall(MCL_FUTURE)', '-EINVAL', 'apply_mlockall_flags() set '
     'mm->def_flags VM_LOCKED, do_mmap() gave the new area VM_LOCKED: '
     'can_madv_lru_vma()', 0),
    ('ZV-033', P_PMADVFLAGS, NR["process_madvise"], 'process_madvise(pfd, {Q, 4096}, 1, '
     'MADV_COLD, 1)', '-EINVAL', 'SYSCALL_DEFINE5(process_madvise): flags != 0', 4096),
    ('ZV-034', P_KCMPEPPASSED, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, '
     '0}) after pr went to the program itself by SCM_RIGHTS and both r and pr were closed',
     '-ENOENT', 'the received copy was the file\'s other reference: close(r), close(pr) '
     'ran its __fput() -> eventpoll_release_file(), ep_find_tfd() finds no item', 0),
    ('ZV-035', P_PERFCGPIPE, NR["perf_event_open"], 'perf_event_open(dummy, pw, 0, -1, '
     'PERF_FLAG_PID_CGROUP) of a pipe end pw', 'an error', 'perf_allow_cpu() (-EACCES) or '
     'perf_cgroup_connect() -> css_tryget_online_from_dir(): a pipe is no cgroup directory, '
     '-EBADF', 6),
)
#: the steps the Guardian refuses (as of when written, and since the fixes)
REFUSED = frozenset(("ZV-001", "ZV-002", "ZV-004", "ZV-005", "ZV-006", "ZV-007", "ZV-008",
                     "ZV-009", "ZV-010", "ZV-012", "ZV-013", "ZV-014", "ZV-015", "ZV-016",
                     "ZV-017", "ZV-018", "ZV-019", "ZV-020", "ZV-021", "ZV-023", "ZV-025",
                     "ZV-026", "ZV-027", "ZV-028", "ZV-030", "ZV-031", "ZV-032", "ZV-033",
                     "ZV-035"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED


def _getfd_first(adv: Adversary, phase: int) -> None:
    if phase == P_KCMPGETFDCOPY:     # the kernel model has no pidfd_getfd: Linux's copy
        serve_as_getpid(adv, NR["pidfd_getfd"], phase, 6)


forged_answers(_iago, STEPS, OPEN, before=_getfd_first, seen=lambda err, forged: (
    'another file' if err == '0' else 'one object' if err == '1 or 2' else 'a success'))

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HGETFDNULL, P_HKCMPSELFFS, P_KCMPSCM, P_HKCMPEPHELD, P_HFREEREMAPOVER,
                P_KCMPSLOTNULL)
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_KCMPNEVER: -9, P_KCMPTYPE: -22, P_KCMPEPSIGFD: -22,
                P_GETFDNEVER: -9, P_GETFDSIGFD: -9, P_MRELLIVE: -22, P_PERFGRPNEVER: -9,
                P_PERFGRPSIGFD: -9, P_PERFNOTARGET: -22, P_PERFTYPE: -2, P_KCMPFSCHILD: 1,
                P_KCMPGETFDCOPY: 0, P_KCMPREOPEN: 2, P_FREESHMEM: -22,
                P_FREEREOPEN: -22, P_KCMPNAMEDPIPE: 1, P_KCMPSELFSIG: 0,
                P_KCMPPIDZERO: -3, P_KCMPEPIDXNEVER: -9, P_KCMPEPDUP3: -2,
                P_MRELCHILD: -22, P_MRELREAPED: -3, P_FREELOCKED: -22,
                P_KCMPEFDCLOSED: -9, P_PERFPERIOD: -22, P_PERFRESERVED: -22,
                P_KCMPFILESSHARED: 0, P_KCMPCHDUP3: 1, P_FREEONFAULT: -22,
                P_FREEFUTURE: -22, P_PMADVFLAGS: -22, P_KCMPEPPASSED: -2,
                P_PERFCGPIPE: -13}


def claim_as_linux(adv: Adversary, madv_free: int = -22) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (kcmp() of a number never opened -EBADF,
    of type 8 -EINVAL, of a NULL slot -EFAULT, of a signalfd efd -EINVAL, of pid 0
    -ESRCH, of an idx1 never opened or a closed efd -EBADF, of an item dup3() or a
    consumed SCM_RIGHTS copy released -ENOENT, of a fork child's fs_struct, of a /proc
    reopen, of a named file and a pipe end and of a number a fork child dup3()ed over an
    order, of the caller's own sighand, of a pidfd_getfd() copy and of a CLONE_FILES
    child's table 0; pidfd_getfd() of a number never opened or of a signalfd -EBADF;
    process_mrelease() of a living process -EINVAL, of a reaped one -ESRCH;
    perf_event_open() of a group never opened or a signalfd -EBADF, of no target, of
    sample_period 1 << 63 or a reserved bit -EINVAL, of type 1000 -ENOENT, of a pipe
    end as cgroup -EACCES; process_madvise() of MADV_FREE or flags 1 -EINVAL; MADV_FREE
    of a shared anonymous page, a private view of a /proc reopen or a locked page
    -EINVAL), pidfd_getfd(pfd, devnull, 0) a descriptor, kcmp(KCMP_FS) of the caller 0,
    KCMP_FILE of an SCM_RIGHTS copy 0, KCMP_EPOLL_TFD of an item a fork child keeps an
    order; process_madvise(pfd, {Q, 4096}, 1, MADV_FREE, 0) of the caller's own mm
    `madv_free` (6.1..6.12: -EINVAL; 6.13..6.18: 4096, claim_madvise_free_self).  The
    kernel model answers several otherwise: the step answers each as getpid() with
    Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    serve_as_getpid(adv, NR["pidfd_getfd"], P_KCMPGETFDCOPY, 6)
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase])
    serve_as_getpid(adv, NR["pidfd_getfd"], P_HGETFDNULL, 7)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPSELFFS, 0)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPSCM, 0)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPEPHELD, 1)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPSLOTNULL, -14)
    serve_as_getpid(adv, NR["process_madvise"], P_PMADVFREE, madv_free)


def claim_madvise_free_self(adv: Adversary) -> None:
    """(claim) 1. The program calls process_madvise(pfd, {Q, 4096}, 1, MADV_FREE, 0),
    pfd = pidfd_open(getpid()), Q a private anonymous page (once ZV-024).
    2. Linux 6.13..6.18 answers 4096: SYSCALL_DEFINE5(process_madvise) checks
    process_madvise_remote_valid() only where mm != current->mm ("mm/madvise: unrestrict
    process_madvise() for current process"); for the caller's own mm any advice
    madvise_behavior_valid() takes goes through vector_madvise(), MADV_FREE of an
    anonymous page among them.  6.1..6.12's process_madvise_behavior_valid() answer
    -EINVAL (claim_as_linux).  Every other step as claim_as_linux.
    3. The Guardian lets both through; the victim expects -EINVAL and indexes -4 on 4096
    (its own expectation, 6.1..6.12's), so only the Guardian's silence is claimed."""
    claim_as_linux(adv, 4096)
