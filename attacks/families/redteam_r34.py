"""Red-team round thirty-four: exec, and what survives it.

A confidential program that execs itself hands the kernel every piece of state Linux's
execve keeps or resets: signal dispositions (handled ones reset to SIG_DFL, ignored ones
kept: QR-001, QR-002), the blocked mask (kept: QR-003), the alternate signal stack
(cleared: QR-004), the robust-futex list and the clear-child-tid address (released:
QR-005, QR-006), the persona (kept: QR-007), the task's name (the new image's: QR-008)
and POSIX timers (deleted: QR-009).  The kernel may also act on stale state: run the old
image's handler (QR-010), deliver the still-blocked signal (QR-011), or put a frame on the
old alternate stack (QR-012).  A failed execve() changes nothing (QR-013, QR-014,
QR-021).  QR-015..QR-024 change the kernel's own tables instead of its answers (the
answer then is the table's, honestly): the dispositions, persona, alternate stack, mask,
name, clear-child-tid address and robust list a stale or wrong exec would leave.

The victim is `secret_r34_exec` (workloads/src/secret_r34_exec.c): stage one sets the
state up and execs the program itself; the exec'd image places the secret and each step
announces itself with a marker and turns one value into the index of a public label in a
log buffer that begins with a copy of the secret, then writes that label to /dev/null.
Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model import signals as sig

RT = "redteam_r34"
EXEC = "secret_r34_exec"
# secret_r34_exec: the marker before each step; the marker after its write is + 1.
P_FAILED_EXEC, P_FAILED_MASK, P_EXEC, P_STAGE2 = 3400, 3402, 3404, 3406
P_DISP_HANDLED, P_DISP_IGNORED, P_MASK, P_ALTSTACK = 3410, 3412, 3414, 3416
P_ROBUST, P_TIDADDR, P_PERSONA, P_NAME, P_POSIX_TIMER = 3418, 3420, 3422, 3424, 3426
P_STALE_HANDLER, P_BLOCKED, P_ONSTACK = 3428, 3430, 3432
NR_SIGACTION = NUMBERS["rt_sigaction"]
NR_SIGPROCMASK = NUMBERS["rt_sigprocmask"]
NR_SIGALTSTACK = NUMBERS["sigaltstack"]
NR_GET_ROBUST = NUMBERS["get_robust_list"]
NR_PRCTL = NUMBERS["prctl"]
NR_PERSONALITY = NUMBERS["personality"]
NR_TIMER_GETTIME = NUMBERS["timer_gettime"]
SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH = 1, 10, 12, 28
ALT_SIZE = 16384
#: The predecessor design refuses a confidential program's execve of itself: stage two
#: (where every step but the failed-exec ones runs) never starts.
NO_STAGE2 = ("the predecessor design refuses the program's execve of itself, so the exec'd "
             "image whose answers this scenario changes never runs")
Q = struct.Struct("<Q")


def _stage_one(adv: Adversary) -> None:
    """Remember what stage one set up (P_EXEC: x2 altbuf, x3 &my_head, x4 &my_tid, x5 the
    timer id) and the handler it installed for SIGUSR2."""
    @adv.on(Point.MARKER, phase=P_EXEC)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["altbuf"], a.memo["head"], a.memo["tid"], a.memo["timer"] = args[:4]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGACTION, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") == SIGUSR2 and a.reg("x1"):
            a.memo["usr2"] = Q.unpack(a.kernel.uaccess.read(a.reg("x1"), 8))[0]


def _answer(adv: Adversary, nr: int, during: int, write, x0: int | None = None,  # type: ignore[no-untyped-def]
            first: bool = False) -> None:
    """At the exit of call `nr` during step `during`: `write(a)` the out-buffer the kernel
    answers with (and x0)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=first)
    def _(a: Adversary, **_: object) -> None:
        write(a)
        if x0 is not None:
            a.set_reg("x0", x0)
        a.note(f"answered call {nr} during marker {during}")


