"""The ranges Linux keeps a call's answers in: the result, each output field, and their
relations to the call's own arguments.

A program uses such an answer straight away ("the access mode picks a table", "the count
woken indexes a log", "d_type picks a handler"); a value Linux never gives for that call
sends it off its table.  These are facts about Linux (arm64, 4 KiB pages), stated per call
and, for a multiplexed call (fcntl, prctl, futex), per command; the Guardian checks every
row in one place (guardian/result_table.py, `return.range_table`).

Terms (each judged on a successful result only, but `Errors`, which judges an errno):

- `Result(lo, hi, step, pow2_of)`: the result (a signed long) lies in lo..hi, is a multiple of `step`,
  and, with `pow2_of`, is a power of two times it (a pipe's capacity in pages).
- `AtMost(args, floor, less)`: the result is at most the sum of those arguments read as C
  ints, each counted as at least `floor` (FUTEX_WAKE wakes one waiter even when asked for
  none), less `less` (futex_waitv's answer is an index into its array of nr_futexes).
- `Field(arg, offset, fmt, lo, hi, values, rule, when, what)`: the output at args[arg] +
  offset (a `struct` format; a NULL output is not judged) lies in lo..hi, or in `values`
  where that is given, or obeys `rule` (`SIGNAL_SET`: a sigset that never holds SIGKILL or
  SIGSTOP, as no thread can block them and no action's sa_mask keeps them; `STACK_FLAGS`:
  a stack_t's ss_flags, 0, SS_ONSTACK or SS_DISABLE with the SS_AUTODISARM the program may
  have set; `SAME_AS_RESULT`: the call's result), once the call returned as `when` says
  (ANY: any result but an errno; OK: 0; POSITIVE: above 0); `what` names it.
- `FieldAtMost(arg, offset, bound)`: one unsigned word of an output struct is at most
  another of the same struct (free memory at most all memory).
- `MaskNotEmpty(arg)`: the result's bytes at args[arg] hold at least one set bit (a thread
  may always run on some CPU).
- `DirentTypes(arg)`: every linux_dirent64 record in the result's bytes has a d_type Linux
  has (`DT_TYPES`) and a name a directory entry can have: not empty, without '/'.
- `NoNul(arg)`: the result's bytes at args[arg] hold no NUL (a symlink's target is a
  string: readlink copies its bytes without the terminator).
- `NulEnded(arg, size_arg)`: the result's bytes at args[arg] end with a NUL where the call
  was given room (args[size_arg] > 0): a list of names, each NUL-terminated (the
  listxattr calls: every filesystem's ->listxattr and the security names end each name).
- `AccessMode(fd_arg)`: the result's O_ACCMODE bits are the ones the descriptor was opened
  with (F_SETFL never changes them).
- `OwnsLock(arg)`: the futex word's TID bits hold the caller's thread id (a PI lock is
  taken only once the caller owns it).
- `Woken()`: a private futex wait that answers 0 was woken by another thread of the
  caller's address space in a waking call (a futex wake, an exit, an exec).
- `Waiters()`: a private futex's wake counts at most the caller's address space's other
  threads now in a futex wait (a thread woken or moved is one waiting there).
- `Text(arg, offset, size, values)`: the NUL-terminated string in that field is one of
  `values` (uname's machine on arm64).
- `FileType(fd_arg, arg, offset, path_arg, flags_arg)`: the st_mode at args[arg] + offset
  has the file type the call that made the descriptor gives (`TYPE_BY_MAKER`: a pipe is a
  FIFO, a socket a socket, a memfd a regular file); a descriptor of another origin is not
  judged.  With `path_arg` (statx, newfstatat) only a call on the descriptor itself is:
  an empty path with AT_EMPTY_PATH in args[flags_arg].
- `NamedChild(pid_arg)`: a wait for one child (pid > 0) reports that child.
- `GroupChild(pid_arg)`: a wait for a process group (pid < -1: group -pid; 0: the
  caller's own) reports a child of that group, where the Guardian knows the child's group
  (guardian/process_groups.py).
- `WaitidChild()`: waitid(P_PID, id) that reports a child names that id in si_pid,
  waitid(P_PIDFD, fd) the pid the program's pidfd_open made `fd` for, and waitid(P_PGID,
  id) a child of group id (0: the caller's own), as `GroupChild`.
- `OwnerUnset(fd_arg, arg, offset)`: F_GETOWN of an open file the program made and never
  set an owner for (F_SETOWN, F_SETOWN_EX, F_SETLEASE, F_NOTIFY, F_SETFL's O_ASYNC, F_SETSIG
  or an ioctl but a getter's on any of its descriptors) answers 0: the owner lives on the
  open file and only those calls set it; with `arg` >= 0 the int at args[arg] + offset is
  the owner judged (F_GETOWN_EX's pid, SIOCGPGRP's, FIOGETOWN's); F_GETSIG's signum is
  judged the same way (only F_SETSIG sets it: do_fcntl()).
- `OnSocket(fd_arg, terms)`: `terms` hold where args[fd_arg] is a socket the program made
  (a socket ioctl's number may mean another thing to a device's driver).
- `SocketFacts(fd_arg)`: getsockopt(SOL_SOCKET) of a socket the program made reports the
  type (SO_TYPE) and domain (SO_DOMAIN) it was made with, and a socketpair's SO_PEERCRED
  names the process that made the pair (unix_socketpair gives both ends its credentials).
- `UnixName(fd_arg, addr_arg, len_arg)`: getsockname/getpeername of an AF_UNIX socket
  the program made reports an address of that family: its length (written to
  *args[len_arg]) is at least sizeof(sa_family_t) and at most sizeof(struct sockaddr_un),
  and, where the room the program gave holds it, sun_family is AF_UNIX.
- `TruncFull(msg_arg, flags_arg)`: recvmsg marks MSG_TRUNC in msg_flags only for a
  message longer than the buffer, so (unless the call asked for MSG_TRUNC, which returns
  the real length) it then returns the whole buffer: the iovecs' total length.
- `SealsKept(fd_arg)`: F_GET_SEALS reports every seal the memfd is known to hold (one
  memfd_create gave it, or an F_ADD_SEALS that succeeded): seals are never removed.
- `Sets(fact)`: a successful call sets a fact Linux keeps for the calling thread or the
  descriptor's open file and changes by no other call (guardian/stated_facts.py names
  them: a thread's name, robust list, clear_child_tid word, no_new_privs; a pipe's
  capacity).
- `Keeps(fact)`: the answer reports that fact as the program last set it (the name
  PR_SET_NAME gave, the robust list registered, the tid address, no_new_privs 1 once
  set, the capacity F_SETPIPE_SZ answered) or, for an open file's inode (st_dev,
  st_ino), as the kernel first stated it: a file's inode never changes under it.
- `SavedAuxv(arg, len_arg)`: PR_GET_AUXV copies the auxiliary vector exec built (its
  pairs, AT_NULL's included, then zeros: mm->saved_auxv) and answers that array's size, at
  least the vector's.
- `ArgBits(arg, allowed)`: the call succeeds only when that argument sets no other bit.
- `ArgNotAbove(arg, bound_arg)`: argument `arg` (an unsigned int) is at most argument
  `bound_arg` (close_range's fd and max_fd); as a term of its own, a success needs it
  (not judged where a seccomp filter may answer: SECCOMP_RET_ERRNO 0 is a 0).
- `Errors(errnos, also, only_if)`: judged on an error result only, by `return.errno_set`:
  the errno is one of `errnos`, or an (errno, term) pair of `also` admits it where the
  arguments do not meet that term (`ArgIn`, `ArgBits`, `ArgNotAbove`: the condition the
  call checks before failing so); a row is judged only where the arguments meet every
  term of `only_if` (the calls' other paths have errors this row does not list).  Errors
  are not judged once a seccomp filter (SECCOMP_RET_ERRNO answers any errno) or syscall
  user dispatch may be in place in the program (guardian/raised_signals.py).
- `WhenArg(arg, values, terms)`: where that argument is one of `values`, a success also
  meets `terms`; `ResultIn(values)`: the result is one of `values`.
- `WithoutCap(word, bits, terms)`: where the program's AT_HWCAP (1) or AT_HWCAP2 (2) has
  none of `bits`, a success also meets `terms`, or cannot happen when there are none (the
  SVE/SME vector-length and pointer-authentication prctls fail with -EINVAL without the
  feature; the tagged-address control holds MTE's bits only with MTE): abi/hwcaps.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from abi.hwcaps import HWCAP2_MTE, HWCAP2_POE, HWCAP2_SME, HWCAP_PACA, HWCAP_PACG, HWCAP_SVE
from abi.output_terms import ANY, OK, POSITIVE

#: The facts `Sets` and `Keeps` name (guardian/stated_facts.py holds them).
COMM, ROBUST_LIST, TID_ADDRESS, NO_NEW_PRIVS = "comm", "robust_list", "tid_address", \
    "no_new_privs"
#: A thread's persona (personality()), its registered rseq area, and its process's
#: MMF_DISABLE_THP (PR_SET_THP_DISABLE: a fact of the address space, not of one thread).
PERSONA, RSEQ_AREA, THP_DISABLE = "persona", "rseq_area", "thp_disable"
#: the persona an exec carried, which may have lost its PER_CLEAR_ON_SETID bits (bprm->per_clear
#: of a set-user-id image or file capabilities, AT_SECURE or not): the first answer decides
PERSONA_CLEARABLE = "persona_clearable"
#: The REGISTER_* membarrier commands a process's mm made (mm->membarrier_state).
MEMBARRIER_REGS = "membarrier_regs"
INODE, PIPE_SIZE = "inode", "pipe_size"
#: A thread's parent-death signal (task->pdeath_signal): copy_process() sets it to 0 in
#: every new task; only the task's own PR_SET_PDEATHSIG (or a credential change, to 0)
#: changes it.
PDEATH_SIGNAL = "pdeath_signal"
#: A process's MDWE bits (mm->flags), a thread's SECURE_KEEP_CAPS, and a call that resets
#: the securebits (PR_SET_SECUREBITS; unshare(), setns(): set_cred_user_ns()):
#: guardian/prctl_state.py.
MDWE, KEEPCAPS, SECUREBITS_RESET = "mdwe", "keepcaps", "securebits_reset"
#: A thread's securebits (cred->securebits) where its PR_SET_SECUREBITS set them:
#: guardian/prctl_state.py.
SECUREBITS = "securebits"
#: A process's is_child_subreaper (signal_struct): guardian/prctl_state.py.
SUBREAPER = "subreaper"
#: A thread's capabilities PR_CAPBSET_DROP took from its bounding set, and the ones
#: PR_CAP_AMBIENT_RAISE put in its ambient set (cred, per thread): guardian/prctl_state.py.
CAPBSET_DROPPED, AMBIENT_RAISED = "capbset_dropped", "ambient_raised"
#: A thread's store-bypass speculation control (PFA_SPEC_SSB_*: per task), as its
#: PR_SET_SPECULATION_CTRL calls left it: guardian/prctl_state.py.
SPEC_SSB = "spec_ssb"
#: A process's dumpable mode (mm->flags MMF_DUMPABLE) and a call that may replace a
#: thread's credentials (commit_creds() may set the mm's mode to suid_dumpable):
#: guardian/prctl_state.py.
DUMPABLE, CRED_CHANGE = "dumpable", "cred_change"

PAGE = 4096
PID_MAX_LIMIT = 4 * 1024 * 1024
NSIG = 64
INT_MAX = (1 << 31) - 1
#: d_type values (fs_umode_to_dtype: S_IFMT >> 12 of a file type, DT_UNKNOWN, DT_WHT).
DT_TYPES = frozenset({0, 1, 2, 4, 6, 8, 10, 12, 14})
O_ACCMODE = 3
FUTEX_TID_MASK = 0x3FFF_FFFF
LONG_MAX = (1 << 63) - 1
SIGKILL, SIGSTOP = 9, 19
#: The signals no thread can block, catch or ignore.
UNCATCHABLE = frozenset({SIGKILL, SIGSTOP})
UNBLOCKABLE_BITS = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31


def stack_flags_valid(flags: int) -> bool:
    """A stack_t's ss_flags as Linux reports it: sas_ss_flags(sp) -- 0, SS_ONSTACK or
    SS_DISABLE -- with the SS_AUTODISARM the program may have set."""
    return (flags & 0xFFFF_FFFF & ~SS_AUTODISARM) in (0, SS_ONSTACK, SS_DISABLE)


@dataclass(frozen=True)
class Rule:
    """A value's condition that is not a range: `allows` judges `value` given the result."""

    name: str

    def allows(self, value: int, result: int) -> bool:
        if self is SIGNAL_SET:
            return not value & UNBLOCKABLE_BITS
        if self is STACK_FLAGS:
            return stack_flags_valid(value)
        if self is POWER_OF_TWO:
            return value > 0 and not value & (value - 1)
        return value == result              # SAME_AS_RESULT


