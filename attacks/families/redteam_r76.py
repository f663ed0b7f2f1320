"""Red-team round seventy-six: descriptor_args.SENTINELS' values a call takes on no kernel
version, and pages locked by mmap(MAP_LOCKED), mlockall(MCL_FUTURE)'s mm->def_flags or
mlock(), as return.mm_area_refused (guardian/locked_ranges.py) follows them.

ZI-001 answers 0 to pidfd_send_signal(-20000, 0, NULL, 0): 6.14 merged
PIDFD_SELF_THREAD_GROUP as -20000 for pidfd_get_task() alone, and 6.15's switch in
SYSCALL_DEFINE4(pidfd_send_signal) knows -10000 and -10001 only: fdget(-20000), -EBADF on
every version (qemu-user on 6.18 gives the same). ZI-002 answers 0 to
process_mrelease(-10000, 0): pidfd_get_task() names the caller, whose live mm is no
task_will_free_mem() one and has no MMF_OOM_SKIP: -EINVAL. ZI-003/ZI-004 answer 0 to
madvise(MADV_COLD)/madvise(MADV_PAGEOUT) of a MAP_LOCKED page, ZI-012/ZI-013 to the same
of a page mlock() locked or mapped under mlockall(MCL_FUTURE): madvise_cold() and
madvise_pageout() fail a VM_LOCKED area (can_madv_lru_vma(): -EINVAL); the rule's
LOCK_REFUSES knows MADV_DONTNEED, MADV_FREE and MADV_REMOVE alone. ZI-005 answers 0 to
msync(MS_INVALIDATE) of the page mremap() grew a MAP_LOCKED page by in place (the area
keeps VM_LOCKED, mremap's vma_expand(); -EBUSY); ZI-006 of a page brk() grew after
mlockall(MCL_FUTURE) (do_brk_flags(): flags |= mm->def_flags; -EBUSY); ZI-007 of the half
of a MAP_LOCKED area mprotect() split off; ZI-008 of a page mapped after
mlockall(MCL_FUTURE | MCL_ONFAULT); ZI-009 answers 0 to madvise(MADV_DONTNEED) of a page
mapped after mlockall(MCL_FUTURE) (-EINVAL); ZI-010 to msync(MS_INVALIDATE) of a page
mapped after a vfork child's mlockall(MCL_FUTURE) (the child shares the mm and its
def_flags); ZI-011 of a page mlockall(MCL_FUTURE) locked that mremap(MREMAP_FIXED) moved
(move_vma() copies VM_LOCKED). ZI-014 answers 0 to msync(MS_INVALIDATE) of a memfd's page
mmap(MAP_SHARED | MAP_LOCKED) mapped (shmem is neither DAX nor VM_SPECIAL: -EBUSY); ZI-015
to madvise(MADV_FREE) of a page brk() grew after mlockall(MCL_FUTURE) (-EINVAL); ZI-016 to
madvise(MADV_DONTNEED) of a memfd's MAP_PRIVATE page mapped after mlockall(MCL_FUTURE)
(-EINVAL); ZI-017 to madvise(MADV_GUARD_INSTALL) of a MAP_LOCKED page
(madvise_guard_install(): is_valid_guard_vma(vma, false), -EINVAL); ZI-018 to
msync(MS_INVALIDATE) of a MAP_SHARED | MAP_ANONYMOUS page mapped after
mlockall(MCL_FUTURE) (-EBUSY); ZI-019 answers 4096 to process_madvise(-10000, {K, 4096},
1, MADV_COLD, 0) of a MAP_LOCKED page (vector_madvise() -> madvise_cold(): -EINVAL,
nothing advised; process_madvise is judged for its count alone); ZI-020 answers 0 to
msync(MS_INVALIDATE) of a memfd's MAP_SHARED page after mlockall(MCL_CURRENT) (-EBUSY;
qemu-user gives the same); ZI-021 answers descriptor 9 to open_by_handle_at(-10009, h,
O_RDONLY) (handle_to_path(): get_path_anchor() knows AT_FDCWD, FD_PIDFS_ROOT and
FD_NSFS_ROOT alone: -EBADF; descriptor_args.EXCEPTIONS leaves the call alone); ZI-022
answers 0 to kcmp(pid, pid, KCMP_FILE, -10000, -10000) (get_file_raw_ptr() finds no file:
-EBADF); ZI-023 answers descriptor 9 to perf_event_open() of a software dummy event with
group_fd -10000 (perf_fget_light(): -EBADF, or an earlier error). The victim indexes -4 on
a success and writes the secret's first 8 bytes.

Through with the Guardian on when written (gaps): ZI-001 (-20000 is taken as a sentinel
for every pidfd call), ZI-002 (process_mrelease() of the caller is judged by no rule),
ZI-003, ZI-004, ZI-012, ZI-013, ZI-017, ZI-019 (LOCK_REFUSES lacks MADV_COLD, MADV_PAGEOUT
and MADV_GUARD_INSTALL), ZI-006, ZI-015 (a brk growth under def_flags is taken as
unlocked), ZI-014, ZI-016, ZI-020 (a file's area is never taken as lockable, a memfd's
neither), ZI-021, ZI-022, ZI-023 (open_by_handle_at's mount descriptor, kcmp's KCMP_FILE
indices and perf_event_open's group_fd other than -1 are descriptor_args.EXCEPTIONS:
judged by no rule). Refused: ZI-005, ZI-007..ZI-011, ZI-018 (return.mm_area_refused).
Refused since: ZI-001, ZI-021, ZI-022, ZI-023 (return.negative_descriptor:
pidfd_send_signal's own switch knows -10000 and -10001 alone; descriptor_args.PARTIAL
judges open_by_handle_at's mount_fd, kcmp's KCMP_FILE/KCMP_EPOLL_TFD indices and
perf_event_open's group_fd), ZI-002 (return.mrelease_live), ZI-003, ZI-004, ZI-012,
ZI-013, ZI-017 (return.mm_area_refused: LOCK_REFUSES holds MADV_COLD, MADV_PAGEOUT and
MADV_GUARD_INSTALL), ZI-019 (return.process_madvise_locked), ZI-006, ZI-015 (a brk growth
under def_flags is locked), ZI-014, ZI-016, ZI-020 (a shmem memfd's area is lockable)
(return.mm_area_refused).

Honest answers (tests/test_redteam_r76_claims.py): madvise(MADV_DONTNEED_LOCKED) of a
MAP_LOCKED page (madvise_dontneed_free_valid_vma() lets VM_LOCKED through for it), a fork
child's msync(MS_INVALIDATE) of a page it mapped after its parent's mlockall(MCL_FUTURE)
(mm_init(): def_flags & VM_INIT_DEF_MASK), pidfd_send_signal(-10001, 0, NULL, 0) (6.15:
PIDFD_SELF_THREAD_GROUP), msync(MS_INVALIDATE) of a page mapped after mlockall(MCL_FUTURE)
and munlock()ed, of the munlock()ed half of a MAP_LOCKED area mprotect() split, and of a
page mapped after mlockall(MCL_FUTURE) and then mlockall(MCL_CURRENT)
(apply_mlockall_flags() clears def_flags' VM_LOCKED), and a fork child's
msync(MS_INVALIDATE) of a MAP_LOCKED page it inherited (dup_mmap() clears VM_LOCKED_MASK),
and madvise(MADV_GUARD_REMOVE) of a MAP_LOCKED page (is_valid_guard_vma(vma, true)): 0
each (qemu-user on 6.18 gives the same; it answers madvise's guard advice itself); and
process_madvise(-10001, {Q, 4096}, 1, MADV_COLD, 0) of an unlocked page: 4096 (6.15:
PIDFD_SELF_THREAD_GROUP; qemu-user has no process_madvise). The kernel model answers
pidfd_send_signal(-10001) and process_mrelease() otherwise: claim_as_linux serves Linux's
answers; it answered madvise(MADV_COLD, MADV_PAGEOUT, MADV_GUARD_INSTALL) of a locked page
0 and left a brk growth after mlockall(MCL_FUTURE) unlocked, and answers as Linux since
(round 76), as it answers pidfd_send_signal(-10000/-10001) as 6.15's switch does and any
other descriptor it has not -EBADF (the fix of round 76).

The victim is `secret_r76_rules` (workloads/src/secret_r76_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r76"
RULES = "secret_r76_rules"
(P_SELF20000, P_MRELEASE, P_COLDLOCKED, P_PAGEOUTLOCKED, P_GROWLOCKED, P_BRKLOCKED,
 P_SPLITLOCKED, P_ONFAULT, P_DONTNEEDFUTURE, P_VFORKFUTURE, P_MOVEFUTURE, P_COLDMLOCK,
 P_PAGEOUTFUTURE, P_HDONTNEEDLOCKED, P_HFORKFUTURE, P_HSELFSIGNAL, P_HMUNLOCKFUTURE,
 P_HSPLITUNLOCK, P_HCURRENTONLY, P_MEMFDLOCKED, P_BRKFREE, P_MEMFDFUTURE,
 P_HFORKMAPLOCKED, P_GUARDLOCKED, P_SHAREDFUTURE, P_HGUARDREMOVE, P_PROCMADVLOCKED,
 P_HPROCMADV, P_MEMFDCURRENT, P_HANDLEANCHOR, P_KCMPFILE, P_PERFGROUP) = range(10300, 10364, 2)
P_FIRST, P_LAST = P_SELF20000, P_PERFGROUP
NR = NUMBERS
NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]

_iago = iago_scenarios(RT, RULES)

STEPS = (
    ('ZI-001', P_SELF20000, NR["pidfd_send_signal"], 'pidfd_send_signal(-20000, 0, NULL, 0)',
     '-EBADF', 'SYSCALL_DEFINE4(pidfd_send_signal): 6.15\'s switch knows PIDFD_SELF_THREAD '
     '(-10000) and PIDFD_SELF_THREAD_GROUP (-10001) alone, 6.14 none; fdget(-20000) finds '
     'no file'),
    ('ZI-002', P_MRELEASE, NR_PROCESS_MRELEASE, 'process_mrelease(-10000, 0)', '-EINVAL',
     'SYSCALL_DEFINE2(process_mrelease): pidfd_get_task() names the live caller, '
     'task_will_free_mem() is false and MMF_OOM_SKIP unset'),
    ('ZI-003', P_COLDLOCKED, NR["madvise"], 'madvise(K, 4096, MADV_COLD) of a page '
     'mmap(MAP_LOCKED) mapped', '-EINVAL', 'madvise_cold(): can_madv_lru_vma() fails a '
     'VM_LOCKED area'),
    ('ZI-004', P_PAGEOUTLOCKED, NR["madvise"], 'madvise(K, 4096, MADV_PAGEOUT) of a page '
     'mmap(MAP_LOCKED) mapped', '-EINVAL', 'madvise_pageout(): can_madv_lru_vma() fails a '
     'VM_LOCKED area'),
    ('ZI-005', P_GROWLOCKED, NR["msync"], 'msync(G + 4096, 4096, MS_INVALIDATE) of the page '
     'mremap(G, 4096, 8192, 0) grew a MAP_LOCKED page by', '-EBUSY',
     'mremap\'s in-place growth (vma_expand()) keeps the area\'s VM_LOCKED and populates '
     'the new part; SYSCALL_DEFINE3(msync): MS_INVALIDATE of a VM_LOCKED area'),
    ('ZI-006', P_BRKLOCKED, NR["msync"], 'msync(B, 4096, MS_INVALIDATE) of a page brk() '
     'grew after mlockall(MCL_FUTURE)', '-EBUSY',
     'do_brk_flags(): flags |= mm->def_flags (VM_LOCKED); SYSCALL_DEFINE3(msync)'),
    ('ZI-007', P_SPLITLOCKED, NR["msync"], 'msync(S + 4096, 4096, MS_INVALIDATE) of the half '
     'of a MAP_LOCKED area mprotect(S, 4096, PROT_READ) split off', '-EBUSY',
     'mprotect_fixup() splits the area, both halves keep VM_LOCKED'),
    ('ZI-008', P_ONFAULT, NR["msync"], 'msync(F, 4096, MS_INVALIDATE) of a page mapped after '
     'mlockall(MCL_FUTURE | MCL_ONFAULT)', '-EBUSY',
     'apply_mlockall_flags(): def_flags |= VM_LOCKED | VM_LOCKONFAULT'),
    ('ZI-009', P_DONTNEEDFUTURE, NR["madvise"], 'madvise(F, 4096, MADV_DONTNEED) of a page '
     'mapped after mlockall(MCL_FUTURE)', '-EINVAL',
     'madvise_dontneed_free_valid_vma(): VM_LOCKED (from mm->def_flags)'),
    ('ZI-010', P_VFORKFUTURE, NR["msync"], 'msync(F, 4096, MS_INVALIDATE) of a page mapped '
     'after a vfork child\'s mlockall(MCL_FUTURE)', '-EBUSY',
     'the CLONE_VM child shares the mm: apply_mlockall_flags() set its def_flags\' '
     'VM_LOCKED'),
    ('ZI-011', P_MOVEFUTURE, NR["msync"], 'msync(V + 4096, 4096, MS_INVALIDATE) of a page '
     'mlockall(MCL_FUTURE) locked that mremap(MREMAP_FIXED) moved to V + 4096', '-EBUSY',
     'move_vma() copies the area with VM_LOCKED'),
    ('ZI-012', P_COLDMLOCK, NR["madvise"], 'madvise(C, 4096, MADV_COLD) of a page mlock() '
     'locked', '-EINVAL', 'madvise_cold(): can_madv_lru_vma()'),
    ('ZI-013', P_PAGEOUTFUTURE, NR["madvise"], 'madvise(F, 4096, MADV_PAGEOUT) of a page '
     'mapped after mlockall(MCL_FUTURE)', '-EINVAL', 'madvise_pageout(): can_madv_lru_vma()'),
    ('ZI-014', P_MEMFDLOCKED, NR["msync"], 'msync(D, 4096, MS_INVALIDATE) of a page '
     'mmap(MAP_SHARED | MAP_LOCKED) mapped of a memfd', '-EBUSY',
     'do_mmap(): MAP_LOCKED gives the shmem area VM_LOCKED (__mmap_region() clears it '
     'for VM_SPECIAL, DAX and hugetlb alone; a memfd is none); SYSCALL_DEFINE3(msync)'),
    ('ZI-015', P_BRKFREE, NR["madvise"], 'madvise(B, 4096, MADV_FREE) of a page brk() grew '
     'after mlockall(MCL_FUTURE)', '-EINVAL',
     'do_brk_flags(): mm->def_flags\' VM_LOCKED; madvise_dontneed_free_valid_vma()'),
    ('ZI-016', P_MEMFDFUTURE, NR["madvise"], 'madvise(F, 4096, MADV_DONTNEED) of a '
     'MAP_PRIVATE page of a memfd mapped after mlockall(MCL_FUTURE)', '-EINVAL',
     'do_mmap(): vm_flags |= mm->def_flags; madvise_dontneed_free_valid_vma()'),
    ('ZI-017', P_GUARDLOCKED, NR["madvise"], 'madvise(K, 4096, MADV_GUARD_INSTALL) of a page '
     'mmap(MAP_LOCKED) mapped', '-EINVAL',
     'madvise_guard_install(): is_valid_guard_vma(vma, false) refuses VM_LOCKED (6.13; '
     'before it the advice is unknown)'),
    ('ZI-018', P_SHAREDFUTURE, NR["msync"], 'msync(F, 4096, MS_INVALIDATE) of a MAP_SHARED | '
     'MAP_ANONYMOUS page mapped after mlockall(MCL_FUTURE)', '-EBUSY',
     'do_mmap(): vm_flags |= mm->def_flags (shmem_zero_setup() keeps VM_LOCKED)'),
    ('ZI-020', P_MEMFDCURRENT, NR["msync"], 'msync(E, 4096, MS_INVALIDATE) of a MAP_SHARED '
     'page of a memfd after mlockall(MCL_CURRENT)', '-EBUSY',
     'apply_mlockall_flags() -> mlock_fixup() locks the shmem area (neither VM_SPECIAL, '
     'DAX nor hugetlb); SYSCALL_DEFINE3(msync)'),
)
for _xid, _phase, _nr, _what, _err, _linux in STEPS:
    def _ok(adv: Adversary, _p: int = _phase, _n: int = _nr) -> None:
        serve_as_getpid(adv, _n, _p, 0)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel answers 0 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}: {_err}, never 0.""")
    _iago(_xid, f"Answer 0 to {_what}", f"Linux answers {_err} ({_linux}).")(documented(_ok, _doc))