# --- what the exec'd image asks about -------------------------------------------------------
@scenario(id="QR-001", silent=NO_STAGE2, title="Report the exec'd image's SIGUSR2 disposition as stage one's handler",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve resets every handled signal to SIG_DFL (flush_signal_handlers()); the "
               "new image reads SIG_DFL back for a signal it has not handled.")
def qr_disp_handled(adv: Adversary) -> None:
    """1. Stage one installs a SIGUSR2 handler and execs the program itself.
    2. The exec'd image asks rt_sigaction(SIGUSR2, NULL, &old); the kernel answers with
    stage one's handler address.
    3. The image sees a handler it never installed: index -4, bytes 0..7 of the secret.
    Linux's begin_new_exec() calls flush_signal_handlers(current, 0): every handler
    becomes SIG_DFL; nothing but the image's own rt_sigaction could install one."""
    _stage_one(adv)
    _answer(adv, NR_SIGACTION, P_DISP_HANDLED,
            lambda a: a.kernel.uaccess.write(a.reg("x2"), Q.pack(a.memo.get("usr2", 0x400000))))


@scenario(id="QR-002", silent=NO_STAGE2, title="Report the exec'd image's ignored SIGHUP as SIG_DFL", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve keeps an ignored signal ignored: the new image reads SIG_IGN back.")
def qr_disp_ignored(adv: Adversary) -> None:
    """1. Stage one sets SIGHUP to SIG_IGN and execs the program itself.
    2. The exec'd image asks rt_sigaction(SIGHUP, NULL, &old); the kernel answers SIG_DFL.
    3. The image takes SIGHUP for not ignored: index -4, bytes 0..7 of the secret.
    flush_signal_handlers(t, 0) keeps SIG_IGN (only handlers are reset), and no other
    process can change this process's dispositions."""
    _stage_one(adv)
    _answer(adv, NR_SIGACTION, P_DISP_IGNORED,
            lambda a: a.kernel.uaccess.write(a.reg("x2"), Q.pack(0)))


@scenario(id="QR-003", silent=NO_STAGE2, title="Report the exec'd image's blocked mask without SIGUSR1", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve keeps the blocked mask: the new image reads back what stage one blocked.")
def qr_mask(adv: Adversary) -> None:
    """1. Stage one blocks SIGUSR1 and execs the program itself.
    2. The exec'd image asks rt_sigprocmask(SIG_BLOCK, NULL, &old); the kernel answers 0.
    3. The image finds SIGUSR1 unblocked: index -4, bytes 0..7 of the secret.
    execve never touches current->blocked; only the thread itself changes its mask."""
    _stage_one(adv)
    _answer(adv, NR_SIGPROCMASK, P_MASK, lambda a: a.kernel.uaccess.write(a.reg("x2"), Q.pack(0)))


@scenario(id="QR-004", silent=NO_STAGE2, title="Report stage one's alternate signal stack to the exec'd image",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve clears the alternate signal stack: sigaltstack() answers SS_DISABLE in "
               "the new image until it sets one.")
def qr_altstack(adv: Adversary) -> None:
    """1. Stage one sets an alternate stack (altbuf) and execs the program itself.
    2. The exec'd image asks sigaltstack(NULL, &old); the kernel answers {altbuf, 0, 16K}.
    3. The image sees an alternate stack enabled: index -4, bytes 0..7 of the secret.
    Linux's copy of the mm for exec resets sas_ss_sp/sas_ss_size (the new mm has no such
    area; see the sas_ss_reset in begin_new_exec's path), so it answers SS_DISABLE."""
    _stage_one(adv)
    _answer(adv, NR_SIGALTSTACK, P_ALTSTACK, lambda a: a.kernel.uaccess.write(
        a.reg("x1"), struct.pack("<QiiQ", a.memo.get("altbuf", 0), 0, 0, ALT_SIZE)))


@scenario(id="QR-005", silent=NO_STAGE2, title="Report stage one's robust-list head to the exec'd image", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve releases the robust-futex list: get_robust_list() never names the old "
               "image's head in the new one.")
def qr_robust(adv: Adversary) -> None:
    """1. Stage one registers my_head with set_robust_list() and execs the program itself.
    2. The exec'd image asks get_robust_list(0, &head, &len); the kernel answers my_head.
    3. The image finds the old head registered: index -4, bytes 0..7 of the secret.
    exec_mm_release() -> futex_exec_release() -> futex_cleanup() walks and clears
    tsk->robust_list; the new image's libc then registers its own head."""
    _stage_one(adv)
    _answer(adv, NR_GET_ROBUST, P_ROBUST,
            lambda a: a.kernel.uaccess.write(a.reg("x1"), Q.pack(a.memo.get("head", 0))))


@scenario(id="QR-006", silent=NO_STAGE2, title="Report stage one's clear-child-tid address to the exec'd image",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve clears the clear-child-tid address: PR_GET_TID_ADDRESS never names the "
               "old image's word.")
def qr_tidaddr(adv: Adversary) -> None:
    """1. Stage one calls set_tid_address(&my_tid) and execs the program itself.
    2. The exec'd image asks prctl(PR_GET_TID_ADDRESS); the kernel answers &my_tid.
    3. The image finds the old word registered: index -4, bytes 0..7 of the secret.
    mm_release() (from exec_mm_release) writes 0 to the old word and sets
    tsk->clear_child_tid = NULL; only the new image's set_tid_address sets another."""
    _stage_one(adv)
    _answer(adv, NR_PRCTL, P_TIDADDR,
            lambda a: a.kernel.uaccess.write(a.reg("x1"), Q.pack(a.memo.get("tid", 0))), x0=0,
            first=True)


@scenario(id="QR-007", silent=NO_STAGE2, title="Report the exec'd image's persona as PER_LINUX", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve keeps the persona but for the PER_CLEAR_ON_SETID bits a set-user-id "
               "image or file capabilities take (which the Guardian cannot rule out): "
               "personality(0xffffffff) answers what stage one set, or that without "
               "ADDR_NO_RANDOMIZE; never PER_LINUX, for WHOLE_SECONDS always stays.")
def qr_persona(adv: Adversary) -> None:
    """1. Stage one sets personality(ADDR_NO_RANDOMIZE|WHOLE_SECONDS) and execs the program itself.
    2. The exec'd image asks personality(0xffffffff); the kernel answers 0 (PER_LINUX).
    3. The image finds its persona changed: index -4, bytes 0..7 of the secret.
    Linux's begin_new_exec() keeps current->personality but for bprm->per_clear
    (PER_CLEAR_ON_SETID, set for a set-user-id file even with AT_SECURE 0); WHOLE_SECONDS is
    not among those bits, and no other process can set a persona."""
    _stage_one(adv)
    _answer(adv, NR_PERSONALITY, P_PERSONA, lambda a: None, x0=0)


@scenario(id="QR-008", silent=NO_STAGE2, title="Report the exec'd image's name as stage one's", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve names the task after the new image (__set_task_comm with the file's "
               "basename): PR_GET_NAME never answers the name stage one set.")
def qr_name(adv: Adversary) -> None:
    """1. Stage one calls prctl(PR_SET_NAME, "r34-before") and execs the program itself.
    2. The exec'd image asks prctl(PR_GET_NAME); the kernel answers "r34-before".
    3. The image finds the old name: index -4, bytes 0..7 of the secret.
    begin_new_exec() calls __set_task_comm(me, kbasename(bprm->filename)); only the task's
    own thread group may change comm later (comm_write checks same_thread_group)."""
    _stage_one(adv)
    _answer(adv, NR_PRCTL, P_NAME,
            lambda a: a.kernel.uaccess.write(a.reg("x1"), b"r34-before".ljust(16, b"\0")),
            x0=0, first=True)


@scenario(id="QR-009", silent=NO_STAGE2, title="Keep stage one's POSIX timer alive in the exec'd image", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=EXEC, args=(b"-t",),
          prop="execve deletes every POSIX timer (exit_itimers in begin_new_exec): "
               "timer_gettime() of an old id fails with EINVAL in the new image.")
def qr_posix_timer(adv: Adversary) -> None:
    """1. Stage one creates a POSIX timer (id 0) and execs the program itself (with -t).
    2. The exec'd image asks timer_gettime(0); the kernel answers 0 and a disarmed value.
    3. The image finds a timer it never created: index -4, bytes 0..7 of the secret.
    begin_new_exec() calls exit_itimers(me): the new image has no timer until it creates
    one, and lock_timer() answers -EINVAL for any other id."""
    _stage_one(adv)
    _answer(adv, NR_TIMER_GETTIME, P_POSIX_TIMER,
            lambda a: a.kernel.uaccess.write(a.reg("x1"), bytes(32)), x0=0)


# --- stale state the kernel acts on ---------------------------------------------------------
@scenario(id="QR-010", silent=NO_STAGE2, title="Run stage one's SIGUSR2 handler in the exec'd image", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=EXEC,
          prop="A handler installed before execve never runs after it: the new image has "
               "SIG_DFL for every handled signal.")
def qr_stale_handler(adv: Adversary) -> None:
    """1. Stage one installs on_usr2 for SIGUSR2 and execs the program itself (the static
    image puts on_usr2 at the same address).
    2. At the exec'd image's marker, the kernel records on_usr2 as SIGUSR2's handler again
    and sends SIGUSR2.
    3. on_usr2 counts a run: index -4, bytes 0..7 of the secret.
    flush_signal_handlers() reset the handler at exec; Linux would kill the process on
    SIGUSR2 (SIG_DFL), never run code the new image did not register."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STALE_HANDLER)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.init.sigactions.set(SIGUSR2, sig.SigAction(handler=args[1], flags=0))
        a.kernel.signals.send_process(a.init, SIGUSR2, sig.pack_siginfo(SIGUSR2, sig.SI_USER))
        a.note(f"SIGUSR2 sent with stage one's handler {args[1]:#x}")


@scenario(id="QR-011", silent=NO_STAGE2, title="Deliver the SIGUSR1 the exec'd image still blocks", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=EXEC,
          prop="A signal blocked before execve stays blocked after it: the new image's "
               "handler for it never runs while it is pending and blocked.")
def qr_blocked(adv: Adversary) -> None:
    """1. Stage one blocks SIGUSR1 and execs the program itself; the exec'd image installs
    a SIGUSR1 handler and sends itself SIGUSR1 (pending: still blocked).
    2. At its marker the kernel clears SIGUSR1 from the thread's mask, so the pending
    signal is delivered.
    3. The handler counts a run: index -4, bytes 0..7 of the secret.
    execve keeps current->blocked; a blocked signal is never dequeued (next_signal skips
    blocked ones)."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_BLOCKED)
    def _(a: Adversary, **_: object) -> None:
        a.thread.sigmask &= ~sig.bit(SIGUSR1)
        a.note("SIGUSR1 cleared from the exec'd image's mask")


@scenario(id="QR-012", silent=NO_STAGE2, title="Put the exec'd image's SA_ONSTACK frame on stage one's alternate "
                             "stack", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FRAME",), program=EXEC, args=(b"-s",),
          prop="execve clears the alternate stack: an SA_ONSTACK handler in the new image "
               "runs on the ordinary stack until the image sets one.")
def qr_onstack(adv: Adversary) -> None:
    """1. Stage one sets altbuf as its alternate stack and execs the program itself (with
    -s); the exec'd image installs an SA_ONSTACK SIGPROF handler and sends itself SIGPROF.
    2. The kernel keeps stage one's alternate stack for the thread.
    3. The frame goes into altbuf: the handler sees its stack there, index -4.
    Linux resets the alternate stack at exec; with none set, get_sigframe() uses the
    interrupted sp."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_ONSTACK)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.thread.altstack = (args[1], 0, args[2])
        a.note(f"the thread's alternate stack set back to {args[1]:#x}")


# --- a failed exec --------------------------------------------------------------------------
@scenario(id="QR-013", title="Fail an execve() with ENOENT, then report the handler reset",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="An execve() that returns changed nothing: the handler is still the program's.")
def qr_failed_handler(adv: Adversary) -> None:
    """1. The image installs a SIGWINCH handler and calls execve() of a missing path.
    2. The kernel answers -ENOENT and resets its dispositions as if the exec had gone
    through: rt_sigaction(SIGWINCH) answers SIG_DFL.
    3. The program finds its handler gone: index -4, bytes 0..7 of the secret.
    Linux resets handlers only past the point of no return (begin_new_exec); an exec
    that fails after it never returns (the process gets SIGSEGV/SIGKILL).
    With the Guardian on, its write of the stale value is refused (user_write
    ERR_DENIED): the call can only fail, an answer that tells the program nothing."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["execve"], during=P_FAILED_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.init.sigactions.reset_on_exec()
        a.note("the dispositions reset though execve() failed")


@scenario(id="QR-014", title="Fail an execve() with ENOENT, then report the blocked mask empty",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="An execve() that returns changed nothing: the blocked mask is the program's.")
def qr_failed_mask(adv: Adversary) -> None:
    """1. With SIGUSR1 blocked, the image calls execve() of a missing path (-ENOENT).
    2. It asks rt_sigprocmask(SIG_BLOCK, NULL, &old); the kernel answers 0.
    3. The program finds SIGUSR1 unblocked: index -4, bytes 0..7 of the secret.
    Neither a failed nor a successful execve changes current->blocked."""
    _answer(adv, NR_SIGPROCMASK, P_FAILED_MASK,
            lambda a: a.kernel.uaccess.write(a.reg("x2"), Q.pack(0)))


# --- the kernel's own tables, answered honestly ---------------------------------------------
@scenario(id="QR-015", silent=NO_STAGE2, title="Reset the ignored SIGHUP too at exec, then "
          "answer from the kernel's table", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve keeps an ignored signal ignored, whatever the kernel's table says.")
def qr_table_ignored(adv: Adversary) -> None:
    """1. Stage one sets SIGHUP to SIG_IGN and execs the program itself.
    2. As the exec'd image starts, the kernel drops SIGHUP's entry from its own table (as
    a reset that forgot SIG_IGN would) and answers rt_sigaction honestly from it.
    3. The image reads SIG_DFL for SIGHUP: index -4, bytes 0..7 of the secret.
    flush_signal_handlers(t, 0) leaves SIG_IGN; no other process can change it."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, **_: object) -> None:
        a.init.sigactions.set(SIGHUP, sig.SigAction())
        a.note("SIGHUP's SIG_IGN dropped from the kernel's table")


@scenario(id="QR-016", silent=NO_STAGE2, title="Keep stage one's SIGUSR2 handler in the "
          "kernel's table across exec, then answer from it", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve resets a handled signal to SIG_DFL, whatever the kernel's table says.")
def qr_table_handled(adv: Adversary) -> None:
    """1. Stage one installs a SIGUSR2 handler and execs the program itself.
    2. As the exec'd image starts, the kernel puts the old handler back in its table and
    answers rt_sigaction(SIGUSR2) honestly from it.
    3. The image reads a handler it never installed: index -4, bytes 0..7 of the secret.
    flush_signal_handlers() reset it at exec.
    With the Guardian on, its write of the stale value is refused (user_write
    ERR_DENIED): the call can only fail, an answer that tells the program nothing."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, **_: object) -> None:
        a.init.sigactions.set(SIGUSR2, sig.SigAction(handler=a.memo.get("usr2", 0x400000)))
        a.note("stage one's SIGUSR2 handler put back in the kernel's table")


@scenario(id="QR-017", silent=NO_STAGE2, title="Deliver the ignored SIGHUP to the exec'd image "
          "through stage one's handler", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER",), program=EXEC,
          prop="An ignored signal stays ignored across execve: it is discarded, never "
               "delivered to a handler.")
def qr_ignored_delivered(adv: Adversary) -> None:
    """1. Stage one ignores SIGHUP, installs on_usr2 for SIGUSR2, and execs itself.
    2. At the exec'd image's stale-handler marker, the kernel records on_usr2 as SIGHUP's
    handler and sends SIGHUP.
    3. on_usr2 counts a run: index -4, bytes 0..7 of the secret.
    Linux discards a signal whose disposition is SIG_IGN (sig_ignored() in send_signal),
    and the exec'd image registered no handler at all."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STALE_HANDLER)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.init.sigactions.set(SIGHUP, sig.SigAction(handler=args[1], flags=0))
        a.kernel.signals.send_process(a.init, SIGHUP, sig.pack_siginfo(SIGHUP, sig.SI_USER))
        a.note(f"SIGHUP sent with handler {args[1]:#x}")


@scenario(id="QR-018", silent=NO_STAGE2, title="Set the persona back to PER_LINUX in the "
          "kernel's thread at exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve keeps the persona; personality(0xffffffff) answers what stage one set.")
def qr_table_persona(adv: Adversary) -> None:
    """1. Stage one sets personality(ADDR_NO_RANDOMIZE|WHOLE_SECONDS) and execs the program itself.
    2. As the exec'd image starts, the kernel sets its own thread's persona to 0 and
    answers personality(0xffffffff) honestly from it.
    3. The image reads PER_LINUX: index -4, bytes 0..7 of the secret.
    begin_new_exec() keeps current->personality but for PER_CLEAR_ON_SETID bits, which
    WHOLE_SECONDS is not among: PER_LINUX is never the answer."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, **_: object) -> None:
        a.thread.persona = 0
        a.note("the thread's persona set to 0")


@scenario(id="QR-019", silent=NO_STAGE2, title="Keep stage one's alternate stack in the "
          "kernel's thread across exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve clears the alternate signal stack, whatever the kernel's thread says.")
def qr_table_altstack(adv: Adversary) -> None:
    """1. Stage one sets altbuf as its alternate stack and execs the program itself.
    2. As the exec'd image starts, the kernel sets its thread's alternate stack back to
    altbuf and answers sigaltstack(NULL, &old) honestly from it.
    3. The image reads an enabled alternate stack: index -4, bytes 0..7 of the secret.
    Linux clears the alternate stack at exec.
    With the Guardian on, its write of the stale value is refused (user_write
    ERR_DENIED): the call can only fail, an answer that tells the program nothing."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.thread.altstack = (args[0], 0, ALT_SIZE)
        a.note(f"the thread's alternate stack set back to {args[0]:#x}")


@scenario(id="QR-020", silent=NO_STAGE2, title="Clear the blocked mask in the kernel's thread "
          "at exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE", "G-SIGNAL-MASK"), program=EXEC,
          prop="execve keeps the blocked mask, whatever the kernel's thread says.")
def qr_table_mask(adv: Adversary) -> None:
    """1. Stage one blocks SIGUSR1 and execs the program itself.
    2. As the exec'd image starts, the kernel clears its thread's mask and answers
    rt_sigprocmask(SIG_BLOCK, NULL, &old) honestly from it.
    3. The image reads SIGUSR1 unblocked: index -4, bytes 0..7 of the secret.
    execve never changes current->blocked; only the thread itself does.
    With the Guardian on, its write of the stale value is refused (user_write
    ERR_DENIED): the call can only fail, an answer that tells the program nothing."""
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, **_: object) -> None:
        a.thread.sigmask = 0
        a.note("the thread's mask cleared")


@scenario(id="QR-021", title="Clear the blocked mask in the kernel's thread during a failed "
          "execve(), then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE", "G-SIGNAL-MASK"), program=EXEC,
          prop="An execve() that returns changed nothing: the blocked mask is the program's, "
               "whatever the kernel's thread says.")
def qr_failed_table_mask(adv: Adversary) -> None:
    """1. With SIGUSR1 blocked, the image calls execve() of a missing path.
    2. The kernel answers -ENOENT, drops the SIGUSR1 the image left pending (a signal the
    kernel may always drop), clears its thread's mask, and answers the following
    rt_sigprocmask(SIG_BLOCK, NULL, &old) honestly from it.
    3. The program reads SIGUSR1 unblocked: index -4, bytes 0..7 of the secret.
    Neither a failed nor a successful execve changes current->blocked.
    With the Guardian on, its write of the stale value is refused (user_write
    ERR_DENIED): the call can only fail, an answer that tells the program nothing."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["execve"], during=P_FAILED_EXEC)
    def _(a: Adversary, **_: object) -> None:
        a.thread.pending.discard(SIGUSR1)
        a.init.pending.discard(SIGUSR1)
        a.thread.sigmask = 0
        a.note("the thread's mask cleared though execve() failed")


def _at_stage2(adv: Adversary, change, what: str) -> None:  # type: ignore[no-untyped-def]
    _stage_one(adv)

    @adv.on(Point.MARKER, phase=P_STAGE2)
    def _(a: Adversary, **_: object) -> None:
        change(a)
        a.note(what)


@scenario(id="QR-022", silent=NO_STAGE2, title="Keep stage one's name in the kernel's thread "
          "across exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve names the task after the new image, whatever the kernel's thread says.")
def qr_table_name(adv: Adversary) -> None:
    """1. Stage one sets its name to "r34-before" and execs the program itself.
    2. As the exec'd image starts, the kernel sets its thread's comm back to "r34-before"
    and answers prctl(PR_GET_NAME) honestly from it.
    3. The image reads the old name: index -4, bytes 0..7 of the secret.
    begin_new_exec() calls __set_task_comm(me, kbasename(bprm->filename))."""
    def name_back(a: Adversary) -> None:
        a.thread.comm = b"r34-before"

    _at_stage2(adv, name_back, "the thread's comm set back to r34-before")


@scenario(id="QR-023", silent=NO_STAGE2, title="Keep stage one's clear-child-tid address in the "
          "kernel's thread across exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve clears the clear-child-tid address, whatever the kernel's thread says.")
def qr_table_tidaddr(adv: Adversary) -> None:
    """1. Stage one calls set_tid_address(&my_tid) and execs the program itself.
    2. As the exec'd image starts (after its libc set its own), the kernel sets its
    thread's clear_child_tid back to &my_tid and answers PR_GET_TID_ADDRESS from it.
    3. The image finds the old word registered: index -4, bytes 0..7 of the secret.
    mm_release() cleared it at exec; only set_tid_address/clone set another."""
    def put_back(a: Adversary) -> None:
        a.thread.clear_child_tid = a.memo.get("tid", 0)

    _at_stage2(adv, put_back, "the thread's clear_child_tid set back to stage one's")


@scenario(id="QR-024", silent=NO_STAGE2, title="Keep stage one's robust list in the kernel's "
          "thread across exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=EXEC,
          prop="execve releases the robust list, whatever the kernel's thread says.")
def qr_table_robust(adv: Adversary) -> None:
    """1. Stage one registers my_head and execs the program itself.
    2. As the exec'd image starts (after its libc registered its own head), the kernel
    sets its thread's robust_list back to my_head and answers get_robust_list from it.
    3. The image finds the old head: index -4, bytes 0..7 of the secret.
    futex_exec_release() cleared it at exec; only set_robust_list sets another."""
    def list_back(a: Adversary) -> None:
        a.thread.robust_list = a.memo.get("head", 0)

    _at_stage2(adv, list_back, "the thread's robust_list set back to stage one's")


@scenario(id="QR-025", silent=NO_STAGE2, title="Turn stage one's handled SIGUSR2 into an ignored "
          "one in the kernel's table at exec, then answer honestly", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE",), program=EXEC,
          prop="execve resets a handled signal to SIG_DFL, never to SIG_IGN.")
def qr_table_handled_ignored(adv: Adversary) -> None:
    """1. Stage one installs a SIGUSR2 handler and execs the program itself.
    2. As the exec'd image starts, the kernel records SIG_IGN for SIGUSR2 and answers
    rt_sigaction(SIGUSR2) honestly from its table.
    3. The image reads SIG_IGN for a signal it never ignored: index -4, bytes 0..7 of the
    secret (and a SIGUSR2 that should end it would be discarded).
    flush_signal_handlers(t, 0) sets SIG_DFL for every handled signal; only ignored ones
    stay SIG_IGN."""
    _at_stage2(adv, lambda a: a.init.sigactions.set(SIGUSR2, sig.SigAction(handler=sig.SIG_IGN)),
               "SIGUSR2 recorded as SIG_IGN")
