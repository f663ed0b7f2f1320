"""Red-team round forty-six: signals, and what the kernel says about them.

The kernel decides when a signal arrives and tells the Guardian which one, with what
siginfo, under which mask and alternate stack; it answers every call that reports signal
state and it serves rt_sigreturn.  Linux fixes much of this from the program's own calls:
a handler runs with its sa_mask blocked and a blocked signal waits (XD-001, XD-002,
XD-012); SA_RESETHAND and SIG_IGN change what is delivered and reported (XD-003,
XD-004); a signal a thread sends itself is taken before the call returns, with the
si_code of the call that sent it (XD-005, XD-006, XD-017, XD-018); a fault's siginfo names
the faulting address (XD-007); SA_ONSTACK alone picks the alternate stack (XD-008..
XD-010); rt_sigreturn restores exactly the frame the handler left, and nothing else
restores one (XD-011, XD-013..XD-015); ppoll() is never restarted (XD-016).  A
synchronous SIGSEGV follows only an access the program's mappings forbid: never a store
the program's mprotect(), MAP_SHARED, .bss, a private file mapping or mremap() made
writable (XD-021, XD-023..XD-027, XD-030), nor a load it may make (XD-028), and
always one they forbid (XD-019).  sigaltstack()
on the alternate stack reports SS_ONSTACK and refuses a change (XD-010, XD-020), a
signal unblocked is delivered (XD-022) and a signalfd record keeps the sender's si_code
(XD-029).

(The victim's P_FAULT_STACK step has no scenario: with the Guardian on, its store into a
fresh page deep in the stack takes no fault the kernel sees, so there is nothing to
report as SIGSEGV.)

The victim is `secret_r46_signals` (workloads/src/secret_r46_signals.c): each step
announces itself with a marker and turns what it observed into the index of a public
label in a log buffer that begins with a copy of the secret, then writes that label to
/dev/null.  Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.registers import RESTORED
from attacks.hooks import Point
from attacks.scenario import Goal, documented, scenario
from kernel_model import signals as sig

RT = "redteam_r46"
SIGNALS = "secret_r46_signals"
# secret_r46_signals: the marker before each step; the marker after its write is + 1.
P_SAMASK, P_HMASK, P_RESETHAND, P_IGNORED, P_SELF_KILL = 4600, 4602, 4604, 4606, 4608
P_TKILL_CODE, P_SEGV_ADDR, P_ONSTACK_UNSET, P_ONSTACK_SET = 4610, 4612, 4614, 4616
P_ALT_OLD, P_SIGRET_X0, P_SIGRET_MASK, P_SIGRET_TPIDR = 4618, 4620, 4622, 4624
P_SIGRET_Q8, P_FAKE_RETURN, P_PPOLL, P_WAIT_CODE, P_PIDFD_SELF = 4626, 4628, 4630, 4632, 4634
P_SEGV_RETRY, P_LONGJMP, P_ALT_BUSY = 4636, 4638, 4640
P_FAULT_MPROT, P_FAULT_SHARED, P_FAULT_BSS = 4642, 4644, 4646
P_FAULT_FILE, P_FAULT_STACK, P_FAULT_MREMAP = 4648, 4650, 4652
P_FAULT_RO_LOAD, P_SIGNALFD_CODE = 4654, 4656
P_FIRST, P_LAST = P_SAMASK, P_SIGNALFD_CODE
ALT_OLD = b"-a"          # the victim's switch for P_ALT_OLD
NR_KILL, NR_TGKILL = NUMBERS["kill"], NUMBERS["tgkill"]
NR_RT_SIGACTION, NR_RT_SIGPROCMASK = NUMBERS["rt_sigaction"], NUMBERS["rt_sigprocmask"]
NR_RT_SIGRETURN, NR_SIGALTSTACK = NUMBERS["rt_sigreturn"], NUMBERS["sigaltstack"]
NR_GETPID, NR_PPOLL = NUMBERS["getpid"], NUMBERS["ppoll"]
NR_RT_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
NR_PIDFD_SEND_SIGNAL = NUMBERS["pidfd_send_signal"]
NR_MPROTECT = NUMBERS["mprotect"]
SIGUSR1, SIGUSR2, SIGSEGV, SIGBUS = 10, 12, 11, 7
SI_USER, SI_TKILL, SEGV_ACCERR, BUS_ADRERR = 0, -6, 2, 2
ERESTARTNOINTR = 513
PROT_READ, PROT_WRITE = 1, 2
EPERM = 1
# Where a saved user context keeps TPIDR_EL0 and q0.
CTX_TPIDR, CTX_Q0 = 34, 37
TPIDR_EL0 = (13, 0, 3, 3, 2)
TLS_SET = 0x7EAD4600
Q8_PATTERN = 0x5A5A5A5A46464646
MASK64 = (1 << 64) - 1


def _call(adv: Adversary, point: Point, nr: int, during: int):  # type: ignore[no-untyped-def]
    """Decorator: run `fn(a, thread)` at `point` of call `nr` in step `during`."""
    def deco(fn):  # type: ignore[no-untyped-def]
        @adv.on(point, nr=nr, during=during)  # type: ignore[arg-type]
        def _(a: Adversary, thread: object = None, **_: object) -> None:
            fn(a, thread)
        return fn
    return deco


def _learn(adv: Adversary, phase: int, key: str, index: int = 1) -> None:
    """Keep marker `phase`'s argument `index` (x2 is 0) in memo[key]."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo[key] = args[index]


