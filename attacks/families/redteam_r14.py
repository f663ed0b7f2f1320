"""Red-team round fourteen: records whose lifetime the kernel's own answers decide.

The Guardian retires an epoll registration when the file it watches is released (its last
descriptor closed, in the program or in a reaped fork child).  Linux's close() always
releases the descriptor, whatever it answers (-EINTR and -EIO included: the descriptor is
gone before the flush that failed), so a program never retries it and reuses what the
registration pointed at; nor does a fork child hold a descriptor once wait4() reported it
reaped.  These scenarios answer the program's close() with an error, or report a fork
child reaped that still lives (never run, or parked inside its exit_group()), then report
the retired registration's data.  The victim is `secret_records` (its step 22,
workloads/src/secret_records.c), which logs the record an epoll event names.  Each holds
only the kernel's powers (its dispatch and scheduler, the result it returns, the user
access the call being served grants).  Where an attack still gets through with the
Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

RT = "rt14"
RECORDS = "secret_records"
NR_GETPID = NUMBERS["getpid"]
P_RSEQ_DONE, P_EPOLL_FORKED = 643, 644   # secret_records: step 21's end, step 22's wait
EPOLL_EVENT = struct.Struct("<IIQ")      # struct epoll_event on arm64: 16 bytes
EPOLLOUT, EINTR, EIO, EBADF = 0x004, 4, 5, 9


def _report_retired(adv: Adversary) -> None:
    """Answer step 22's epoll_pwait2() with one EPOLLOUT event carrying the retired
    record's pointer (the data the program registered for the closed eventfd)."""
    @adv.on(Point.MARKER, phase=P_EPOLL_FORKED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["events"], a.memo["retired"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["epoll_pwait2"], during=P_EPOLL_FORKED)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["events"],
                               EPOLL_EVENT.pack(EPOLLOUT, 0, a.memo["retired"]))
        a.set_reg("x0", 1)
        a.note(f"the record {a.memo['retired']:#x} of the closed eventfd reported")


def _close_answered(adv: Adversary, errno: int, *, really: bool) -> None:
    """Answer step 22's close(efd) with -errno; `really`: the kernel closes the
    descriptor (as Linux does whatever close() answers), else it serves the call as
    getpid() and keeps the file open in its own table."""
    nr = NUMBERS["close"]
    if not really:
        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_RSEQ_DONE)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RSEQ_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.set_reg("x0", -errno & (1 << 64) - 1)
        a.note(f"close() answered -{errno} ({'closed' if really else 'kept open'})")

    _report_retired(adv)


@scenario(id="RE-001", title="Close the eventfd, answer close() -EINTR, then report its "
                             "registration",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="close() releases the descriptor whatever it answers (Linux frees it before "
               "the flush that may fail): an epoll registration whose file's last "
               "descriptor was closed with an error answer is never reported again.")
def re_close_eintr(adv: Adversary) -> None:
    """1. The program (secret_records, step 22) registers an eventfd with epoll (its data
    a pointer to a connection record), forks a child that exits at once, closes its
    eventfd and reaps the child, then reuses the record's memory for a copy of the secret
    and registers a second record.
    2. Close the eventfd for real but answer close() -EINTR (the program, as Linux
    programs must, does not retry it).
    3. Answer epoll_pwait2() with one EPOLLOUT event carrying the retired record's
    pointer: the program logs its 16 bytes, the secret."""
    _close_answered(adv, EINTR, really=True)


@scenario(id="RE-002", title="Keep the eventfd open, answer close() -EIO, then report its "
                             "registration",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="After close() of a descriptor, whatever its answer, the program holds no "
               "such descriptor: a registration whose file the program closed (and whose "
               "other holder, a fork child, is reaped) is never reported again.")
