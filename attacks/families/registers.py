"""Registers: what the kernel sees at entry, and what it may change on the way back."""

from __future__ import annotations

from abi import Call
from attacks.adversary import Adversary
from attacks.families.page_tables import helper_tree_with_tables
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import sysregs as S

RG = "entry-registers"
RT = "return"
Z_FLAG = 1 << 30
SCRUBBED = ("the Guardian saves the register file in its slot and clears it before the "
            "kernel's vector runs, so there is nothing to refuse")
ARITY = ("the Guardian forwards only the argument registers the syscall takes (abi.syscalls "
         "SYSCALL_ARITY); the others reach the kernel cleared")
RESTORED = ("the Guardian restores the whole register file from its saved slot; only x0 "
            "(the syscall result) comes from the kernel")


@scenario(id="RG-001", title="Read x19-x28 at a system call", family=RG, goal=Goal.LEAK,
          rules=("G-ENTRY-SCRUB",), silent=SCRUBBED,
          prop="At a syscall the kernel sees only the syscall number and its arguments.")
def rg_syscall(adv: Adversary) -> None:
    """1. While serving the PLACED marker, read the interrupted general-purpose registers."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.gprs(), "registers at a syscall")


@scenario(id="RG-002", title="Read the SIMD registers at a system call", family=RG,
          goal=Goal.LEAK, rules=("G-ENTRY-SCRUB",), silent=SCRUBBED,
          prop="The vector registers (q0-q31) are saved and cleared before the kernel runs.")
def rg_simd(adv: Adversary) -> None:
    """1. While serving the PLACED marker, save the user's vector registers (as a context
    switch would) and keep them."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.vector_regs(), "vector registers at a syscall")


@scenario(id="RG-003", title="Read the registers at a page fault", family=RG, goal=Goal.LEAK,
          rules=("G-ENTRY-SCRUB",), silent=SCRUBBED,
          prop="At a fault the kernel sees only the fault address and syndrome.")
def rg_fault(adv: Adversary) -> None:
    """1. When the program faults on its untouched page (secret in x19-x22), read the
    interrupted registers."""
    @adv.on(Point.FAULT, during=Phase.FAULT)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.gprs(), "registers at a fault")


@scenario(id="RG-004", title="Read the registers at timer interrupts", family=RG,
          goal=Goal.LEAK, rules=("G-ENTRY-SCRUB",), silent=SCRUBBED, timing="exact",
          prop="At an interrupt the kernel sees no user register at all.")
def rg_irq(adv: Adversary) -> None:
    """1. While the program spins with its secret in x19-x22, read the interrupted
    registers at every timer interrupt."""
    @adv.on(Point.IRQ, during=Phase.SPIN, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.gprs(), "registers at an interrupt")


@scenario(id="RG-005", title="Read stale argument registers of a call that takes none",
          family=RG, goal=Goal.LEAK, rules=("G-ENTRY-ARGS",), silent=ARITY,
          prop="The kernel receives only the argument registers the syscall it serves takes.")
def rg_stale_args(adv: Adversary) -> None:
    """1. The ARGS marker is getppid(), which takes no arguments; x2-x5 hold whatever the
    program left there (here: the secret).
    2. While serving it, read the argument registers."""
    @adv.at(Phase.ARGS)
    def _(a: Adversary) -> None:
        a.observe(a.gprs()[:6 * 8], "argument registers of getppid()")


@scenario(id="RT-001", title="Return to win() instead of the caller", family=RT,
          goal=Goal.TAMPER, rules=("G-RESUME-ELR",),
          prop="A confidential thread resumes only where it trapped (or at a syscall restart).")
def rt_elr(adv: Adversary) -> None:
    """1. Before returning from the PLACED marker, set the return address to win()."""
    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("pc", a.layout.win)


@scenario(id="RT-002", title="Change x19 on the way back", family=RT, goal=Goal.TAMPER,
          rules=("G-RESUME-CONTEXT",), silent=RESTORED,
          prop="The kernel cannot change a confidential thread's registers other than the "
               "syscall result.")
def rt_gpr(adv: Adversary) -> None:
    """1. Before returning from the PLACED marker, overwrite x19 (it holds part of the
    secret, which the program checks after the call)."""
    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x19", 0x4141_4141_4141_4141)


@scenario(id="RT-003", title="Flip the condition flags on the way back", family=RT,
          goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT",), silent=RESTORED,
          prop="The kernel cannot change a confidential thread's PSTATE (NZCV) on return.")
def rt_flags(adv: Adversary) -> None:
    """1. Before returning from the PLACED marker, set the Z flag (the program branches on
    it right after the call)."""
    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("nzcv", a.reg("nzcv") | Z_FLAG)


@scenario(id="RT-004", title="Read the registers after the Guardian accepted the return",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-EXIT",),
          prop="Once a return to a confidential thread is accepted, the kernel runs no more "
               "until the next exception.")
def rt_after_resume_regs(adv: Adversary) -> None:
    """1. After RESUME succeeded for the PLACED marker, read the CPU's registers."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.gprs(), "registers after RESUME")
        a.observe(a.vector_regs(), "vector registers after RESUME")


@scenario(id="RT-005", title="Read user memory after the Guardian accepted the return",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-EXIT",),
          prop="The user half becomes reachable only when EL0 runs, never to the kernel.")
def rt_after_resume_memory(adv: Adversary) -> None:
    """1. After RESUME succeeded for the PLACED marker (EPD0 is clear again), load the heap
    buffer at its user address."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.el1.read(a.layout.heap, 4096), "user half after RESUME")


@scenario(id="RT-006", title="Resume a saved context on a kernel-built address space",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-DOMAIN",),
          prop="A saved context resumes only while its own domain's tree is live.")
def rt_other_space(adv: Adversary) -> None:
    """1. While serving the PLACED marker, switch TTBR0 to a helper address space.
    2. RESUME the program's slot there (with the right ELR), then read the registers."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        tree = helper_tree_with_tables(a)
        saved = a.el1.mrs(S.TTBR0_EL1)
        a.el1.msr(S.TTBR0_EL1, tree.root)
        try:
            status, _ = a.hvc(Call.RESUME, a.thread.slot, 0, a.reg("pc"))
            if status == 0 or not a.guarded:
                a.observe(a.gprs(), "registers of a context resumed elsewhere")
        finally:
            a.el1.msr(S.TTBR0_EL1, saved)