def _retag(pending: sig.PendingSignals, signo: int, info: bytes) -> bool:
    """Swap the siginfo of a pending standard signal; whether one was there."""
    if not pending.mask & sig.bit(signo):
        return False
    pending.take(signo)
    pending.add(signo, info)
    return True


def _sigreturn_ctx(adv: Adversary, during: int, change) -> None:  # type: ignore[no-untyped-def]
    """As rt_sigreturn in step `during` returns: `change` the context the program resumes."""
    @_call(adv, Point.SYSCALL_EXIT, NR_RT_SIGRETURN, during)
    def _(a: Adversary, thread: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        change(a, ctx)
        a.el1.restore_context(ctx)
        a.note("the context rt_sigreturn resumes changed")


# --- the mask a handler runs under ------------------------------------------------------
@scenario(id="XD-001", title="Run SIGUSR2's handler inside SIGUSR1's handler whose sa_mask "
          "blocks SIGUSR2", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",),
          program=SIGNALS,
          prop="While a handler runs, the signals of its sa_mask are blocked: one it sends "
               "itself waits until the handler returns.")
def xd_samask(adv: Adversary) -> None:
    """1. The program installs SIGUSR1's handler with sa_mask {SIGUSR2} and raises SIGUSR1;
    the handler tgkill()s itself SIGUSR2 and counts SIGUSR2's handler runs around it.
    2. At that tgkill the kernel drops SIGUSR2 from its record of the thread's mask, so
    SIGUSR2 is delivered as the tgkill returns, inside SIGUSR1's handler.
    3. The handler sees one SIGUSR2 run: index -4, the program logs secret bytes 0..7.
    Linux's signal_delivered() blocks current->blocked | sa_mask | sig for the handler;
    a blocked signal is never dequeued (dequeue_signal skips current->blocked)."""
    @_call(adv, Point.SYSCALL_ENTRY, NR_TGKILL, P_SAMASK)
    def _(a: Adversary, thread: object) -> None:
        thread.sigmask &= ~sig.bit(SIGUSR2)  # type: ignore[attr-defined]
        a.note("SIGUSR2 unblocked in the kernel's mask inside the handler")


@scenario(id="XD-002", title="Report a handler's mask without its sa_mask and its own signal",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-OLD-STATE"),
          program=SIGNALS,
          prop="rt_sigprocmask() inside a handler reports the mask the handler runs under: "
               "the interrupted mask plus sa_mask plus the signal (no SA_NODEFER).")
def xd_handler_mask(adv: Adversary) -> None:
    """1. SIGUSR1's handler (sa_mask {SIGUSR2}) reads its mask with rt_sigprocmask(SIG_BLOCK,
    NULL, &cur).
    2. As the call enters, the kernel clears SIGUSR1 and SIGUSR2 from its record of the
    thread's mask and answers from it.
    3. The handler sees neither blocked: index -4, secret bytes 0..7.
    Linux's signal_delivered() sets current->blocked to blocked | sa_mask | sig before
    the handler's first instruction; sys_rt_sigprocmask() reports it."""
    @_call(adv, Point.SYSCALL_ENTRY, NR_RT_SIGPROCMASK, P_HMASK)
    def _(a: Adversary, thread: object) -> None:
        thread.sigmask &= ~(sig.bit(SIGUSR1) | sig.bit(SIGUSR2))  # type: ignore[attr-defined]
        a.note("the handler's mask cleared in the kernel's record")


@scenario(id="XD-012", title="Drop the SIGUSR2 a handler added to uc_sigmask from the mask "
          "rt_sigreturn restores, then deliver SIGUSR2", family=RT, goal=Goal.LEAK,
          rules=("G-SIGRETURN", "G-SIGNAL-MASK"), program=SIGNALS,
          prop="rt_sigreturn sets the thread's mask to the frame's uc_sigmask, as the "
               "handler left it: a signal the handler added there stays blocked after it.")
def xd_sigret_mask(adv: Adversary) -> None:
    """1. SIGUSR1's handler adds SIGUSR2 to its frame's uc_sigmask; after it returns the
    program tgkill()s itself SIGUSR2 and counts SIGUSR2's handler runs before unblocking.
    2. As rt_sigreturn returns, the kernel clears SIGUSR2 from its record of the mask.
    3. SIGUSR2 runs at the tgkill, before the unblock: index -4, secret bytes 0..7.
    Linux's restore_sigframe() calls set_current_blocked(uc_sigmask) with exactly the
    frame's set (arch/arm64/kernel/signal.c)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_RT_SIGRETURN, P_SIGRET_MASK)
    def _(a: Adversary, thread: object) -> None:
        thread.sigmask &= ~sig.bit(SIGUSR2)  # type: ignore[attr-defined]
        a.note("SIGUSR2 dropped from the restored mask")


# --- actions: SA_RESETHAND and SIG_IGN --------------------------------------------------
@scenario(id="XD-003", title="Report a one-shot (SA_RESETHAND) handler still installed after "
          "it ran", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",),
          program=SIGNALS,
          prop="Once an SA_RESETHAND handler ran, rt_sigaction() reports SIG_DFL for its "
               "signal.")
def xd_resethand(adv: Adversary) -> None:
    """1. The program installs SIGUSR1's handler with SA_RESETHAND, tgkill()s itself
    SIGUSR1 (the handler runs once), then reads the action with rt_sigaction(NULL, &old).
    2. As that call enters, the kernel puts the handler back in its table with the same
    flags, and answers from the table.
    3. old.sa_handler is the handler, not SIG_DFL: index -4, secret bytes 0..7.
    Linux's get_signal() sets sa_handler = SIG_DFL for an SA_ONESHOT action as it delivers
    it; only the program's own rt_sigaction could set it again, and it made none."""
    _learn(adv, P_RESETHAND, "handler")

    @_call(adv, Point.SYSCALL_ENTRY, NR_RT_SIGACTION, P_RESETHAND)
    def _(a: Adversary, thread: object) -> None:
        a.init.sigactions.set(SIGUSR1, sig.SigAction(handler=a.memo["handler"],
                                                     flags=sig.SA_RESETHAND))
        a.note("the one-shot handler reinstalled in the kernel's table")


@scenario(id="XD-004", title="Run a handler for a signal the program set to SIG_IGN", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=SIGNALS,
          prop="A signal sent while its action is SIG_IGN is discarded: no handler runs, "
               "not even the one installed before.")
def xd_ignored(adv: Adversary) -> None:
    """1. The program installs SIGUSR2's handler, then sets SIGUSR2 to SIG_IGN and sends
    itself SIGUSR2 with kill().
    2. As kill enters, the kernel puts the old handler back in its table, so the signal
    is queued and delivered.
    3. SIGUSR2's handler runs once: index -4, secret bytes 0..7.
    Linux's prepare_signal() drops a signal whose action is SIG_IGN (sig_ignored()) before
    it is queued; the program made no rt_sigaction after SIG_IGN."""
    _learn(adv, P_IGNORED, "handler")

    @_call(adv, Point.SYSCALL_ENTRY, NR_KILL, P_IGNORED)
    def _(a: Adversary, thread: object) -> None:
        a.init.sigactions.set(SIGUSR2, sig.SigAction(handler=a.memo["handler"]))
        a.note("SIGUSR2's old handler put back over SIG_IGN")


# --- what a signal the program sends itself looks like ----------------------------------
@scenario(id="XD-005", title="Answer kill(getpid(), SIGUSR1) with 0 and deliver nothing",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"),
          program=SIGNALS,
          prop="A single-threaded program's kill() of itself with an unblocked, handled "
               "signal returns only after the handler ran.")
def xd_self_kill(adv: Adversary) -> None:
    """1. The program (one thread, SIGUSR1 unblocked, a handler installed) calls
    kill(getpid(), SIGUSR1).
    2. As kill returns 0, the kernel takes the queued SIGUSR1 away: nothing is delivered.
    3. The handler has not run when kill() returns 0: index -4, secret bytes 0..7.
    Linux's kill_pid_info() queues the signal and complete_signal() wakes the only thread
    that may take it, the caller; exit_to_user_mode() runs do_signal() before the call
    returns (POSIX: at least one unblocked signal is delivered before kill() returns)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_KILL, P_SELF_KILL)
    def _(a: Adversary, thread: object) -> None:
        a.init.pending.discard(SIGUSR1)
        thread.pending.discard(SIGUSR1)  # type: ignore[attr-defined]
        a.note("the queued SIGUSR1 dropped")


@scenario(id="XD-006", title="Deliver the program's own tgkill() as a kill() (SI_USER)",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME",), program=SIGNALS,
          prop="A signal the program sends itself with tgkill() arrives with si_code "
               "SI_TKILL and si_pid its own pid.")
def xd_tkill_code(adv: Adversary) -> None:
    """1. The program's SA_SIGINFO SIGUSR1 handler notes si_code; the program sends itself
    SIGUSR1 with tgkill() (its only SIGUSR1 sender).
    2. As tgkill returns, the kernel swaps the queued siginfo for SI_USER with the
    program's pid, as kill() would make.
    3. The handler sees SI_USER: index -4, secret bytes 0..7.
    Linux's do_tkill() fills SI_TKILL; an SI_USER with the program's pid comes only from
    its own kill() (prepare_kill_siginfo), which it never made, and rt_sigqueueinfo()
    refuses si_code >= 0 from another process (-EPERM)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_TGKILL, P_TKILL_CODE)
    def _(a: Adversary, thread: object) -> None:
        info = sig.pack_siginfo(SIGUSR1, SI_USER, pid=a.init.pid)
        ok = _retag(thread.pending, SIGUSR1, info)  # type: ignore[attr-defined]
        a.note("siginfo retagged SI_USER" if ok else "no pending SIGUSR1")


