"""Red-team round seventy-seven: pidfd_getfd() of the PIDFD_SELF_* values (taken by
descriptor_args.SENTINELS as pidfd_get_task()'s), kcmp(KCMP_EPOLL_TFD)'s slot descriptor,
process_madvise() of the caller's own mm judged for locked pages alone
(guardian/locked_vector.py), process_mrelease() of a real pidfd of the caller
(guardian/mrelease_self.py judges the PIDFD_SELF_* values alone) and perf_event_open()
with no task and no cpu.

ZL-001/ZL-002 answer descriptor 9 to pidfd_getfd(-10000, 0, 0) and pidfd_getfd(-10001, 0,
0): SYSCALL_DEFINE3(pidfd_getfd) looks its pidfd up with fdget() (pidfd_get_pid() from
6.13), never pidfd_get_task(), whose switch alone knows PIDFD_SELF_*: -EBADF on every
version (qemu-user on 6.18 gives the same). ZL-003 answers 0 to kcmp(pid, pid,
KCMP_EPOLL_TFD, devnull, {efd -10000, tfd 0, toff 0}): kcmp_epoll_target() looks the
slot's efd up with fget_task() (an unsigned index past any fdtable): -EBADF (qemu-user on
6.18 gives the same). ZL-004 answers 4096 to process_madvise(-10000, {H, 4096}, 1,
MADV_COLD, 0) of a page the program's own munmap() left a hole (madvise_walk_vmas():
-ENOMEM, vector_madvise() stops at it); ZL-005 to process_madvise(-10000, {S, 4096}, 1,
MADV_FREE, 0) of a MAP_SHARED | MAP_ANONYMOUS page (madvise_free_single_vma(): shmem is no
anonymous area, -EINVAL); ZL-006 to process_madvise(-10000, {Q, 4096}, 1, MADV_COLD, 1)
(SYSCALL_DEFINE5(process_madvise): flags other than 0, -EINVAL); ZL-007 to
process_madvise(-10000, iov, 1025, MADV_COLD, 0) (import_iovec(): more than UIO_MAXIOV
segments, -EINVAL); ZL-008 to process_madvise(-10000, {Q, 4096}, 1, 999, 0)
(madvise_behavior_valid(): -EINVAL); ZL-009 to process_madvise(-10000, {Q + 1, 4096}, 1,
MADV_COLD, 0) (do_madvise(): !PAGE_ALIGNED(start), -EINVAL). ZL-010 answers 0 to
process_mrelease(pidfd_open(getpid(), 0), 0): the pidfd names the live caller
(task_will_free_mem() false, no MMF_OOM_SKIP): -EINVAL. ZL-011 answers descriptor 5 (the
lowest free) to perf_event_open(dummy, -1, -1, -1, 0) (SYSCALL_DEFINE5(perf_event_open):
pid -1 with cpu -1, -EINVAL). ZL-012 answers descriptor 9 to pidfd_getfd(-20000, 0, 0)
(-EBADF, as ZL-001). ZL-013 answers 0 to kcmp(pid, pid, 8, -1, -1) (type KCMP_TYPES: the
switch's default, -EINVAL; qemu-user on 6.18 gives the same). ZL-014 answers 1 to
kcmp(pid, pid, KCMP_FILE, devnull, devnull) and ZL-015 to kcmp(pid, pid, KCMP_VM, 0, 0):
one file, one mm, kcmp_ptr() of equal pointers answers 0 (qemu-user on 6.18 gives the
same). ZL-016 answers descriptor 5 to perf_event_open(dummy, -5, 0, -1,
PERF_FLAG_PID_CGROUP): perf_cgroup_connect() looks the cgroup descriptor -5 up with
fdget(): -EBADF (or an earlier error). The victim indexes -4 on a success (on another
object for ZL-014, ZL-015) and writes the secret's first 8 bytes.

Through with the Guardian on when written (gaps): ZL-001..ZL-005, ZL-008..ZL-016.
Refused: ZL-006 (abi/value_ranges: process_madvise's flags 0 alone), ZL-007 (a count past
what the iovecs ask for: the vector is invalid).  Refused since: ZL-001, ZL-002, ZL-012
(return.negative_descriptor: pidfd_getfd's pidfd takes no sentinel, fdget() or
pidfd_get_pid() on every version); ZL-011, ZL-016 (return.negative_descriptor:
descriptor_args.PARTIAL judges perf_event_open's pid -1 with cpu -1 and
PERF_FLAG_PID_CGROUP's cgroup descriptor); ZL-003, ZL-013, ZL-014, ZL-015
(return.kcmp_answer: the slot's efd read quiet, an unknown type, one file or one mm of
the program's own pid compared with itself); ZL-010 (return.mrelease_live: a pidfd
pidfd_open() made for the pid known as the caller's own); ZL-004, ZL-005, ZL-008,
ZL-009 (return.process_madvise_locked: each iovec judged as madvise() -- a hole, a shared
area under MADV_FREE, an unknown advice, an unaligned start).

Honest answers (tests/test_redteam_r77_claims.py): process_madvise(-10000, {Q, 4096, K,
4096}, 2, MADV_COLD, 0) with K MAP_LOCKED answers 4096 (vector_madvise(): the bytes before
the failing iovec); kcmp(pid, pid, KCMP_VM, -1, -1) answers 0 (kcmp() compares the mms,
reading no descriptor); madvise(B, 4096, MADV_COLD) of a page brk() grew after
mlockall(MCL_FUTURE) and munlockall() answers 0 (apply_mlockall_flags() cleared
def_flags); qemu-user has no process_madvise.  The kernel model answers process_madvise,
process_mrelease, pidfd_getfd and kcmp otherwise (it implements none of them as
Linux does): claim_as_linux serves Linux's answers.

The victim is `secret_r77_rules` (workloads/src/secret_r77_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r77"
RULES = "secret_r77_rules"
(P_GETFDSELF, P_GETFDGROUP, P_KCMPEPOLL, P_MADVHOLE, P_MADVSHARED, P_MADVFLAGS, P_MADVLONG,
 P_MADVUNKNOWN, P_MADVUNALIGNED, P_MRELEASEOWN, P_PERFNONE, P_HMADVPART, P_HKCMPVM,
 P_HBRKUNLOCKED, P_GETFDOLD, P_KCMPTYPE, P_KCMPSAMEFILE, P_KCMPSAMEVM,
 P_PERFCGROUP) = range(10600, 10638, 2)
P_FIRST, P_LAST = P_GETFDSELF, P_PERFCGROUP
NR = NUMBERS
NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
NR_PROCESS_MADVISE = NUMBERS["process_madvise"]

_iago = iago_scenarios(RT, RULES)
#: the steps the Guardian refuses when written (value_ranges: process_madvise's flags;
#: a count past what the iovecs may ask for)
REFUSED = frozenset(("ZL-006", "ZL-007"))
#: the steps refused since (descriptor_args.SENTINELS, PARTIAL; return.kcmp_answer;
#: return.mrelease_live; return.process_madvise_locked)
CLOSED = frozenset(("ZL-001", "ZL-002", "ZL-003", "ZL-004", "ZL-005", "ZL-008", "ZL-009",
                    "ZL-010", "ZL-011", "ZL-012", "ZL-013", "ZL-014", "ZL-015", "ZL-016"))

#: (id, phase, call, what, Linux's error, why, the forged answer)
STEPS = (
    ('ZL-001', P_GETFDSELF, NR["pidfd_getfd"], 'pidfd_getfd(-10000, 0, 0)', '-EBADF',
     'SYSCALL_DEFINE3(pidfd_getfd): fdget(pidfd) (pidfd_get_pid() from 6.13); only '
     'pidfd_get_task() knows PIDFD_SELF_*', 9),
    ('ZL-002', P_GETFDGROUP, NR["pidfd_getfd"], 'pidfd_getfd(-10001, 0, 0)', '-EBADF',
     'SYSCALL_DEFINE3(pidfd_getfd): fdget(pidfd); PIDFD_SELF_THREAD_GROUP is '
     'pidfd_get_task()\'s alone', 9),
    ('ZL-003', P_KCMPEPOLL, NR["kcmp"], 'kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, '
     '{efd -10000, tfd 0, toff 0})', '-EBADF',
     'kcmp_epoll_target(): fget_task(task2, slot.efd) finds no file at -10000', 0),
    ('ZL-004', P_MADVHOLE, NR_PROCESS_MADVISE, 'process_madvise(-10000, {H, 4096}, 1, '
     'MADV_COLD, 0) of a page the program\'s own munmap() left a hole', '-ENOMEM',
     'vector_madvise() -> madvise_walk_vmas(): no area at H, nothing advised', 4096),
    ('ZL-005', P_MADVSHARED, NR_PROCESS_MADVISE, 'process_madvise(-10000, {S, 4096}, 1, '
     'MADV_FREE, 0) of a MAP_SHARED | MAP_ANONYMOUS page', '-EINVAL',
     'madvise_free_single_vma(): !vma_is_anonymous() (shmem)', 4096),
    ('ZL-006', P_MADVFLAGS, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q, 4096}, 1, '
     'MADV_COLD, 1)', '-EINVAL', 'SYSCALL_DEFINE5(process_madvise): flags != 0', 4096),
    ('ZL-007', P_MADVLONG, NR_PROCESS_MADVISE, 'process_madvise(-10000, iov, 1025, '
     'MADV_COLD, 0)', '-EINVAL', 'import_iovec() -> iovec_from_user(): nr_segs > '
     'UIO_MAXIOV', 4096),
    ('ZL-008', P_MADVUNKNOWN, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q, 4096}, 1, '
     '999, 0)', '-EINVAL', 'madvise_behavior_valid() knows no advice 999', 4096),
    ('ZL-009', P_MADVUNALIGNED, NR_PROCESS_MADVISE, 'process_madvise(-10000, {Q + 1, '
     '4096}, 1, MADV_COLD, 0)', '-EINVAL', 'do_madvise(): !PAGE_ALIGNED(start)', 4096),
    ('ZL-010', P_MRELEASEOWN, NR_PROCESS_MRELEASE, 'process_mrelease(pidfd_open(getpid(), '
     '0), 0)', '-EINVAL', 'SYSCALL_DEFINE2(process_mrelease): the pidfd names the live '
     'caller, task_will_free_mem() is false and MMF_OOM_SKIP unset', 0),
    ('ZL-011', P_PERFNONE, NR["perf_event_open"], 'perf_event_open(dummy, -1, -1, -1, 0)',
     '-EINVAL', 'SYSCALL_DEFINE5(perf_event_open): pid == -1 && cpu == -1', 5),
    ('ZL-012', P_GETFDOLD, NR["pidfd_getfd"], 'pidfd_getfd(-20000, 0, 0)', '-EBADF',
     'SYSCALL_DEFINE3(pidfd_getfd): fdget(pidfd); 6.14\'s -20000 was pidfd_get_task()\'s '
     'alone', 9),
    ('ZL-013', P_KCMPTYPE, NR["kcmp"], 'kcmp(pid, pid, 8, -1, -1)', '-EINVAL',
     'SYSCALL_DEFINE5(kcmp): type 8 is KCMP_TYPES, no type (the switch\'s default)', 0),
    ('ZL-014', P_KCMPSAMEFILE, NR["kcmp"], 'kcmp(pid, pid, KCMP_FILE, devnull, devnull)',
     '0', 'SYSCALL_DEFINE5(kcmp): get_file_raw_ptr() finds one file twice, kcmp_ptr() of '
     'equal pointers', 1),
    ('ZL-015', P_KCMPSAMEVM, NR["kcmp"], 'kcmp(pid, pid, KCMP_VM, 0, 0)', '0',
     'SYSCALL_DEFINE5(kcmp): kcmp_ptr(task1->mm, task2->mm) of one task', 1),
    ('ZL-016', P_PERFCGROUP, NR["perf_event_open"], 'perf_event_open(dummy, -5, 0, -1, '
     'PERF_FLAG_PID_CGROUP)', '-EBADF', 'perf_cgroup_connect(): fdget(-5) finds no cgroup '
     'directory (or an earlier error: -EACCES, -ENOENT)', 5),
)
for _xid, _phase, _nr, _what, _err, _linux, _forged in STEPS:
    def _ok(adv: Adversary, _p: int = _phase, _n: int = _nr, _v: int = _forged) -> None:
        serve_as_getpid(adv, _n, _p, _v)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel answers {_forged} (served as getpid()).
    3. It sees {'another object' if _err == '0' else 'a success'}: index -4, secret bytes
    0..7.
    Linux: {_linux}: {_err}, never {_forged}.""")
    _iago(_xid, f"Answer {_forged} to {_what}", f"Linux answers {_err} ({_linux}).",
          gap="" if _xid in REFUSED | CLOSED else "P5")(documented(_ok, _doc))

