"""Arguments with which a granted call fails before it touches its output buffer.

`cut.answer_stores` (answer_stores.py) reads a call's answer as what it stored: an
-errno as nothing (but -EFAULT, which may follow a partial copy), a count as that many
bytes.  Where the call's registers alone fail Linux's first argument test, no answer
the kernel gives can mean a store: Linux answered -EINVAL (or -ENOSYS) before any
copy_to_user()/put_user() and before any access to the buffer that could fault, so a
success, a count or an -EFAULT is as empty as the error.  Each test is one the syscall
makes on its registers before anything that depends on the task's state, so another
thread or process cannot make the call get past it.
"""

from __future__ import annotations

from collections.abc import Sequence

from abi.syscalls import NUMBERS
from guardian.futex_caps import FUTEX_CMD_MASK, FUTEX_PRIVATE_FLAG, FUTEX_WAKE_OP

_N = NUMBERS
_NR_CLOCKS = frozenset({_N["clock_gettime"], _N["clock_getres"]})
_NR_GETRANDOM, _NR_FUTEX = _N["getrandom"], _N["futex"]
#: getitimer, setitimer: `which` first (do_getitimer(), do_setitimer())
_NR_ITIMERS = frozenset({_N["getitimer"], _N["setitimer"]})
_NR_SIGPENDING = _N["rt_sigpending"]
_NR_SIGSET_EXACT = frozenset({_N["rt_sigaction"], _N["rt_sigprocmask"],
                              _N["rt_sigtimedwait"]})
_NR_SOCKETPAIR, _NR_TIMER_CREATE = _N["socketpair"], _N["timer_create"]
_NR_CLOCK_NANOSLEEP, _NR_SPLICE, _NR_PPOLL = _N["clock_nanosleep"], _N["splice"], _N["ppoll"]
_NR_PREADV2 = _N["preadv2"]
_NR_SCHED_GETATTR, _NR_MSGRCV, _NR_GET_MEMPOLICY = (
    _N["sched_getattr"], _N["msgrcv"], _N["get_mempolicy"])
_NR_GETGROUPS, _NR_GETRUSAGE, _NR_PIPE2 = _N["getgroups"], _N["getrusage"], _N["pipe2"]
_NR_AFFINITY, _NR_GETCWD, _NR_VM_READV = (
    _N["sched_getaffinity"], _N["getcwd"], _N["process_vm_readv"])
_NR_GETDENTS, _NR_READLINK, _NR_WAIT4, _NR_STATX = (
    _N["getdents64"], _N["readlinkat"], _N["wait4"], _N["statx"])
_NR_POSIX_TIMERS = frozenset({_N["timer_gettime"], _N["timer_settime"]})
_NR_TFD_SETTIME, _NR_COPY_RANGE, _NR_GETRLIMIT = (
    _N["timerfd_settime"], _N["copy_file_range"], _N["getrlimit"])
_NR_EPOLL_PWAITS = frozenset({_N["epoll_pwait"], _N["epoll_pwait2"]})
_NR_ACCEPT4, _NR_PSELECT6 = _N["accept4"], _N["pselect6"]
_NR_NEWFSTATAT, _NR_TIMER_SETTIME = _N["newfstatat"], _N["timer_settime"]
#: the calls round 89b named (`_fails_first_r89`)
_R89_CALLS = _NR_POSIX_TIMERS | _NR_EPOLL_PWAITS | {
    _NR_GETDENTS, _NR_READLINK, _NR_WAIT4, _NR_STATX, _NR_TFD_SETTIME, _NR_COPY_RANGE,
    _NR_GETRLIMIT, _NR_ACCEPT4, _NR_PSELECT6, _NR_NEWFSTATAT}
