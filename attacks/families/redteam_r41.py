"""Red-team round forty-one: a program's threads.

A thread is made by clone()/clone3() with the creator's registers, the TLS and stack the
call names and the creator's signal mask (copy_process, copy_thread); it keeps its own
TPIDR_EL0 across every interrupt (QY-001..QY-005).  Its end is what pthread_join() waits
for: Linux clears the CHILD_CLEARTID word, the last one set_tid_address() named, only in
mm_release() at exit, and walks only the robust list the thread registered (QY-006..
QY-008).  A signal every thread blocks waits; one tgkill() names waits for that thread
(QY-009..QY-011).  exit() never returns (QY-012), and FUTEX_WAIT never writes the word a
waiter sleeps on, so a woken waiter sees its waker's stores (QY-013).

The victim is `secret_r41_threads` (workloads/src/secret_r41_threads.c): each step
announces itself with a marker and turns one value into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.registers import RESTORED
from attacks.hooks import Point
from attacks.scenario import Expect, Goal, scenario
from emulator import sysregs as S

RT = "redteam_r41"
THREADS = "secret_r41_threads"
# secret_r41_threads: the marker before each step; the marker after its write is + 1, and
# a thread's own marker in a step is + T_OFF.
P_SETTLS, P_STACK, P_REGS, P_SPIN, P_EARLY, P_RETID = 4100, 4102, 4104, 4106, 4108, 4110
P_ROBUST, P_MASK, P_TGKILL, P_EXIT, P_FUTEX = 4112, 4114, 4116, 4118, 4120
T_OFF = 50
NR_CLONE, NR_CLONE3 = NUMBERS["clone"], NUMBERS["clone3"]
NR_EXIT, NR_KILL, NR_TGKILL = NUMBERS["exit"], NUMBERS["kill"], NUMBERS["tgkill"]
NR_FUTEX, NR_GETPID = NUMBERS["futex"], NUMBERS["getpid"]
# Where a saved user context keeps SP and TPIDR_EL0.
CTX_SP, CTX_TPIDR = 31, 34
TPIDR_EL0 = (13, 0, 3, 3, 2)
TLS_A, TLS_B, TLS_C, ARG0 = 0x7EAD1000, 0x7EAD2000, 0x7EAD3000, 0x4100
STACK_SIZE = 16384
SIGUSR1, SIGUSR2 = 10, 12
OWNER_DIED = 0x40000000
assert S  # (the module's system registers are spelled as tuples here, as in redteam_r29)


def _is_worker(a: Adversary, thread: object) -> bool:
    """Whether `thread` is one the program made (not its first thread)."""
    return thread is not None and thread.tid != a.init.pid  # type: ignore[attr-defined]


def _new_thread(a: Adversary):  # type: ignore[no-untyped-def]
    """At a clone's return in the creator: the thread it made (the kernel's own record)."""
    r = a.reg("x0")
    return a.kernel.threads.get(r) if 0 < r < 1 << 31 else None


def _at_clone(adv: Adversary, during: int, change, nr: int = NR_CLONE) -> None:  # type: ignore[no-untyped-def]
    """As the clone in step `during` returns: `change` the new thread's starting context."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        child = _new_thread(a)
        if child is None:
            a.note("no new thread at the clone's return")
            return
        change(a, child)
        a.note(f"thread {child.tid}'s starting context changed")


def _ctx_set(index: int, value: int):  # type: ignore[no-untyped-def]
    def change(a: Adversary, child) -> None:  # type: ignore[no-untyped-def]
        child.context.set(index, value)
    return change


# --- what a thread starts with ------------------------------------------------------------
@scenario(id="QY-001", title="Start a CLONE_SETTLS thread with another TPIDR_EL0", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-CONTEXT", "G-RESUME-CONTEXT"), program=THREADS,
          silent=RESTORED,
          prop="A thread made with CLONE_SETTLS starts with TPIDR_EL0 = the tls argument.")
