"""What Linux writes into a program's memory when a call returns: the output contract.

A program trusts a call's result about the memory it handed the kernel: uname() answering
0 means the utsname was filled in, read(n) means n bytes arrived, recvmsg's msg_controllen
says how much control data there is.  A kernel that answers without writing, or reports
more than the room the program gave, makes the program pass its buffer's old contents (a
secret, when memory is reused) off as the kernel's answer.  This table states, for every
call with a user output, what an answer within Linux's contract has written, so that the
Guardian's result checks (guardian/result_outputs.py) are derived from one place and a
call the table does not name cannot be forgotten (tests walk every call the capability
table lets the kernel write for).

Each row is a tuple of contract terms:

- `Fixed(arg, size, when)`: a struct Linux writes whole (`size` bytes, or a size spec as in
  the capability table) when `when` holds: OK (result 0), ANY (any non-error result),
  POSITIVE (a result > 0: a reaped child, a taken signal), EINTR (the interrupted sleeps'
  remaining time); a NULL pointer is an output the program did not ask for.  `spans`
  narrows it to the fields Linux writes (waitid's siginfo: six fields, not its padding).
- `Records(arg, elem, count_arg)`: a result that counts `elem`-byte records written at
  `arg`, at most the count argument (times `scale`, capped at `limit`); `probe` -- a count
  argument of 0 asks for the number and writes nothing (getgroups, the xattr lists).
- `Reported(buf_arg, len_arg, cut)`: a value-result length: Linux cuts the value to the
  length passed and writes back what it wrote (`cut`: getsockopt), or writes back an
  address's full length (at most a sockaddr_storage) and min(passed, full) bytes of it.
- `Message(many)`: recvmsg/recvmmsg: only msg_namelen, msg_controllen, msg_flags (and
  msg_len) are written back, each within what the program passed; the capability table
  lets the kernel write those fields and nothing else of the header.
- `NulString(arg, fields)`: a name Linux ends with a NUL inside each field (utsname's six
  65-byte fields, PR_GET_NAME's 16 bytes); `fields` None: the result counts the string
  with its NUL (getcwd).
- `ByCommand(arg, rows, ioc)`: the output depends on a command argument (ioctl's request,
  fcntl's and prctl's command); `ioc`: a request whose _IOC direction says the kernel
  writes has the _IOC size as its output where the table does not say otherwise.
- `Varies(reason)`: no completeness rule, with the reason (the read family's counts are
  judged by `return.count_written`; long-lived words are written later; ...).
"""

from __future__ import annotations

from dataclasses import dataclass

OK, ANY, POSITIVE, EINTR = "ok", "any", "positive", "eintr"
SOCKADDR_STORAGE = 128          # the largest address length Linux reports
TIMER_ABSTIME = 1

#: Size specs as the capability table spells them: an int, ("arg", i), ("pages", i),
#: ("arg*", i, k): args[i] * k, ("min_arg", i, k): min(args[i], k), ("bits", i): a node
#: mask of args[i] bits.
Size = int | tuple


@dataclass(frozen=True)
class Fixed:
    arg: int
    size: Size
    when: str = OK
    spans: tuple[tuple[int, int], ...] = ()     # (offset, length) of the fields written
    unless_flag: tuple[int, int] | None = None  # (arg, bit): no output when args[arg] & bit


@dataclass(frozen=True)
class Records:
    arg: int
    elem: int
    count_arg: int
    scale: int = 1
    limit: int = 1 << 32
    written: bool = True        # the records counted must have been written
    probe: bool = False         # a count argument of 0 asks for the number only
    header: int = 0             # bytes before the records (msgrcv's mtype)


@dataclass(frozen=True)
class Reported:
    buf_arg: int
    len_arg: int
    cut: bool


@dataclass(frozen=True)
class Message:
    arg: int
    many: bool = False
    receive: bool = True


