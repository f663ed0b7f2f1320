"""Trapped EL1 system-register writes (HCR_EL2.TVM): which values the kernel may write."""

from __future__ import annotations

from abi import Status
from abi.layout import GUARDIAN_VBAR
from emulator import descriptors as D
from emulator import sysregs as S
from guardian.checks import refuse
from guardian.state import MonitorState


class SysregPolicy:
    def __init__(self, state: MonitorState, kernel_ttbr1: int) -> None:
        self.s = state
        self.kernel_ttbr1 = kernel_ttbr1

    def check(self, reg: S.SysReg, value: int) -> None:
        """Refuse a write that would break the Guardian's guarantees; commit side effects."""
        s = self.s
        view = s.kernel_view
        if reg == S.TTBR1_EL1 and value & D.ADDR_MASK != self.kernel_ttbr1:
            refuse("sysreg.ttbr1", Status.ERR_REFUSED_SYSREG,
                   "TTBR1 must stay the Guardian-built linear map")
        elif reg == S.TTBR0_EL1:
            if value & 0xFFE:
                refuse("sysreg.ttbr0_reserved", Status.ERR_REFUSED_SYSREG,
                       f"TTBR0 {value:#x} has reserved bits set")
            if not s.is_root(value & D.ADDR_MASK):
                refuse("sysreg.ttbr0_root", Status.ERR_REFUSED_SYSREG,
                       f"TTBR0 {value:#x} is not a registered root table")
            s.live_ttbr0 = value
            view.on_ttbr0(value)
        elif reg == S.SCTLR_EL1:
            cur = s.cpus[0].sctlr
            if cur & S.SCTLR_M and not value & S.SCTLR_M:
                refuse("sysreg.sctlr_mmu", Status.ERR_REFUSED_SYSREG, "the MMU cannot be turned off")
            if (cur ^ value) & S.SCTLR_WXN and cur & S.SCTLR_M:
                refuse("sysreg.sctlr_wxn", Status.ERR_REFUSED_SYSREG,
                       "SCTLR.WXN is fixed once the MMU is on")
        elif reg == S.TCR_EL1:
            t1sz = (value >> S.TCR_T1SZ_SHIFT) & 0x3F
            t0sz = (value >> S.TCR_T0SZ_SHIFT) & 0x3F
            if t1sz != 16 or value & S.TCR_EPD1 or (value >> S.TCR_TG1_SHIFT) & 3 != S.TG1_4K:
                refuse("sysreg.tcr_ttbr1", Status.ERR_REFUSED_SYSREG,
                       "the TTBR1 half (T1SZ, TG1, EPD1) is fixed")
            if t0sz != 16 or (value >> S.TCR_TG0_SHIFT) & 3 != S.TG0_4K:
                # Another T0SZ or granule would re-read table pages at other levels.
                refuse("sysreg.tcr_ttbr0", Status.ERR_REFUSED_SYSREG,
                       "the TTBR0 geometry (T0SZ, TG0) is fixed")
            if s.registry.current_domain() is not None and not value & S.TCR_EPD0:
                refuse("sysreg.tcr_epd0", Status.ERR_REFUSED_SYSREG,
                       "EPD0 stays set while a confidential address space is live")
        elif reg == S.VBAR_EL1:
            if s.machine.vectors.lookup(value) is None:
                refuse("sysreg.vbar_registered", Status.ERR_REFUSED_SYSREG,
                       f"VBAR {value:#x} names no registered vector table")
            if value & ~0x7FF == GUARDIAN_VBAR:
                refuse("sysreg.vbar_guardian", Status.ERR_REFUSED_SYSREG,
                       "the kernel cannot point VBAR at the Guardian's table")
            view.kernel_vbar = value
