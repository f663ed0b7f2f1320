"""The EL1 configuration bits that change what EL0 code means.

SCTLR_EL1 decides EL0's endianness (E0E), alignment checking (A, SA0), whether
EL0 may use DC ZVA, CTR_EL0, cache maintenance and DAIF (DZE, UCT, UCI, UMA)
and whether WFI/WFE trap (nTWI, nTWE); TCR_EL1 decides whether the top byte of
an EL0 address is ignored (TBI0) and hardware flag updates; MAIR_EL1 gives the
memory types the page tables' attribute indexes mean.  TPIDRRO_EL0, which EL0 reads,
is 0 whenever a confidential (64-bit) thread runs, as Linux leaves it.  While a confidential
thread runs these are the Guardian's: on every return to user code it installs
its own values for them and on the next exception it gives the kernel back the
values the kernel wrote (saved and restored around confidential execution).
"""

from __future__ import annotations

from collections.abc import Callable

from emulator import sysregs as S
from emulator.cpu import Cpu
from guardian import checks

SCTLR_E0E = 1 << 24
SCTLR_UMA = 1 << 9
SCTLR_EL0_BITS = (S.SCTLR_A | S.SCTLR_SA0 | SCTLR_UMA | S.SCTLR_DZE | S.SCTLR_UCT | S.SCTLR_NTWI
                  | S.SCTLR_NTWE | SCTLR_E0E | S.SCTLR_UCI)
SCTLR_EL0_VALUE = S.SCTLR_LINUX_EL0 & SCTLR_EL0_BITS
TCR_HA, TCR_HD, TCR_TBID0, TCR_NFD0, TCR_E0PD0 = 1 << 39, 1 << 40, 1 << 51, 1 << 53, 1 << 55
TCR_EL0_BITS = S.TCR_TBI0 | TCR_HA | TCR_HD | TCR_TBID0 | TCR_NFD0 | TCR_E0PD0
TCR_EL0_VALUE = S.make_tcr() & TCR_EL0_BITS
MAIR_VALUE = S.MAIR_DEFAULT


class El0View:
    def __init__(self, cpu: Cpu, flush: Callable[[], None]) -> None:
        self.cpu = cpu
        self._flush = flush
        #: (SCTLR, TCR, MAIR) the kernel set, while EL0 runs with the Guardian's (None: the same)
        self.kernel_values: tuple[int, int, int] | None = None
        #: (SCTLR, TCR, MAIR) -> the values EL0 runs with (the same few, every return)
        self._wanted: dict[tuple[int, int, int], tuple[int, int, int]] = {}

    def enter_user(self) -> None:
        """Before EL0 runs: the Guardian's bits in place, the kernel's remembered."""
        cpu = self.cpu
        # TPIDRRO_EL0 is EL0-readable and the kernel's to write: Linux zeroes it at every
        # switch to a 64-bit thread (tls_thread_switch), so a program may index by it.
        # (Every EL1 write reaches it through write_sysreg, whose shadow is asked here: no
        # engine read on the way back to user code.)
        if cpu.tpidrro and checks.MUTATED != "el0_sysregs.tpidrro_zero":
            cpu.write_sysreg(S.TPIDRRO_EL0, 0)
        if checks.MUTATED == "el0_sysregs.guardian_view":    # (once per return to user code)
            return
        have = (cpu.sctlr, cpu.tcr, cpu.mair)
        want = self._wanted.get(have)
        if want is None:
            sctlr, tcr, _ = have
            want = self._wanted[have] = ((sctlr & ~SCTLR_EL0_BITS) | SCTLR_EL0_VALUE,
                                         (tcr & ~TCR_EL0_BITS) | TCR_EL0_VALUE, MAIR_VALUE)
        if have == want:
            self.kernel_values = None
            return
        self.kernel_values = have
        cpu.write_sysreg(S.SCTLR_EL1, want[0])
        cpu.write_sysreg(S.TCR_EL1, want[1])
        cpu.write_sysreg(S.MAIR_EL1, want[2])
        self._flush()

    def leave_user(self) -> None:
        """At an exception: the kernel gets its own values back."""
        if self.kernel_values is None:
            return
        sctlr, tcr, mair = self.kernel_values
        self.kernel_values = None
        cpu = self.cpu
        cpu.write_sysreg(S.SCTLR_EL1, sctlr)
        # EPD0 is the Guardian's either way; keep what it set meanwhile.
        cpu.write_sysreg(S.TCR_EL1, (tcr & ~S.TCR_EPD0) | (cpu.tcr & S.TCR_EPD0))
        cpu.write_sysreg(S.MAIR_EL1, mair)
        self._flush()
