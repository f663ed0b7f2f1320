"""A page a call's write grant alone opened is within what its answer says it stored.

`cut.output_stores` (granted_stores.py, cut_writable.py) lets a writable refault of a
private file view's empty page in while a call whose write grant covers the page is in
flight: the grant is fixed by the registers, whatever the call then answers.  Linux
write-faults only where copy_to_user()/put_user() store, and many calls store only on
the way to a success, and only what the answer counts.  So where such a grant was the
ONLY reason the page could be opened (no other call, store, signal frame or rseq area
could reach it: cut_writable.note_sole()), the call's answer must cover the page
(`cut.answer_stores`):

- an -errno other than -EFAULT means nothing stored, for the calls in `_ERR_NOTHING`:
  every call the capability table grants an output fixed by its registers
  (granted_stores.BOUNDED) but those in `_STORE_THEN_FAIL` (each answers its errors
  before any store: the Linux functions are named there); -EFAULT may follow a partial
  copy (copy_to_user() stored the bytes before the fault) and stays open -- except
  where the registers fail Linux's first test (first_failures.py: a clock id past
  CLOCK_AUX_LAST, getrandom's unknown flags, a private FUTEX_WAKE_OP's op past XOR, ...):
  then no answer, -EFAULT, a count or success, stored anything;
- read/pread64's errors, only where the descriptor (as the call took it) is known: any
  file's ->read_iter() may pin the buffer with FOLL_WRITE and then answer any errno --
  a FUSE direct-I/O read (fuse_direct_io(): fuse_get_user_pages() -> iov_iter_get_pages2(),
  then the daemon's error), 9p's zero-copy read -- so only a file opened without read
  access (vfs_read(): FMODE_READ, -EBADF first) and a pipe2() end (pipe_read() answers
  an error only with nothing copied) store nothing for an error;
- a result-sized call (`_RET_BYTES`, `_RET_ENTRIES`) stored at most `ret` bytes (entries)
  from its buffer;
- wait4() stores status and rusage only for a reaped child (ret > 0), rt_sigtimedwait()
  its siginfo only for a dequeued signal (ret > 0); a private FUTEX_WAKE_OP's success
  only its second word (the atomic op at uaddr2).

Left open (may store and still fail, or store more than the answer counts): nanosleep,
clock_nanosleep (-EINTR stores rem: nanosleep_copyout()), pselect6 and ppoll
(poll_select_finish() stores the time left on any answer), waitid (stores infop on
every answer; its rusage: answer_words.py), sendfile (the offset word, on every
answer; splice's and copy_file_range's only on the way to a count), socketpair (both
fds before sock_create()), timer_create (the id before kc->timer_create()) -- but registers that
fail first (first_failures.py: socketpair's unknown type flags, timer_create's clock id
past the timer clocks) --, capget's header version (cap_validate_magic() stores it, then
-EINVAL: an error stored that word alone, never the data), mincore past -EINVAL (do_mincore() chunks, then -ENOMEM), a shared
futex (get_futex_key() pins with FOLL_WRITE), and read/pread64 answering a count or 0:
btrfs' and gfs2's reads fault the whole remaining buffer in (fault_in_iov_iter_writeable(),
FAULT_FLAG_WRITE) and may then read less -- except where the descriptor names a shmem
memfd as the call took it (files.lockable_memfd(): shmem_file_read_iter() faults nothing
ahead and answers an error only where it copied nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from abi import Status
from abi.syscalls import NUMBERS
from guardian import answer_words, kind_stores
from guardian.checks import refuse
from guardian.first_failures import CALLS as _FIRST_CALLS
from guardian.first_failures import UNSIZED as _FIRST_ONLY
from guardian.first_failures import fails_first
from guardian.futex_caps import FUTEX_CMD_MASK, FUTEX_PRIVATE_FLAG, FUTEX_WAKE_OP
from guardian.granted_stores import BOUNDED
from guardian.open_files import OpenFile
from guardian.slots import PAGE, Slot

_N = NUMBERS


class _Files(Protocol):
    def lockable_memfd(self, slot: Slot, fd: int) -> bool: ...
    def open_file(self, slot: Slot, fd: int) -> OpenFile | None: ...
    def steady(self, slot: Slot) -> bool: ...

_ERRNO_FLOOR = (1 << 64) - 4095
_EFAULT = (1 << 64) - 14
_UNTAG = (1 << 56) - 1
_EINVAL = (1 << 64) - 22
#: read/pread64's descriptor, as the call took it (`check`'s `kind`): a shmem memfd, a
#: pipe2() end, a file opened without FMODE_READ (O_WRONLY, O_ACCMODE 3, O_PATH)
#: (and an AF_UNIX datagram socket: kind_stores.py)
SHMEM, PIPE, UNREADABLE = kind_stores.SHMEM, kind_stores.PIPE, kind_stores.UNREADABLE
_AF_UNIX, _SOCK_DGRAM = 1, 2
_NR_READ, _NR_PREAD = _N["read"], _N["pread64"]
_NR_FUTEX, _NR_WAIT4, _NR_SIGTIMEDWAIT = _N["futex"], _N["wait4"], _N["rt_sigtimedwait"]
_NR_MINCORE, _NR_PIPE2 = _N["mincore"], _N["pipe2"]
_WAKE_OP_CMP_GE = 5                     # FUTEX_OP_CMP_GE, the last comparison Linux knows
#: calls with a write grant that may store and then answer an error other than -EFAULT:
#: their errors stay open (the calls judged on their own below are left out too)
_STORE_THEN_FAIL = frozenset(_N[n] for n in (
    "nanosleep", "clock_nanosleep",         # -EINTR: nanosleep_copyout() stores rem
    "ppoll", "pselect6",                    # poll_select_finish() on every answer
    "waitid",                               # infop's unsafe_put_user()s on every answer
                                            # (its rusage: answer_words.py)
    "sendfile",                             # sendfile64(): put_user(pos) on every answer
    "socketpair",                           # __sys_socketpair(): both fds before
                                            # sock_create() and ->socketpair() fail
    "timer_create"))                        # the id before kc->timer_create()
_NR_CAPGET, _NR_AFFINITY = _N["capget"], _N["sched_getaffinity"]
#: cpumask_size()'s largest value: NR_CPUS / 8 under arm64's Kconfig ceiling (`range 2
#: 4096`; RHEL/Fedora aarch64 build NR_CPUS=4096, and before 6.9 without
#: CPUMASK_OFFSTACK cpumask_size() is NR_CPUS / 8 whatever the CPUs present)
_CPUMASK_MAX = 4096 // 8
#: read, pread64 and their vector forms (vfs_readv() -> do_iter_read(): the same
#: FMODE_READ test and ->read_iter(); import_iovec() only reads the iovecs)
_READS = kind_stores.READS
_OWN_RULE = _READS | {_NR_FUTEX, _NR_MINCORE, _NR_CAPGET}
#: calls whose every error but -EFAULT comes before any store: by default every call
#: the capability table grants an output fixed by its registers (granted_stores.BOUNDED:
#: Linux stores an output on the way to a success -- clock_gettime, getitimer,
#: timerfd_gettime, newfstatat, statx, rt_sigpending, ... copy out last), less the
#: calls above.  Checked one by one against their SYSCALL_DEFINE()s: pipe2
#: (__do_pipe_flags() first), rt_sigaction (do_sigaction() before oact), prlimit64 and
#: getrlimit (do_prlimit() first), getcwd (-ERANGE/-ENOENT), readlinkat (no ->get_link),
#: getdents64 (iterate_dir()), sched_getaffinity, epoll_pwait(2) (ep_poll() errors store
#: no event), fstat/newfstatat/statx (vfs_statx() before cp_new_stat()/cp_statx()),
#: statfs/fstatfs (user_statfs()), getitimer/setitimer (do_getitimer()/do_setitimer()),
#: timer_gettime/timer_settime and timerfd_gettime/timerfd_settime (the copy only `if
#: (!ret)`), rt_sigpending/rt_sigprocmask (sigsetsize first), sigaltstack (`if (!err &&
#: uoss)`), getgroups (-EINVAL before groups_to_user()), sched_getparam, fcntl
#: (F_GETLK's copy only `if (!err)`), copy_file_range (SYSCALL_DEFINE6: the offsets'
#: copy_to_user() only `if (ret > 0)`), splice (__do_splice(): `if (ret < 0) return
#: ret;` before the offsets' copy_to_user()), and calls that fail only with -EFAULT (uname,
#: sysinfo, times, gettimeofday, getcpu, getresuid, getresgid, get_robust_list)
#: Outputs no register sizes (their grants reach "anywhere") whose errors but -EFAULT
#: also come before any store: getsockname/getpeername (sockfd_lookup_light(), ->getname()
#: into a kernel sockaddr, then move_addr_to_user(): -EFAULT only after its copy),
#: accept/accept4 (do_accept(): move_addr_to_user() last, on the way to the new fd), and
#: process_vm_readv (process_vm_rw_core(): `if (total_len) rc = total_len;` -- an error
#: only where nothing was copied into the local iovecs)
_UNSIZED_ERR_NOTHING = frozenset(_N[n] for n in (
    "getsockname", "getpeername", "accept", "accept4", "process_vm_readv"))
_ERR_NOTHING = frozenset(
    nr for nr, grants in BOUNDED.items() if grants) - _STORE_THEN_FAIL - _OWN_RULE \
    | _UNSIZED_ERR_NOTHING
#: (buffer argument) of the calls whose answer counts the bytes they stored there
_RET_BYTES = {_N["getcwd"]: 0, _N["readlinkat"]: 2, _N["getdents64"]: 1,
              _N["getrandom"]: 0, _N["sched_getaffinity"]: 2}
#: (buffer argument, bytes per entry) of the calls whose answer counts stored entries
_RET_ENTRIES = {_N["epoll_pwait"]: (1, 16), _N["epoll_pwait2"]: (1, 16)}
#: every call `check` judges (the caller tests `nr in CALLS` first): those above, the
#: store-then-fail calls first_failures.py tests (their other answers stay open), waitid
#: and recvmmsg (answer_words.py) and the calls a descriptor's kind decides (kind_stores.py:
#: ioctl's TCGETS on a shmem memfd among them)
CALLS = _ERR_NOTHING | _OWN_RULE | (_FIRST_CALLS & _STORE_THEN_FAIL) | answer_words.CALLS \
    | _FIRST_ONLY | kind_stores.CALLS | {_N["pselect6"]}
_NR_COPY_RANGE = _N["copy_file_range"]
#: ppoll, pselect6: a timeout Linux refuses first (read as passed) stores nothing
_POLLS = frozenset({_N["ppoll"], _N["pselect6"]})
#: calls whose descriptor's kind `check` asks for
_KIND_CALLS = _READS | kind_stores.CALLS
#: calls judged by their descriptor's kind alone (mq_timedreceive, getsockopt)
_KIND_ONLY = kind_stores.CALLS - _ERR_NOTHING - _OWN_RULE - answer_words.CALLS


def stored(nr: int, args: Sequence[int], ret: int, kind: str | None = None,
           caps: Sequence[tuple[int, int, int]] | None = None
           ) -> list[tuple[int, int]] | None:
    """[start, end) ranges the call `nr` with `args` may have stored to, answered `ret`
    (unsigned); None: anywhere its grants reach.  `kind`: what the descriptor of a call in
    `_KIND_CALLS` (kind_stores.kind_fd()) names, as the call took it at entry (read_kind();
    None: not known);
    `caps`: the call's grants as computed (recvmmsg's, answer_words.py)."""
    if nr not in CALLS:
        return None                     # (_STORE_THEN_FAIL, calls with no bounded grant)
    if nr in kind_stores.CALLS:
        by_kind = kind_stores.stored(nr, args, ret, kind)
        if by_kind is not None or nr in _KIND_ONLY:
            return by_kind              # (a kind with no such operation: fails first)
    if nr in answer_words.CALLS:
        return answer_words.stored(nr, args, ret, caps)
    err = ret >= _ERRNO_FLOOR
    if nr in _FIRST_CALLS and fails_first(nr, args):
        return []                       # (Linux's first test failed: no answer stored)
    if nr in _FIRST_ONLY:
        return None                     # (sched_getattr, msgrcv, get_mempolicy: past it)
    if nr in _READS and kind == SHMEM:
        # shmem_file_read_iter(): copy_page_to_iter() (iov_iter_zero() for a hole) of
        # each page in turn, no fault-in ahead; a short copy ends the read with the count
        # copied, an error only where nothing was (retval ? retval : error); a vector
        # read's count lies in its iovecs in order (0: none)
        if err or ret == 0:
            return []
        return [(args[1], args[1] + ret)] if nr == _NR_READ or nr == _NR_PREAD else None
    if nr in _STORE_THEN_FAIL:
        return None                     # (registers past the first test: may store, fail)
    if nr == _NR_AFFINITY and ret == _EFAULT:
        # SYSCALL_DEFINE3(sched_getaffinity): one copy_to_user() of retlen =
        # min(len, cpumask_size()) bytes; cpumask_size() is at most NR_CPUS / 8 (512
        # bytes for arm64's largest NR_CPUS 4096, not the default 512's 64): a partial
        # copy stored within that span alone
        at = args[2]
        return [(at, at + min(args[1], _CPUMASK_MAX))]
    if ret == _EFAULT:
        return None                     # (a partial copy, then the fault)
    if nr == _NR_CAPGET:
        # SYSCALL_DEFINE2(capget): an error stored at most the header's version
        # (cap_validate_magic()'s put_user(), then -EINVAL); the data is copied last,
        # only on the way to 0
        return [(args[0], args[0] + 4)] if err else None
    if nr in _READS:
        # pipe_read() answers an error (-EAGAIN, -ERESTARTSYS) only where it copied
        # nothing; a pipe's pread64 is -ESPIPE (ksys_pread64(): FMODE_PREAD) -- any other
        # file may pin and then fail with any errno (fuse_direct_io()); one opened
        # without read access stores nothing at all (kind_stores.py)
        return [] if err and kind == PIPE else None
    if nr == _NR_MINCORE:
        # SYSCALL_DEFINE3(mincore): an unaligned start or a wrapping length, -EINVAL
        # before do_mincore() and any copy_to_user(vec)
        return [] if ret == _EINVAL else None
    if nr == _NR_FUTEX:
        # futex_wake_op() of a private futex keys both words with no gup; a success
        # stored only its second word (the atomic op at uaddr2); an error but -EFAULT
        # stored none -- but futex_atomic_op_inuser() tests the comparison (bits 24..27)
        # only after arch_futex_atomic_op_inuser() stored the word: a known op (one past
        # XOR fails first, above) with a cmp past FUTEX_OP_CMP_GE stores it, then -ENOSYS
        cmd = args[1] if len(args) > 1 else 0
        if cmd & FUTEX_CMD_MASK == FUTEX_WAKE_OP and cmd & FUTEX_PRIVATE_FLAG:
            if err and (args[5] >> 24) & 15 <= _WAKE_OP_CMP_GE:
                return []
            return [(args[4], args[4] + 4)]
        return None
    if err or ret == 0 and nr == _NR_COPY_RANGE:
        return []                       # (copy_file_range: off_in/off_out `if (ret > 0)`)
    if nr == _NR_WAIT4 or nr == _NR_SIGTIMEDWAIT:
        # kernel_wait4(): put_user(status) and the rusage copy only for ret > 0;
        # do_sigtimedwait(): copy_siginfo_to_user() only for a dequeued signal
        return [] if ret == 0 else None
    if nr in _RET_BYTES:
        at = args[_RET_BYTES[nr]]
        return [(at, at + ret)]
    if nr in _RET_ENTRIES:
        i, size = _RET_ENTRIES[nr]
        return [(args[i], args[i] + ret * size)]
    return None


def check(slot: Slot, ret: int, kind: Callable[[int], str | None],
          timeout_refused: Callable[[], bool] = lambda: False) -> None:
    """The call in `slot` answered `ret`: each page only its write grant opened
    (`slot.opened`) must lie within what the answer says it stored.  `kind(fd)`: what
    the descriptor names, as the call took it at entry (read_kind());
    `timeout_refused()`: did ppoll's/pselect6's timeout, as passed and quiet through
    the call, fail Linux's first test (early_errors.refused_as_passed())?"""
    nr, args = slot.nr or 0, tuple(slot.args) + (0,) * 6
    if nr in _POLLS and timeout_refused():
        _refuse_outside(slot, ret, [])
        return
    fd = kind_stores.kind_fd(nr, args) if nr in _KIND_CALLS else None
    ranges = stored(nr, args, ret, None if fd is None else kind(fd), slot.caps)
    if ranges is not None:
        _refuse_outside(slot, ret, ranges)