SIGNAL_SET = Rule("a signal set without SIGKILL or SIGSTOP")
STACK_FLAGS = Rule("0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM aside)")
SAME_AS_RESULT = Rule("the call's result")
POWER_OF_TWO = Rule("a power of two")


@dataclass(frozen=True)
class Result:
    lo: int
    hi: int
    step: int = 1
    pow2_of: int = 0
    mask: int = -1              # the bits the range is about ...
    flags: int = 0              # ... and the only other bits that may be set


@dataclass(frozen=True)
class AtMost:
    args: tuple[int, ...]
    floor: int = 0
    less: int = 0               # the bound is the sum less this (an index below a count)


@dataclass(frozen=True)
class Field:
    arg: int
    offset: int
    fmt: str
    lo: int = 0
    hi: int = 0
    values: frozenset[int] | None = None
    rule: Rule | None = None
    when: str = ANY
    what: str = ""

    def allows(self, value: int, result: int) -> bool:
        if self.rule is not None:
            return self.rule.allows(value, result)
        if self.values is not None:
            return value in self.values
        return self.lo <= value <= self.hi

    def returned(self, result: int) -> bool:
        """Whether a (non-errno) `result` is one after which this field is written."""
        return self.when == ANY or (result == 0 if self.when == OK else result > 0)

    def expected(self) -> str:
        if self.rule is not None:
            return self.rule.name
        if self.values is not None:
            return f"one of {sorted(self.values)}"
        return f"in {self.lo}..{self.hi}"


@dataclass(frozen=True)
class FieldAtMost:
    arg: int
    offset: int
    bound: int


@dataclass(frozen=True)
class MaskNotEmpty:
    arg: int


@dataclass(frozen=True)
class DirentTypes:
    arg: int