#: the calls Linux lets through (index 0 each)
HONEST_STEPS = (P_HMADVPART, P_HKCMPVM, P_HBRKUNLOCKED)


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers pidfd_getfd(-10000/-10001/-20000, 0, 0) and kcmp(KCMP_EPOLL_TFD) of
    efd -10000 -EBADF, kcmp() of type 8 -EINVAL (qemu-user on 6.18 gives the same),
    process_madvise(-10000, ...) of STEPS -ENOMEM (a hole) or -EINVAL,
    process_mrelease() of a pidfd of the live caller -EINVAL, perf_event_open() with pid
    and cpu -1 -EINVAL, process_madvise(-10000, {Q, 4096, K, 4096}, 2, MADV_COLD, 0) with K
    locked 4096 and kcmp(pid, pid, KCMP_VM, -1, -1) 0; the kernel model answers each
    otherwise: the step answers each as getpid() with Linux's answer.  The kernel model
    answers every other step as Linux.
    3. It sees Linux's answer: index 0 each."""
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_MADVHOLE, -12)
    for phase in (P_MADVSHARED, P_MADVFLAGS, P_MADVLONG, P_MADVUNKNOWN, P_MADVUNALIGNED):
        serve_as_getpid(adv, NR_PROCESS_MADVISE, phase, -22)
    serve_as_getpid(adv, NR_PROCESS_MRELEASE, P_MRELEASEOWN, -22)
    serve_as_getpid(adv, NR["perf_event_open"], P_PERFNONE, -22)
    serve_as_getpid(adv, NR_PROCESS_MADVISE, P_HMADVPART, 4096)
    serve_as_getpid(adv, NR["kcmp"], P_HKCMPVM, 0)
    for phase in (P_GETFDSELF, P_GETFDGROUP, P_GETFDOLD):
        serve_as_getpid(adv, NR["pidfd_getfd"], phase, -9)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPEPOLL, -9)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPTYPE, -22)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPSAMEFILE, 0)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPSAMEVM, 0)