#: calls tested here whose grants no register sizes ("anywhere"): answer_stores.py
#: judges them only by this test
UNSIZED = frozenset({_NR_SCHED_GETATTR, _NR_MSGRCV, _NR_GET_MEMPOLICY})
#: the calls `fails_first` has a test for
CALLS = _NR_CLOCKS | _NR_SIGSET_EXACT | UNSIZED | _NR_ITIMERS | _R89_CALLS | {
    _NR_GETRANDOM, _NR_FUTEX, _NR_SIGPENDING, _NR_SOCKETPAIR,
    _NR_TIMER_CREATE, _NR_CLOCK_NANOSLEEP, _NR_SPLICE, _NR_PPOLL, _NR_PREADV2,
    _NR_GETGROUPS, _NR_GETRUSAGE, _NR_PIPE2, _NR_AFFINITY, _NR_GETCWD, _NR_VM_READV}
#: posix_clocks[] (kernel/time/posix-timers.c) holds CLOCK_REALTIME..CLOCK_TAI but
#: CLOCK_SGI_CYCLE (10), and from 6.17 (CONFIG_POSIX_AUX_CLOCKS) CLOCK_AUX..CLOCK_AUX_LAST
#: (MAX_CLOCKS 16 .. 23: clock_aux, which reads and stores an enabled auxiliary clock)
_NO_CLOCK = frozenset({10, 12, 13, 14, 15})
_PAST_AUX_CLOCKS = 24                   # CLOCK_AUX_LAST + 1
#: GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE; GRND_RANDOM with GRND_INSECURE
_GRND_ALL, _GRND_BOTH = 0x7, 0x6
_SIGSET = 8                             # sizeof(sigset_t) on arm64
_WAKE_OP_XOR = 4                        # FUTEX_OP_XOR, the last op arm64 knows
#: SOCK_TYPE_MASK; SOCK_CLOEXEC (O_CLOEXEC) | SOCK_NONBLOCK (O_NONBLOCK) on arm64
_SOCK_TYPE_MASK, _SOCK_FLAGS = 0xF, 0o2000000 | 0o4000
_MAX_CLOCKS = 16
#: posix_clocks[]'s entries with no ->timer_create: clock_monotonic_raw (4),
#: clock_realtime_coarse (5), clock_monotonic_coarse (6) -- every 6.x
_NO_TIMER = _NO_CLOCK | {4, 5, 6}
#: ... and with no ->nsleep: those and clock_thread (CLOCK_THREAD_CPUTIME_ID, 3)
_NO_NSLEEP = _NO_TIMER | {3}
#: clockid_to_kclock(): a negative id whose CLOCKFD_MASK bits are CLOCKFD is
#: clock_posix_dynamic (kernel/time/posix-clock.c: no ->timer_create, no ->nsleep)
_CLOCKFD_MASK, _CLOCKFD = 7, 3
_SPLICE_F_ALL = 0xF                     # MOVE | NONBLOCK | MORE | GIFT
#: RWF_HIPRI .. RWF_NOSIGNAL: every flag a 6.1 .. 6.18 kernel knows (RWF_SUPPORTED of
#: the newest; an older one knows fewer -- not judged, the version is not known)
_RWF_ALL = 0x1FF
#: SCHED_ATTR_SIZE_VER0; the largest PAGE_SIZE arm64 builds (64K: any page size passes
#: below it, so only a size past every configuration's page is judged)
_SCHED_ATTR_VER0, _PAGE_MAX = 48, 1 << 16
#: MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED
_MPOL_F_ALL = 0x7
#: RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD
_RUSAGE_WHO = frozenset({0, -1, 1})
#: O_CLOEXEC | O_NONBLOCK | O_DIRECT (arm64: 0200000) | O_NOTIFICATION_PIPE (O_EXCL)
_PIPE_FLAGS = 0o2000000 | 0o4000 | 0o200000 | 0o200
#: the shortest path getcwd() copies: "/" and its NUL
_CWD_MIN = 2
#: PID_MAX_LIMIT on 64-bit (include/linux/threads.h): no pid reaches it
_PID_MAX_LIMIT = 4 * 1024 * 1024
#: the smallest linux_dirent64 record (a 1-byte name): filldir64()
_DIRENT_MIN = 24
#: WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE (kernel_wait4())
_WAIT4_OPTIONS = 0x1 | 0x2 | 0x8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000
#: AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE (vfs_statx(),
#: unchanged 6.1 .. 6.18)
_STATX_AT_FLAGS = 0x100 | 0x800 | 0x1000 | 0x6000
#: TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET
_TFD_SETTIME_FLAGS = 0x3
_RLIM_NLIMITS = 16
#: sysctl_nr_open_max on 64-bit (fs/file.c): min(INT_MAX, ~0UL / sizeof(void *)) &
#: -BITS_PER_LONG, the ceiling of sysctl_nr_open and so of any RLIMIT_NOFILE
FD_NUMBER_LIMIT = 0x7FFF_FFFF & -64
#: EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event) (16 on arm64: not packed)
_EP_MAX_EVENTS = 0x7FFF_FFFF // 16
_INT_MIN = -(1 << 31)
#: AT_EMPTY_PATH: 6.10+'s vfs_fstatat() may take it to vfs_fstat() before any flag test
_AT_EMPTY_PATH = 0x1000
#: a CPU clock id's CPUCLOCK_CLOCK_MASK; CPUCLOCK_MAX (pid_for_clock())
_CPUCLOCK_MASK, _CPUCLOCK_MAX = 3, 3


