"""Red-team round nineteen: signals, and what a program learns around them.

Linux keeps promises about signals that a program builds on without checking: the set
rt_sigpending() reports holds only signals the thread blocks; no mask it reports (the old
mask of rt_sigprocmask, an old action's sa_mask, a handler's uc_sigmask) ever holds SIGKILL
or SIGSTOP, which no thread can block; a frame's uc_stack.ss_flags is 0, SS_ONSTACK or
SS_DISABLE; rt_sigsuspend() and a pause-style ppoll() return only once a handler ran; a
SA_RESTART handler never turns a pipe read into -EINTR (and a read with data waiting never
blocks); timer_getoverrun() is never negative; a POSIX timer and the CPU-time interval
timers never have more time left than they were set to; getrusage()'s user time and fault
counts never go back; rt_sigtimedwait()'s siginfo names the signal it returns; a signal
pidfd_send_signal() sends reaches the process the pidfd names, not the sender; SIGKILL is
never caught; an F_SETSIG notification names, in si_fd, the descriptor that raised it; and
ppoll() reports POLLNVAL only for a descriptor that is not open (QA-001..QA-020).  The
second part (attacks/families/redteam_r19_notices.py, QA-021..QA-040) uses the victim,
the constants and the helpers defined here.

The victim is `secret_r19_signals` (workloads/src/secret_r19_signals.c): each step
announces itself with a marker and most turn one value into the index of a public label in
a log buffer that begins with a copy of the secret, then write that label to /dev/null.
Each scenario holds only the kernel's powers (the result it returns, the user access of
the call being served, its signal queues, the state of its threads).  Where an attack
still gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import program_markers, serve_as_getpid
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from kernel_model.process import Thread, ThreadState
from kernel_model.signals import SigAction, pack_siginfo

RT = "redteam_r19"
SIGNALS = "secret_r19_signals"
# secret_r19_signals: the marker before each step; the marker after its write is + 1.
P_PENDING, P_OLD_MASK, P_OLD_ACT, P_FRAME_MASK, P_FRAME_STACK = 1000, 1002, 1004, 1006, 1008
P_SUSPEND, P_PAUSE, P_RESTART, P_OVERRUN, P_TIMER_LEFT = 1010, 1012, 1014, 1016, 1018
P_TIMER_OLD, P_VIRTUAL, P_PROF, P_RUSAGE, P_MINFLT = 1020, 1022, 1024, 1026, 1028
P_SIGWAIT, P_PIDFD, P_CATCH_ALL, P_SIGIO, P_POLLNVAL = 1030, 1032, 1034, 1036, 1038
P_SIGPIPE, P_POLLHUP, P_RUSAGE_THREAD, P_SIGNALFD, P_EPOLL_PAUSE = 1040, 1042, 1044, 1046, 1048
P_TIMERFD_LEFT, P_EPOLLHUP, P_NOCLDSTOP, P_SIG_UID, P_SECCOMP = 1050, 1052, 1054, 1056, 1058
P_SEGV_CODE, P_ALARM_TICK, P_CHLD_NOSIG, P_NOSIGNAL, P_SIGXFSZ = 1060, 1062, 1064, 1066, 1068
P_PIDFD_PROBE, P_TGKILL, P_CHLD_UTIME, P_WAITID_UTIME = 1070, 1072, 1074, 1076
SIGKILL, SIGFPE, SIGUSR1, SIGUSR2, SIGPIPE, SIGSTOP = 9, 8, 10, 12, 13, 19
SIGCHLD, SIGSYS, CLD_STOPPED, SYS_SECCOMP = 17, 31, 5, 1
SIGSEGV, SIGALRM, SIGXFSZ, SEGV_MAPERR, CLD_EXITED = 11, 14, 25, 1, 1
EPOLLIN, EPOLLHUP = 0x1, 0x10
NR_GETCPU = NUMBERS["getcpu"]
AUDIT_ARCH_AARCH64 = 0xC000_00B7
SI_USER, SI_KERNEL, POLL_IN = 0, 0x80, 1
EINTR = 4
POLLIN, POLLHUP, POLLRDNORM, POLLNVAL = 0x1, 0x10, 0x40, 0x20
ITIMER_VIRTUAL, ITIMER_PROF = 1, 2
OTHER_PID = 999                           # a sender outside the program
MASK64 = (1 << 64) - 1
ITIMERSPEC = struct.Struct("<qqqq")       # it_interval, it_value: tv_sec, tv_nsec each
ITIMERVAL = struct.Struct("<qqqq")        # it_interval, it_value: tv_sec, tv_usec each
RUSAGE_SIZE = 144
RU_MINFLT = 64                            # struct rusage: two timevals, then longs
NR_KILL, NR_RT_SIGACTION = NUMBERS["kill"], NUMBERS["rt_sigaction"]
NR_SETITIMER, NR_GETRUSAGE = NUMBERS["setitimer"], NUMBERS["getrusage"]
NR_NANOSLEEP, NR_WRITE = NUMBERS["nanosleep"], NUMBERS["write"]
# A value or a kernel report out of its range that still reaches the program.
GAP = "P5"


def _bit(signo: int) -> int:
    return 1 << (signo - 1)


def _answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value & MASK64)
        a.note(f"system call {nr} answered {value:#x}")


def _fill(adv: Adversary, during: int, nr: int, arg: int,
          data: bytes | Callable[[Adversary], bytes], result: int = 0, *,
          over_error: bool = False, offset: int = 0) -> None:
    """Let the program's next call `nr` after marker `during` run to its end (only a
    finished one, x0 not negative, counts, or with `over_error` a failed one too: a call
    the kernel does not implement), then write `data` (or what data(adv) makes when the
    call ends) at `offset` into the output its argument `arg` names and answer
    `result`."""
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
        out = data(a) if callable(data) else data
        a.kernel.uaccess.write(where + offset, out)
        a.set_reg("x0", result & MASK64)
        a.note(f"system call {nr} answered {result}, its output {out.hex()}")


@scenario(id="QA-001", title="Answer rt_sigpending() with SIGFPE pending, a signal the thread "
                             "does not block",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=SIGNALS,
          prop="rt_sigpending() reports only signals the thread blocks (pending & blocked).")
def qa_pending_unblocked(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGUSR1, sends it to itself, calls
    rt_sigpending() and logs the label the lowest pending signal - SIGUSR1 names from a
    log buffer that begins with a copy of the secret.
    2. Let the call run, then write a set of SIGFPE and SIGUSR1 and answer 0.
    3. The lowest is SIGFPE (8), index -2: the program logs bytes 16..23 of the secret's
    copy.  Linux computes the set as (pending) & blocked: SIGFPE, which the thread does
    not block, is never in it (a pending unblocked signal is delivered instead)."""
    _fill(adv, P_PENDING, NUMBERS["rt_sigpending"], 0,
          struct.pack("<Q", _bit(SIGFPE) | _bit(SIGUSR1)))


