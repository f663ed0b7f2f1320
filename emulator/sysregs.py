"""AArch64 system-register identities and the bit fields the model uses.

Pure data: encodings as (crn, crm, op0, op1, op2) for Unicorn's CP_REG access,
and the SCTLR/TCR/SPSR bits that the MMU walker and exception entry interpret.
"""

from __future__ import annotations

SysReg = tuple[int, int, int, int, int]

SCTLR_EL1: SysReg = (1, 0, 3, 0, 0)
CPACR_EL1: SysReg = (1, 0, 3, 0, 2)
TTBR0_EL1: SysReg = (2, 0, 3, 0, 0)
TTBR1_EL1: SysReg = (2, 0, 3, 0, 1)
TCR_EL1: SysReg = (2, 0, 3, 0, 2)
SPSR_EL1: SysReg = (4, 0, 3, 0, 0)
ELR_EL1: SysReg = (4, 0, 3, 0, 1)
SP_EL0: SysReg = (4, 1, 3, 0, 0)
ESR_EL1: SysReg = (5, 2, 3, 0, 0)
FAR_EL1: SysReg = (6, 0, 3, 0, 0)
MAIR_EL1: SysReg = (10, 2, 3, 0, 0)
#: EL0 reads it (the thread pointer Linux leaves 0 for a 64-bit thread); EL1 writes it.
TPIDRRO_EL0: SysReg = (13, 0, 3, 3, 3)
VBAR_EL1: SysReg = (12, 0, 3, 0, 0)
CONTEXTIDR_EL1: SysReg = (13, 0, 3, 0, 1)
SCR_EL3: SysReg = (1, 1, 3, 6, 0)
HCR_EL2: SysReg = (1, 1, 3, 4, 0)
ID_AA64PFR0_EL1: SysReg = (0, 4, 3, 0, 0)
ID_AA64ISAR0_EL1: SysReg = (0, 6, 3, 0, 0)
ID_AA64ISAR1_EL1: SysReg = (0, 6, 3, 0, 1)
ID_AA64MMFR0_EL1: SysReg = (0, 7, 3, 0, 0)
MIDR_EL1: SysReg = (0, 0, 3, 0, 0)

NAMES: dict[SysReg, str] = {
    SCTLR_EL1: "SCTLR_EL1", CPACR_EL1: "CPACR_EL1", TTBR0_EL1: "TTBR0_EL1",
    TTBR1_EL1: "TTBR1_EL1", TCR_EL1: "TCR_EL1", SPSR_EL1: "SPSR_EL1", ELR_EL1: "ELR_EL1",
    ESR_EL1: "ESR_EL1", FAR_EL1: "FAR_EL1", MAIR_EL1: "MAIR_EL1", VBAR_EL1: "VBAR_EL1",
    CONTEXTIDR_EL1: "CONTEXTIDR_EL1",
}

# SCR_EL3 / HCR_EL2: without RW the EL1&0 regime is AArch32 and the MMU uses the
# wrong descriptor format.
SCR_EL3_NS = 1 << 0
SCR_EL3_RW = 1 << 10
HCR_EL2_RW = 1 << 31

# SCTLR_EL1 bits
SCTLR_M = 1 << 0
SCTLR_A = 1 << 1
SCTLR_C = 1 << 2
SCTLR_SA0 = 1 << 4
SCTLR_I = 1 << 12
SCTLR_DZE = 1 << 14
SCTLR_UCT = 1 << 15
SCTLR_NTWI = 1 << 16
SCTLR_NTWE = 1 << 18
SCTLR_WXN = 1 << 19
SCTLR_SPAN = 1 << 23
SCTLR_UCI = 1 << 26

# The EL0-facing configuration Linux uses: MMU and caches on, EL0 may use
# DC ZVA, read CTR_EL0, maintain caches, and execute WFI/WFE untrapped.
SCTLR_LINUX_EL0 = (SCTLR_M | SCTLR_C | SCTLR_SA0 | SCTLR_I | SCTLR_DZE | SCTLR_UCT
                   | SCTLR_NTWI | SCTLR_NTWE | SCTLR_UCI | SCTLR_SPAN)

CPACR_FPEN_ALL = 3 << 20

# TCR_EL1 fields
TCR_T0SZ_SHIFT = 0
TCR_EPD0 = 1 << 7
TCR_T1SZ_SHIFT = 16
TCR_A1 = 1 << 22
TCR_EPD1 = 1 << 23
TCR_TG0_SHIFT = 14
TCR_TG1_SHIFT = 30
TCR_AS = 1 << 36
TCR_IPS_SHIFT = 32
TCR_TBI0 = 1 << 37
TCR_TBI1 = 1 << 38
TG0_4K = 0b00
TG1_4K = 0b10


def make_tcr(t0sz: int = 16, t1sz: int = 16, *, epd0: bool = False, epd1: bool = False,
             asid16: bool = True, tbi0: bool = True) -> int:
    """A TCR_EL1 value for 4 KiB granules, inner-shareable write-back walks."""
    walk_attrs = (0b01 << 8) | (0b01 << 10) | (0b11 << 12)  # IRGN0, ORGN0, SH0
    walk_attrs |= (0b01 << 24) | (0b01 << 26) | (0b11 << 28)  # IRGN1, ORGN1, SH1
    value = (t0sz << TCR_T0SZ_SHIFT) | (t1sz << TCR_T1SZ_SHIFT) | walk_attrs
    value |= (TG0_4K << TCR_TG0_SHIFT) | (TG1_4K << TCR_TG1_SHIFT) | (0b101 << TCR_IPS_SHIFT)
    if epd0:
        value |= TCR_EPD0
    if epd1:
        value |= TCR_EPD1
    if asid16:
        value |= TCR_AS
    if tbi0:
        value |= TCR_TBI0
    return value


# MAIR: attr0 = normal write-back, attr1 = device nGnRE.
MAIR_DEFAULT = 0xFF | (0x04 << 8)
ATTR_NORMAL = 0
ATTR_DEVICE = 1

# PSTATE / SPSR
PSTATE_EL0T = 0b0000
PSTATE_EL1H = 0b0101
PSTATE_NZCV_MASK = 0xF000_0000
SPSR_D = 1 << 9
SPSR_A = 1 << 8
SPSR_I = 1 << 7
SPSR_F = 1 << 6