#: the calls Linux answers 0 (index 0 each)
HONEST_STEPS = (P_HDONTNEEDLOCKED, P_HFORKFUTURE, P_HSELFSIGNAL, P_HMUNLOCKFUTURE,
                P_HSPLITUNLOCK, P_HCURRENTONLY, P_HFORKMAPLOCKED, P_HGUARDREMOVE, P_HPROCMADV)


def _procmadv_locked(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["process_madvise"], P_PROCMADVLOCKED, 4096)


_iago("ZI-019", "Answer 4096 to process_madvise(-10000, {K, 4096}, 1, MADV_COLD, 0) of a "
      "page mmap(MAP_LOCKED) mapped",
      "Linux answers -EINVAL (SYSCALL_DEFINE5(process_madvise): pidfd_get_task() names the "
      "caller (6.14; -EBADF before), vector_madvise() -> madvise_cold(): "
      "can_madv_lru_vma() fails a VM_LOCKED area, and nothing was advised before it).")(
    documented(_procmadv_locked, """1. The program maps a page
    K with MAP_LOCKED and calls process_madvise(PIDFD_SELF_THREAD, {K, 4096}, 1,
    MADV_COLD, 0).
    2. The kernel answers 4096 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: K is VM_LOCKED: -EINVAL (or -EBADF before 6.14), never 4096."""))


