"""`cut.first_tests`: calls whose first test, failed, leaves their output untouched.

Round 88b (AR-003 .. AR-008, AR-011, AR-015, AR-016): a page that one call's output
grant alone opened to a writable refault (`slot.opened`, guardian/cut_writable.py) must
lie within what the call stored.  For these calls Linux tests the registers -- or a
small struct of the program's own, read where no one else could change it -- before
anything that could store to the output, and fails with an errno; then no answer the
kernel gives (a success, a count, -EFAULT: the store-then-fault answer_stores.py reads
-EFAULT as) stored anything there:

- statx: do_statx() (and do_statx_fd() from 6.11) `if (mask & STATX__RESERVED) return
  -EINVAL; if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -EINVAL;`
  first, before vfs_statx() and cp_statx().  (Unknown AT_* flags are not judged: where
  6.x tests them differs with the path's form.)
- mincore: SYSCALL_DEFINE3(mincore) `if (start & ~PAGE_MASK) return -EINVAL;` first
  (a start unaligned to 4K is unaligned to every arm64 page size).
- prlimit64: SYSCALL_DEFINE4(prlimit64) -> find_task_by_vpid() finds no task for a
  negative pid or one at or past PID_MAX_LIMIT (-ESRCH), do_prlimit() `if (resource >=
  RLIM_NLIMITS) return -EINVAL;`; the old limit is copied only `if (!ret && old_rlim)`.
- sched_getparam: `if (!param || pid < 0) return -EINVAL;` first; find_process_by_pid()
  finds no task past PID_MAX_LIMIT (-ESRCH) before copy_to_user().
- sched_rr_get_interval: sched_rr_get_interval() `if (pid < 0) return -EINVAL;`, no
  task past PID_MAX_LIMIT (-ESRCH); the timespec is stored only `if (retval == 0)`.
- get_robust_list: find_task_by_vpid() of a negative pid or one at or past
  PID_MAX_LIMIT: -ESRCH before both put_user()s.  (A pid the program was told may be any
  below the limit: only pids no task can hold are judged.)
- capget: SYSCALL_DEFINE2(capget) -> cap_validate_magic(): a version not _1/_2/_3 puts
  _KERNEL_CAPABILITY_VERSION into the header's first word and answers -EINVAL (0 for a
  NULL dataptr) before the data's copy_to_user(): at most the header's version word is
  stored.  The header as passed at entry (capset_sets.note_entry), quiet through the call.
- fgetxattr: getxattr() (6.1; import_xattr_name() from 6.13) `if (error == 0 || error ==
  sizeof(kname)) error = -ERANGE;` -- an empty name or none within XATTR_NAME_MAX + 1
  (256) bytes -- before vfs_getxattr() and the value's copy_to_user().  The name as
  passed at entry (`note_entry`), quiet through the call.

Round 89b (AU-005, AU-012, AU-016, AU-017, AU-021; each struct the program's own, kept at
entry and quiet through the call; an error Linux answers before any store to the output):

- capget: a known version, then `if (get_user(pid, &header->pid)) return -EFAULT; if (pid
  < 0) return -EINVAL;` before cap_get_target_pid() and the data's copy_to_user();
- getxattr, lgetxattr: path_getxattr() -> getxattr(), as fgetxattr's name (above);
- nanosleep: `if (!timespec64_valid(&tu)) return -EINVAL;` (tv_sec < 0 or tv_nsec not
  below NSEC_PER_SEC) before hrtimer_nanosleep(); rem stored only on a restart;
- prlimit64: do_prlimit() `if (new_rlim->rlim_cur > new_rlim->rlim_max) return -EINVAL;`
  (the new limit copied in first); the old one copied out only `if (!ret && old_rlim)`;
- sigaltstack: do_sigaltstack() -EPERM on the alternate stack, or -EINVAL for a mode
  (ss_flags less SS_AUTODISARM) not 0, SS_ONSTACK, SS_DISABLE; uoss only `if (!err)`;
- pselect6: get_sigset_argpack() reads {mask, size}; do_pselect() -> set_user_sigmask()
  `if (sigsetsize != sizeof(sigset_t)) return -EINVAL;` for a non-NULL mask, before
  core_sys_select() (a timespec refused first stores nothing either);
- fcntl(F_GETLK): do_fcntl() copies the struct flock in, fcntl_getlk() `if
  (flock->l_type != F_RDLCK && flock->l_type != F_WRLCK) goto out;` (-EINVAL), and the
  flock is copied back only `if (!err)` -- the flock may lie in the output's own page
  (a view of a memfd only the program holds: memfd_eof.quiet_in_memfd()).

Round 90b (AY-004, AY-010, AY-015, AY-016, AY-019, AY-020, AY-022, AY-026, AY-028,
AY-029; `_round90_fails`): clock_nanosleep's request, epoll_pwait2's and
rt_sigtimedwait's timeout failing timespec64_valid(), timerfd_settime's new value
failing itimerspec64_valid(), setitimer's failing timeval_valid(), getsockopt(SOL_SOCKET)'s
and getsockname's length below 0, timer_create's sigevent good_sigevent() refuses,
F_OFD_GETLK's flock (an unknown l_type, an l_pid not 0), capget's header pid no task
holds (at or past PID_MAX_LIMIT) -- each -EINVAL (-ESRCH) before any store.

Cheap: a call not in `CALLS` pays nothing; those in it pay a few integer tests (those
read at entry: one dictionary look-up, and a quiet test only where the bytes fail) --
and only where a page their grant alone opened is noted (`slot.opened`).  At entry
prlimit64, sigaltstack and pselect6 pay one read of 16 or 24 bytes of their struct;
fcntl a dictionary look-up and a compare (F_GETLK, F_OFD_GETLK alone read their 32-byte
flock); timerfd_settime, rt_sigtimedwait, setitimer, timer_create (a non-NULL sigevent),
getsockopt (SOL_SOCKET alone), getsockname one read of 4 to 32 bytes (round 90b).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import PAGE, Slot

_N = NUMBERS
_NR_STATX, _NR_MINCORE, _NR_PRLIMIT = _N["statx"], _N["mincore"], _N["prlimit64"]
_NR_GETPARAM, _NR_RR_INTERVAL = _N["sched_getparam"], _N["sched_rr_get_interval"]
_NR_ROBUST, _NR_CAPGET, _NR_FGETXATTR = _N["get_robust_list"], _N["capget"], _N["fgetxattr"]
_XATTR_NAMES = frozenset({_NR_FGETXATTR, _N["getxattr"], _N["lgetxattr"]})
_NR_NANOSLEEP, _NR_SIGALTSTACK, _NR_PSELECT6 = _N["nanosleep"], _N["sigaltstack"], _N["pselect6"]
_NR_FCNTL, _F_GETLK, _F_OFD_GETLK = _N["fcntl"], 5, 36
# round 90b (AY-004 .. AY-029): timespecs, timevals, socket lengths, a sigevent
_NR_CLOCK_NANOSLEEP, _NR_EPOLL_PWAIT2 = _N["clock_nanosleep"], _N["epoll_pwait2"]
_NR_TIMERFD_SETTIME, _NR_SIGTIMEDWAIT = _N["timerfd_settime"], _N["rt_sigtimedwait"]
_NR_SETITIMER, _NR_TIMER_CREATE = _N["setitimer"], _N["timer_create"]
_NR_GETSOCKOPT, _NR_GETSOCKNAME, _SOL_SOCKET = _N["getsockopt"], _N["getsockname"], 1
_TIMESPECS = frozenset({_NR_NANOSLEEP, _NR_CLOCK_NANOSLEEP, _NR_EPOLL_PWAIT2, _NR_SIGTIMEDWAIT})
_LENGTHS = frozenset({_NR_GETSOCKOPT, _NR_GETSOCKNAME})
#: calls judged by their registers alone
REGISTER_CALLS = frozenset({_NR_STATX, _NR_MINCORE, _NR_PRLIMIT, _NR_GETPARAM,
                            _NR_RR_INTERVAL, _NR_ROBUST})
#: calls judged by program memory read at entry (and quiet through the call)
MEMORY_CALLS = frozenset({_NR_CAPGET, _NR_NANOSLEEP, _NR_PRLIMIT, _NR_SIGALTSTACK,
                          _NR_PSELECT6, _NR_FCNTL}) | _XATTR_NAMES \
    | frozenset({_NR_CLOCK_NANOSLEEP, _NR_EPOLL_PWAIT2, _NR_TIMERFD_SETTIME, _NR_SIGTIMEDWAIT,
                 _NR_SETITIMER, _NR_TIMER_CREATE, _NR_GETSOCKOPT, _NR_GETSOCKNAME})
#: every call `check` judges (the caller tests `nr in CALLS` first)
CALLS = REGISTER_CALLS | MEMORY_CALLS
#: the calls whose entry `note_entry` reads (capget's header: capset_sets.note_entry;
#: nanosleep's request: clock_floors.note_request): (argument, bytes) of the struct
_ENTRY_STRUCTS = {_NR_PRLIMIT: (2, 16),      # struct rlimit64 (the new limit)
                  _NR_SIGALTSTACK: (0, 24),  # stack_t
                  _NR_PSELECT6: (5, 16),     # struct sigset_argpack {p, size}
                  _NR_FCNTL: (2, 32),        # struct flock (F_GETLK, F_OFD_GETLK)
                  _NR_TIMERFD_SETTIME: (2, 32),  # struct itimerspec (the new value)
                  _NR_SIGTIMEDWAIT: (2, 16),     # struct timespec (the timeout)
                  _NR_SETITIMER: (1, 32),        # struct itimerval (the new value)
                  _NR_TIMER_CREATE: (1, 16),     # struct sigevent's value, signo, notify
                  _NR_GETSOCKOPT: (4, 4),        # optlen (SOL_SOCKET alone)
                  _NR_GETSOCKNAME: (2, 4)}       # the address length
ENTRY_CALLS = _XATTR_NAMES | frozenset(_ENTRY_STRUCTS)
#: the calls `_round90_fails` judges (and fcntl's F_OFD_GETLK)
_ROUND90 = (_TIMESPECS - {_NR_NANOSLEEP}) | _LENGTHS | frozenset(
    {_NR_TIMERFD_SETTIME, _NR_SETITIMER, _NR_TIMER_CREATE})
#: where `stored_by_memory` finds each call's struct: those above, and the timespecs
#: kept by others at entry (nanosleep's, clock_nanosleep's request:
#: clock_floors.note_request; epoll_pwait2's timeout: poll_masks.note_epoll_timeout)
_KEPT_AT = {**_ENTRY_STRUCTS, _NR_NANOSLEEP: (0, 16), _NR_CLOCK_NANOSLEEP: (2, 16),
            _NR_EPOLL_PWAIT2: (3, 16)}

_STATX_RESERVED = 0x8000_0000          # STATX__RESERVED
_AT_STATX_SYNC_TYPE = 0x6000           # AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC
_RLIM_NLIMITS = 16
#: PID_MAX_LIMIT on 64-bit (include/linux/threads.h): no pid reaches it
_PID_MAX_LIMIT = 4 * 1024 * 1024
#: _LINUX_CAPABILITY_VERSION_1, _2, _3
_CAP_VERSIONS = frozenset({0x1998_0330, 0x2007_1026, 0x2008_0522})
_KNAME = 256                           # XATTR_NAME_MAX + 1: getxattr()'s kname[]
_UNTAG = (1 << 56) - 1
_NSEC_PER_SEC = 1_000_000_000
_USEC_PER_SEC = 1_000_000
#: good_sigevent(): SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_SIGNAL | SIGEV_THREAD_ID
_SIGEV_NOTIFY, _SIGEV_NONE, _SIGRTMAX = frozenset({0, 1, 2, 4}), 1, 64
_SS_AUTODISARM = 1 << 31
_SS_MODES = frozenset({0, 1, 2})        # 0, SS_ONSTACK, SS_DISABLE


class _Memory(Protocol):
    def read(self, va: int, n: int, root: int) -> bytes | None: ...


def _int(v: int) -> int:
    """The register as the C `int` (pid_t) Linux takes (low 32 bits, signed)."""
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def _no_task(pid: int) -> bool:
    """find_task_by_vpid() finds nothing: a negative pid, or one no pid reaches."""
    return pid < 0 or pid >= _PID_MAX_LIMIT


def registers_fail(nr: int, args: Sequence[int]) -> bool:
    """Do the registers of `nr` fail Linux's first test (see the module)?"""
    if nr == _NR_STATX:
        flags = args[2] & 0xFFFF_FFFF
        return bool(args[3] & _STATX_RESERVED) or \
            flags & _AT_STATX_SYNC_TYPE == _AT_STATX_SYNC_TYPE
    if nr == _NR_MINCORE:
        return bool(args[0] & 0xFFF)
    if nr == _NR_PRLIMIT:
        pid = _int(args[0])
        return pid != 0 and _no_task(pid) or args[1] & 0xFFFF_FFFF >= _RLIM_NLIMITS
    if nr == _NR_GETPARAM:
        return not args[1] or _no_task(_int(args[0]))
    if nr in (_NR_RR_INTERVAL, _NR_ROBUST):
        return _no_task(_int(args[0]))
    return False