@scenario(id="QA-002", title="Report SIGKILL as blocked in rt_sigprocmask()'s old mask",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"), program=SIGNALS,
          prop="The old mask rt_sigprocmask() reports never holds SIGKILL or SIGSTOP.")
def qa_old_mask_sigkill(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGUSR1, unblocks it with
    rt_sigprocmask(SIG_UNBLOCK, {SIGUSR1}, &old) and logs the label the lowest signal in
    the old mask - SIGUSR1 names from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write an old mask of {SIGKILL, SIGUSR1} and answer 0.
    3. The lowest is SIGKILL (9), index -1: the program logs bytes 24..31 of the secret's
    copy.  Linux drops SIGKILL and SIGSTOP from every mask it sets, so no old mask holds
    them (the Guardian leaves those two bits free)."""
    _fill(adv, P_OLD_MASK, NUMBERS["rt_sigprocmask"], 2,
          struct.pack("<Q", _bit(SIGKILL) | _bit(SIGUSR1)))


@scenario(id="QA-003", title="Report SIGKILL in an old action's sa_mask",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"), program=SIGNALS,
          prop="The sa_mask of the old action rt_sigaction() reports never holds SIGKILL or "
               "SIGSTOP.")
def qa_old_action_sigkill(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs a SIGUSR2 action whose sa_mask is
    {SIGUSR1}, reads it back with rt_sigaction(SIGUSR2, NULL, &old) and logs the label the
    lowest signal in old.sa_mask - SIGUSR1 names from a log buffer that begins with a
    copy of the secret.
    2. Let the call run, then add SIGKILL to the sa_mask it wrote (handler, flags and
    restorer as they were) and answer 0.
    3. The lowest is SIGKILL (9), index -1: the program logs bytes 24..31 of the secret's
    copy.  Linux strips SIGKILL and SIGSTOP from sa_mask when the action is set."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGACTION, during=P_OLD_MASK + 1, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[0]) == SIGUSR2 and args[1]:
            a.memo["usr2_act"] = a.kernel.uaccess.read(int(args[1]), 32)

    def with_sigkill(a: Adversary) -> bytes:
        handler, flags, restorer, mask = struct.unpack("<QQQQ", a.memo["usr2_act"])
        return struct.pack("<QQQQ", handler, flags, restorer, mask | _bit(SIGKILL))
    _fill(adv, P_OLD_ACT, NR_RT_SIGACTION, 2, with_sigkill)


@scenario(id="QA-004", title="Save SIGKILL as blocked in a handler's uc_sigmask",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=SIGNALS,
          prop="The mask a signal frame saves (uc_sigmask) never holds SIGKILL or SIGSTOP.")
def qa_frame_mask_sigkill(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks only SIGUSR2 and sends itself SIGUSR1;
    its SA_SIGINFO handler reads the interrupted mask from uc_sigmask, and the program
    logs the label the lowest signal in it - SIGUSR2 names from a log buffer that begins
    with a copy of the secret.
    2. At kill()'s return, before the signal is delivered, add SIGKILL to the thread's
    mask as the kernel keeps it: the frame saves {SIGKILL, SIGUSR2}.
    3. The lowest is SIGKILL (9), index -3: the program logs bytes 8..15 of the secret's
    copy.  Linux's blocked set never holds SIGKILL, so no frame saves it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=P_FRAME_MASK)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        thread.sigmask |= _bit(SIGKILL)
        a.note("SIGKILL added to the thread's mask before SIGUSR1's frame")


@scenario(id="QA-005", title="Save uc_stack.ss_flags -2 in a handler's frame",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME",), program=SIGNALS,
          prop="A signal frame's uc_stack.ss_flags is 0, SS_ONSTACK or SS_DISABLE (with "
               "SS_AUTODISARM only where the program set it).")
def qa_frame_ss_flags(adv: Adversary) -> None:
    """1. The program (secret_r19_signals), which never set an alternate stack, sends
    itself SIGUSR1; its SA_SIGINFO handler reads uc_stack.ss_flags, and the program logs
    the label the flags name from a log buffer that begins with a copy of the secret.
    2. At kill()'s return, before the signal is delivered, make the thread's alternate
    stack, as the kernel keeps it, {0, ss_flags 0xfffffffe (SS_DISABLE among its bits),
    0}: the frame saves those flags.
    3. As an int the flags are -2: the program logs bytes 16..23 of the secret's copy.
    Linux saves sas_ss_flags(sp): SS_DISABLE for a thread without an alternate stack."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=P_FRAME_STACK)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.memo["altstack"] = thread.altstack
        thread.altstack = (0, -2, 0)
        a.note("the thread's alternate stack flags set to -2 before SIGUSR1's frame")

    @adv.on(Point.SIGNAL_DELIVERED, during=P_FRAME_STACK)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if "altstack" in a.memo:
            thread.altstack = a.memo.pop("altstack")


@scenario(id="QA-006", title="Answer rt_sigsuspend() with -EINTR while no handler ran",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=SIGNALS,
          prop="rt_sigsuspend() returns (-EINTR) only after a signal's handler ran.")
def qa_sigsuspend_no_handler(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGUSR1, sends it to itself and waits in
    rt_sigsuspend() with an empty mask; when it returns -EINTR the program logs the label
    the handler runs it counted, minus 1, name from a log buffer that begins with a copy
    of the secret.
    2. Serve the wait as getpid() and answer -EINTR: SIGUSR1 stays pending and blocked,
    no handler runs.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    sigsuspend sleeps until a signal is delivered to a handler (an ignored one leaves it
    asleep, a fatal one ends the process): its -EINTR follows a handler's run."""
    serve_as_getpid(adv, NUMBERS["rt_sigsuspend"], P_SUSPEND, -EINTR & MASK64)


@scenario(id="QA-007", title="Answer a pause-style ppoll(NULL, 0, NULL, mask) with -EINTR "
                             "while no handler ran",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=SIGNALS,
          prop="ppoll() without descriptors or timeout returns (-EINTR) only after a "
               "signal's handler ran.")
def qa_pause_no_handler(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGUSR1, sends it to itself and waits in
    ppoll(NULL, 0, NULL, empty mask), as pause() waits; when it returns -EINTR the
    program logs the label the handler runs it counted, minus 1, name from a log buffer
    that begins with a copy of the secret.
    2. Serve the wait as getpid() and answer -EINTR: no handler runs.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  With nothing
    to poll and no timeout Linux's ppoll returns only when a signal interrupts it:
    -ERESTARTNOHAND, which becomes -EINTR only when a handler runs (it restarts
    otherwise)."""
    serve_as_getpid(adv, NUMBERS["ppoll"], P_PAUSE, -EINTR & MASK64)


@scenario(id="QA-008", title="Answer a pipe read() with data waiting -EINTR under a SA_RESTART "
                             "handler",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=SIGNALS,
          prop="A read() that a SA_RESTART handler interrupts is restarted, never failed "
               "with -EINTR; a pipe read with data waiting returns the data.")
def qa_restart_eintr(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs a SA_RESTART handler for SIGUSR1,
    writes 8 bytes into a pipe, reads them back and logs the label (n - 1) / 2 names
    from a log buffer that begins with a copy of the secret.
    2. Serve the read as getpid(); at its return queue SIGUSR1 from another process (a
    claim any sender may make) and answer -EINTR: the handler runs and the read returns
    -4.
    3. The index is (-4 - 1) / 2 = -2: the program logs bytes 16..23 of the secret's
    copy.  Linux never blocks a pipe read with data waiting, and a signal whose handler
    has SA_RESTART restarts an interrupted read (-ERESTARTSYS): -EINTR is impossible."""
    nr = NUMBERS["read"]
    serve_as_getpid(adv, nr, P_RESTART, -EINTR & MASK64)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RESTART)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.signals.send_thread(thread, SIGUSR1,
                                     pack_siginfo(SIGUSR1, SI_USER, pid=OTHER_PID))
        a.note("read() answered -EINTR, SIGUSR1 queued for the SA_RESTART handler")


@scenario(id="QA-009", title="Answer timer_getoverrun() with 0xfffffffe",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="timer_getoverrun() returns an overrun count of 0..INT_MAX.")
def qa_timer_overrun(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms a POSIX timer (timer_create, SIGEV_NONE)
    for 1 s, calls timer_getoverrun() and logs the label the count (as an int) names
    when under 4 from a log buffer that begins with a copy of the secret.
    2. Answer 0xfffffffe: no errno (those are -1..-4095 as a long), as an int -2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_OVERRUN, NUMBERS["timer_getoverrun"], 0xFFFF_FFFE)


@scenario(id="QA-010", title="Answer timer_gettime() with 5 s left of a 3 s POSIX timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The time left timer_gettime() reports is never more than the timer was set "
               "to.")
def qa_timer_gettime_left(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms its POSIX timer for 3 s, calls
    timer_gettime() and logs the label 3 - whole seconds left names from a log buffer
    that begins with a copy of the secret.
    2. Let the call run, then write a value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_TIMER_LEFT, NUMBERS["timer_gettime"], 1, ITIMERSPEC.pack(0, 0, 5, 0))


@scenario(id="QA-011", title="Answer timer_settime()'s old value with 5 s left of a 3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The old value timer_settime() reports is never more time left than the "
               "timer was set to.")
def qa_timer_settime_old(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms its POSIX timer for 3 s, disarms it with
    timer_settime(id, 0, zero, &old) and logs the label 3 - whole seconds left names from
    a log buffer that begins with a copy of the secret.
    2. Let the call run, then write an old value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_TIMER_OLD, NUMBERS["timer_settime"], 3, ITIMERSPEC.pack(0, 0, 5, 0))


def _cpu_itimers_accepted(adv: Adversary) -> None:
    """Answer 0 to each setitimer(ITIMER_VIRTUAL / ITIMER_PROF) the kernel model refuses
    (Linux has both; the model runs only ITIMER_REAL)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SETITIMER, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["which"] = int(a.el1.syscall_args()[0]) & 0xFFFF_FFFF

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SETITIMER, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("which", None) in (ITIMER_VIRTUAL, ITIMER_PROF) and a.reg("x0") >= 1 << 63:
            a.set_reg("x0", 0)


@scenario(id="QA-012", title="Answer getitimer(ITIMER_VIRTUAL) with 5 s left of a 3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The time left getitimer(ITIMER_VIRTUAL) reports is never more than the timer "
               "was set to (plus one tick).")
def qa_virtual_left(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms ITIMER_VIRTUAL for 3 s, calls
    getitimer(ITIMER_VIRTUAL) and logs the label 3 - whole seconds left names from a log
    buffer that begins with a copy of the secret.
    2. Accept the arming (the kernel model runs ITIMER_REAL only); let getitimer run, then
    write a value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux
    reports at most the value set, or one tick for a timer that fired and was not yet
    reloaded: never 2 s more."""
    _cpu_itimers_accepted(adv)
    _fill(adv, P_VIRTUAL, NUMBERS["getitimer"], 1, ITIMERVAL.pack(0, 0, 5, 0), over_error=True)


@scenario(id="QA-013", title="Answer setitimer(ITIMER_PROF)'s old value with 5 s left of a "
                             "3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The old value setitimer(ITIMER_PROF) reports is never more time left than "
               "the timer was set to (plus one tick).")
def qa_prof_old(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms ITIMER_PROF for 3 s, disarms it with
    setitimer(ITIMER_PROF, zero, &old) and logs the label 3 - whole seconds left names
    from a log buffer that begins with a copy of the secret.
    2. Accept the arming (the kernel model runs ITIMER_REAL only); let the disarming run,
    then write an old value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _cpu_itimers_accepted(adv)
    _fill(adv, P_PROF, NR_SETITIMER, 2, ITIMERVAL.pack(0, 0, 5, 0), over_error=True)


def _rusage(utime_s: int = 0, minflt: int = 0) -> bytes:
    raw = bytearray(RUSAGE_SIZE)
    struct.pack_into("<qq", raw, 0, utime_s, 0)
    struct.pack_into("<q", raw, RU_MINFLT, minflt)
    return bytes(raw)


@scenario(id="QA-014", title="Let getrusage()'s ru_utime go back one second",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The user time getrusage(RUSAGE_SELF) reports never decreases.")
def qa_rusage_utime_back(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) calls getrusage(RUSAGE_SELF) twice around a
    marker and logs the label the whole seconds of ru_utime between them name (when
    under 4) from a log buffer that begins with a copy of the secret.
    2. Answer the first reading with ru_utime 10 s and the second with 9 s.
    3. The difference is -1: the program logs bytes 24..31 of the secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRUSAGE)
    def _(a: Adversary, **_: object) -> None:       # the program's first getrusage
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]), _rusage(utime_s=10))
        a.note("getrusage answered ru_utime 10 s")

    _fill(adv, P_RUSAGE, NR_GETRUSAGE, 1, _rusage(utime_s=9))


