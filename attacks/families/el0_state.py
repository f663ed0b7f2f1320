"""EL1 configuration that changes what EL0 code means (SCTLR, TCR and MAIR bits).

The kernel owns SCTLR_EL1, TCR_EL1 and MAIR_EL1 while it runs.  Some of their
bits decide how user code behaves: whether unaligned accesses and a
misaligned SP fault, whether EL0 may read CTR_EL0 or zero memory with DC ZVA,
whether WFI/WFE trap, whether the top byte of a pointer is ignored, what the
page tables' memory types mean.  A kernel that leaves its own values there
when it returns to a confidential program changes that program's semantics.
The referee notes these bits each time user code is about to run.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import sysregs as S

E0 = "el0-state"
MAIR_NORMAL_NC = 0x44         # attribute 0: Normal, inner/outer non-cacheable


def _changed(out: Outcome) -> list[str]:
    names = ("SCTLR_EL1", "TCR_EL1", "MAIR_EL1")
    return [f"user code ran with {names[i]} EL0 bits {seen[i]:#x} (the program's are "
            f"{out.boot_config[i]:#x})"
            for seen in out.el0_config for i in range(3) if seen[i] != out.boot_config[i]][:3]


def _flip(adv: Adversary, reg: S.SysReg, value: int) -> None:
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1.msr(reg, value(a) if callable(value) else value)


@scenario(id="SR-006", title="Leave UCT and nTWE cleared for user code", family=E0,
          goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",), oracle=_changed,
          silent="the Guardian installs its own EL0-visible bits at every return",
          prop="SCTLR_EL1 bits that change EL0 semantics (CTR_EL0 access, WFE trapping) are "
               "the Guardian's while confidential code runs.")
def sr_sctlr(adv: Adversary) -> None:
    """1. While serving the PLACED marker, clear SCTLR_EL1.UCT and nTWE (EL0 reads of
    CTR_EL0 and every WFE now trap to the kernel); leave them so."""
    _flip(adv, S.SCTLR_EL1,
          lambda a: a.el1.mrs(S.SCTLR_EL1) & ~(S.SCTLR_UCT | S.SCTLR_NTWE))


@scenario(id="SR-007", title="Turn top-byte-ignore off for user pointers", family=E0,
          goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",), oracle=_changed,
          silent="the Guardian installs its own EL0-visible bits at every return",
          prop="TCR_EL1.TBI0 (whether EL0 pointers may carry a tag) is the Guardian's while "
               "confidential code runs.")
def sr_tbi(adv: Adversary) -> None:
    """1. While serving the PLACED marker, clear TCR_EL1.TBI0 (a tagged user pointer now
    faults); leave it so."""
    _flip(adv, S.TCR_EL1, lambda a: a.el1.mrs(S.TCR_EL1) & ~S.TCR_TBI0)


@scenario(id="SR-008", title="Make the program's memory non-cacheable through MAIR",
          family=E0, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",), oracle=_changed,
          silent="the Guardian installs its own MAIR_EL1 at every return",
          prop="MAIR_EL1 (what the page tables' memory types mean) is the Guardian's while "
               "confidential code runs.")
def sr_mair(adv: Adversary) -> None:
    """1. While serving the PLACED marker, rewrite MAIR_EL1 attribute 0 (the program's
    Normal memory) as non-cacheable; leave it so."""
    _flip(adv, S.MAIR_EL1, lambda a: (a.el1.mrs(S.MAIR_EL1) & ~0xFF) | MAIR_NORMAL_NC)