@scenario(id="XD-017", title="Answer rt_sigtimedwait() for the program's own tgkill() with "
          "si_code SI_USER", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE", "G-UACCESS-CAP"), program=SIGNALS,
          prop="rt_sigtimedwait() hands back the siginfo of the signal it took: SI_TKILL for "
               "the program's own tgkill().")
def xd_wait_code(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, tgkill()s itself SIGUSR1, and takes it with
    rt_sigtimedwait({SIGUSR1}, &info, NULL).
    2. As the call returns SIGUSR1, the kernel writes si_code = SI_USER into info.
    3. The program sees SI_USER: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait() copies the queued siginfo (do_tkill's SI_TKILL); SI_USER
    with the program's pid needs its own kill()."""
    _learn(adv, P_WAIT_CODE, "info")

    @_call(adv, Point.SYSCALL_EXIT, NR_RT_SIGTIMEDWAIT, P_WAIT_CODE)
    def _(a: Adversary, thread: object) -> None:
        a.kernel.uaccess.write(a.memo["info"] + 8, struct.pack("<i", SI_USER))
        a.note("si_code SI_USER written into the answer")


@scenario(id="XD-018", title="Deliver the program's pidfd_send_signal() to itself as a "
          "tgkill() (SI_TKILL)", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME",),
          program=SIGNALS,
          prop="A signal pidfd_send_signal(info = NULL) sends arrives with si_code SI_USER "
               "and si_pid the sender.")
def xd_pidfd_code(adv: Adversary) -> None:
    """1. The program opens a pidfd for itself and sends SIGUSR1 with
    pidfd_send_signal(fd, SIGUSR1, NULL, 0); its SA_SIGINFO handler notes si_code.
    2. As the call returns, the kernel swaps the queued siginfo for SI_TKILL with the
    program's pid.
    3. The handler sees SI_TKILL: index -4, secret bytes 0..7.
    Linux's pidfd_send_signal() with no info uses prepare_kill_siginfo() (SI_USER);
    SI_TKILL with the program's pid comes only from its own tgkill(), which it never
    made here (rt_sigqueueinfo refuses SI_TKILL from anyone: -EPERM)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_PIDFD_SEND_SIGNAL, P_PIDFD_SELF)
    def _(a: Adversary, thread: object) -> None:
        info = sig.pack_siginfo(SIGUSR1, SI_TKILL, pid=a.init.pid)
        ok = _retag(a.init.pending, SIGUSR1, info) or \
            _retag(thread.pending, SIGUSR1, info)  # type: ignore[attr-defined]
        a.note("siginfo retagged SI_TKILL" if ok else "no pending SIGUSR1")


# --- a synchronous fault --------------------------------------------------------------
@scenario(id="XD-007", title="Report the program's store into its PROT_READ page at an "
          "address 32 bytes below", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT", "G-SIGNAL-FRAME"), program=SIGNALS,
          silent="the frame's siginfo names the faulting address whatever the kernel queued",
          prop="A SIGSEGV for the program's own access names in si_addr the address it "
               "accessed.")
def xd_segv_addr(adv: Adversary) -> None:
    """1. The program stores into a page it mapped PROT_READ; its SA_SIGINFO SIGSEGV
    handler notes si_addr and si_code and steps over the store.
    2. At the fault the kernel queues SIGSEGV/SEGV_ACCERR with si_addr 32 below the
    faulting address first (the fault's own siginfo then coalesces with it).
    3. si_addr - target = -32: index -4, secret bytes 0..7.
    Linux's do_page_fault() -> arm64_force_sig_fault(SIGSEGV, SEGV_ACCERR, far) puts the
    FAR (the store's address) in si_addr."""
    _learn(adv, P_SEGV_ADDR, "target")

    @adv.on(Point.FAULT, during=P_SEGV_ADDR)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        info = sig.pack_siginfo(SIGSEGV, SEGV_ACCERR, addr=a.memo["target"] - 32)
        thread.pending.add(SIGSEGV, info)  # type: ignore[attr-defined]
        a.note("a SIGSEGV naming target - 32 queued ahead of the fault's own")


# --- the alternate stack --------------------------------------------------------------
@scenario(id="XD-008", title="Run a handler installed without SA_ONSTACK on the alternate "
          "stack", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME",), program=SIGNALS,
          silent="the frame goes where the program's own action says",
          prop="A handler runs on the alternate stack only if its action has SA_ONSTACK.")
def xd_onstack_unset(adv: Adversary) -> None:
    """1. The program sets an alternate stack and installs SIGUSR1's handler without
    SA_ONSTACK, then raises SIGUSR1; the handler notes whether a local lies in the
    alternate stack.
    2. As kill enters, the kernel adds SA_ONSTACK to the action in its table.
    3. The handler runs on the alternate stack: index -4, secret bytes 0..7.
    Linux's get_sigframe() takes sigsp(), which moves to the alternate stack only when
    ka->sa.sa_flags & SA_ONSTACK (the program's own action)."""
    @_call(adv, Point.SYSCALL_ENTRY, NR_KILL, P_ONSTACK_UNSET)
    def _(a: Adversary, thread: object) -> None:
        act = a.init.sigactions.get(SIGUSR1)
        a.init.sigactions.set(SIGUSR1, sig.SigAction(act.handler, act.flags | sig.SA_ONSTACK,
                                                     act.mask, act.restorer))
        a.note("SA_ONSTACK added to SIGUSR1's action")


@scenario(id="XD-009", title="Run an SA_ONSTACK handler on the thread's stack by reporting "
          "the alternate stack disabled", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FRAME",), program=SIGNALS,
          prop="An SA_ONSTACK handler runs on the alternate stack the thread set (when not "
               "already on it).")
def xd_onstack_set(adv: Adversary) -> None:
    """1. The program sets an alternate stack, installs SIGUSR1's handler with SA_ONSTACK
    and raises SIGUSR1 from its main stack.
    2. As kill enters, the kernel records the alternate stack as SS_DISABLE (and puts it
    back once the signal is delivered).
    3. The handler runs on the main stack: index -4, secret bytes 0..7.
    Linux's sigsp() moves to current->sas_ss_sp + sas_ss_size when SA_ONSTACK and
    !on_sig_stack(sp); only the thread's own sigaltstack() changes sas_ss_*."""
    @_call(adv, Point.SYSCALL_ENTRY, NR_KILL, P_ONSTACK_SET)
    def _(a: Adversary, thread: object) -> None:
        a.memo["alt"] = thread.altstack  # type: ignore[attr-defined]
        a.memo["thread"] = thread
        thread.altstack = (0, sig.SS_DISABLE, 0)  # type: ignore[attr-defined]
        a.note("the alternate stack reported disabled")

    @adv.on(Point.SIGNAL_DELIVERED, during=P_ONSTACK_SET)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if "alt" in a.memo:
            a.memo["thread"].altstack = a.memo["alt"]


@scenario(id="XD-010", title="Answer sigaltstack(NULL, &old) inside a handler running on the "
          "alternate stack with ss_flags 0", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE",), program=SIGNALS, args=(ALT_OLD,),
          prop="sigaltstack() called on the alternate stack reports SS_ONSTACK in the old "
               "state's ss_flags.")
def xd_alt_old(adv: Adversary) -> None:
    """1. An SA_ONSTACK handler, running on the alternate stack, reads the alternate stack
    with sigaltstack(NULL, &old) (victim switch -a).
    2. As the call returns, the kernel writes ss_flags = 0 into old.
    3. The handler sees 0, not SS_ONSTACK: index -4, secret bytes 0..7.
    Linux's do_sigaltstack() fills oss.ss_flags = sas_ss_flags(sp), SS_ONSTACK while
    on_sig_stack(user SP)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_SIGALTSTACK, P_ALT_OLD)
    def _(a: Adversary, thread: object) -> None:
        a.kernel.uaccess.write(a.reg("x1") + 8, struct.pack("<i", 0))
        a.note("ss_flags 0 written into the old state")


# --- rt_sigreturn -----------------------------------------------------------------------
@scenario(id="XD-011", title="Resume after rt_sigreturn with the x0 the handler replaced in "
          "its frame", family=RT, goal=Goal.LEAK, rules=("G-SIGRETURN", "G-RESUME-CONTEXT"),
          program=SIGNALS, silent=RESTORED,
          prop="rt_sigreturn restores the registers the frame holds as the handler left "
               "them.")
def xd_sigret_x0(adv: Adversary) -> None:
    """1. The program raises SIGUSR1 with kill(); its handler sets uc_mcontext.regs[0] = 7,
    so kill() 'returns' 7.
    2. As rt_sigreturn returns, the kernel sets x0 = 0 (what kill returned).
    3. kill() returns 0: index -4, secret bytes 0..7.
    Linux's restore_sigframe() copies regs[] from the frame (__get_user_error on
    sf->uc.uc_mcontext.regs) and rt_sigreturn returns regs->regs[0] itself."""
    _sigreturn_ctx(adv, P_SIGRET_X0, lambda a, ctx: ctx.set(0, 0))


@scenario(id="XD-013", title="Undo the TPIDR_EL0 a handler set at rt_sigreturn", family=RT,
          goal=Goal.LEAK, rules=("G-SIGRETURN", "G-RESUME-CONTEXT"), program=SIGNALS,
          silent=RESTORED,
          prop="rt_sigreturn leaves TPIDR_EL0 as the handler left it: it is not in the "
               "frame.")
def xd_sigret_tpidr(adv: Adversary) -> None:
    """1. SIGUSR1's handler writes TPIDR_EL0 = 0x7ead4600; after kill() returns the program
    reads TPIDR_EL0.
    2. As rt_sigreturn returns, the kernel sets TPIDR_EL0 = 0x7ead4600 - 4 (MSR and saved
    context).
    3. The program reads 4 less: index -4, secret bytes 0..7.
    Linux's restore_sigframe() restores regs, sp, pc, pstate, the mask and the FP/SVE/
    SME/TPIDR2 records; TPIDR_EL0 is not among them, and rt_sigreturn does not touch it."""
    def change(a: Adversary, ctx) -> None:  # type: ignore[no-untyped-def]
        ctx.set(CTX_TPIDR, TLS_SET - 4)
        a.el1.msr(TPIDR_EL0, TLS_SET - 4)
    _sigreturn_ctx(adv, P_SIGRET_TPIDR, change)


@scenario(id="XD-014", title="Change d8 as rt_sigreturn returns", family=RT, goal=Goal.LEAK,
          rules=("G-SIGRETURN", "G-RESUME-CONTEXT"), program=SIGNALS, silent=RESTORED,
          prop="rt_sigreturn restores the SIMD registers from the frame's fpsimd_context.")
def xd_sigret_q8(adv: Adversary) -> None:
    """1. The program loads a pattern in d8 and raises SIGUSR1 with an inline SVC; its
    handler (C, d8 callee-saved) returns.
    2. As rt_sigreturn returns, the kernel writes q8 = pattern - 4.
    3. d8 after the SVC is 4 less: index -4, secret bytes 0..7.
    Linux's restore_fpsimd_context() loads vregs from the frame; nothing else writes
    them on the way back."""
    _sigreturn_ctx(adv, P_SIGRET_Q8, lambda a, ctx: ctx.set(CTX_Q0 + 8, Q8_PATTERN - 4))


@scenario(id="XD-015", title="Serve a handler's getpid() as rt_sigreturn", family=RT,
          goal=Goal.LEAK, rules=("G-SIGRETURN", "G-RESUME-ELR"), program=SIGNALS,
          prop="Only the program's own rt_sigreturn restores a signal frame: a handler's "
               "getpid() returns to the handler.")
def xd_fake_return(adv: Adversary) -> None:
    """1. SIGUSR1's handler (assembly) calls getpid() with SP at its frame, then sets a flag
    and returns with its own rt_sigreturn.
    2. At the getpid the kernel changes x8 to rt_sigreturn and serves that, restoring the
    frame: the program resumes after kill() without the rest of the handler.
    3. The flag is unset: index -4, secret bytes 0..7.
    Linux's sys_getpid() returns the tgid and never touches the frame; the syscall table
    entry is chosen by the x8 the program set (el0_svc_common)."""
    @_call(adv, Point.SYSCALL_ENTRY, NR_GETPID, P_FAKE_RETURN)
    def _(a: Adversary, thread: object) -> None:
        a.set_reg("x8", NR_RT_SIGRETURN)
        a.note("getpid served as rt_sigreturn")


# --- restarts ---------------------------------------------------------------------------
@scenario(id="XD-016", title="Restart a ppoll() the signal its mask let in interrupted",
          family=RT, goal=Goal.LEAK, rules=("G-RETURN-PATHS", "G-SIGNAL-HANDLER"),
          program=SIGNALS,
          prop="ppoll() interrupted by a handled signal fails with EINTR; Linux never "
               "restarts it, with or without SA_RESTART.")
def xd_ppoll_restart(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, raises it (pending), then calls ppoll(NULL, 0, 1 ms,
    {}) whose mask lets it in; the handler runs.
    2. As ppoll returns -EINTR, the kernel re-arms it as a restart (the SVC again,
    -ERESTARTNOINTR to the Guardian, x0 = its first argument without one).
    3. After the handler the re-run ppoll times out: ppoll() returns 0 with the handler
    run, index -4, secret bytes 0..7.
    Linux's ppoll returns -ERESTARTNOHAND (do_sys_poll), which do_signal() turns into
    -EINTR whenever a handler runs (arch/arm64/kernel/signal.c handle_restart)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_PPOLL, P_PPOLL)
    def _(a: Adversary, thread: object) -> None:
        pc = a.reg("pc")
        a.set_reg("x0", (-ERESTARTNOINTR) & MASK64 if a.guarded else 0)
        a.set_reg("pc", pc - 4)
        a.note(f"ppoll re-armed at {pc - 4:#x}")


@scenario(id="XD-019", title="Let the program's store into its PROT_READ page complete with no "
          "SIGSEGV", family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"),
          program=SIGNALS,
          prop="A store into a page the program mapped PROT_READ (and never mprotect()ed) "
               "raises SIGSEGV; it never completes.")
def xd_no_segv(adv: Adversary) -> None:
    """1. The program maps a page PROT_READ and stores into it (a SIGSEGV handler ready).
    2. At the step's marker the kernel records the area PROT_READ|PROT_WRITE, so the
    store's fault maps a writable zero page and the store completes.
    3. No SIGSEGV came: index -4, secret bytes 0..7.
    Linux's do_page_fault() finds the VMA without VM_WRITE (access_error) and sends
    SIGSEGV/SEGV_ACCERR; only the program's own mprotect() adds VM_WRITE."""
    @adv.on(Point.MARKER, phase=P_SEGV_ADDR)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        vma = a.mm.vmas.find(args[1])
        if vma is None:
            a.note("no area at the target")
            return
        a.mm.vmas.replace(vma, replace(vma, prot=vma.prot | PROT_WRITE))
        a.note(f"the area at {args[1]:#x} recorded writable")


@scenario(id="XD-020", title="Answer a handler's sigaltstack() that changes the alternate "
          "stack it runs on with success", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FRAME", "G-SIGNAL-OLD-STATE"), program=SIGNALS, args=(ALT_OLD,),
          prop="sigaltstack() that would change the alternate stack while the thread runs "
               "on it fails with EPERM.")
def xd_alt_busy(adv: Adversary) -> None:
    """1. An SA_ONSTACK handler, running on the alternate stack, asks sigaltstack() for
    another one (victim switch -a).
    2. As the call returns, the kernel answers 0.
    3. The handler sees 0, not -EPERM: index -4, secret bytes 0..7.
    Linux's do_sigaltstack() returns -EPERM when on_sig_stack(sp) and a new stack is
    given (kernel/signal.c)."""
    @_call(adv, Point.SYSCALL_EXIT, NR_SIGALTSTACK, P_ALT_BUSY)
    def _(a: Adversary, thread: object) -> None:
        a.set_reg("x0", 0)
        a.note("sigaltstack answered 0")


@scenario(id="XD-021", title="Take back the write permission a SIGSEGV handler's mprotect() "
          "granted, so the retried store faults again", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=SIGNALS,
          prop="After mprotect(PROT_READ|PROT_WRITE) succeeded, a store into the page "
               "never raises SIGSEGV.")
def xd_segv_retry(adv: Adversary) -> None:
    """1. The program stores into its PROT_READ page; its SIGSEGV handler mprotect()s the
    page RW and returns to the store, which should now complete (one SIGSEGV).
    2. As the handler's mprotect returns 0, the kernel protects the range PROT_READ
    again (its own mm.protect).
    3. The retried store faults a second time: two handler runs, index -4, secret bytes
    0..7.
    Linux's mprotect_fixup() sets VM_WRITE before mprotect() returns 0; a write fault
    on a VM_WRITE area is resolved (handle_mm_fault), never a SIGSEGV, and no other
    thread could have changed it."""
    @_call(adv, Point.SYSCALL_EXIT, NR_MPROTECT, P_SEGV_RETRY)
    def _(a: Adversary, thread: object) -> None:
        start = a.memo.get("page")
        if start is None:
            return
        a.mm.protect(start, start + 4096, PROT_READ)
        a.note(f"{start:#x} protected PROT_READ again")

    @adv.on(Point.MARKER, phase=P_SEGV_RETRY)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["page"] = args[1] & ~0xFFF


@scenario(id="XD-022", title="Keep SIGUSR1 blocked through the program's rt_sigprocmask("
          "SIG_UNBLOCK) after a handler longjmp()ed out", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"), program=SIGNALS,
          prop="rt_sigprocmask(SIG_UNBLOCK) unblocks the signal: the program's next kill() "
               "of itself is delivered before it returns.")
def xd_unblock_kept(adv: Adversary) -> None:
    """1. SIGUSR1's handler leaves by longjmp (SIGUSR1 stays blocked, as Linux leaves it);
    the program unblocks SIGUSR1 with rt_sigprocmask and kill()s itself again.
    2. As that unblock returns, the kernel blocks SIGUSR1 again in its record.
    3. kill() returns 0 with SIGUSR1 pending, the handler ran once, not 40 times: index
    -4, secret bytes 0..7.
    Linux's sigprocmask() -> __set_current_blocked() removes the bit; kill() then queues
    an unblocked signal for the only thread, delivered before the call returns."""
    count = {"n": 0}

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGPROCMASK, during=P_LONGJMP, once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        count["n"] += 1
        if count["n"] == 2:
            thread.sigmask |= sig.bit(SIGUSR1)  # type: ignore[attr-defined]
            a.note("SIGUSR1 blocked again after the unblock")


# --- faults Linux resolves, reported as SIGSEGV ----------------------------------------
def _fault_as_segv(adv: Adversary, phase: int) -> None:
    """At the program's first fault on the page its marker `phase` names (x3), queue
    SIGSEGV/SEGV_ACCERR for it (the kernel still resolves the fault)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["page"] = int(args[1]) & ~0xFFF

    @adv.on(Point.FAULT, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        far = info.far  # type: ignore[attr-defined]
        if "reported" in a.memo or far & ~0xFFF != a.memo.get("page"):
            return
        a.memo["reported"] = True
        thread.pending.add(SIGSEGV, sig.pack_siginfo(  # type: ignore[attr-defined]
            SIGSEGV, SEGV_ACCERR, addr=far))
        a.note(f"the fault at {far:#x} reported as SIGSEGV")


def _segv_scenario(id_: str, phase: int, what: str, prop: str, step1: str,
                   why: str, title: str = "", **kw) -> None:  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        _fault_as_segv(adv, phase)
    doc = (f"1. {step1}\n2. At the access's data abort, the kernel queues "
           "SIGSEGV/SEGV_ACCERR for it (and still resolves the fault).\n"
           "3. The probe's handler runs: index -4, secret bytes 0..7.\n" + why)
    scenario(id=id_, title=title or f"Report the first store into {what} as SIGSEGV",
             family=RT,
             goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=SIGNALS, prop=prop,
             **kw)(documented(steps, doc))


_segv_scenario(
    "XD-023", P_FAULT_MPROT, "an area the program mprotect()ed from PROT_NONE to RW",
    "A store into a private anonymous area mprotect() made read-write is resolved; it "
    "is never reported as SIGSEGV.",
    "The program maps a page PROT_NONE, mprotect()s it PROT_READ|PROT_WRITE and stores "
    "into it under a probe (a SIGSEGV handler that skips the store).",
    "Linux's mprotect_fixup() gave the VMA VM_WRITE; do_page_fault() finds no "
    "access_error and handle_mm_fault() allocates the page.")
_segv_scenario(
    "XD-024", P_FAULT_SHARED, "a MAP_SHARED anonymous area",
    "A store into a shared anonymous read-write area is resolved; never SIGSEGV.",
    "The program maps a page MAP_SHARED|MAP_ANONYMOUS read-write and stores into it "
    "under a probe.",
    "Linux backs it with shmem (shmem_zero_setup); the write fault allocates a page "
    "(shmem_fault), no signal.")
_segv_scenario(
    "XD-025", P_FAULT_BSS, "a fresh page of the program's .bss",
    "A store into the program's .bss is resolved; never SIGSEGV.",
    "The program stores into a page of its .bss it has not touched yet, under a probe.",
    "The ELF loader maps .bss as a read-write anonymous area (set_brk / "
    "vm_brk_flags in load_elf_binary); a write fault there allocates a zero page.")
_segv_scenario(
    "XD-026", P_FAULT_FILE, "a MAP_PRIVATE read-write mapping of a memfd",
    "A store into a private read-write file mapping inside the file's size is "
    "resolved (copy on write); never SIGSEGV.",
    "The program ftruncate()s a memfd to one page, maps it MAP_PRIVATE read-write and "
    "stores into it under a probe.",
    "Linux's do_cow_fault() copies the file's page into an anonymous one; the area is "
    "VM_WRITE and the page lies inside i_size, so no signal.")
_segv_scenario(
    "XD-027", P_FAULT_MREMAP, "the page mremap() grew an anonymous area by",
    "A store into the part of a private anonymous area mremap() added is resolved; "
    "never SIGSEGV.",
    "The program maps a read-write page, mremap()s it to two pages (MREMAP_MAYMOVE) and "
    "stores into the new second page under a probe.",
    "Linux's mremap() extends the VMA with the same VM_READ|VM_WRITE flags (vma_expand / "
    "move_vma); the write fault allocates the page.")


_segv_scenario(
    "XD-028", P_FAULT_RO_LOAD, "",
    "A load from a private anonymous PROT_READ area is resolved (it reads zeros); it is "
    "never reported as SIGSEGV.",
    "The program maps a page PROT_READ (private, anonymous) and loads from it under a "
    "probe (a SIGSEGV handler that skips the load, leaving -1).",
    "Linux's do_page_fault() finds VM_READ (no access_error) and do_anonymous_page() "
    "maps the zero page for the read.",
    title="Report the first load from a PROT_READ anonymous page as SIGSEGV")


@scenario(id="XD-029", title="Answer a signalfd read of the program's own tgkill() with "
          "ssi_code SI_USER", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE", "G-UACCESS-CAP"), program=SIGNALS,
          prop="A signalfd record of a signal the program sent itself with tgkill() says "
               "SI_TKILL and its pid.")
def xd_signalfd_code(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, makes a signalfd for it, tgkill()s itself SIGUSR1 and
    reads one 128-byte record.
    2. As the read returns 128, the kernel writes ssi_code = SI_USER into the record.
    3. The program sees SI_USER with its own pid: index -4, secret bytes 0..7.
    Linux's signalfd_copyinfo() copies the queued siginfo's si_code (do_tkill's
    SI_TKILL); SI_USER with the program's pid needs its own kill(), which it never made."""
    _learn(adv, P_SIGNALFD_CODE, "rec")

    @_call(adv, Point.SYSCALL_EXIT, NUMBERS["read"], P_SIGNALFD_CODE)
    def _(a: Adversary, thread: object) -> None:
        a.kernel.uaccess.write(a.memo["rec"] + 8, struct.pack("<i", SI_USER))
        a.note("ssi_code SI_USER written into the record")


@scenario(id="XD-030", title="Report the first store into a MAP_PRIVATE memfd mapping inside "
          "the file's size as SIGBUS (BUS_ADRERR)", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT",), program=SIGNALS,
          prop="A store into a private read-write file mapping inside the file's size is "
               "resolved (copy on write); never SIGBUS.")
def xd_bus_private_memfd(adv: Adversary) -> None:
    """1. The program ftruncate()s a memfd to one page, maps it MAP_PRIVATE read-write and
    stores into it under a probe (a SIGSEGV/SIGBUS handler that skips the store).
    2. At the store's data abort, the kernel queues SIGBUS/BUS_ADRERR for it (and still
    resolves the fault).
    3. The probe's handler runs: index -4, secret bytes 0..7.
    Linux raises SIGBUS for a file mapping only past i_size (filemap_fault ->
    VM_FAULT_SIGBUS); the page lies inside it and do_cow_fault() copies it."""
    @adv.on(Point.MARKER, phase=P_FAULT_FILE)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["page"] = int(args[1]) & ~0xFFF

    @adv.on(Point.FAULT, during=P_FAULT_FILE, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        far = info.far  # type: ignore[attr-defined]
        if "reported" in a.memo or far & ~0xFFF != a.memo.get("page"):
            return
        a.memo["reported"] = True
        thread.pending.add(SIGBUS, sig.pack_siginfo(  # type: ignore[attr-defined]
            SIGBUS, BUS_ADRERR, addr=far))
        a.note(f"the fault at {far:#x} reported as SIGBUS")