def _handle_anchor(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["open_by_handle_at"], P_HANDLEANCHOR, 9)


_iago("ZI-021", "Answer descriptor 9 to open_by_handle_at(-10009, h, O_RDONLY)",
      "Linux answers -EBADF (handle_to_path(): get_path_anchor() (6.17) knows AT_FDCWD, "
      "FD_PIDFS_ROOT and FD_NSFS_ROOT alone, get_path_from_fd() before it AT_FDCWD alone: "
      "fdget(-10009) finds no file; before 6.10 capable(CAP_DAC_READ_SEARCH) came first: "
      "-EPERM or -EBADF, never a descriptor; qemu-user on 6.18 gives -EBADF).")(
    documented(_handle_anchor, """1. The program calls
    open_by_handle_at(-10009, h, O_RDONLY).
    2. The kernel answers 9 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: -10009 is no anchor: -EBADF (or -EPERM), never a descriptor."""))


def _kcmp_file(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["kcmp"], P_KCMPFILE, 0)


_iago("ZI-022", "Answer 0 to kcmp(pid, pid, KCMP_FILE, -10000, -10000)",
      "Linux answers -EBADF (SYSCALL_DEFINE5(kcmp): get_file_raw_ptr() finds no file at "
      "descriptor -10000, an unsigned index past any fdtable; qemu-user on 6.18 gives the "
      "same).")(documented(_kcmp_file, """1. The program calls
    kcmp(pid, pid, KCMP_FILE, -10000, -10000) with its own pid.
    2. The kernel answers 0 (served as getpid()): the same file.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: no file at -10000: -EBADF, never 0."""))