@dataclass(frozen=True)
class NulString:
    arg: int
    fields: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class ByCommand:
    arg: int
    rows: dict[int, tuple[object, ...]]
    ioc: bool = False


@dataclass(frozen=True)
class Varies:
    reason: str


Term = Fixed | Records | Reported | Message | NulString | ByCommand | Varies

_TS, _ITS, _TV = 16, 32, 16               # timespec, itimerspec, timeval
_UTSNAME_FIELDS = tuple((65 * i, 65) for i in range(6))
#: waitid's siginfo: si_signo, si_errno, si_code, then si_pid, si_uid, si_status.
_WAITID_FIELDS = ((0, 12), (16, 12))
_COUNT_WRITTEN = "a byte count: return.count_bound and return.count_written judge it"

# --- ioctl requests (the asm-generic numbers) -------------------------------------------
TCGETS, TIOCGPGRP, TIOCGWINSZ, FIONREAD = 0x5401, 0x540F, 0x5413, 0x541B
TIOCGSID, TIOCOUTQ, TIOCGPTN = 0x5429, 0x5411, 0x80045430
FS_IOC_GETFLAGS, FS_IOC_GETVERSION = 0x80086601, 0x80087601
IOC_READ = 2                                # _IOC_READ: the kernel writes to user memory

#: Requests whose output Linux writes whole on success.  TCGETS and the TIOC* requests
#: predate _IOC and encode no size; FS_IOC_GETFLAGS/GETVERSION say `long` in their _IOC
#: size (8) but every filesystem writes an int (4 bytes).
IOCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    TCGETS: (Fixed(2, 36, ANY),),           # struct termios: 4 flags, c_line, 19 c_cc
    TIOCGWINSZ: (Fixed(2, 8, ANY),),        # struct winsize
    TIOCGPGRP: (Fixed(2, 4, ANY),), TIOCGSID: (Fixed(2, 4, ANY),), FIONREAD: (Fixed(2, 4, ANY),),
    TIOCOUTQ: (Fixed(2, 4, ANY),), TIOCGPTN: (Fixed(2, 4, ANY),),
    FS_IOC_GETFLAGS: (Fixed(2, 4, ANY),), FS_IOC_GETVERSION: (Fixed(2, 4, ANY),),
}

# --- fcntl and prctl commands --------------------------------------------------------------
F_GETLK, F_GETOWN_EX, F_OFD_GETLK = 5, 16, 36
FCNTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    F_GETLK: (Fixed(2, 32, ANY),), F_OFD_GETLK: (Fixed(2, 32, ANY),),   # struct flock
    F_GETOWN_EX: (Fixed(2, 8, ANY),),                             # struct f_owner_ex
}
PR_GET_PDEATHSIG, PR_GET_NAME, PR_GET_CHILD_SUBREAPER, PR_GET_TID_ADDRESS = 2, 16, 37, 40
PRCTL_OUTPUTS: dict[int, tuple[object, ...]] = {
    PR_GET_PDEATHSIG: (Fixed(1, 4),),
    PR_GET_NAME: (Fixed(1, 16), NulString(1, ((0, 16),))),   # the comm, NUL-terminated
    PR_GET_CHILD_SUBREAPER: (Fixed(1, 4),),
    PR_GET_TID_ADDRESS: (Fixed(1, 8),),                      # the clear_child_tid pointer
}

