"""Red-team round eighteen: values a program trusts that no earlier round tried.

Linux keeps more answers in a range no caller checks: a soft resource limit never exceeds
its hard limit (getrlimit, prlimit64), sched_getparam()'s priority is 0..99, sched_getattr()'s
nice is -20..19, umask() returns an old mask of 0..0777, times()' user time never decreases,
neither does a CPU-time clock, CLOCK_MONOTONIC_RAW or CLOCK_MONOTONIC_COARSE, a clock's
resolution and a round-robin slice are under one second, the time left ppoll(), pselect6(),
setitimer(), getitimer() and clock_nanosleep() write back is never more than was asked, an
eventfd counter read through readv() is at least 1 just as through read(),
sched_getscheduler() returns a policy of 0..6, lseek(SEEK_SET) the offset asked for,
write() and readlinkat() at most the count given, getsid() a positive id, fcntl(F_GETFD)
0 or FD_CLOEXEC, PR_GET_PDEATHSIG a signal number and FIONREAD a count that is not
negative.  A program may use such a value as an index straight away (RA-001..RA-013,
RA-019..RA-031).

Children: the SIGCHLD a child's exit raises names that child, never a sibling reaped
before (RA-014, RA-016); wait4(-1) returns one of the caller's children, and
waitid(P_ALL) names one in si_pid (RA-015, RA-033);
CLONE_PARENT_SETTID stores the id clone() returns (RA-017); and wait4() without WUNTRACED
reports a child only once it has ended, never 'stopped' while it still runs (RA-018); and
a new thread's gettid() is its own id, never its creator's, which a recursive lock keyed
by thread id relies on (RA-032).

The victim is `secret_r18_values` (workloads/src/secret_r18_values.c), whose steps each
announce themselves with a marker and most turn one value into the index of a public label
in a log buffer that begins with a copy of the secret, then write that label to /dev/null.
Each scenario holds only the kernel's powers (the result it returns, the user access of
the call being served, its signal queue and scheduler).  Where an attack still gets
through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState
from kernel_model.signals import pack_siginfo

RT = "rt18"
VALUES = "secret_r18_values"
# secret_r18_values: the marker before each step; the marker after its write is + 1.
P_RLIMIT, P_PRLIMIT, P_SCHED_PARAM, P_SCHED_ATTR, P_UMASK = 900, 902, 904, 906, 908
P_TIMES, P_PROC_CPU, P_THREAD_CPU, P_RES, P_PPOLL = 910, 912, 914, 916, 918
P_PSELECT, P_EVENTFD_READV, P_SCHED_POLICY = 920, 922, 926
CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 2, 3
NR_CLOCK_GETTIME, NR_TIMES = NUMBERS["clock_gettime"], NUMBERS["times"]
TIMESPEC = struct.Struct("<qq")
RLIMIT = struct.Struct("<QQ")
TMS = struct.Struct("<qqqq")
# struct sched_attr (SCHED_ATTR_SIZE_VER0): size, policy, flags, nice, priority,
# runtime, deadline, period.
SCHED_ATTR = struct.Struct("<IIQiIQQQ")
MASK64 = (1 << 64) - 1
# A result outside its call's range that still reaches the program (an open hole).
GAP = "P5"


def _answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value & MASK64)
        a.note(f"system call {nr} answered {value:#x}")


def _fill(adv: Adversary, during: int, nr: int, arg: int, data: bytes, result: int = 0,
          *, over_error: bool = False) -> None:
    """Let the program's next call `nr` after marker `during` run to its end (a call that
    sleeps passes the exit while blocked, to run again later: only a finished one, x0 not
    negative, counts, or with `over_error` a failed one too: a call the kernel does not
    implement), then write `data` where its argument `arg` pointed at the entry
    (an output the call fills) and answer `result`."""
    key = ("fill", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)
    def _(a: Adversary, **_: object) -> None:
        if key not in a.memo:
            a.memo[key] = int(a.el1.syscall_args()[arg])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if where is None or where == 0 or (a.reg("x0") >= 1 << 63 and not over_error):
            return
        if thread.state is ThreadState.BLOCKED:       # it sleeps; it runs again later
            return
        a.memo[key] = 0
        a.kernel.uaccess.write(where, data)
        a.set_reg("x0", result & MASK64)
        a.note(f"system call {nr} answered {result}, its output {data.hex()}")


def _serve_clock(adv: Adversary, during: int, clock: int, seconds: int) -> None:
    """Answer the program's next clock_gettime(`clock`) after marker `during` with
    `seconds`."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLOCK_GETTIME, during=during)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[0]) == clock:
            a.memo[("clock", during)] = int(args[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLOCK_GETTIME, during=during)
    def _(a: Adversary, **_: object) -> None:
        ts = a.memo.pop(("clock", during), None)
        if ts is None:
            return
        a.kernel.uaccess.write(ts, TIMESPEC.pack(seconds, 0))
        a.set_reg("x0", 0)
        a.note(f"clock {clock} answered {seconds} s")


@scenario(id="RA-001", title="Answer getrlimit(RLIMIT_NOFILE) with rlim_cur two above "
                             "rlim_max",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="getrlimit() reports a soft limit no greater than the hard limit.")
def ra_getrlimit_cur_above_max(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls getrlimit(RLIMIT_NOFILE) and logs the label
    its headroom rlim_max - rlim_cur names (when under 4) from a log buffer that begins
    with a copy of the secret.
    2. Let the call run, then write rlim_cur 1026 and rlim_max 1024 and answer 0.
    3. The headroom is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_RLIMIT, NUMBERS["getrlimit"], 1, RLIMIT.pack(1026, 1024))


@scenario(id="RA-002", title="Answer prlimit64()'s old limit with rlim_cur two above "
                             "rlim_max",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="prlimit64() reports an old soft limit no greater than its hard limit.")
def ra_prlimit_cur_above_max(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls prlimit64(0, RLIMIT_STACK, NULL, &old) and
    logs the label rlim_max - rlim_cur names (when under 4) from a log buffer that begins
    with a copy of the secret.
    2. Let the call run, then write rlim_cur 8 MiB + 2 and rlim_max 8 MiB, answer 0.
    3. The headroom is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_PRLIMIT, NUMBERS["prlimit64"], 3, RLIMIT.pack(0x80_0002, 0x80_0000))


@scenario(id="RA-003", title="Answer sched_getparam() with a priority of -50",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="sched_getparam() reports a priority of 0..99.")
def ra_sched_param_negative(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls sched_getparam(0) and logs the label
    priority / 25 names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write sched_priority -50 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_SCHED_PARAM, NUMBERS["sched_getparam"], 1, struct.pack("<i", -50))


@scenario(id="RA-004", title="Answer sched_getattr() with a nice of -40",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="sched_getattr() reports a nice of -20..19.")
def ra_sched_attr_nice(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls sched_getattr(0, &attr, 48) and logs the
    label (nice + 20) / 10 names from a log buffer that begins with a copy of the secret.
    2. Write a 48-byte sched_attr (SCHED_OTHER) with sched_nice -40 and answer 0 (the
    kernel model has no sched_getattr of its own).
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_SCHED_ATTR, NUMBERS["sched_getattr"], 1,
          SCHED_ATTR.pack(SCHED_ATTR.size, 0, 0, -40, 0, 0, 0, 0), over_error=True)


@scenario(id="RA-005", title="Answer umask() with an old mask of 0xfffffe00",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="umask() returns the old mask, a value of 0..0777.")
def ra_umask_range(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls umask(022) and logs the label old / 0200
    names from a log buffer that begins with a copy of the secret.
    2. Answer 0xfffffe00: as an int, -512.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy."""
    _answer(adv, P_UMASK, NUMBERS["umask"], 0xFFFF_FE00)


@scenario(id="RA-006", title="Let times()' user time go back one tick between two readings",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The user time times() reports never decreases.")
def ra_times_back(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls times() twice around a marker and logs the
    label the user ticks between them name (when under 4) from a log buffer that begins
    with a copy of the secret.
    2. Let both calls run, then write tms_utime 10 into the first and 9 into the second.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    _fill(adv, P_UMASK + 1, NR_TIMES, 0, TMS.pack(10, 0, 0, 0), result=100)
    _fill(adv, P_TIMES, NR_TIMES, 0, TMS.pack(9, 0, 0, 0), result=101)


@scenario(id="RA-007", title="Let CLOCK_PROCESS_CPUTIME_ID go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="A process's CPU-time clock never goes back.")
def ra_process_cpu_back(adv: Adversary) -> None:
    """1. The program (secret_r18_values) reads CLOCK_PROCESS_CPUTIME_ID twice around a
    marker and logs the label the whole seconds between name (when under 4) from a log
    buffer that begins with a copy of the secret.
    2. Answer the first reading 10 s and the second 9 s.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    _serve_clock(adv, P_TIMES + 1, CLOCK_PROCESS_CPUTIME_ID, 10)
    _serve_clock(adv, P_PROC_CPU, CLOCK_PROCESS_CPUTIME_ID, 9)


@scenario(id="RA-008", title="Let CLOCK_THREAD_CPUTIME_ID go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="A thread's CPU-time clock never goes back.")
def ra_thread_cpu_back(adv: Adversary) -> None:
    """1. The program (secret_r18_values) reads CLOCK_THREAD_CPUTIME_ID twice around a
    marker and logs the label the whole seconds between name (when under 4) from a log
    buffer that begins with a copy of the secret.
    2. Answer the first reading 10 s and the second 9 s.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    _serve_clock(adv, P_PROC_CPU + 1, CLOCK_THREAD_CPUTIME_ID, 10)
    _serve_clock(adv, P_THREAD_CPU, CLOCK_THREAD_CPUTIME_ID, 9)


@scenario(id="RA-009", title="Answer clock_getres(CLOCK_MONOTONIC) with a resolution of -2 s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="A clock's resolution is positive and under one second.")
def ra_clock_res_negative(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls clock_getres(CLOCK_MONOTONIC) and logs the
    label tv_sec + tv_nsec / 250000000 names from a log buffer that begins with a copy of
    the secret.
    2. Let the call run, then write {-2 s, 0 ns} and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_RES, NUMBERS["clock_getres"], 1, TIMESPEC.pack(-2, 0))


@scenario(id="RA-010", title="Answer a timed-out ppoll() with more time left (5 s) than the "
                             "1 s it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The time left ppoll() writes back is never more than the timeout it was "
               "given.")
def ra_ppoll_left(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls ppoll() on a pipe nobody writes with a 1 s
    timeout and, when it times out (0), logs the label the whole seconds slept
    (1 - left) name from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write 5 s into the timeout and answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy."""
    _fill(adv, P_PPOLL, NUMBERS["ppoll"], 2, TIMESPEC.pack(5, 0))


@scenario(id="RA-011", title="Answer a timed-out pselect6() with more time left (3 s) than the "
                             "1 s it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The time left pselect6() writes back is never more than the timeout it was "
               "given.")
def ra_pselect_left(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls pselect6() on a pipe nobody writes with a
    1 s timeout and, when it times out (0), logs the label the whole seconds slept
    (1 - left) name from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write 3 s into the timeout and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_PSELECT, NUMBERS["pselect6"], 4, TIMESPEC.pack(3, 0))


@scenario(id="RA-012", title="Answer an eventfd read through readv() with a counter of 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="An eventfd read returns the counter, at least 1, through readv() as through "
               "read().")
def ra_eventfd_readv_zero(adv: Adversary) -> None:
    """1. The program (secret_r18_values) writes 1 to an eventfd only it holds, reads it
    through readv() into one 8-byte iovec and logs the label value - 1 names from a log
    buffer that begins with a copy of the secret.
    2. Let the call run, then write 0 into the iovec's buffer and answer 8.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["readv"], during=P_EVENTFD_READV)
    def _(a: Adversary, **_: object) -> None:
        iov = int(a.el1.syscall_args()[1])
        base, _len = struct.unpack("<QQ", a.kernel.uaccess.read(iov, 16))
        a.kernel.uaccess.write(base, bytes(8))
        a.set_reg("x0", 8)
        a.note("readv() of the eventfd answered 8 with a counter of 0")


@scenario(id="RA-013", title="Answer sched_getscheduler() with a policy of 0xfffffffe",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="sched_getscheduler() returns a policy of 0..6, maybe with "
               "SCHED_RESET_ON_FORK (never set by this program).")
def ra_sched_policy_range(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls sched_getscheduler(0) and logs the label the
    policy names (when at most 3, SCHED_BATCH) from a log buffer that begins with a copy
    of the secret.
    2. Answer 0xfffffffe: as an int, -2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_SCHED_POLICY, NUMBERS["sched_getscheduler"], 0xFFFF_FFFE)


SIGCHLD, CLD_EXITED = 17, 1
P_SIGCHLD_PID, P_WAIT_ANY = 928, 930


@scenario(id="RA-014", title="Deliver a fork child's SIGCHLD with si_pid two below the child's "
                             "id",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=VALUES,
          prop="The SIGCHLD a fork child's exit raises names that child in si_pid.")
def ra_sigchld_pid(adv: Adversary) -> None:
    """1. The program (secret_r18_values) installs an SA_SIGINFO SIGCHLD handler that
    records si_pid, blocks SIGCHLD, forks a child that exits 0 at once and reaps it with
    wait4(); then it unblocks SIGCHLD and logs the label si_pid - child names (when under
    4) from a log buffer that begins with a copy of the secret.
    2. When wait4() returns, replace the queued SIGCHLD siginfo with one saying CLD_EXITED,
    status 0, from the child's id - 2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_SIGCHLD_PID)
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        a.init.pending.discard(SIGCHLD)
        a.init.pending.add(SIGCHLD, pack_siginfo(SIGCHLD, CLD_EXITED, pid=child - 2,
                                                 status=0))
        a.note(f"the SIGCHLD queued for child {child} names {child - 2}")


@scenario(id="RA-015", title="Answer wait4(-1) with an id two below the program's only child",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=VALUES,
          prop="wait4(-1) returns the id of one of the caller's children.")
def ra_wait_any_pid(adv: Adversary) -> None:
    """1. The program (secret_r18_values) forks one child that exits 0 at once, calls
    wait4(-1) and logs the label id - child names (when under 4) from a log buffer that
    begins with a copy of the secret.
    2. Let the call run, then answer the child's id - 2 (status 0 written as the call
    wrote it).
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_WAIT_ANY, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        # A wait that sleeps passes the exit with its arguments still in place (x0 -1).
        if "waited" in a.memo or thread.state is ThreadState.BLOCKED or a.reg("x0") >= 1 << 63:
            return
        child = a.memo["waited"] = a.reg("x0")
        a.set_reg("x0", child - 2)
        a.note(f"wait4(-1) reaped {child}, answered {child - 2}")


P_SIGCHLD_AGAIN, P_PARENT_SETTID = 932, 934


@scenario(id="RA-016", title="Deliver a fork child's SIGCHLD naming a sibling the program "
                             "already reaped",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=VALUES,
          prop="The SIGCHLD a fork child's exit raises names that child in si_pid, not "
               "another child of the program.")
def ra_sigchld_sibling(adv: Adversary) -> None:
    """1. The program (secret_r18_values) has forked and reaped two children (ids c and
    c + 1); it forks a third (c + 2) with SIGCHLD blocked, reaps it, unblocks SIGCHLD and
    logs the label si_pid - child names (when under 4) from a log buffer that begins
    with a copy of the secret.
    2. When wait4() returns, replace the queued SIGCHLD siginfo with one saying CLD_EXITED,
    status 0, from c: a child of the program, reaped two steps before.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_SIGCHLD_AGAIN)
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        a.init.pending.discard(SIGCHLD)
        a.init.pending.add(SIGCHLD, pack_siginfo(SIGCHLD, CLD_EXITED, pid=child - 2,
                                                 status=0))
        a.note(f"the SIGCHLD queued for child {child} names its reaped sibling {child - 2}")


@scenario(id="RA-017", title="Store a fork child's CLONE_PARENT_SETTID word two below the id "
                             "clone() returns",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VALUES,
          prop="clone(CLONE_PARENT_SETTID) stores in the parent's tid word the id it returns.")
def ra_parent_settid(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls clone(CLONE_PARENT_SETTID | SIGCHLD) with a
    tid word and logs the label word - id names (when under 4) from a log buffer that
    begins with a copy of the secret.
    2. When the parent's clone() returns the child's id, store id - 2 in the tid word.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_PARENT_SETTID)
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        word = int(a.el1.syscall_args()[2])
        a.kernel.uaccess.write(word, struct.pack("<i", child - 2))
        a.note(f"the tid word of child {child} says {child - 2}")


P_WAIT_STOPPED = 936
NR_WRITE, NR_WAIT4, NR_PPOLL = NUMBERS["write"], NUMBERS["wait4"], NUMBERS["ppoll"]
NR_GETPID, NR_GETPPID = NUMBERS["getpid"], NUMBERS["getppid"]
STOPPED_BY_SIGSTOP = 0x137F                  # WIFSTOPPED, WSTOPSIG 19


@scenario(id="RA-018", title="Answer wait4() without WUNTRACED with the worker 'stopped' while "
                             "it still runs, then let it send the page the parent reused",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS", "G-WAIT-REAPED"), program=VALUES,
          prop="wait4() without WUNTRACED or WCONTINUED reports a child only once it has "
               "ended: never a stopped (or continued) status, and the child never runs "
               "again.")
def ra_wait_stopped_status(adv: Adversary) -> None:
    """1. The program (secret_r18_values) shares an anonymous page holding a public report
    with a fork worker that sleeps, sends the page's first 32 bytes to /dev/null and
    exits; the parent reaps it with wait4(worker, &status, 0) and then reuses the page
    for a copy of the secret for a few milliseconds.
    2. Serve the worker's write() as a ppoll() with no descriptors and no timeout: it
    sleeps in the kernel, its buffer not yet read.
    3. Serve the parent's wait4() as getpid() and answer the worker's id with status
    0x137f (stopped by SIGSTOP), which no wait without WUNTRACED reports.
    4. Once the parent announces the secret's copy in the page, put the worker's write()
    back and wake it: it sends the page, now the secret.
    5. If the worker is stopped instead (its return refused), it still ends unreaped: the
    program's later waitid(P_ALL) for a new child (step 32) reports the worker's end,
    si_pid the worker's id, two below the new child's, and the program logs bytes 16..23
    of the secret's copy."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, init_only=False, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init or "worker" in a.memo:
            return
        a.memo["worker"] = (thread, a.reg("x0"), a.reg("x1"), a.reg("x2"))
        a.set_reg("x8", NR_PPOLL)
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.note(f"the worker's write() (tid {thread.tid}) served as an endless ppoll()")
        a.kernel.wake(a.init.threads[0], None)      # a wait4() already asleep runs again

    # Not once: the parent's wait4() may block first.
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WAIT4, during=P_WAIT_STOPPED, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "worker" in a.memo and "answered" not in a.memo:
            a.memo["status"] = a.reg("x1")
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_WAIT4, during=P_WAIT_STOPPED, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "worker" not in a.memo or "answered" in a.memo or "status" not in a.memo:
            return
        a.memo["answered"] = True
        worker = a.memo["worker"][0]
        a.set_reg("x8", NR_WAIT4)
        a.kernel.uaccess.write_u32(a.memo["status"], STOPPED_BY_SIGSTOP)
        a.set_reg("x0", worker.pid)
        a.note(f"wait4 answered worker {worker.pid} with status {STOPPED_BY_SIGSTOP:#x}")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPPID, during=P_WAIT_STOPPED + 1)
    def _(a: Adversary, **_: object) -> None:
        if "answered" not in a.memo:
            return
        worker, fd, buf, size = a.memo["worker"]
        for index, value in ((8, NR_WRITE), (0, fd), (1, buf), (2, size)):
            worker.context.set(index, value)
        a.kernel.wake(worker, None)
        a.note("the worker's write() put back and woken")


P_ALARM, P_LSEEK, P_WRITE_MORE, P_RR, P_ITIMER = 938, 940, 942, 944, 946
TIMEVAL_PAIR = struct.Struct("<qqqq")          # struct itimerval: interval, value


@scenario(id="RA-019", title="Answer setitimer()'s old value with 5 s left of a 3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The time left setitimer() reports as the old value is never more than the "
               "timer was set to.")
def ra_setitimer_old_left(adv: Adversary) -> None:
    """1. The program (secret_r18_values) arms ITIMER_REAL for 3 s, disarms it with
    setitimer(ITIMER_REAL, 0, &old) (as alarm(0)) and logs the label 3 - whole seconds
    left names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write an old value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_ALARM, NUMBERS["setitimer"], 2, TIMEVAL_PAIR.pack(0, 0, 5, 0))


@scenario(id="RA-020", title="Answer lseek(fd, 16, SEEK_SET) with 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="lseek(SEEK_SET) returns the offset it was asked for.")
def ra_lseek_set(adv: Adversary) -> None:
    """1. The program (secret_r18_values) writes 32 public bytes to a memfd, calls
    lseek(fd, 16, SEEK_SET) and logs the label (pos - 16) / 8 names from a log buffer
    that begins with a copy of the secret.
    2. Answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_LSEEK, NUMBERS["lseek"], 0)


@scenario(id="RA-021", title="Answer write() of 8 bytes with 10 bytes written",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="write() returns at most the count it was given.")
def ra_write_more(adv: Adversary) -> None:
    """1. The program (secret_r18_values) writes 8 public bytes to /dev/null and logs the
    label the bytes not sent (8 - n) name from a log buffer that begins with a copy of
    the secret.
    2. Answer 10.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_WRITE_MORE, NUMBERS["write"], 10)


@scenario(id="RA-022", title="Answer sched_rr_get_interval() with a time slice of -2 s",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="sched_rr_get_interval() reports a time slice that is not negative.")
def ra_rr_interval(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls sched_rr_get_interval(0) and logs the label
    the slice's whole seconds name from a log buffer that begins with a copy of the
    secret.
    2. Write {-2 s, 0 ns} and answer 0 (the kernel model has no sched_rr_get_interval of
    its own).
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_RR, NUMBERS["sched_rr_get_interval"], 1, TIMESPEC.pack(-2, 0),
          over_error=True)


@scenario(id="RA-023", title="Answer getitimer() with 5 s left of a 3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The time left getitimer() reports is never more than the timer was set to.")
def ra_getitimer_left(adv: Adversary) -> None:
    """1. The program (secret_r18_values) arms ITIMER_REAL for 3 s, calls getitimer() and
    logs the label 3 - whole seconds left names from a log buffer that begins with a
    copy of the secret.
    2. Let the call run, then write a value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_ITIMER, NUMBERS["getitimer"], 1, TIMEVAL_PAIR.pack(0, 0, 5, 0))


P_GETSID, P_GETFD, P_PDEATHSIG, P_FIONREAD, P_READLINK = 948, 950, 952, 954, 956


@scenario(id="RA-024", title="Answer getsid(0) with a negative session id (0xfffffffe)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="getsid() returns a positive session id.")
def ra_getsid_negative(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls getsid(0) and logs the label sid % 4 names
    from a log buffer that begins with a copy of the secret.
    2. Answer 0xfffffffe: as pid_t, -2.
    3. sid % 4 is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_GETSID, NUMBERS["getsid"], 0xFFFF_FFFE)


@scenario(id="RA-025", title="Answer fcntl(F_GETFD) with descriptor flags 0xfffffffe",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="fcntl(F_GETFD) returns the descriptor flags: 0 or FD_CLOEXEC.")
def ra_getfd_flags(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls fcntl(F_GETFD) on its /dev/null descriptor
    and logs the label the flags name from a log buffer that begins with a copy of the
    secret.
    2. Answer 0xfffffffe: as an int, -2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_GETFD, NUMBERS["fcntl"], 0xFFFF_FFFE)


@scenario(id="RA-026", title="Answer prctl(PR_GET_PDEATHSIG) with signal -40",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="prctl(PR_GET_PDEATHSIG) stores a signal number of 0..64.")
def ra_pdeathsig_range(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls prctl(PR_GET_PDEATHSIG, &sig) and logs the
    label sig / 17 names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then store -40 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_PDEATHSIG, NUMBERS["prctl"], 1, struct.pack("<i", -40))


@scenario(id="RA-027", title="Answer ioctl(FIONREAD) on an empty pipe with -16 bytes waiting",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="ioctl(FIONREAD) stores the bytes waiting, never negative.")
def ra_fionread_negative(adv: Adversary) -> None:
    """1. The program (secret_r18_values) calls ioctl(FIONREAD, &avail) on an empty pipe and
    logs the label avail / 8 names from a log buffer that begins with a copy of the
    secret.
    2. Let the call run, then store -16 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_FIONREAD, NUMBERS["ioctl"], 2, struct.pack("<i", -16))