def note_entry(memory: _Memory, slot: Slot) -> None:
    """At an xattr get's entry: the name's first 256 bytes (or up to its page's end) as
    the program passed them, which getxattr()'s strncpy_from_user() copies; at
    prlimit64's, sigaltstack's, pselect6's: the struct Linux copies in first."""
    if slot.nr in _ENTRY_STRUCTS:
        if _other_form(slot.nr, slot.args):
            return                      # (fcntl's other commands, getsockopt's other levels)
        i, n = _ENTRY_STRUCTS[slot.nr]
        va = slot.args[i]
        raw = memory.read(va, n, slot.root) if va and va not in slot.asked else None
        if raw is not None:
            slot.asked[va] = raw
        return
    va = slot.args[1]
    if not va or va in slot.asked:
        return
    raw = memory.read(va, _KNAME, slot.root)
    if raw is None:
        raw = memory.read(va, PAGE - (va & (PAGE - 1)), slot.root)
    if raw is not None:
        slot.asked[va] = raw


def _other_form(nr: int, args: Sequence[int]) -> bool:
    """A form of fcntl or getsockopt no rule here judges: fcntl other than F_GETLK,
    F_OFD_GETLK; getsockopt of a level other than SOL_SOCKET (a protocol's own
    ->getsockopt() may test its length later)."""
    if nr == _NR_FCNTL:
        return args[1] & 0xFFFF_FFFF not in (_F_GETLK, _F_OFD_GETLK)
    return nr == _NR_GETSOCKOPT and args[1] & 0xFFFF_FFFF != _SOL_SOCKET


