"""Red-team round twenty-one: descriptors, processes and identities.

What a program learns about its own descriptors, its process and its identity comes from
the kernel, and Linux keeps each answer to a range or to a value the program already
holds: fcntl(F_GETFL)'s access mode is the one the descriptor was opened with, a pipe holds
at least a page, an owner nobody set is 0, F_GETLK's l_type is one of three, F_GETSIG a
signal number (QC-001..QC-005); a semaphore eventfd read takes exactly 1, a one-shot timerfd
expires once, an eventfd counter read is at least 1 whichever copy of the descriptor reads
it, a timerfd never has more time left than it was set to (QC-006..QC-009); ru_utime never
decreases, freeram never exceeds totalram, an affinity mask is never empty, a working
directory is an absolute path, d_type is a DT_* value (QC-010..QC-014); PR_GET_DUMPABLE
answers 0..2, PR_GET_CHILD_SUBREAPER and PR_GET_NO_NEW_PRIVS 0 or 1, PR_GET_AUXV the vector
the process started with (QC-015..QC-018); the credentials, the group list, the process
group and a new session's id agree with what the program holds (QC-019..QC-022); a
FUTEX_WAKE wakes at most the number allowed, and FUTEX_LOCK_PI returns 0 only to the lock's
new owner (QC-023, QC-024); waitid(P_PIDFD) reports only the child the pidfd names
(QC-025); and the auxiliary vector's AT_CLKTCK is 100 and its AT_UID the real uid
(QC-026, QC-027).  Then: a signalfd's mask and an epoll instance's data hold through a
pidfd_getfd() copy (QC-028, QC-029), wait4(-pgid) reports only that group's child (QC-030),
a second umask() returns the first one's mask (QC-031), seals are never dropped (QC-032),
FUTEX_CMP_REQUEUE moves at most what it allowed (QC-033), wait4(pid) reports that child
with its own status and wait4(-1) pairs each pid with its child's status (QC-034, QC-035),
argc is at least 1 (QC-036), uname() names the machine aarch64 (QC-037), and an eventfd
counter read through an F_DUPFD_CLOEXEC copy is never 0 (QC-038).  Last: the old signal
mask is the thread's, rt_sigpending() reports only blocked signals, SO_TYPE the socket's
type, fstat() of a pipe S_IFIFO, F_GETOWN_EX one of three owner types, and PR_SVE_GET_VL
fails on a CPU without SVE (QC-039..QC-044); a pipe only the program holds returns the bytes
it wrote, a socketpair's peer credentials are the program's, and no descriptor reaches the
soft RLIMIT_NOFILE (QC-045..QC-047); an eventfd passed to itself with SCM_RIGHTS keeps
its counter rule (QC-048).

Several claims rest on the open file description being the program's alone, as the
Guardian's own epoll and signalfd rules already assume: a process allowed to ptrace the
program could take the description with pidfd_getfd() and set its owner (QC-003) or re-arm
a timerfd (QC-007, QC-009), or write into the program's own pipe (QC-045).

The victim is `secret_r21_procs` (workloads/src/secret_r21_procs.c).  Most steps turn one
value into the index of a public label in a log buffer that holds a copy of the secret on
each side of the labels, then write that label to /dev/null: a value outside its range
sends a piece of the secret to the kernel.  Each scenario holds only the kernel's powers
(the result it returns, the user access of the call being served, its scheduler, and the
initial stack it builds).  Where an attack still gets through with the Guardian on, it
names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.initial_stack import _auxv_slot, _stack_words
from attacks.hooks import Point
from attacks.moves import keep_marker_arg
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState

RT = "redteam_r21"
PROCS = "secret_r21_procs"
# secret_r21_procs: the marker before each step; the marker after its write is + 1.
P_GETFL, P_PIPE_SZ, P_GETOWN, P_GETLK, P_GETSIG = 2100, 2102, 2104, 2106, 2108
P_SEMAPHORE, P_ONESHOT, P_PIDFD_GETFD, P_TFD_LEFT, P_RUSAGE = 2110, 2112, 2114, 2116, 2118
P_SYSINFO, P_AFFINITY, P_GETCWD, P_DENTS, P_DUMPABLE = 2120, 2122, 2124, 2126, 2128
P_SUBREAPER, P_NO_NEW_PRIVS, P_AUXV, P_RESUID, P_GROUPS = 2130, 2132, 2134, 2136, 2138
P_PGID, P_SETSID, P_FUTEX_WAKE, P_LOCK_PI, P_PIDFD_WAIT = 2140, 2142, 2144, 2146, 2148
P_CLKTCK, P_AT_UID, P_SIGFD_GETFD, P_EPOLL_GETFD, P_PGRP_WAIT = 2150, 2152, 2154, 2156, 2158
P_UMASK_AGAIN, P_SEALS, P_REQUEUE, P_WAIT_NAMED, P_WAIT_PAIR = 2160, 2162, 2164, 2166, 2168
P_ARGC, P_UNAME, P_DUPFD_COUNTER, P_OLDMASK, P_SIGPENDING = 2170, 2172, 2174, 2176, 2178
P_SO_TYPE, P_FSTAT_PIPE, P_GETOWN_EX, P_SVE_VL = 2180, 2182, 2184, 2186
P_SELF_PIPE, P_PEERCRED, P_DUPFD_LIMIT, P_SCM_COUNTER = 2188, 2190, 2192, 2194
#: The steps whose marker + 1 carries a label index (the lock and the waits carry others).
LABEL_STEPS = (*range(P_GETFL, P_FUTEX_WAKE + 2, 2), P_CLKTCK, P_AT_UID, P_SIGFD_GETFD,
               P_EPOLL_GETFD, *range(P_UMASK_AGAIN, P_SCM_COUNTER + 2, 2))
NR_FCNTL, NR_READ, NR_FUTEX, NR_PRCTL = (NUMBERS[n] for n in ("fcntl", "read", "futex", "prctl"))
NR_DUP, NR_PIDFD_GETFD, NR_WAITID = NUMBERS["dup"], NUMBERS["pidfd_getfd"], NUMBERS["waitid"]
NR_WAIT4 = NUMBERS["wait4"]
AT_PAGESZ, AT_UID, AT_EUID, AT_CLKTCK = 6, 11, 12, 17
FUTEX_LOCK_PI, P_PID = 6, 1
MASK64 = (1 << 64) - 1
# A result outside its call's range that still reaches the program (an open hole).

Value = int | Callable[[Adversary, Thread], int]


def _value(v: Value, a: Adversary, thread: Thread) -> int:
    return (v(a, thread) if callable(v) else v) & MASK64


def _answer(adv: Adversary, during: int, nr: int, value: Value, *,
            init_only: bool = True) -> None:
    """Let the program's next call `nr` after marker `during` run (or fail: a call or an
    option the kernel model lacks), then answer `value` instead."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, init_only=init_only)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        result = _value(value, a, thread)
        a.set_reg("x0", result)
        a.note(f"system call {nr} answered {result:#x}")