@scenario(id="QA-015", title="Let getrusage()'s ru_minflt go down by two",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The fault counts getrusage(RUSAGE_SELF) reports never decrease.")
def qa_rusage_minflt_back(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) calls getrusage(RUSAGE_SELF) twice around a
    marker and logs the label the minor faults between them name (when under 4) from a
    log buffer that begins with a copy of the secret.
    2. Answer the first reading with ru_minflt 10 and the second with 8.
    3. The difference is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_RUSAGE + 1, NR_GETRUSAGE, 1, _rusage(minflt=10))
    _fill(adv, P_MINFLT, NR_GETRUSAGE, 1, _rusage(minflt=8))


@scenario(id="QA-016", title="Answer rt_sigtimedwait() with SIGUSR1 and a siginfo naming "
                             "SIGFPE",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-IAGO-OUTPUT"), program=SIGNALS,
          prop="The siginfo rt_sigtimedwait() writes names (si_signo) the signal it "
               "returns.")
def qa_sigwait_signo(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGUSR1, sends it to itself, takes it
    with rt_sigtimedwait({SIGUSR1}, &info, zero timeout) and logs the label
    info.si_signo - SIGUSR1 names from a log buffer that begins with a copy of the
    secret.
    2. Let the call run (it returns SIGUSR1, its own send), then write si_signo 8
    (SIGFPE) over the siginfo, the rest as written.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_SIGWAIT, NUMBERS["rt_sigtimedwait"], 1, struct.pack("<i", SIGFPE),
          result=SIGUSR1)


