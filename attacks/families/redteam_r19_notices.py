"""Red-team round nineteen, second part: who raised a signal, and what the reports around
signals say.

Linux fills a signal's sender and cause itself, and keeps its reports in range: a SIGPIPE
or SIGXFSZ naming the program follows a write of it that found no reader (without
MSG_NOSIGNAL) or went past its file size limit; POLLHUP and EPOLLHUP on a pipe's read end
mean no writer is left; a process's CPU time is never less than a thread's; an F_SETSIG
record read through a signalfd names its descriptor; a timerfd has no more time left than it was set to; SIGSTOP is
never caught; a SA_NOCLDSTOP parent hears of no stop; a kill()'s si_uid is the sender's; a
SYS_SECCOMP SIGSYS names a call a filter trapped; a fault inside a mapping is SEGV_ACCERR;
an SI_KERNEL SIGALRM is an expiry of an armed timer; a child made with exit signal 0
raises none; a pidfd of a reaped child answers -ESRCH; tgkill() reaches only the thread it
names; and a child's reported user time is not negative (QA-021..QA-040).

The victim, the helpers and the constants are those of the first part
(attacks/families/redteam_r19.py).

Not a break, so no scenario (QA-025 is left out): answering the victim's pause-style
epoll_pwait() with -EINTR while no handler ran.  Linux's epoll_wait returns -EINTR itself,
not a restart code, and does so with no handler at all when a stop signal and a SIGCONT
(which another process of the same user may send) interrupt it, as signal(7) lists: the
value is one Linux may return.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r19 import (
    AUDIT_ARCH_AARCH64,
    CLD_EXITED,
    CLD_STOPPED,
    EPOLLHUP,
    EPOLLIN,
    ITIMERSPEC,
    NR_GETCPU,
    NR_GETRUSAGE,
    NR_KILL,
    NR_NANOSLEEP,
    NR_WRITE,
    P_ALARM_TICK,
    P_CHLD_NOSIG,
    P_CHLD_UTIME,
    P_EPOLLHUP,
    P_NOCLDSTOP,
    P_NOSIGNAL,
    P_PIDFD_PROBE,
    P_POLLHUP,
    P_RUSAGE_THREAD,
    P_SECCOMP,
    P_SEGV_CODE,
    P_SIG_UID,
    P_SIGNALFD,
    P_SIGPIPE,
    P_SIGXFSZ,
    P_TGKILL,
    P_TIMERFD_LEFT,
    P_WAITID_UTIME,
    POLL_IN,
    POLLHUP,
    POLLIN,
    POLLRDNORM,
    RT,
    SEGV_MAPERR,
    SI_KERNEL,
    SI_USER,
    SIGALRM,
    SIGCHLD,
    SIGNALS,
    SIGPIPE,
    SIGSEGV,
    SIGSTOP,
    SIGSYS,
    SIGUSR1,
    SIGXFSZ,
    SYS_SECCOMP,
    _answer,
    _catch_uncatchable,
    _caught,
    _fill,
    _rusage,
)
from attacks.hooks import Point
from attacks.moves import serve_with
from attacks.scenario import Goal, scenario
from emulator.exceptions import ExceptionInfo
from kernel_model.process import Thread
from kernel_model.signals import pack_siginfo


def _own_signal_after(adv: Adversary, nr: int, during: int, signo: int) -> None:
    """At the return of the program's call `nr` after marker `during`, queue `signo` for the
    calling thread, SI_USER from the program's own id (as Linux raises SIGPIPE and SIGXFSZ
    for the writer itself)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        pid = thread.process.pid
        a.kernel.signals.send_thread(thread, signo, pack_siginfo(signo, SI_USER, pid=pid))
        a.note(f"signal {signo} from {pid} queued after system call {nr}")


@scenario(id="QA-021", title="Deliver a SIGPIPE naming the program as sender while no write of "
                             "it failed",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A SIGPIPE whose SI_USER siginfo names the program as sender follows a write "
               "of the program that found no reader (-EPIPE) or its own kill().")