@dataclass(frozen=True)
class AccessMode:
    fd_arg: int


@dataclass(frozen=True)
class OwnsLock:
    arg: int


@dataclass(frozen=True)
class Woken:
    """A private futex wait answers 0 only once another thread of its address space woke
    it (a futex wake, or a thread's exit or exec): one was in such a call at the wait's
    entry or began one since."""


@dataclass(frozen=True)
class Waiters:
    """A private futex's wake wakes (or moves) only threads waiting in a futex call, each
    once: the result is at most the other threads of the caller's address space that are
    in a futex wait now (a shared futex's waiters may be anywhere: not judged)."""


@dataclass(frozen=True)
class Text:
    arg: int
    offset: int
    size: int
    values: frozenset[bytes]


@dataclass(frozen=True)
class FileType:
    fd_arg: int
    arg: int
    offset: int
    path_arg: int = -1
    flags_arg: int = -1


@dataclass(frozen=True)
class NoNul:
    arg: int


@dataclass(frozen=True)
class NulEnded:
    """A list of NUL-terminated names: its last byte is a NUL."""

    arg: int
    size_arg: int


@dataclass(frozen=True)
class NamedChild:
    pid_arg: int


@dataclass(frozen=True)
class GroupChild:
    pid_arg: int


@dataclass(frozen=True)
class WaitidChild:
    pass


@dataclass(frozen=True)
class OwnerUnset:
    fd_arg: int
    arg: int = -1               # the owner is the int at args[arg] + offset (-1: the result)
    offset: int = 0


@dataclass(frozen=True)
class OnSocket:
    fd_arg: int
    terms: tuple[object, ...]


@dataclass(frozen=True)
class SocketFacts:
    fd_arg: int



@dataclass(frozen=True)
class UnixName:
    fd_arg: int
    addr_arg: int
    len_arg: int


@dataclass(frozen=True)
class TruncFull:
    msg_arg: int
    flags_arg: int


@dataclass(frozen=True)
class SealsKept:
    fd_arg: int


@dataclass(frozen=True)
class Sets:
    fact: str


@dataclass(frozen=True)
class Keeps:
    fact: str


@dataclass(frozen=True)
class SavedAuxv:
    arg: int
    len_arg: int


@dataclass(frozen=True)
class ArgBits:
    """The call succeeds only when argument `arg` sets no bit outside `allowed` (it
    answers -EINVAL otherwise). `filterable`: not judged where a seccomp filter may answer
    (its SECCOMP_RET_ERRNO 0 or a listener's answer comes without the test)."""
    arg: int
    allowed: int
    filterable: bool = False


@dataclass(frozen=True)
class ArgIn:
    """The call succeeds only when argument `arg` is one of `values` (-EINVAL otherwise)."""
    arg: int
    values: frozenset[int]


@dataclass(frozen=True)
class VmaName:
    """prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name) succeeds only with no name
    or a name of fewer than 80 bytes, each printable and none of \\ ` $ [ ]
    (kernel/sys.c prctl_set_vma(), is_valid_name_char())."""
    arg: int


@dataclass(frozen=True)
class WithoutCap:
    """Where the program's capability word (`word` 1: AT_HWCAP, 2: AT_HWCAP2) has none of
    `bits`, the call's success also meets `terms`; with no terms it cannot succeed at all
    (Linux's system_supports_*() is the fact the capability bit reports)."""
    word: int
    bits: int
    terms: tuple[object, ...] = ()


@dataclass(frozen=True)
class WhenArg:
    """Where argument `arg` is one of `values`, the call's success also meets `terms` (a
    sub-command's own conditions: cap_task_prctl(), arch_prctl_spec_ctrl_set())."""
    arg: int
    values: frozenset[int]
    terms: tuple[object, ...]


@dataclass(frozen=True)
class NoWriteExec:
    """Under MDWE (PR_MDWE_REFUSE_EXEC_GAIN) no call makes a mapping both writable and
    executable (argument `prot_arg` holds the protection): map_deny_write_exec() answers
    -EACCES (guardian/prctl_state.py says where it is judged)."""
    prot_arg: int


@dataclass(frozen=True)
class ResultIn:
    """The call answers one of `values` (arm64's ssbd_prctl_get())."""
    values: frozenset[int]


@dataclass(frozen=True)
class ArgNotAbove:
    """Argument `arg` is at most argument `bound_arg`, both read as unsigned ints."""
    arg: int
    bound_arg: int


@dataclass(frozen=True)
class Errors:
    """The errors Linux's code for the call can return: one of `errnos`, or an errno an
    (errno, term) pair of `also` admits where the arguments do not meet the term; judged
    only where the arguments meet every term of `only_if`."""
    errnos: frozenset[int]
    also: tuple[tuple[int, ArgIn | ArgBits | ArgNotAbove], ...] = ()
    only_if: tuple[ArgIn | ArgBits, ...] = ()


RangeTerm = Result | AtMost | Field | FieldAtMost | MaskNotEmpty | DirentTypes | AccessMode \
    | OwnsLock | Text | FileType | NamedChild | GroupChild | WaitidChild | SavedAuxv \
    | SealsKept | SocketFacts | OwnerUnset | NoNul | NulEnded | Sets | Keeps | UnixName \
    | TruncFull | OnSocket \
    | ArgBits | ArgIn | VmaName | WithoutCap | Errors | WhenArg | ResultIn | NoWriteExec
Row = tuple[RangeTerm, ...]

_BOOL: Row = (Result(0, 1),)
S_IFMT, S_IFIFO, S_IFREG, S_IFSOCK = 0o170000, 0o010000, 0o100000, 0o140000
AT_EMPTY_PATH = 0x1000
#: The file type of the descriptors each call makes (one it names).
TYPE_BY_MAKER: dict[str, int] = {"pipe2": S_IFIFO, "socket": S_IFSOCK, "socketpair": S_IFSOCK,
                                 "accept": S_IFSOCK, "accept4": S_IFSOCK,
                                 "memfd_create": S_IFREG}
#: UTS_MACHINE of arm64, and COMPAT_UTS_MACHINE under a PER_LINUX32 personality.
UTS_MACHINES = frozenset({b"aarch64", b"aarch64_be", b"armv8l", b"armv8b"})
#: UTS_SYSNAME: every Linux kernel's.
UTS_SYSNAMES = frozenset({b"Linux"})
P_PID, P_PGID, P_PIDFD = 1, 2, 3


def _timer_values(arg: int, when: str = OK) -> Row:
    """An itimerspec or itimerval: its two seconds fields are not negative."""
    return tuple(Field(arg, 16 * i, "<q", 0, LONG_MAX, when=when, what=name)
                 for i, name in enumerate(("it_interval.tv_sec", "it_value.tv_sec")))


#: struct rusage: ru_utime, ru_stime (timevals), then fourteen longs (ru_maxrss ..
#: ru_nivcsw), every one a time or a count: none is negative; the ones Linux keeps for
#: compatibility and never fills are 0.
_RUSAGE_FIELDS = ("ru_utime.tv_sec", "ru_utime.tv_usec", "ru_stime.tv_sec",
                  "ru_stime.tv_usec", "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss",
                  "ru_minflt", "ru_majflt", "ru_nswap", "ru_inblock", "ru_oublock",
                  "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw")
