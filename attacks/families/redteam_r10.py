"""Red-team round ten: results a program trusts about buffers it owns, less common calls.

The scenarios attack `secret_results` (workloads/src/secret_results.c): the secret kept as
in `secret`, then calls whose success means the kernel filled in a structure in a scratch
area that held copies of the secret (getrusage, times, rt_sigpending, prctl(PR_GET_NAME),
wait4's rusage, statx, getitimer, prlimit64's old limit, timerfd_gettime, waitid's
siginfo, fstatfs, get_robust_list, clock_getres, gettimeofday, capget, newfstatat), and
lengths or counts the program uses to size what it logs (getsockname's addrlen,
recvmsg's msg_controllen and msg_namelen, getgroups, epoll_pwait).  What the program
takes for filled in goes to /dev/null, so anything left of the secret there reaches the
kernel.  Its markers (phases 200 and up) are mirrored by the P_* constants here.
Each scenario holds only the kernel's powers (its EL1 face, its own syscall dispatch and
the user-access the call being served grants).  Where an attack still gets through with
the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.moves import (
    answer,
    keep_marker_arg,
    program_markers,
    serve_as_getpid,
    write_back,
)
from attacks.runner import Outcome
from attacks.scenario import Goal, documented, scenario, steps_doc
from emulator import descriptors as D
from emulator.exceptions import ExceptionInfo

RT = "rt10"
RESULTS = "secret_results"
SCRATCH = 512                   # secret_results' scratch area: copies of the secret
NAMES = b"-n"                   # secret_results' switch for its steps that pass names

P_RUSAGE, P_TIMES, P_PENDING, P_PRNAME, P_WAITRU = 200, 202, 204, 206, 208
P_SOCKNAME, P_RECVMSG, P_GROUPS, P_EPOLL, P_STATX = 210, 212, 214, 216, 218
P_ITIMER, P_PRLIMIT, P_TIMERFD, P_WAITID, P_STATFS = 220, 222, 224, 226, 228
P_ROBUST, P_CLOCKRES, P_TIMEOFDAY, P_CAPGET, P_FSTATAT = 230, 232, 234, 236, 238
P_GETRESUID, P_PIPE, P_GETCPU, P_TIMERGET, P_RLIMIT = 240, 242, 244, 246, 248
P_SIGINFO, P_MINCORE, P_LINGER, P_RECVMMSG, P_TFDSET = 250, 252, 254, 256, 258
P_SETITIMER, P_TIDADDR, P_CLOCKSLEEP, P_NANOSLEEP, P_PPOLL = 260, 262, 264, 266, 268
P_READBUF, P_SETNAME, P_PATH, P_RSEQ = 270, 272, 274, 276
P_GETRESGID, P_TIMERSET, P_STATFSPATH, P_EPOLL2, P_FROMLEN = 278, 280, 282, 284, 286
P_MEMFDNAME, P_ACCESSNAME, P_STATFSNAME, P_TRUNCNAME = 288, 290, 292, 294
P_TCGETS, P_WINSZ, P_IOCFLAGS, P_OWNEX, P_VMANAME, P_RENAME = 296, 298, 300, 302, 304, 306
MSG_NAMELEN, MSG_CONTROLLEN = 8, 40      # offsets in a 64-bit struct msghdr


def _drop_output_arg(adv: Adversary, nr: int, phase: int, reg: str) -> None:
    """Serve the call for real with its output pointer `reg` replaced by NULL (the call
    then fills nothing in there), and put the pointer back at the exit."""
    # Not once: a wait that blocks is entered again when the child has exited.
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg(reg):
            a.memo[(reg, nr)] = a.reg(reg)
        a.set_reg(reg, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg(reg, a.memo.get((reg, nr), 0))


# --- RL-001..RL-014, RL-022..RL-031, RL-043..RL-045, RL-060..RL-063: an output structure
# --- reported filled, never written ---------------------------------------------------------

def _unfilled(sid: str, call: str, what: str, size: int, phase: int, result: int = 0) -> None:
    """Register the scenario answering `call` (`what` in the scratch area, `size` bytes)
    with `result` and nothing written."""
    nr = NUMBERS[call]

    def steps(adv: Adversary) -> None:
        serve_as_getpid(adv, nr, phase, result)
    doc = steps_doc(
        f"1. The program's scratch area holds copies of the secret; it calls {call}() with "
        f"{what} there and sends the {size} bytes the call fills in to /dev/null.",
        f"2. Serve the call as getpid() (nothing is written) and answer {result}.",
        "3. The record the program sends is the secret's copies left in its buffer.")
    scenario(id=sid, title=f"Answer {call}() with success and write no {what}",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
             prop=f"After {call}() succeeds, its {what} holds what the kernel wrote there, "
                  "not the bytes the program's buffer held before the call.")(
        documented(steps, doc))


#: (id, call, what it fills in the scratch area, its size in bytes, marker, result)
UNFILLED = (
    ("RL-001", "getrusage", "struct rusage", 144, P_RUSAGE),
    ("RL-002", "times", "struct tms", 32, P_TIMES, 4242),
    ("RL-003", "rt_sigpending", "pending set", 8, P_PENDING),
    ("RL-004", "prctl", "PR_GET_NAME name", 16, P_PRNAME),
    ("RL-005", "statx", "struct statx", 256, P_STATX),
    ("RL-006", "getitimer", "struct itimerval", 32, P_ITIMER),
    ("RL-007", "prlimit64", "old struct rlimit", 16, P_PRLIMIT),
    ("RL-008", "timerfd_gettime", "struct itimerspec", 32, P_TIMERFD),
    ("RL-009", "fstatfs", "struct statfs", 120, P_STATFS),
    ("RL-010", "get_robust_list", "head pointer and length", 16, P_ROBUST),
    ("RL-011", "clock_getres", "timespec", 16, P_CLOCKRES),
    ("RL-012", "gettimeofday", "struct timeval", 16, P_TIMEOFDAY),
    ("RL-013", "capget", "capability data", 24, P_CAPGET),
    ("RL-014", "newfstatat", "struct stat", 128, P_FSTATAT),
    ("RL-022", "getresuid", "three ids", 12, P_GETRESUID),
    ("RL-023", "pipe2", "pair of descriptors", 8, P_PIPE),
    ("RL-024", "getcpu", "cpu and node", 8, P_GETCPU),
    ("RL-025", "timer_gettime", "struct itimerspec", 32, P_TIMERGET),
    ("RL-026", "getrlimit", "struct rlimit", 16, P_RLIMIT),
    ("RL-027", "mincore", "residency vector", 16, P_MINCORE),
    ("RL-028", "getsockopt", "SO_LINGER value", 8, P_LINGER),
    ("RL-029", "timerfd_settime", "old struct itimerspec", 32, P_TFDSET),
    ("RL-030", "setitimer", "old struct itimerval", 32, P_SETITIMER),
    ("RL-031", "prctl", "PR_GET_TID_ADDRESS pointer", 8, P_TIDADDR),
    ("RL-043", "getresgid", "three ids", 12, P_GETRESGID),
    ("RL-044", "timer_settime", "old struct itimerspec", 32, P_TIMERSET),
    ("RL-045", "statfs", "struct statfs", 120, P_STATFSPATH),
    ("RL-060", "ioctl", "TCGETS struct termios", 60, P_TCGETS),
    ("RL-061", "ioctl", "TIOCGWINSZ struct winsize", 8, P_WINSZ),
    ("RL-062", "ioctl", "FS_IOC_GETFLAGS flags word", 8, P_IOCFLAGS),
    ("RL-063", "fcntl", "F_GETOWN_EX struct f_owner_ex", 8, P_OWNEX),
)
for _row in UNFILLED:
    _unfilled(*_row)


# --- RL-015..RL-016: a real wait whose second output is left unwritten ----------------------


@scenario(id="RL-015", title="Reap the child for wait4() and write no struct rusage",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After wait4() returns a child with a rusage pointer, the rusage holds what "
               "the kernel wrote there, not the bytes the program's buffer held.")
def rl_wait4_rusage(adv: Adversary) -> None:
    """1. The program forks a child that exits at once, then calls wait4(child, &status,
    0, rusage) with the rusage in its scratch area (copies of the secret) and sends
    the 144-byte rusage to /dev/null.
    2. Serve wait4 for real (the child is reaped, its status written) with the rusage
       pointer replaced by NULL, and answer the child's pid.
    3. The rusage the program sends is the secret's copies."""
    _drop_output_arg(adv, NUMBERS["wait4"], P_WAITRU, "x3")