def qy_settls(adv: Adversary) -> None:
    """1. The program makes a thread with CLONE_SETTLS, tls = 0x7ead1000.
    2. As clone returns, the kernel sets the new thread's saved TPIDR_EL0 to tls - 4.
    3. The thread reads TPIDR_EL0 4 below tls: index -4, the program logs secret bytes 0..7.
    Linux's copy_thread() sets the child's tp_value to exactly clone's tls (arm64
    process.c); nothing runs in the child before its first instruction."""
    _at_clone(adv, P_SETTLS, _ctx_set(CTX_TPIDR, TLS_A - 4))


@scenario(id="QY-002", title="Start a clone3() thread below the stack it named", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-CONTEXT", "G-RESUME-CONTEXT"), program=THREADS,
          silent=RESTORED,
          prop="A thread clone3() makes starts with SP = stack + stack_size.")
def qy_stack(adv: Adversary) -> None:
    """1. The program makes a thread with clone3(), stack and stack_size in clone_args.
    2. As clone3 returns, the kernel sets the new thread's SP 64 bytes below the top.
    3. The thread reads its first SP 64 below: -64 / 16 = -4, secret bytes 0..7 logged.
    Linux's clone3 (copy_clone_args_from_user) passes stack + stack_size as the child's
    SP and copy_thread() installs exactly that."""
    def change(a: Adversary, child) -> None:  # type: ignore[no-untyped-def]
        child.context.set(CTX_SP, child.context.get(CTX_SP) - 64)
    _at_clone(adv, P_STACK, change, nr=NR_CLONE3)


@scenario(id="QY-003", title="Give a thread made without CLONE_SETTLS the ignored tls "
          "argument as its TPIDR_EL0", family=RT, goal=Goal.LEAK,
          rules=("G-FORK-CONTEXT", "G-RESUME-CONTEXT"), program=THREADS, silent=RESTORED,
          prop="A thread made without CLONE_SETTLS starts with its creator's TPIDR_EL0; "
               "clone's tls argument is ignored.")
def qy_no_settls(adv: Adversary) -> None:
    """1. The program sets TPIDR_EL0 = 0x7ead2000 and makes a thread without CLONE_SETTLS,
    x3 (clone's tls) holding 0x7ead2000 - 4.
    2. The kernel starts the thread with TPIDR_EL0 = x3, as if CLONE_SETTLS were set.
    3. The thread reads TPIDR_EL0 4 below its creator's: -4, secret bytes 0..7 logged.
    Linux's copy_thread() copies the creator's tp_value unless CLONE_SETTLS is set."""
    _at_clone(adv, P_REGS, _ctx_set(CTX_TPIDR, TLS_B - 4))


@scenario(id="QY-004", title="Start a thread with another value in a register its creator "
          "set (the function's argument)", family=RT, goal=Goal.LEAK,
          rules=("G-FORK-CONTEXT", "G-RESUME-CONTEXT"), program=THREADS, silent=RESTORED,
          prop="A new thread starts with its creator's registers (x0 = 0 aside), as the C "
               "library's clone() relies on to pass the thread its function and argument.")
def qy_start_arg(adv: Adversary) -> None:
    """1. The program makes a thread with x10 = its function and x11 = its argument 0x4100.
    2. As clone returns, the kernel sets the new thread's x11 to 0x4100 - 4.
    3. The thread's argument is 4 low: -4, secret bytes 0..7 logged.
    Linux's copy_thread() copies the creator's pt_regs and changes only x0 (and SP/TLS
    when asked)."""
    _at_clone(adv, P_REGS, _ctx_set(11, ARG0 - 4))


@scenario(id="QY-005", title="Change a running thread's TPIDR_EL0 at a timer interrupt",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-CONTEXT", "G-ENTRY-SCRUB"),
          program=THREADS, silent=RESTORED,
          prop="A thread's TPIDR_EL0 is its own across every interrupt and switch.")