_RUSAGE_UNUSED = frozenset({"ru_ixrss", "ru_idrss", "ru_isrss", "ru_nswap", "ru_msgsnd",
                            "ru_msgrcv", "ru_nsignals"})


def _rusage(arg: int, when: str = OK) -> Row:
    return tuple(Field(arg, 8 * i, "<q", 0, 0 if name in _RUSAGE_UNUSED else LONG_MAX,
                       when=when, what=name) for i, name in enumerate(_RUSAGE_FIELDS))

EPERM, EINTR, EAGAIN, ENOMEM, EFAULT, EINVAL, EMFILE = 1, 4, 11, 12, 14, 22, 24
SIGSET_SIZE = 8                         # sizeof(sigset_t) on arm64
#: The signals rt_sigaction may change: 1.._NSIG but SIGKILL and SIGSTOP.
CATCHABLE = frozenset(range(1, NSIG + 1)) - UNCATCHABLE
#: The clocks whose clock_gettime always succeeds (kernel/time/posix-timers.c
#: posix_clocks[]: REALTIME, MONOTONIC, the caller's own PROCESS_/THREAD_CPUTIME_ID,
#: MONOTONIC_RAW, the COARSE pair, BOOTTIME, TAI; the alarm clocks need an RTC, other ids
#: name a process's CPU clock or a dynamic clock).
ALWAYS_CLOCKS = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 11})
CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = 2, 4
GRND_NONBLOCK = 1
#: getrandom's flags: a subset of NONBLOCK | RANDOM | INSECURE, not RANDOM with INSECURE.
GRND_VALID = frozenset({0, 1, 2, 3, 4, 5})
_NEVER_FAILS: Row = (Errors(frozenset()),)
_MASK64 = (1 << 64) - 1
#: the upper half of a register an unsigned int or int argument leaves unread
_HIGH32 = _MASK64 & ~0xFFFF_FFFF
#: include/uapi/asm-generic/fcntl.h (arm64)
O_CLOEXEC = 0o2000000
#: rt_sigprocmask / rt_sigtimedwait / rt_sigsuspend take sigsetsize == sizeof(sigset_t)
#: and answer -EINVAL for any other (kernel/signal.c, before anything else).
_SIGSET_ONLY = frozenset({SIGSET_SIZE})