@scenario(id="QA-017", title="Deliver the SIGUSR1 the program sent its child through a pidfd to "
                             "the program itself",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A signal pidfd_send_signal() sends reaches the process the pidfd names: a "
               "SI_USER siginfo naming the program as sender reaches the program only for "
               "a send aimed at it.")
def qa_pidfd_redirect(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) counts the SIGUSR1 deliveries that name itself
    as sender (SI_USER, si_pid its own id); it sends itself one with kill(), forks a child
    and sends the child one with pidfd_send_signal(pidfd_open(child)), reaps the child and
    logs the label sent - seen names (sends to itself: 1) from a log buffer that begins
    with a copy of the secret.
    2. At pidfd_send_signal()'s return queue a SIGUSR1 for the program itself, SI_USER from
    its own id (the send it made, aimed at the wrong process).
    3. The handler sees two sends of its own: index -1, the program logs bytes 24..31 of
    the secret's copy.  Linux fills SI_USER's si_pid from the sender and delivers a pidfd
    send to the pidfd's process only."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["pidfd_send_signal"], during=P_PIDFD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        pid = thread.process.pid
        a.kernel.signals.send_process(thread.process, SIGUSR1,
                                      pack_siginfo(SIGUSR1, SI_USER, pid=pid))
        a.note(f"the pidfd send to the child also queued for the sender {pid}")