def qy_irq_tls(adv: Adversary) -> None:
    """1. A thread sets TPIDR_EL0 = 0x7ead3000 and spins reading it back (its creator
    sleeps in a 1 ms futex wait, so timer interrupts end its slices).
    2. At a timer interrupt from the thread the kernel writes TPIDR_EL0 = value - 4 (MSR and
    the saved context).
    3. The thread reads -4: the program logs secret bytes 0..7.
    Linux saves and restores tp_value at every switch (tls_thread_switch); an interrupt
    never changes it."""
    @adv.on(Point.IRQ, during=P_SPIN + T_OFF)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        ctx.set(CTX_TPIDR, TLS_C - 4)
        a.el1.restore_context(ctx)
        a.el1.msr(TPIDR_EL0, TLS_C - 4)
        if thread is not None and thread.context is not None:  # type: ignore[attr-defined]
            thread.context.set(CTX_TPIDR, TLS_C - 4)   # type: ignore[attr-defined]
        a.note("TPIDR_EL0 changed at the interrupt")


# --- a thread's end -------------------------------------------------------------------------
@scenario(id="QY-006", title="Clear a thread's CHILD_CLEARTID word while it still runs and "
          "wake its joiner", family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          program=THREADS,
          prop="The CHILD_CLEARTID word is cleared (and its futex woken) only when the "
               "thread has ended, so pthread_join() returns only after the thread is gone.")
def qy_early_clear(adv: Adversary) -> None:
    """1. A thread announces itself (its marker), yields, then stores its result (1) and
    exits; its creator waits for the thread's CHILD_CLEARTID word to be 0.
    2. While serving the thread's marker the kernel stores 0 in that word and wakes the
    creator's futex wait.
    3. The thread yields; the creator sees 0, reads the result still -4: secret bytes 0..7.
    Linux clears the word only in mm_release() (exit_mm), after the thread's last
    instruction; getppid() writes no user memory."""
    @adv.on(Point.MARKER, phase=P_EARLY + T_OFF)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        word = args[0]
        a.kernel.uaccess.write_u32(word, 0)
        main = a.kernel.threads.get(a.init.pid)
        if main is not None:
            a.kernel.wake(main, 0)
        a.note(f"cleared {word:#x} and woke the joiner")


@scenario(id="QY-007", title="At a thread's exit clear the clear-tid word it replaced with "
          "set_tid_address()", family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          program=THREADS,
          prop="A thread's exit clears only the word its last set_tid_address() (or clone's "
               "CHILD_CLEARTID) named.")
def qy_old_cleartid(adv: Adversary) -> None:
    """1. A thread made with CHILD_CLEARTID = w1 (PARENT_SETTID filled w1 with its tid)
    calls set_tid_address(&w2) and exits; its creator waits for w2 == 0.
    2. At the thread's exit the kernel stores 0 in w1 as well.
    3. The creator reads w1 == 0: index -4, secret bytes 0..7.
    Linux's set_tid_address() replaces clear_child_tid; mm_release() writes only that one
    word."""
    @adv.on(Point.MARKER, phase=P_RETID)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["w1"] = args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_RETID)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["w1"], 0)
        a.note("cleared the replaced word at the exit")


@scenario(id="QY-008", title="Mark FUTEX_OWNER_DIED in a lock word an exiting thread holds "
          "but never put on its robust list", family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP",), program=THREADS,
          prop="An exit's robust-futex walk touches only the words on the list the thread "
               "registered (an empty list: none).")
def qy_robust_empty(adv: Adversary) -> None:
    """1. A thread registers an empty robust list (head.next = &head), stores its tid in a
    lock word and exits.
    2. At the thread's exit the kernel stores tid | FUTEX_OWNER_DIED in the lock word.
    3. The creator sees OWNER_DIED: index -4, secret bytes 0..7.
    Linux's exit_robust_list() follows head.next and list_op_pending only; an empty list
    and no pending op mark nothing."""
    @adv.on(Point.MARKER, phase=P_ROBUST)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["lock"] = args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_ROBUST)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        tid = thread.tid if thread is not None else 0  # type: ignore[attr-defined]
        a.kernel.uaccess.write_u32(a.memo["lock"], tid | OWNER_DIED)
        a.note("marked OWNER_DIED at the exit")