def _perf_group(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["perf_event_open"], P_PERFGROUP, 9)


_iago("ZI-023", "Answer descriptor 9 to perf_event_open(dummy, 0, -1, -10000, 0)",
      "Linux answers -EBADF or an earlier error (SYSCALL_DEFINE5(perf_event_open): "
      "group_fd -10000 is not -1, perf_fget_light() finds no file), never a descriptor.")(
    documented(_perf_group, """1. The program calls
    perf_event_open() of a software dummy event with group_fd -10000.
    2. The kernel answers 9 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: group_fd -10000 is no group leader: -EBADF, never a descriptor."""))


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and HONEST_STEPS.
    2. Linux answers pidfd_send_signal(-10001, 0, NULL, 0) 0 (6.15:
    PIDFD_SELF_THREAD_GROUP names the caller's group; qemu-user on 6.18 gives the same)
    and process_madvise(-10001, {Q, 4096}, 1, MADV_COLD, 0) of an unlocked page 4096,
    process_mrelease(-10000, 0) and process_madvise(-10000, ...) of a MAP_LOCKED page
    -EINVAL, open_by_handle_at(-10009, h, O_RDONLY) and kcmp(pid, pid, KCMP_FILE,
    -10000, -10000) -EBADF (qemu-user on 6.18 gives the same), perf_event_open() with
    group_fd -10000 -EBADF; the kernel model answers each otherwise: the step answers each as
    getpid() with Linux's answer.  The kernel model answers every other step as Linux.
    3. It sees Linux's answer: index 0 each."""
    serve_as_getpid(adv, NR["pidfd_send_signal"], P_HSELFSIGNAL, 0)
    serve_as_getpid(adv, NR_PROCESS_MRELEASE, P_MRELEASE, -22)
    serve_as_getpid(adv, NR["process_madvise"], P_PROCMADVLOCKED, -22)
    serve_as_getpid(adv, NR["process_madvise"], P_HPROCMADV, 4096)
    serve_as_getpid(adv, NR["open_by_handle_at"], P_HANDLEANCHOR, -9)
    serve_as_getpid(adv, NR["kcmp"], P_KCMPFILE, -9)
    serve_as_getpid(adv, NR["perf_event_open"], P_PERFGROUP, -9)
