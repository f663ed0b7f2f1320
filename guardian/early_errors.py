"""`return.early_error`: successes Linux never gives for what a call's arguments say,
tested before any look-up the kernel could answer either way (red-team round 84):

* openat2 of an absolute name under RESOLVE_BENEATH (without RESOLVE_IN_ROOT, which
  build_open_flags() refuses with it): do_sys_openat2() -> path_openat() (and
  do_tmpfile() / do_o_path()) -> path_init(): a name that begins with '/' goes to
  nd_jump_root(), which answers -EXDEV under LOOKUP_BENEATH -- whatever dfd is (AG-010);
  and a relative name whose first component is '..' under RESOLVE_BENEATH: path_init()
  makes the start nd->root, handle_dots() -> follow_dotdot() finds the path at the root
  and answers -EXDEV under LOOKUP_BENEATH (AJ-011) -- after any '.' components too,
  which walk_component() -> handle_dots() leaves where they are (AL-001);
* openat2 whose usize or open_how sys_openat2() / build_open_flags() refuse before any
  look-up (round 85): usize below OPEN_HOW_SIZE_VER0 (-EINVAL), past the largest arm64
  PAGE_SIZE (64 KiB: -E2BIG), a non-zero byte past the first 24 (copy_struct_from_user()
  -> check_zeroed_user(): -E2BIG), and open_how's flags, mode and resolve as
  reopen_flags.flag_error() tests them on every 6.x kernel (unknown flag or resolve bit,
  a mode without O_CREAT / O_TMPFILE, RESOLVE_BENEATH with RESOLVE_IN_ROOT, ...: -EINVAL);
* setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF or SO_ATTACH_REUSEPORT_EBPF, v, optlen) with
  optlen other than sizeof(u32): sk_setsockopt() sets -EINVAL and tests
  `optlen == sizeof(u32)` before it copies the program's number (AG-024); a descriptor that
  is no socket answers -ENOTSOCK, never 0; with optlen 4, an optval of address 0
  (copy_from_sockptr() faults below mmap_min_addr: -EFAULT, AJ-031) or a negative value
  (bpf_prog_get_type() -> fdget() of an unsigned int past any fdtable: -EBADF, AJ-023);
* ioctl(fd, FICLONERANGE, arg) whose src_fd's low half is negative as an int:
  ioctl_file_clone() -> fdget((unsigned int)src_fd) finds no table that large (-EBADF,
  AJ-022);
* pselect6 of an n negative as an int: core_sys_select() `if (n < 0)` -EINVAL (AJ-016);
* a timeout Linux refuses before it waits (round 86): pselect6's, ppoll's and
  epoll_pwait2's timespec with tv_sec < 0 or tv_nsec outside 0..10^9 - 1 --
  poll_select_set_timeout() -> !timespec64_valid() -EINVAL (AL-009, AL-011, AL-023,
  AL-038); pselect6's sigmask pair {ss, ss_len} with ss set and ss_len other than 8 --
  do_pselect() -> set_user_sigmask() `sigsetsize != sizeof(sigset_t)` -EINVAL (AL-010);
  ppoll's and epoll_pwait2's register pair {sigmask, sigsetsize} the same (round 87,
  AO-038); clock_nanosleep's and nanosleep's timespec, timerfd_settime's and
  timer_settime's itimerspec failing timespec64_valid() (AO-037, AO-036: -EINVAL before
  any sleep or descriptor / timer look-up).
  pselect6's and ppoll's timeout is the one the program passed (slot.asked, kept at the
  entry: Linux writes the time left back over it), judged where quiet through the call.
* structs at address 0 (round 86): openat2's open_how (copy_struct_from_user(), after
  the usize tests: -EFAULT, AL-002) and FICLONERANGE's (copy_from_user(): -EFAULT, AL-008);
  FICLONE's argument, itself the source descriptor, negative as an int (fdget(): -EBADF,
  AL-006);
* getsockopt(SOL_SOCKET) of an option sk_getsockopt() has no case for -- the set-only BPF
  attaches, -ENOPROTOOPT (AL-019); setsockopt(SO_ATTACH_FILTER or
  SO_ATTACH_REUSEPORT_CBPF): copy_bpf_fprog_from_user() `len != sizeof(struct
  sock_fprog)` -EINVAL, a sock_fprog at 0 -EFAULT, then __get_filter() ->
  bpf_check_basics_ok(): a NULL filter, len 0 or past BPF_MAXINSNS -EINVAL (AL-020).

The name and open_how are read where the program left them quiet through the call (read
answers None otherwise: nothing judged).  A call no rule is about pays its number's test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.reopen_flags import flag_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot

_NR_OPENAT2 = NUMBERS["openat2"]
_NR_SETSOCKOPT = NUMBERS["setsockopt"]
_NR_IOCTL = NUMBERS["ioctl"]
_NR_PSELECT6 = NUMBERS["pselect6"]
_NR_PPOLL = NUMBERS["ppoll"]
_NR_GETSOCKOPT = NUMBERS["getsockopt"]
_NR_EPOLL_PWAIT2 = NUMBERS["epoll_pwait2"]
_NR_TIMERFD_SETTIME = NUMBERS["timerfd_settime"]
_NR_TIMER_SETTIME = NUMBERS["timer_settime"]
_NR_CLOCK_NANOSLEEP = NUMBERS["clock_nanosleep"]
_NR_NANOSLEEP = NUMBERS["nanosleep"]
#: the sleeps' struct timespec and the timers' struct itimerspec (round 87): the argument
#: that holds it and its size -- read at the return where quiet (quiet_ranges.TIMEOUT_READS)
TIME_ARG = {_NR_CLOCK_NANOSLEEP: (2, 16), _NR_NANOSLEEP: (0, 16),
            _NR_TIMERFD_SETTIME: (2, 32), _NR_TIMER_SETTIME: (2, 32)}
#: the calls `early_error` judges
CALLS = frozenset((_NR_OPENAT2, _NR_SETSOCKOPT, _NR_IOCTL, _NR_PSELECT6, _NR_PPOLL,
                   _NR_EPOLL_PWAIT2, _NR_GETSOCKOPT)) | frozenset(TIME_ARG)
#: _IOW(0x94, 9, int)
FICLONE = 0x40049409
SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF = 26, 51
#: SOL_SOCKET options sk_getsockopt() has no case for on 6.1..6.18 (set-only: the BPF
#: attaches; SO_ATTACH_FILTER's number is SO_GET_FILTER there)
_SET_ONLY = frozenset((50, SO_ATTACH_REUSEPORT_CBPF, 52))
#: struct sock_fprog {unsigned short len; struct sock_filter *filter} on arm64
_FPROG_SIZE = 16
#: include/uapi/linux/bpf_common.h
BPF_MAXINSNS = 4096
#: the argument that holds each call's struct timespec timeout
TIMEOUT_ARG = {_NR_PSELECT6: 4, _NR_PPOLL: 2, _NR_EPOLL_PWAIT2: 3}
_NSEC_PER_SEC = 10 ** 9
#: sizeof(sigset_t) on arm64
_SIGSET_SIZE = 8
#: how far into a name '.' components are followed (a longer run is not judged)
_SCAN = 256
_PAGE = 4096
#: _IOW(0x94, 13, struct file_clone_range)
FICLONERANGE = 0x4020940D
#: include/uapi/linux/openat2.h; OPEN_HOW_SIZE_VER0 (flags, mode, resolve: u64 each)
RESOLVE_BENEATH, RESOLVE_IN_ROOT, OPEN_HOW_SIZE = 0x08, 0x10, 24
#: the largest PAGE_SIZE of an arm64 kernel (64 KiB pages): sys_openat2() `usize > PAGE_SIZE`
MAX_PAGE = 65536
SOL_SOCKET, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF = 1, 50, 52


def _how_error(a: tuple[int, ...], read: Callable[[int, int], bytes | None],
               zero_mapped: Callable[[], bool]) -> str:
    """Why sys_openat2() / build_open_flags() refuse the struct before any look-up."""
    usize = a[3]
    if usize < OPEN_HOW_SIZE:
        return f"open_how's usize {usize} (sys_openat2(): below OPEN_HOW_SIZE_VER0, -EINVAL)"
    if usize > MAX_PAGE:
        return f"open_how's usize {usize} (sys_openat2(): past PAGE_SIZE, -E2BIG)"
    if not a[2] and not zero_mapped():       # (AL-002)
        return "an open_how at address 0 (copy_struct_from_user(): -EFAULT)"
    raw = read(a[2], usize)
    if raw is None or len(raw) != usize:
        return ""
    if any(raw[OPEN_HOW_SIZE:]):
        return "a non-zero byte of open_how past 24 (copy_struct_from_user(): -E2BIG)"
    flags, mode, resolve = (int.from_bytes(raw[i:i + 8], "little") for i in (0, 8, 16))
    # (usize 24: flag_error()'s own size tests take a 4 KiB page; done above)
    why = flag_error((flags, mode, resolve, OPEN_HOW_SIZE), True, every_version=True)
    if why:
        return f"{why} (build_open_flags())"
    if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != RESOLVE_BENEATH:
        return ""
    name = read(a[1], 1)
    if name is None:
        return ""
    # (path_init(): `*s == '/' && !(flags & LOOKUP_IN_ROOT)` -> nd_jump_root())
    if name[:1] == b"/":
        return "an absolute name under RESOLVE_BENEATH (path_init() -> nd_jump_root(): " \
            "-EXDEV)"
    # (a first component '..' from dfd, which path_init() made nd->root: follow_dotdot();
    # '.' components before it leave the walk at nd->root: handle_dots() acts on '..' alone)
    if _dots_then_dotdot(a[1], read):
        return "a first component '..' (after '.' alone) under RESOLVE_BENEATH " \
            "(follow_dotdot() at nd->root: -EXDEV)"
    return ""


def _dots_then_dotdot(name: int, read: Callable[[int, int], bytes | None]) -> bool:
    """Is the relative name at `name` a run of '.' components (slashes between, as
    link_path_walk() skips them) and then a '..' component?  Read up to _SCAN bytes within
    the name's page (a name whose walk goes further is not judged)."""
    raw = read(name, min(_SCAN, _PAGE - name % _PAGE))
    if raw is None:
        return False
    end = raw.find(b"\0")
    if end >= 0:
        comps = raw[:end].split(b"/")
    else:                                    # the last component may go on: not judged
        comps = raw.split(b"/")[:-1]
    for comp in comps:
        if comp == b"..":
            return True
        if comp not in (b".", b""):
            return False
    return False