# --- signals and threads ----------------------------------------------------------------
@scenario(id="QY-009", title="Deliver a process signal to a thread whose mask blocks it",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=THREADS,
          prop="A process-directed signal every thread blocks stays pending; no handler runs.")
def qy_mask_kill(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and makes a thread (it inherits the mask), which sends
    the process SIGUSR1 (kill) and yields.
    2. At the kill the kernel clears its record of the thread's mask.
    3. The handler runs on the thread: it counts one run, -4, secret bytes 0..7.
    Linux's complete_signal() picks only a thread that does not block the signal
    (wants_signal); with none it stays pending in the shared set."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_KILL, during=P_MASK)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        thread.sigmask = 0  # type: ignore[attr-defined]
        a.note("the thread's mask cleared")


@scenario(id="QY-010", title="Start a new thread with an empty signal mask", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-FORK-CONTEXT"), program=THREADS,
          prop="A new thread starts with its creator's signal mask.")
def qy_mask_inherit(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and makes a thread, which sends the process SIGUSR1.
    2. As clone returns, the kernel gives the new thread an empty mask.
    3. The signal is delivered on the thread: its handler counts one run, -4, secret bytes.
    Linux's copy_process() copies current->blocked into the new task."""
    def change(a: Adversary, child) -> None:  # type: ignore[no-untyped-def]
        child.sigmask = 0
    _at_clone(adv, P_MASK, change)


@scenario(id="QY-011", title="Redirect a tgkill() signal from the thread that blocks it to "
          "its sender", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",),
          program=THREADS,
          prop="A signal tgkill() sends stays pending for the named thread while it blocks "
               "it; no other thread runs its handler.")
def qy_tgkill_redirect(adv: Adversary) -> None:
    """1. A thread blocks SIGUSR2; its creator (SIGUSR2 unblocked) sends it SIGUSR2 with
    tgkill() and yields.
    2. As tgkill returns the kernel moves the pending SIGUSR2 from the target to the
    creator.
    3. The handler runs on the creator; the thread sees one run before it unblocks: -4.
    Linux's do_send_specific() queues on the target's own pending set; only that thread
    dequeues it (dequeue_signal)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_TGKILL, during=P_TGKILL)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        for t in list(a.kernel.threads.values()):
            if t is not thread and t.process is a.init and t.pending.mask & (1 << (SIGUSR2 - 1)):
                info = t.pending.take(SIGUSR2)
                thread.pending.add(SIGUSR2, info)  # type: ignore[attr-defined]
                a.note(f"moved SIGUSR2 from {t.tid} to {thread.tid}")  # type: ignore[attr-defined]
                return
        a.note("no pending SIGUSR2 to move")


@scenario(id="QY-012", title="Return from a thread's exit() (serve it as getpid)", family=RT,
          goal=Goal.LEAK, rules=("G-RESUME-CONTEXT", "G-EXIT-GROUP"), program=THREADS,
          prop="exit() never returns: no instruction after it runs.")
def qy_exit_returns(adv: Adversary) -> None:
    """1. A thread calls exit(0); the code after its SVC stores -4 into its result.
    2. At the exit's entry the kernel changes x8 to getpid and serves that instead,
    resuming the thread after the SVC.
    3. The thread stores -4 and exits again; the creator logs secret bytes 0..7.
    Linux's sys_exit() is do_exit(), which never returns to user space."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_EXIT)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)
        a.note("exit served as getpid")


# --- memory a waker stored ------------------------------------------------------------------
@scenario(id="QY-013", title="Store the futex word a waiter sleeps on (fake the waker's flag)",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=THREADS,
          mprotect=Expect.SUCCEEDS,
          prop="FUTEX_WAIT never writes its word: a waiter woken sees the flag only once the "
               "waker stored it, after the waker's earlier stores.")
def qy_futex_flag(adv: Adversary) -> None:
    """1. A thread stores a result (2), then a flag, and wakes the flag's futex; its creator
    waits on the flag (FUTEX_WAIT 0) and then reads the result (-4 until stored).
    2. At the creator's FUTEX_WAIT the kernel stores 1 in the flag.
    3. The creator sees the flag, reads -4: secret bytes 0..7.
    Linux's futex_wait() only reads the word (futex_get_value_locked)."""
    @adv.on(Point.MARKER, phase=P_FUTEX)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["flag"] = args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_FUTEX)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["flag"], 1)
        a.note("stored the flag")