#: Plain calls.
CALLS: dict[str, Row] = {
    # --- errors Linux's code fixes ------------------------------------------------------
    # kernel/sched/core.c SYSCALL_DEFINE0(sched_yield) returns 0; kernel/sys.c getpid()
    # and its family return the id: none can fail.
    "sched_yield": _NEVER_FAILS, "getpid": _NEVER_FAILS, "getppid": _NEVER_FAILS,
    "gettid": _NEVER_FAILS, "getuid": _NEVER_FAILS, "geteuid": _NEVER_FAILS,
    "getgid": _NEVER_FAILS, "getegid": _NEVER_FAILS,
    # posix-timers.c clock_gettime(): -EINVAL only for an id clockid_to_kclock() does not
    # know, else the clock's get_timespec (never failing for these) and copy-out (EFAULT).
    "clock_gettime": (Errors(frozenset({EFAULT}), only_if=(ArgIn(0, ALWAYS_CLOCKS),)),),
    # fs/file.c __close_range(): -EINVAL for unknown flags or fd > max_fd; without
    # CLOSE_RANGE_UNSHARE nothing is allocated and each close's error is dropped.
    "close_range": (Errors(frozenset(), also=(
        (EINVAL, ArgBits(2, CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)),
        (EINVAL, ArgNotAbove(0, 1))),
        only_if=(ArgBits(2, _MASK64 & ~CLOSE_RANGE_UNSHARE),)),
        # SYSCALL_DEFINE3(close_range) (__close_range() on 6.1..6.10): fd > max_fd, both
        # unsigned int, is -EINVAL before anything is closed: a success has fd <= max_fd
        ArgNotAbove(0, 1),
        # ... and flags (an unsigned int: the register's upper half is not read) within
        # CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC, tested first (round 83's AD-008)
        ArgBits(2, _HIGH32 | CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC, filterable=True)),
    # fs/file.c ksys_dup3(): flags (an int) other than O_CLOEXEC are -EINVAL before
    # anything else (round 83's AD-018)
    "dup3": (ArgBits(2, _HIGH32 | O_CLOEXEC, filterable=True),),
    # drivers/char/random.c getrandom(): -EINVAL for bad flags, -EAGAIN only with
    # GRND_NONBLOCK and the pool not ready, -EINTR from a wait or a long copy, -EFAULT.
    "getrandom": (Errors(frozenset({EFAULT, EINTR}), also=(
        (EINVAL, ArgIn(2, GRND_VALID)), (EAGAIN, ArgBits(2, _MASK64 & ~GRND_NONBLOCK)))),),

    # A path that starts at the root ("/" and its NUL at least), within one page.
    "getcwd": (Result(2, PAGE), Field(0, 0, "B", values=frozenset(b"/("))),
    # struct sysinfo: totalram 32, freeram 40, sharedram 48, bufferram 56, totalswap 64,
    # freeswap 72, totalhigh 88, freehigh 96: each part at most its whole.  mem_unit (104):
    # do_sysinfo() (kernel/sys.c) answers 1 whenever the byte counts fit an unsigned long,
    # always on a 64-bit kernel.
    "sysinfo": (FieldAtMost(0, 40, 32), FieldAtMost(0, 48, 32), FieldAtMost(0, 56, 32),
                FieldAtMost(0, 72, 64), FieldAtMost(0, 96, 88),
                Field(0, 104, "<I", values=frozenset({1}), when=OK, what="mem_unit")),
    # min(len, the kernel's mask size): whole longs; never an empty mask.
    "sched_getaffinity": (Result(8, INT_MAX, step=8), MaskNotEmpty(2)),
    "getdents64": (DirentTypes(1),),
    "sched_get_priority_max": (Result(0, 99),), "sched_get_priority_min": (Result(0, 99),),
    "setsid": (Result(1, PID_MAX_LIMIT),),
    # kernel/sys.c newuname(): copy_to_user() failing is its only error.
    "uname": (Text(0, 0, 65, UTS_SYSNAMES), Text(0, 4 * 65, 65, UTS_MACHINES),
              Errors(frozenset({EFAULT}))),
    "fstat": (FileType(0, 1, 16), Keeps(INODE)),
    # statx's stx_mode (at 28) and newfstatat's st_mode, of the descriptor itself.
    "statx": (FileType(0, 4, 28, path_arg=1, flags_arg=2), Keeps(INODE)),
    "newfstatat": (FileType(0, 2, 16, path_arg=1, flags_arg=3), Keeps(INODE)),
    # Only sizeof(struct robust_list_head): futex/syscalls.c returns -EINVAL otherwise.
    "set_robust_list": (ArgIn(1, frozenset({24})), Sets(ROBUST_LIST)),
    # set_cred_user_ns() resets the securebits (SECURE_KEEP_CAPS among them).
    "unshare": (Sets(SECUREBITS_RESET), Sets(CRED_CHANGE)),
    "setns": (Sets(SECUREBITS_RESET), Sets(CRED_CHANGE)),
    # commit_creds(): a changed euid, egid, fsuid, fsgid or a wider permitted set makes
    # the mm's dumpable mode suid_dumpable (a value the Guardian does not see).
    **{n: (Sets(CRED_CHANGE),) for n in (
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
        "setfsgid", "capset")},
    # mmap_region(), do_mprotect_pkey(): map_deny_write_exec() under MDWE.
    "mmap": (NoWriteExec(2),), "mprotect": (NoWriteExec(2),),
    "pkey_mprotect": (NoWriteExec(2),),
    "set_tid_address": (Sets(TID_ADDRESS),),      # its id: guardian/result_ranges.py
    # personality() returns the old persona (an unsigned int) and sets the new one unless
    # asked 0xffffffff; only the thread's own calls change it.
    "personality": (Result(0, 0xFFFF_FFFF), Keeps(PERSONA), Sets(PERSONA)),
    # rseq(): a thread registers one area and unregisters only that one (kernel/rseq.c).
    "rseq": (Result(0, 0), Keeps(RSEQ_AREA), Sets(RSEQ_AREA)),
    # prot 0 and no flag but MAP_NONBLOCK, or -EINVAL (mm/mmap.c remap_file_pages()).
    "remap_file_pages": (Result(0, 0), ArgIn(2, frozenset({0})), ArgBits(4, 0x10000)),
    # mlock2's one flag is MLOCK_ONFAULT; mlockall takes some of MCL_CURRENT | MCL_FUTURE,
    # MCL_ONFAULT only beside one of them (mm/mlock.c).
    "mlock2": (Result(0, 0), ArgBits(2, 1)),
    # arm64's pkeys are permission overlays: without FEAT_S1POE (HWCAP2_POE) pkey_alloc
    # finds no free key (mm_pkey_alloc(): -ENOSPC).
    "pkey_alloc": (Result(1, 7), WithoutCap(2, HWCAP2_POE)),
    "mlockall": (Result(0, 0), ArgIn(0, frozenset({1, 2, 3, 5, 6, 7}))),
    # process_madvise() takes no flags (mm/madvise.c).
    "process_madvise": (ArgIn(4, frozenset({0})),),
    "readlinkat": (NoNul(2),),
    "listxattr": (NulEnded(1, 2),), "llistxattr": (NulEnded(1, 2),),
    "flistxattr": (NulEnded(1, 2),),
    "wait4": (NamedChild(0), GroupChild(0), *_rusage(3, POSITIVE)),
    # (si_utime and si_stime are no answer: waitid's unsafe_put_user()s write six fields,
    # not the times -- abi/outputs.py's spans let nothing else be written)
    "waitid": (WaitidChild(),),
    "getsockopt": (SocketFacts(0),),
    "recvmsg": (TruncFull(1, 2),),
    "getsockname": (UnixName(0, 1, 2),), "getpeername": (UnixName(0, 1, 2),),
    # --- futexes -------------------------------------------------------------------------
    # get_robust_list stores sizeof(struct robust_list_head), whatever was registered.
    # (with the head set_robust_list registered: Keeps(ROBUST_LIST), above)
    "get_robust_list": (Keeps(ROBUST_LIST), Field(2, 0, "<Q", values=frozenset({24}), when=OK,
                                                  what="*len_ptr")),
    # futex_waitv answers the index of the word that woke it, below nr_futexes.
    "futex_waitv": (AtMost((1,), less=1),),
    # --- signal sets ---------------------------------------------------------------------
    # kernel/signal.c: sigsetsize != sizeof(sigset_t) is -EINVAL before anything is done
    # (so a success had 8); otherwise -EINVAL only for a bad `how`, and -EFAULT.
    "rt_sigprocmask": (Field(2, 0, "<Q", rule=SIGNAL_SET, when=OK, what="oldset"),
                       ArgIn(3, _SIGSET_ONLY),
                       Errors(frozenset({EFAULT}), also=((EINVAL, ArgIn(3, _SIGSET_ONLY)),
                                                         (EINVAL, ArgIn(0, frozenset({0, 1, 2})))))),
    # (that it holds only blocked signals is return.pending_blocked's, which knows the mask)
    # do_sigpending: -EINVAL for sigsetsize > sizeof(sigset_t).
    "rt_sigpending": (Field(0, 0, "<Q", rule=SIGNAL_SET, when=OK, what="set"),
                      ArgIn(1, frozenset(range(SIGSET_SIZE + 1)))),
    # SYSCALL_DEFINE4(rt_sigaction): sigsetsize != 8 is -EINVAL first; do_sigaction():
    # -EINVAL only for a signal outside 1.._NSIG or a new action for SIGKILL/SIGSTOP.
    "rt_sigaction": (Field(2, 24, "<Q", rule=SIGNAL_SET, when=OK, what="oldact->sa_mask"),
                     ArgIn(3, _SIGSET_ONLY),
                     Errors(frozenset({EFAULT}), also=((EINVAL, ArgIn(3, _SIGSET_ONLY)),
                                                       (EINVAL, ArgIn(0, CATCHABLE))))),
    "rt_sigsuspend": (ArgIn(1, _SIGSET_ONLY),),
    # signalfd4(): sizemask != sizeof(sigset_t) is -EINVAL (fs/signalfd.c).
    "signalfd4": (ArgIn(2, _SIGSET_ONLY),),
    "sigaltstack": (Field(1, 8, "<i", rule=STACK_FLAGS, when=OK, what="old_ss->ss_flags"),),
    # The siginfo written names the signal taken (return.sigwait_set judges the result).
    "rt_sigtimedwait": (Field(1, 0, "<i", rule=SAME_AS_RESULT, when=POSITIVE,
                              what="info->si_signo"), ArgIn(3, _SIGSET_ONLY)),
    # --- timers --------------------------------------------------------------------------
    "timer_getoverrun": (Result(0, INT_MAX),),       # capped at DELAYTIMER_MAX
    "timer_gettime": _timer_values(1), "timer_settime": _timer_values(3),
    "timerfd_gettime": _timer_values(1), "timerfd_settime": _timer_values(3),
    "getitimer": _timer_values(1), "setitimer": _timer_values(2),
    # --- resource usage ------------------------------------------------------------------
    "getrusage": _rusage(1),
    # clock_t ticks of user and system time, the caller's and its children's.
    "times": tuple(Field(0, 8 * i, "<q", 0, LONG_MAX, what=name) for i, name in
                   enumerate(("tms_utime", "tms_stime", "tms_cutime", "tms_cstime"))),
}
SOL_SOCKET, SO_TYPE, SO_PEERCRED, SO_DOMAIN = 1, 3, 17, 39
#: AF_UNIX, sizeof(sa_family_t), sizeof(struct sockaddr_un).
AF_UNIX, SA_FAMILY_SIZE, SOCKADDR_UN_SIZE = 1, 2, 110
MSG_TRUNC, UIO_MAXIOV = 0x20, 1024