def qa_sigpipe_unwritten(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) counts the SIGPIPEs that name itself as sender
    (SI_USER, si_pid its own id: how Linux reports a write that found no reader), writes
    a byte into a pipe it holds both ends of and logs the label the failed writes minus
    those SIGPIPEs names from a log buffer that begins with a copy of the secret.
    2. Let the write succeed; at its return queue SIGPIPE, SI_USER from the program's own
    id (the Guardian lets SIGPIPE through its sender check as Linux's own SI_USER).
    3. The index is 0 - 1 = -1: the program logs bytes 24..31 of the secret's copy.
    Linux raises SIGPIPE from a write only when the pipe has no reader; the program holds
    the read end, and no other process can send SI_USER with the program's id."""
    _own_signal_after(adv, NR_WRITE, P_SIGPIPE, SIGPIPE)


@scenario(id="QA-022", title="Answer ppoll() on a pipe's read end with POLLHUP while the program "
                             "holds the write end",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="ppoll() reports POLLHUP on a pipe's read end only once no writer is left.")
def qa_pollhup_writer(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) polls the read end of a pipe whose write end it
    holds (a byte waiting) and logs the label the writers still open (1 minus a POLLHUP),
    minus 1, name from a log buffer that begins with a copy of the secret.
    2. Let the call run, then write revents POLLIN | POLLHUP and answer 1.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    pipe_poll sets POLLHUP on a read end only when pipe->writers is 0."""
    _fill(adv, P_POLLHUP, NUMBERS["ppoll"], 0, struct.pack("<h", POLLIN | POLLHUP), result=1,
          offset=6)


@scenario(id="QA-023", title="Answer getrusage(RUSAGE_SELF) with less user time than "
                             "RUSAGE_THREAD just gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="A process's CPU time (RUSAGE_SELF, user plus system) is never less than one of "
               "its threads' (RUSAGE_THREAD) read before.")
def qa_rusage_self_below_thread(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) calls getrusage(RUSAGE_THREAD), then
    getrusage(RUSAGE_SELF), and logs the label the whole seconds of CPU time (ru_utime +
    ru_stime) between them name (when under 4) from a log buffer that begins with a copy
    of the secret.
    2. Answer the thread's reading with 5 s of user time and the process's with 3 s.
    3. The difference is -2: the program logs bytes 16..23 of the secret's copy.  Linux
    sums every thread's runtime into the process's (the user/system split is scaled, the
    sum is the runtime), and neither goes back."""
    _fill(adv, P_POLLHUP + 1, NR_GETRUSAGE, 1, _rusage(utime_s=5))
    _fill(adv, P_RUSAGE_THREAD, NR_GETRUSAGE, 1, _rusage(utime_s=3))


@scenario(id="QA-024", title="Answer a signalfd read with a POLL_IN record whose ssi_fd is two "
                             "below the O_ASYNC descriptor",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"),
          program=SIGNALS,
          prop="A signalfd record of an F_SETSIG notification (ssi_code POLL_*) names in "
               "ssi_fd the descriptor that raised it.")
def qa_signalfd_fd(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) blocks SIGRTMIN + 3, opens a non-blocking signalfd
    for it, makes a pipe's read end raise it (O_ASYNC, F_SETOWN, F_SETSIG), writes a byte
    into the pipe, reads one record and, for a POLL_IN record, logs the label ssi_fd -
    read end names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write a whole record: ssi_signo SIGRTMIN + 3 (in the
    descriptor's mask), ssi_code POLL_IN, ssi_fd the read end - 2, ssi_band POLLIN; answer
    128.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux fills
    the record from the notification's siginfo, whose si_fd is the fasync descriptor."""
    @adv.on(Point.MARKER, phase=P_SIGNALFD)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["sfd_pipe"] = args[1]

    def record(a: Adversary) -> bytes:
        raw = bytearray(128)
        struct.pack_into("<IiiIIiII", raw, 0, 35, 0, POLL_IN, 0, 0, a.memo["sfd_pipe"] - 2,
                         0, POLLIN | POLLRDNORM)
        return bytes(raw)
    _fill(adv, P_SIGNALFD, NUMBERS["read"], 1, record, result=128, over_error=True)


@scenario(id="QA-026", title="Answer timerfd_gettime() with 5 s left of a 3 s timer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SIGNALS,
          prop="The time left timerfd_gettime() reports is never more than the timer was set "
               "to.")
def qa_timerfd_left(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) arms a timerfd for 3 s, calls timerfd_gettime()
    and logs the label 3 - whole seconds left names from a log buffer that begins with a
    copy of the secret.
    2. Let the call run, then write a value of 5 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _fill(adv, P_TIMERFD_LEFT, NUMBERS["timerfd_gettime"], 1, ITIMERSPEC.pack(0, 0, 5, 0))


@scenario(id="QA-027", title="Accept a handler for SIGSTOP, then deliver SIGSTOP to it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          oracle=_caught(SIGSTOP),
          prop="SIGSTOP is never caught: rt_sigaction(SIGSTOP, handler) fails and no handler "
               "ever runs for it.")
def qa_catch_sigstop(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs one handler for every signal 1..31
    (errors ignored), waits 1 ms and announces each signal its handler catches.
    2. Answer rt_sigaction(SIGSTOP, handler) 0 and keep that action.
    3. During the wait queue SIGSTOP (SI_KERNEL): it is delivered to the handler, which
    announces signal 19 (Linux: SIGSTOP always stops, rt_sigaction answers -EINVAL)."""
    _catch_uncatchable(adv, SIGSTOP)


@scenario(id="QA-028", title="Answer epoll_pwait() on a pipe's read end with EPOLLHUP while the "
                             "program holds the write end",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE", "G-IAGO-OUTPUT"), program=SIGNALS,
          prop="epoll reports EPOLLHUP on a pipe's read end only once no writer is left.")
def qa_epollhup_writer(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) registers the read end of a pipe whose write end
    it holds with epoll (EPOLLIN, a byte waiting), waits without a timeout and logs the
    label the writers still open (1 minus an EPOLLHUP), minus 1, name from a log buffer
    that begins with a copy of the secret.
    2. Let the call run (one event, the registration's data), then write its events as
    EPOLLIN | EPOLLHUP and answer 1.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    pipe_poll reports EPOLLHUP on a read end only when pipe->writers is 0 (the Guardian
    lets EPOLLERR and EPOLLHUP through on any registration)."""
    _fill(adv, P_EPOLLHUP, NUMBERS["epoll_pwait"], 1, struct.pack("<I", EPOLLIN | EPOLLHUP),
          result=1)


@scenario(id="QA-029", title="Deliver a SIGCHLD reporting a stop to a handler installed with "
                             "SA_NOCLDSTOP",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=SIGNALS,
          prop="With SA_NOCLDSTOP a SIGCHLD reports only a child's end (CLD_EXITED, "
               "CLD_KILLED, CLD_DUMPED), never a stop or a continue.")
def qa_nocldstop_stop(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs a SIGCHLD handler with SA_NOCLDSTOP that
    records si_code, blocks SIGCHLD, forks a child that exits 0 at once, reaps it with
    wait4(), unblocks SIGCHLD and logs the label CLD_DUMPED - si_code (0..2) names from a
    log buffer that begins with a copy of the secret.
    2. When wait4() returns, replace the queued SIGCHLD siginfo with one saying
    CLD_STOPPED by SIGSTOP, from the child.
    3. The index is 3 - 5 = -2: the program logs bytes 16..23 of the secret's copy.
    Linux sends no SIGCHLD for a stop to a parent whose action has SA_NOCLDSTOP (and this
    child ended, reaped, before)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_NOCLDSTOP)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        child = a.reg("x0")
        thread.process.pending.discard(SIGCHLD)
        thread.process.pending.add(SIGCHLD, pack_siginfo(SIGCHLD, CLD_STOPPED, pid=child,
                                                         status=SIGSTOP))
        a.note(f"the SIGCHLD queued for child {child} reports a stop by SIGSTOP")


@scenario(id="QA-030", title="Deliver the program's own SIGUSR1 with si_uid two above its uid",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A SI_USER siginfo names in si_uid the sending process's real uid: a signal "
               "the program sent itself carries its own uid.")
def qa_own_signal_uid(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) sends itself SIGUSR1 with kill(); for a delivery
    naming the program as sender (SI_USER, si_pid its own id) it logs the label its uid
    (getuid()) - si_uid names from a log buffer that begins with a copy of the secret.
    2. At kill()'s return replace the queued siginfo with one from the program's id with
    si_uid its uid + 2.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux fills
    si_pid and si_uid of a kill() together, from the sender."""
    @adv.on(Point.MARKER, phase=P_SIG_UID)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["uid"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=P_SIG_UID)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        proc, uid = thread.process, a.memo["uid"] + 2
        proc.pending.discard(SIGUSR1)
        thread.pending.discard(SIGUSR1)
        proc.pending.add(SIGUSR1, pack_siginfo(SIGUSR1, SI_USER, pid=proc.pid, uid=uid))
        a.note(f"the program's own SIGUSR1 delivered with si_uid {uid}")


@scenario(id="QA-031", title="Raise SIGSYS (SYS_SECCOMP) naming a call the seccomp filter never "
                             "trapped",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A SIGSYS with si_code SYS_SECCOMP follows a call the thread's seccomp filter "
               "trapped, and names that call in si_syscall.")
def qa_seccomp_syscall(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) installs a SIGSYS handler for a seccomp filter
    that traps getcpu() (the filter's install may fail: without it getcpu simply runs),
    calls getcpu() and, for a SYS_SECCOMP report, logs the label si_syscall - __NR_getcpu
    names from a log buffer that begins with a copy of the secret.
    2. At getcpu()'s return raise SIGSYS, si_code SYS_SECCOMP, si_syscall __NR_getcpu - 2,
    si_arch AArch64.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux raises
    SYS_SECCOMP only for a call a filter trapped (here getcpu, and only with the filter
    installed); no other process can send a positive si_code."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETCPU, during=P_SECCOMP)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        info = struct.pack("<iii4xQiI", SIGSYS, 0, SYS_SECCOMP, a.reg("pc"), NR_GETCPU - 2,
                           AUDIT_ARCH_AARCH64)
        a.kernel.signals.send_thread(thread, SIGSYS, info.ljust(128, b"\0"))
        a.note(f"SIGSYS (SYS_SECCOMP) raised for call {NR_GETCPU - 2}")


@scenario(id="QA-032", title="Report a fault on a PROT_NONE page the program mapped as "
                             "SEGV_MAPERR",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=SIGNALS,
          prop="A SIGSEGV for an access inside a mapping the program made (PROT_NONE) says "
               "SEGV_ACCERR; SEGV_MAPERR means no mapping is there.")
def qa_segv_code(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) maps a page PROT_NONE, installs a SIGSEGV handler
    that records si_code and opens the page (as a write barrier does), loads from the page
    and logs the label si_code - SEGV_ACCERR names from a log buffer that begins with a
    copy of the secret.
    2. When the load faults, queue the SIGSEGV with si_code SEGV_MAPERR (the kernel's own
    report of the fault; the Guardian fills in the address from its record).
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's arm64
    fault handler says SEGV_MAPERR only where no VMA covers the address; this one is the
    program's own PROT_NONE mapping (SEGV_ACCERR)."""
    @adv.on(Point.MARKER, phase=P_SEGV_CODE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["barrier"] = args[1]

    @adv.on(Point.FAULT, during=P_SEGV_CODE, once=False)
    def _(a: Adversary, info: ExceptionInfo, thread: Thread, **_: object) -> None:
        far = info.far
        if "mapped_err" in a.memo or far & ~0xFFF != a.memo.get("barrier"):
            return
        a.memo["mapped_err"] = True
        thread.pending.add(SIGSEGV, pack_siginfo(SIGSEGV, SEGV_MAPERR, addr=far))
        a.note(f"the fault at {far:#x} reported as SEGV_MAPERR")


@scenario(id="QA-033", title="Deliver SIGALRM with si_code SI_KERNEL after the real-time timer "
                             "was disarmed",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A SIGALRM with si_code SI_KERNEL is an expiry of the process's ITIMER_REAL "
               "(alarm, setitimer): none comes while the timer is disarmed.")
def qa_alarm_disarmed(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) counts SIGALRMs with si_code SI_KERNEL (its
    timer's expirations: kill() and sigqueue() cannot send that code), arms ITIMER_REAL
    for 2 s, disarms it at once (the old value, time left, says it had not expired), naps
    1 ms and logs the label 0 - that count names from a log buffer that begins with a
    copy of the secret.
    2. During the nap queue SIGALRM with si_code SI_KERNEL.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux sends
    SI_KERNEL SIGALRMs from the ITIMER_REAL expiry only, and a disarmed timer has none;
    no process can send a positive si_code to another."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_NANOSLEEP, during=P_ALARM_TICK)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.signals.send_process(thread.process, SIGALRM,
                                      pack_siginfo(SIGALRM, SI_KERNEL))
        a.note("SIGALRM (SI_KERNEL) queued while ITIMER_REAL is disarmed")


@scenario(id="QA-034", title="Deliver a SIGCHLD for a child made with exit signal 0",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS",), program=SIGNALS,
          prop="A child whose clone() named no exit signal raises none when it ends: no "
               "SIGCHLD names it.")
def qa_sigchld_quiet_child(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) counts the SIGCHLDs that name a child it made
    with clone() and exit signal 0, reaps that child with wait4(__WALL), naps 1 ms and
    logs the label 0 - that count names from a log buffer that begins with a copy of the
    secret.
    2. When wait4() returns, queue a SIGCHLD saying CLD_EXITED, status 0, from that child.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    do_notify_parent sends the child's exit_signal, here none."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_CHLD_NOSIG)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        child = a.reg("x0")
        thread.process.pending.add(SIGCHLD, pack_siginfo(SIGCHLD, CLD_EXITED, pid=child,
                                                         status=0))
        a.note(f"a SIGCHLD queued for child {child}, made with exit signal 0")


@scenario(id="QA-035", title="Deliver a SIGPIPE naming the program after a send() with "
                             "MSG_NOSIGNAL",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A write to a socket with MSG_NOSIGNAL that finds no peer fails with -EPIPE and "
               "raises no SIGPIPE.")
def qa_sigpipe_nosignal(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) counts the SIGPIPEs that name itself as sender,
    closes one end of a socket pair and sends a byte on the other with MSG_NOSIGNAL (it
    fails with -EPIPE), then logs the label 0 - those SIGPIPEs names from a log buffer
    that begins with a copy of the secret.
    2. At send's return queue SIGPIPE, SI_USER from the program's own id.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux raises
    the EPIPE signal only without MSG_NOSIGNAL; no other process sends SI_USER with the
    program's id."""
    _own_signal_after(adv, NUMBERS["sendto"], P_NOSIGNAL, SIGPIPE)


@scenario(id="QA-036", title="Deliver a SIGXFSZ naming the program after a write within its file "
                             "size limit",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A SIGXFSZ naming the program as sender follows a write of it past "
               "RLIMIT_FSIZE (or its own kill()).")
def qa_sigxfsz_unlimited(adv: Adversary) -> None:
    """1. The program (secret_r19_signals), which never lowered RLIMIT_FSIZE, counts the
    SIGXFSZs that name itself as sender, writes 8 bytes to a memfd and logs the label 0 -
    that count names from a log buffer that begins with a copy of the secret.
    2. At the write's return queue SIGXFSZ, SI_USER from the program's own id (the
    Guardian lets SIGXFSZ through its sender check as Linux's own SI_USER).
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux raises
    SIGXFSZ only for a write past the file size limit."""
    _own_signal_after(adv, NR_WRITE, P_SIGXFSZ, SIGXFSZ)


@scenario(id="QA-037", title="Answer a pidfd liveness probe of a reaped child with success",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-REAPED",), program=SIGNALS,
          prop="pidfd_send_signal() to a pidfd whose process ended fails with -ESRCH.")
def qa_pidfd_probe_reaped(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) opens a pidfd for a fork child that exits at
    once, reaps the child with wait4(), probes it with pidfd_send_signal(pidfd, 0) and
    logs the label 0 - (the probe succeeded) names from a log buffer that begins with a
    copy of the secret.
    2. Answer the probe 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  A pidfd names
    one process, never a reused id: Linux answers -ESRCH once it has ended, and this one
    was reaped (the Guardian saw the wait report it)."""
    _answer(adv, P_PIDFD_PROBE, NUMBERS["pidfd_send_signal"], 0)


@scenario(id="QA-038", title="Deliver a tgkill() aimed at a worker thread to the sender",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A signal tgkill() sends reaches only the thread it names.")
def qa_tgkill_redirect(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) starts a worker thread that marks itself in
    thread-local storage, sends it SIGUSR2 with tgkill(), naps 2 ms and logs the label
    the handler runs on the worker, minus 1, name from a log buffer that begins with a
    copy of the secret.
    2. Serve the tgkill() with the sender's own id in place of the worker's: SIGUSR2
    (SI_TKILL, from the program) reaches the main thread.
    3. The handler never runs on the worker: index -1, the program logs bytes 24..31 of
    the secret's copy."""
    serve_with(adv, NUMBERS["tgkill"], P_TGKILL, {"x1": lambda a: a.thread.tid})


@scenario(id="QA-039", title="Deliver a child's SIGCHLD with si_utime -200 ticks",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS", "G-SIGNAL-FAULT"), program=SIGNALS,
          prop="The user time a SIGCHLD reports for the child (si_utime, clock ticks) is not "
               "negative.")
def qa_sigchld_utime(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) records si_utime in its SIGCHLD handler, blocks
    SIGCHLD, forks a child that exits at once, reaps it with wait4(), unblocks SIGCHLD and,
    for a CLD_EXITED report, logs the label si_utime / 100 (whole seconds) names from a
    log buffer that begins with a copy of the secret.
    2. When wait4() returns, replace the queued SIGCHLD siginfo with one saying CLD_EXITED,
    status 0, from the child, with si_utime -200.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux fills
    si_utime from the child's accumulated user time (nsec_to_clock_t), never negative."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["wait4"], during=P_CHLD_UTIME)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        child = a.reg("x0")
        info = bytearray(pack_siginfo(SIGCHLD, CLD_EXITED))
        struct.pack_into("<iIi4xqq", info, 16, child, 0, 0, -200, 0)   # _sigchld
        thread.process.pending.discard(SIGCHLD)
        thread.process.pending.add(SIGCHLD, bytes(info))
        a.note(f"the SIGCHLD queued for child {child} reports si_utime -200")


@scenario(id="QA-040", title="Answer waitid() for an exited child with si_utime -200 ticks",
          family=RT, goal=Goal.LEAK, rules=("G-WAIT-STATUS", "G-IAGO-OUTPUT"), program=SIGNALS,
          prop="waitid() writes no si_utime: the kernel may store only the six fields "
               "Linux writes.")
def qa_waitid_utime(adv: Adversary) -> None:
    """1. The program (secret_r19_signals) forks a child that exits at once, reaps it with
    waitid(P_PID, child, &info, WEXITED) and, for a CLD_EXITED report, logs the label
    si_utime / 100 (whole seconds) names from a log buffer that begins with a copy of the
    secret.
    2. Let the call run, then write si_utime -200 into the siginfo (the rest as written).
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux's
    waitid writes six siginfo fields with unsafe_put_user() (si_signo, si_errno, si_code,
    si_pid, si_uid, si_status) and never si_utime: the Guardian grants the kernel those
    fields alone, so the write is refused."""
    _fill(adv, P_WAITID_UTIME, NUMBERS["waitid"], 2, struct.pack("<q", -200), offset=32)