def _fill(adv: Adversary, during: int, nr: int, arg: int, data: bytes,
          result: int | None = 0, *, at: int = 0) -> None:
    """Let the program's next call `nr` after marker `during` run to its end (a call that
    sleeps passes the exit while blocked, to run again later: only the exit of a thread
    that goes on counts; a call the kernel model lacks counts too), then write `data` at
    offset `at` of the output its argument `arg` pointed to at the entry, and answer
    `result` (None: what the call returned)."""
    key = ("fill", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)
    def _(a: Adversary, **_: object) -> None:
        if key not in a.memo:
            a.memo[key] = int(a.el1.syscall_args()[arg])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED:
            return
        a.memo[key] = 0
        a.kernel.uaccess.write(where + at, data)
        if result is not None:
            a.set_reg("x0", result & MASK64)
        a.note(f"system call {nr} answered {a.reg('x0'):#x}, its output {data.hex()} at "
               f"{where + at:#x}")


def _forge_auxv(adv: Adversary, values: dict[int, int]) -> None:
    """Rewrite auxv entries (key -> value) of the program's initial stack just before
    CREATE_DOMAIN (without a Guardian: right after exec), as the kernel that built the
    stack may."""
    def forge(a: Adversary, sp: int) -> None:
        words = _stack_words(a, sp)
        for key, value in values.items():
            i = _auxv_slot(words, key) if words else None
            if i is None:
                a.note(f"the initial stack has no auxv entry {key}")
                continue
            a.el1.write(sp + 8 * (i + 1), struct.pack("<Q", value))
            a.note(f"auxv entry {key} forged to {value:#x}")

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            forge(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            forge(a, a.reg("sp"))


def _wait_for_other(adv: Adversary, nr: int, phase: int, change: dict[str, int]) -> None:
    """Serve the program's wait (`nr`) after marker `phase` for the other child the marker
    names (its argument 2): registers `change`, and the pid in x0 (wait4) or x1 (waitid).
    A wait that blocks is restarted later as the program asked it, and served again."""
    keep_marker_arg(adv, phase, "other", index=2)
    pid_reg = "x1" if nr == NR_WAITID else "x0"
    regs = sorted({pid_reg, *change})

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "waited" not in a.memo:
            a.memo["asked"] = {r: a.reg(r) for r in regs}
            for r, v in change.items():
                a.set_reg(r, v)
            a.set_reg(pid_reg, a.memo["other"])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        asked = a.memo.pop("asked", None)
        if asked is None:
            return
        blocked = thread.state is ThreadState.BLOCKED
        if not blocked:
            a.memo["waited"] = True
            a.note(f"wait {nr} served as a wait for pid {a.memo['other']}: {a.reg('x0'):#x}")
        for r, v in asked.items():
            if r != "x0" or blocked:          # (a finished wait returns in x0)
                a.set_reg(r, v)


def _getfd_as_dup(adv: Adversary, phase: int) -> None:
    """Serve the program's pidfd_getfd(pidfd, fd) after marker `phase` as dup(fd) (the
    kernel model has no pidfd_getfd; a kernel that has one makes the same new descriptor
    of the same open file)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PIDFD_GETFD, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["getfd"] = (a.reg("x8"), a.reg("x1"))
        a.set_reg("x0", a.reg("x1"))
        a.set_reg("x8", NR_DUP)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PIDFD_GETFD, during=phase)
    def _(a: Adversary, **_: object) -> None:
        x8, x1 = a.memo.pop("getfd")
        a.set_reg("x8", x8)
        a.set_reg("x1", x1)
        a.note(f"pidfd_getfd served as dup: descriptor {a.reg('x0')}")


# --- fcntl ------------------------------------------------------------------------------


@scenario(id="QC-001", title="Answer fcntl(F_GETFL) on a write-only descriptor with a "
                             "read-only access mode",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETFL) reports the access mode the descriptor was opened with.")
def qc_getfl_access_mode(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) opened /dev/null O_WRONLY; it calls
    fcntl(F_GETFL) and logs the label (flags & O_ACCMODE) - 1 names from a log buffer that
    holds a copy of the secret on each side of its labels.
    2. Answer 0x20000 (O_LARGEFILE | O_RDONLY on arm64).
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    Linux fixes a descriptor's access mode at open (F_SETFL changes only O_APPEND,
    O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME): a write-only descriptor never reports
    O_RDONLY.  The Guardian records each descriptor's access mode at openat but does not
    hold F_GETFL's answer to it (F_GETFL is an answer-only command with no range)."""
    _answer(adv, P_GETFL, NR_FCNTL, 0x20000)


@scenario(id="QC-002", title="Answer fcntl(F_GETPIPE_SZ) with a pipe smaller than a page",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETPIPE_SZ) reports a capacity of at least one page.")
def qc_pipe_size_below_page(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) makes a pipe, calls fcntl(F_GETPIPE_SZ) and logs
    the label 8192 / size names (0..2 for any size Linux gives).
    2. Answer 2048.
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    Linux's pipe capacity is a power-of-two number of pages, never under one page (4096):
    pipe_set_size rounds up to a page and a new pipe gets PIPE_DEF_BUFFERS or, past the
    soft limit, one page."""
    _answer(adv, P_PIPE_SZ, NR_FCNTL, 2048)


@scenario(id="QC-003", title="Answer fcntl(F_GETOWN) with an owner nobody set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETOWN) on an open file whose owner was never set answers 0.")
def qc_getown_unset(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) makes a pipe it never shares, calls
    fcntl(F_GETOWN) on its read end and logs the label the owner names.
    2. Answer 6 (a process id).
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    The owner is kept on the open file description and set only with F_SETOWN (or
    F_SETOWN_EX) through a descriptor of it; the program holds the only ones and never set
    it, so Linux answers 0 (unless a process allowed to ptrace the program took the
    description with pidfd_getfd() and set one)."""
    _answer(adv, P_GETOWN, NR_FCNTL, 6)


@scenario(id="QC-004", title="Answer fcntl(F_GETLK) with an l_type that is no lock type",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETLK) writes back an l_type of F_RDLCK, F_WRLCK or F_UNLCK.")
def qc_getlk_type(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) asks fcntl(F_GETLK) whether a write lock over a
    new memfd would be granted and logs the label l_type names (0..2).
    2. Let the call run, then write a struct flock with l_type 5 and answer 0.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    Linux writes F_UNLCK, or the conflicting lock's type (F_RDLCK or F_WRLCK)."""
    _fill(adv, P_GETLK, NR_FCNTL, 2, struct.pack("<hh4xqqi4x", 5, 0, 0, 0, 0))


@scenario(id="QC-005", title="Answer fcntl(F_GETSIG) with a number past the last signal",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETSIG) answers 0 or a signal number (at most 64).")
def qc_getsig_range(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls fcntl(F_GETSIG) on its pipe and logs the
    label sig / 17 names (0..3 for 0..64).
    2. Answer 100.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    F_SETSIG refuses a number past _NSIG, so F_GETSIG answers 0..64 (the PR_GET_PDEATHSIG
    range the Guardian already holds; F_GETSIG has none)."""
    _answer(adv, P_GETSIG, NR_FCNTL, 100)


# --- counters through copied descriptors -------------------------------------------------


@scenario(id="QC-006", title="Read 5 from a semaphore eventfd through its dup()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A read of an EFD_SEMAPHORE eventfd takes exactly 1 from the counter.")
def qc_semaphore_read(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) makes an EFD_SEMAPHORE eventfd, writes 3, reads 8
    bytes through a dup() of it and logs the label value - 1 names.
    2. Let the read run, then write 5 into its buffer (8 bytes, as returned).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    A semaphore-mode eventfd read returns 1 and decrements the counter by 1 (eventfd_read
    with EFD_SEMAPHORE); the Guardian only refuses a counter of 0."""
    _fill(adv, P_SEMAPHORE, NR_READ, 1, struct.pack("<Q", 5), result=8)


@scenario(id="QC-007", title="Read 6 expirations of a one-shot timerfd through its dup3()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A one-shot timerfd (no interval) read after its one expiry reports 1.")
def qc_oneshot_count(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) arms a timerfd once (1 ms, it_interval 0), reads
    8 bytes through a dup3() copy of it and logs the label count - 1 names.
    2. Let the read run, then write 6 into its buffer.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    A timer with no interval expires once per arming; nothing re-armed it (only a holder
    of the description can: the program, or a process allowed to ptrace it that took it
    with pidfd_getfd()), so Linux's count is 1 (the Guardian only refuses 0)."""
    _fill(adv, P_ONESHOT, NR_READ, 1, struct.pack("<Q", 6), result=8)


@scenario(id="QC-008", title="Read a zero counter from an eventfd fetched with pidfd_getfd()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="An eventfd read of 8 bytes returns a counter of at least 1, whichever "
               "descriptor of it reads.")
def qc_pidfd_getfd_counter(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) writes 1 to an eventfd, takes a second descriptor
    of it with pidfd_getfd() through a pidfd of itself, reads 8 bytes through that and
    logs the label value - 1 names.
    2. Serve pidfd_getfd() as dup() of the descriptor asked for (the kernel model has no
    pidfd_getfd); let the read run, then write a counter of 0 into its buffer.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    A zero eventfd counter blocks the read (or fails it with EAGAIN): Linux never returns
    8 bytes of 0.  The Guardian judges the counter only on a descriptor made by eventfd2
    or timerfd_create (or copied from one); pidfd_getfd's result is a new open file to it."""
    _getfd_as_dup(adv, P_PIDFD_GETFD)
    _fill(adv, P_PIDFD_GETFD, NR_READ, 1, struct.pack("<Q", 0), result=8)


@scenario(id="QC-009", title="Answer timerfd_gettime() with more time left than was set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="timerfd_gettime() reports at most the time the timer was armed for.")
def qc_timerfd_left(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) arms a timerfd for 3 s (one-shot), calls
    timerfd_gettime() and logs the label 3 - whole seconds left names.
    2. Let the call run, then write it_value 5 s (it_interval 0) and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's first copy.
    The time left counts down from what timerfd_settime set (only a holder of the
    description re-arms it); the Guardian bounds setitimer's and getitimer's time left,
    not a timerfd's."""
    _fill(adv, P_TFD_LEFT, NUMBERS["timerfd_gettime"], 1, struct.pack("<qqqq", 0, 0, 5, 0))


# --- the process's accounting and view of the machine -----------------------------------


@scenario(id="QC-010", title="Let getrusage()'s ru_utime go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="The user CPU time getrusage(RUSAGE_SELF) reports never decreases.")
def qc_rusage_back(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls getrusage(RUSAGE_SELF) twice around a marker
    and logs the label the whole seconds of ru_utime between name (when under 4).
    2. Let both calls run, then write ru_utime 10 s into the first and 9 s into the second.
    3. The difference is -1: the program logs bytes 24..31 of the secret's first copy.
    A process's user time only grows (the CPU-time floors the Guardian keeps cover
    clock_gettime and times(), not getrusage)."""
    rusage = NUMBERS["getrusage"]
    _fill(adv, P_TFD_LEFT + 1, rusage, 1, struct.pack("<qq", 10, 0))
    _fill(adv, P_RUSAGE, rusage, 1, struct.pack("<qq", 9, 0))


@scenario(id="QC-011", title="Answer sysinfo() with more free memory than memory",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="sysinfo() reports freeram no greater than totalram.")
def qc_sysinfo_free(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls sysinfo() and logs the label
    (totalram - freeram) * 3 / totalram names (0..3).
    2. Let the call run, then write totalram 1000, freeram 2000 (uptime 10, procs 1,
    mem_unit 1: what the Guardian checks holds) and answer 0.
    3. The index is -3: the program logs bytes 8..15 of the secret's first copy.
    Free memory is a part of all memory: Linux never reports more free than total."""
    info = struct.pack("<q3Q6QH6x2QI4x", 10, 0, 0, 0, 1000, 2000, 0, 0, 0, 0, 1, 0, 0, 1)
    _fill(adv, P_SYSINFO, NUMBERS["sysinfo"], 0, info)


@scenario(id="QC-012", title="Answer sched_getaffinity() with an empty mask",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="sched_getaffinity() reports a mask with at least one CPU.")
def qc_affinity_empty(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls sched_getaffinity() and logs the label the
    number of CPUs in the mask, less one, names.
    2. Let the call run, then write an empty 8-byte mask and answer 8.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    sched_setaffinity refuses a mask with no usable CPU and a thread always has one to run
    on; the Guardian checks only that the mask names no CPU past the machine's."""
    _fill(adv, P_AFFINITY, NUMBERS["sched_getaffinity"], 2, bytes(8), result=8)


@scenario(id="QC-013", title="Answer getcwd() with an empty path",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="getcwd() answers an absolute path: '/' and its NUL at least (2 bytes).")
def qc_getcwd_empty(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls chdir("/"), then getcwd(), and logs the
    label length - 2 names (the length with its NUL).
    2. Let the call run, then write a lone NUL and answer 1.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    Linux's getcwd returns a path that begins with '/' (or "(unreachable)"), so it counts at
    least 2 bytes; the Guardian checks only that the counted string ends with its NUL."""
    _fill(adv, P_GETCWD, NUMBERS["getcwd"], 0, b"\0", result=1)


@scenario(id="QC-014", title="Answer getdents64() with a d_type that is no DT_* value",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="getdents64() writes a d_type of 0..14 (DT_UNKNOWN .. DT_WHT).")
def qc_dents_type(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) reads "/" with getdents64() and logs the label the
    first entry's d_type / 4 names (0..3 for DT_UNKNOWN .. DT_WHT).
    2. Let the call run, then change the first record's d_type byte to 16 (its length, its
    name and the count stay as written).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    Linux's d_type is the inode's S_IFMT >> 12 (fs_umode_to_dtype), 0..14; the Guardian
    checks the records' layout, not their types."""
    _fill(adv, P_DENTS, NUMBERS["getdents64"], 1, bytes([16]), result=None, at=18)


# --- prctl ------------------------------------------------------------------------------


@scenario(id="QC-015", title="Answer prctl(PR_GET_DUMPABLE) with 5",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="prctl(PR_GET_DUMPABLE) answers 0, 1 or 2.")
def qc_dumpable(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls prctl(PR_GET_DUMPABLE) and logs the label it
    names.
    2. Answer 5.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    The dumpable flag is SUID_DUMP_DISABLE, SUID_DUMP_USER or SUID_DUMP_ROOT (0..2)."""
    _answer(adv, P_DUMPABLE, NR_PRCTL, 5)


@scenario(id="QC-016", title="Answer PR_GET_CHILD_SUBREAPER with 6",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="prctl(PR_GET_CHILD_SUBREAPER) stores 0 or 1.")
def qc_subreaper(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) sets PR_SET_CHILD_SUBREAPER, reads it back with
    PR_GET_CHILD_SUBREAPER and logs the label the stored int names.
    2. Let the call run (or fail), then store 6 and answer 0.
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    Linux stores the one-bit is_child_subreaper flag: 0 or 1."""
    _fill(adv, P_SUBREAPER, NR_PRCTL, 1, struct.pack("<i", 6))


@scenario(id="QC-017", title="Answer PR_GET_NO_NEW_PRIVS with 7 after it was set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="prctl(PR_GET_NO_NEW_PRIVS) answers 0 or 1 (1 once it was set).")
def qc_no_new_privs(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) sets PR_SET_NO_NEW_PRIVS, reads it back with
    PR_GET_NO_NEW_PRIVS and logs the label the answer names.
    2. Answer 7.
    3. The index is 7: the program logs bytes 24..31 of the secret's second copy.
    no_new_privs is one bit, and sticky: Linux answers 1 once it was set."""
    _answer(adv, P_NO_NEW_PRIVS, NR_PRCTL, 7)


@scenario(id="QC-018", title="Answer PR_GET_AUXV with another page size than the process "
                             "started with",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="prctl(PR_GET_AUXV) copies the auxiliary vector the process started with.")
def qc_get_auxv(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) reads its auxiliary vector with prctl(PR_GET_AUXV)
    and logs the label AT_PAGESZ / 4096 - 1 names.
    2. Let the call run (or fail), then write a vector of AT_PAGESZ 20480 and AT_NULL and
    answer its size (32).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    PR_GET_AUXV copies mm->saved_auxv, the vector exec built (the Guardian checked its
    AT_PAGESZ is 4096 at launch); the Guardian checks only that the bytes were written."""
    _fill(adv, P_AUXV, NR_PRCTL, 1, struct.pack("<QQQQ", AT_PAGESZ, 20480, 0, 0), result=32)


# --- identity -----------------------------------------------------------------------------


@scenario(id="QC-019", title="Answer getresuid() with a real uid getuid() does not have",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="getresuid()'s real uid is the one getuid() answers, with no set*id call "
               "between.")
def qc_resuid(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls getresuid() then getuid() and logs the label
    ruid - uid names (as ints).
    2. Let getresuid() run, then store ruid 0xfffffffe (-2) and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's first copy.
    A task's credentials change only by its own set*id calls (and exec): both calls read
    the same cred->uid."""
    _fill(adv, P_RESUID, NUMBERS["getresuid"], 0, struct.pack("<I", 0xFFFF_FFFE))


@scenario(id="QC-020", title="Answer getgroups() with three groups, then its count with none",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="Two getgroups() calls with no setgroups() between report the same count.")
def qc_groups_count(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls getgroups(16, list), then getgroups(0, NULL)
    for the count, and logs the label count - listed names.
    2. Let the first call run, then write three gids (0) and answer 3; the second answers
    honestly (0).
    3. The index is -3: the program logs bytes 8..15 of the secret's first copy.
    The group list is the task's credentials: nothing but the task's own setgroups()
    changes it, so both calls count the same list."""
    _fill(adv, P_GROUPS, NUMBERS["getgroups"], 1, bytes(12), result=3)


@scenario(id="QC-021", title="Answer getpgid(0) after setpgid(0, 0) with another group",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="After setpgid(0, 0) succeeded, getpgid(0) answers the caller's pid.")
def qc_pgid_after_setpgid(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls setpgid(0, 0), then getpgid(0), and logs the
    label pgid - getpid() names.
    2. Answer the program's pid plus 5 (a plausible id, in range).
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    setpgid(0, 0) makes the caller lead a group whose id is its pid; only its own later
    setpgid/setsid (or its parent's setpgid before it execs) changes that."""
    _answer(adv, P_PGID, NUMBERS["getpgid"], lambda a, t: t.process.pid + 5)


@scenario(id="QC-022", title="Answer setsid() in a fork child with another id than the "
                             "child's",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="setsid() returns the new session's id: the caller's pid.")
def qc_setsid_id(adv: Adversary) -> None:
    """1. A fork child of the program (secret_r21_procs) calls setsid() and logs the label
    sid - getpid() names.
    2. Answer the child's pid plus 5 (a plausible id, in range).
    3. The index is 5: the child logs bytes 8..15 of the secret's second copy.
    The new session's id is the caller's pid (ksys_setsid returns task_pid_vnr's session);
    the Guardian checks getsid's range, not setsid's answer."""
    _answer(adv, P_SETSID, NUMBERS["setsid"], lambda a, t: t.process.pid + 5,
            init_only=False)


# --- futexes ----------------------------------------------------------------------------


@scenario(id="QC-023", title="Answer FUTEX_WAKE with more woken than it allowed",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="futex(FUTEX_WAKE, n) wakes at most n waiters.")
def qc_futex_wake_count(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls futex(FUTEX_WAKE_PRIVATE, 1) on a word
    nobody waits on and logs the label the count woken names.
    2. Answer 5.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    futex_wake stops after nr_wake waiters: the answer is at most the 1 allowed."""
    _answer(adv, P_FUTEX_WAKE, NR_FUTEX, 5)


@scenario(id="QC-024", title="Answer FUTEX_LOCK_PI with 0 while another thread holds the "
                             "lock",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="FUTEX_LOCK_PI returns 0 only once the caller owns the lock.")
def qc_lock_pi_owned(adv: Adversary) -> None:
    """1. The program's (secret_r21_procs) main thread holds a PI lock (the word holds its
    tid) with a copy of the secret in the buffer the lock guards; a worker finds the word
    taken and calls FUTEX_LOCK_PI.
    2. Answer the worker's FUTEX_LOCK_PI with 0 while the main thread still holds the lock.
    3. The worker, the lock's owner as far as it was told, sends the buffer: the secret.
    Linux's futex_lock_pi returns 0 only after it made the caller the owner (the word then
    holds the caller's tid), which here waits for the main thread's unlock, after it put a
    public record in the buffer; the futex row has no rule, so the 0 passes.
    (The worker's call is served as getpid(): a kernel with FUTEX_LOCK_PI would otherwise
    hold it until the main thread's unlock.)"""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_LOCK_PI, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.el1.syscall_args()[1] & 0x7F == FUTEX_LOCK_PI and "lock_pi" not in a.memo:
            a.memo["lock_pi"] = thread.tid
            a.set_reg("x8", NUMBERS["getpid"])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=P_LOCK_PI, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.memo.get("lock_pi") == thread.tid:
            a.memo["lock_pi"] = 0
            a.set_reg("x8", NR_FUTEX)
            a.set_reg("x0", 0)
            a.note(f"FUTEX_LOCK_PI of thread {thread.tid} answered 0")


# --- which child a pidfd wait reports -------------------------------------------------------


@scenario(id="QC-025", title="Report the other child's end to waitid(P_PIDFD) for a worker "
                             "still running",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-REAPED", "G-WAIT-STATUS"), program=PROCS,
          prop="waitid(P_PIDFD, fd) reports only the process the pidfd names.")
def qc_pidfd_wait_other(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) shares a page with a fork worker that sleeps 20 ms
    and then sends the page; a second fork child exits at once.  The parent waits for the
    worker with waitid(P_PIDFD, pidfd_open(worker), WEXITED) and, once it returns 0, reuses
    the page for a copy of the secret.
    2. Serve the waitid as waitid(P_PID, other child): it reports the other child's exit.
    3. The parent fills the page with the secret while the worker still runs; the worker
    sends it.
    Linux's P_PIDFD wait reports only the pidfd's process.  The Guardian takes a wait for
    one named child (wait4 with a pid, waitid P_PID) as that child's end whatever pid the
    report names, so its thread could not run on; a P_PIDFD wait is judged as a wait for
    any child, so the worker runs on."""
    _wait_for_other(adv, NR_WAITID, P_PIDFD_WAIT, {"x0": P_PID})


# --- the auxiliary vector -----------------------------------------------------------------


@scenario(id="QC-026", title="Start the program with AT_CLKTCK 20",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=PROCS,
          prop="The auxiliary vector's AT_CLKTCK is USER_HZ (100).")
def qc_clktck(adv: Adversary) -> None:
    """1. The kernel builds the program's (secret_r21_procs) initial stack with AT_CLKTCK
    20 (just before CREATE_DOMAIN).
    2. The program logs the label 100 / AT_CLKTCK - 1 names (sysconf(_SC_CLK_TCK)'s value).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    Linux puts CLOCKS_PER_SEC (USER_HZ, 100 on arm64) in AT_CLKTCK; the Guardian's auxv
    check holds the image facts, AT_PAGESZ, AT_HWCAP* and AT_SECURE, not AT_CLKTCK."""
    _forge_auxv(adv, {AT_CLKTCK: 20})


@scenario(id="QC-027", title="Start the program with AT_UID and AT_EUID its getuid() "
                             "does not have",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=PROCS,
          prop="The auxiliary vector's AT_UID is the real uid getuid() answers, with no "
               "set*id call since exec.")
def qc_at_uid(adv: Adversary) -> None:
    """1. The kernel builds the program's (secret_r21_procs) initial stack with AT_UID and
    AT_EUID 2 (equal: AT_SECURE 0 still follows them), just before CREATE_DOMAIN.
    2. The program logs the label getuid() - AT_UID names; getuid() answers 0 as before.
    3. The index is -2: the program logs bytes 16..23 of the secret's first copy.
    Linux writes the exec'd task's cred->uid into AT_UID, the value getuid() reads until a
    set*id call; the Guardian checks only that AT_SECURE agrees with AT_UID/AT_EUID."""
    _forge_auxv(adv, {AT_UID: 2, AT_EUID: 2})


# --- more descriptors, groups and values the program set itself ----------------------------


@scenario(id="QC-028", title="Read a signal outside its signalfd's mask through a copy made "
                             "with pidfd_getfd()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A signalfd read reports only signals of the descriptor's mask, whichever "
               "descriptor of it reads.")
def qc_signalfd_getfd(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) blocks SIGUSR1, sends it to itself, makes a
    signalfd for {SIGUSR1}, takes a second descriptor of it with pidfd_getfd() through a
    pidfd of itself, reads one record through that and logs the label ssi_signo - SIGUSR1
    names.
    2. Serve pidfd_getfd() as dup(); let the read run, then write ssi_signo 15 (SIGTERM).
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    A signalfd dequeues only signals of its mask (signalfd_dequeue with ctx->sigmask).
    The Guardian holds a signalfd's records to its mask on the descriptors it saw made
    or copied by dup/fcntl; a pidfd_getfd copy is a plain file to it, its reads data."""
    _getfd_as_dup(adv, P_SIGFD_GETFD)
    _fill(adv, P_SIGFD_GETFD, NR_READ, 1, struct.pack("<I", 15), result=None)


@scenario(id="QC-029", title="Report an epoll event with data nobody registered through a "
                             "copy made with pidfd_getfd()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="An epoll event carries the data the program registered, whichever "
               "descriptor of the instance waits.")
def qc_epoll_getfd(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) registers a readable eventfd with data 2 on an
    epoll instance, takes a second descriptor of the instance with pidfd_getfd() through a
    pidfd of itself, waits through that and logs the label the event's data names.
    2. Serve pidfd_getfd() as dup(); let the wait run, then write data 6 into the event.
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    An epoll event's data is the program's own word (ep_send_events copies epi->event)."""
    _getfd_as_dup(adv, P_EPOLL_GETFD)
    _fill(adv, P_EPOLL_GETFD, NUMBERS["epoll_pwait"], 1, struct.pack("<Q", 6), result=None,
          at=8)


@scenario(id="QC-030", title="Report the other child's end to wait4(-group) for a worker "
                             "still running",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-REAPED", "G-WAIT-STATUS", "G-IAGO-OUTPUT"),
          program=PROCS,
          prop="wait4(-pgid) reports only a child of that process group.")
def qc_pgrp_wait_other(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) shares a page with a fork worker that leads its
    own process group (setpgid by both, as a shell does), sleeps 20 ms and then sends the
    page; a second fork child stays in the parent's group and exits at once.  The parent
    waits with wait4(-worker) and, once it returns, reuses the page for a copy of the
    secret.
    2. Serve the wait4 as wait4(other child): it reports the other child's exit.
    3. The parent fills the page with the secret while the worker still runs; the worker
    sends it.
    Linux's wait4(-pgid) reports only a child whose process group is pgid; the worker is
    that group's only member.  The Guardian takes only a wait for one named pid as that
    child's end; a group wait is judged as a wait for any child, so the worker runs on."""
    _wait_for_other(adv, NR_WAIT4, P_PGRP_WAIT, {})


@scenario(id="QC-031", title="Answer umask() with an old mask other than the one just set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="umask() returns the mask the previous umask() call set.")
def qc_umask_again(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls umask(022), then umask(077), and logs the
    label old - 022 names.
    2. Answer the second call with 026 (a mask in range).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    The mask is the process's fs_struct's, shared only with CLONE_FS children (none):
    nothing but the program's own umask() changes it between the two calls."""
    _answer(adv, P_UMASK_AGAIN, NUMBERS["umask"], 0o26)


@scenario(id="QC-032", title="Answer F_GET_SEALS without the seals F_ADD_SEALS added",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="F_GET_SEALS reports every seal an earlier F_ADD_SEALS added.")
def qc_seals_dropped(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) adds F_SEAL_SHRINK | F_SEAL_GROW to a sealable
    memfd, reads the seals back with F_GET_SEALS and logs the label 6 - (seals & 6) names.
    2. Answer F_ADD_SEALS 0 (done) and F_GET_SEALS 0 (the kernel model has neither).
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    Seals are only ever added (memfd_add_seals ORs them in; none is removed)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_FCNTL, during=P_SEALS, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)
        a.note("fcntl answered 0")


@scenario(id="QC-033", title="Answer FUTEX_CMP_REQUEUE with more moved than it allowed",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="FUTEX_CMP_REQUEUE wakes and moves at most nr_wake + nr_requeue waiters.")
def qc_requeue_count(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls futex(FUTEX_CMP_REQUEUE_PRIVATE, wake 1,
    requeue 0) on a word nobody waits on and logs the label the count names.
    2. Answer 6.
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    futex_requeue returns the waiters woken plus those moved: at most 1 + 0 here."""
    _answer(adv, P_REQUEUE, NR_FUTEX, 6)


# --- which report pairs with which child; what the program starts with and runs on ---------


@scenario(id="QC-034", title="Answer wait4(first child) with the second child's report",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=PROCS,
          prop="wait4(pid) reports the end of that child, with that child's status.")
def qc_wait_named_other(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) has two fork children that exit with codes 1 and
    6 and waits until both have ended; then wait4(first) and logs the label code - 1 names.
    2. Serve the wait4 as wait4(second child): it reaps the second child and reports its
    code 6.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    Linux's wait4(pid) reports only that child, whose code is 1.  The Guardian takes a
    wait for one named child as that child's end whatever pid the report names, but holds
    the reported status to the pid the report names (the second child did exit with 6)."""
    _wait_for_other(adv, NR_WAIT4, P_WAIT_NAMED, {})


@scenario(id="QC-035", title="Pair wait4(-1)'s reported pid with its sibling's exit code",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=PROCS,
          prop="A wait report's status is the reported child's own.")
def qc_wait_pair_swapped(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) has two fork children that exit with codes 1 and
    6, waits until both have ended, reaps them with wait4(-1) and logs the label
    code - (the code the reported child exits with) names.
    2. Let the first wait4 run, then write the other child's code into its status word.
    3. The index is 5 or -5: the program logs bytes 8..15 of the secret's second copy (or
    a word before the log buffer).
    Linux reports each child with its own status (wait_task_zombie reads it from the task
    it reaps)."""
    keep_marker_arg(adv, P_WAIT_PAIR, "first", index=1)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WAIT4, during=P_WAIT_PAIR)
    def _(a: Adversary, **_: object) -> None:
        a.memo["status"] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_WAIT4, during=P_WAIT_PAIR)
    def _(a: Adversary, **_: object) -> None:
        code = 6 if a.reg("x0") == a.memo["first"] else 1
        a.kernel.uaccess.write_u32(a.memo["status"], code << 8)
        a.note(f"wait4 reported pid {a.reg('x0')} with exit code {code}")


@scenario(id="QC-036", title="Start the program with no arguments at all (argc 0)",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=PROCS,
          prop="A program starts with at least argv[0]: argc is 1 or more.")
def qc_argc_zero(adv: Adversary) -> None:
    """1. The kernel builds the program's (secret_r21_procs) initial stack with argc 0:
    argv holds only its NULL, then envp and auxv as before (just before CREATE_DOMAIN).
    2. The program logs the label argc - 1 names.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    Since Linux 5.18 an exec with an empty argv gets a single empty string as argv[0]
    (do_execveat_common), so argc is never 0.  The Guardian holds the stack to the
    command line the user launched the program with, which had two words."""
    def forge(a: Adversary, sp: int) -> None:
        words = _stack_words(a, sp)
        argc = words[0] if words else 0
        start = 1 + argc + 1
        end = start
        while end < len(words) and words[end]:
            end += 1                                   # envp[]
        aux = end + 1
        while aux + 1 < len(words) and words[aux]:
            aux += 2                                   # auxv pairs, up to AT_NULL
        if not argc or aux + 1 >= len(words):
            a.note("the initial stack has no argument to drop")
            return
        new = [0, 0, *words[start:end], 0, *words[end + 1:aux], 0, 0]
        a.el1.write(sp, struct.pack(f"<{len(new)}Q", *new))
        a.note(f"argc {argc} forged to 0")

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            forge(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            forge(a, a.reg("sp"))


@scenario(id="QC-037", title="Answer uname() with a machine name no arm64 kernel gives",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="uname()'s machine is \"aarch64\" (or \"aarch64_be\") for a 64-bit arm64 "
               "program that never changed its personality.")
def qc_uname_machine(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls uname() and logs the label
    strlen(machine) - 7 names.
    2. Let the call run, then write "arm" into the machine field (NUL-terminated).
    3. The index is -4: the program logs bytes 0..7 of the secret's first copy.
    An arm64 kernel's UTS_MACHINE is "aarch64" ("aarch64_be" big-endian); only a
    PER_LINUX32 personality, which the program never asked for, names another.  The
    Guardian checks each field has its NUL, not what it says."""
    _fill(adv, P_UNAME, NUMBERS["uname"], 0, b"arm\0", result=None, at=4 * 65)


@scenario(id="QC-038", title="Read a zero counter from an eventfd's F_DUPFD_CLOEXEC copy",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="An eventfd read of 8 bytes returns a counter of at least 1, through any "
               "copy of its descriptor.")
def qc_dupfd_counter(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) writes 1 to an eventfd, reads 8 bytes through an
    fcntl(F_DUPFD_CLOEXEC, 10) copy of it and logs the label value - 1 names.
    2. Let the read run, then write a counter of 0 into its buffer.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    A zero counter blocks the read; the Guardian's copy of the descriptor keeps its maker."""
    _fill(adv, P_DUPFD_COUNTER, NR_READ, 1, struct.pack("<Q", 0), result=8)


# --- signal masks, sockets, file types and CPU features --------------------------------------


@scenario(id="QC-039", title="Answer rt_sigprocmask()'s old mask with another mask than the "
                             "program set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="rt_sigprocmask() writes back the mask the thread had: the one it set.")
def qc_old_sigmask(adv: Adversary) -> None:
    """1. The program (secret_r21_procs), which blocks only SIGUSR1, calls
    rt_sigprocmask(SIG_BLOCK, {SIGUSR2}, &old) and logs the label the signals in old,
    less one, name.
    2. Let the call run, then write an empty old mask and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    A thread's blocked mask changes only by its own calls (and handler entry/return); the
    Guardian tracks that very mask and refuses an old value that is not it."""
    _fill(adv, P_OLDMASK, NUMBERS["rt_sigprocmask"], 2, bytes(8))


@scenario(id="QC-040", title="Answer rt_sigpending() with signals the thread does not block",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="rt_sigpending() reports only pending signals the thread blocks.")
def qc_sigpending_unblocked(adv: Adversary) -> None:
    """1. The program (secret_r21_procs), which blocks only SIGUSR1, calls rt_sigpending()
    and logs the label the number of signals reported names.
    2. Let the call run, then write {SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGTERM} and
    answer 0.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    Linux reports (pending | shared pending) & blocked: an unblocked signal is delivered,
    never left pending; the Guardian knows the thread's mask."""
    bits = sum(1 << (s - 1) for s in (1, 2, 10, 12, 15))
    _fill(adv, P_SIGPENDING, NUMBERS["rt_sigpending"], 0, struct.pack("<Q", bits))


@scenario(id="QC-041", title="Answer getsockopt(SO_TYPE) with another type than the socket "
                             "was made with",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="getsockopt(SO_TYPE) reports the type the socket was made with.")
def qc_so_type(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) makes a SOCK_STREAM socketpair, calls
    getsockopt(SO_TYPE) and logs the label type - 1 names.
    2. Let the call run, then write 7 into the value (its length stays 4) and answer 0.
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    A socket's type is fixed when it is made (sk->sk_type)."""
    _fill(adv, P_SO_TYPE, NUMBERS["getsockopt"], 3, struct.pack("<i", 7))


@scenario(id="QC-042", title="Answer fstat() of a pipe with a regular file's mode",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fstat() of a pipe reports S_IFIFO.")
def qc_fstat_pipe(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls fstat() on its pipe's read end and logs the
    label (st_mode >> 12) - 1 names (S_IFIFO: 0).
    2. Let the call run, then write st_mode S_IFREG | 0600 and answer 0.
    3. The index is 7: the program logs bytes 24..31 of the secret's second copy.
    A pipe's inode is made S_IFIFO (get_pipe_inode) and its type never changes."""
    _fill(adv, P_FSTAT_PIPE, NUMBERS["fstat"], 1, struct.pack("<I", 0o100600), at=16)


@scenario(id="QC-043", title="Answer fcntl(F_GETOWN_EX) with an owner type that does not "
                             "exist",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="fcntl(F_GETOWN_EX) writes a type of F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP.")
def qc_getown_ex_type(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls fcntl(F_GETOWN_EX) on its pipe and logs the
    label the type names (0..2).
    2. Let the call run (or fail), then write type 5, pid 0 and answer 0.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    f_getown_ex maps the owner's pid type to one of the three (any other fails with
    EINVAL)."""
    _fill(adv, P_GETOWN_EX, NR_FCNTL, 2, struct.pack("<ii", 5, 0))


@scenario(id="QC-044", title="Answer prctl(PR_SVE_GET_VL) on a CPU without SVE",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="PR_SVE_GET_VL succeeds only on a CPU with SVE, with a vector length that is "
               "a multiple of 16.")
def qc_sve_vl(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) calls prctl(PR_SVE_GET_VL) and, where it succeeds,
    logs the label 16 / vector length names.
    2. Answer 4 (the CPU has no SVE: the kernel model fails the call).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    Without SVE Linux answers EINVAL (sve_get_current_vl); with it the length is a
    multiple of 16.  The Guardian knows the CPU's features (AT_HWCAP is held to them at
    launch) but not what PR_SVE_GET_VL claims."""
    _answer(adv, P_SVE_VL, NR_PRCTL, 4)


# --- a pipe to itself, a socket's peer and the descriptor limit ------------------------------


@scenario(id="QC-045", title="Read back a byte from the program's own pipe that it never "
                             "wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A pipe whose ends only the program holds returns the bytes it wrote, in "
               "order.")
def qc_self_pipe_byte(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) uses the self-pipe trick: it writes a byte naming
    an event (2) into a pipe only it holds, reads one byte back and logs the label the
    byte names (a dispatch table indexed by event).
    2. Let the read run, then write 6 into its buffer (1 byte, as returned).
    3. The index is 6: the program logs bytes 16..23 of the secret's second copy.
    A pipe is a FIFO of what its writers wrote; the program holds both ends (close-on-exec,
    never passed on), so the byte read is the 2 it wrote (unless a process allowed to
    ptrace it took the write end with pidfd_getfd()).  The Guardian judges a read's count
    and that the bytes were written, not what they are."""
    _fill(adv, P_SELF_PIPE, NR_READ, 1, bytes([6]), result=1)


@scenario(id="QC-046", title="Answer SO_PEERCRED on the program's own socketpair with "
                             "another pid",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="SO_PEERCRED of a socketpair reports the process that made it.")
def qc_peercred(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) makes a socketpair, calls
    getsockopt(SO_PEERCRED) on one end and logs the label peer pid - getpid() names.
    2. Let the call run, then write a struct ucred with the program's pid plus 5 (uid 0,
    gid 0) and answer 0.
    3. The index is 5: the program logs bytes 8..15 of the secret's second copy.
    unix_socketpair gives both ends the creator's credentials (init_peercred)."""
    key = "peercred"

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["getsockopt"], during=P_PEERCRED)
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[3])

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getsockopt"], during=P_PEERCRED)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        pid = thread.process.pid + 5
        a.kernel.uaccess.write(a.memo[key], struct.pack("<iII", pid, 0, 0))
        a.set_reg("x0", 0)
        a.note(f"SO_PEERCRED answered pid {pid}")


@scenario(id="QC-047", title="Answer fcntl(F_DUPFD) with a descriptor at the soft "
                             "RLIMIT_NOFILE",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          prop="A new descriptor is below the soft RLIMIT_NOFILE (else EMFILE/EINVAL).")
def qc_dupfd_past_limit(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) sets its soft RLIMIT_NOFILE to 64 (a table of 64
    descriptor slots), calls fcntl(F_DUPFD, 60) and logs the label fd - 60 names.
    2. Answer 64 (a descriptor not open, at least the 60 asked for).
    3. The index is 4: the program logs bytes 0..7 of the secret's second copy.
    alloc_fd fails with EMFILE rather than hand out a descriptor at or past
    rlimit(RLIMIT_NOFILE), and it hands out the lowest free one at or above the minimum
    (60 is free here).  The Guardian checks that F_DUPFD's descriptor is fresh and at least
    the one asked for: neither the limit the program set nor the lowest free one."""
    _answer(adv, P_DUPFD_LIMIT, NR_FCNTL, 64)


@scenario(id="QC-048", title="Read a zero counter from an eventfd the program passed to itself "
                             "with SCM_RIGHTS",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=PROCS,
          silent="the predecessor design fails the sendmsg that carries the descriptor "
                 "(EFAULT): no descriptor arrives to be read",
          prop="An eventfd read of 8 bytes returns a counter of at least 1, whichever "
               "descriptor of it reads (one received with SCM_RIGHTS too).")
def qc_scm_counter(adv: Adversary) -> None:
    """1. The program (secret_r21_procs) writes 1 to an eventfd, passes it to itself over a
    socketpair with SCM_RIGHTS, reads 8 bytes through the descriptor received and logs the
    label value - 1 names.
    2. Let the read run, then write a counter of 0 into its buffer.
    3. The index is -1: the program logs bytes 24..31 of the secret's first copy.
    A zero eventfd counter blocks the read; the descriptor received names the very open
    file the program sent (the program's own, from its own socketpair).  The Guardian
    enters a received descriptor with no maker (as QC-008's pidfd_getfd copy), so the
    counter is not judged."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["sendmsg"], during=P_SCM_COUNTER)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"sendmsg with SCM_RIGHTS answered {a.reg('x0'):#x}")

    _fill(adv, P_SCM_COUNTER, NR_READ, 1, struct.pack("<Q", 0), result=8)
