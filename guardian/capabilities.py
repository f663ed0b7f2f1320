"""Capabilities: which user memory the kernel may touch while serving a syscall.

Derived by the Guardian from the syscall in progress, using its own saved
copy of the arguments (never the kernel's): a static table names, per
syscall, the arguments that are user pointers and how large and how
writable the memory behind them is.  Nested structures (argv lists, iovec
arrays, C strings) are expanded by reading the user's memory, which the
Guardian trusts and the kernel cannot alter.  Long-lived capabilities
(set_robust_list) outlive the syscall that created them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from abi.layout import (
    CLONE_ARGS_V0,
    CLONE_ARGS_V2,
    CLONE_PIDFD,
)

R, W, RW = 1, 2, 3

# Size sources: an int is a constant; ("arg", i) is args[i]; ("arg*", i, k) is args[i]*k;
# ("ints", i, k, m) is args[i]'s low 32 bits times k, 0 above m; ("pages", i) is
# ceil(args[i] / 4096); ("deref32", i) is the u32 the user stored at args[i]
# (a socklen_t the call reads and updates); ("fdset", i) is the bytes of an fd_set of args[i] bits.
Size = int | tuple


@dataclass(frozen=True)
class CapRule:
    arg: int
    kind: str            # "buf", "cstr", "strlist", "iov", ...
    size: Size = 0       # for buf; for iov: the element count
    access: int = R
    offset: int = 0      # for buf: where in the struct the granted field starts


def _b(arg: int, size: Size, access: int, offset: int = 0) -> CapRule:
    return CapRule(arg, "buf", size, access, offset)


def _s(arg: int) -> CapRule:
    return CapRule(arg, "cstr", 0, R)


CAP_TABLE: dict[str, tuple[CapRule, ...]] = {
    "read": (_b(1, ("arg", 2), W),),
    "write": (_b(1, ("arg", 2), R),),
    "pread64": (_b(1, ("arg", 2), W),),
    "pwrite64": (_b(1, ("arg", 2), R),),
    "readv": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), W)),
    "preadv": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), W)),
    "writev": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), R)),
    "pwritev": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), R)),
    "preadv2": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), W)),
    "pwritev2": (_b(1, ("arg*", 2, 16), R), CapRule(1, "iov", ("arg", 2), R)),
    "openat": (_s(1),),
    # struct open_how: Linux reads all `size` bytes (to see the tail it does not know is
    # zero), so the grant is the size the program passed.
    "openat2": (_s(1), _b(2, ("arg", 3), R)),
    "newfstatat": (_s(1), _b(2, 128, W)),
    "fstat": (_b(1, 128, W),),
    "statx": (_s(1), _b(4, 256, W)),
    "faccessat": (_s(1),),
    "faccessat2": (_s(1),),
    "readlinkat": (_s(1), _b(2, ("arg", 3), W)),
    "getdents64": (_b(1, ("arg", 2), W),),
    "getcwd": (_b(0, ("arg", 1), W),),
    "chdir": (_s(0),),
    "chroot": (_s(0),),
    "mkdirat": (_s(1),),
    # inotify_add_watch(): inotify_find_inode() -> user_path_at() of the name
    "inotify_add_watch": (_s(1),),
    "mknodat": (_s(1),),
    "getxattr": (_s(0), _s(1), _b(2, ("arg", 3), W)),
    "lgetxattr": (_s(0), _s(1), _b(2, ("arg", 3), W)),
    "fgetxattr": (_s(1), _b(2, ("arg", 3), W)),
    "listxattr": (_s(0), _b(1, ("arg", 2), W)),
    "llistxattr": (_s(0), _b(1, ("arg", 2), W)),
    "flistxattr": (_b(1, ("arg", 2), W),),
    # setxattr_copy(): the name (import_xattr_name()), then vmemdup_user() of the value's
    # size bytes; nothing written.  removexattr: the name alone.
    "setxattr": (_s(0), _s(1), _b(2, ("arg", 3), R)),
    "lsetxattr": (_s(0), _s(1), _b(2, ("arg", 3), R)),
    "fsetxattr": (_s(1), _b(2, ("arg", 3), R)),
    "removexattr": (_s(0), _s(1)),
    "lremovexattr": (_s(0), _s(1)),
    "fremovexattr": (_s(1),),
    "unlinkat": (_s(1),),
    "renameat": (_s(1), _s(3)),
    "renameat2": (_s(1), _s(3)),
    "symlinkat": (_s(0), _s(2)),
    "linkat": (_s(1), _s(3)),
    "fchmodat": (_s(1),),
    # do_fchownat() -> user_path_at(): the name only
    "fchownat": (_s(1),),
    "utimensat": (_s(1), _b(2, 32, R)),
    "truncate": (_s(0),),
    "statfs": (_s(0), _b(1, 120, W)),
    "fstatfs": (_b(1, 120, W),),
    "pipe2": (_b(0, 8, W),),
    "ioctl": (_b(2, 64, RW),),
    "fcntl": (_b(2, 32, RW),),
    "sendfile": (_b(2, 8, RW),),
    # (poll_select_finish(): put_timespec64() of the time left back to tsp, as pselect6)
    "ppoll": (_b(0, ("arg*", 1, 8), RW), _b(2, 16, RW), _b(3, 8, R)),
    "pselect6": (_b(1, ("fdset", 0), RW), _b(2, ("fdset", 0), RW), _b(3, ("fdset", 0), RW),
                 _b(4, 16, RW), CapRule(5, "sigmask_arg")),
    "epoll_ctl": (_b(3, 16, R),),
    "epoll_pwait": (_b(1, ("arg*", 2, 16), W), _b(4, 8, R)),
    "epoll_pwait2": (_b(1, ("arg*", 2, 16), W), _b(3, 16, R), _b(4, 8, R)),
    "timerfd_settime": (_b(2, 32, R), _b(3, 32, W)),
    "timerfd_gettime": (_b(1, 32, W),),
    "timer_create": (_b(1, 64, R), _b(2, 4, W)),
    "timer_settime": (_b(2, 32, R), _b(3, 32, W)),
    "timer_gettime": (_b(1, 32, W),),
    "signalfd4": (_b(1, 8, R),),
    "splice": (_b(1, 8, RW), _b(3, 8, RW)),
    "copy_file_range": (_b(1, 8, RW), _b(3, 8, RW)),
    "socketpair": (_b(3, 8, W),),
    "bind": (_b(1, ("arg", 2), R),),
    "connect": (_b(1, ("arg", 2), R),),
    "accept": (_b(1, ("deref32", 2), W), _b(2, 4, RW)),
    "accept4": (_b(1, ("deref32", 2), W), _b(2, 4, RW)),
    "getsockname": (_b(1, ("deref32", 2), W), _b(2, 4, RW)),
    "getpeername": (_b(1, ("deref32", 2), W), _b(2, 4, RW)),
    "setsockopt": (_b(3, ("arg", 4), R),),
    "getsockopt": (_b(3, ("deref32", 4), W), _b(4, 4, RW)),
    "sendto": (_b(1, ("arg", 2), R), _b(4, ("arg", 5), R)),
    "recvfrom": (_b(1, ("arg", 2), W), _b(4, ("deref32", 5), W), _b(5, 4, RW)),
    "sendmsg": (CapRule(1, "msghdr", 0, R),),
    "recvmsg": (CapRule(1, "msghdr", 0, W),),
    "sendmmsg": (CapRule(1, "mmsghdr", ("arg", 2), R),),
    "recvmmsg": (CapRule(1, "mmsghdr", ("arg", 2), W), _b(4, 16, RW)),
    "memfd_create": (_s(0),),
    "pidfd_send_signal": (_b(2, 128, R),),
    "capget": (_b(0, 8, RW), _b(1, 24, W)),
    "execve": (_s(0), CapRule(1, "strlist"), CapRule(2, "strlist")),
    "wait4": (_b(1, 4, W), _b(3, 144, W)),
    # waitid writes six siginfo fields with unsafe_put_user() (si_signo, si_errno, si_code;
    # si_pid, si_uid, si_status): neither the padding nor si_utime/si_stime
    "waitid": (_b(2, 12, W), _b(2, 12, W, 16), _b(4, 144, W)),
    # clone's TID words (ptid, ctid) are granted by guardian.tid_words: which word, in
    # which tree, per flag -- never by address alone.
    "clone": (),
    "clone3": (_b(0, ("arg", 1), R), CapRule(0, "clone_args")),
    "rt_sigaction": (_b(1, 32, R), _b(2, 32, W)),
    "rt_sigprocmask": (_b(1, 8, R), _b(2, 8, W)),
    "rt_sigpending": (_b(0, 8, W),),
    "rt_sigsuspend": (_b(0, 8, R),),
    "rt_sigtimedwait": (_b(0, 8, R), _b(1, 128, W), _b(2, 16, R)),
    "rt_sigqueueinfo": (_b(2, 128, R),),
    "rt_tgsigqueueinfo": (_b(3, 128, R),),
    "sigaltstack": (_b(0, 24, R), _b(1, 24, W)),
    "setitimer": (_b(1, 32, R), _b(2, 32, W)),
    "getitimer": (_b(1, 32, W),),
    "futex": (_b(0, 4, RW), _b(3, 16, R), _b(4, 4, RW)),
    "nanosleep": (_b(0, 16, R), _b(1, 16, W)),
    "clock_nanosleep": (_b(2, 16, R), _b(3, 16, W)),
    "clock_gettime": (_b(1, 16, W),),
    # (io_setup, io_submit, io_cancel, io_getevents, io_pgetevents: none; a confidential
    # program's kernel has no aio, guardian/no_aio.py)
    "clock_getres": (_b(1, 16, W),),
    "gettimeofday": (_b(0, 16, W), _b(1, 8, W)),
    "getrandom": (_b(0, ("arg", 1), W),),
    "uname": (_b(0, 390, W),),
    "sysinfo": (_b(0, 112, W),),
    "prlimit64": (_b(2, 16, R), _b(3, 16, W)),
    "getrlimit": (_b(1, 16, W),),
    "setrlimit": (_b(1, 16, R),),
    "getrusage": (_b(1, 144, W),),
    "times": (_b(0, 32, W),),
    "sched_getaffinity": (_b(2, ("arg", 1), W),),
    "sched_getparam": (_b(1, 4, W),),
    # do_sched_setscheduler(): copy_from_user() of struct sched_param (one int)
    "sched_setscheduler": (_b(2, 4, R),),
    "sched_setparam": (_b(1, 4, R),),
    "getcpu": (_b(0, 4, W), _b(1, 4, W)),
    "getgroups": (_b(1, ("arg*", 0, 4), W),),
    # groups_from_user(): size gids read, none where (unsigned)size > NGROUPS_MAX
    "setgroups": (_b(1, ("ints", 0, 4, 65536), R),),
    "getresuid": (_b(0, 4, W), _b(1, 4, W), _b(2, 4, W)),
    "getresgid": (_b(0, 4, W), _b(1, 4, W), _b(2, 4, W)),
    "prctl": (),                   # granted per option, in both designs: prctl_caps.py
    "get_robust_list": (_b(1, 8, W), _b(2, 8, W)),
    "mincore": (_b(2, ("pages", 1), W),),
}

# The predecessor design (MProtect) allows the kernel's access case by case: a fixed
# set of buffers per syscall, named by its arguments (plain buffers, path strings) or by
# the fixed struct an argument points to (clone3's clone_args names its TID words as
# clone's arguments do).  It has no variable-length derived capabilities (argv lists,
# iovec arrays, message headers and their buffers, pselect6's sigmask pair) and no
# long-lived ones.  Its table is derived from CAP_TABLE, so a call given a capability
# there has its fixed buffers here too.
MPROTECT_KINDS = frozenset({"buf", "cstr", "clone_args"})

#: Calls with capabilities in CAP_TABLE but none in mprotect mode, and why.
MPROTECT_WITHOUT: dict[str, str] = {
    "sendmsg": "its only capability is a message header and what it points to (derived)",
    "recvmsg": "its only capability is a message header and what it points to (derived)",
    "sendmmsg": "its only capability is an array of message headers (derived)",
}

MPROTECT_TABLE: dict[str, tuple[CapRule, ...]] = {
    name: kept for name, rules in CAP_TABLE.items()
    if (kept := tuple(r for r in rules if r.kind in MPROTECT_KINDS))
}


# Registered by these calls and kept past their return (the kernel walks the robust list
# at the thread's exit).  set_tid_address's word is the thread's own: guardian.tid_words.
LONG_LIVED: dict[str, tuple[CapRule, ...]] = {
    "set_robust_list": (_b(0, ("arg", 1), RW),),
}

MAX_STRING = 131072
MAX_LIST = 65536

ReadUser = Callable[[int, int], bytes | None]   # user memory as the Guardian reads it


class NotPresent(Exception):
    """A capability cannot be derived yet: user memory at `va` is not paged in."""

    def __init__(self, va: int) -> None:
        super().__init__(f"user page at {va:#x} is not present")
        self.va = va


def _size(spec: Size, args: Sequence[int], read: ReadUser | None = None) -> int:
    if isinstance(spec, int):
        return spec
    if spec[0] == "fdset":
        return (min(args[spec[1]], 1 << 20) + 63) // 64 * 8
    if spec[0] == "deref32":
        if read is None or not args[spec[1]]:
            return 0
        return struct.unpack("<I", _read(read, args[spec[1]], 4))[0]
    if spec[0] == "arg":
        return args[spec[1]]
    if spec[0] == "arg*":
        return args[spec[1]] * spec[2]
    if spec[0] == "ints":       # an int count the call refuses above spec[3]
        n = args[spec[1]] & 0xFFFF_FFFF
        return n * spec[2] if n <= spec[3] else 0
    if spec[0] == "pages":
        return -(-args[spec[1]] // 4096)
    raise ValueError(spec)


def register_size(spec: Size, args: Sequence[int]) -> int:
    """A size spec that needs no user memory (not "deref32"), from the arguments alone."""
    return _size(spec, args)


def _read(read: ReadUser, va: int, n: int) -> bytes:
    data = read(va, n)
    if data is None:
        raise NotPresent(va)
    return data


def _strlen(read: ReadUser, va: int) -> int | None:
    n = 0
    while n < MAX_STRING:
        chunk = _read(read, va + n, min(256, 4096 - ((va + n) & 4095)))
        nul = chunk.find(b"\0")
        if nul >= 0:
            return n + nul
        n += len(chunk)
    return None


def expand(rules: Sequence[CapRule], args: Sequence[int], read: ReadUser
           ) -> list[tuple[int, int, int]]:
    """The (start, end, access) ranges the rules grant for these arguments.

    Raises NotPresent when a structure the expansion must read is not paged in
    (the caller has the kernel fault it in and asks again).
    """
    out: list[tuple[int, int, int]] = []
    for rule in rules:
        base = args[rule.arg]
        if base == 0:
            continue
        if rule.kind == "buf":
            size = _size(rule.size, args, read)
            if size > 0:
                start = base + rule.offset
                out.append((start, start + size, rule.access))
        elif rule.kind == "cstr":
            n = _strlen(read, base)
            if n is not None:
                out.append((base, base + n + 1, R))
        elif rule.kind == "strlist":
            for i in range(MAX_LIST):
                raw = _read(read, base + 8 * i, 8)
                out.append((base + 8 * i, base + 8 * i + 8, R))
                ptr = struct.unpack("<Q", raw)[0]
                if ptr == 0:
                    break
                n = _strlen(read, ptr)
                if n is not None:
                    out.append((ptr, ptr + n + 1, R))
        elif rule.kind == "sigmask_arg":
            # pselect6's sixth argument: {const sigset_t *ss; size_t ss_len}.
            ss, ss_len = struct.unpack("<QQ", _read(read, base, 16))
            out.append((base, base + 16, R))
            if ss and ss_len:
                out.append((ss, ss + min(ss_len, 128), R))
        elif rule.kind == "msghdr":
            out.extend(_msghdr_ranges(read, base, rule.access))
        elif rule.kind == "clone_args":
            out.extend(_clone_args_ranges(read, base, args[1]))
        elif rule.kind == "mmsghdr":
            # struct mmsghdr[]: each a msghdr and the msg_len the kernel fills in.
            for i in range(min(_size(rule.size, args) & 0xFFFF_FFFF, 1024)):
                entry = base + 64 * i
                out.extend(_msghdr_ranges(read, entry, rule.access))
                out.append((entry + 56, entry + 60, W))
        elif rule.kind == "iov":
            count = min(_size(rule.size, args), 1024)
            raw = _read(read, base, 16 * count) if count else b""
            for i in range(count):
                iov_base, iov_len = struct.unpack_from("<QQ", raw, 16 * i)
                if iov_len:
                    out.append((iov_base, iov_base + iov_len, rule.access))
    return out


def _clone_args_ranges(read: ReadUser, base: int, size: int) -> list[tuple[int, int, int]]:
    """What clone3's struct clone_args lets the kernel touch: the pidfd word the flags ask
    it to write and the set_tid array (the TID words are guardian.tid_words' grants)."""
    if size < CLONE_ARGS_V0:
        return []                                   # Linux fails the call (EINVAL)
    raw = _read(read, base, min(size, CLONE_ARGS_V2)).ljust(CLONE_ARGS_V2, b"\0")
    flags, pidfd, _, _, _, _, _, _, set_tid, set_tid_size, _ = struct.unpack("<11Q", raw)
    out = [(pidfd, pidfd + 4, W)] if pidfd and flags & CLONE_PIDFD else []
    if set_tid and set_tid_size:
        out.append((set_tid, set_tid + 4 * min(set_tid_size, 32), R))
    return out


def _msghdr_ranges(read: ReadUser, base: int, access: int) -> list[tuple[int, int, int]]:
    """A struct msghdr (56 bytes on AArch64) and what it points to: the name, the iovec
    array and its buffers, the control buffer.  Receiving also updates the header."""
    name, namelen, iov, iovlen, control, controllen = struct.unpack(
        "<QI4xQQQQ", _read(read, base, 48))
    out = [(base, base + 56, R)]
    if access & W:
        # Linux writes back msg_namelen, msg_controllen and msg_flags, nothing else of the
        # header: its pointers stay the ones the program passed (abi/outputs' Message).
        out += [(base + 8, base + 12, RW), (base + 40, base + 52, RW)]
    if name and namelen:
        out.append((name, name + namelen, access))
    count = min(iovlen, 1024)
    if iov and count:
        out.append((iov, iov + 16 * count, R))
        raw = _read(read, iov, 16 * count)
        for i in range(count):
            iov_base, iov_len = struct.unpack_from("<QQ", raw, 16 * i)
            if iov_len:
                out.append((iov_base, iov_base + iov_len, access))
    if control and controllen:
        out.append((control, control + controllen, access))
    return out


def covered(ranges: Sequence[tuple[int, int, int]], va: int, n: int, access: int) -> int:
    """How many bytes from va (up to n) the ranges allow, contiguously."""
    pos = va
    end = va + n
    progress = True
    while pos < end and progress:
        progress = False
        for start, stop, acc in ranges:
            if start <= pos < stop and acc & access == access:
                pos = min(stop, end)
                progress = True
    return pos - va
