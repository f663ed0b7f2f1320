"""Red-team round seventy-eight: kcmp(KCMP_EPOLL_TFD) of a slot whose efd is no epoll file
or watches nothing, kcmp(KCMP_FILE) of a closed descriptor and of a dup()ed one,
process_madvise() of the caller's own mm with a leading empty iovec or an iovec past the
user address space, MADV_FREE of a private file page (process_madvise() and madvise()),
perf_event_open() in cgroup mode with cpu -1, with a group descriptor that is no event
and with an attr too small, and pidfd_getfd() and process_mrelease() of a descriptor that
is no pidfd.

ZO-001 answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd devnull, tfd devnull,
toff 0}): kcmp_epoll_target() -> get_epoll_tfile_raw_ptr(): !is_file_epoll(), -EINVAL
(qemu-user on 6.18 gives the same).  ZO-002 answers 0 to the same call of an epoll
descriptor watching nothing: ep_find_tfd() finds no item, -ENOENT (qemu-user on 6.18 gives
the same).  ZO-003 answers 1 to kcmp(pid, pid, KCMP_FILE, devnull, c) of a descriptor c
the program closed: get_file_raw_ptr() finds no file, -EBADF (qemu-user on 6.18 gives the
same).  ZO-004 answers 1 to kcmp(pid, pid, KCMP_FILE, devnull, dup(devnull)): dup() shares
the struct file, kcmp_ptr() of equal pointers answers 0 (qemu-user on 6.18 gives the
same).  ZO-005 answers 4096 to process_madvise(-10000, {Q + 1, 0, Q, 4096}, 2, MADV_COLD,
0): vector_madvise() (process_madvise()'s loop before 6.13) hands the first segment to
madvise as it stands, and do_madvise() checks !PAGE_ALIGNED(start) before the empty length:
-EINVAL, no byte advised.  ZO-006 answers 4096 to process_madvise(-10000, {Q, 4096, 1 <<
54, 4096}, 2, MADV_COLD, 0): __import_iovec() checks access_ok() of every iovec before any
advice: -EFAULT.  ZO-007 answers 4096 to process_madvise(-10000, {F, 4096}, 1, MADV_FREE,
0) and ZO-008 answers 0 to madvise(F, 4096, MADV_FREE) of a MAP_PRIVATE memfd page:
madvise_free_single_vma(): !vma_is_anonymous(), -EINVAL (qemu-user answers 0: it drops
advice it does not forward).  ZO-009 answers descriptor 5 to perf_event_open(dummy,
devnull, -1, -1, PERF_FLAG_PID_CGROUP): SYSCALL_DEFINE5(perf_event_open): cgroup mode with
cpu -1, -EINVAL.  ZO-010 answers 5 to perf_event_open(dummy, 0, -1, devnull, 0):
perf_fget_light(): f_op != &perf_fops, -EBADF (or an earlier error).  ZO-011 answers 5 to
perf_event_open() of an attr whose size is 8: perf_copy_attr(): size < PERF_ATTR_SIZE_VER0,
-E2BIG (or an earlier error).  ZO-012 answers descriptor 5 to pidfd_getfd(devnull, 0, 0):
pidfd_get_pid(): the file is no pidfd, -EBADF (qemu-user on 6.18 gives the same).  ZO-013
answers 0 to process_mrelease(devnull, 0): pidfd_get_task(): -EBADF.  ZO-014 answers 5 to
perf_event_open(dummy, 0xffffffff, 0xffffffff, -1, 0) (pid and cpu are ints: -1 each,
-EINVAL).  ZO-015 answers 4096 to process_madvise(-10000, {Q, 4096, Q, -4096}, 2,
MADV_COLD, 0): iovec_from_user() fails a negative (ssize_t) length before any advice,
-EINVAL.  ZO-016 answers descriptor 6 to pidfd_getfd(pidfd_open(getpid()), c, 0) of a
closed c: __pidfd_fget() -> fget_task(), -EBADF (qemu-user on 6.18 gives the same).
ZO-017 answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, c, {ep, devnull, 0}) of a closed c:
get_file_raw_ptr(task1, idx1), -EBADF (qemu-user on 6.18 gives the same).  ZO-018 answers
4096 to process_madvise(-10000, {N, 4096}, 1, MADV_COLD, 0) and ZO-019 0 to madvise(N,
4096, MADV_COLD) of the page mremap(K, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) moved a
MAP_LOCKED page K to: copy_vma() keeps VM_LOCKED, can_madv_lru_vma(): -EINVAL.  ZO-020
answers 4096 to process_madvise(-10000, {Q | 0x5a << 56, 4096}, 1, MADV_COLD, 0): arm64's
access_ok() untags only under TIF_TAGGED_ADDR (never set here), -EFAULT.  ZO-021..ZO-023
answer 4096 to process_madvise() of a real pidfd pidfd_open(getpid()) made (the caller's
own mm, as PIDFD_SELF_THREAD) of an unaligned iovec (-EINVAL), a MAP_LOCKED page
(can_madv_lru_vma(): -EINVAL) and a hole its own munmap() left (-ENOMEM).  ZO-024
answers 0 to kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, 8): kcmp_epoll_target()'s
copy_from_user() of the slot faults, -EFAULT (qemu-user on 6.18 gives the same).  ZO-025
and ZO-026 answer 0 to kcmp(pid, child, KCMP_VM / KCMP_FILES, 0, 0) of a live fork child:
dup_mmap() and dup_fd() gave the child an mm and a table of its own, kcmp_ptr() orders two
pointers: 1 or 2 (qemu-user on 6.18 answers 1 or 2).  ZO-027 answers 1 to a vfork child's
kcmp(getpid(), parent, KCMP_VM, 0, 0): CLONE_VM shares the mm, kcmp_ptr() of equal
pointers answers 0 (qemu-user runs a vfork as a fork and answers 1: it cannot show this
one).  The victim
indexes -4 on a success (on another file for ZO-004) and writes the secret's first 8
bytes.

Through with the Guardian on when written (gaps): every step but ZO-014 (a negative
descriptor: the int -1 as 0xffffffff), ZO-018 and ZO-019 (the moved vma taken as locked).
Refused since: ZO-001..ZO-004, ZO-010, ZO-012, ZO-013, ZO-016, ZO-017
(return.descriptor_kind: the caller's own table names a closed number, one open file, a
named file that is no epoll, pidfd or perf event, an epoll with no registration);
ZO-009, ZO-011 (return.perf_event_args); ZO-006, ZO-015, ZO-020
(return.process_madvise_iovec); ZO-007, ZO-008 (return.mm_area_refused and
return.process_madvise_locked: MADV_FREE of a MAP_PRIVATE file area); ZO-021..ZO-023
(return.process_madvise_locked: a pidfd_open() pidfd of the caller's own pid); ZO-005
(return.process_madvise_locked: a leading empty unaligned iovec).
ZO-025, ZO-026 (return.descriptor_kind: a living fork child's mm and table).
Through still: ZO-024 (a slot pointer that faults), ZO-027 (a vfork child's kcmp of its
parent's mm).

Honest answers (tests/test_redteam_r78_claims.py): process_madvise(-10000, {Q, 4096, Q2 +
1, 0, Q2, 4096}, 3, MADV_COLD, 0) answers 8192 (iov_iter_advance() steps over the empty
middle segment, which never reaches madvise); process_madvise(-10000, {F, 4096}, 1,
MADV_WILLNEED, 0) of a private memfd page, process_madvise(-10000, {K, 4096}, 1,
MADV_WILLNEED, 0) of a MAP_LOCKED page (only the advice of can_madv_lru_vma() and
madvise_dontneed_free_valid_vma() refuse VM_LOCKED) and process_madvise(-10000, {S, 4096},
1, MADV_COLD, 0) of a MAP_SHARED | MAP_ANONYMOUS page answer 4096; so do
process_madvise(-10000) of MADV_DONTNEED_LOCKED of a MAP_LOCKED page, MADV_GUARD_INSTALL,
MADV_POPULATE_WRITE, MADV_WIPEONFORK, MADV_DONTDUMP, MADV_REMOVE of a shared page and
MADV_SOFT_OFFLINE (6.13+, CAP_SYS_ADMIN for the last), a fork child's process_madvise(
MADV_COLD) of its copy of a MAP_LOCKED page (dup_mmap() clears VM_LOCKED), and of the old
page MREMAP_DONTUNMAP left (move_vma() clears its VM_LOCKED; madvise() of it answers 0);
madvise(Q | 0x5a << 56, 4096, MADV_COLD) answers 0 (do_madvise() untags);
perf_event_open(dummy, 0, -1, -1, PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_CLOEXEC), with
group 0xffffffff (-1 as an int) and perf_event_open(dummy, -1, 0, -1, 0) (CAP_PERFMON)
answer a descriptor, as does pidfd_getfd(pidfd_open(getpid()), devnull, 0) (qemu-user on
6.18 gives 6), perf_event_open(dummy, 0, -1, -1, PERF_FLAG_FD_OUTPUT) and of an attr of
size 0 (PERF_ATTR_SIZE_VER0) answer a descriptor, and process_madvise(-10000, {Q, 100, Q +
100, 3996}, 2, MADV_COLD, 0) answers 100.  No false refusal found.  qemu-user has no
process_madvise and no perf_event_open.  The kernel model answers process_madvise,
process_mrelease, pidfd_getfd, perf_event_open and kcmp otherwise (it implements none of
them as Linux does): claim_as_linux serves Linux's answers.

The victim is `secret_r78_rules` (workloads/src/secret_r78_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r78"
RULES = "secret_r78_rules"
(P_KCMPNOTEP, P_KCMPNOTFD, P_KCMPCLOSED, P_KCMPDUP, P_MADVLEAD, P_MADVFAULT,
 P_MADVFREEFILE, P_FREEFILE, P_PERFCGCPU, P_PERFGROUP, P_PERFSIZE, P_GETFDNOTPID,
 P_MRELEASENOTPID, P_HMADVMID, P_HWILLFILE, P_HWILLLOCKED,
 P_HCOLDSHARED) = range(10900, 10934, 2)
(P_PERFWIDE, P_MADVNEGLEN, P_GETFDCLOSED, P_KCMPEPCLOSED) = range(10934, 10942, 2)
#: MADV_DONTNEED_LOCKED (a locked page), MADV_GUARD_INSTALL, MADV_POPULATE_WRITE,
#: MADV_WIPEONFORK, MADV_DONTDUMP, MADV_REMOVE (a shared page), MADV_SOFT_OFFLINE
ADVICES = (24, 102, 23, 18, 16, 9, 101)
P_HADVICE = tuple(range(10942, 10956, 2))
P_HPERFFLAGS, P_HPERFWIDE, P_HPERFCPU, P_HGETFD = range(10956, 10964, 2)
P_HCHILDCOLD = 10964
P_MADVMOVEDLOCK, P_COLDMOVEDLOCK, P_HMADVLEFT, P_HCOLDLEFT = range(10966, 10974, 2)
P_MADVTAGGED, P_HTAGGEDCOLD = 10974, 10976
P_OWNUNALIGNED, P_OWNLOCKED, P_OWNHOLE = range(10978, 10984, 2)
P_HPERFOUTPUT, P_HPERFSIZE0, P_HMADVSHORT = range(10984, 10990, 2)
P_KCMPSLOTFAULT = 10990
P_KCMPPARENTVM, P_KCMPPARENTFILES = 10992, 10994
P_KCMPVFORKVM = 10996
P_FIRST, P_LAST = P_KCMPNOTEP, P_KCMPVFORKVM
NR = NUMBERS
NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
NR_PROCESS_MADVISE = NUMBERS["process_madvise"]

_iago = iago_scenarios(RT, RULES)
#: the steps the Guardian refuses (when written: ZO-014, ZO-018 and ZO-019)
REFUSED = frozenset(("ZO-014", "ZO-018", "ZO-019", "ZO-005", "ZO-001", "ZO-002", "ZO-003",
                     "ZO-004", "ZO-006", "ZO-007", "ZO-008", "ZO-009", "ZO-010", "ZO-011", "ZO-012",
                     "ZO-013", "ZO-015", "ZO-016", "ZO-017", "ZO-020", "ZO-021", "ZO-022",
                     "ZO-023", "ZO-025", "ZO-026"))

#: (id, phase, call, what, Linux's answer, why, the forged answer)
STEPS = (
    ('ZO-001', P_KCMPNOTEP, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd '
     'devnull, tfd devnull, toff 0})', '-EINVAL',
     'kcmp_epoll_target() -> get_epoll_tfile_raw_ptr(): !is_file_epoll(file)', 0),
    ('ZO-002', P_KCMPNOTFD, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd ep, '
     'tfd devnull, toff 0}) of an epoll watching nothing', '-ENOENT',
     'get_epoll_tfile_raw_ptr(): ep_find_tfd() finds no item', 0),
    ('ZO-003', P_KCMPCLOSED, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, c) of a '
     'descriptor c the program closed', '-EBADF',
     'SYSCALL_DEFINE5(kcmp): get_file_raw_ptr(task2, idx2) finds no file', 1),
    ('ZO-004', P_KCMPDUP, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, dup(devnull))',
     '0', 'SYSCALL_DEFINE5(kcmp): dup() shares one struct file, kcmp_ptr() of equal '
     'pointers', 1),
    ('ZO-005', P_MADVLEAD, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q + 1, 0, Q, '
     '4096}, 2, MADV_COLD, 0)', '-EINVAL', 'vector_madvise() hands the first, empty '
     'segment to madvise as it stands: do_madvise(): !PAGE_ALIGNED(start)', 4096),
    ('ZO-006', P_MADVFAULT, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q, 4096, 1 << 54, '
     '4096}, 2, MADV_COLD, 0)', '-EFAULT', '__import_iovec(): !access_ok() of the second '
     'iovec, before any advice', 4096),
    ('ZO-007', P_MADVFREEFILE, NR_PROCESS_MADVISE, 'process_madvise(-10000, {F, 4096}, 1, '
     'MADV_FREE, 0) of a MAP_PRIVATE memfd page', '-EINVAL',
     'madvise_free_single_vma(): !vma_is_anonymous(vma)', 4096),
    ('ZO-008', P_FREEFILE, NR["madvise"], 'madvise(F, 4096, MADV_FREE) of a MAP_PRIVATE '
     'memfd page', '-EINVAL', 'madvise_free_single_vma(): !vma_is_anonymous(vma)', 0),
    ('ZO-009', P_PERFCGCPU, NR["perf_event_open"], 'perf_event_open(dummy, devnull, -1, -1, '
     'PERF_FLAG_PID_CGROUP)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): '
     'PERF_FLAG_PID_CGROUP with cpu == -1', 5),
    ('ZO-010', P_PERFGROUP, NR["perf_event_open"], 'perf_event_open(dummy, 0, -1, devnull, '
     '0)', '-EBADF', 'perf_fget_light(): the group descriptor\'s f_op is no perf_fops (or '
     'an earlier error)', 5),
    ('ZO-011', P_PERFSIZE, NR["perf_event_open"], 'perf_event_open(attr of size 8, 0, -1, '
     '-1, 0)', '-E2BIG', 'perf_copy_attr(): size < PERF_ATTR_SIZE_VER0 (or an earlier '
     'error)', 5),
    ('ZO-012', P_GETFDNOTPID, NR["pidfd_getfd"], 'pidfd_getfd(devnull, 0, 0)', '-EBADF',
     'SYSCALL_DEFINE3(pidfd_getfd) -> pidfd_get_pid(): the file is no pidfd', 5),
    ('ZO-013', P_MRELEASENOTPID, NR_PROCESS_MRELEASE, 'process_mrelease(devnull, 0)',
     '-EBADF', 'SYSCALL_DEFINE2(process_mrelease) -> pidfd_get_task(): the file is no '
     'pidfd', 0),
    ('ZO-014', P_PERFWIDE, NR["perf_event_open"], 'perf_event_open(dummy, 0xffffffff, '
     '0xffffffff, -1, 0)', '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): pid and cpu are '
     'ints, -1 each', 5),
    ('ZO-015', P_MADVNEGLEN, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q, 4096, Q, '
     '-4096}, 2, MADV_COLD, 0)', '-EINVAL', 'iovec_from_user(): a negative (ssize_t) '
     'length fails the whole vector before any advice', 4096),
    ('ZO-016', P_GETFDCLOSED, NR["pidfd_getfd"], 'pidfd_getfd(pidfd_open(getpid()), c, 0) '
     'of a descriptor c the program closed', '-EBADF',
     'pidfd_getfd() -> __pidfd_fget() -> fget_task(): no file at c', 6),
    ('ZO-017', P_KCMPEPCLOSED, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, c, {efd ep, tfd '
     'devnull}) of a descriptor c the program closed', '-EBADF',
     'kcmp_epoll_target(): get_file_raw_ptr(task1, idx1) finds no file', 0),
    ('ZO-018', P_MADVMOVEDLOCK, NR_PROCESS_MADVISE, 'process_madvise(-10000, {N, 4096}, 1, '
     'MADV_COLD, 0) of the page mremap(K, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) '
     'moved a MAP_LOCKED page K to', '-EINVAL', 'move_vma() -> copy_vma(): the new vma keeps '
     'VM_LOCKED; madvise_cold() -> can_madv_lru_vma()', 4096),
    ('ZO-019', P_COLDMOVEDLOCK, NR["madvise"], 'madvise(N, 4096, MADV_COLD) of the page '
     'mremap(MREMAP_DONTUNMAP) moved a MAP_LOCKED page to', '-EINVAL',
     'move_vma() -> copy_vma(): the new vma keeps VM_LOCKED; can_madv_lru_vma()', 0),
    ('ZO-020', P_MADVTAGGED, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q | 0x5a << 56, '
     '4096}, 1, MADV_COLD, 0) without the tagged address ABI', '-EFAULT',
     '__import_iovec() -> access_ok(): arm64 untags only under TIF_TAGGED_ADDR', 4096),
    ('ZO-021', P_OWNUNALIGNED, NR_PROCESS_MADVISE, 'process_madvise(pidfd_open(getpid()), '
     '{Q + 1, 4096}, 1, MADV_COLD, 0)', '-EINVAL', 'pidfd_get_task() names the caller\'s '
     'own process, its own mm: do_madvise(): !PAGE_ALIGNED(start)', 4096),
    ('ZO-022', P_OWNLOCKED, NR_PROCESS_MADVISE, 'process_madvise(pidfd_open(getpid()), '
     '{K, 4096}, 1, MADV_COLD, 0) of a MAP_LOCKED page', '-EINVAL', 'the caller\'s own mm: '
     'madvise_cold() -> can_madv_lru_vma(): VM_LOCKED', 4096),
    ('ZO-023', P_OWNHOLE, NR_PROCESS_MADVISE, 'process_madvise(pidfd_open(getpid()), '
     '{H, 4096}, 1, MADV_COLD, 0) of a page its own munmap() left a hole', '-ENOMEM',
     'the caller\'s own mm: madvise_walk_vmas() finds no area', 4096),
    ('ZO-024', P_KCMPSLOTFAULT, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, 8)',
     '-EFAULT', 'kcmp_epoll_target(): copy_from_user() of the slot at 8 faults', 0),
    ('ZO-025', P_KCMPPARENTVM, NR["kcmp"], 'kcmp(pid, child, KCMP_VM, 0, 0) of a live fork '
     'child', '1 or 2', 'copy_mm() -> dup_mmap() gave the child an mm of its own (no '
     'CLONE_VM): kcmp_ptr() of two mms', 0),
    ('ZO-026', P_KCMPPARENTFILES, NR["kcmp"], 'kcmp(pid, child, KCMP_FILES, 0, 0) of a live '
     'fork child', '1 or 2', 'copy_files() -> dup_fd() gave the child a table of its own '
     '(no CLONE_FILES): kcmp_ptr() of two files_structs', 0),
    ('ZO-027', P_KCMPVFORKVM, NR["kcmp"], 'a vfork child\'s kcmp(getpid(), parent, KCMP_VM, '
     '0, 0)', '0', 'copy_mm(): CLONE_VM shares the parent\'s mm, kcmp_ptr() of equal '
     'pointers', 1),
)
#: the steps still open (through with the Guardian on)
OPEN = frozenset(s[0] for s in STEPS) - REFUSED
#: the steps a child process makes (its hooks fire past the first process)
CHILD_STEPS = (P_KCMPVFORKVM,)
for _xid, _phase, _nr, _what, _err, _linux, _forged in STEPS:
    def _ok(adv: Adversary, _p: int = _phase, _n: int = _nr, _v: int = _forged) -> None:
        serve_as_getpid(adv, _n, _p, _v, init_only=_p not in CHILD_STEPS)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel answers {_forged} (served as getpid()).
    3. It sees {'another file' if _err == '0' else 'one object' if _err == '1 or 2'
                else 'a success'}: index -4, secret bytes
    0..7.
    Linux: {_linux}: {_err}, never {_forged}.""")
    _iago(_xid, f"Answer {_forged} to {_what}", f"Linux answers {_err} ({_linux}).",
          gap="P5" if _xid in OPEN else "")(documented(_ok, _doc))

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HMADVMID, P_HWILLFILE, P_HWILLLOCKED, P_HCOLDSHARED, *P_HADVICE,
                P_HPERFFLAGS, P_HPERFWIDE, P_HPERFCPU, P_HGETFD, P_HCHILDCOLD,
                P_HMADVLEFT, P_HCOLDLEFT, P_HTAGGEDCOLD, P_HPERFOUTPUT, P_HPERFSIZE0,
                P_HMADVSHORT)