def _timespec_bad(raw: bytes, at: int, per_sec: int) -> bool:
    """timespec64_valid() (per_sec NSEC_PER_SEC) or timeval_valid() (USEC_PER_SEC)
    fails: tv_sec < 0, or the fraction (a long) outside 0 .. per_sec - 1."""
    sec = int.from_bytes(raw[at:at + 8], "little")
    frac = int.from_bytes(raw[at + 8:at + 16], "little")
    return sec >= 1 << 63 or frac >= per_sec


def _round90_fails(slot: Slot, raw: bytes) -> bool:
    """Round 90b: the structs Linux tests first (each `return -EINVAL` before any store
    to the output):
    - clock_nanosleep: SYSCALL_DEFINE4(clock_nanosleep) `if (!timespec64_valid(&t))`;
      epoll_pwait2: poll_select_set_timeout(); rt_sigtimedwait: do_sigtimedwait() `if
      (!timespec64_valid(ts))` (the siginfo copied only `if (ret > 0 && uinfo)`);
    - timerfd_settime: do_timerfd_settime() `!itimerspec64_valid(new)` (the old value
      copied only `if (!ret && otmr)`); setitimer: get_itimerval() `!timeval_valid()` of
      it_value or it_interval, before do_setitimer() and put_itimerval();
    - getsockopt(SOL_SOCKET): sk_getsockopt() `if (len < 0) return -EINVAL;`;
      getsockname: move_addr_to_user() `if (len < 0) return -EINVAL;` (len = min(len,
      klen) first: still negative);
    - timer_create: do_timer_create() -> good_sigevent() NULL (an unknown sigev_notify,
      or a signal outside 1..SIGRTMAX for a notify that sends one) -> -EINVAL before
      the id's copy_to_user() (a CPU clock of no task fails only after it);
    - fcntl(F_OFD_GETLK): fcntl_getlk() -> flock_to_posix_lock() -> assign_type() (an
      l_type not F_RDLCK, F_WRLCK, F_UNLCK: F_UNLCK is allowed from 6.7), then `if
      (flock->l_pid != 0)`, both -EINVAL; the flock copied back only `if (!err)`."""
    nr = slot.nr
    if nr in _TIMESPECS:
        return _timespec_bad(raw, 0, _NSEC_PER_SEC)
    if nr == _NR_TIMERFD_SETTIME:
        return _timespec_bad(raw, 0, _NSEC_PER_SEC) or _timespec_bad(raw, 16, _NSEC_PER_SEC)
    if nr == _NR_SETITIMER:
        return _timespec_bad(raw, 0, _USEC_PER_SEC) or _timespec_bad(raw, 16, _USEC_PER_SEC)
    if nr in _LENGTHS:
        return bool(raw[3] & 0x80)      # an int below 0
    if nr == _NR_TIMER_CREATE:
        signo = int.from_bytes(raw[8:12], "little", signed=True)
        notify = int.from_bytes(raw[12:16], "little", signed=True)
        return notify not in _SIGEV_NOTIFY or \
            notify != _SIGEV_NONE and not 0 < signo <= _SIGRTMAX
    # F_OFD_GETLK: l_type (a short) past F_UNLCK (2), or l_pid (an int at 24) not 0
    return raw[0] | raw[1] << 8 > 2 or raw[24:28] != b"\0\0\0\0"