OUTPUTS: dict[str, tuple[Term, ...]] = {
    # --- byte counts: the read family -------------------------------------------------
    "read": (Varies(_COUNT_WRITTEN),), "pread64": (Varies(_COUNT_WRITTEN),),
    "readv": (Varies(_COUNT_WRITTEN),), "preadv": (Varies(_COUNT_WRITTEN),),
    "preadv2": (Varies(_COUNT_WRITTEN),), "recvfrom": (Varies(_COUNT_WRITTEN),
                                                       Reported(4, 5, cut=False)),
    "readlinkat": (Varies(_COUNT_WRITTEN + "; Linux writes no NUL"),),
    "getdents64": (Varies(_COUNT_WRITTEN),),
    "getcwd": (Varies(_COUNT_WRITTEN), NulString(0)),
    "getrandom": (Varies("served from the Guardian's own entropy (return.getrandom)"),),
    "process_vm_readv": (Varies(_COUNT_WRITTEN + " over the local iovecs"),),
    "vmsplice": (Varies("a count bounded by the iovecs (return.count_bound); which way the "
                        "bytes go depends on the pipe end, so no completeness rule"),),
    "sched_getaffinity": (Records(2, 1, 1),),        # min(len, the mask's size) bytes
    "msgrcv": (Records(1, 1, 2, header=8),),         # mtype, then at most msgsz of mtext
    "mq_timedreceive": (Records(1, 1, 2), Fixed(3, 4, ANY)),   # the message, its priority
    "getxattr": (Records(2, 1, 3, probe=True),), "lgetxattr": (Records(2, 1, 3, probe=True),),
    "fgetxattr": (Records(2, 1, 3, probe=True),),
    "listxattr": (Records(1, 1, 2, probe=True),), "llistxattr": (Records(1, 1, 2, probe=True),),
    "flistxattr": (Records(1, 1, 2, probe=True),),
    # --- counts of records --------------------------------------------------------------
    "getgroups": (Records(1, 4, 0, probe=True),),
    "epoll_pwait": (Records(1, 16, 2),), "epoll_pwait2": (Records(1, 16, 2),),
    "io_getevents": (Records(3, 32, 2),), "io_pgetevents": (Records(3, 32, 2),),
    "ppoll": (Records(0, 8, 1, written=False),),     # ready pollfds, at most nfds
    "pselect6": (Records(1, 0, 0, scale=3, written=False),),   # set bits in three fd_sets
    # --- value-result lengths and messages ------------------------------------------------
    "getsockopt": (Reported(3, 4, cut=True),),
    "getsockname": (Reported(1, 2, cut=False),), "getpeername": (Reported(1, 2, cut=False),),
    "accept": (Reported(1, 2, cut=False),), "accept4": (Reported(1, 2, cut=False),),
    "recvmsg": (Message(1),), "recvmmsg": (Message(1, many=True),),
    "sendmmsg": (Message(1, many=True, receive=False),),
    # --- fixed-size structs ---------------------------------------------------------------
    "uname": (Fixed(0, 390), NulString(0, _UTSNAME_FIELDS)),
    "sysinfo": (Fixed(0, 112),), "times": (Fixed(0, 32, ANY),),
    "getrusage": (Fixed(1, 144),),
    "clock_gettime": (Fixed(1, _TS),), "clock_getres": (Fixed(1, _TS),),
    "gettimeofday": (Fixed(0, _TV), Fixed(1, 8)),
    "fstat": (Fixed(1, 128),), "newfstatat": (Fixed(2, 128),),
    # Linux copies out the whole statx, unrequested fields zeroed, whatever stx_mask says.
    "statx": (Fixed(4, 256),),
    "statfs": (Fixed(1, 120),), "fstatfs": (Fixed(1, 120),),
    "getitimer": (Fixed(1, _ITS),), "setitimer": (Fixed(2, _ITS),),
    "timerfd_gettime": (Fixed(1, _ITS),), "timerfd_settime": (Fixed(3, _ITS),),
    "timer_gettime": (Fixed(1, _ITS),), "timer_settime": (Fixed(3, _ITS),),
    "timer_create": (Fixed(2, 4),),
    "rt_sigpending": (Fixed(0, 8),), "rt_sigprocmask": (Fixed(2, 8),),
    "rt_sigaction": (Fixed(2, 32),), "sigaltstack": (Fixed(1, 24),),
    "rt_sigtimedwait": (Fixed(1, 128, POSITIVE),),   # the taken signal's whole siginfo
    "prlimit64": (Fixed(3, 16),), "getrlimit": (Fixed(1, 16),),
    "pipe2": (Fixed(0, 8),), "socketpair": (Fixed(3, 8),),
    "wait4": (Fixed(1, 4, POSITIVE), Fixed(3, 144, POSITIVE)),   # only when a child is reaped
    # (its fifth argument, a struct rusage, is left out: the kernel model fills none and
    # C libraries pass NULL)
    "waitid": (Fixed(2, 128, spans=_WAITID_FIELDS),),
    "getresuid": (Fixed(0, 4), Fixed(1, 4), Fixed(2, 4)),
    "getresgid": (Fixed(0, 4), Fixed(1, 4), Fixed(2, 4)),
    "getcpu": (Fixed(0, 4), Fixed(1, 4)),
    "get_robust_list": (Fixed(1, 8), Fixed(2, 8)),
    "capget": (Fixed(1, 24),),         # two __user_cap_data_struct (v2/v3; v1: see below)
    "sched_getparam": (Fixed(1, 4),),
    "sched_rr_get_interval": (Fixed(1, _TS),),
    "sched_getattr": (Fixed(1, ("min_arg", 2, 56)),),   # min(size, struct sched_attr)
    "adjtimex": (Fixed(0, 208, ANY),),                   # struct timex; a clock state
    "clock_adjtime": (Fixed(1, 208, ANY),),
    "move_pages": (Fixed(4, ("arg*", 1, 4)),),           # one int of status per page
    "get_mempolicy": (Fixed(0, 4), Fixed(1, ("bits", 2))),
    "mincore": (Fixed(2, ("pages", 1)),),
    "sendfile": (Fixed(2, 8, POSITIVE),),                # the offset, moved on
    "splice": (Varies("the offsets are written back on the paths that moved the file's "
                      "position; the count is bounded by the length asked"),),
    # The remaining time of an interrupted relative sleep (an absolute one has none).
    "nanosleep": (Fixed(1, _TS, EINTR),),
    "clock_nanosleep": (Fixed(3, _TS, EINTR, unless_flag=(1, TIMER_ABSTIME)),),
    "rseq": (Fixed(0, 8, unless_flag=(2, 1)),),          # cpu_id_start, cpu_id on register
    # --- by command ---------------------------------------------------------------------
    "ioctl": (ByCommand(1, IOCTL_OUTPUTS, ioc=True),),
    "fcntl": (ByCommand(1, FCNTL_OUTPUTS),),
    "prctl": (ByCommand(0, PRCTL_OUTPUTS),),
    # --- no completeness rule -------------------------------------------------------------
    "futex": (Varies("the futex word is the program's: the kernel compares and wakes"),),
    "clone": (Varies("the TID words: written in the child's or parent's own time; the clone "
                     "path checks the child's identity"),),
    "clone3": (Varies("the TID words of struct clone_args, as clone's"),),
    "set_tid_address": (Varies("long-lived: written at the thread's exit, not by the call"),),
    "set_robust_list": (Varies("long-lived: walked at the thread's exit"),),
}

CAPGET_V1, CAPGET_V1_SIZE = 0x19980330, 12


def ioc_output(request: int) -> int:
    """The bytes an _IOC request says the kernel writes (0: none, or no _IOC size)."""
    request &= 0xFFFF_FFFF
    return (request >> 16) & 0x3FFF if (request >> 30) & IOC_READ else 0


def by_command(term: ByCommand, args: tuple[int, ...]) -> tuple[object, ...]:
    """The terms for this call's command."""
    cmd = args[term.arg] & 0xFFFF_FFFF
    if cmd in term.rows:
        return term.rows[cmd]
    if term.ioc and ioc_output(cmd):
        return (Fixed(2, ioc_output(cmd), ANY),)
    return ()