#: Linux's errors for the steps of STEPS
LINUX_ERRORS = {P_KCMPNOTEP: -22, P_KCMPNOTFD: -2, P_KCMPCLOSED: -9, P_KCMPDUP: 0,
                P_MADVLEAD: -22, P_MADVFAULT: -14, P_MADVFREEFILE: -22, P_FREEFILE: -22,
                P_PERFCGCPU: -22, P_PERFGROUP: -9, P_PERFSIZE: -7, P_GETFDNOTPID: -9,
                P_MRELEASENOTPID: -9, P_PERFWIDE: -22, P_MADVNEGLEN: -22,
                P_GETFDCLOSED: -9, P_KCMPEPCLOSED: -9, P_MADVMOVEDLOCK: -22,
                P_COLDMOVEDLOCK: -22, P_MADVTAGGED: -14, P_OWNUNALIGNED: -22,
                P_OWNLOCKED: -22, P_OWNHOLE: -12, P_KCMPSLOTFAULT: -14,
                P_KCMPPARENTVM: 1, P_KCMPPARENTFILES: 2, P_KCMPVFORKVM: 0}


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers kcmp(KCMP_EPOLL_TFD) of a slot whose efd is /dev/null -EINVAL and of
    an epoll watching nothing -ENOENT, kcmp(KCMP_FILE) of a closed descriptor -EBADF and of
    a dup()ed one 0 (qemu-user on 6.18 gives the same), process_madvise(-10000, ...) of a
    leading empty unaligned iovec -EINVAL and of an iovec past the address space -EFAULT,
    process_madvise() and madvise() of MADV_FREE on a private memfd page -EINVAL,
    perf_event_open() in cgroup mode with cpu -1 -EINVAL, of a group descriptor that is no
    event -EBADF, of an attr of size 8 -E2BIG, pidfd_getfd() and process_mrelease() of
    /dev/null -EBADF; process_madvise(-10000, ...) of HONEST_STEPS 8192, 4096, 4096 and
    4096.  The kernel model answers each otherwise: the step answers each as getpid() with
    Linux's answer.
    3. It sees Linux's answer: index 0 each."""
    for _x, phase, nr, *_rest in STEPS:
        serve_as_getpid(adv, nr, phase, LINUX_ERRORS[phase],
                        init_only=phase not in CHILD_STEPS)
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_HMADVMID, 8192)
    for phase in (P_HWILLFILE, P_HWILLLOCKED, P_HCOLDSHARED, *P_HADVICE):
        serve_as_getpid(adv, NR_PROCESS_MADVISE, phase, 4096)
    for phase in (P_HPERFFLAGS, P_HPERFWIDE, P_HPERFCPU, P_HPERFOUTPUT, P_HPERFSIZE0):
        serve_as_getpid(adv, NR["perf_event_open"], phase, 5)
    serve_as_getpid(adv, NR["pidfd_getfd"], P_HGETFD, 6)
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_HCHILDCOLD, 4096, init_only=False)
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_HMADVLEFT, 4096)
    serve_as_getpid(adv, NR["madvise"], P_HCOLDLEFT, 0)
    serve_as_getpid(adv, NR["madvise"], P_HTAGGEDCOLD, 0)
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_HMADVSHORT, 100)