def _refuse_outside(slot: Slot, ret: int, ranges: list[tuple[int, int]]) -> None:
    """Refuse the answer where a page only the call's grant opened lies outside `ranges`."""
    for page in slot.opened:
        if any((s & _UNTAG) < page + PAGE and (s & _UNTAG) + (e - s) > page
               for s, e in ranges if e > s):
            continue
        refuse("cut.answer_stores", Status.ERR_DENIED,
               f"syscall {slot.nr} write-faulted the empty page at {page:#x} of a private "
               f"file view under its output grant alone, then answered {ret:#x}: Linux "
               "stores (copy_to_user(), put_user()) only what that answer counts, and "
               "nothing for this error -- do_cow_fault() copies the page only on a store")


def read_kind(files: _Files, slot: Slot, fd: int) -> str | None:
    """What descriptor `fd` of the slot's thread names as the call took it at entry
    (SHMEM, PIPE, UNIX_DGRAM, UNREADABLE, or kind_stores.finer_kind()'s PATH, PIPE_WRITE,
    EVENTFD, SIGNALFD); None: not known, or the table may have changed since."""
    if files.lockable_memfd(slot, fd):
        return SHMEM
    f = files.open_file(slot, fd)
    if f is None or not files.steady(slot):
        return None
    finer = kind_stores.finer_kind(f)   # (O_PATH, a pipe's write end, eventfd, signalfd)
    if finer is not None:
        return finer
    if f.maker == _NR_PIPE2:
        return PIPE
    if f.sock is not None and f.sock[0] == _AF_UNIX and f.sock[1] & 0xF == _SOCK_DGRAM:
        return kind_stores.UNIX_DGRAM
    # OPEN_FMODE(): O_ACCMODE 1 and 3 carry no FMODE_READ (an O_PATH open: PATH, above)
    return UNREADABLE if f.access in (1, 3) else None