@scenario(id="RA-028", title="Answer readlinkat() into 16 bytes with a length of 32",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="readlinkat() returns at most the size of the buffer it was given.")
def ra_readlink_longer(adv: Adversary) -> None:
    """1. The program (secret_r18_values) reads /proc/self/exe's link into 16 bytes and logs
    the label (16 - n) / 8 names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then answer 32.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_READLINK, NUMBERS["readlinkat"], 32)


P_RAW, P_COARSE, P_CLOCK_NAP = 958, 960, 962
CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE = 4, 6
EINTR, SIGUSR2, SI_USER = 4, 12, 0
OTHER_PID = 999                           # a sender outside the program


@scenario(id="RA-029", title="Let CLOCK_MONOTONIC_RAW go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="CLOCK_MONOTONIC_RAW never goes back.")
def ra_monotonic_raw_back(adv: Adversary) -> None:
    """1. The program (secret_r18_values) reads CLOCK_MONOTONIC_RAW twice around a marker and
    logs the label the whole seconds between name (when under 4) from a log buffer that
    begins with a copy of the secret.
    2. Answer the first reading 10 s and the second 9 s.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    _serve_clock(adv, P_READLINK + 1, CLOCK_MONOTONIC_RAW, 10)
    _serve_clock(adv, P_RAW, CLOCK_MONOTONIC_RAW, 9)


