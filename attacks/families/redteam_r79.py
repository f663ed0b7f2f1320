"""Red-team round seventy-nine: the answers of calls about descriptors and areas.
kcmp(KCMP_FILE) of two opens of one name, of a number close_range() freed, of a fork
child's copy and of a pidfd_getfd() copy; kcmp(KCMP_EPOLL_TFD) of a target the epoll does
not watch, of a toff past the one it watches and of a slot whose efd is a memfd;
kcmp(KCMP_SIGHAND) of a fork child; perf_event_open() with an unknown flag, an attr over a
page, an attr whose tail is not zero, a cgroup of /dev/null, a closed group and an epoll
group; pidfd_getfd() with flags, of a closed number and of an epoll; process_mrelease()
with flags, of a closed number and of a memfd; process_madvise() of no iovec and answered
more than its iovec holds; madvise() of advice 999; pidfd_open() with flag 1 and of pid 0;
a vfork child's kcmp(KCMP_FILES) of its parent; perf_event_open() in cgroup mode with pid
-1 and of a cpu past nr_cpu_ids; MADV_FREE of a memfd view mremap() moved and of a range
reaching such a view.

ZR-001 answers 0 to kcmp(pid, pid, KCMP_FILE, devnull, openat("/dev/null")): each
openat() makes its own struct file (path_openat() -> alloc_empty_file()), kcmp_ptr() of two
pointers answers 1 or 2, never 0 (qemu-user on 6.18 gives an order).  ZR-002 answers 1 to
kcmp(pid, pid, KCMP_FILE, devnull, c) of a number close_range(c, c, 0) freed:
get_file_raw_ptr() finds no file, -EBADF (qemu-user on 6.18 gives the same).  ZR-003
answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, m, 0}) of an epoll watching only the
pipe end pr: get_epoll_tfile_raw_ptr() -> ep_find_tfd() finds no item for m, -ENOENT
(qemu-user on 6.18 gives the same).  ZR-004 answers 0 to the same slot {ep, pr, 1}:
ep_find_tfd() counts toff over pr's items, one only, -ENOENT (qemu-user on 6.18 gives the
same).  ZR-005 answers 1 to kcmp(pid, child, KCMP_FILE, devnull, devnull) of a living fork
child: dup_fd() copies the table's pointers (get_file()), one struct file, kcmp_ptr()
answers 0 (qemu-user on 6.18 gives the same).  ZR-006 answers 0 to kcmp(pid, child,
KCMP_SIGHAND, 0, 0) of a fork child: copy_sighand() without CLONE_SIGHAND allocates a
sighand_struct of its own, 1 or 2 (qemu-user on 6.18 gives an order).  ZR-007 answers 5 to
perf_event_open(dummy, 0, -1, -1, 1 << 4): SYSCALL_DEFINE5(perf_event_open): flags &
~PERF_FLAG_ALL, -EINVAL.  ZR-008 answers 5 to perf_event_open() of an attr of size 8192:
perf_copy_attr(): size > PAGE_SIZE, -E2BIG.  ZR-009 answers 5 to an attr of size 4096
whose byte 4000 is 1: perf_copy_attr() -> copy_struct_from_user() -> check_zeroed_user(),
-E2BIG.  ZR-010 answers 5 to perf_event_open(dummy, devnull, 0, -1,
PERF_FLAG_PID_CGROUP): perf_allow_cpu() (-EACCES without CAP_PERFMON) or
perf_cgroup_connect() -> css_tryget_online_from_dir() of a file on no cgroup fs, -EBADF.
ZR-011 answers 5 to perf_event_open(dummy, 0, -1, c, 0) of a closed c and ZR-022 to a
group that is an epoll: perf_fget_light(): no file or f_op != &perf_fops, -EBADF.  ZR-012
answers 6 to pidfd_getfd(pfd, devnull, 1): SYSCALL_DEFINE3(pidfd_getfd): flags, -EINVAL
(qemu-user on 6.18 gives the same).  ZR-013 answers 6 to pidfd_getfd(c, 0, 0) of a closed
c and ZR-023 of an epoll: pidfd_get_pid() -> fdget(): no file, or pidfd_pid(): no pidfd,
-EBADF (qemu-user on 6.18 gives the same).  ZR-014 answers 0 to process_mrelease(pfd, 1):
SYSCALL_DEFINE2(process_mrelease): flags, -EINVAL.  ZR-015 answers 0 to
process_mrelease(c, 0) of a closed c and ZR-024 of a memfd: pidfd_get_task() ->
pidfd_get_pid(): -EBADF.  ZR-016 answers 4096 to process_madvise(-10000, iov, 0,
MADV_COLD, 0): import_iovec() of no segment, total 0, the loop never runs: 0 (before 6.14
-10000 is no pidfd: -EBADF); never a byte.  ZR-017 answers 0 to madvise(Q, 4096, 999):
madvise_behavior_valid(), -EINVAL (qemu-user answers 0: it drops advice it does not
forward).  ZR-018 answers 5 to pidfd_open(getpid(), 1): SYSCALL_DEFINE2(pidfd_open):
flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD), -EINVAL (qemu-user on 6.18 gives the same).
ZR-019 answers 5 to pidfd_open(0, 0): pid <= 0, -EINVAL (qemu-user on 6.18 gives the
same).  ZR-020 answers 8192 to process_madvise(-10000, {Q, 4096}, 1, MADV_COLD, 0):
vector_madvise() answers total_len - iov_iter_count(), at most the iovec's 4096.  ZR-021
answers 1 to kcmp(pid, pid, KCMP_FILE, devnull, fcntl(devnull, F_DUPFD_CLOEXEC, 0)):
f_dupfd() installs the same struct file (get_file()), kcmp_ptr() answers 0 (qemu-user on
6.18 gives the same).  ZR-025 answers 0 to kcmp(pid, pid,
KCMP_EPOLL_TFD, pr, {m, pr, 0}) of a slot whose efd is a memfd: get_epoll_tfile_raw_ptr():
!is_file_epoll(), -EINVAL (qemu-user on 6.18 gives the same).  ZR-026 answers 0 to
kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after close(pr), the last reference
to the watched pipe end: __fput() -> eventpoll_release_file() dropped the item,
ep_find_tfd() finds none, -ENOENT (qemu-user on 6.18 gives the same).  ZR-027 answers 0 to
kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after epoll_ctl(EPOLL_CTL_DEL, pr):
ep_remove() dropped the item, -ENOENT (qemu-user on 6.18 gives the same).  A forged
descriptor is the lowest free number (the Guardian checks that).  ZR-028 answers 0 to a
vfork child's kcmp(getpid(), parent, KCMP_FILES, 0, 0): CLONE_VFORK | CLONE_VM without
CLONE_FILES, copy_files() -> dup_fd() gave the child a table of its own, 1 or 2
(qemu-user runs the vfork as a fork and its child's kcmp failed: it cannot show this one).
ZR-029 answers 5 to perf_event_open(dummy, -1, 0, -1, PERF_FLAG_PID_CGROUP):
SYSCALL_DEFINE5(perf_event_open): cgroup mode with pid == -1, -EINVAL.  ZR-030 answers 5
to perf_event_open(dummy, 0, 1 << 20, -1, 0): perf_event_alloc(): (unsigned)cpu >=
nr_cpu_ids, -EINVAL (or an earlier error).  ZR-031 answers 0 to madvise(N, 4096,
MADV_FREE) of the MAP_PRIVATE memfd view mremap(MREMAP_MAYMOVE | MREMAP_FIXED) moved to N:
move_vma() -> copy_vma() keeps vm_file, madvise_free_single_vma(): !vma_is_anonymous(),
-EINVAL.  ZR-032 answers 0 to madvise(A, 8192, MADV_FREE) of an anonymous page followed by
a private memfd view: madvise_walk_vmas() stops at the second area's -EINVAL (qemu-user
answers 0 to both: it drops MADV_FREE).  ZR-033 answers 0 to kcmp(pid, pid,
KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after a fork child's epoll_ctl(ep, EPOLL_CTL_DEL, pr) on
the epoll file it shares with its parent: ep_remove() dropped the item, -ENOENT
(qemu-user on 6.18 gives the same).  The victim indexes -4 on
each forged answer and writes the secret's first 8 bytes.

qemu-user on 6.18 (the victim built with RULES_DEBUG, `qemu-aarch64-static dbg -d`)
printed "+0" for every kcmp, pidfd_getfd and pidfd_open step (steps 1200..1210, 1222,
1224, 1234, 1236, 1240, 1244, 1248, 1250, 1252, 1280, 1282, 1286, 1288, 1290: Linux's
own answers, the phase's last four digits), "+1" for
perf_event_open, process_mrelease and process_madvise (it has none of them: -ENOSYS) and
"-4" for madvise(999) (it answers 0 to advice it drops).

Through with the Guardian on when written (gaps): ZR-001 (two opens of one name: 0),
ZR-003, ZR-004 (an epoll's target not watched, a toff past its item), ZR-005 (a fork
child's copy of a file), ZR-006 (a fork child's own sighand: 0), ZR-007 (an unknown
perf flag), ZR-008, ZR-009 (an attr over a page, a dirty tail), ZR-010 (a cgroup of
/dev/null with cpu 0), ZR-011 (a closed group), ZR-012 (pidfd_getfd()'s flags), ZR-013
(pidfd_getfd() of a closed number), ZR-015 (process_mrelease() of a closed number),
ZR-018, ZR-019 (pidfd_open()'s flags and pid 0), ZR-022 (a group that is an epoll),
ZR-023 (pidfd_getfd() of an epoll), ZR-024 (process_mrelease() of a memfd), ZR-025 (an
efd that is a memfd), ZR-026 (a watched file's last close drops its item), ZR-028 (a
vfork child's table is its own), ZR-030 (a cpu past nr_cpu_ids), ZR-031 (a memfd view
moved by mremap() is still a file area).
Still through: none.
Refused: ZR-002 (return.descriptor_kind: close_range() frees the number), ZR-014
(process_mrelease()'s flags), ZR-016, ZR-020 (a count past the iovecs), ZR-017 (advice
999), ZR-021 (an F_DUPFD_CLOEXEC copy is one open file), ZR-027 (EPOLL_CTL_DEL leaves an
epoll watching nothing), ZR-029 (cgroup mode with pid -1: fdget() of -1), ZR-032
(return.mm_area_refused: a range reaching a private memfd view), ZR-033 (a fork child's
EPOLL_CTL_DEL on the shared epoll leaves it watching nothing).
Refused since: ZR-007, ZR-008, ZR-009, ZR-030 (return.perf_event_args: flags outside
PERF_FLAG_ALL, an attr.size above PAGE_SIZE, a non-zero attr byte past every 6.x struct
read while the attr lay quiet, a cpu at or past the machine's CPU count); ZR-010
(return.perf_event_args: a cgroup descriptor the program's own openat() opened for
writing, so no directory: may_open() -EISDIR); ZR-031 (return.mm_area_refused: a private
memfd view stays a file area through each mremap() form, moved, grown or, with
MREMAP_DONTUNMAP, left).
Refused since: ZR-012, ZR-018, ZR-019 (return.pidfd_args, guardian/pidfd_args.py:
pidfd_getfd()'s flags, pidfd_open()'s flags past PIDFD_NONBLOCK | PIDFD_THREAD and pid
<= 0); ZR-001 (return.descriptor_kind: two opens by name are two struct files), ZR-003,
ZR-004 (return.descriptor_kind: ep_find_tfd() counts toff over the items of number tfd),
ZR-026 (return.descriptor_kind: a released pipe end's item is gone where no mmap, SCM_RIGHTS
message, io_uring or call in flight may hold the file), ZR-005 (return.descriptor_kind:
the fork child's unchanged table holds the caller's open file), ZR-006
(return.descriptor_kind: a child in another tree has its own sighand), ZR-028
(return.descriptor_kind: the parent's table is another), ZR-011, ZR-013, ZR-015
(return.descriptor_kind: a number the program closed), ZR-022, ZR-023, ZR-024, ZR-025
(return.descriptor_kind: a descriptor's kind known from the call that made it).

Honest answers (tests/test_redteam_r79_claims.py): every step of STEPS answered as Linux
does, kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) 0, pidfd_open(getpid(),
PIDFD_NONBLOCK) a descriptor, perf_event_open() of an attr of size 4096 zero past the
struct a descriptor, pidfd_getfd(pfd, ep, 0) a descriptor, kcmp(pid, pid,
KCMP_EPOLL_TFD, d, {ep, pr, 0}) 0 where d = dup(pr) and pr was closed (the item, keyed
by the file and the old number pr, lives while d holds the file: ep_find_tfd() matches
epi->ffd.fd == pr; qemu-user on 6.18 gives 0), pidfd_open(getpid(), PIDFD_THREAD) a
descriptor (6.9+; -EINVAL before), madvise(V, 0, MADV_FREE) of the private memfd view
0 (do_madvise(): an empty range answers 0 before any area), and madvise(V, 4096,
MADV_FREE) 0 after mmap(MAP_FIXED | MAP_ANONYMOUS) laid an anonymous area over the view; kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {dup(ep), pr,
0}) 0 (one eventpoll instance behind both numbers) and kcmp(pid, pid, KCMP_EPOLL_TFD, pr,
{ep, pr, 0}) 0 after a fork child's epoll_ctl(ep, EPOLL_CTL_ADD, pr) on the epoll file it
shares with its parent (dup_fd() copies the pointer; ep_insert() keys the item (file,
pr)), qemu-user on 6.18 gives 0 for both.
No false refusal found.  The kernel model answers
kcmp, perf_event_open, process_mrelease and process_madvise otherwise: claim_as_linux
serves Linux's answers.

The victim is `secret_r79_rules` (workloads/src/secret_r79_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import forged_answers, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r79"
RULES = "secret_r79_rules"
(P_KCMPTWOOPEN, P_KCMPRANGE, P_KCMPEPOTHER, P_KCMPEPTOFF, P_KCMPCHFILE, P_KCMPCHSIG,
 P_PERFFLAGS, P_PERFBIG, P_PERFTAIL, P_PERFCGDEV, P_PERFGRPCLOSED, P_GETFDFLAGS,
 P_GETFDCLOSED, P_MRELFLAGS, P_MRELCLOSED, P_MADVZERO, P_BADADV, P_PIDFDFLAGS,
 P_PIDFDZERO, P_MADVOVER, P_KCMPGETFD, P_PERFGRPEPOLL, P_GETFDEPOLL, P_MRELMEMFD,
 P_KCMPEPMEMFD, P_KCMPEPGONE, P_KCMPEPDEL, P_KCMPVFORKFILES, P_PERFCGPID,
 P_PERFCPUBIG, P_FREEMOVED, P_FREESPAN, P_KCMPEPCHILDDEL) = range(11200, 11266, 2)
(P_HKCMPEP, P_HPIDFDNB, P_HPERFTAIL0, P_HGETFDEP, P_HKCMPEPSTALE,
 P_HPIDFDTHREAD, P_HFREEZERO, P_HFREEOVER, P_HKCMPEPDUP,
 P_HKCMPEPCHILD) = range(11280, 11300, 2)
P_FIRST, P_LAST = P_KCMPTWOOPEN, P_HKCMPEPCHILD
NR = NUMBERS
NR_MRELEASE = NUMBERS["process_mrelease"]
NR_MADVISE = NUMBERS["process_madvise"]

_iago = iago_scenarios(RT, RULES)

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('ZR-001', P_KCMPTWOOPEN, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, '
     'openat("/dev/null"))', '1 or 2', 'path_openat() -> alloc_empty_file() made a second '
     'struct file: kcmp_ptr() of two pointers', 0),
    ('ZR-002', P_KCMPRANGE, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, c) of a number c '
     'close_range(c, c, 0) freed', '-EBADF', 'SYSCALL_DEFINE5(kcmp): get_file_raw_ptr(task2, '
     'idx2) finds no file', 1),
    ('ZR-003', P_KCMPEPOTHER, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, m, 0}) of '
     'an epoll watching only the pipe end pr', '-ENOENT', 'get_epoll_tfile_raw_ptr() -> '
     'ep_find_tfd() finds no item for m', 0),
    ('ZR-004', P_KCMPEPTOFF, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 1}) of '
     'an epoll watching pr once', '-ENOENT', 'ep_find_tfd(): toff 1 past pr\'s only item', 0),
    ('ZR-005', P_KCMPCHFILE, NR["kcmp"], 'kcmp(pid, child, KCMP_FILE, devnull, devnull) of '
     'a living fork child', '0', 'copy_files() -> dup_fd() copies the table\'s pointers '
     '(get_file()): kcmp_ptr() of equal pointers', 1),
    ('ZR-006', P_KCMPCHSIG, NR["kcmp"], 'kcmp(pid, child, KCMP_SIGHAND, 0, 0) of a living '
     'fork child', '1 or 2', 'copy_sighand() without CLONE_SIGHAND allocates a '
     'sighand_struct of its own: kcmp_ptr() of two pointers', 0),
    ('ZR-007', P_PERFFLAGS, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, -1, 1 << '
     '4)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): flags & ~PERF_FLAG_ALL', 5),
    ('ZR-008', P_PERFBIG, NR["perf_event_open"], 'perf_event_open(attr of size 8192, 0, -1, '
     '-1, 0)', '-E2BIG', 'perf_copy_attr(): size > PAGE_SIZE', 5),
    ('ZR-009', P_PERFTAIL, NR["perf_event_open"], 'perf_event_open(attr of size 4096 whose '
     'byte 4000 is 1, 0, -1, -1, 0)', '-E2BIG', 'perf_copy_attr() -> '
     'copy_struct_from_user() -> check_zeroed_user(): a non-zero tail', 5),
    ('ZR-010', P_PERFCGDEV, NR["perf_event_open"], 'perf_event_open(dummy, devnull, 0, -1, '
     'PERF_FLAG_PID_CGROUP)', 'an error', 'perf_allow_cpu() (-EACCES) or '
     'perf_cgroup_connect() -> css_tryget_online_from_dir(): no cgroup directory, -EBADF', 5),
    ('ZR-011', P_PERFGRPCLOSED, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, c, 0) '
     'of a group number c the program closed', '-EBADF', 'perf_fget_light(): no file at c',
     5),
    ('ZR-012', P_GETFDFLAGS, NR["pidfd_getfd"], 'pidfd_getfd(pidfd_open(getpid()), devnull, '
     '1)', '-EINVAL', 'SYSCALL_DEFINE3(pidfd_getfd): flags != 0', 6),
    ('ZR-013', P_GETFDCLOSED, NR["pidfd_getfd"], 'pidfd_getfd(c, 0, 0) of a number c the '
     'program closed', '-EBADF', 'pidfd_get_pid() -> fdget(): no file', 6),
    ('ZR-014', P_MRELFLAGS, NR_MRELEASE, 'process_mrelease(pidfd_open(getpid()), 1)',
     '-EINVAL', 'SYSCALL_DEFINE2(process_mrelease): flags != 0', 0),
    ('ZR-015', P_MRELCLOSED, NR_MRELEASE, 'process_mrelease(c, 0) of a number c the program '
     'closed', '-EBADF', 'pidfd_get_task() -> pidfd_get_pid() -> fdget(): no file', 0),
    ('ZR-016', P_MADVZERO, NR_MADVISE, 'process_madvise(-10000, iov, 0, MADV_COLD, 0)',
     '0 (-EBADF before 6.14)', 'import_iovec() of no segment: total_len 0, '
     'vector_madvise()\'s loop never runs', 4096),
    ('ZR-017', P_BADADV, NR["madvise"], 'madvise(Q, 4096, 999)', '-EINVAL',
     'do_madvise() -> madvise_behavior_valid()', 0),
    ('ZR-018', P_PIDFDFLAGS, NR["pidfd_open"], 'pidfd_open(getpid(), 1)', '-EINVAL',
     'SYSCALL_DEFINE2(pidfd_open): flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)', 5),
    ('ZR-019', P_PIDFDZERO, NR["pidfd_open"], 'pidfd_open(0, 0)', '-EINVAL',
     'SYSCALL_DEFINE2(pidfd_open): pid <= 0', 5),
    ('ZR-020', P_MADVOVER, NR_MADVISE, 'process_madvise(-10000, {Q, 4096}, 1, MADV_COLD, 0)',
     '4096 at most', 'vector_madvise(): total_len - iov_iter_count(), never past the '
     'iovecs', 8192),
    ('ZR-021', P_KCMPGETFD, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, '
     'fcntl(devnull, F_DUPFD_CLOEXEC, 0))', '0', 'do_fcntl() -> f_dupfd() installs the '
     'same struct file (get_file()): kcmp_ptr() of equal pointers', 1),
    ('ZR-022', P_PERFGRPEPOLL, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, ep, 0) '
     'of a group that is an epoll', '-EBADF', 'perf_fget_light(): f_op != &perf_fops', 6),
    ('ZR-023', P_GETFDEPOLL, NR["pidfd_getfd"], 'pidfd_getfd(ep, 0, 0) of an epoll',
     '-EBADF', 'pidfd_get_pid() -> pidfd_pid(): the file is no pidfd', 7),
    ('ZR-024', P_MRELMEMFD, NR_MRELEASE, 'process_mrelease(m, 0) of a memfd', '-EBADF',
     'pidfd_get_task() -> pidfd_get_pid(): the file is no pidfd', 0),
    ('ZR-025', P_KCMPEPMEMFD, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {m, pr, 0}) '
     'of a slot whose efd is a memfd', '-EINVAL', 'get_epoll_tfile_raw_ptr(): '
     '!is_file_epoll()', 0),
    ('ZR-026', P_KCMPEPGONE, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, '
     '0}) after close(pr), the last reference to the watched pipe end', '-ENOENT',
     '__fput() -> eventpoll_release_file() dropped the item: ep_find_tfd() finds none', 0),
    ('ZR-027', P_KCMPEPDEL, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) '
     'after epoll_ctl(ep, EPOLL_CTL_DEL, pr)', '-ENOENT', 'ep_remove() dropped the item: '
     'ep_find_tfd() finds none', 0),
    ('ZR-028', P_KCMPVFORKFILES, NR["kcmp"], 'a vfork child\'s kcmp(getpid(), parent, '
     'KCMP_FILES, 0, 0)', '1 or 2', 'copy_files() without CLONE_FILES: dup_fd() gave the '
     'vfork child a table of its own, kcmp_ptr() of two files_structs', 0),
    ('ZR-029', P_PERFCGPID, NR["perf_event_open"], 'perf_event_open(dummy, -1, 0, -1, '
     'PERF_FLAG_PID_CGROUP)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): '
     'PERF_FLAG_PID_CGROUP with pid == -1', 5),
    ('ZR-030', P_PERFCPUBIG, NR["perf_event_open"], 'perf_event_open(dummy, 0, 1 << 20, -1, '
     '0)', 'an error', 'perf_event_alloc(): (unsigned)cpu >= nr_cpu_ids, -EINVAL (or an '
     'earlier error)', 5),
    ('ZR-031', P_FREEMOVED, NR["madvise"], 'madvise(N, 4096, MADV_FREE) of the MAP_PRIVATE '
     'memfd view mremap(MREMAP_MAYMOVE | MREMAP_FIXED) moved to N', '-EINVAL',
     'move_vma() -> copy_vma() keeps vm_file: madvise_free_single_vma(): '
     '!vma_is_anonymous()', 0),
    ('ZR-032', P_FREESPAN, NR["madvise"], 'madvise(A, 8192, MADV_FREE) of an anonymous page '
     'followed by a MAP_PRIVATE memfd view', '-EINVAL', 'madvise_walk_vmas(): the second '
     'area\'s madvise_free_single_vma(): !vma_is_anonymous()', 0),
    ('ZR-033', P_KCMPEPCHILDDEL, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, '
     '0}) after a fork child\'s epoll_ctl(ep, EPOLL_CTL_DEL, pr) on the epoll file it '
     'shares', '-ENOENT', 'dup_fd() shares the epoll file: the child\'s ep_remove() dropped '
     'the item, ep_find_tfd() finds none', 0),
)
#: the steps the Guardian refuses (as of when written)
REFUSED = frozenset(("ZR-001", "ZR-002", "ZR-003", "ZR-004", "ZR-005", "ZR-006", "ZR-011",
                     "ZR-012", "ZR-013", "ZR-014", "ZR-015", "ZR-016", "ZR-017", "ZR-018",
                     "ZR-019", "ZR-020", "ZR-021", "ZR-022", "ZR-023", "ZR-024", "ZR-025",
                     "ZR-026", "ZR-027", "ZR-028", "ZR-029", "ZR-032", "ZR-033"))
#: refused since (return.perf_event_args, return.mm_area_refused)
REFUSED = REFUSED | frozenset(("ZR-007", "ZR-008", "ZR-009", "ZR-010", "ZR-030", "ZR-031"))
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED
#: the steps a child process makes (its hooks fire past the first process)
CHILD_STEPS = (P_KCMPVFORKFILES,)
forged_answers(_iago, STEPS, OPEN, child_phases=CHILD_STEPS, seen=lambda err, forged: (
    'another file' if err == '0' else 'one object' if err == '1 or 2'
    else 'more bytes than its iovecs' if forged == 8192 else 'a success'))

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HKCMPEP, P_HPIDFDNB, P_HPERFTAIL0, P_HGETFDEP, P_HKCMPEPSTALE,
                P_HPIDFDTHREAD, P_HFREEZERO, P_HFREEOVER, P_HKCMPEPDUP, P_HKCMPEPCHILD)
#: Linux's answers for the steps of STEPS
LINUX_ERRORS = {P_KCMPTWOOPEN: 1, P_KCMPRANGE: -9, P_KCMPEPOTHER: -2, P_KCMPEPTOFF: -2,
                P_KCMPCHFILE: 0, P_KCMPCHSIG: 2, P_PERFFLAGS: -22, P_PERFBIG: -7,
                P_PERFTAIL: -7, P_PERFCGDEV: -13, P_PERFGRPCLOSED: -9, P_GETFDFLAGS: -22,
                P_GETFDCLOSED: -9, P_MRELFLAGS: -22, P_MRELCLOSED: -9, P_MADVZERO: 0,
                P_BADADV: -22, P_PIDFDFLAGS: -22, P_PIDFDZERO: -22, P_MADVOVER: 4096,
                P_KCMPGETFD: 0, P_PERFGRPEPOLL: -9, P_GETFDEPOLL: -9, P_MRELMEMFD: -9,
                P_KCMPEPMEMFD: -22, P_KCMPEPGONE: -2, P_KCMPEPDEL: -2,
                P_KCMPVFORKFILES: 1, P_PERFCGPID: -22, P_PERFCPUBIG: -22,
                P_FREEMOVED: -22, P_FREESPAN: -22, P_KCMPEPCHILDDEL: -2}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers each as LINUX_ERRORS says (kcmp of two opens of /dev/null an order,
    of a close_range()d number -EBADF, of targets an epoll does not watch -ENOENT, of a
    fork child's copy of a file 0 and of its handlers an order, of a pidfd_getfd() copy
    0; perf_event_open()'s unknown flag -EINVAL, big or dirty attr -E2BIG, cgroup of
    /dev/null -EACCES, group closed or an epoll -EBADF; pidfd_getfd() and
    process_mrelease() of flags -EINVAL, of a closed number, an epoll or a memfd -EBADF;
    process_madvise() of no iovec 0 and of one page 4096; madvise(999) and pidfd_open()
    of flag 1 or pid 0 -EINVAL), kcmp() of the watched slot 0 and pidfd_open(
    PIDFD_NONBLOCK), perf_event_open() of a clean 4096-byte attr and pidfd_getfd() of an
    epoll a descriptor.  The kernel model answers several otherwise: the step answers
    each as getpid() with Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase],
                        init_only=phase not in CHILD_STEPS)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPEP, 0)
    serve_as_getpid(adv, NR["pidfd_open"], P_HPIDFDNB, 5)
    serve_as_getpid(adv, NR["perf_event_open"], P_HPERFTAIL0, 5)
    serve_as_getpid(adv, NR["pidfd_getfd"], P_HGETFDEP, 7)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPEPSTALE, 0)
    serve_as_getpid(adv, NR["pidfd_open"], P_HPIDFDTHREAD, 5)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPEPDUP, 0)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPEPCHILD, 0)