def _kept(slot: Slot, i: int, n: int) -> bytes | None:
    """The `n` bytes at argument `i` as kept at entry (None: not kept, a NULL pointer)."""
    va = slot.args[i]
    raw = slot.asked.get(va) if va else None
    return raw if raw is not None and len(raw) >= n else None


def _struct_fails(nr: int, raw: bytes) -> bool:
    """Do nanosleep's, prlimit64's, sigaltstack's, pselect6's, F_GETLK's structs, as kept
    at entry, fail Linux's first test (see the module)?"""
    lo = int.from_bytes(raw[:8], "little")
    hi = int.from_bytes(raw[8:16], "little")
    if nr == _NR_NANOSLEEP:             # timespec64_valid()
        return lo >= 1 << 63 or hi >= _NSEC_PER_SEC
    if nr == _NR_PRLIMIT:               # rlim_cur > rlim_max
        return lo > hi
    if nr == _NR_SIGALTSTACK:           # ss_flags (an int) less SS_AUTODISARM
        return hi & 0xFFFF_FFFF & ~_SS_AUTODISARM not in _SS_MODES
    if nr == _NR_FCNTL:                 # l_type (a short) not F_RDLCK (0), F_WRLCK (1)
        return lo & 0xFFFF > 1
    return lo != 0 and hi != 8          # pselect6: a mask with sigsetsize != 8