# --- fcntl commands --------------------------------------------------------------------
F_GETFL, F_GETLK, F_GETOWN, F_GETSIG, F_GETOWN_EX = 3, 5, 9, 11, 16
F_OFD_GETLK, F_GETLEASE, F_DUPFD_QUERY, F_CREATED_QUERY = 36, 1025, 1027, 1028
F_GETPIPE_SZ, F_GET_SEALS, F_GET_RW_HINT, F_GET_FILE_RW_HINT = 1032, 1034, 1035, 1037
F_SETPIPE_SZ = 1031
_LOCK_TYPES = frozenset({0, 1, 2})               # F_RDLCK, F_WRLCK, F_UNLCK
FCNTL: dict[int, Row] = {
    F_GETFL: (AccessMode(0),),
    # A power-of-two number of pages (round_pipe_size; a new pipe 16 or, past the soft
    # limit, 2; a notification pipe a power of two of notes, a page each).
    F_GETPIPE_SZ: (Result(PAGE, INT_MAX, pow2_of=PAGE), Keeps(PIPE_SIZE)),
    F_SETPIPE_SZ: (Result(PAGE, INT_MAX, pow2_of=PAGE), Sets(PIPE_SIZE)),
    F_GETOWN: (Result(-PID_MAX_LIMIT, PID_MAX_LIMIT), OwnerUnset(0)),   # a pid, or -pgrp
    F_GETSIG: (Result(0, NSIG), OwnerUnset(0)),      # filp->f_owner.signum: F_SETSIG's
    F_GETLK: (Field(2, 0, "<h", values=_LOCK_TYPES), Field(2, 2, "<h", 0, 2)),
    F_OFD_GETLK: (Field(2, 0, "<h", values=_LOCK_TYPES), Field(2, 2, "<h", 0, 2)),
    F_GETLEASE: (Result(0, 2),),
    F_GETOWN_EX: (Field(2, 0, "<i", 0, 2), Field(2, 4, "<i", 0, PID_MAX_LIMIT),
                  OwnerUnset(0, 2, 4)),
    F_DUPFD_QUERY: _BOOL, F_CREATED_QUERY: _BOOL,
    # SEAL, SHRINK, GROW, WRITE, FUTURE_WRITE, EXEC; never fewer than were added.
    F_GET_SEALS: (Result(0, 0x3F), SealsKept(0)),
    F_GET_RW_HINT: (Field(2, 0, "<Q", 0, 5),), F_GET_FILE_RW_HINT: (Field(2, 0, "<Q", 0, 5),),
}

# --- prctl options -----------------------------------------------------------------------
PR_GET_DUMPABLE, PR_GET_KEEPCAPS, PR_GET_TIMING, PR_GET_SECCOMP = 3, 7, 13, 21
PR_CAPBSET_READ, PR_MCE_KILL_GET, PR_GET_CHILD_SUBREAPER = 23, 34, 37
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_GET_NO_NEW_PRIVS, PR_GET_THP_DISABLE, PR_GET_IO_FLUSHER, PR_GET_MEMORY_MERGE = 39, 42, 58, 68
PR_SVE_GET_VL, PR_SME_GET_VL, PR_GET_AUXV = 51, 64, 0x41555856
PR_SVE_SET_VL, PR_SME_SET_VL = 50, 63
PR_GET_SPECULATION_CTRL, PR_SET_SPECULATION_CTRL = 52, 53
PR_PAC_RESET_KEYS, PR_PAC_SET_ENABLED_KEYS, PR_PAC_GET_ENABLED_KEYS = 54, 60, 61
PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL = 55, 56
#: PR_TAGGED_ADDR_ENABLE, and with MTE PR_MTE_TCF_SYNC | PR_MTE_TCF_ASYNC (bits 1, 2) and
#: PR_MTE_TAG_MASK (bits 3..18).
PR_TAGGED_ADDR_ENABLE, TAGGED_ADDR_CTRL_MTE = 1, 0x7FFFF
#: PR_PAC_APIAKEY | APIBKEY | APDAKEY | APDBKEY
PR_PAC_KEYS = 0xF
#: PR_SPEC_PRCTL | ENABLE | DISABLE | FORCE_DISABLE | DISABLE_NOEXEC (PR_SPEC_NOT_AFFECTED: 0)
PR_SPEC_BITS = 0x1F
PR_SET_NAME, PR_GET_NAME, PR_SET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS = 15, 16, 38, 40
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG = 1, 2
PR_SET_THP_DISABLE, PR_SET_VMA, PR_SET_VMA_ANON_NAME = 41, 0x53564D41, 0
PR_CAP_AMBIENT, PR_SET_MDWE, PR_GET_MDWE, PR_SET_MEMORY_MERGE = 47, 65, 66, 67
#: PR_CAP_AMBIENT_IS_SET, _RAISE, _LOWER, _CLEAR_ALL
PR_CAP_AMBIENT_COMMANDS = frozenset({1, 2, 3, 4})
#: PR_MDWE_REFUSE_EXEC_GAIN | PR_MDWE_NO_INHERIT (6.7; 6.3..6.6 know the first alone)
PR_MDWE_BITS = 0x3
#: prctl_set_mdwe(): 0, PR_MDWE_REFUSE_EXEC_GAIN, or both bits (NO_INHERIT alone: -EINVAL)
PR_MDWE_SETTABLE = frozenset({0, 1, 3})
PR_MDWE_NO_INHERIT = 2
PR_SET_SECUREBITS, PR_GET_SECUREBITS = 28, 27
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_TIMING = 4, 8, 14
#: arm64's arch_prctl_spec_ctrl_get()/_set() know PR_SPEC_STORE_BYPASS alone (-ENODEV).
PR_SPEC_STORE_BYPASS = 0
#: ssbd_prctl_set(): PR_SPEC_ENABLE, _DISABLE, _FORCE_DISABLE, _DISABLE_NOEXEC (-ERANGE)
PR_SPEC_CTRLS = frozenset({2, 4, 8, 16})
#: ssbd_prctl_get(): PR_SPEC_NOT_AFFECTED, PR_SPEC_ENABLE, PR_SPEC_PRCTL | ENABLE, DISABLE,
#: FORCE_DISABLE or DISABLE_NOEXEC; PR_SPEC_DISABLE alone from kernels before 5.10
#: (ARM64_SSBD_FORCE_ENABLE).
PR_SPEC_GET_VALUES = frozenset({0, 2, 4, 1 | 2, 1 | 4, 1 | 8, 1 | 16})
#: cap_valid(): 0..CAP_LAST_CAP (CAP_CHECKPOINT_RESTORE, 40, in every 6.x kernel)
CAP_VALID = frozenset(range(41))


def _zero_args(first: int, end: int) -> tuple[ArgIn, ...]:
    """Arguments first..end-1 (x registers) must be 0: -EINVAL otherwise."""
    return tuple(ArgIn(i, frozenset({0})) for i in range(first, end))