@scenario(id="RL-016", title="Reap the child for waitid() and write no siginfo",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After waitid() succeeds, the siginfo holds what the kernel wrote there, not "
               "the bytes the program's buffer held.")
def rl_waitid_siginfo(adv: Adversary) -> None:
    """1. The program forks a child that exits at once, then calls waitid(P_PID, child,
    info, WEXITED) with the siginfo in its scratch area and sends its 128 bytes to
    /dev/null.
    2. Serve waitid for real (the child is reaped) with the info pointer replaced by
       NULL (Linux accepts a NULL infop), and answer 0.
    3. The siginfo the program sends is the secret's copies."""
    _drop_output_arg(adv, NUMBERS["waitid"], P_WAITID, "x2")


# --- RL-017..RL-019: a value-result length written back larger than passed ------------------


@scenario(id="RL-017", title="getsockname() writes back an addrlen larger than the program gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The addrlen getsockname() writes back is at most the addrlen the program "
               "passed in.")
def rl_sockname_len(adv: Adversary) -> None:
    """1. The program calls getsockname() of a bound AF_UNIX socket with a 16-byte
    address and addrlen 16, both in its scratch area (copies of the secret), then
    sends addrlen bytes of the address to /dev/null.
    2. Serve the call, then write 256 into addrlen (the call's own output word) and
       answer 0: the record carries 256 bytes of the scratch area."""
    write_back(adv, NUMBERS["getsockname"], P_SOCKNAME, 2, SCRATCH // 2)


def _raise_msghdr_len(adv: Adversary, offset: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmsg"], during=P_RECVMSG)
    def _(a: Adversary, **_: object) -> None:
        msg = a.el1.syscall_args()[1]
        a.set_reg("x0", 1)                 # one byte received
        if offset == MSG_CONTROLLEN:
            a.kernel.uaccess.write_u64(msg + offset, SCRATCH // 2)
        else:
            a.kernel.uaccess.write_u32(msg + offset, SCRATCH // 2)


@scenario(id="RL-018", title="recvmsg() writes back a msg_controllen larger than the buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The msg_controllen recvmsg() writes back is at most the control buffer's "
               "length the program passed in.")
def rl_recvmsg_controllen(adv: Adversary) -> None:
    """1. The program calls recvmsg() of one byte with a 16-byte control buffer in its
    scratch area (copies of the secret), then sends msg_controllen bytes of the control
    buffer to /dev/null.
    2. Serve the call, then write 256 into the msghdr's msg_controllen (a field recvmsg
       writes back): the record carries 256 bytes of the scratch area."""
    _raise_msghdr_len(adv, MSG_CONTROLLEN)


@scenario(id="RL-019", title="recvmsg() writes back a msg_namelen larger than the buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The msg_namelen recvmsg() writes back is at most the name buffer's length "
               "the program passed in.")
def rl_recvmsg_namelen(adv: Adversary) -> None:
    """1. The program calls recvmsg() of one byte with a 16-byte name buffer in its
    scratch area (copies of the secret), then sends msg_namelen bytes of the name to
    /dev/null.
    2. Serve the call, then write 256 into the msghdr's msg_namelen: the record carries
       256 bytes of the scratch area."""
    _raise_msghdr_len(adv, MSG_NAMELEN)


# --- RL-020..RL-021: counts of records larger than the room the program gave ---------------


@scenario(id="RL-020", title="getgroups() reports more groups than the list holds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="getgroups(size, list) reports at most `size` groups.")
def rl_getgroups_count(adv: Adversary) -> None:
    """1. The program calls getgroups(2, list) with the list in its scratch area (copies
    of the secret) and sends as many 4-byte ids as the call reports to /dev/null.
    2. Answer 64: the record carries 256 bytes of the scratch area."""
    answer(adv, NUMBERS["getgroups"], P_GROUPS, 64)


def _too_many_events(sid: str, call: str, phase: int) -> None:
    """Register the scenario answering an epoll wait `call` with 20 events for room for one."""
    def steps(adv: Adversary) -> None:
        answer(adv, NUMBERS[call], phase, 20)
    doc = (f"1. The program calls {call}() on an empty epoll set with room for one event\n"
           "in its scratch area (copies of the secret) and sends as many 12-byte events as the\n"
           "call reports to /dev/null.\n"
           "2. Answer 20: the record carries 240 bytes of the scratch area.")
    scenario(id=sid, title=f"{call}() reports more events than maxevents",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
             prop=f"{call}(ep, events, maxevents, ...) reports at most maxevents "
                  "events.")(documented(steps, doc))


_too_many_events("RL-021", "epoll_pwait", P_EPOLL)


# --- RL-032: a signal taken, its siginfo left unwritten -------------------------------------

EINTR = 4
MMSG_LEN = 56                            # offset of msg_len in a 64-bit struct mmsghdr


@scenario(id="RL-032", title="Take the signal for rt_sigtimedwait() and write no siginfo",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          silent="the mprotect design grants rt_sigtimedwait no user access: the call fails "
                 "with EFAULT and the program logs nothing",
          prop="After rt_sigtimedwait() returns a signal with an info pointer, the siginfo "
               "holds what the kernel wrote there, not the bytes the program's buffer held.")
def rl_sigwait_info(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, sends it to itself and takes it with
    rt_sigtimedwait({SIGUSR1}, info) with the siginfo in its scratch area (copies of the
    secret), then sends the 128-byte siginfo to /dev/null.
    2. Serve the call for real (SIGUSR1 is dequeued and returned) with the info pointer
       replaced by NULL.
    3. The siginfo the program sends is the secret's copies."""
    _drop_output_arg(adv, NUMBERS["rt_sigtimedwait"], P_SIGINFO, "x1")


# --- RL-033..RL-035: counts and lengths of recvmmsg and ppoll --------------------------------


@scenario(id="RL-033", title="recvmmsg() reports more messages than vlen",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="recvmmsg(fd, vec, vlen, ...) reports at most vlen messages.")
def rl_recvmmsg_count(adv: Adversary) -> None:
    """1. The program calls recvmmsg() with room for one 64-byte mmsghdr at the start of
    its scratch area (copies of the secret beyond it) and sends as many records as the
    call reports to /dev/null.
    2. Answer 4: the record carries 256 bytes of the scratch area."""
    answer(adv, NUMBERS["recvmmsg"], P_RECVMMSG, 4)


@scenario(id="RL-034", title="recvmmsg() writes back a msg_len larger than the message buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The msg_len recvmmsg() writes into a record is at most the length of that "
               "record's buffers.")
def rl_recvmmsg_len(adv: Adversary) -> None:
    """1. The program calls recvmmsg() for one message into an 8-byte buffer in its
    scratch area and sends msg_len bytes of that buffer to /dev/null.
    2. Answer 1 (one message) and write 256 into the record's msg_len (a field recvmmsg
       writes back): the record carries 256 bytes of the scratch area."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmmsg"], during=P_RECVMMSG)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.el1.syscall_args()[1] + MMSG_LEN, SCRATCH // 2)
        a.set_reg("x0", 1)


@scenario(id="RL-035", title="ppoll() reports more ready descriptors than it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="ppoll(fds, nfds, ...) reports at most nfds ready descriptors.")
def rl_ppoll_count(adv: Adversary) -> None:
    """1. The program calls ppoll() with one pollfd at the start of its scratch area
    (copies of the secret beyond it) and sends as many 8-byte pollfds as the call
    reports to /dev/null.
    2. Answer 32: the record carries 256 bytes of the scratch area."""
    answer(adv, NUMBERS["ppoll"], P_PPOLL, 32)


# --- RL-036..RL-037: an interrupted sleep whose remaining time was never written ------------


def _interrupted(sid: str, call: str, phase: int) -> None:
    """Register the scenario answering the sleep `call` with EINTR, nothing written."""
    def steps(adv: Adversary) -> None:
        serve_as_getpid(adv, NUMBERS[call], phase, -EINTR)
    doc = steps_doc(
        f"1. The program sleeps 1 ns with {call}() and the remaining time in its scratch area "
        "(copies of the secret); when the call reports EINTR it sends the 16-byte remaining "
        "time to /dev/null.",
        "2. Serve the call as getpid() (nothing is written) and answer -EINTR.",
        "3. The 'remaining time' the program sends is 16 bytes of the secret.")
    scenario(id=sid, title=f"Answer {call}() with EINTR and write no remaining time",
             family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
             prop=f"When {call}() reports EINTR, the remaining time holds what the kernel "
                  "wrote there, not the bytes the program's buffer held.")(documented(steps, doc))


_interrupted("RL-036", "clock_nanosleep", P_CLOCKSLEEP)
_interrupted("RL-037", "nanosleep", P_NANOSLEEP)


# --- RL-038..RL-041: a call's buffer read beyond what the call hands the kernel ------------


def _peek_at_entry(adv: Adversary, call: str, phase: int, arg: int, n: int) -> None:
    """While serving `call`, read `n` bytes at its argument `arg` through the user access
    the call grants (as copy_from_user would), before the call does anything else."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS[call], during=phase)
    def _(a: Adversary, **_: object) -> None:
        where = a.el1.syscall_args()[arg]
        a.observe(a.kernel.uaccess.read(where, n), f"{call}()'s argument {arg} read whole")


@scenario(id="RL-038", title="Read getrusage()'s output buffer before filling it",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=RESULTS,
          prop="An output-only argument is writable to the kernel for the call, never "
               "readable: the kernel learns nothing of what the buffer held.")
def rl_read_output_buffer(adv: Adversary) -> None:
    """1. The program calls getrusage(RUSAGE_SELF, usage) with the usage buffer in its
    scratch area (copies of the secret).
    2. While serving the call, copy the 144-byte buffer from user space (as if the
       struct were an input) before writing the real rusage."""
    _peek_at_entry(adv, "getrusage", P_RUSAGE, 1, 144)


@scenario(id="RL-039", title="Read read()'s destination buffer before filling it",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=RESULTS,
          prop="read()'s buffer is writable to the kernel for the call, never readable: the "
               "kernel learns nothing of what the buffer held.")
def rl_read_read_buffer(adv: Adversary) -> None:
    """1. The program reads 64 bytes of /dev/zero into its scratch area (copies of the
    secret).
    2. While serving the read, copy the 64-byte destination from user space before
       filling it."""
    _peek_at_entry(adv, "read", P_READBUF, 1, 64)


@scenario(id="RL-040", title="Read 16 bytes at prctl(PR_SET_NAME)'s name past its NUL",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-STRING",), program=RESULTS,
          args=(NAMES,),
          prop="PR_SET_NAME hands the kernel a string: the bytes after its NUL stay the "
               "program's.")
def rl_setname_past_nul(adv: Adversary) -> None:
    """1. The program spells the name "rl" at the start of its scratch area, the secret's
    copies right behind the NUL, and calls prctl(PR_SET_NAME, name).
    2. While serving the call, copy 16 bytes at the name (TASK_COMM_LEN, as a kernel
       copying a fixed-size comm would): 13 of them are the secret's."""
    _peek_at_entry(adv, "prctl", P_SETNAME, 1, 16)


@scenario(id="RL-041", title="Read 32 bytes at openat()'s path past its NUL",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-STRING",), program=RESULTS, args=(NAMES,),
          prop="A path argument hands the kernel a string: the bytes after its NUL stay the "
               "program's.")
def rl_path_past_nul(adv: Adversary) -> None:
    """1. The program spells "/dev/null" at the start of its scratch area, the secret's
    copies right behind the NUL, and opens it.
    2. While serving openat, copy 32 bytes at the path: 22 of them are the secret's."""
    _peek_at_entry(adv, "openat", P_PATH, 1, 32)


# --- RL-042: an rseq area read after the program unregistered it ---------------------------


@scenario(id="RL-042", title="Read the rseq area the program has since unregistered",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=RESULTS,
          prop="A long-lived user-access capability (the area rseq() registered) ends when the "
               "program unregisters it: the words it covered are the program's again.")
def rl_stale_rseq(adv: Adversary) -> None:
    """1. The program registers a 32-byte rseq area, unregisters it and reuses its words
    for a copy of the secret.
    2. Answer both rseq() calls with success (as a kernel with restartable sequences
       does), then, at the next system call, read the 32-byte area, as a kernel updating
       a registered area's cpu_id reads and writes it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["rseq"], once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)

    @adv.on(Point.MARKER, phase=P_RSEQ)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.observe(a.kernel.uaccess.read(args[0], 32), "the unregistered rseq area")


# --- RL-043..RL-047: the same results for a few more calls -----------------------------------


_too_many_events("RL-046", "epoll_pwait2", P_EPOLL2)


@scenario(id="RL-047", title="recvfrom() writes back an addrlen larger than any address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="The addrlen recvfrom() writes back is at most the size of a socket address "
               "(Linux reports the untruncated length, never more).")
def rl_fromlen(adv: Adversary) -> None:
    """1. The program calls recvfrom() of one byte with a 16-byte source address and
    addrlen 16, both in its scratch area (copies of the secret), then sends addrlen
    bytes of the address to /dev/null.
    2. Answer 1 (a byte received) and write 256 into addrlen: the record carries 256
       bytes of the scratch area."""
    write_back(adv, NUMBERS["recvfrom"], P_FROMLEN, 5, SCRATCH // 2, 1)


# --- RL-048..RL-051, RL-064..RL-065: more names read past their NUL -------------------------


def _past_nul(sid: str, call: str, name: str, arg: int, n: int, phase: int) -> None:
    """Register the scenario reading `n` bytes at `call`'s string argument `arg` (the
    program spells `name` there, the secret's copies right behind its NUL)."""
    def steps(adv: Adversary) -> None:
        _peek_at_entry(adv, call, phase, arg, n)
    doc = steps_doc(
        f"1. The program spells the name {name} at the start of its scratch area, the "
        f"secret's copies right behind the NUL, and passes it to {call}().",
        f"2. While serving the call, copy {n} bytes at the name: most of them are the "
        "secret's.")
    scenario(id=sid, title=f"Read {n} bytes at {call}()'s name past its NUL",
             family=RT, goal=Goal.LEAK, rules=("G-UACCESS-STRING",), program=RESULTS,
             args=(NAMES,),
             prop=f"{call}() hands the kernel a string: the bytes after its NUL stay the "
                  "program's.")(documented(steps, doc))


#: (id, call, the name the program spells, the call's argument holding it, bytes read, marker)
PAST_NUL = (
    ("RL-048", "memfd_create", "'rl'", 0, 64, P_MEMFDNAME),
    ("RL-049", "faccessat", "'rl'", 1, 32, P_ACCESSNAME),
    ("RL-050", "statfs", "'/'", 0, 32, P_STATFSNAME),
    ("RL-051", "truncate", "'rl'", 0, 32, P_TRUNCNAME),
    ("RL-064", "prctl", "'rl'", 4, 32, P_VMANAME),
    ("RL-065", "renameat2", "'rl'", 3, 32, P_RENAME),
)
for _row in PAST_NUL:
    _past_nul(*_row)


# --- RL-052..RL-055: a sealed copy kept past the program's give-back, unsealed into its reuse --

CALLS = "secret_calls"
P_DONTNEED, P_BRK, P_REFIX, P_SHRINK = 60, 62, 93, 95      # workloads/src/secret_calls.c
KEPT_ENTRY = 0x5B << 12      # an entry of the kernel's own (not valid, not one of its swap
#                              entries: its munmap/madvise paths clear it and forget it)


def _seal_then_unseal_on_reuse(adv: Adversary, phase: int, offset: int = 0) -> None:
    """At marker `phase` (x2: an area whose page at `offset` holds a copy of the secret)
    swap that page out through SWAP_OUT and keep the sealed copy, without telling the
    kernel's own swap bookkeeping (so its give-back path never calls SWAP_DISCARD).  When
    the program next touches the page (it gave it back in between and expects zeros),
    SWAP_IN the kept copy at the same address before the kernel's fault path runs."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        va = args[0] + offset
        a.memo["va"] = va
        last = a.walk(va)[-1]
        a.memo["desc"] = last.desc
        pa = last.desc & D.ADDR_MASK
        if not a.guarded:
            a.observe(a.read_lm(pa), "the page kept before the program gave it back")
            return
        status, version, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, KEPT_ENTRY))
        if status:
            return
        a.kernel.frames.put(pa)
        a.memo["sealed"] = sealed
        a.note(f"sealed {va:#x} as version {version}; the kernel's swap map never hears of it")

    @adv.on(Point.FAULT, during=phase, once=False)
    def _(a: Adversary, info: ExceptionInfo, **_: object) -> None:
        va = a.memo.get("va")
        if va is None or "sealed" not in a.memo or info.far & ~(PAGE - 1) != va:
            return
        sealed = a.memo.pop("sealed")
        frame = a.alloc_frame()
        desc = (a.memo["desc"] & ~D.ADDR_MASK) | frame
        status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, desc), sealed)
        if status:
            a.kernel.frames.put(frame)
        else:
            a.note(f"the kept copy of {va:#x} came back in after the program gave the page back")


@scenario(id="RL-052", title="Seal a page before MADV_DONTNEED, unseal it on the next touch",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=CALLS,
          prop="A sealed copy of a page does not outlive the program's MADV_DONTNEED of it: "
               "the page reads as zero afterwards.")
def rl_sealed_past_dontneed(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page and calls
    madvise(MADV_DONTNEED) on it, then reads the page (it must be zero) and sends it.
    2. Just before the madvise, SWAP_OUT the page with an entry the kernel's own swap map
       does not know: its DONTNEED path clears the entry and never calls SWAP_DISCARD.
    3. On the program's next touch, SWAP_IN the kept sealed copy at the same address: the
       'zero' page holds the secret, which the program sends to /dev/null."""
    _seal_then_unseal_on_reuse(adv, P_DONTNEED)


@scenario(id="RL-053", title="Seal the top heap page before a brk shrink, unseal it in the regrow",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=CALLS,
          prop="A sealed copy of a heap page does not outlive the brk() shrink that gave it "
               "back: the regrown page reads as zero.")
def rl_sealed_past_brk(adv: Adversary) -> None:
    """1. The program grows its heap by a page, puts a copy of the secret there, shrinks
    the heap by that page and grows it again, then reads the page and sends it.
    2. Before the shrink, SWAP_OUT the page with an entry the kernel's swap map does not
       know, and keep the sealed copy.
    3. On the first touch of the regrown page, SWAP_IN the kept copy there."""
    _seal_then_unseal_on_reuse(adv, P_BRK)


@scenario(id="RL-054", title="Seal a page before munmap, unseal it into the MAP_FIXED mapping",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=CALLS,
          prop="A sealed copy of a page does not outlive the program's munmap of it: a new "
               "mapping at the same address reads as zero.")
def rl_sealed_past_munmap(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, unmaps it and maps a
    new page at the same address with MAP_FIXED, then reads it and sends it.
    2. Before the munmap, SWAP_OUT the page with an entry the kernel's swap map does not
       know, and keep the sealed copy.
    3. On the first touch of the new mapping, SWAP_IN the kept copy there."""
    _seal_then_unseal_on_reuse(adv, P_REFIX)


@scenario(id="RL-055", title="Seal the page an mremap shrink gives back, unseal it in the regrow",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          program=CALLS,
          prop="A sealed copy of a page does not outlive the mremap() shrink that gave it "
               "back: the area regrown in place reads as zero there.")
def rl_sealed_past_shrink(adv: Adversary) -> None:
    """1. The program maps two pages, the second holding a copy of the secret, shrinks the
    area to one page with mremap() and grows it back in place, then reads the second page
    and sends both.
    2. Before the shrink, SWAP_OUT the second page with an entry the kernel's swap map
       does not know, and keep the sealed copy.
    3. On the first touch of the regrown page, SWAP_IN the kept copy there."""
    _seal_then_unseal_on_reuse(adv, P_SHRINK, PAGE)


# --- RL-056..RL-059: an output structure written only in part --------------------------------

OUTPUTS = "secret_outputs"
P_UNAME, P_FSTAT, P_SYSINFO = 130, 134, 139                 # workloads/src/secret_outputs.c


def _partly_filled(adv: Adversary, call: str, phase: int, arg: int, written: int,
                   at: int = 0) -> None:
    """Serve `call` as getpid(), write `written` zero bytes `at` bytes into its output
    (argument `arg`), and answer 0: the call wrote its output, but not all of it."""
    nr = NUMBERS[call]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        # the output pointer as the program passed it (x0 is the result later)
        a.memo["out"] = a.el1.syscall_args()[arg]

    serve_as_getpid(adv, nr, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["out"] + at, bytes(written))


@scenario(id="RL-056", title="Answer getrusage() with 8 bytes of the rusage written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=RESULTS,
          prop="After getrusage() succeeds, the whole struct rusage holds what the kernel "
               "wrote: writing a part of it does not leave the rest of the old buffer.")
def rl_rusage_partly(adv: Adversary) -> None:
    """1. The program calls getrusage() into its scratch area (copies of the secret) and
    sends the 144-byte struct to /dev/null.
    2. Serve the call as getpid(), write 8 zero bytes (ru_utime.tv_sec) at the start of
       the struct, and answer 0.
    3. The other 136 bytes the program sends are the secret's copies."""
    _partly_filled(adv, "getrusage", P_RUSAGE, 1, 8)


@scenario(id="RL-057", title="Answer uname() with only the sysname field written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After uname() succeeds, every field of the utsname holds what the kernel "
               "wrote: writing the first field does not leave the nodename's old bytes.")
def rl_uname_partly(adv: Adversary) -> None:
    """1. The program calls uname() into its scratch area (copies of the secret) and sends
    the nodename field (65 bytes at offset 65) to /dev/null.
    2. Serve the call as getpid(), write the 65-byte sysname field only, and answer 0.
    3. The nodename the program sends is the secret's copies."""
    _partly_filled(adv, "uname", P_UNAME, 0, 65)


@scenario(id="RL-058", title="Answer fstat() with the first 8 bytes of the stat written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After fstat() succeeds, the whole struct stat holds what the kernel wrote.")
def rl_fstat_partly(adv: Adversary) -> None:
    """1. The program calls fstat() of /dev/null into its scratch area and sends the
    128-byte struct stat to /dev/null.
    2. Serve the call as getpid(), write 8 zero bytes (st_dev) and answer 0.
    3. The other 120 bytes the program sends are the secret's copies."""
    _partly_filled(adv, "fstat", P_FSTAT, 1, 8)


@scenario(id="RL-059", title="Answer sysinfo() with the last byte of the struct written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After sysinfo() succeeds, the whole struct sysinfo holds what the kernel "
               "wrote.")
def rl_sysinfo_partly(adv: Adversary) -> None:
    """1. The program calls sysinfo() into its scratch area and sends the 112-byte struct
    to /dev/null.
    2. Serve the call as getpid(), write one byte at the struct's end and answer 0.
    3. The other 111 bytes the program sends are the secret's copies."""
    _partly_filled(adv, "sysinfo", P_SYSINFO, 0, 1, at=111)


# --- RL-060..RL-063: ioctl and fcntl outputs reported filled, never written -----------------


# --- RL-066..RL-067: a count covered by the same bytes written over and over -----------------

P_READV = 308


def _rewrite_first(adv: Adversary, call: str, phase: int, first: int, times: int,
                   count: int, via_iovec: bool) -> None:
    """Serve `call` as getpid(), write `first` zero bytes at the start of its (first)
    buffer `times` times over, and answer `count`: as many bytes written as reported,
    all of them into the same few bytes."""
    nr = NUMBERS[call]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        buf = a.el1.syscall_args()[1]
        a.memo["buf"] = a.kernel.uaccess.read_u64(buf) if via_iovec else buf

    serve_as_getpid(adv, nr, phase, count)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        if "buf" not in a.memo:
            a.note("the buffer's address could not be read")
            return
        for _i in range(times):
            a.kernel.uaccess.write(a.memo["buf"], bytes(first))


@scenario(id="RL-066", title="read() reports 64 bytes after writing the same 8 bytes 8 times",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="A read-family count covers only distinct bytes the kernel wrote into the "
               "buffer: writing the same bytes again does not cover the rest.")
def rl_read_rewritten(adv: Adversary) -> None:
    """1. The program reads 64 bytes of /dev/zero into its scratch area (copies of the
    secret) and sends as many bytes as read() reports to /dev/null.
    2. Serve the read as getpid(), write 8 zero bytes at the buffer's start eight times
       over (64 bytes written), and answer 64.
    3. The last 56 bytes the program sends are the secret's copies."""
    _rewrite_first(adv, "read", P_READBUF, 8, 8, 64, via_iovec=False)


@scenario(id="RL-067", title="readv() reports 72 bytes after writing its first 8-byte buffer 9 "
          "times", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=RESULTS,
          prop="A readv count covers only distinct bytes the kernel wrote into the iovecs' "
               "buffers, in order: filling the first buffer again does not fill the second.")
def rl_readv_rewritten(adv: Adversary) -> None:
    """1. The program reads /dev/zero with readv() into an 8-byte and a 64-byte buffer of
    its scratch area (copies of the secret) and sends as many bytes as reported, buffer
    by buffer, to /dev/null.
    2. Serve the readv as getpid(), write the first buffer's 8 bytes nine times over (72
       bytes written), and answer 72.
    3. The second buffer the program sends is the secret's copies."""
    _rewrite_first(adv, "readv", P_READV, 8, 9, 72, via_iovec=True)


# --- RL-068..RL-071: a value-result length or pointer rewritten while the call runs ----------

P_END = 21
SECRET_AFTER_SCRATCH = SCRATCH     # the program's own `secret` lies right after the scratch area


def _program_saw_its_secret_changed(out: Outcome) -> list[str]:
    """At END the program compares its copies of the secret with `secret`: bad = 1."""
    bad = [m.args[0] for m in program_markers(out, P_END)]
    return ["the program found its secret changed at END (memory past the call's buffer "
            "was written)"] if bad and bad[0] else []


@scenario(id="RL-068", title="Raise getsockopt()'s optlen mid-call, write past the value, put "
          "optlen back", family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-IAGO-OUTPUT"),
          program=RESULTS, oracle=_program_saw_its_secret_changed,
          prop="getsockopt's optval is writable for the optlen the program passed, whatever "
               "the kernel writes into optlen while serving the call.")
def rl_optlen_widened(adv: Adversary) -> None:
    """1. The program calls getsockopt(SO_LINGER) with an 8-byte value at its scratch
    area + 8 and optlen 8; its own `secret` lies right after the 512-byte scratch area.
    2. While serving the call, write 1024 into optlen (a word the call writes back), then
       write 536 bytes at optval (through the program's `secret`), then put optlen back
       to 8 and answer 0.
    3. The program finds its secret changed."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getsockopt"], during=P_LINGER)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.kernel.uaccess.write_u32(args[4], 1024)
        try:
            a.kernel.uaccess.write(args[3], b"\x41" * (SECRET_AFTER_SCRATCH + 32 - 8))
        finally:
            a.kernel.uaccess.write_u32(args[4], 8)
        a.set_reg("x0", 0)


@scenario(id="RL-069", title="Raise recvmsg()'s msg_controllen mid-call, write past the control "
          "buffer", family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-IAGO-OUTPUT"),
          program=RESULTS, oracle=_program_saw_its_secret_changed,
          prop="recvmsg's control buffer is writable for the msg_controllen the program "
               "passed, whatever the kernel writes into the msghdr while serving the call.")
def rl_controllen_widened(adv: Adversary) -> None:
    """1. The program calls recvmsg() with a 16-byte control buffer at its scratch area +
    128; its own `secret` lies right after the 512-byte scratch area.
    2. While serving the call, write 1024 into the msghdr's msg_controllen, then write
       416 bytes at the control buffer (through the program's `secret`), then put
       msg_controllen back to 0 and answer 1.
    3. The program finds its secret changed."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmsg"], during=P_RECVMSG)
    def _(a: Adversary, **_: object) -> None:
        msg = a.el1.syscall_args()[1]
        control = a.kernel.uaccess.read_u64(msg + 32)
        a.kernel.uaccess.write_u64(msg + MSG_CONTROLLEN, 1024)
        try:
            a.kernel.uaccess.write(control, b"\x41" * (SECRET_AFTER_SCRATCH + 32 - 128))
        finally:
            a.kernel.uaccess.write_u64(msg + MSG_CONTROLLEN, 0)
        a.set_reg("x0", 1)


def _redirect_msghdr_field(adv: Adversary, field: int, length_field: int, wide: bool) -> None:
    keep_marker_arg(adv, P_RECVMSG, "secret", 1, SECRET_AFTER_SCRATCH)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmsg"], during=P_RECVMSG)
    def _(a: Adversary, **_: object) -> None:
        msg = a.el1.syscall_args()[1]
        a.kernel.uaccess.write_u64(msg + field, a.memo["secret"])
        if wide:
            a.kernel.uaccess.write_u64(msg + length_field, 16)
        else:
            a.kernel.uaccess.write_u32(msg + length_field, 16)
        a.set_reg("x0", 1)


@scenario(id="RL-070", title="Point recvmsg()'s msg_control at the program's secret",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-IAGO-OUTPUT"),
          program=RESULTS,
          prop="recvmsg writes back msg_namelen, msg_controllen and msg_flags only: the "
               "msghdr's pointers stay the ones the program passed.")
def rl_control_pointer(adv: Adversary) -> None:
    """1. The program calls recvmsg() with a msghdr on its stack, then sends
    msg_controllen bytes at msg_control (as it reads them back from the msghdr) to
    /dev/null.
    2. While serving the call, write the address of the program's `secret` (right after
       its scratch area) into msg_control and 16 into msg_controllen, and answer 1.
    3. The program sends 16 bytes of its secret."""
    _redirect_msghdr_field(adv, 32, MSG_CONTROLLEN, wide=True)


@scenario(id="RL-071", title="Point recvmsg()'s msg_name at the program's secret",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-IAGO-OUTPUT"),
          program=RESULTS,
          prop="recvmsg writes back msg_namelen, msg_controllen and msg_flags only: the "
               "msghdr's name pointer stays the one the program passed.")
def rl_name_pointer(adv: Adversary) -> None:
    """1. The program calls recvmsg() with a msghdr on its stack, then sends msg_namelen
    bytes at msg_name (as it reads them back from the msghdr) to /dev/null.
    2. While serving the call, write the address of the program's `secret` into msg_name
       and 16 into msg_namelen, and answer 1.
    3. The program sends 16 bytes of its secret."""
    _redirect_msghdr_field(adv, 0, MSG_NAMELEN, wide=False)


# --- RL-072..RL-073: an epoll event whose data is not what the program registered ------------

P_EPDATA = 310
EPOLLOUT = 4
EVENT_SIZE = 16                    # struct epoll_event on AArch64: u32 events, pad, u64 data
CONN_SERVED = 16                   # offset of the counter in the program's connection record


def _forge_event(adv: Adversary, data_from_secret: int) -> None:
    """Answer the program's epoll_pwait with one EPOLLOUT event whose data is the address
    of the program's `secret` plus `data_from_secret` (the program registered a pointer to
    its own connection record)."""
    keep_marker_arg(adv, P_EPDATA, "secret", 1, SECRET_AFTER_SCRATCH)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait"], during=P_EPDATA)
    def _(a: Adversary, **_: object) -> None:
        events = a.el1.syscall_args()[1]
        data = (a.memo["secret"] + data_from_secret) & (2**64 - 1)
        event = EPOLLOUT.to_bytes(8, "little") + data.to_bytes(8, "little")
        a.kernel.uaccess.write(events, event)
        a.set_reg("x0", 1)


@scenario(id="RL-072", title="Return an epoll event whose data points at the program's secret",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RESULTS,
          prop="An epoll event carries the data the program registered for that descriptor "
               "with epoll_ctl(), never a value of the kernel's choosing.")
def rl_epoll_data_leak(adv: Adversary) -> None:
    """1. The program registers an eventfd with epoll, its data a pointer to a connection
    record; for each event epoll_pwait() returns it sends the record's 16-byte name,
    reached through the event's data, to /dev/null.
    2. Answer epoll_pwait with one event whose data is the address of the program's
       `secret` (right after its scratch area).
    3. The 'name' the program sends is 16 bytes of its secret."""
    _forge_event(adv, 0)


@scenario(id="RL-073", title="Return an epoll event whose data makes the program count into its "
          "secret", family=RT, goal=Goal.TAMPER, rules=("G-IAGO-COOKIE",), program=RESULTS,
          oracle=_program_saw_its_secret_changed,
          prop="An epoll event carries the data the program registered: the program's writes "
               "through it reach only the record it registered.")
def rl_epoll_data_tamper(adv: Adversary) -> None:
    """1. For each event the program increments the `served` counter (16 bytes into the
    record the event's data points at).
    2. Answer epoll_pwait with one event whose data is the program's `secret` - 16.
    3. The program increments the first word of its own secret, and finds it changed."""
    _forge_event(adv, -CONN_SERVED)


# --- RL-074..RL-075: the clear_child_tid word written while the thread runs ------------------

P_TIDWORD, P_TIDOLD = 312, 314


def _clear_tid_word(adv: Adversary, phase: int) -> None:
    """At marker `phase` (x2: a word set_tid_address() named), clear the word as a
    kernel does at the thread's exit, though the thread runs on."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.kernel.uaccess.write_u32(args[0], 0)


@scenario(id="RL-074", title="Clear the set_tid_address() word while the thread still runs",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), program=RESULTS,
          oracle=_program_saw_its_secret_changed,
          prop="The word set_tid_address() names is the kernel's to clear only when the thread "
               "exits: while the thread runs it holds what the program wrote.")
def rl_tid_word_early(adv: Adversary) -> None:
    """1. The program names a word holding 12345 with set_tid_address() and checks it
    after its next system call.
    2. During that call, write 0 into the word (what the kernel does at the thread's
       exit), though the thread runs on.
    3. The program finds its word changed."""
    _clear_tid_word(adv, P_TIDWORD)


@scenario(id="RL-075", title="Clear the set_tid_address() word the program has since replaced",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), program=RESULTS,
          oracle=_program_saw_its_secret_changed,
          prop="A long-lived user-access capability (the clear_child_tid word) ends when the "
               "program names another word: the old word is the program's again.")
def rl_tid_word_replaced(adv: Adversary) -> None:
    """1. The program names a word with set_tid_address(), then names another one and
    reuses the first word (777), checking it after its next system call.
    2. During that call, write 0 into the first word.
    3. The program finds its word changed."""
    _clear_tid_word(adv, P_TIDOLD)


# --- RL-076: recvmmsg's msghdr pointer rewritten ---------------------------------------------

MMSG_CONTROL, MMSG_CONTROLLEN = 32, 40   # msg_hdr.msg_control / msg_controllen in an mmsghdr


@scenario(id="RL-076", title="Point recvmmsg()'s msg_control at the program's secret",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-IAGO-OUTPUT"),
          program=RESULTS,
          prop="recvmmsg writes back each record's msg_len and its msghdr's lengths and flags "
               "only: the pointers in the records stay the ones the program passed.")
def rl_mmsg_control_pointer(adv: Adversary) -> None:
    """1. The program calls recvmmsg() for one message with no control buffer, then sends
    msg_controllen bytes at msg_control (as it reads them back from its record) to
    /dev/null.
    2. While serving the call, write the address of the program's `secret` (right after
       its scratch area, where the record lies) into the record's msg_control and 16 into
       its msg_controllen, and answer 1.
    3. The program sends 16 bytes of its secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["recvmmsg"], during=P_RECVMMSG)
    def _(a: Adversary, **_: object) -> None:
        vec = a.el1.syscall_args()[1]            # the record is the scratch area's start
        a.kernel.uaccess.write_u64(vec + MMSG_CONTROL, vec + SECRET_AFTER_SCRATCH)
        a.kernel.uaccess.write_u64(vec + MMSG_CONTROLLEN, 16)
        a.set_reg("x0", 1)