def _int(v: int) -> int:
    """The register as the C `int` argument Linux takes (low 32 bits, signed)."""
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def fails_first(nr: int, args: Sequence[int]) -> bool:
    """Does the call `nr` with `args` fail Linux's first argument test, before it touches
    its output (so that it stored nothing, whatever it answered)?"""
    if nr in _NR_CLOCKS:
        # SYSCALL_DEFINE2(clock_gettime / clock_getres): clockid_to_kclock() is NULL
        # for a non-negative id past ARRAY_SIZE(posix_clocks) or without an entry:
        # -EINVAL before kc->clock_get_timespec() and put_timespec64().  Not 16..23:
        # 6.17's auxiliary clocks (aux_get_timespec(), aux_get_res()) succeed there
        cid = _int(args[0])
        return cid >= _PAST_AUX_CLOCKS or cid in _NO_CLOCK or _no_cpu_clock(cid)
    if nr == _NR_GETRANDOM:
        # SYSCALL_DEFINE3(getrandom): an unknown flag, or GRND_INSECURE with
        # GRND_RANDOM, -EINVAL before any wait or copy
        flags = args[2] & 0xFFFF_FFFF
        return bool(flags & ~_GRND_ALL) or flags & _GRND_BOTH == _GRND_BOTH
    if nr == _NR_FUTEX:
        # futex_wake_op() -> futex_atomic_op_inuser() -> arch_futex_atomic_op_inuser():
        # an op past FUTEX_OP_XOR is -ENOSYS with nothing stored; a private futex is
        # keyed without gup (get_futex_key()), so nothing before it stores either
        cmd = args[1]
        return cmd & FUTEX_CMD_MASK == FUTEX_WAKE_OP and bool(cmd & FUTEX_PRIVATE_FLAG) \
            and (args[5] >> 28) & 7 > _WAKE_OP_XOR
    if nr in _NR_ITIMERS:
        # do_getitimer(): `default: return(-EINVAL);` past ITIMER_PROF, before
        # put_itimerval(); do_setitimer() `default: return -EINVAL;`, and
        # SYSCALL_DEFINE3(setitimer) `if (error || !ovalue) return error;` before it
        return not 0 <= _int(args[0]) <= 2
    if nr == _NR_SIGPENDING:
        # SYSCALL_DEFINE2(rt_sigpending): `if (sigsetsize > sizeof(*uset)) return
        # -EINVAL;` first
        return args[1] > _SIGSET
    if nr in _NR_SIGSET_EXACT:
        # SYSCALL_DEFINE4(rt_sigaction / rt_sigprocmask / rt_sigtimedwait): `if (sigsetsize !=
        # sizeof(sigset_t)) return -EINVAL;` first
        return args[3] != _SIGSET
    if nr == _NR_SOCKETPAIR:
        # __sys_socketpair(): `if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return
        # -EINVAL;` first, before get_unused_fd_flags() and the fds' put_user()s
        return bool(_int(args[1]) & ~_SOCK_TYPE_MASK & ~_SOCK_FLAGS)
    if nr == _NR_TIMER_CREATE:
        # do_timer_create(): clockid_to_kclock() is NULL from MAX_CLOCKS (-EINVAL), and
        # 6.17's clock_aux (16..23), the coarse and raw clocks and a CLOCKFD id have no
        # ->timer_create (-EOPNOTSUPP): all before posix_timer_add() and the id's
        # copy_to_user()
        cid = _int(args[0])
        return cid >= _MAX_CLOCKS or cid in _NO_TIMER or \
            cid < 0 and cid & _CLOCKFD_MASK == _CLOCKFD
    if nr == _NR_CLOCK_NANOSLEEP:
        # SYSCALL_DEFINE4(clock_nanosleep): `if (!kc) return -EINVAL; if (!kc->nsleep)
        # return -EOPNOTSUPP;` before get_timespec64() and kc->nsleep() (the only path
        # to nanosleep_copyout()); clock_aux (16..23, 6.17+) has no ->nsleep either
        cid = _int(args[0])
        return cid >= _MAX_CLOCKS or cid in _NO_NSLEEP or \
            cid < 0 and cid & _CLOCKFD_MASK == _CLOCKFD
    if nr == _NR_SPLICE:
        # SYSCALL_DEFINE6(splice): `if (!len) return 0;`, then `if (flags &
        # ~SPLICE_F_ALL) return -EINVAL;`, before fdget() and __do_splice()'s offsets
        return not args[4] or bool(args[5] & 0xFFFF_FFFF & ~_SPLICE_F_ALL)
    if nr == _NR_PPOLL:
        # SYSCALL_DEFINE5(ppoll): set_user_sigmask() `if (sigsetsize != sizeof(sigset_t))
        # return -EINVAL;` for a non-NULL sigmask (after the timespec's read, which fails
        # -EINVAL or -EFAULT itself), before do_sys_poll() and poll_select_finish()
        return bool(args[3]) and args[4] != _SIGSET or _ppoll_past_nofile(args)
    if nr == _NR_PREADV2:
        # vfs_readv() -> do_iter_readv_writev() -> kiocb_set_rw_flags() `if (flags &
        # ~RWF_SUPPORTED) return -EOPNOTSUPP;` (do_loop_readv_writev(): any flag but
        # RWF_HIPRI) before ->read_iter(); an empty iovec answers 0 storing nothing
        return bool(args[5] & 0xFFFF_FFFF & ~_RWF_ALL)
    return _fails_first_more(nr, args)