def _caught(signo: int) -> Callable[[Outcome], list[str]]:
    def oracle(out: Outcome) -> list[str]:
        return [f"the program's handler ran for signal {signo} (marker {m.phase})"
                for m in program_markers(out, P_CATCH_ALL + 1) if m.args[0] == signo]
    return oracle


def _catch_uncatchable(adv: Adversary, signo: int) -> None:
    """Answer rt_sigaction(signo, handler) 0 and keep the action; queue signo (SI_KERNEL)
    while the program waits with its catch-all handler installed."""
    key = ("uncatchable", signo)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGACTION, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[0]) == signo and args[1] and key not in a.memo:
            act = SigAction.unpack(a.kernel.uaccess.read(int(args[1]), 32))
            if act.handler:
                a.memo["taking"] = act

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGACTION, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        act = a.memo.pop("taking", None)
        if act is None:
            return
        a.memo[key] = act
        thread.process.sigactions.set(signo, act)
        a.set_reg("x0", 0)
        a.note(f"rt_sigaction({signo}) accepted handler {act.handler:#x}")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_NANOSLEEP, during=P_CATCH_ALL)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if key in a.memo:
            thread.pending.add(signo, pack_siginfo(signo, SI_KERNEL))
            a.note(f"signal {signo} queued for the catch-all handler")