# --- the robust list walked at exit, a thread's name -----------------------------------------
P_ROBUST2, P_COMM = 4122, 4124
FUTEX_WAITERS = 0x80000000
NR_PRCTL = NUMBERS["prctl"]
PR_GET_NAME = 16


def _robust_exit(adv: Adversary, which: int, value) -> None:  # type: ignore[no-untyped-def]
    """At the exit of the thread of step P_ROBUST2: store value(tid) in the owned word
    (which 1) or the pending word (which 2)."""
    @adv.on(Point.MARKER, phase=P_ROBUST2)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["word"] = args[which]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_ROBUST2)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        v = value(thread.tid if thread is not None else 0) & 0xFFFF_FFFF  # type: ignore[attr-defined]
        a.kernel.uaccess.write_u32(a.memo["word"], v)
        a.note(f"stored {v:#x} at {a.memo['word']:#x} at the exit")


@scenario(id="QY-014", title="Mark a dead owner's robust lock OWNER_DIED but keep its TID",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=THREADS,
          prop="An exit's robust-list walk turns a lock word the thread owned into exactly "
               "FUTEX_OWNER_DIED (| FUTEX_WAITERS if it was set): the TID is dropped.")
def qy_robust_keep_tid(adv: Adversary) -> None:
    """1. A thread puts one entry on its robust list, its lock word holding the thread's
    tid (no waiters), and exits; its creator joins and reads the word.
    2. At the exit the kernel stores tid | FUTEX_OWNER_DIED in the word.
    3. Neither the tid (no walk) nor OWNER_DIED: index -4, secret bytes 0..7.
    kernel/futex/core.c handle_futex_death(): mval = (uval & FUTEX_WAITERS) |
    FUTEX_OWNER_DIED -- the owner's TID never survives."""
    _robust_exit(adv, 1, lambda tid: tid | OWNER_DIED)


@scenario(id="QY-015", title="Mark a dead owner's robust lock OWNER_DIED with FUTEX_WAITERS "
          "it never had", family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          program=THREADS,
          prop="An exit's robust-list walk keeps FUTEX_WAITERS only where the word had it.")
def qy_robust_waiters(adv: Adversary) -> None:
    """1. As QY-014: the owned word holds the tid alone.
    2. At the exit the kernel stores FUTEX_WAITERS | FUTEX_OWNER_DIED.
    3. The creator reads 0xc0000000, neither tid nor 0x40000000: -4, secret bytes 0..7.
    handle_futex_death() keeps only the word's own WAITERS bit (uval & FUTEX_WAITERS)."""
    _robust_exit(adv, 1, lambda tid: FUTEX_WAITERS | OWNER_DIED)


@scenario(id="QY-016", title="Mark OWNER_DIED in the robust list's pending word that holds 0",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=THREADS,
          prop="An exit's robust-list walk never writes a list_op_pending word that holds 0 "
               "(a lock being taken): it only wakes a waiter.")
def qy_robust_pending(adv: Adversary) -> None:
    """1. The thread's robust head names a pending op on a second word that holds 0, and
    the thread exits.
    2. At the exit the kernel stores FUTEX_OWNER_DIED in the pending word.
    3. The creator reads it non-zero: -4, secret bytes 0..7.
    handle_futex_death(): `if (pending_op && !pi && !uval) { futex_wake(...); return 0; }`
    (and a word whose TID is not the thread's is never written)."""
    _robust_exit(adv, 2, lambda tid: OWNER_DIED)


