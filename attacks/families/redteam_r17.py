"""Red-team round seventeen: values a program trusts to stay in range, identities after fork,
signals only the program itself can send, exec, and areas that change only where asked.

Linux keeps some answers inside a range no caller has to check: CLOCK_MONOTONIC never goes
back, CLOCK_BOOTTIME is never behind it, process and thread ids are positive, getpriority()
returns 20 - nice in 1..40, sysinfo() counts the caller among the processes, a timerfd or
eventfd read returns at least 1, nanosleep() never leaves more time than it was asked for,
an absolute sleep that returned 0 has reached its deadline, and a fork child reads the same
clock as its parent.  A program may use such a value as an index straight away
(RB-001..RB-005, RB-007, RB-008, RB-012..RB-014, RB-017).

A fork child's getpid() is its own id, never its parent's: fork-safe random generators
reseed on that difference (RB-006).  A siginfo saying SI_TKILL from the program's own id
comes only from the program's own tgkill(), one saying SI_USER from its own id only from its
own kill() (RB-009, RB-024).  Across exec a sealed page of the old
image never comes back and the blocked mask stays (RB-010, RB-015); execve() returns only
when it failed (RB-019).  A held vfork parent runs no handler (RB-011, on the
`secret_variants -v` build).

An mremap() without MREMAP_MAYMOVE grows or shrinks in place, or fails (RB-016, RB-020),
and moves only the area the program named (RB-023); MADV_DONTNEED on a shared mapping
drops the mapping, never the memfd's page (RB-018); mmap(MAP_FIXED) of new anonymous
memory over a page replaces it with zeros, there and nowhere else (RB-021, RB-022).

The victim is `secret_r17_ids` (workloads/src/secret_r17_ids.c), whose steps each announce
themselves with a marker; most turn one value into the index of a public label in a log
buffer that begins with a copy of the secret, and write that label to /dev/null.  Each
scenario holds only the kernel's powers (the result it returns, the user access of the call
being served, its signal queue, its own areas and page tables through the Guardian's
calls).  Where an attack still gets through with the Guardian on, it names the property it
breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.moves import program_markers, serve_as_getpid, write_back
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import USE_VFORK, VARIANTS_PROGRAM, Phase
from kernel_model import signals as sig
from kernel_model.vma import Vma

RT = "rt17"
IDS = "secret_r17_ids"
# secret_r17_ids: the marker before each step; the marker after its write is + 1.
P_MONO, P_PID, P_TID, P_PRIO, P_BOOT, P_FORK_STREAM = 800, 802, 804, 806, 808, 810
P_SLEEP, P_FORK_CLOCK, P_SELF_SIGNAL, P_EXEC_AREA, P_X_AREA = 812, 814, 816, 818, 819
SIGUSR1, SIGUSR2 = 10, 12
P_TIMERFD, P_EVENTFD, P_NAP, P_X_MASK, P_GROW = 820, 822, 824, 826, 828
PAGE = 4096
P_SYSINFO, P_SHARED_DONTNEED, P_EXEC_RET = 830, 832, 834
SYSINFO_PROCS = 80                        # struct sysinfo's procs (a u16) at byte 80
PROT_RW, MREMAP_MAYMOVE, MREMAP_FIXED = 0x3, 0x1, 0x2
P_SHRINK, P_OVERLAY = 836, 838
EINTR = 4
OTHER_PID = 999                           # a sender outside the program
NR_CLONE, NR_SCHED_YIELD = NUMBERS["clone"], NUMBERS["sched_yield"]
NR_CLOCK_GETTIME = NUMBERS["clock_gettime"]
CLOCK_MONOTONIC, CLOCK_BOOTTIME = 1, 7
TIMESPEC = struct.Struct("<qq")
MASK64 = (1 << 64) - 1
SEALED = 32                                # the victim's encrypted records
PUBLIC_REC = b"public record, nothing secret..\0"


def _serve_clock(adv: Adversary, during: int, clock: int, *seconds: int,
                 child: bool = False) -> None:
    """Answer the next clock_gettime(`clock`) calls after marker `during` (or, `child`, of
    any process but the first, whatever the marker) with `seconds`, one value each."""
    left = list(seconds)

    def wanted(a: Adversary, thread: object) -> bool:
        if child:
            return thread.process is not a.init  # type: ignore[attr-defined]
        return thread.process is a.init and a.phase == during  # type: ignore[attr-defined]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLOCK_GETTIME, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        args = a.el1.syscall_args()
        if left and wanted(a, thread) and int(args[0]) == clock:
            a.memo["serve"] = (int(args[1]), left.pop(0))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLOCK_GETTIME, once=False, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        serve = a.memo.pop("serve", None)
        if serve is None:
            return
        ts, secs = serve
        a.kernel.uaccess.write(ts, TIMESPEC.pack(secs, 0))
        a.set_reg("x0", 0)
        a.note(f"clock {clock} answered {secs} s")


def _answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value & MASK64)
        a.note(f"system call {nr} answered {value:#x}")


@scenario(id="RB-001", title="Let CLOCK_MONOTONIC go back one second between two readings",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="CLOCK_MONOTONIC never goes back: a reading is never earlier than one the "
               "program took before it.")
def rb_monotonic_back(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) reads CLOCK_MONOTONIC, announces the step, reads it
    again and logs the label its elapsed whole seconds name (when under 4) from a log
    buffer that begins with a copy of the secret.
    2. Answer the first reading 10 s and the second 9 s.
    3. The elapsed time is -1: the program logs the 8 bytes before label 0, the end of
    the secret's copy."""
    _serve_clock(adv, Phase.PLACED, CLOCK_MONOTONIC, 10)
    _serve_clock(adv, P_MONO, CLOCK_MONOTONIC, 9)