def re_close_eio_kept(adv: Adversary) -> None:
    """1. As RE-001: the program closes its registered eventfd after its fork child
    exited, then reuses the registered record's memory for a copy of the secret.
    2. Serve close() as getpid() (the kernel keeps the file open in its own table) and
    answer -EIO.
    3. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _close_answered(adv, EIO, really=False)


@scenario(id="RE-003", title="Keep the eventfd open, answer close() -EBADF, then report its "
                             "registration",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE",), program=RECORDS,
          prop="-EBADF from close() of a descriptor the program holds is outside Linux's "
               "contract; the program takes the descriptor as gone either way, so its "
               "registration is never reported again.")
def re_close_ebadf_kept(adv: Adversary) -> None:
    """1. As RE-001: the program closes its registered eventfd after its fork child
    exited, then reuses the registered record's memory for a copy of the secret.
    2. Serve close() as getpid() (the file stays open in the kernel's table) and answer
    -EBADF, as if the program had never held that descriptor.
    3. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _close_answered(adv, EBADF, really=False)


@scenario(id="RE-004", title="Hold the fork child back, report it reaped, then report the "
                             "registration it kept alive",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE", "G-WAIT-STATUS", "G-WAIT-REAPED"),
          program=RECORDS,
          prop="wait4() reports a child reaped only once it has exited: a registration whose "
               "file's other descriptor the child held is released by that report, never "
               "reported after it.")
def re_child_reaped_unexited(adv: Adversary) -> None:
    """1. As RE-001: the program registers an eventfd with epoll, forks a child (which would
    exit at once), closes its own eventfd and reaps the child with wait4(); it then
    reuses the registered record's memory for a copy of the secret.
    2. Take the child off the run queue at the fork (it never runs, so it never calls
    exit_group and still holds its copy of the eventfd), serve wait4() as getpid() and
    answer the child's pid with status 0 (exited, code 0) written.
    3. Answer epoll_pwait2() with the retired record's pointer (a registration that is
    live, as far as the child's descriptor goes): the program logs the secret."""
    _reap_held_child(adv, 0)


def _reap_held_child(adv: Adversary, status: int) -> None:
    """Take step 22's fork child off the run queue at the fork (it never runs: never
    calls exit_group, keeps its descriptors), answer the parent's wait4() with the
    child's pid and `status` written, and report the retired registration."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_RSEQ_DONE)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.threads[max(a.kernel.threads)]
        a.kernel.sched.remove(child)
        a.memo["child"] = a.reg("x0")
        a.note(f"fork child {a.memo['child']} taken off the run queue")

    nr = NUMBERS["wait4"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_RSEQ_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["status"] = a.reg("x1")
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RSEQ_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        if a.memo["status"]:
            a.kernel.uaccess.write_u32(a.memo["status"], status)
        a.set_reg("x0", a.memo["child"])
        a.note(f"wait4 answered child {a.memo['child']} reaped, status {status:#x}")

    _report_retired(adv)


@scenario(id="RE-005", title="Hold the fork child back, report it killed by SIGKILL, then "
                             "report the registration it kept alive",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE", "G-WAIT-STATUS", "G-WAIT-REAPED"),
          program=RECORDS,
          prop="A child wait4() reports reaped (killed, as the kernel may always kill) holds "
               "no descriptor after that report: a registration its descriptor kept alive "
               "is never reported again.")
def re_child_reaped_killed(adv: Adversary) -> None:
    """1. As RE-004: the program forks, closes its registered eventfd, reaps the child and
    reuses the registered record's memory for a copy of the secret.
    2. Take the child off the run queue at the fork, serve wait4() as getpid() and answer
    the child's pid with status 9 (killed by SIGKILL: the kernel's right to kill), while
    the child lives on in the kernel's tables, its eventfd open.
    3. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    _reap_held_child(adv, 9)


@scenario(id="RE-006", title="Park the fork child inside its exit_group(), report it reaped, "
                             "then report the registration it kept alive",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COOKIE", "G-WAIT-STATUS", "G-EXIT-GROUP",
                 "G-WAIT-REAPED"),
          program=RECORDS,
          prop="A child whose exit_group() the Guardian saw and whose reaping wait4() "
               "reported holds no descriptor: a registration its descriptor kept alive is "
               "never reported again, however long the kernel takes to tear it down.")
def re_child_parked_in_exit(adv: Adversary) -> None:
    """1. As RE-001: the program forks a child that calls exit_group(0) at once, closes
    its registered eventfd, reaps the child and reuses the record's memory for a copy of
    the secret.
    2. Serve the child's exit_group(0) as a ppoll() with no descriptors and no timeout:
    the child sleeps in the kernel forever (it never returns to user code) with its
    descriptors open.  Serve the parent's wait4() as getpid() and answer the child's pid
    with status 0 (exit code 0, the one the Guardian saw it ask for).
    3. Answer epoll_pwait2() with the retired record's pointer: the program logs the
    secret."""
    nr_exit, nr = NUMBERS["exit_group"], NUMBERS["wait4"]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_RSEQ_DONE)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.reg("x0"):
            a.memo["child"], a.memo["parent"] = a.reg("x0"), thread

    @adv.on(Point.SYSCALL_ENTRY, nr=nr_exit, during=P_RSEQ_DONE, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NUMBERS["ppoll"])
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.memo["parked"] = True
        a.kernel.wake(a.memo["parent"], None)       # its wait4() runs again
        a.note("the child's exit_group(0) served as an endless ppoll()")

    # Not once: the parent's wait4() blocks first (the child has not exited yet).
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_RSEQ_DONE, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("parked") and not a.memo.get("answered"):
            a.memo["status"] = a.reg("x1")
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_RSEQ_DONE, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("parked") or a.memo.get("answered"):
            return
        a.memo["answered"] = True
        a.set_reg("x8", nr)
        if a.memo["status"]:
            a.kernel.uaccess.write_u32(a.memo["status"], 0)
        a.set_reg("x0", a.memo["child"])
        a.note(f"wait4 answered child {a.memo['child']} reaped, status 0")

    _report_retired(adv)