@scenario(id="QA-018", title="Accept a handler for SIGKILL, then deliver SIGKILL to it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          oracle=_caught(SIGKILL),
          prop="SIGKILL is never caught: rt_sigaction(SIGKILL, handler) fails and no handler "
               "ever runs for it.")
def qa_catch_sigkill(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs one handler for every signal 1..31
    (errors ignored, as catch-all crash handlers do), waits 1 ms and announces each
    signal its handler catches.
    2. Answer rt_sigaction(SIGKILL, handler) 0 and keep that action.
    3. During the wait queue SIGKILL (SI_KERNEL): it is delivered to the handler, which
    announces signal 9 -- a path no Linux program takes (SIGKILL cannot be caught:
    rt_sigaction answers -EINVAL and the signal always kills)."""
    _catch_uncatchable(adv, SIGKILL)


@scenario(id="QA-019", title="Raise the F_SETSIG notification with si_fd two below the "
                             "descriptor that has O_ASYNC",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="An F_SETSIG notification (si_code POLL_*) names in si_fd the descriptor whose "
               "owner it was raised for.")
def qa_sigio_fd(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) makes a pipe's read end O_ASYNC with F_SETOWN
    (itself) and F_SETSIG (SIGRTMIN + 2), writes a byte into the pipe, and when its
    SA_SIGINFO handler saw a POLL_IN notification logs the label si_fd - read end names
    from a log buffer that begins with a copy of the secret.
    2. At the write's return raise SIGRTMIN + 2 with si_code POLL_IN, si_band POLLIN and
    si_fd the read end - 2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux raises
    the notification only from the descriptor's fasync entry, with that descriptor in
    si_fd; no other process can send a positive si_code."""
    @adv.on(Point.MARKER, phase=P_SIGIO)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["sigio"] = (args[1], args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=P_SIGIO)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        fd, signo = a.memo["sigio"]
        info = struct.pack("<iii4xqi", signo, 0, POLL_IN, POLLIN | POLLRDNORM, fd - 2)
        a.kernel.signals.send_process(thread.process, signo, info.ljust(128, b"\0"))
        a.note(f"signal {signo} raised with POLL_IN for fd {fd - 2} (the O_ASYNC one is {fd})")


@scenario(id="QA-020", title="Answer ppoll() on an open pipe with POLLNVAL",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="ppoll() reports POLLNVAL only for a descriptor that is not open.")
def qa_pollnval_open(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) polls the read end of a pipe it holds both ends
    of (a byte waiting) and logs the label the descriptors still open (1 minus those
    reported POLLNVAL), minus 1, name from a log buffer that begins with a copy of the
    secret.
    2. Let the call run, then write revents POLLNVAL (fd and events untouched) and answer
    1.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux sets
    POLLNVAL only where fdget() finds no open file."""
    _fill(adv, P_POLLNVAL, NUMBERS["ppoll"], 0, struct.pack("<h", POLLNVAL), result=1,
          offset=6)