def _name_answer(adv: Adversary, worker: bool, name: bytes) -> None:
    """Answer the PR_GET_NAME of the worker (or of the creator) in step P_COMM with name."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_PRCTL, during=P_COMM, once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if a.reg("x0") == PR_GET_NAME and _is_worker(a, thread) == worker \
                and "buf" not in a.memo:
            a.memo["buf"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=P_COMM, once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        buf = a.memo.get("buf")
        if buf is None or a.memo.get("done"):
            return
        a.memo["done"] = True
        a.kernel.uaccess.write(buf, name.ljust(16, b"\0"))
        a.note(f"PR_GET_NAME answered {name!r}")


@scenario(id="QY-017", title="Answer a new thread's PR_GET_NAME with the program's file name, "
          "not its creator's comm", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=THREADS,
          prop="A new thread starts with its creator's comm (the name PR_SET_NAME set).")
def qy_comm_inherit(adv: Adversary) -> None:
    """1. The program names itself "r41main" and makes a thread, which reads its name.
    2. The kernel answers the thread's PR_GET_NAME with "secret_r41_thre" (the name the
    program's exec gave it).
    3. The thread's name is not "r41main": -4, secret bytes 0..7.
    Linux's dup_task_struct() copies the creator's comm; only the program's own threads
    could change a thread's comm (PR_SET_NAME, or /proc/self/task/TID/comm: comm_write()
    refuses other thread groups), and none did."""
    _name_answer(adv, True, b"secret_r41_thre")


@scenario(id="QY-018", title="Answer the creator's PR_GET_NAME with the name its thread set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=THREADS,
          prop="A thread's comm is its own: PR_SET_NAME in one thread never renames another.")
def qy_comm_own(adv: Adversary) -> None:
    """1. The program names itself "r41main"; a thread it made names itself "r4m" and
    exits; the program reads its own name.
    2. The kernel answers the creator's PR_GET_NAME with "r4m".
    3. The creator's name is not "r41main": -4, secret bytes 0..7.
    Linux's PR_SET_NAME sets current->comm only (set_task_comm(me, ...)); PR_GET_NAME reads
    the caller's own comm."""
    _name_answer(adv, False, b"r4m")


# --- signals at a thread's exit, sigtimedwait, a thread's timer ------------------------------
P_SIGWAIT, P_SIGFD = 4126, 4128
NR_READ = NUMBERS["read"]
NR_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
SI_USER = 0


def _user_info(signo: int, pid: int) -> bytes:
    """A kill()'s siginfo: SI_USER from `pid`."""
    import struct
    return (struct.pack("<iii4xiI", signo, 0, SI_USER, pid, 0)).ljust(128, b"\0")


@scenario(id="QY-019", title="Serve a thread's exit() as getpid and deliver a signal to it "
          "on the way back", family=RT, goal=Goal.LEAK,
          rules=("G-RESUME-CONTEXT", "G-SIGNAL-HANDLER", "G-RETURN-PATHS"),
          program=THREADS,
          prop="exit() never returns: no handler runs in a thread after it called exit().")