def stored_by_memory(slot: Slot, quiet: Callable[[int, int], bool]) -> list[tuple[int, int]] | None:
    """The stores of a call in MEMORY_CALLS where its first test failed on bytes kept at
    entry and quiet through the call (`quiet(va, n)`: only the call stored there); None:
    not known to fail."""
    a, nr = slot.args, slot.nr or 0
    if nr == _NR_CAPGET:
        head = slot.asked.get(a[0]) if a[0] else None
        if head is None or len(head) < 4:
            return None
        if int.from_bytes(head[:4], "little") in _CAP_VERSIONS:
            # a known version: nothing stored; a negative pid fails before the data
            # (-EINVAL), one no task holds in cap_get_target_pid() (-ESRCH, round 90b)
            if len(head) < 8 or not _no_task(int.from_bytes(head[4:8], "little", signed=True)) \
                    or not quiet(a[0], 8):
                return None
            return []
        if not quiet(a[0], 4):
            return None
        return [(a[0], a[0] + 4)]       # (cap_validate_magic()'s put_user() alone)
    if nr not in _XATTR_NAMES:
        i, n = _KEPT_AT[nr]
        raw = None if _other_form(nr, a) else _kept(slot, i, n)
        if raw is None:
            return None
        r90 = nr in _ROUND90 or nr == _NR_FCNTL and a[1] & 0xFFFF_FFFF == _F_OFD_GETLK
        if not (_round90_fails(slot, raw) if r90 else _struct_fails(nr, raw)) \
                or not quiet(a[i], n):
            return None
        return []
    name = slot.asked.get(a[1]) if a[1] else None
    if name is None:
        return None
    end = name.find(b"\0")
    if end == 0 or end < 0 and len(name) >= _KNAME:
        return [] if quiet(a[1], 1 if end == 0 else _KNAME) else None
    return None


def check(slot: Slot, ret: int, quiet: Callable[[int, int], bool]) -> None:
    """The call in `slot` (nr in CALLS, pages in `slot.opened`) answered `ret`: refuse it
    where a page only its grant opened lies outside what its failed first test let it
    store."""
    nr = slot.nr or 0
    ranges: list[tuple[int, int]] = []
    if nr not in REGISTER_CALLS or not registers_fail(nr, tuple(slot.args) + (0,) * 6):
        got = stored_by_memory(slot, quiet) if nr in MEMORY_CALLS else None
        if got is None:
            return
        ranges = got
    for page in slot.opened:
        if any((s & _UNTAG) < page + PAGE and (s & _UNTAG) + (e - s) > page
               for s, e in ranges):
            continue
        refuse("cut.first_tests", Status.ERR_DENIED,
               f"syscall {nr} write-faulted the empty page at {page:#x} of a private file "
               f"view under its output grant alone, then answered {ret:#x}: its arguments "
               "fail Linux's first test, which returns before any copy_to_user() or "
               "put_user() to that output -- do_cow_fault() copies the page only on a store")