def early_error(slot: Slot, read: Callable[[int, int], bytes | None],
                zero_mapped: Callable[[], bool] = lambda: False) -> str:
    """Why Linux never answers the call in `slot` (one of CALLS) with a success; "" where
    it may.  `read(addr, n)`: memory as the call copied it (None: unknown).
    `zero_mapped()`: does the program map page 0 at the return?  A struct at address 0
    faults only below mmap_min_addr: a launch with vm.mmap_min_addr 0 may map it
    (MAP_FIXED, CAP_SYS_RAWIO), and a copy_from_user() there then reads it (and leaves
    the page present): such a struct is judged as any other (by default: unmapped)."""
    a = slot.args
    if slot.nr == _NR_OPENAT2:
        return _how_error(a, read, zero_mapped)
    if slot.nr == _NR_SETSOCKOPT and a[1] & 0xFFFF_FFFF == SOL_SOCKET \
            and a[2] & 0xFFFF_FFFF in (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF):
        if a[4] & 0xFFFF_FFFF != 4:
            return (f"option {a[2] & 0xFFFF_FFFF} with optlen {a[4] & 0xFFFF_FFFF} "
                    "(sk_setsockopt(): optlen == sizeof(u32) alone, -EINVAL)")
        if not a[3] and not zero_mapped():
            return "an optval at address 0 (copy_from_sockptr(): -EFAULT)"
        return _negative(read(a[3], 4), "the program descriptor")
    if slot.nr == _NR_SETSOCKOPT and a[1] & 0xFFFF_FFFF == SOL_SOCKET \
            and a[2] & 0xFFFF_FFFF in (SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF):
        return _fprog_error(a, read, zero_mapped)
    if slot.nr == _NR_GETSOCKOPT:
        if a[1] & 0xFFFF_FFFF == SOL_SOCKET and a[2] & 0xFFFF_FFFF in _SET_ONLY:
            return (f"SOL_SOCKET option {a[2] & 0xFFFF_FFFF}, set-only (sk_getsockopt(): "
                    "no case, -ENOPROTOOPT)")
        return ""
    if slot.nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF == FICLONERANGE:
        if not a[2] and not zero_mapped():   # (AL-008)
            return "a struct file_clone_range at address 0 (copy_from_user(): -EFAULT)"
        return _negative(read(a[2], 4), "FICLONERANGE's src_fd")
    if slot.nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF == FICLONE and a[2] & 0x8000_0000:
        # (AL-006: the argument itself is the source descriptor)
        return _negative((a[2] & 0xFFFF_FFFF).to_bytes(4, "little"), "FICLONE's src_fd")
    if slot.nr in TIMEOUT_ARG:
        return _wait_error(slot, read)
    if slot.nr in TIME_ARG:
        return _time_error(slot, read)
    return ""