#: sve_get_current_vl / sme_get_current_vl: a vector length in bytes (a multiple of 16, at
#: most SVE_VL_MAX 8192), with PR_SVE_VL_INHERIT (1 << 17) when set.
_VECTOR_LENGTH = Result(16, 8192, step=16, mask=0xFFFF, flags=1 << 17)
PRCTL: dict[int, Row] = {
    PR_GET_DUMPABLE: (Result(0, 2), Keeps(DUMPABLE)),            # SUID_DUMP_DISABLE, _USER, _ROOT
    PR_GET_KEEPCAPS: (*_BOOL, Keeps(KEEPCAPS)), PR_GET_TIMING: (Result(0, 0),),   # only PR_TIMING_STATISTICAL
    PR_GET_SECCOMP: (Result(0, 2),),
    # kernel/sys.c prctl(): -EINVAL where !cap_valid(arg2).
    PR_CAPBSET_READ: (*_BOOL, ArgIn(1, CAP_VALID), Keeps(CAPBSET_DROPPED)),
    # cap_prctl_drop(): cap_lower(new->cap_bset, cap) (never raised again but by a new
    # user namespace: set_cred_user_ns()).
    PR_CAPBSET_DROP: (Sets(CAPBSET_DROPPED),),
    # cap_task_prctl(): arg4, arg5 0 and cap_valid(arg3) (0 for CLEAR_ALL), a known
    # sub-command; only PR_CAP_AMBIENT_IS_SET answers 1.
    # CLEAR_ALL takes no arg3 (-EINVAL); RAISE, LOWER, CLEAR_ALL answer commit_creds()'s 0.
    PR_CAP_AMBIENT: (*_BOOL, ArgIn(1, PR_CAP_AMBIENT_COMMANDS), ArgIn(2, CAP_VALID),
                     *_zero_args(3, 5),
                     WhenArg(1, frozenset({PR_CAP_AMBIENT_CLEAR_ALL}), _zero_args(2, 3)),
                     WhenArg(1, frozenset({2, 3, PR_CAP_AMBIENT_CLEAR_ALL}), (Result(0, 0),)),
                     Keeps(AMBIENT_RAISED), Sets(AMBIENT_RAISED)),
    # kernel/sys.c prctl(): -EINVAL where !valid_signal(arg2) (PR_SET_PDEATHSIG), arg2 is
    # not SUID_DUMP_DISABLE or SUID_DUMP_USER (PR_SET_DUMPABLE), not PR_TIMING_STATISTICAL
    # (PR_SET_TIMING); cap_task_prctl(): arg2 > 1 (PR_SET_KEEPCAPS).
    PR_SET_DUMPABLE: (ArgIn(1, frozenset({0, 1})), Sets(DUMPABLE)),
    PR_SET_KEEPCAPS: (ArgIn(1, frozenset({0, 1})), Sets(KEEPCAPS)),
    # cap_task_prctl(): `arg2 & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS)` (the 64-bit arg2):
    # -EPERM; the bits end at 7 in 6.1..6.13, at 11 from 6.14 (SECBIT_EXEC_*).
    PR_SET_SECUREBITS: (ArgBits(1, 0xFFF), Sets(SECUREBITS_RESET),),
    PR_GET_SECUREBITS: (Keeps(SECUREBITS),),    # (cap_task_prctl(): old->securebits)
    PR_SET_TIMING: (ArgIn(1, frozenset({0})),),
    # kernel/sys.c prctl(): -EINVAL where arg2..arg5 are not 0.
    PR_MCE_KILL_GET: (Result(0, 2), *_zero_args(1, 5)),     # LATE, EARLY, DEFAULT
    # kernel/sys.c prctl(): is_child_subreaper = !!arg2; put_user() of it.
    PR_SET_CHILD_SUBREAPER: (Sets(SUBREAPER),),
    PR_GET_CHILD_SUBREAPER: (Field(1, 0, "<i", 0, 1), Keeps(SUBREAPER)),
    PR_GET_NO_NEW_PRIVS: (*_BOOL, Keeps(NO_NEW_PRIVS), *_zero_args(1, 5)),
    # PR_GET_PDEATHSIG put_user()s current->pdeath_signal into *arg2.
    PR_SET_PDEATHSIG: (Sets(PDEATH_SIGNAL), ArgIn(1, frozenset(range(NSIG + 1)))),
    PR_GET_PDEATHSIG: (Keeps(PDEATH_SIGNAL),),
    # kernel/sys.c prctl(): -EINVAL where arg2 != 1 || arg3 || arg4 || arg5.
    PR_SET_NO_NEW_PRIVS: (Sets(NO_NEW_PRIVS), ArgIn(1, frozenset({1})), *_zero_args(2, 5)),
    PR_SET_NAME: (Sets(COMM),), PR_GET_NAME: (Keeps(COMM),),
    PR_GET_TID_ADDRESS: (Keeps(TID_ADDRESS),),
    # MMF_DISABLE_THP: set and cleared only by PR_SET_THP_DISABLE, which takes no arg3..5.
    PR_SET_THP_DISABLE: (Result(0, 0), ArgIn(2, frozenset({0})), ArgIn(3, frozenset({0})),
                         ArgIn(4, frozenset({0})), Sets(THP_DISABLE)),
    PR_GET_THP_DISABLE: (*_BOOL, Keeps(THP_DISABLE), *_zero_args(1, 5)),
    PR_SET_VMA: (Result(0, 0), ArgIn(1, frozenset({PR_SET_VMA_ANON_NAME})), VmaName(4)),
    PR_GET_IO_FLUSHER: _BOOL,
    PR_GET_MEMORY_MERGE: (*_BOOL, *_zero_args(1, 5)),
    PR_SET_MEMORY_MERGE: (Result(0, 0), *_zero_args(2, 5)),
    # prctl_get_mdwe(): arg2..arg5 0; prctl_set_mdwe(): arg3..arg5 0, known bits only.
    PR_GET_MDWE: (Result(0, PR_MDWE_BITS), ResultIn(PR_MDWE_SETTABLE), Keeps(MDWE),
                  *_zero_args(1, 5)),
    PR_SET_MDWE: (Result(0, 0), ArgIn(1, PR_MDWE_SETTABLE), *_zero_args(2, 5), Sets(MDWE)),
    # The vector-length calls fail with -EINVAL unless the CPU has SVE (SME), and the
    # pointer-authentication ones unless it has address (or generic) authentication:
    # sve_set_current_vl(), sve_get_current_vl(), ptrauth_prctl_reset_keys(), ...
    PR_SVE_GET_VL: (_VECTOR_LENGTH, WithoutCap(1, HWCAP_SVE)),
    PR_SVE_SET_VL: (_VECTOR_LENGTH, WithoutCap(1, HWCAP_SVE)),
    PR_SME_GET_VL: (_VECTOR_LENGTH, WithoutCap(2, HWCAP2_SME)),
    PR_SME_SET_VL: (_VECTOR_LENGTH, WithoutCap(2, HWCAP2_SME)),
    PR_PAC_RESET_KEYS: (Result(0, 0), WithoutCap(1, HWCAP_PACA | HWCAP_PACG)),
    PR_PAC_SET_ENABLED_KEYS: (Result(0, 0), WithoutCap(1, HWCAP_PACA)),
    PR_PAC_GET_ENABLED_KEYS: (Result(0, PR_PAC_KEYS), WithoutCap(1, HWCAP_PACA)),
    # arm64's ssbd_prctl_get(): PR_SPEC_NOT_AFFECTED or PR_SPEC_* bits.
    # kernel/sys.c prctl(): -EINVAL where arg3..arg5 (GET), arg4, arg5 (SET) are not 0.
    PR_GET_SPECULATION_CTRL: (Result(0, PR_SPEC_BITS), ResultIn(PR_SPEC_GET_VALUES),
                              Keeps(SPEC_SSB),
                              ArgIn(1, frozenset({PR_SPEC_STORE_BYPASS})), *_zero_args(2, 5)),
    PR_SET_SPECULATION_CTRL: (Result(0, 0), ArgIn(1, frozenset({PR_SPEC_STORE_BYPASS})),
                              ArgIn(2, PR_SPEC_CTRLS), *_zero_args(3, 5), Sets(SPEC_SSB)),
    # get_tagged_addr_ctrl() adds MTE's bits only from a control set_tagged_addr_ctrl()
    # accepts with MTE alone; without it only PR_TAGGED_ADDR_ENABLE is valid.
    # kernel/sys.c prctl(): -EINVAL before get_tagged_addr_ctrl() where arg2..arg5 are not
    # 0, before set_tagged_addr_ctrl() where arg3..arg5 are not 0.
    PR_GET_TAGGED_ADDR_CTRL: (Result(0, TAGGED_ADDR_CTRL_MTE), *_zero_args(1, 5),
                              WithoutCap(2, HWCAP2_MTE, (Result(0, PR_TAGGED_ADDR_ENABLE),))),
    PR_SET_TAGGED_ADDR_CTRL: (Result(0, 0), ArgBits(1, TAGGED_ADDR_CTRL_MTE), *_zero_args(2, 5),
                              WithoutCap(2, HWCAP2_MTE, (ArgBits(1, PR_TAGGED_ADDR_ENABLE),))),
    PR_GET_AUXV: (SavedAuxv(1, 2), *_zero_args(3, 5)),      # -EINVAL where arg4 || arg5
}

