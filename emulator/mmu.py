"""The software stage-1 walker: the model's single source of truth for translation.

It reads real descriptors from emulated RAM and applies the VMSAv8-64 rules for
the 4 KiB granule: TTBR0/TTBR1 selection by TxSZ (with top-byte-ignore), EPDx,
the starting level, table and block descriptors, hierarchical APTable/XNTable,
AP/UXN/PXN/WXN, implicit PXN on EL0-writable pages, the access flag and PAN.
A test holds it equal to Unicorn's own MMU (through AT instructions).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from emulator import descriptors as D
from emulator import sysregs as S
from emulator.physmem import PhysicalMemory

_U64 = struct.Struct("<Q")


class Access(IntEnum):
    READ = 0
    WRITE = 1
    EXEC = 2


class FaultKind(IntEnum):
    ADDRESS_SIZE = 0b0000_00
    TRANSLATION = 0b0001_00
    ACCESS_FLAG = 0b0010_00
    PERMISSION = 0b0011_00


class Translation(NamedTuple):
    """A successful walk (a named tuple: built once per walk, so it must be cheap)."""

    pa: int
    level: int
    descriptor: int
    descriptor_pa: int
    writable: bool          # at the EL of the request
    global_: bool
    table_ap: int = 0       # APTable bits gathered on the way down (for a memo of the path)
    reads: int = 0          # descriptors the walk read


@dataclass(frozen=True)
class TranslationFault:
    kind: FaultKind
    level: int

    @property
    def status_code(self) -> int:
        """The DFSC/IFSC value an abort for this fault would carry."""
        return int(self.kind) | self.level


@dataclass(frozen=True, eq=False, repr=False)
class Regime:
    """The translation-relevant system registers of the EL1&0 regime."""

    ttbr0: int
    ttbr1: int
    tcr: int
    sctlr: int = S.SCTLR_M
    pan: bool = False

    @property
    def asid(self) -> int:
        ttbr = self.ttbr1 if self.tcr & S.TCR_A1 else self.ttbr0
        return (ttbr >> 48) & (0xFFFF if self.tcr & S.TCR_AS else 0xFF)


class Walker:
    """Translate virtual addresses under a Regime by reading tables from RAM."""

    def __init__(self, ram: PhysicalMemory) -> None:
        self.ram = ram
        self.walks = 0
        self.descriptor_reads = 0

    def _read_desc(self, pa: int) -> int | None:
        off = pa - self.ram.base
        if off < 0 or off + 8 > self.ram.size:
            return None
        self.descriptor_reads += 1
        return _U64.unpack_from(self.ram.buffer, off)[0]

    def translate(self, regime: Regime, va: int, access: Access, el: int
                  ) -> Translation | TranslationFault:
        self.walks += 1
        va &= 0xFFFF_FFFF_FFFF_FFFF
        if not regime.sctlr & S.SCTLR_M:
            # MMU off: flat mapping, everything accessible (early boot).
            return Translation(pa=va, level=-1, descriptor=0, descriptor_pa=0,
                               writable=True, global_=True)
        tcr = regime.tcr
        upper = (va >> 55) & 1
        tbi = tcr & (S.TCR_TBI1 if upper else S.TCR_TBI0)
        check_va = va
        if tbi and access != Access.EXEC:
            # Top byte ignored: the region is chosen by bit 55 alone.
            check_va = (va & 0x00FF_FFFF_FFFF_FFFF) | ((0xFF << 56) if upper else 0)
        if upper:
            txsz = (tcr >> S.TCR_T1SZ_SHIFT) & 0x3F
            if tcr & S.TCR_EPD1:
                return TranslationFault(FaultKind.TRANSLATION, 0)
            table = regime.ttbr1 & D.ADDR_MASK
        else:
            txsz = (tcr >> S.TCR_T0SZ_SHIFT) & 0x3F
            if tcr & S.TCR_EPD0:
                return TranslationFault(FaultKind.TRANSLATION, 0)
            table = regime.ttbr0 & D.ADDR_MASK
        txsz = max(16, min(txsz, 39))
        bits = 64 - txsz
        top = check_va >> bits
        if top != (((1 << txsz) - 1) if upper else 0):
            return TranslationFault(FaultKind.TRANSLATION, 0)
        start_level = level = 4 - ((bits - 12 + 8) // 9)
        # Hierarchical controls accumulated from table descriptors.
        ap_table = 0
        uxn_table = False
        pxn_table = False
        while True:
            idx = (va >> D.LEVEL_SHIFT[level]) & 0x1FF
            if level == start_level:
                # The first level indexes only the bits the region has.
                idx &= (1 << (bits - D.LEVEL_SHIFT[level])) - 1
            desc_pa = table + idx * 8
            desc = self._read_desc(desc_pa)
            if desc is None:
                # A walk outside RAM: external abort on the walk is what real
                # hardware reports; the model treats it as a translation fault.
                return TranslationFault(FaultKind.TRANSLATION, level)
            if not desc & D.VALID:
                return TranslationFault(FaultKind.TRANSLATION, level)
            if level < 3 and desc & D.TABLE:
                ap_table |= (desc >> D.AP_TABLE_SHIFT) & 3
                uxn_table = uxn_table or bool(desc & D.UXN_TABLE)
                pxn_table = pxn_table or bool(desc & D.PXN_TABLE)
                table = desc & D.ADDR_MASK
                level += 1
                continue
            if level == 3 and not desc & D.TABLE:
                return TranslationFault(FaultKind.TRANSLATION, 3)
            if level == 0:
                return TranslationFault(FaultKind.TRANSLATION, 0)
            break
        if not desc & D.AF:
            return TranslationFault(FaultKind.ACCESS_FLAG, level)
        el0_access = bool(desc & D.AP_EL0) and not ap_table & 1
        read_only = bool(desc & D.AP_RO) or bool(ap_table & 2)
        if el == 0:
            if access == Access.EXEC:
                # EL0 execute permission is UXN's alone: AP[1]=0 with UXN=0 is
                # execute-only memory.
                xn = bool(desc & D.UXN) or uxn_table
                if xn or (regime.sctlr & S.SCTLR_WXN and el0_access and not read_only):
                    return TranslationFault(FaultKind.PERMISSION, level)
            elif not el0_access:
                return TranslationFault(FaultKind.PERMISSION, level)
            elif access == Access.WRITE and read_only:
                return TranslationFault(FaultKind.PERMISSION, level)
        else:
            if access == Access.WRITE and read_only:
                return TranslationFault(FaultKind.PERMISSION, level)
            if access == Access.EXEC:
                # EL0-writable memory is never executable at EL1.
                xn = bool(desc & D.PXN) or pxn_table or (el0_access and not read_only)
                if xn or (regime.sctlr & S.SCTLR_WXN and not read_only):
                    return TranslationFault(FaultKind.PERMISSION, level)
            elif regime.pan and el0_access:
                return TranslationFault(FaultKind.PERMISSION, level)
        out = D.output_address(desc, level)
        page_off = va & ((1 << D.LEVEL_SHIFT[level]) - 1)
        return Translation(
            pa=out | page_off,
            level=level,
            descriptor=desc,
            descriptor_pa=desc_pa,
            writable=not read_only,
            global_=not desc & D.NG,
            table_ap=ap_table,
            reads=level - start_level + 1,
        )