def _fails_first_more(nr: int, args: Sequence[int]) -> bool:
    """`fails_first` for the calls round 87b named (sched_getattr .. process_vm_readv)."""
    if nr == _NR_SCHED_GETATTR:
        # SYSCALL_DEFINE4(sched_getattr): `if (unlikely(!uattr || pid < 0 || usize >
        # PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || flags)) return -EINVAL;` first
        size = args[2] & 0xFFFF_FFFF
        return not args[1] or _int(args[0]) < 0 or size < _SCHED_ATTR_VER0 \
            or size > _PAGE_MAX or bool(args[3] & 0xFFFF_FFFF)
    if nr == _NR_MSGRCV:
        # do_msgrcv(): `if (msqid < 0 || (long) bufsz < 0) return -EINVAL;` first; the
        # message is stored only by do_msg_fill()
        return _int(args[0]) < 0 or args[2] >= 1 << 63
    if nr == _NR_GET_MEMPOLICY:
        # do_get_mempolicy() (kernel_get_mempolicy() from 6.2): flags past
        # MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED, -EINVAL before any put_user()
        return bool(args[4] & ~_MPOL_F_ALL)
    if nr == _NR_GETGROUPS:
        # SYSCALL_DEFINE2(getgroups): `if (gidsetsize < 0) return -EINVAL;` first
        return _int(args[0]) < 0
    if nr == _NR_GETRUSAGE:
        # SYSCALL_DEFINE2(getrusage): a who but SELF, CHILDREN, THREAD: -EINVAL first
        return _int(args[0]) not in _RUSAGE_WHO
    if nr == _NR_PIPE2:
        # do_pipe2() -> __do_pipe_flags(): an unknown flag, -EINVAL before create_pipe_
        # files() and the fds' copy_to_user()
        return bool(_int(args[1]) & ~_PIPE_FLAGS)
    if nr == _NR_AFFINITY:
        # SYSCALL_DEFINE3(sched_getaffinity): `if (len & (sizeof(unsigned long)-1))
        # return -EINVAL;` before the mask's copy_to_user() (the nr_cpu_ids test varies)
        # ... and sched_getaffinity(pid) -> find_process_by_pid(): no task is a negative
        # pid or one past PID_MAX_LIMIT (-ESRCH; copy_to_user() only `if (ret == 0)`)
        pid = _int(args[0])
        return bool(args[1] & 0xFFFF_FFFF & 7) or pid < 0 or pid >= _PID_MAX_LIMIT
    if nr == _NR_GETCWD:
        # SYSCALL_DEFINE2(getcwd): copy_to_user() only `if (len <= size)`; even "/" is 2
        return args[1] < _CWD_MIN
    if nr == _NR_VM_READV:
        # process_vm_rw(): `if (flags != 0) return -EINVAL;`; process_vm_rw_core():
        # find_get_task_by_vpid() finds no task past PID_MAX_LIMIT (or a negative pid):
        # -ESRCH before any page is read into the local iovecs
        pid = _int(args[0])
        return bool(args[5]) or pid < 0 or pid >= _PID_MAX_LIMIT
    return _fails_first_r89(nr, args) if nr in _R89_CALLS else False