@scenario(id="RB-002", title="Answer getpid() with a negative process id (0xffffffff)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="getpid() returns a positive process id.")
def rb_pid_negative(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) calls getpid() and logs the label pid % 4 names from
    a log buffer that begins with a copy of the secret.
    2. Answer 0xffffffff: as pid_t, -1.
    3. pid % 4 is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    _answer(adv, P_PID, NUMBERS["getpid"], 0xFFFF_FFFF)


@scenario(id="RB-003", title="Answer gettid() with a negative thread id (0xfffffffd)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="gettid() returns a positive thread id.")
def rb_tid_negative(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) calls gettid() and logs the label tid % 4 names from
    a log buffer that begins with a copy of the secret.
    2. Answer 0xfffffffd: as pid_t, -3.
    3. tid % 4 is -3: the program logs bytes 8..15 of the secret's copy."""
    _answer(adv, P_TID, NUMBERS["gettid"], 0xFFFF_FFFD)


@scenario(id="RB-004", title="Answer getpriority() with 60, outside Linux's 1..40",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="getpriority() returns 20 - nice, a value in 1..40.")
def rb_priority_range(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) calls getpriority(PRIO_PROCESS, 0), takes nice as
    20 - result and logs the label (nice + 20) / 10 names from a log buffer that begins
    with a copy of the secret.
    2. Answer 60 (a nice of -40).
    3. The index is -2: the program logs bytes 16..23 of the secret's copy."""
    _answer(adv, P_PRIO, NUMBERS["getpriority"], 60)


@scenario(id="RB-005", title="Put CLOCK_BOOTTIME two seconds behind CLOCK_MONOTONIC",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="CLOCK_BOOTTIME is CLOCK_MONOTONIC plus the time suspended: never behind it.")
def rb_boottime_behind(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) reads CLOCK_MONOTONIC, then CLOCK_BOOTTIME, and logs
    the label their difference in whole seconds names (when under 4) from a log buffer
    that begins with a copy of the secret.
    2. Answer CLOCK_MONOTONIC 10 s and CLOCK_BOOTTIME 8 s.
    3. The difference is -2: the program logs bytes 16..23 of the secret's copy."""
    _serve_clock(adv, P_BOOT, CLOCK_MONOTONIC, 10)
    _serve_clock(adv, P_BOOT, CLOCK_BOOTTIME, 8)


@scenario(id="RB-006", title="Answer a fork child's getpid() with its parent's id, so that its "
                             "fork-safe keystream never reseeds",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=IDS,
          prop="In a fork child getpid() returns the child's own id (the one fork() "
               "returned to the parent), never the parent's.")
def rb_child_pid_parent(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a keystream that reseeds from getrandom()
    whenever getpid() differs from the pid that drew its pool (as fork-safe generators
    do); it draws a block, forks, and the parent sends a public record, the child the
    secret, each encrypted with its next block, to /dev/null.
    2. Answer every getpid() of the child with the parent's id: the child never reseeds
    and its next block is the parent's.
    3. XOR the two records the kernel was handed with the public record: the secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getpid"], once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process is not a.init:  # type: ignore[attr-defined]
            a.set_reg("x0", a.init.pid)
            a.note(f"the child's getpid() answered {a.init.pid}, the parent's id")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["write"], once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[2]) != SEALED:
            return
        who = "parent" if thread.process is a.init else "child"  # type: ignore[attr-defined]
        if who == "parent" and a.phase != P_FORK_STREAM:
            return
        a.memo[who] = a.kernel.uaccess.read(int(args[1]), SEALED)
        if "parent" in a.memo and "child" in a.memo:
            plain = bytes(p ^ c ^ k for p, c, k in
                          zip(a.memo["parent"], a.memo["child"], PUBLIC_REC, strict=True))
            a.observe(plain, "the child's record XOR the parent's and the public record")


@scenario(id="RB-007", title="Return clock_nanosleep(TIMER_ABSTIME) 0, then read the clock "
                             "before the deadline",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="Once clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) returned 0, the clock "
               "reads at least the deadline it slept until.")
def rb_sleep_deadline(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) reads CLOCK_MONOTONIC, sleeps with
    clock_nanosleep(TIMER_ABSTIME) until one second later, reads the clock again and logs
    the label the whole seconds past the deadline name (when under 4) from a log buffer
    that begins with a copy of the secret.
    2. Answer the first reading 10 s, the sleep 0 at once, the second reading 10 s
    (the clock never went back; it only stands one second short of the deadline).
    3. The index is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    _serve_clock(adv, P_SLEEP, CLOCK_MONOTONIC, 10, 10)
    nr = NUMBERS["clock_nanosleep"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_SLEEP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NUMBERS["getpid"])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_SLEEP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.set_reg("x0", 0)
        a.note("clock_nanosleep answered 0 at once")


@scenario(id="RB-008", title="Put a fork child's CLOCK_MONOTONIC one second behind its "
                             "parent's reading before the fork",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="CLOCK_MONOTONIC is one clock for the whole system: a fork child never reads "
               "it earlier than its parent did before the fork.")
def rb_fork_clock_back(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) reads CLOCK_MONOTONIC and forks; the child reads it
    again and logs the label the elapsed whole seconds name (when under 4) from its copy
    of a log buffer that begins with a copy of the secret.
    2. Answer the parent's reading 10 s and the child's 9 s.
    3. The index is -1: the child logs the 8 bytes before label 0, the end of the
    secret's copy."""
    _serve_clock(adv, P_SLEEP + 1, CLOCK_MONOTONIC, 10)
    _serve_clock(adv, P_FORK_CLOCK, CLOCK_MONOTONIC, 9, child=True)


def _forged_self_signal(adv: Adversary, code: int) -> None:
    """At the return of the marker inside the program's critical moment, queue SIGUSR2 for
    the thread with a siginfo saying `code` from the program's own id."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getppid"], during=P_SELF_SIGNAL + 1)
    def _(a: Adversary, thread: object, **_: object) -> None:
        info = sig.pack_siginfo(SIGUSR2, code, pid=a.init.pid, uid=0)
        a.kernel.signals.send_thread(thread, SIGUSR2, info)
        a.note(f"SIGUSR2 queued with si_code {code} from pid {a.init.pid} (the program's own)")

    @adv.on(Point.MARKER, phase=P_SELF_SIGNAL + 1)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.note(f"the program's own signal was flushed {args[0]} time(s)")


@scenario(id="RB-009", title="Deliver a SIGUSR2 the program never sent, its siginfo saying the "
                             "program sent it itself with tgkill()",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IDS,
          prop="A siginfo with si_code SI_TKILL and si_pid the program's own id reaches its "
               "handler only for a tgkill()/tkill() the program made (Linux refuses "
               "SI_TKILL from any other sender).")
def rb_forged_self_signal(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) flushes its command buffer to /dev/null from a
    SIGUSR2 handler (SA_SIGINFO), only for a signal it sent itself (SI_TKILL or SI_USER
    from its own id); it sends one with a public command in the buffer, then puts a copy of the secret
    there for a moment.
    2. At the return of the marker inside that moment, queue SIGUSR2 for the thread with
    a siginfo saying SI_TKILL from the program's own id.
    3. The handler trusts it and flushes the buffer: the secret's copy."""
    _forged_self_signal(adv, sig.SI_TKILL)


@scenario(id="RB-010", title="Swap a page of the image before exec out, then swap it into the "
                             "exec'd image at the same address",
          family=RT, goal=Goal.LEAK, rules=("G-SWAP-SEAL",), program=IDS,
          prop="A page sealed for swap belongs to the address space it left: once exec "
               "replaced that image, it never comes back, in the new image or any other.")
def rb_swap_across_exec(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a copy of the secret in a static page-aligned
    area and execs itself; the new image fills the same area (its own fresh page) with a
    public key and sends the area's first 128 bytes to /dev/null.
    2. Before the exec, swap the area's page out and keep what the kernel stores.
    3. In the new image, once it filled the area, swap its page out and swap the old
    image's sealed page in in its place: the new image sends the old secret's copy."""
    @adv.on(Point.MARKER, phase=P_EXEC_AREA)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["area"] = args[0]
        a.memo["old"] = swap_out(a, args[0])
        a.note("the old image's area swapped out" if a.memo["old"] is not None
               else "the old image's area stayed in")

    @adv.on(Point.MARKER, phase=P_X_AREA)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        old, va = a.memo.get("old"), args[0]
        if old is None or swap_out(a, va) is None:
            return
        a.note("the old image's sealed page swapped into the new image: "
               + ("accepted" if swap_in(a, va, old) else "refused"))


def _interleaved(out: Outcome) -> list[str]:
    return ["the vfork child ran again on the borrowed stack after its parent had run its "
            "signal handler and resumed: parent and child ran interleaved"] \
        if out.hits.get("interleaved") else []


@scenario(id="RB-011", title="Let a held vfork parent out through a SIGUSR1 handler while its "
                             "child runs on the shared stack",
          family=RT, goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-CLONE-ONCE"),
          oracle=_interleaved, program=VARIANTS_PROGRAM, args=(USE_VFORK,),
          prop="A vfork parent runs no user code, not even a signal handler, until its child "
               "has execed or exited.")
def rb_vfork_parent_signal(adv: Adversary) -> None:
    """1. The program (secret_variants -v) registered a SIGUSR1 handler, then makes its
    child with vfork(): the kernel holds the parent.
    2. At the child's first system call, queue SIGUSR1 for the parent and wake it with
    vfork()'s result (as a signal interrupting the wait would); serve the child's call as
    sched_yield.
    3. The parent runs its handler and returns from vfork() on the stack the child is
    using; then the kernel runs the child again: both write one stack."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["parent"] = thread

    @adv.on(Point.SYSCALL_ENTRY, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        parent = a.memo.get("parent")
        if parent is None or thread is parent or "child" in a.memo:
            return
        a.memo["child"] = thread
        if thread.vfork_parent is not parent:  # type: ignore[attr-defined]
            a.note("the child is not a vfork child: nothing to show")
            return
        thread.vfork_parent = None  # type: ignore[attr-defined]
        a.kernel.signals.send_thread(parent, SIGUSR1, sig.pack_siginfo(SIGUSR1, sig.SI_USER))
        a.kernel.wake(parent, thread.tid)  # type: ignore[attr-defined]
        a.set_reg("x8", NR_SCHED_YIELD)
        a.note(f"SIGUSR1 queued for the held parent while child {thread.tid} is in the "  # type: ignore[attr-defined]
               "kernel, and the parent woken")

    @adv.on(Point.SIGNAL_DELIVERED, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is a.memo.get("parent") and "child" in a.memo:
            a.memo["parent-ran"] = True
            a.note("the held parent's SIGUSR1 was delivered")

    @adv.on(Point.AFTER_RESUME, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is a.memo.get("parent") and "child" in a.memo:
            a.memo["parent-ran"] = True
        elif thread is a.memo.get("child") and a.memo.get("parent-ran"):
            a.hit("interleaved", 1)


@scenario(id="RB-012", title="Answer a timerfd read with 0 expirations",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="A successful read of a timerfd returns the number of expirations since the "
               "last read: at least 1.")
def rb_timerfd_zero(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) arms a timerfd for 1 ms, reads its expiration count
    and logs the label count - 1 (the expirations missed) names from a log buffer that
    begins with a copy of the secret.
    2. Let the read run (it blocks until the timer expires), then, once it returns 8,
    write a count of 0 over what it read.
    3. The index is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["read"], during=P_TIMERFD, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") != 8 or a.memo.get("zeroed"):
            return
        a.memo["zeroed"] = True
        a.kernel.uaccess.write_u64(int(a.el1.syscall_args()[1]), 0)
        a.note("the timerfd read answered with a count of 0")


@scenario(id="RB-013", title="Answer an eventfd read with a counter of 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="A successful read of an eventfd (not a semaphore) returns its counter, which "
               "is never 0 (a zero counter blocks or fails the read).")
def rb_eventfd_zero(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) writes 1 to an eventfd only it holds, reads the
    counter and logs the label value - 1 names from a log buffer that begins with a copy
    of the secret.
    2. Let the read run, then write a counter of 0 and answer 8.
    3. The index is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    write_back(adv, NUMBERS["read"], P_EVENTFD, 1, 0, 8, size=8)


@scenario(id="RB-014", title="Interrupt nanosleep() of one second and write back two seconds "
                             "left",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="The time left nanosleep() writes back when a signal interrupts it is never "
               "more than the time asked for.")
def rb_nanosleep_left(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) sleeps one second with nanosleep(); when a signal
    interrupts it (-EINTR) it logs the label the whole seconds slept (asked - left) name
    from a log buffer that begins with a copy of the secret.
    2. Serve the sleep as getpid(); at its return queue SIGUSR2 from another process (the
    program's handler ignores it), write back 2 s left and answer -EINTR.
    3. The index is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    nr = NUMBERS["nanosleep"]

    @adv.on(Point.MARKER, phase=P_NAP)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["left"] = args[1]

    serve_as_getpid(adv, nr, P_NAP, -EINTR & MASK64)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_NAP)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["left"], TIMESPEC.pack(2, 0))
        info = sig.pack_siginfo(SIGUSR2, sig.SI_USER, pid=OTHER_PID)
        a.kernel.signals.send_thread(thread, SIGUSR2, info)
        a.note("nanosleep() answered -EINTR with 2 s left, SIGUSR2 queued")


def _exec_handler_ran(out: Outcome) -> list[str]:
    runs = [m.args[0] for m in program_markers(out, P_X_MASK + 1)]
    return [f"the exec'd image's SIGUSR2 handler ran {runs[0]} time(s) while the mask it "
            "inherited across exec blocked SIGUSR2"] if runs and runs[0] else []


@scenario(id="RB-015", title="Deliver SIGUSR2 to an exec'd image whose inherited mask blocks "
                             "it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=IDS,
          oracle=_exec_handler_ran,
          silent="under the predecessor design (mprotect) the confidential program's exec "
                 "brings up no new image, so there is none to signal",
          prop="exec keeps the thread's blocked mask: the new image never takes a signal "
               "the mask it inherited blocks, until it unblocks it.")
def rb_exec_mask(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) blocks SIGUSR2 and execs itself; the new image
    installs a SIGUSR2 handler, never unblocks the signal, and reports the handler's runs.
    2. At the return of the marker after the handler's installation, queue SIGUSR2 from
    another process and clear it from the kernel's copy of the thread's mask.
    3. The handler runs, though the image's mask blocks SIGUSR2."""
    @adv.at(P_EXEC_AREA)
    def _(a: Adversary) -> None:
        a.note("the program execs itself with SIGUSR2 about to be blocked")

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getppid"], during=P_X_MASK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        t.sigmask &= ~(1 << (SIGUSR2 - 1))  # type: ignore[attr-defined]
        info = sig.pack_siginfo(SIGUSR2, sig.SI_USER, pid=OTHER_PID)
        a.kernel.signals.send_thread(t, SIGUSR2, info)
        a.note("SIGUSR2 queued for the exec'd image with its inherited block cleared")


def _grown_copy_changed(out: Outcome) -> list[str]:
    seen = program_markers(out, P_GROW + 1)
    return [f"the page mremap() grew 'in place' no longer held the program's copy (mremap "
            f"answered {seen[0].args[1]:#x})"] if seen and seen[0].args[0] else []


@scenario(id="RB-016", title="Move a page mremap() was asked to grow in place, and leave a "
                             "fresh page at its old address",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-MREMAP",), program=IDS,
          oracle=_grown_copy_changed,
          prop="mremap() without MREMAP_MAYMOVE grows or shrinks the area where it is, or "
               "fails: it never moves it.")
def rb_mremap_moved_in_place(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a copy of the secret in an anonymous page and
    grows it to two pages with mremap() without MREMAP_MAYMOVE; on success it keeps
    using its pointer and checks the copy.
    2. Unless an area lies right behind the page already, put one of the kernel's own
    there (growing in place is then impossible), and serve the call with
    MREMAP_MAYMOVE added: the page moves.
    3. Answer the new address, and map a fresh anonymous area at the old one: the
    program's pointer now reads zeros."""
    nr = NUMBERS["mremap"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_GROW)
    def _(a: Adversary, **_: object) -> None:
        old = a.reg("x0")
        a.memo["old"] = old
        if not any(v.contains(old + PAGE) for v in a.mm.vmas):
            a.mm.map_area(Vma(old + PAGE, old + 2 * PAGE, PROT_RW, name="[anon]"))
            a.memo["blocker"] = True
        a.memo["flags"] = a.reg("x3")
        a.set_reg("x3", a.reg("x3") | MREMAP_MAYMOVE)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_GROW)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x3", a.memo["flags"])
        new, old = a.reg("x0"), a.memo["old"]
        if new == old or new >= 1 << 48:
            a.note(f"mremap was not moved ({new:#x})")
            return
        if a.memo.get("blocker"):
            a.mm.unmap_range(old + PAGE, old + 2 * PAGE)
        a.mm.map_area(Vma(old, old + PAGE, PROT_RW, name="[anon]"))
        a.note(f"the page moved to {new:#x}; a fresh area left at {old:#x}")


@scenario(id="RB-017", title="Answer sysinfo() with a process count of 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IDS,
          prop="sysinfo()'s procs counts the processes, the caller among them: at least 1.")
def rb_sysinfo_procs(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) calls sysinfo() and logs the label procs - 1 (the
    other processes) names from a log buffer that begins with a copy of the secret.
    2. Let the call fill the struct, then write 0 over procs.
    3. The index is -1: the program logs the 8 bytes before label 0, the end of the
    secret's copy."""
    @adv.on(Point.MARKER, phase=P_SYSINFO)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["si"] = args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["sysinfo"], during=P_SYSINFO)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["si"] + SYSINFO_PROCS, bytes(2))
        a.note("sysinfo() answered with procs = 0")


def _memfd_page_lost(out: Outcome) -> list[str]:
    seen = program_markers(out, P_SHARED_DONTNEED + 1)
    return [f"the memfd's page read other than the program's pattern after MADV_DONTNEED of "
            f"its shared mapping at {seen[0].args[1]:#x}"] if seen and seen[0].args[0] else []


@scenario(id="RB-018", title="Take a memfd's page back after MADV_DONTNEED of its shared "
                             "mapping, then fault a fresh page in",
          family=RT, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=IDS,
          oracle=_memfd_page_lost,
          prop="MADV_DONTNEED on a MAP_SHARED mapping drops only the mapping: the memfd keeps "
               "its page, and the next access maps the bytes the program left there.")
def rb_shared_dontneed(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) maps a one-page memfd MAP_SHARED, fills it with a
    public pattern, calls madvise(MADV_DONTNEED) on the mapping and compares the page with
    the pattern.
    2. At the return of the madvise, drop the mapping's entry (what DONTNEED does), then
    take the memfd's page back: RECLAIM_PAGE of each frame the memfd holds, dropped from
    the kernel's record of its pages (without a Guardian: zero the file's page).
    3. The program's next access faults in a fresh zero page: the memfd lost its bytes."""
    @adv.on(Point.MARKER, phase=P_SHARED_DONTNEED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["fd"], a.memo["page"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["madvise"], during=P_SHARED_DONTNEED)
    def _(a: Adversary, **_: object) -> None:
        f = a.init.fds.get(a.memo["fd"])
        held = f.memfd_pages
        sp = held.pages if held is not None else None
        if a.pa_of(a.memo["page"]) is not None:
            a.mm.tables.set(a.memo["page"], 0)      # the entry DONTNEED drops
            a.el1.tlbi_all()
        if sp is None:
            # Without a Guardian the memfd's pages are the mapping's shared pages, and
            # its bytes are also in the file: drop the one and clear the other.
            area = next((v for v in a.mm.vmas if v.contains(a.memo["page"])), None)
            sp = area.shared_pages if area is not None else None
            f.pwrite(bytes(PAGE), 0)
            a.note("the memfd's page zeroed in the file")
        for idx, pa in sorted(sp.frames.items() if sp is not None else ()):
            status = a.hvc(Call.RECLAIM_PAGE, pa)[0] if a.guarded else 0
            a.note(f"the memfd's frame {pa:#x} taken back: status {status}")
            if status == 0:
                del sp.frames[idx]


def _exec_returned_success(out: Outcome) -> list[str]:
    seen = program_markers(out, P_EXEC_RET)
    value = seen[0].args[0] if seen else -1
    return [f"execve() returned {value} to the image it should have replaced: its code past "
            "the call (the failure path) ran"] if seen and value < 1 << 63 else []


@scenario(id="RB-019", title="Answer execve() with 0 and leave the old image running",
          family=RT, goal=Goal.TAMPER, rules=("G-RETURN-PATHS",), program=IDS,
          oracle=_exec_returned_success,
          prop="execve() never returns on success: the only result the image that made it "
               "sees is a negative errno.")
def rb_exec_returns_zero(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) execs itself; the code after the call runs only when
    it failed, and reports what it returned.
    2. Serve execve() as getpid() (nothing replaced) and answer 0, the success no exec
    ever returns.
    3. The program's failure path runs with a success result."""
    serve_as_getpid(adv, NUMBERS["execve"], P_EXEC_AREA, 0)


def _shrunk_copy_changed(out: Outcome) -> list[str]:
    seen = program_markers(out, P_SHRINK + 1)
    return [f"the area mremap() shrank 'in place' no longer held the program's copy (mremap "
            f"answered {seen[0].args[1]:#x})"] if seen and seen[0].args[0] else []


@scenario(id="RB-020", title="Move an area mremap() was asked to shrink in place, and leave a "
                             "fresh page at its old address",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-MREMAP",), program=IDS,
          oracle=_shrunk_copy_changed,
          prop="mremap() without MREMAP_MAYMOVE shrinks the area where it is: it never moves "
               "it.")
def rb_mremap_shrink_moved(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a copy of the secret in the first of two
    anonymous pages and shrinks them to one with mremap() without MREMAP_MAYMOVE; on
    success it keeps using its pointer and checks the copy.
    2. Serve the call with MREMAP_MAYMOVE | MREMAP_FIXED to a free address of the
    kernel's choosing: the page moves there.
    3. Answer the new address, and map a fresh anonymous area at the old one: the
    program's pointer now reads zeros."""
    nr = NUMBERS["mremap"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_SHRINK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["old"], a.memo["regs"] = a.reg("x0"), (a.reg("x3"), a.reg("x4"))
        a.set_reg("x3", a.reg("x3") | MREMAP_MAYMOVE | MREMAP_FIXED)
        a.set_reg("x4", a.mm.find_free(a.reg("x2")))

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_SHRINK)
    def _(a: Adversary, **_: object) -> None:
        x3, x4 = a.memo["regs"]
        a.set_reg("x3", x3)
        a.set_reg("x4", x4)
        new, old = a.reg("x0"), a.memo["old"]
        if new == old or new >= 1 << 48:
            a.note(f"mremap was not moved ({new:#x})")
            return
        a.mm.map_area(Vma(old, old + PAGE, PROT_RW, name="[anon]"))
        a.note(f"the area moved to {new:#x}; a fresh area left at {old:#x}")


@scenario(id="RB-021", title="Answer mmap(MAP_FIXED) of fresh memory over a page with its "
                             "address, and keep the old page",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-LEAVE-ON-REQUEST"),
          program=IDS,
          prop="After mmap(MAP_FIXED | MAP_ANONYMOUS) over a page succeeds, the range holds "
               "new memory (zeros): the page it replaced is gone.")
def rb_fixed_overlay_kept(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a copy of the secret in an anonymous page,
    then resets the page with mmap(page, MAP_FIXED | MAP_ANONYMOUS); it writes a public
    header in the first 32 bytes of the new page and sends its first 128 bytes.
    2. Serve the mmap as getpid() (nothing replaced) and answer the page's address.
    3. The 128 bytes the program sends still hold the secret's copy."""
    serve_as_getpid(adv, NUMBERS["mmap"], P_OVERLAY, lambda a: a.memo["page"])

    @adv.on(Point.MARKER, phase=P_OVERLAY)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[0]


@scenario(id="RB-022", title="Serve mmap(MAP_FIXED) of fresh memory at another free address "
                             "and answer that one, the old page left in place",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-LEAVE-ON-REQUEST"),
          program=IDS,
          prop="mmap(MAP_FIXED) maps at the address the program passed or fails: a program "
               "may keep using its own pointer.")
def rb_fixed_elsewhere(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps a copy of the secret in an anonymous page,
    then resets the page with mmap(page, MAP_FIXED | MAP_ANONYMOUS); when the call did
    not fail it keeps its pointer, writes a public header in the first 32 bytes and sends
    the first 128 bytes.
    2. Serve the call with another, free address in x0 (MAP_FIXED kept): fresh memory is
    mapped there, and that address is answered.
    3. The page the program keeps using was never replaced: the 128 bytes it sends still
    hold the secret's copy."""
    nr = NUMBERS["mmap"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_OVERLAY)
    def _(a: Adversary, **_: object) -> None:
        a.memo["x0"] = a.reg("x0")
        a.set_reg("x0", a.mm.find_free(PAGE))

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_OVERLAY)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"mmap(MAP_FIXED) of {a.memo['x0']:#x} served at {a.reg('x0'):#x}")


@scenario(id="RB-023", title="Serve the program's mremap() of one page as a move of its heap "
                             "page, and leave a fresh page on the heap",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-MREMAP", "G-LEAVE-ON-REQUEST"),
          program=IDS,
          prop="mremap() moves or resizes only the area whose address and size the program "
               "passed.")
def rb_mremap_other_area(adv: Adversary) -> None:
    """1. The program (secret_r17_ids) keeps copies of the secret on its heap page and in
    an anonymous page, and grows the anonymous page with mremap() without
    MREMAP_MAYMOVE.
    2. Serve the call as mremap(heap page, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
    a free address of the kernel's choosing): the heap page moves there.
    3. Map a fresh anonymous area where the heap page was and answer the program's own
    address (as a grow in place): its heap copy of the secret now reads zeros."""
    nr = NUMBERS["mremap"]
    regs = ("x0", "x1", "x2", "x3", "x4")

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_GROW)
    def _(a: Adversary, **_: object) -> None:
        a.memo["regs"] = [a.reg(r) for r in regs]
        heap = a.layout.heap
        for r, v in zip(regs, (heap, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                               a.mm.find_free(PAGE)), strict=True):
            a.set_reg(r, v)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_GROW)
    def _(a: Adversary, **_: object) -> None:
        moved = a.reg("x0")
        saved = a.memo["regs"]
        for r, v in zip(regs[1:], saved[1:], strict=True):
            a.set_reg(r, v)
        if moved >= 1 << 48:
            a.note(f"the heap page was not moved ({moved:#x})")
            a.set_reg("x0", saved[0])
            return
        a.mm.map_area(Vma(a.layout.heap, a.layout.heap + PAGE, PROT_RW, name="[heap]"))
        a.set_reg("x0", saved[0])
        a.note(f"the heap page moved to {moved:#x}; a fresh page left on the heap")


@scenario(id="RB-024", title="Deliver a SIGUSR2 the program never sent, its siginfo saying the "
                             "program sent it itself with kill()",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=IDS,
          prop="A siginfo with si_code SI_USER and si_pid the program's own id reaches its "
               "handler only for a kill() the program made (another sender's kill() names "
               "its own id, and rt_sigqueueinfo() refuses SI_USER).")
def rb_forged_self_kill(adv: Adversary) -> None:
    """1. As RB-009: the program (secret_r17_ids) flushes its command buffer from a SIGUSR2
    handler only for a signal it sent itself, and puts a copy of the secret there for a
    moment.
    2. At the return of the marker inside that moment, queue SIGUSR2 for the thread with
    a siginfo saying SI_USER from the program's own id.
    3. The handler trusts it and flushes the buffer: the secret's copy."""
    _forged_self_signal(adv, sig.SI_USER)