def qy_exit_signal(adv: Adversary) -> None:
    """1. A thread with a SIGUSR1 handler (which stores -4 if it interrupted the instruction
    right after exit's SVC) calls exit(0).
    2. At the exit's entry the kernel changes x8 to getpid, queues SIGUSR1 for the thread
    as if another process (pid 999) sent it, and returns through a signal frame.
    3. The handler finds the interrupted PC after the SVC and stores -4; the creator logs
    secret bytes 0..7.
    Linux's do_exit() never returns; a signal a dying thread has pending is never
    delivered (get_signal() is not reached again)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_EXIT)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)
        a.kernel.signals.send_thread(thread, SIGUSR1, _user_info(SIGUSR1, 999))
        a.note("exit served as getpid, SIGUSR1 queued for the thread")


@scenario(id="QY-020", title="Hand a thread's rt_sigtimedwait() the signal its creator's "
          "tgkill() sent to the creator", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"), program=THREADS,
          prop="rt_sigtimedwait() takes only signals pending for the calling thread or the "
               "process, never one tgkill() sent to another thread.")
def qy_sigwait_other(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2 and tgkill()s its own first thread (pending there); a
    thread it makes polls rt_sigtimedwait({SIGUSR2}, timeout 0).
    2. At the poll the kernel moves the creator's pending SIGUSR2 (its siginfo: SI_TKILL
    from the program's pid) to the polling thread.
    3. The thread receives SIGUSR2 from its own program's tgkill: -4, secret bytes 0..7.
    Linux's do_sigtimedwait() dequeues from current->pending and the shared set only; the
    program's one tgkill() named the first thread.
    Another process cannot send SI_TKILL in the program's name (do_rt_tgsigqueueinfo()
    refuses si_code SI_TKILL from anyone but the target's own process, -EPERM), so such a
    siginfo naming the program's pid needs a tgkill() of the program that named the
    receiving thread, not yet received; the program's one tgkill() named its first
    thread, whose id (gettid) differs from the one the polling thread's clone stored."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGTIMEDWAIT, during=P_SIGWAIT)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if not _is_worker(a, thread):
            return
        main = a.kernel.threads.get(a.init.pid)
        if main is None or not main.pending.mask & (1 << (SIGUSR2 - 1)):
            a.note("no SIGUSR2 pending on the first thread")
            return
        info = main.pending.take(SIGUSR2)
        thread.pending.add(SIGUSR2, info)  # type: ignore[attr-defined]
        a.note("moved the first thread's SIGUSR2 to the polling thread")


def _move_main_usr2(a: Adversary, thread, keep: bool) -> None:  # type: ignore[no-untyped-def]
    """Give `thread` the SIGUSR2 pending on the first thread (keep: leave that one too)."""
    main = a.kernel.threads.get(a.init.pid)
    if main is None or not main.pending.mask & (1 << (SIGUSR2 - 1)):
        a.note("no SIGUSR2 pending on the first thread")
        return
    info = main.pending.take(SIGUSR2)
    if keep:
        main.pending.add(SIGUSR2, info)
    thread.pending.add(SIGUSR2, info)
    a.note(("copied" if keep else "moved") + " the first thread's SIGUSR2 to its thread")


@scenario(id="QY-021", title="Hand a thread's signalfd read the signal its creator's "
          "tgkill() sent to the creator", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"), program=THREADS,
          prop="A signalfd read takes only signals pending for the reading thread or the "
               "process, never one tgkill() sent to another thread.")
def qy_sigfd_other(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2, opens a non-blocking signalfd for it and tgkill()s
    its own first thread; a thread it makes reads the signalfd.
    2. At the read the kernel moves the creator's pending SIGUSR2 (SI_TKILL from the
    program's pid) to the reading thread.
    3. The thread reads a record of its own program's tgkill: -4, secret bytes 0..7.
    Linux's signalfd_dequeue() calls dequeue_signal(current, ...): the reader's own and
    the shared pending sets only.
    Another process cannot send SI_TKILL in the program's name (do_rt_tgsigqueueinfo()
    refuses si_code SI_TKILL from anyone but the target's own process, -EPERM), so such a
    siginfo naming the program's pid needs a tgkill() of the program that named the
    receiving thread, not yet received; the program's one tgkill() named its first
    thread, whose id (gettid) differs from the one the polling thread's clone stored."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_SIGFD)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if _is_worker(a, thread):
            _move_main_usr2(a, thread, keep=False)


@scenario(id="QY-022", title="Answer a thread's rt_sigtimedwait() with a copy of the signal "
          "its creator's tgkill() left pending for the creator", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"), program=THREADS,
          prop="One tgkill() is received once, by the thread it names.")
def qy_sigwait_copy(adv: Adversary) -> None:
    """1. As QY-020: the creator's tgkill() leaves SIGUSR2 pending on the first thread; a
    new thread polls rt_sigtimedwait({SIGUSR2}, timeout 0).
    2. The kernel answers the poll with SIGUSR2 and a copy of that siginfo, leaving the
    creator's pending too (which the creator then takes itself).
    3. The thread receives SIGUSR2 from its own program's tgkill: -4, secret bytes 0..7.
    A tgkill() queues one signal on one thread (do_send_specific); it is dequeued once.
    Another process cannot send SI_TKILL in the program's name (do_rt_tgsigqueueinfo()
    refuses si_code SI_TKILL from anyone but the target's own process, -EPERM), so such a
    siginfo naming the program's pid needs a tgkill() of the program that named the
    receiving thread, not yet received; the program's one tgkill() named its first
    thread, whose id (gettid) differs from the one the polling thread's clone stored."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGTIMEDWAIT, during=P_SIGWAIT)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if _is_worker(a, thread):
            _move_main_usr2(a, thread, keep=True)


