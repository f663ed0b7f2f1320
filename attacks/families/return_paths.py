"""Every way back to user code: restarts, signal delivery, sigreturn, a child's first run,
a second child from one clone, and what the kernel learns at an interrupt."""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from kernel_model.process import Thread

RP = "return-paths"
FC = "clone-once"
IP = "entry-owed"
NR_KILL, NR_RT_SIGRETURN, NR_GETPPID, NR_CLONE = 129, 139, 173, 220
SVC = 4                     # bytes: one instruction back is the SVC that trapped
CTX_PC = 32                 # the PC's index in a saved user context
SIGCHLD = 17


@scenario(id="RP-001", title="Restart a kill() that already completed", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          prop="A restart is allowed only at the SVC of a restartable syscall that did not "
               "complete: user code never runs an instruction twice.")
def rp_kill(adv: Adversary) -> None:
    """1. After serving kill(getpid(), SIGUSR1), set the return address back onto its SVC
    (the pending SIGUSR1 is delivered with that as the interrupted PC).
    2. The handler returns to the SVC, the kill runs again: two signals for one."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("pc", a.reg("pc") - SVC)


@scenario(id="RP-002", title="Return from rt_sigreturn one instruction early", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          prop="rt_sigreturn resumes exactly the context saved in the frame, never a "
               "'restart' of it.")
def rp_sigreturn(adv: Adversary) -> None:
    """1. After serving rt_sigreturn, set the return address one instruction before the
    restored PC (the SVC of the kill() the signal interrupted).
    2. The kill runs again and the handler runs twice."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGRETURN, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("pc", a.reg("pc") - SVC)


@scenario(id="RP-004", title="Start the forked child on the clone SVC again", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          prop="A child's first run is a return like any other: it starts after the clone, "
               "never on it.")
def rp_child(adv: Adversary) -> None:
    """1. After serving the parent's clone(), move the child's return address back onto
    the clone SVC (its saved context without the Guardian; the ELR it asks the
    Guardian to resume with under it).
    2. The child forks again: the child's code runs twice."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.threads[max(a.kernel.threads)]
        if not a.guarded and child.context is not None:
            child.context.set(CTX_PC, child.context.get(CTX_PC) - SVC)
        a.memo["child"] = child.tid

    @adv.on(Point.BEFORE_RESUME, init_only=False, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if a.guarded and thread.tid == a.memo.get("child"):
            a.memo["child"] = None
            a.set_reg("pc", a.reg("pc") - SVC)


@scenario(id="FC-001", title="Fork twice from one clone() call", family=FC, goal=Goal.TAMPER,
          rules=("G-CLONE-ONCE",),
          prop="A clone slot yields exactly one child context.")
def fc_twice(adv: Adversary) -> None:
    """1. After serving the parent's clone(), run the kernel's fork path once more for the
    same thread while the clone is still in progress (FORK_DOMAIN on the same slot).
    2. Both children run the child's code."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.clone(a.thread, SIGCHLD)


def _pcs_seen(out: Outcome) -> list[str]:
    """The oracle: the kernel kept user PCs it saw at interrupts or faults."""
    return [f"the kernel saw the user PC {pc:#x} at an interrupt"
            for pc in sorted(out.hits.get("irq_pc", ()))[:3]] + \
        [f"the kernel saw the PC {pc:#x} of a faulting load"
         for pc in sorted(out.hits.get("fault_pc", ()))[:3]]


@scenario(id="IP-001", title="Sample the user PC at every timer interrupt", family=IP,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED",), timing="exact",
          oracle=_pcs_seen,
          silent="the Guardian hands the kernel no user PC at an interrupt: nothing to refuse",
          prop="At an interrupt the kernel learns nothing of where user code was (a PC "
               "trace is a control-flow side channel on secrets).")
def ip_pc(adv: Adversary) -> None:
    """1. While the program spins, read the interrupted PC at every timer interrupt.
    2. Keep every PC that lies in user space."""
    @adv.on(Point.IRQ, during=Phase.SPIN, once=False)
    def _(a: Adversary, **_: object) -> None:
        pc = a.reg("pc")
        if 0 < pc < 1 << 48:
            a.hit("irq_pc", pc)


@scenario(id="IP-002", title="Learn the user PC of a data abort", family=IP,
          goal=Goal.LEAK, rules=("G-ENTRY-OWED",), oracle=_pcs_seen,
          silent="the Guardian hands the kernel the fault address's page and syndrome only",
          prop="At a data abort the kernel learns the faulting address's page and syndrome, "
               "not which instruction faulted.")
def ip_fault_pc(adv: Adversary) -> None:
    """1. When the program faults on its untouched page (FAULT phase), read the PC of the
    faulting instruction."""
    @adv.on(Point.FAULT, during=Phase.FAULT)
    def _(a: Adversary, **_: object) -> None:
        pc = a.reg("pc")
        if 0 < pc < 1 << 48:
            a.hit("fault_pc", pc)


NR_WRITE = 64


@scenario(id="RP-005", title="Re-run the program's completed final write()", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          prop="A restart re-runs a syscall only if it did not complete: a write() that "
               "wrote (the kernel read its buffer) is never restarted.")
def rp_write(adv: Adversary) -> None:
    """1. After serving the program's last write() (its 'intact' banner, after END), return
    to its SVC with its first argument back in x0: write() is a restartable syscall.
    2. The banner goes out twice."""
    _restart_after(adv, NR_WRITE, Phase.END)


def _restart_after(adv: Adversary, nr: int, phase: Phase) -> None:
    """After serving syscall `nr`, return to its SVC with its first argument back in x0
    (the kernel's own restart: Linux keeps orig_x0 for it; the Guardian restores the
    whole saved context)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["x0"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["x0"])
        a.set_reg("pc", a.reg("pc") - SVC)


@scenario(id="RP-003", title="Re-run a getppid() marker by 'restarting' it", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          prop="A syscall that is not restartable is never restarted.")
def rp_restart(adv: Adversary) -> None:
    """1. After serving the PLACED marker (getppid, which never blocks), return to its SVC
    with its first argument back in x0.
    2. The program executes the same system call twice."""
    _restart_after(adv, NR_GETPPID, Phase.PLACED)


@scenario(id="FC-002", title="Restart a clone() that already yielded its child", family=FC,
          goal=Goal.TAMPER, rules=("G-CLONE-ONCE", "G-RETURN-PATHS"),
          prop="A clone that yielded a child is complete: it is never restarted into a "
               "second child.")
def fc_restart(adv: Adversary) -> None:
    """1. After serving the parent's clone() (the child exists), return to its SVC with
    its flags back in x0: clone is on the restartable list.
    2. The parent forks again: the child's code runs twice."""
    _restart_after(adv, NR_CLONE, Phase.FORK)