# --- futex operations (op & FUTEX_CMD_MASK) -----------------------------------------------
FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET = 6, 7, 8, 9
FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2 = 10, 11, 13
FUTEX_CMD_MASK = 0x7F
FUTEX_PRIVATE_FLAG = 128
_OWNED: Row = (Result(0, 0), OwnsLock(0))
FUTEX: dict[int, Row] = {
    FUTEX_WAIT: (Result(0, 0), Woken()), FUTEX_WAIT_BITSET: (Result(0, 0), Woken()),
    # futex_wake stops once it woke nr_wake (and wakes one when asked for none).
    FUTEX_WAKE: (AtMost((2,), floor=1), Waiters()),
    FUTEX_WAKE_BITSET: (AtMost((2,), floor=1), Waiters()),
    # nr_wake on uaddr, nr_wake2 on uaddr2
    FUTEX_WAKE_OP: (AtMost((2, 3), floor=1), Waiters()),
    # futex_requeue counts the woken and the moved: at most nr_wake + nr_requeue (val2,
    # passed in the timeout argument).
    FUTEX_REQUEUE: (AtMost((2, 3)), Waiters()), FUTEX_CMP_REQUEUE: (AtMost((2, 3)), Waiters()),
    FUTEX_LOCK_PI: _OWNED, FUTEX_LOCK_PI2: _OWNED, FUTEX_TRYLOCK_PI: _OWNED,
    FUTEX_UNLOCK_PI: (Result(0, 0),),
    # futex_wait_requeue_pi() answers 0 only from the requeue path: another task's
    # FUTEX_CMP_REQUEUE_PI moved it onto the PI word and it took that lock.
    FUTEX_WAIT_REQUEUE_PI: (Result(0, 0), Woken(), OwnsLock(4)),
}

# --- membarrier commands ----------------------------------------------------------------
MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_GET_REGISTRATIONS = 0, 1 << 9
#: MEMBARRIER_CMD_BITMASK: every command up to GET_REGISTRATIONS (kernel/sched/membarrier.c).
MEMBARRIER_CMDS = (1 << 10) - 1
#: The REGISTER_* commands: GLOBAL_EXPEDITED, PRIVATE_EXPEDITED, ..._SYNC_CORE, ..._RSEQ.
MEMBARRIER_REGISTERS = (1 << 2) | (1 << 4) | (1 << 6) | (1 << 8)
#: PRIVATE_EXPEDITED, ..._SYNC_CORE, ..._RSEQ -> the REGISTER_* command each needs first
#: (-EPERM otherwise: membarrier_private_expedited()).
MEMBARRIER_NEEDS = {1 << 3: 1 << 4, 1 << 5: 1 << 6, 1 << 7: 1 << 8}
MEMBARRIER: dict[int, Row] = {
    MEMBARRIER_CMD_QUERY: (Result(0, MEMBARRIER_CMDS),),
    **{cmd: (Result(0, 0), Keeps(MEMBARRIER_REGS)) for cmd in MEMBARRIER_NEEDS},
    **{reg: (Result(0, 0), Sets(MEMBARRIER_REGS)) for reg in (1 << 2, *MEMBARRIER_NEEDS.values())},
    # membarrier_get_registrations(): the REGISTER_* bits of mm->membarrier_state.
    MEMBARRIER_CMD_GET_REGISTRATIONS: (Result(0, MEMBARRIER_REGISTERS,
                                              mask=MEMBARRIER_REGISTERS),),
}

# --- ioctl requests ----------------------------------------------------------------------
SIOCGPGRP, SIOCATMARK, FIGETBSZ, FIOGETOWN = 0x8904, 0x8905, 0x2, 0x8903
IOCTL: dict[int, Row] = {
    # do_vfs_ioctl() `case FIGETBSZ:` -EINVAL for a 0 s_blocksize, else put_user() of it:
    # sb_set_blocksize()'s (or PAGE_SIZE's) power of two -- for every file, before any driver.
    FIGETBSZ: (Field(2, 0, "<i", rule=POWER_OF_TWO, when=OK, what="the block size"),),
    # unix_ioctl() / tcp_ioctl() `case SIOCATMARK:` put_user() of a truth value.
    SIOCATMARK: (OnSocket(0, (Field(2, 0, "<i", values=frozenset({0, 1}), when=OK,
                                    what="the mark"),)),),
    # sock_ioctl() `case FIOGETOWN: case SIOCGPGRP:` put_user(f_getown(sock->file)).
    SIOCGPGRP: (OnSocket(0, (OwnerUnset(0, 2),)),),
    FIOGETOWN: (OnSocket(0, (OwnerUnset(0, 2),)),),
}

#: call name -> (the argument holding the command, its mask, the rows by command).
BY_COMMAND: dict[str, tuple[int, int, dict[int, Row]]] = {
    "fcntl": (1, 0xFFFF_FFFF, FCNTL),
    "prctl": (0, 0xFFFF_FFFF, PRCTL),
    "futex": (1, FUTEX_CMD_MASK, FUTEX),
    "membarrier": (0, 0xFFFF_FFFF, MEMBARRIER),
    "ioctl": (1, 0xFFFF_FFFF, IOCTL),
}


def row_for(name: str, args: tuple[int, ...]) -> Row:
    """The terms that hold for call `name` with these arguments (`Errors` terms: its
    failures)."""
    row = CALLS.get(name, ())
    by_cmd = BY_COMMAND.get(name)
    if by_cmd is not None:
        arg, mask, rows = by_cmd
        row = row + rows.get(args[arg] & mask, ())
    return row


def _without_errors(row: Row) -> Row:
    return tuple(t for t in row if not isinstance(t, Errors))


# The same rows without their `Errors` terms, built once: a success is judged on every
# return of a call that has a row, and most `Errors` rows (getpid, sched_yield ...) hold
# nothing else.
_SUCCESS_CALLS: dict[str, Row] = {n: _without_errors(r) for n, r in CALLS.items()}
_SUCCESS_BY_COMMAND: dict[str, tuple[int, int, dict[int, Row]]] = {
    n: (arg, mask, {c: _without_errors(r) for c, r in rows.items()})
    for n, (arg, mask, rows) in BY_COMMAND.items()}


def success_row_for(name: str, args: tuple[int, ...]) -> Row:
    """`row_for` without its `Errors` terms: what a successful call is judged on."""
    row = _SUCCESS_CALLS.get(name, ())
    by_cmd = _SUCCESS_BY_COMMAND.get(name)
    if by_cmd is not None:
        arg, mask, rows = by_cmd
        row = row + rows.get(args[arg] & mask, ())
    return row