def _fails_first_r89(nr: int, args: Sequence[int]) -> bool:
    """`fails_first` for the calls round 89b named (getdents64 .. ppoll's count)."""
    if nr == _NR_GETDENTS:
        # iterate_dir() -> filldir64(): every record is at least ALIGN(offsetof(struct
        # linux_dirent64, d_name) + 2, 8) = 24 bytes (a 1-byte name and its NUL); `if
        # (reclen > buf->count) return -EINVAL;` before user_write_access_begin(), and
        # with no record stored (prev_reclen 0) no d_off is put_user()'d either
        return args[2] & 0xFFFF_FFFF < _DIRENT_MIN
    if nr == _NR_READLINK:
        # SYSCALL_DEFINE4(readlinkat) takes bufsiz as an int: do_readlinkat() `if
        # (bufsiz <= 0) return -EINVAL;` first
        return _int(args[3]) <= 0
    if nr == _NR_WAIT4:
        # kernel_wait4(): `if (options & ~(WNOHANG|WUNTRACED|WCONTINUED|__WNOTHREAD|
        # __WCLONE|__WALL)) return -EINVAL;` first, before do_wait() (WEXITED is waitid's)
        # ... then `/* -INT_MIN is not defined */ if (upid == INT_MIN) return -ESRCH;`
        return bool(args[2] & 0xFFFF_FFFF & ~_WAIT4_OPTIONS) or _int(args[0]) == _INT_MIN
    if nr == _NR_STATX:
        # an unknown AT_* bit leaves lflags unequal to AT_EMPTY_PATH (6.10+'s
        # do_statx_fd() short cut not taken); do_statx() -> vfs_statx() `if (flags &
        # ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        # return -EINVAL;` (getname()'s own errors store nothing) before cp_statx()
        return bool(args[2] & 0xFFFF_FFFF & ~_STATX_AT_FLAGS)
    if nr in _NR_POSIX_TIMERS:
        # lock_timer(): no timer id is negative (ids are 0..INT_MAX, a restored one too:
        # do_timer_create()), -EINVAL; timer_gettime/timer_settime store only `if (!ret)`;
        # SYSCALL_DEFINE4(timer_settime) `if (!new_setting) return -EINVAL;` first
        return _int(args[0]) < 0 or nr == _NR_TIMER_SETTIME and not args[2]
    if nr == _NR_TFD_SETTIME:
        # do_timerfd_settime() `if ((flags & ~TFD_SETTIME_FLAGS) || ...) return -EINVAL;`
        # first; the old value stored only `if (!ret && otmr)`
        return bool(_int(args[1]) & ~_TFD_SETTIME_FLAGS)
    if nr in _NR_EPOLL_PWAITS:
        # do_epoll_pwait() -> set_user_sigmask() `if (sigsetsize != sizeof(sigset_t))
        # return -EINVAL;` for a non-NULL mask, before do_epoll_wait()
        # ... then do_epoll_wait() `if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
        # return -EINVAL;` first (epoll_pwait2's timeout read before it stores nothing)
        events = _int(args[2])
        return bool(args[4]) and args[5] != _SIGSET or events <= 0 \
            or events > _EP_MAX_EVENTS
    if nr == _NR_NEWFSTATAT:
        # vfs_fstatat() -> vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT
        # | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;` before cp_new_stat();
        # not with AT_EMPTY_PATH (6.10+: an empty name may go to vfs_fstat() untested)
        flags = args[3] & 0xFFFF_FFFF
        return bool(flags & ~_STATX_AT_FLAGS) and not flags & _AT_EMPTY_PATH
    if nr == _NR_COPY_RANGE:
        # vfs_copy_file_range() `if (flags != 0) return -EINVAL;` (off_in/off_out only
        # read before); the offsets are stored only `if (ret > 0)`
        return bool(args[5] & 0xFFFF_FFFF)
    if nr == _NR_GETRLIMIT:
        # SYSCALL_DEFINE2(getrlimit) -> do_prlimit() `if (resource >= RLIM_NLIMITS)
        # return -EINVAL;`; copy_to_user() only `if (!ret)`
        return args[0] & 0xFFFF_FFFF >= _RLIM_NLIMITS
    if nr == _NR_ACCEPT4:
        # __sys_accept4_file() `if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return
        # -EINVAL;` before do_accept() and move_addr_to_user() (fdget()'s -EBADF first)
        return bool(_int(args[3]) & ~_SOCK_FLAGS)
    if nr == _NR_PSELECT6:
        # core_sys_select() `ret = -EINVAL; if (n < 0) goto out_nofds;` before the fd
        # sets; with no timespec poll_select_finish() stores nothing (`if (!p)`)
        return _int(args[0]) < 0 and not args[4]
    return False


def _no_cpu_clock(cid: int) -> bool:
    """A negative clock id but CLOCKFD is clock_posix_cpu (clockid_to_kclock());
    posix_cpu_clock_get()/posix_cpu_clock_getres() -> pid_for_clock() is NULL for
    CPUCLOCK_WHICH() >= CPUCLOCK_MAX or CPUCLOCK_PID() = ~(id >> 3) that no task holds
    (at or past PID_MAX_LIMIT): -EINVAL before put_timespec64()."""
    if cid >= 0 or cid & _CLOCKFD_MASK == _CLOCKFD:
        return False
    return cid & _CPUCLOCK_MASK >= _CPUCLOCK_MAX or ~(cid >> 3) >= _PID_MAX_LIMIT


def _ppoll_past_nofile(args: Sequence[int]) -> bool:
    """ppoll's count: do_sys_poll() `if (nfds > rlimit(RLIMIT_NOFILE)) return -EINVAL;`
    first; no RLIMIT_NOFILE passes sysctl_nr_open (do_prlimit(): -EPERM), itself at most
    sysctl_nr_open_max.  With no timespec poll_select_finish() stores nothing."""
    return args[1] & 0xFFFF_FFFF > FD_NUMBER_LIMIT and not args[2]