def _time_error(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """Round 87: a time the call refuses before it sleeps or looks its timer up --
    clock_nanosleep() and nanosleep() `!timespec64_valid(&t)` -EINVAL (after
    get_timespec64()); do_timerfd_settime() `!itimerspec64_valid(new)` -EINVAL before
    fdget(ufd) (AO-036), do_timer_settime() timespec64_valid() of it_interval and
    it_value -EINVAL before the timer's look-up.  rmtp is written only with an error;
    a success of the timers writes the old setting (put_itimerspec64()) at args[3]: at
    the new one's address (or 16 bytes off) it leaves whole valid times there, but one
    that overlaps it at another offset (new + 4, say) leaves halves of the kernel's times
    that read as no valid time, so that is not judged."""
    arg, size = TIME_ARG[slot.nr]
    ptr = slot.args[arg]
    if not ptr:
        return ""
    old = slot.args[3] if size == 32 else 0
    if old and old < ptr + size and ptr < old + size and (old - ptr) % 16:
        return ""
    raw = read(ptr, size)
    if raw is None or len(raw) != size:
        return ""
    for at in range(0, size, 16):
        why = invalid_timeout(raw[at:at + 16])
        if why:
            return why.replace("poll_select_set_timeout()", "timespec64_valid()")
    return ""


def invalid_timeout(raw: bytes | None) -> str:
    """Why poll_select_set_timeout() refuses the struct timespec `raw` (-EINVAL): its
    !timespec64_valid() -- tv_sec < 0, or (unsigned long)tv_nsec >= NSEC_PER_SEC; "" where
    it takes it (or `raw` is unknown)."""
    if raw is None or len(raw) != 16:
        return ""
    sec = int.from_bytes(raw[:8], "little", signed=True)
    nsec = int.from_bytes(raw[8:], "little", signed=True)
    if sec < 0 or not 0 <= nsec < _NSEC_PER_SEC:
        return f"a timeout {{{sec}, {nsec}}} (poll_select_set_timeout(): -EINVAL)"
    return ""


#: the waits whose timeout poll_select_finish() writes the time left over
WRITTEN_BACK = frozenset((_NR_PSELECT6, _NR_PPOLL))


def refused_as_passed(slot: Slot) -> bool:
    """Did pselect6's or ppoll's timeout, as the program passed it at the entry, fail
    poll_select_set_timeout() (timespec64_valid())?  SYSCALL_DEFINE5(ppoll) and
    do_pselect() test it first, -EINVAL before do_sys_poll()/core_sys_select() and
    poll_select_finish(): where the bytes lay quiet through the call (the caller asks),
    no answer stored anything (answer_stores.py, `cut.answer_stores`)."""
    tmo = slot.args[TIMEOUT_ARG[slot.nr]] if slot.nr in TIMEOUT_ARG else 0
    return bool(tmo) and bool(invalid_timeout(slot.asked.get(tmo)))


def stored_over_invalid(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """Why pselect6's or ppoll's timeout, one poll_select_set_timeout() refuses as passed
    at the entry, no longer holds it where it lay quiet through the call: Linux answers
    -EINVAL before poll_select_finish() stores any time left (ppoll(), do_pselect()), so
    the timeout is left as passed -- whatever the answer; "" where it may be."""
    tmo = slot.args[TIMEOUT_ARG[slot.nr]]
    asked = slot.asked.get(tmo) if tmo else None
    if not invalid_timeout(asked):
        return ""
    now = read(tmo, 16)
    if now is None or now == asked:
        return ""
    return (f"a time left written over {invalid_timeout(asked)}, which stores nothing")


def _wait_error(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """pselect6's n, the waits' timeout and pselect6's sigset size (see the module)."""
    a = slot.args
    if slot.nr == _NR_PSELECT6 and a[0] & 0x8000_0000:
        return f"n {(a[0] & 0xFFFF_FFFF) - (1 << 32)} (core_sys_select(): n < 0, -EINVAL)"
    tmo = a[TIMEOUT_ARG[slot.nr]]
    if tmo:
        # (pselect6 and ppoll write the time left over it: the one passed, kept at entry)
        raw = read(tmo, 16) if slot.nr == _NR_EPOLL_PWAIT2 else \
            (slot.asked.get(tmo) if read(tmo, 16) is not None else None)
        why = invalid_timeout(raw)
        if why:
            return why
    if slot.nr == _NR_PSELECT6 and a[5]:
        pack = read(a[5], 16)                # {const sigset_t *ss; size_t ss_len}
        if pack is not None and len(pack) == 16:
            ss, size = int.from_bytes(pack[:8], "little"), int.from_bytes(pack[8:], "little")
            if ss and size != _SIGSET_SIZE:
                return f"a sigset size {size} (set_user_sigmask(): not 8, -EINVAL)"
    # (round 87, AO-038: ppoll(fds, n, tmo, sigmask, sigsetsize) and epoll_pwait2(...,
    # sigmask, sigsetsize) pass the pair in registers: SYSCALL_DEFINE5(ppoll) and
    # do_epoll_pwait() -> set_user_sigmask() `sigsetsize != sizeof(sigset_t)` -EINVAL)
    if slot.nr != _NR_PSELECT6:
        mask, size = (a[3], a[4]) if slot.nr == _NR_PPOLL else (a[4], a[5])
        if mask and size != _SIGSET_SIZE:
            return f"a sigset size {size} (set_user_sigmask(): not 8, -EINVAL)"
    return ""


def _fprog_error(a: tuple[int, ...], read: Callable[[int, int], bytes | None],
                 zero_mapped: Callable[[], bool]) -> str:
    """SO_ATTACH_FILTER / SO_ATTACH_REUSEPORT_CBPF: copy_bpf_fprog_from_user() takes
    optlen == sizeof(struct sock_fprog) alone (-EINVAL) and copies it (-EFAULT at 0);
    __get_filter() -> bpf_check_basics_ok(): a NULL filter or a len of 0 or past
    BPF_MAXINSNS, -EINVAL (AL-020)."""
    if a[4] & 0xFFFF_FFFF != _FPROG_SIZE:
        return (f"SO_ATTACH_FILTER's optlen {a[4] & 0xFFFF_FFFF} (copy_bpf_fprog_from_user(): "
                "not 16, -EINVAL)")
    if not a[3] and not zero_mapped():
        return "a sock_fprog at address 0 (copy_from_sockptr(): -EFAULT)"
    raw = read(a[3], _FPROG_SIZE)
    if raw is None or len(raw) != _FPROG_SIZE:
        return ""
    flen, filt = int.from_bytes(raw[:2], "little"), int.from_bytes(raw[8:], "little")
    if not filt or not 0 < flen <= BPF_MAXINSNS:
        return (f"a sock_fprog of len {flen}, filter {filt:#x} (__get_filter() -> "
                "bpf_check_basics_ok(): -EINVAL)")
    return ""


def _negative(raw: bytes | None, what: str) -> str:
    """A descriptor read from memory whose int (an fdget()'s unsigned int's low half) is
    negative: past any fdtable (NR_OPEN, 1 << 20), fdget() finds no file (-EBADF)."""
    if raw is None or len(raw) != 4 or not raw[3] & 0x80:
        return ""
    return f"{what} {int.from_bytes(raw, 'little', signed=True)} (fdget(): -EBADF)"
