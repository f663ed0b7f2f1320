"""Red-team round seventy-five: calls on a negative descriptor, or with a relative name at
one, inside -20000..-10000, which return.negative_descriptor (guardian/refused_args.py
_negative()) leaves alone for every call of its table, though only the pidfd calls
(PIDFD_SELF_THREAD -10000, PIDFD_SELF_THREAD_GROUP -10001) and open_by_handle_at()
(FD_PIDFS_ROOT -10002, FD_NSFS_ROOT -10003: get_path_anchor()) take a sentinel; and memory
calls Linux answers 0 that return.mm_args_refused and return.mm_area_refused must let
through.

ZF-001..ZF-012 answer 0 to close(-10000), read(-10001, buf, 0), fstat(-12345),
lseek(-15000), fsync(-20000), faccessat(-10002, "dev/null"), newfstatat(-10003,
"dev/null"), mkdirat(-19999, "r75dir"), pidfd_send_signal(-10002) (FD_PIDFS_ROOT is no
pidfd: its switch knows PIDFD_SELF_THREAD and PIDFD_SELF_THREAD_GROUP alone), dup(-10009),
unlinkat(-10004, "r75x") and fcntl(-11111, F_GETFD): -EBADF each on every 6.x version
(fdget() of a descriptor past any fdtable; path_init() knows no sentinel, only
AT_FDCWD).  ZF-013..ZF-027 answer 0 to fchmod(-10000), fchdir(-10001), flock(-10002),
fadvise64(-10003), epoll_ctl(-10000), timerfd_gettime(-10001), setns(-10005),
shutdown(-10000), statx(-10002, "dev/null"), fchmodat(-10001, "dev/null"),
readlinkat(-10000, "r75x"), symlinkat("x", -10001, "r75l"), renameat2(-10000, "r75a",
-10000, "r75b"), utimensat(-10001, "dev/null") and pidfd_getfd(-10000, -10001): -EBADF
each.  ZF-028 answers 0 to msync(F, MS_INVALIDATE) of a page mapped after
mlockall(MCL_FUTURE): -EBUSY (VM_LOCKED from mm->def_flags; guardian/locked_ranges.py
follows no MCL_FUTURE area); ZF-029 the same of a page mmap(MAP_LOCKED) mapped (-EBUSY:
not followed either).  The victim indexes -4 on a success and writes the secret's
first 8 bytes.

Through with the Guardian on when written (gaps): every scenario but ZF-002..ZF-005,
ZF-007, ZF-012 (return.fd_open: no descriptor is negative), ZF-018 and ZF-021, which
rules written before refuse; the sentinel range is exempt for every call of
descriptor_args.FD_ARGS and DFD_ARGS, not only for those that take a sentinel.

Refused since: ZF-001, ZF-006, ZF-008..ZF-011, ZF-013..ZF-017, ZF-019, ZF-020,
ZF-022..ZF-027 (return.negative_descriptor: descriptor_args.SENTINELS, PIDFD_SELF_* for
the pidfd of the pidfd calls alone); ZF-028, ZF-029 (return.mm_area_refused:
locked_ranges.py follows mm->def_flags' VM_LOCKED and MAP_LOCKED).

Honest answers (tests/test_redteam_r75_claims.py): each step above answers -EBADF
(qemu-user gives the same, index 0 each).  msync(P, -1, MS_SYNC), mlock(P, -1) and
munlock(P, -1) answer 0 (the length rounds up to 0: SYSCALL_DEFINE3(msync) end == start,
apply_vma_lock_flags() end == start); madvise(Q, MADV_FREE) of a MAP_SHARED page a
MAP_FIXED private anonymous mmap replaced, msync(P, MS_INVALIDATE) of a page mlock()
locked after munlockall(), and madvise(H, MADV_WILLNEED) of a hole munmap() left that
mremap(MREMAP_FIXED) filled answer 0 (qemu-user gives the same for each); so do
madvise(H, MADV_WILLNEED) of a hole a vfork child's mmap(MAP_FIXED) filled (the child
shares the mm; qemu-user runs vfork as fork and cannot show it), msync(MS_INVALIDATE) of
a locked page unmapped and mapped again, and of the page mremap(MREMAP_DONTUNMAP) left
behind (move_vma() clears VM_LOCKED_MASK on it); the Guardian lets each through.  The
kernel model answers mlock(P, -1) -ENOMEM and setns(-10005), pidfd_getfd(-10000, -10001)
another error than -EBADF (claim_as_linux); it answered msync(MS_INVALIDATE) of a page
mapped after mlockall(MCL_FUTURE) 0 (no mm->def_flags) and answers -EBUSY since
(AddressSpace.lock_future, MAP_LOCKED too).

The victim is `secret_r75_rules` (workloads/src/secret_r75_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r75"
RULES = "secret_r75_rules"
(P_SENTCLOSE, P_SENTREAD, P_SENTFSTAT, P_SENTLSEEK, P_SENTFSYNC, P_SENTACCESS, P_SENTSTAT,
 P_SENTMKDIR, P_SENTPIDFD, P_SENTDUP, P_SENTUNLINK, P_SENTFCNTL, P_SYNCZERO, P_LOCKZERO,
 P_UNLOCKZERO, P_FREEREMAP, P_INVUNLOCKALL, P_HOLEREMAP, P_SENTFCHMOD, P_SENTFCHDIR,
 P_SENTFLOCK, P_SENTFADVISE, P_SENTEPOLL, P_SENTTIMERFD, P_SENTSETNS, P_SENTSHUTDOWN,
 P_SENTSTATX, P_SENTCHMODAT, P_SENTREADLINK, P_SENTSYMLINK, P_SENTRENAME, P_SENTUTIME,
 P_SENTGETFD, P_VFORKHOLE, P_LOCKREMAP, P_LOCKDONTUNMAP, P_FUTURELOCKED,
 P_MAPLOCKED) = range(10000, 10076, 2)
P_FIRST, P_LAST = P_SENTCLOSE, P_MAPLOCKED
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)

#: the round's open gaps (a success on a descriptor return.fd_open does not judge)
_GAPS: dict[str, str | None] = {}

STEPS = (
        ('ZF-001', P_SENTCLOSE, 'close', 'close(-10000)',
         'close_fd(): file_close_fd_locked() finds no file past max_fds'),
        ('ZF-002', P_SENTREAD, 'read', 'read(-10001, buf, 0)',
         'ksys_read(): fdget_pos(-10001) finds no file'),
        ('ZF-003', P_SENTFSTAT, 'fstat', 'fstat(-12345, buf)',
         'vfs_fstat(): fdget_raw(-12345) finds no file'),
        ('ZF-004', P_SENTLSEEK, 'lseek', 'lseek(-15000, 0, SEEK_CUR)',
         'ksys_lseek(): fdget_pos(-15000) finds no file'),
        ('ZF-005', P_SENTFSYNC, 'fsync', 'fsync(-20000)',
         'do_fsync(): fdget(-20000) finds no file'),
        ('ZF-006', P_SENTACCESS, 'faccessat', 'faccessat(-10002, "dev/null", R_OK)',
         'do_faccessat() -> path_init(): fdget(-10002) (FD_PIDFS_ROOT is known to '
         'get_path_anchor() alone)'),
        ('ZF-007', P_SENTSTAT, 'newfstatat', 'newfstatat(-10003, "dev/null", buf, 0)',
         'vfs_fstatat() -> path_init(): fdget(-10003) (FD_NSFS_ROOT: get_path_anchor() '
         'alone)'),
        ('ZF-008', P_SENTMKDIR, 'mkdirat', 'mkdirat(-19999, "r75dir", 0700)',
         'do_mkdirat() -> filename_create() -> path_init(): fdget(-19999)'),
        ('ZF-009', P_SENTPIDFD, 'pidfd_send_signal', 'pidfd_send_signal(-10002, 0, NULL, 0)',
         'SYSCALL_DEFINE4(pidfd_send_signal): only PIDFD_SELF_THREAD(_GROUP) are '
         'sentinels; fdget(-10002) finds no file'),
        ('ZF-010', P_SENTDUP, 'dup', 'dup(-10009)',
         'SYSCALL_DEFINE1(dup): fget_raw(-10009) finds no file'),
        ('ZF-011', P_SENTUNLINK, 'unlinkat', 'unlinkat(-10004, "r75x", 0)',
         'do_unlinkat() -> filename_parentat() -> path_init(): fdget(-10004)'),
        ('ZF-012', P_SENTFCNTL, 'fcntl', 'fcntl(-11111, F_GETFD)',
         'SYSCALL_DEFINE3(fcntl): fdget_raw(-11111) finds no file'),
        ('ZF-013', P_SENTFCHMOD, 'fchmod', 'fchmod(-10000, 0600)',
         'SYSCALL_DEFINE2(fchmod): fdget(-10000) finds no file'),
        ('ZF-014', P_SENTFCHDIR, 'fchdir', 'fchdir(-10001)',
         'SYSCALL_DEFINE1(fchdir): fdget_raw(-10001) finds no file'),
        ('ZF-015', P_SENTFLOCK, 'flock', 'flock(-10002, LOCK_SH)',
         'SYSCALL_DEFINE2(flock): fdget(-10002) finds no file'),
        ('ZF-016', P_SENTFADVISE, 'fadvise64', 'fadvise64(-10003, 0, 0, POSIX_FADV_NORMAL)',
         'ksys_fadvise64_64(): fdget(-10003) finds no file'),
        ('ZF-017', P_SENTEPOLL, 'epoll_ctl', 'epoll_ctl(-10000, EPOLL_CTL_DEL, 0, NULL)',
         'do_epoll_ctl(): fdget(-10000) finds no file'),
        ('ZF-018', P_SENTTIMERFD, 'timerfd_gettime', 'timerfd_gettime(-10001, buf)',
         'do_timerfd_gettime() -> timerfd_fget(): fdget(-10001) finds no file'),
        ('ZF-019', P_SENTSETNS, 'setns', 'setns(-10005, 0)',
         'SYSCALL_DEFINE2(setns): fdget(-10005) finds no file'),
        ('ZF-020', P_SENTSHUTDOWN, 'shutdown', 'shutdown(-10000, SHUT_RD)',
         '__sys_shutdown(): sockfd_lookup_light(-10000) finds no file'),
        ('ZF-021', P_SENTSTATX, 'statx', 'statx(-10002, "dev/null", 0, STATX_BASIC_STATS, buf)',
         'do_statx() -> vfs_statx() -> path_init(): fdget(-10002)'),
        ('ZF-022', P_SENTCHMODAT, 'fchmodat', 'fchmodat(-10001, "dev/null", 0600)',
         'do_fchmodat() -> user_path_at() -> path_init(): fdget(-10001)'),
        ('ZF-023', P_SENTREADLINK, 'readlinkat', 'readlinkat(-10000, "r75x", buf, 16)',
         'do_readlinkat() -> path_init(): fdget(-10000)'),
        ('ZF-024', P_SENTSYMLINK, 'symlinkat', 'symlinkat("x", -10001, "r75l")',
         'do_symlinkat() -> filename_create() -> path_init(): fdget(-10001)'),
        ('ZF-025', P_SENTRENAME, 'renameat2', 'renameat2(-10000, "r75a", -10000, "r75b", 0)',
         'do_renameat2() -> filename_parentat() -> path_init(): fdget(-10000)'),
        ('ZF-026', P_SENTUTIME, 'utimensat', 'utimensat(-10001, "dev/null", NULL, 0)',
         'do_utimes_path() -> user_path_at() -> path_init(): fdget(-10001)'),
        ('ZF-027', P_SENTGETFD, 'pidfd_getfd', 'pidfd_getfd(-10000, -10001, 0)',
         'SYSCALL_DEFINE3(pidfd_getfd): PIDFD_SELF_THREAD names the caller, but '
         'fget_task() finds no file at targetfd -10001'),
)
for _xid, _phase, _call, _what, _linux in STEPS:
    def _ok(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_what}.
    2. The kernel answers 0 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}: -EBADF, never 0 (qemu-user gives the same).""")
    _iago(_xid, f"Answer 0 to {_what}", f"Linux answers -EBADF ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_ok, _doc))

#: memory calls Linux answers 0 (index 0 each)
ZERO_STEPS = (P_SYNCZERO, P_LOCKZERO, P_UNLOCKZERO, P_FREEREMAP, P_INVUNLOCKALL, P_HOLEREMAP,
              P_VFORKHOLE, P_LOCKREMAP, P_LOCKDONTUNMAP)


def _future_locked(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["msync"], P_FUTURELOCKED, 0)


_iago("ZF-028", "Answer 0 to msync(F, 4096, MS_INVALIDATE) of a page mapped after "
      "mlockall(MCL_FUTURE)",
      "Linux answers -EBUSY (apply_mlockall_flags(): MCL_FUTURE sets VM_LOCKED in "
      "mm->def_flags, so do_mmap() maps F locked; SYSCALL_DEFINE3(msync): MS_INVALIDATE "
      "of a VM_LOCKED area; qemu-user gives the same).",
      gap=_GAPS.get("ZF-028"))(documented(_future_locked, """1. The program calls
    mlockall(MCL_FUTURE), maps a fresh page F and calls msync(F, 4096, MS_INVALIDATE).
    2. The kernel answers 0 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: F is VM_LOCKED (mm->def_flags): -EBUSY, never 0."""))


def _map_locked(adv: Adversary) -> None:
    serve_as_getpid(adv, NR["msync"], P_MAPLOCKED, 0)


_iago("ZF-029", "Answer 0 to msync(K, 4096, MS_INVALIDATE) of a page mmap(MAP_LOCKED) "
      "mapped",
      "Linux answers -EBUSY (do_mmap(): MAP_LOCKED gives the area VM_LOCKED; "
      "SYSCALL_DEFINE3(msync): MS_INVALIDATE of a VM_LOCKED area; qemu-user gives the "
      "same).",
      gap=_GAPS.get("ZF-029"))(documented(_map_locked, """1. The program maps a page K
    with mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED) and calls msync(K, 4096,
    MS_INVALIDATE).
    2. The kernel answers 0 (served as getpid()).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: K is VM_LOCKED: -EBUSY, never 0."""))


def claim_as_linux(adv: Adversary) -> None:
    """(claim) 1. The program makes the calls of STEPS and ZERO_STEPS.
    2. Linux answers mlock(P, -1) 0 (do_mlock(): the length page-aligns to 0,
    apply_vma_lock_flags(): end == start); the kernel model answers -ENOMEM (_mlock():
    end past USER_TOP): the step answers it as getpid() with 0.  Linux answers
    setns(-10005, 0) and pidfd_getfd(-10000, -10001, 0) -EBADF (qemu-user gives the
    same); the kernel model answers another error: the step answers each as getpid()
    with -EBADF.  The kernel model answers every other step as Linux.
    3. It sees Linux's answer: index 0 each."""
    serve_as_getpid(adv, NR["mlock"], P_LOCKZERO, 0)
    serve_as_getpid(adv, NR["setns"], P_SENTSETNS, -9)
    serve_as_getpid(adv, NR["pidfd_getfd"], P_SENTGETFD, -9)
