"""Signals: handler hijack, forged frames, forged sigreturn contexts."""

from __future__ import annotations

import struct

from abi.sigframe import FRAME_SIZE, SC_PC_OFF, SIGINFO_SIZE, UC_MCONTEXT_OFF
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, SECRET_OFF, Phase
from kernel_model import signals as sig

SG = "signals"
NR_RT_SIGRETURN = 139
SIGUSR2 = 12


def frame_base(adv: Adversary) -> int:
    """Where the signal frame lies: the kernel sees SP, or else (confidential) derives it
    from the alternate stack it recorded."""
    sp = adv.reg("sp")
    if sp:
        return sp
    ss_sp, _, ss_size = adv.thread.altstack
    return (ss_sp + ss_size - FRAME_SIZE - 16) & ~15


@scenario(id="SG-001", title="Enter win() when delivering SIGUSR1", family=SG,
          goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER", "G-RESUME-ELR"),
          prop="A signal runs only the handler the program registered.")
def sg_hijack(adv: Adversary) -> None:
    """1. When SIGUSR1 is delivered, set the thread's entry point to win() instead of the
    registered handler."""
    @adv.on(Point.SIGNAL_DELIVERED, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("pc", a.layout.win)


@scenario(id="SG-002", title="Deliver a signal the program never asked to handle", family=SG,
          goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",),
          prop="The kernel cannot invent a handler for a signal the program did not register.")
def sg_forged_action(adv: Adversary) -> None:
    """1. At the SIGNAL marker, record win() as the program's SIGUSR2 handler in the
    kernel's tables.
    2. Send SIGUSR2 to the program."""
    @adv.at(Phase.SIGNAL)
    def _(a: Adversary) -> None:
        a.init.sigactions.set(SIGUSR2, sig.SigAction(handler=a.layout.win, flags=0x04))
        a.kernel.signals.send_process(a.init, SIGUSR2, sig.pack_siginfo(SIGUSR2, sig.SI_USER))


@scenario(id="SG-003", title="Rewrite the saved PC in the signal frame before sigreturn",
          family=SG, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          prop="The kernel cannot edit a confidential thread's signal frame.")
def sg_frame(adv: Adversary) -> None:
    """1. When the handler returns (rt_sigreturn), find the signal frame.
    2. Store win()'s address over the saved PC in it (copy_to_user)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGRETURN, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        pc_at = frame_base(a) + SIGINFO_SIZE + UC_MCONTEXT_OFF + SC_PC_OFF
        a.kernel.uaccess.write(pc_at, struct.pack("<Q", a.layout.win))


@scenario(id="SG-004", title="Return from sigreturn somewhere else", family=SG,
          goal=Goal.TAMPER, rules=("G-RESUME-ELR", "G-SIGRETURN"),
          prop="rt_sigreturn resumes exactly the context saved in the frame.")
def sg_sigreturn_pc(adv: Adversary) -> None:
    """1. After serving rt_sigreturn, set the return address to win()."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGRETURN, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("pc", a.layout.win)


@scenario(id="SG-005", title="Report an alternate stack that overlaps the heap secret",
          family=SG, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",),
          prop="A signal frame is written only where the program's own alternate stack or "
               "stack is.")
def sg_altstack(adv: Adversary) -> None:
    """1. At the SIGNAL marker, record an alternate stack whose top is just past the heap
    copy of the secret (the handler was registered with SA_ONSTACK).
    2. The signal frame is then built over the secret."""
    @adv.at(Phase.SIGNAL)
    def _(a: Adversary) -> None:
        top = a.layout.heap + SECRET_OFF + SECRET_LEN
        base = a.layout.heap - 2 * 4096
        a.thread.altstack = (base, 0, top - base)
