"""Red-team round seventy-four: memory calls Linux fails for their arguments that
return.mm_args_refused (guardian/refused_args.py) does not judge, and calls on a negative
descriptor, or with a relative name at one, that return.negative_descriptor does not judge.

ZC-001..ZC-008 answer 0 to a memory call Linux fails for its arguments whatever the
program's areas: madvise() with advice 77 (no 6.x version knows it), madvise(),
msync(), mlock(), munlock(), mincore() and munmap() of P with length -8192 (the range
wraps), and mlock2() with flag 2 (not MLOCK_ONFAULT).  ZC-009..ZC-015 answer 0 to
faccessat(), newfstatat(), mkdirat(), unlinkat(), fchmodat(), utimensat() and
readlinkat() of a relative name at dfd -5 (path_init(): fdget(-5) finds no file, as for
openat(), which return.negative_descriptor judges); ZC-016..ZC-022 answer 0 to
preadv2(), pwritev2(), epoll_ctl(), copy_file_range(), sendfile() (in_fd),
pidfd_send_signal() and timerfd_gettime() of descriptor -1 (-EBADF: fdget(-1)).
ZC-023..ZC-031 answer 0 to openat2(), statx(), fchownat(), mknodat(), symlinkat(),
linkat(), renameat2(), name_to_handle_at() and faccessat2() of a relative name at dfd -5;
ZC-032..ZC-042 answer 0 to vmsplice(), splice(), tee(), epoll_pwait(),
process_madvise(), pidfd_getfd(), setns(), recvmmsg(), sendmmsg(), utimensat(-1, NULL)
and mq_getsetattr() of descriptor -1 (-EBADF each).  ZC-043..ZC-049 answer 0 to memory
calls the areas' state fails: msync(MS_INVALIDATE) (-EBUSY) and madvise(MADV_DONTNEED)
(-EINVAL) of a page mlock() locked, madvise(MADV_FREE) of a MAP_SHARED anonymous page
(-EINVAL), and madvise(MADV_WILLNEED), mlock(), msync() and mincore() of a page munmap()
unmapped (-ENOMEM each).
The victim indexes -4 on a success and writes the secret's first 8 bytes.

Through with the Guardian on when written (gaps): every scenario but ZC-004, ZC-007,
ZC-010, ZC-016, ZC-017, ZC-019, ZC-022, ZC-024, ZC-030, ZC-034, ZC-041, ZC-042, ZC-044 and
ZC-049, which rules written before refuse (abi/value_ranges for mlock2()'s flag, the
rules of each call's own result and of the Guardian's record of areas):
refused_args.mm_refused() checks no advice value and no wrapping length but mprotect()'s
and no area's state; check_fd() judges openat()'s name alone and a fixed list of
descriptor calls.
Refused since (return.mm_args_refused: madvise_behavior_valid(), a wrapping range):
ZC-001, ZC-002, ZC-003, ZC-005, ZC-006, ZC-008; (return.negative_descriptor over every
descriptor and dfd argument of the syscall table, guardian/descriptor_args.py): ZC-009,
ZC-011..ZC-015, ZC-018, ZC-020, ZC-021, ZC-023, ZC-025..ZC-029, ZC-031..ZC-033,
ZC-035..ZC-040; (return.mm_area_refused, guardian/area_state.py: the Guardian's records
of holes, locked ranges and MAP_SHARED areas): ZC-043, ZC-045..ZC-048.

Honest answers (tests/test_redteam_r74_claims.py): each step above answered as Linux
(index 0; mlock(P, -8192) any error).  The kernel model answered madvise() with advice
77 0, msync(P, -8192) 0, munlock(P, -8192) -ENOMEM and fchownat() of a relative name at dfd
-5 0; it answers as Linux since.  It
answers openat2(), mknodat() and name_to_handle_at() at dfd -5, vmsplice(),
process_madvise(), pidfd_getfd(), setns() and mq_getsetattr() of descriptor -1 with another
error than -EBADF, and mknodat(AT_FDCWD, "/dev/null", S_IFIFO|0600) with another than
-EEXIST (claim_model_errors answers those as getpid() with Linux's error).

A false refusal when written (xfail): fchownat(AT_FDCWD, "/dev/null", -1, -1, 0) answers
0 on Linux (chown_common() with no owner and no group to set; qemu-user gives the same),
and fchownat(-5, "dev/null", -1, -1, 0) -EBADF; guardian/capabilities.py gives the kernel
no capability for fchownat()'s name, so with the Guardian on the kernel cannot read it and
both answer -EFAULT (the kernel model answers them as Linux without the Guardian); the
Guardian grants fchownat()'s name since.
msync() and madvise() with an int argument whose register has bit 32 set (MS_SYNC,
MADV_WILLNEED), close() and fcntl(F_GETFD) of a descriptor
whose register has bit 32 set answer 0 (SYSCALL_DEFINEn casts the register), and so do
openat() and newfstatat() of "." at dfd 0xffffff9c (AT_FDCWD zero-extended).
qemu-user answers madvise() with advice 77, MADV_FREE of a shared page and MADV_WILLNEED
of a hole 0 (it passes to the host no advice it may ignore), not Linux.  The kernel model
answered msync(MS_INVALIDATE) of a locked page, madvise() and msync() of a hole 0; it
answers -EBUSY and -ENOMEM since.

The victim is `secret_r74_rules` (workloads/src/secret_r74_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r74"
RULES = "secret_r74_rules"
(P_ADVBAD, P_ADVWRAP, P_SYNCWRAP, P_LOCK2FLAG, P_LOCKWRAP, P_UNLOCKWRAP, P_COREWRAP, P_UNMAPWRAP, P_RELACCESS, P_RELSTAT, P_RELMKDIR, P_RELUNLINK, P_RELCHMOD, P_RELUTIME, P_RELREADLINK, P_BADPREADV2, P_BADPWRITEV2, P_BADEPOLLCTL, P_BADCOPYRANGE, P_BADSENDFILE, P_BADPIDFDSIG, P_BADTIMERFD,
 P_RELOPENAT2, P_RELSTATX, P_RELCHOWN, P_RELMKNOD, P_RELSYMLINK, P_RELLINK, P_RELRENAME, P_RELHANDLE, P_RELACCESS2, P_BADVMSPLICE, P_BADSPLICE, P_BADTEE, P_BADEPOLLWAIT, P_BADPMADVISE, P_BADGETFD, P_BADSETNS, P_BADRECVMMSG, P_BADSENDMMSG, P_BADFUTIMENS, P_BADMQ, P_CHOWNOK,
 P_MKNODEXIST, P_INVLOCKED, P_DONTNEEDLOCKED, P_FREESHARED, P_HOLEADVISE, P_HOLEMLOCK, P_HOLEMSYNC, P_HOLEMINCORE, P_WIDELOCK2, P_WIDESYNC, P_WIDEADVISE, P_WIDECLOSE,
 P_WIDEFCNTL, P_WIDECWDOPEN, P_WIDECWDSTAT) = range(9700, 9816, 2)
P_FIRST, P_LAST = P_ADVBAD, P_WIDECWDSTAT
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)

#: the round's open gaps: every scenario when written but those refused already; none since
_GAPS: dict[str, str | None] = {}

STEPS = (
        ('ZC-001', P_ADVBAD, 'madvise', 'madvise(P, 4096, 77)',
         '-EINVAL',
         'do_madvise(): madvise_behavior_valid() knows no advice 77 in any 6.x version (qemu-user answers 0: it ignores advice)'),
        ('ZC-002', P_ADVWRAP, 'madvise', 'madvise(P, -8192, MADV_NORMAL)',
         '-EINVAL',
         'do_madvise(): end = start + PAGE_ALIGN(len) < start'),
        ('ZC-003', P_SYNCWRAP, 'msync', 'msync(P, -8192, MS_SYNC)',
         '-ENOMEM',
         'SYSCALL_DEFINE3(msync): end < start (qemu-user gives the same)'),
        ('ZC-004', P_LOCK2FLAG, 'mlock2', 'mlock2(P, 4096, 2)',
         '-EINVAL',
         'SYSCALL_DEFINE3(mlock2): flags & ~MLOCK_ONFAULT'),
        ('ZC-005', P_LOCKWRAP, 'mlock', 'mlock(P, -8192)',
         '-ENOMEM or -EINVAL',
         'do_mlock(): the length is past RLIMIT_MEMLOCK (-ENOMEM) or, with CAP_IPC_LOCK, apply_vma_lock_flags(): end < start (-EINVAL)'),
        ('ZC-006', P_UNLOCKWRAP, 'munlock', 'munlock(P, -8192)',
         '-EINVAL',
         'SYSCALL_DEFINE2(munlock) -> apply_vma_lock_flags(): end < start (qemu-user gives the same)'),
        ('ZC-007', P_COREWRAP, 'mincore', 'mincore(P, -8192, vec)',
         '-ENOMEM',
         'SYSCALL_DEFINE3(mincore): access_ok() fails for a length past TASK_SIZE (qemu-user gives the same)'),
        ('ZC-008', P_UNMAPWRAP, 'munmap', 'munmap(P, -8192)',
         '-EINVAL',
         'do_vmi_munmap(): len > TASK_SIZE - start (qemu-user gives the same)'),
        ('ZC-009', P_RELACCESS, 'faccessat', 'faccessat(-5, "dev/null", R_OK)',
         '-EBADF',
         'do_faccessat() -> user_path_at() -> path_init(): fdget(-5) finds no file (qemu-user gives the same)'),
        ('ZC-010', P_RELSTAT, 'newfstatat', 'newfstatat(-5, "dev/null", buf, 0)',
         '-EBADF',
         'vfs_fstatat() -> filename_lookup() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-011', P_RELMKDIR, 'mkdirat', 'mkdirat(-5, "r74dir", 0700)',
         '-EBADF',
         'do_mkdirat() -> filename_create() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-012', P_RELUNLINK, 'unlinkat', 'unlinkat(-5, "r74x", 0)',
         '-EBADF',
         'do_unlinkat() -> filename_parentat() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-013', P_RELCHMOD, 'fchmodat', 'fchmodat(-5, "dev/null", 0600)',
         '-EBADF',
         'do_fchmodat() -> user_path_at() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-014', P_RELUTIME, 'utimensat', 'utimensat(-5, "dev/null", NULL, 0)',
         '-EBADF',
         'do_utimes_path() -> user_path_at() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-015', P_RELREADLINK, 'readlinkat', 'readlinkat(-5, "r74x", buf, 16)',
         '-EBADF',
         'do_readlinkat() -> user_path_at_empty() -> path_init(): fdget(-5) (qemu-user gives the same)'),
        ('ZC-016', P_BADPREADV2, 'preadv2', 'preadv2(-1, iov, 1, 0, 0)',
         '-EBADF',
         'do_preadv() -> fdget(-1) finds no file'),
        ('ZC-017', P_BADPWRITEV2, 'pwritev2', 'pwritev2(-1, iov, 1, 0, 0)',
         '-EBADF',
         'do_pwritev() -> fdget(-1) finds no file'),
        ('ZC-018', P_BADEPOLLCTL, 'epoll_ctl', 'epoll_ctl(-1, EPOLL_CTL_DEL, 0, NULL)',
         '-EBADF',
         'do_epoll_ctl(): fdget(-1) finds no file (qemu-user gives the same)'),
        ('ZC-019', P_BADCOPYRANGE, 'copy_file_range', 'copy_file_range(-1, NULL, D, NULL, 0, 0)',
         '-EBADF',
         'SYSCALL_DEFINE6(copy_file_range): fdget(fd_in -1) finds no file (qemu-user gives the same)'),
        ('ZC-020', P_BADSENDFILE, 'sendfile', 'sendfile(D, -1, NULL, 1)',
         '-EBADF',
         'do_sendfile(): fdget(in_fd -1) finds no file (qemu-user gives the same)'),
        ('ZC-021', P_BADPIDFDSIG, 'pidfd_send_signal', 'pidfd_send_signal(-1, 0, NULL, 0)',
         '-EBADF',
         'SYSCALL_DEFINE4(pidfd_send_signal): fdget(-1) finds no file (qemu-user gives the same)'),
        ('ZC-022', P_BADTIMERFD, 'timerfd_gettime', 'timerfd_gettime(-1, buf)',
         '-EBADF',
         'do_timerfd_gettime() -> timerfd_fget(): fdget(-1) finds no file (qemu-user gives the same)'),
        ('ZC-023', P_RELOPENAT2, 'openat2', 'openat2(-5, "dev/null", how, 24)',
         '-EBADF',
         'do_sys_openat2() -> path_init(): fdget(-5) finds no file'),
        ('ZC-024', P_RELSTATX, 'statx', 'statx(-5, "dev/null", 0, STATX_BASIC_STATS, buf)',
         '-EBADF',
         'do_statx() -> vfs_statx() -> path_init(): fdget(-5)'),
        ('ZC-025', P_RELCHOWN, 'fchownat', 'fchownat(-5, "dev/null", -1, -1, 0)',
         '-EBADF',
         'do_fchownat() -> user_path_at() -> path_init(): fdget(-5)'),
        ('ZC-026', P_RELMKNOD, 'mknodat', 'mknodat(-5, "r74n", S_IFIFO|0600, 0)',
         '-EBADF',
         'do_mknodat() -> filename_create() -> path_init(): fdget(-5)'),
        ('ZC-027', P_RELSYMLINK, 'symlinkat', 'symlinkat("x", -5, "r74l")',
         '-EBADF',
         'do_symlinkat() -> filename_create() -> path_init(): fdget(-5)'),
        ('ZC-028', P_RELLINK, 'linkat', 'linkat(-5, "r74a", -5, "r74b", 0)',
         '-EBADF',
         'do_linkat() -> filename_lookup() -> path_init(): fdget(-5)'),
        ('ZC-029', P_RELRENAME, 'renameat2', 'renameat2(-5, "r74a", -5, "r74b", 0)',
         '-EBADF',
         'do_renameat2() -> filename_parentat() -> path_init(): fdget(-5)'),
        ('ZC-030', P_RELHANDLE, 'name_to_handle_at', 'name_to_handle_at(-5, "dev/null", handle, &mnt, 0)',
         '-EBADF',
         'SYSCALL_DEFINE5(name_to_handle_at) -> user_path_at() -> path_init(): fdget(-5)'),
        ('ZC-031', P_RELACCESS2, 'faccessat2', 'faccessat2(-5, "dev/null", R_OK, 0)',
         '-EBADF',
         'do_faccessat() -> user_path_at() -> path_init(): fdget(-5)'),
        ('ZC-032', P_BADVMSPLICE, 'vmsplice', 'vmsplice(-1, iov, 1, 0)',
         '-EBADF',
         'SYSCALL_DEFINE4(vmsplice): fdget(-1) finds no file'),
        ('ZC-033', P_BADSPLICE, 'splice', 'splice(-1, NULL, D, NULL, 1, 0)',
         '-EBADF',
         'SYSCALL_DEFINE6(splice): fdget(fd_in -1) finds no file'),
        ('ZC-034', P_BADTEE, 'tee', 'tee(-1, D, 1, 0)',
         '-EBADF',
         'SYSCALL_DEFINE4(tee): fdget(-1) finds no file'),
        ('ZC-035', P_BADEPOLLWAIT, 'epoll_pwait', 'epoll_pwait(-1, events, 1, 0, NULL, 8)',
         '-EBADF',
         'do_epoll_wait(): fdget(-1) finds no file'),
        ('ZC-036', P_BADPMADVISE, 'process_madvise', 'process_madvise(-1, iov, 1, MADV_COLD, 0)',
         '-EBADF',
         'SYSCALL_DEFINE5(process_madvise) -> pidfd_get_pid(): fdget(-1) finds no file'),
        ('ZC-037', P_BADGETFD, 'pidfd_getfd', 'pidfd_getfd(-1, 0, 0)',
         '-EBADF',
         'SYSCALL_DEFINE3(pidfd_getfd): fdget(-1) finds no file'),
        ('ZC-038', P_BADSETNS, 'setns', 'setns(-1, 0)',
         '-EBADF',
         'SYSCALL_DEFINE2(setns): fdget(-1) finds no file'),
        ('ZC-039', P_BADRECVMMSG, 'recvmmsg', 'recvmmsg(-1, msgs, 1, 0, NULL)',
         '-EBADF',
         'do_recvmmsg(): sockfd_lookup_light(-1) finds no file'),
        ('ZC-040', P_BADSENDMMSG, 'sendmmsg', 'sendmmsg(-1, msgs, 1, 0)',
         '-EBADF',
         '__sys_sendmmsg(): sockfd_lookup_light(-1) finds no file'),
        ('ZC-041', P_BADFUTIMENS, 'utimensat', 'utimensat(-1, NULL, NULL, 0)',
         '-EBADF',
         'do_utimes() -> do_utimes_fd(): fdget(-1) finds no file'),
        ('ZC-042', P_BADMQ, 'mq_getsetattr', 'mq_getsetattr(-1, NULL, buf)',
         '-EBADF',
         'SYSCALL_DEFINE3(mq_getsetattr): fdget(-1) finds no file'),
        ('ZC-043', P_INVLOCKED, 'msync', 'msync(P, 4096, MS_INVALIDATE) of a page mlock() locked',
         '-EBUSY',
         'SYSCALL_DEFINE3(msync): (flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED)'),
        ('ZC-044', P_DONTNEEDLOCKED, 'madvise', 'madvise(P, 4096, MADV_DONTNEED) of a page mlock() locked',
         '-EINVAL',
         'madvise_dontneed_free_valid_vma(): VM_LOCKED'),
        ('ZC-045', P_FREESHARED, 'madvise', 'madvise(Q, 4096, MADV_FREE) of a MAP_SHARED anonymous page',
         '-EINVAL',
         'madvise_dontneed_free_valid_vma() / madvise_free_single_vma(): not a private anonymous area'),
        ('ZC-046', P_HOLEADVISE, 'madvise', 'madvise(H, 4096, MADV_WILLNEED) of a page munmap() unmapped',
         '-ENOMEM',
         'madvise_walk_vmas(): no area at H'),
        ('ZC-047', P_HOLEMLOCK, 'mlock', 'mlock(H, 4096) of a page munmap() unmapped',
         '-ENOMEM',
         'apply_vma_lock_flags(): vma_iter_load() finds no area'),
        ('ZC-048', P_HOLEMSYNC, 'msync', 'msync(H, 4096, MS_SYNC) of a page munmap() unmapped',
         '-ENOMEM',
         'SYSCALL_DEFINE3(msync): find_vma() finds no area at or after H, or one past it'),
        ('ZC-049', P_HOLEMINCORE, 'mincore', 'mincore(H, 4096, vec) of a page munmap() unmapped',
         '-ENOMEM',
         'do_mincore(): vma_lookup() finds no area'),
)
for _xid, _phase, _call, _what, _want, _linux in STEPS:
    def _ok(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel answers 0 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}: {_want}, never 0.""")
    _iago(_xid, f"Answer 0 to {_what}", f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_ok, _doc))


#: steps whose call the kernel model does not answer as Linux: (phase, call, errno)
MODEL_ERRORS: tuple[tuple[int, str, int], ...] = tuple(
    (phase, call, -9) for phase, call in (
        (P_RELOPENAT2, "openat2"), (P_RELMKNOD, "mknodat"),
        (P_RELHANDLE, "name_to_handle_at"), (P_BADVMSPLICE, "vmsplice"),
        (P_BADGETFD, "pidfd_getfd"), (P_BADSETNS, "setns"),
        (P_BADPMADVISE, "process_madvise"),
        (P_BADMQ, "mq_getsetattr"))) + ((P_MKNODEXIST, "mknodat", -17),)


def claim_model_errors(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of MODEL_ERRORS.
    2. Linux answers each with its error (see STEPS).  The kernel model answers
    otherwise: the step answers each as getpid() with Linux's error.
    3. It sees the error: index 0 each."""
    for phase, call, err in MODEL_ERRORS:
        serve_as_getpid(adv, NR[call], phase, err)