# --- what a new thread reads of its own signal state ---------------------------------------
P_OLDSTATE = 4130
NR_SIGPROCMASK, NR_SIGALTSTACK = NUMBERS["rt_sigprocmask"], NUMBERS["sigaltstack"]


def _answer_buffer(adv: Adversary, nr: int, reg: str, data) -> None:  # type: ignore[no-untyped-def]
    """In step P_OLDSTATE, as the worker's call `nr` returns: store data(old bytes) at the
    buffer its register `reg` names."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_OLDSTATE, once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if _is_worker(a, thread) and f"buf{nr}" not in a.memo:
            a.memo[f"buf{nr}"] = a.reg(reg)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_OLDSTATE, once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        buf = a.memo.get(f"buf{nr}")
        if not buf or a.memo.get(f"done{nr}") or not _is_worker(a, thread):
            return
        a.memo[f"done{nr}"] = True
        payload = data(a)
        a.kernel.uaccess.write(buf, payload)
        a.note(f"answered {payload.hex()} at {buf:#x}")


@scenario(id="QY-023", title="Report a new thread's signal mask empty though its creator "
          "blocked SIGUSR1", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",),
          program=THREADS,
          prop="A new thread's mask is its creator's at clone(); rt_sigprocmask() reports "
               "it.")
def qy_old_mask(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and makes a thread, which reads its mask
    (rt_sigprocmask(SIG_BLOCK, NULL, &old)).
    2. The kernel writes an empty old mask.
    3. SIGUSR1 not blocked: -4, secret bytes 0..7.
    Linux's copy_process() copies current->blocked; only the thread itself changes it."""
    _answer_buffer(adv, NR_SIGPROCMASK, "x2", lambda a: (0).to_bytes(8, "little"))


@scenario(id="QY-024", title="Report the creator's alternate signal stack to a new thread",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=THREADS,
          prop="A new thread (CLONE_VM without CLONE_VFORK) starts with no alternate signal "
               "stack; sigaltstack() reports SS_DISABLE.")
def qy_old_altstack(adv: Adversary) -> None:
    """1. The program sets an alternate stack and makes a thread, which asks for its own
    (sigaltstack(NULL, &old)).
    2. The kernel reports the creator's stack, enabled (ss_flags 0).
    3. The stack is not SS_DISABLE: -4, secret bytes 0..7.
    Linux's copy_process(): `if ((clone_flags & (CLONE_VM|CLONE_VFORK)) == CLONE_VM)
    sas_ss_reset(p);`."""
    def creator_stack(a: Adversary) -> bytes:
        main = a.kernel.threads.get(a.init.pid)
        sp, _flags, size = main.altstack if main is not None else (0x1000, 0, 16384)
        return sp.to_bytes(8, "little") + (0).to_bytes(8, "little") + size.to_bytes(8, "little")
    _answer_buffer(adv, NR_SIGALTSTACK, "x1", creator_stack)