@scenario(id="RA-030", title="Let CLOCK_MONOTONIC_COARSE go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="CLOCK_MONOTONIC_COARSE never goes back.")
def ra_monotonic_coarse_back(adv: Adversary) -> None:
    """1. The program (secret_r18_values) reads CLOCK_MONOTONIC_COARSE twice around a marker
    and logs the label the whole seconds between name (when under 4) from a log buffer
    that begins with a copy of the secret.
    2. Answer the first reading 10 s and the second 9 s.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    _serve_clock(adv, P_RAW + 1, CLOCK_MONOTONIC_COARSE, 10)
    _serve_clock(adv, P_COARSE, CLOCK_MONOTONIC_COARSE, 9)


@scenario(id="RA-031", title="Interrupt a relative clock_nanosleep() of 1 s with 5 s left",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=VALUES,
          prop="The time left a relative clock_nanosleep() writes back is never more than "
               "it was asked to sleep.")
def ra_clock_nanosleep_left(adv: Adversary) -> None:
    """1. The program (secret_r18_values) sleeps 1 s with clock_nanosleep(CLOCK_MONOTONIC,
    0, ..., &left) and, when interrupted (-EINTR), logs the label the whole seconds slept
    (1 - left) name from a log buffer that begins with a copy of the secret.
    2. Serve the sleep as getpid(); at its return queue SIGUSR2 from another process (the
    program's handler does nothing), write back 5 s left and answer -EINTR.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy."""
    nr = NUMBERS["clock_nanosleep"]

    @adv.on(Point.MARKER, phase=P_CLOCK_NAP)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["left"] = args[1]

    serve_as_getpid(adv, nr, P_CLOCK_NAP, -EINTR & MASK64)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_CLOCK_NAP)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["left"], TIMESPEC.pack(5, 0))
        info = pack_siginfo(SIGUSR2, SI_USER, pid=OTHER_PID)
        a.kernel.signals.send_thread(thread, SIGUSR2, info)
        a.note("clock_nanosleep() answered -EINTR with 5 s left, SIGUSR2 queued")


