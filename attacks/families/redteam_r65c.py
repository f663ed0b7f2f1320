"""Red-team round 65c: restartable sequences (rseq) and the core after RESUME.

A thread that registered an rseq area and runs inside a critical section its rseq_cs
names is moved to the section's abort_ip when the kernel preempts it, migrates it or
delivers it a signal there (kernel/rseq.c: rseq_handle_notify_resume() ->
rseq_ip_fixup(), which also clears rseq_cs, clear_rseq_cs()); at every such return the
kernel also stores the CPU it runs on into the area (rseq_update_cpu_node_id()).

Signal actions a clone copies: the Guardian gives every child a copy of its creator's
table (copy_sighand()), with no regard to clone3's CLONE_CLEAR_SIGHAND, under which
Linux's copy_sighand() resets every handled signal to SIG_DFL in the child
(flush_signal_handlers(tsk, 0)); and the clone flags Linux refuses before any child exists
(copy_process(): -EINVAL) are no check of the Guardian's: it compares only CLONE_VM,
CLONE_VFORK and CLONE_THREAD with what the kernel served.

Through with the Guardian on when written (P6): YB-003, YB-004 (a parent's handler run
in a CLONE_CLEAR_SIGHAND child, fork and vfork), YB-005, YB-006, YB-007, YB-009, YB-010
(a child made for a clone Linux refuses: CLONE_SIGHAND without CLONE_VM, CLONE_SIGHAND
with CLONE_CLEAR_SIGHAND, CLONE_NEWNS with CLONE_FS, clone3's exit_signal 65, clone3's
stack of size 0).  Refused since: YB-003, YB-004 (signal.handler: the child's table is
flushed as copy_sighand() flushes it), YB-005, YB-006, YB-007, YB-009, YB-010
(fork.clone_valid).

On the victim `secret_r65_core`:

- YB-001: an abort after the section committed (the thread's pc moved to abort_ip at the
  return from a marker past post_commit_ip): refused (return.elr);
- YB-002: the area's cpu_id stored as -4 at a return from a timer interrupt inside the
  second section: refused (uaccess.syscall_in_progress);
- YB-003, YB-004: SIGUSR1 delivered into the parent's handler in a child clone3() made
  with CLONE_CLEAR_SIGHAND (a fork child; a vfork child): refused (signal.handler);
- YB-005, YB-006, YB-007: a child made for clone(CLONE_SIGHAND | SIGCHLD),
  clone3(CLONE_VM | CLONE_VFORK | CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) and
  clone(CLONE_NEWNS | CLONE_FS | SIGCHLD), each -EINVAL under Linux: refused
  (fork.clone_valid; the kernel model refuses them too, as copy_process() does);
- YB-008: close() restarted (-ERESTARTSYS, pc at its svc) after it closed the
  descriptor, a SA_RESTART handler run in between: refused (return.fd_open: the
  handler's open answering the descriptor the Guardian still counts open);
- YB-009, YB-010: a child made for clone3() with exit_signal 65 and with a stack of size
  0, each -EINVAL under Linux: refused (fork.clone_valid; the kernel model refuses both);
- honest, refused when written, let through since: the SIG_DFL a CLONE_CLEAR_SIGHAND
  child's rt_sigaction() reports (claim_cleared_action, victim argument -c: refused when
  written, uaccess.old_sigaction; the Guardian flushes the child's actions as
  copy_sighand() does since); an rseq() registration (claim_rseq_registered), the C
  library's own at start (claim_glibc_rseq_registered, victim `secret`), and the abort of
  a section a timer interrupt preempted (claim_rseq_abort_in_section): the kernel model
  has rseq since, and the Guardian judges its answer (return.rseq_answer) and stores the
  ids and moves an interrupted section to abort_ip itself (return.rseq_abort:
  guardian/rseq_areas.py).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from attacks.adversary import Adversary
from attacks.families import redteam_r50 as r50
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.signals import pack_siginfo

RT = "redteam_r65c"
VICTIM = "secret_r65_core"
# secret_r65_core: the marker before each step; the marker after its write is + 1.
P_RSEQ_ABORT, P_RSEQ_COMMITTED, P_RSEQ_CPU, P_CLEAR_SIGHAND = 7000, 7002, 7004, 7006
P_VFORK_CLEAR, P_SIGHAND_FORK, P_SIGHAND_CLEARED = 7008, 7010, 7012
P_NEWNS_FS, P_CLOSE_RESTART, P_EXIT_SIGNAL_65, P_STACK_SIZE_0 = 7014, 7016, 7018, 7020
P_VICTIM_LAST = 7020
P_CLEAR_QUERY = 7022            # (only with the argument -c)
NR_RT_SIGACTION = 134
NR_CLOSE, SIGUSR2 = 57, 12
NR_CLONE, NR_CLONE3 = 220, 435
CLONE_VM, CLONE_VFORK, SIGCHLD = 0x100, 0x4000, 17
SIGUSR1, SI_USER = 10, 0
P_PLACED = 1
NR_RSEQ = 293
RSEQ_SIG = 0xD428BC00
MASK64 = (1 << 64) - 1


def rseq_registered(adv: Adversary, phase: int) -> None:
    """Note the program's rseq() registration after marker `phase`, which the kernel model
    answers as Linux's sys_rseq() does (0); the ids Linux stores before the return
    (rseq_set_notify_resume(), rseq_update_cpu_node_id()) the Guardian stores itself."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["rseq"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"rseq({a.memo['rseq']:#x}) answered {a.reg('x0'):#x}")


def _keep_args(adv: Adversary, phase: int) -> None:
    @r50.at(adv, phase)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo[("args", phase)] = args


@scenario(id="YB-001", title="Move the thread to its rseq section's abort_ip at the return "
          "from a call it makes after the section committed", family=RT, goal=Goal.LEAK,
          rules=("G-RESUME-ELR",), program=VICTIM,
          prop="A thread resumes at an rseq section's abort_ip only from inside the section "
               "(before its commit), never after it.")
def yb_abort_after_commit(adv: Adversary) -> None:
    """1. The program runs an rseq section whose last instruction commits done = 1; past
    post_commit_ip it calls a marker.
    2. At the marker's return the kernel sets the thread's pc to the section's abort_ip:
    the abort handler finds done = 1 and chooses label -4.
    rseq_ip_fixup() moves the thread only when ip - start_ip < post_commit_offset
    (rseq_need_restart(), in_rseq_cs()); past the commit it leaves ip alone."""
    @r50.at(adv, P_RSEQ_COMMITTED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.set_reg("pc", args[0])
        a.note(f"pc set to abort_ip {args[0]:#x}")


@scenario(id="YB-002", title="Store -4 as the rseq area's cpu_id at the return from a timer "
          "interrupt inside the second section", family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-LIVE-SLOT",), program=VICTIM, timing="exact",
          prop="The cpu_id of an rseq area is a CPU of the machine, whenever the kernel "
               "refreshes it.")
def yb_cpu_at_irq(adv: Adversary) -> None:
    """1. The program counts down inside an rseq critical section, then reads its area's
    cpu_id as the index of a label.
    2. At a timer interrupt inside the section the kernel stores cpu_id_start = cpu_id =
    0xfffffffc (and drops the registration, so that no store of its own follows): the
    index is -4.
    rseq_update_cpu_node_id() stores raw_smp_processor_id(), below nr_cpu_ids (one
    here)."""
    _keep_args(adv, P_RSEQ_CPU)

    @adv.on(Point.IRQ, during=P_RSEQ_CPU)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.memo.get(("args", P_RSEQ_CPU))
        if args is None:
            return
        try:
            a.kernel.uaccess.write(args[1], struct.pack("<II", 0xFFFF_FFFC, 0xFFFF_FFFC))
        except Exception as exc:
            a.refused(f"cpu_id store at an interrupt: {exc!r}")
            return
        t = a.kernel.current
        if t is not None:
            t.rseq = None           # (its own store at the return would undo this one)
        a.note("cpu_id -4 stored at an interrupt")


def claim_rseq_registered(adv: Adversary) -> None:
    """1. The program registers its own rseq area (after giving back the one the C library
    registered at start): Linux's sys_rseq() answers 0 and, on the way back to user code,
    stores cpu_id_start, cpu_id (0: one CPU), node_id and mm_cid into it
    (rseq_set_notify_resume() -> rseq_handle_notify_resume() ->
    rseq_update_cpu_node_id()): the kernel model answers, the Guardian stores."""
    rseq_registered(adv, P_PLACED)


def claim_glibc_rseq_registered(adv: Adversary) -> None:
    """1. The C library registers the main thread's rseq area at start (glibc's
    rseq_register_current_thread(), every program linked with glibc 2.35 or later):
    Linux answers 0 and stores the area's ids as in claim_rseq_registered."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["rseq"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"the C library's rseq({a.memo['rseq']:#x}) answered {a.reg('x0'):#x}")


def claim_rseq_abort_in_section(adv: Adversary) -> None:
    """1. The program registers its rseq area (claim_rseq_registered) and counts down
    inside its first critical section; a timer interrupt preempts it there.
    2. On the way back Linux's rseq_ip_fixup() reads the area's rseq_cs and the
    descriptor it names (rseq_get_rseq_cs(): copy_from_user()), finds the interrupted pc
    inside [start_ip, start_ip + post_commit_offset), clears rseq_cs (clear_rseq_cs():
    put_user()) and resumes the thread at abort_ip (instruction_pointer_set()); it stores
    the ids again (rseq_update_cpu_node_id()).  For a confidential thread the Guardian
    does all of it at the RESUME: the kernel sees no pc and no byte of the area.  The
    abort handler skips the marker after the commit and finds done = 0: index 0."""
    rseq_registered(adv, P_PLACED)

    @adv.on(Point.IRQ, during=P_RSEQ_ABORT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["irqs"] = a.memo.get("irqs", 0) + 1

    @r50.at(adv, P_RSEQ_COMMITTED)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.note("the first section committed: no abort")

    @r50.at(adv, P_RSEQ_ABORT + 1)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        if a.memo.get("irqs") and not any("committed" in n for n in a.tally.notes):
            a.note(f"preempted inside the section ({a.memo['irqs']} interrupts): resumed at "
                   "abort_ip")


def send_child(adv: Adversary, signo: int, phase: int = P_CLEAR_SIGHAND) -> None:
    """At the child's marker `phase`, give it back its creator's action for `signo` (a
    kernel that kept the handlers across CLONE_CLEAR_SIGHAND) and queue `signo` to it as
    another process's kill() would (SI_USER)."""
    @adv.on(Point.MARKER, phase=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, args: tuple[int, ...] = (),
          **_: object) -> None:
        if thread is None or len(args) > 2 and args[2]:
            a.note("no child made")
            return
        proc = thread.process  # type: ignore[attr-defined]
        if proc.parent is not None:      # the kernel keeps the creator's handler
            proc.sigactions.set(signo, proc.parent.sigactions.get(signo))
        thread.pending.add(signo, pack_siginfo(signo, SI_USER, pid=1))  # type: ignore[attr-defined]
        a.note(f"signal {signo} queued to the clone3(CLONE_CLEAR_SIGHAND) child")


@scenario(id="YB-003", title="Run the parent's SIGUSR1 handler in a child clone3() made with "
          "CLONE_CLEAR_SIGHAND", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=VICTIM,
          prop="A child clone3() makes with CLONE_CLEAR_SIGHAND starts with every handled "
               "signal at SIG_DFL: no handler of its parent's runs in it.")
def yb_clear_sighand(adv: Adversary) -> None:
    """1. The program installs a SIGUSR1 handler and makes a child with clone3(flags =
    CLONE_CLEAR_SIGHAND); the child calls a marker, then chooses label -4 if the handler
    ran in it.
    2. At the child's marker the kernel delivers SIGUSR1 into the parent's handler (the
    address the child inherited): the child logs bytes 0..7 of the secret.
    Linux's copy_sighand() calls flush_signal_handlers(tsk, 0) under CLONE_CLEAR_SIGHAND:
    SIGUSR1 is SIG_DFL in the child, whose delivery kills it (no frame, no handler).  (The
    kernel model flushes the handlers as Linux does: the step puts the parent's back.)"""
    send_child(adv, SIGUSR1)


@scenario(id="YB-004", title="Run the parent's SIGUSR1 handler in a vfork child clone3() made "
          "with CLONE_CLEAR_SIGHAND", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=VICTIM,
          prop="A vfork child clone3() makes with CLONE_CLEAR_SIGHAND has its own signal "
               "actions, every handled signal at SIG_DFL.")
def yb_vfork_clear_sighand(adv: Adversary) -> None:
    """1. The program installs a SIGUSR1 handler and makes a child with clone3(flags =
    CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND); the child calls a marker, chooses
    label -4 if the handler ran in it, and exits.
    2. At the child's marker the kernel delivers SIGUSR1 into the parent's handler: the
    child logs bytes 0..7 of the secret.
    copy_sighand() gives a child without CLONE_SIGHAND a copy of the table and, under
    CLONE_CLEAR_SIGHAND, flushes it (flush_signal_handlers(tsk, 0)): SIGUSR1 kills the
    vfork child."""
    send_child(adv, SIGUSR1, P_VFORK_CLEAR)


def serve_as_clone(adv: Adversary, nr: int, phase: int, flags: int) -> None:
    """Serve the program's call `nr` after marker `phase` as clone(`flags`, 0, ...):
    the child is made whatever the program asked; x8 is put back at the exit."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", nr)] = a.reg("x8")
        a.set_reg("x8", NR_CLONE)
        for i, value in enumerate((flags, 0, 0, 0, 0)):
            a.set_reg(f"x{i}", value)
        a.note(f"call {nr} served as clone({flags:#x})")

    # (exit hooks match the number the call entered with: `nr`, not NR_CLONE)
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", a.memo.pop(("x8", nr), nr))


@scenario(id="YB-005", title="Make a child for clone(CLONE_SIGHAND | SIGCHLD), which shares "
          "a signal table without sharing memory", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone Linux refuses makes no child: CLONE_SIGHAND without CLONE_VM is "
               "-EINVAL.")
def yb_sighand_without_vm(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_SIGHAND | SIGCHLD) (a shared signal table without a
    shared address space); a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork (clone(SIGCHLD)): the child and the parent log bytes
    0..7 of the secret.
    copy_process(): `if ((clone_flags & CLONE_SIGHAND) && !(clone_flags & CLONE_VM))
    return ERR_PTR(-EINVAL);` before any child exists (qemu-aarch64: EINVAL too)."""
    serve_as_clone(adv, NR_CLONE, P_SIGHAND_FORK, SIGCHLD)


@scenario(id="YB-006", title="Make a vfork child for clone3(CLONE_SIGHAND | "
          "CLONE_CLEAR_SIGHAND | CLONE_VM | CLONE_VFORK)", family=RT, goal=Goal.LEAK,
          rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone3() Linux refuses makes no child: a signal table both shared "
               "(CLONE_SIGHAND) and cleared (CLONE_CLEAR_SIGHAND) is -EINVAL.")
def yb_sighand_and_cleared(adv: Adversary) -> None:
    """1. The program calls clone3() with CLONE_VM | CLONE_VFORK | CLONE_SIGHAND |
    CLONE_CLEAR_SIGHAND; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as vfork (clone(CLONE_VM | CLONE_VFORK | SIGCHLD)): the child
    logs bytes 0..7 of the secret and exits, then the parent does too.
    copy_process(): `if ((clone_flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) return ERR_PTR(-EINVAL);`."""
    serve_as_clone(adv, NR_CLONE3, P_SIGHAND_CLEARED, CLONE_VM | CLONE_VFORK | SIGCHLD)


@scenario(id="YB-007", title="Make a child for clone(CLONE_NEWNS | CLONE_FS | SIGCHLD)",
          family=RT, goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone Linux refuses makes no child: a new mount namespace with a shared "
               "fs_struct is -EINVAL.")
def yb_newns_fs(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_NEWNS | CLONE_FS | SIGCHLD); a child, or a parent
    that made one, chooses label -4.
    2. The kernel serves it as fork (clone(SIGCHLD)): the child and the parent log bytes
    0..7 of the secret.
    copy_process(): `if ((clone_flags & (CLONE_NEWNS|CLONE_FS)) == (CLONE_NEWNS|CLONE_FS))
    return ERR_PTR(-EINVAL);`, its first check, before any capability is asked
    (qemu-aarch64: EINVAL).  The kernel model now refuses it as well."""
    serve_as_clone(adv, NR_CLONE, P_NEWNS_FS, SIGCHLD)


@scenario(id="YB-008", title="Restart the program's close() after it closed the descriptor, "
          "with a SIGUSR2 handler (SA_RESTART) run in between", family=RT, goal=Goal.LEAK,
          rules=("G-RESUME-ELR", "G-IAGO-OUTPUT"), program=VICTIM,
          prop="close() is never restarted: once it ran, the descriptor is gone and a "
               "handler that runs after it keeps the descriptor it opened.")
def yb_close_restarted(adv: Adversary) -> None:
    """1. The program installs a SIGUSR2 handler (SA_RESTART) that opens /dev/null, opens
    /dev/null as D and closes D, then asks fcntl(F_GETFD) of the handler's descriptor.
    2. The kernel closes D, then answers the call as interrupted (-ERESTARTSYS) with
    SIGUSR2 pending: the handler runs on a frame whose pc is the close's svc; its open
    takes the lowest free number, D; the restarted close closes the handler's
    descriptor: fcntl answers -EBADF, label -4.
    Linux's close() turns every restart code into -EINTR (\"can't restart close syscall
    because file table entry was cleared\", fs/open.c): the frame's pc is past the svc.
    (Refused: a restart undoes the call in the Guardian's books, so D is still the
    program's there and the handler's open answering D is refused, return.fd_open.)"""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLOSE, during=P_CLOSE_RESTART)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["close_fd"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLOSE, during=P_CLOSE_RESTART)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        thread.pending.add(SIGUSR2, pack_siginfo(SIGUSR2, SI_USER, pid=1))  # type: ignore[attr-defined]
        a.set_reg("x0", a.memo.get("close_fd", 0))     # orig_x0, as do_signal() restores
        a.set_reg("pc", a.reg("pc") - 4)
        a.note("close answered -ERESTARTSYS after closing, SIGUSR2 pending")


@scenario(id="YB-009", title="Make a child for clone3() with exit_signal 65", family=RT,
          goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone3() whose exit_signal is no signal makes no child (-EINVAL).")
def yb_exit_signal_65(adv: Adversary) -> None:
    """1. The program calls clone3() with flags 0 and exit_signal 65; a child, or a
    parent that made one, chooses label -4.
    2. The kernel serves it as fork (clone(SIGCHLD)): the child and the parent log bytes
    0..7 of the secret.
    copy_clone_args_from_user(): `if (unlikely((args.exit_signal & ~((u64)CSIGNAL)) ||
    !valid_signal(args.exit_signal))) return -EINVAL;` (64 signals).  The kernel model
    now refuses it as well."""
    serve_as_clone(adv, NR_CLONE3, P_EXIT_SIGNAL_65, SIGCHLD)


@scenario(id="YB-010", title="Make a child for clone3() with a stack of size 0", family=RT,
          goal=Goal.LEAK, rules=("G-CLONE-ONCE",), program=VICTIM,
          prop="A clone3() that names a stack without its size makes no child (-EINVAL).")
def yb_stack_size_0(adv: Adversary) -> None:
    """1. The program calls clone3() with flags 0, exit_signal SIGCHLD, a stack address and
    stack_size 0; a child, or a parent that made one, chooses label -4.
    2. The kernel serves it as fork (clone(SIGCHLD)): the child and the parent log bytes
    0..7 of the secret.
    clone3_stack_valid(): `if (kargs->stack == 0) { if (kargs->stack_size > 0) return
    false; } else { if (kargs->stack_size == 0) return false; ...}`: -EINVAL.  The kernel
    model now refuses it as well."""
    serve_as_clone(adv, NR_CLONE3, P_STACK_SIZE_0, SIGCHLD)


def claim_cleared_action(adv: Adversary) -> None:
    """1. (Victim argument -c.)  The program installs a SIGUSR1 handler and makes a child
    with clone3(CLONE_CLEAR_SIGHAND); the child asks sigaction(SIGUSR1, NULL, &cur).
    2. Linux's copy_sighand() flushed the child's table (flush_signal_handlers(tsk, 0)):
    rt_sigaction() reports SIG_DFL, sa_flags 0, no restorer, an empty mask (32 zero
    bytes).  The kernel model flushes it as Linux does: its answer is left as it is."""
    adv.note("rt_sigaction() of the CLONE_CLEAR_SIGHAND child left to the kernel model")