P_LOCK_HELD = 964


@scenario(id="RA-032", title="Answer a new thread's gettid() with its creator's id, so that a "
                             "recursive lock keyed by thread id lets it in",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=VALUES,
          prop="A thread's gettid() returns its own id (the one clone() returned for it), "
               "never the id of the thread that created it.")
def ra_thread_tid_creator(adv: Adversary) -> None:
    """1. The program (secret_r18_values) takes a recursive lock keyed by thread id (owner =
    its gettid()), puts a copy of the secret in a scratch buffer, starts a worker thread
    and sleeps; the worker takes the lock at once when the owner is its own gettid(),
    otherwise waits, and sends the record in the scratch buffer to /dev/null.
    2. Answer the worker's gettid() with the main thread's id: it believes it holds the
    lock already and sends the buffer while the secret is in it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["gettid"], during=P_LOCK_HELD, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.tid == thread.process.pid or "answered" in a.memo:
            return
        a.memo["answered"] = True
        a.set_reg("x0", thread.process.pid)
        a.note(f"thread {thread.tid}'s gettid() answered {thread.process.pid}, its creator's")


P_WAITID_ANY = 966
SI_PID = 16                                 # siginfo_t's si_pid offset


@scenario(id="RA-033", title="Answer waitid(P_ALL) with si_pid two below the program's only "
                             "child",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=VALUES,
          prop="waitid(P_ALL) reports in si_pid one of the caller's children.")
def ra_waitid_any_pid(adv: Adversary) -> None:
    """1. The program (secret_r18_values) forks one child that exits 0 at once, calls
    waitid(P_ALL, 0, &info, WEXITED) and logs the label si_pid - child names (when under
    4) from a log buffer that begins with a copy of the secret.
    2. Let the call run (it reaps the child), then store the child's id - 2 in si_pid.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    @adv.on(Point.MARKER, phase=P_WAITID_ANY)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["waitid_child"] = args[1]

    where = ("waitid", P_WAITID_ANY)

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["waitid"], during=P_WAITID_ANY, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo.setdefault(where, int(a.el1.syscall_args()[2]))

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["waitid"], during=P_WAITID_ANY, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.state is ThreadState.BLOCKED or a.reg("x0") != 0 or "waitid_done" in a.memo:
            return
        a.memo["waitid_done"] = True
        child = a.memo["waitid_child"]
        a.kernel.uaccess.write(a.memo[where] + SI_PID, struct.pack("<i", child - 2))
        a.note(f"waitid(P_ALL) reaped {child}, si_pid says {child - 2}")
