"""Architectural exception entry, done by the model.

Unicorn reports a synchronous exception as an interrupt number and performs no
entry of its own.  This module turns that into what an ARMv8-A core does: an
ESR_EL1 syndrome, FAR_EL1, ELR_EL1, SPSR_EL1, a switch to EL1, and a jump to the
handler at VBAR_EL1 + offset.  Handlers are Python objects registered in a
vector-table registry under the address their table lives at, so whoever
controls VBAR_EL1 (the kernel, or later the Guardian) controls dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from emulator.cpu import Cpu


class ExceptionClass(IntEnum):
    """ESR_ELx.EC values the model produces or decodes."""

    UNKNOWN = 0x00
    WFX = 0x01
    FP_ACCESS = 0x07
    ILLEGAL_STATE = 0x0E
    SVC64 = 0x15
    HVC64 = 0x16
    SMC64 = 0x17
    SYSREG = 0x18
    IABT_LOWER = 0x20
    IABT_SAME = 0x21
    PC_ALIGN = 0x22
    DABT_LOWER = 0x24
    DABT_SAME = 0x25
    SP_ALIGN = 0x26
    BRK64 = 0x3C


class VectorKind(IntEnum):
    """Which of the four entries of a vector group is taken."""

    SYNC = 0x000
    IRQ = 0x080
    FIQ = 0x100
    SERROR = 0x180


# Offsets of the four vector groups inside a 2 KiB table.
GROUP_CURRENT_SP0 = 0x000
GROUP_CURRENT_SPX = 0x200
GROUP_LOWER_A64 = 0x400
GROUP_LOWER_A32 = 0x600

# Unicorn/QEMU interrupt numbers delivered to UC_HOOK_INTR.
INTNO_UDEF = 1
INTNO_SVC = 2
INTNO_PREFETCH_ABORT = 3
INTNO_DATA_ABORT = 4
INTNO_IRQ = 5
INTNO_BKPT = 7
INTNO_HVC = 11
INTNO_SMC = 13

ESR_IL = 1 << 25
ESR_WNR = 1 << 6


def esr_ec(esr: int) -> int:
    return (esr >> 26) & 0x3F


def esr_iss(esr: int) -> int:
    return esr & 0x1FF_FFFF


def make_esr(ec: ExceptionClass, iss: int = 0) -> int:
    return (int(ec) << 26) | ESR_IL | (iss & 0x1FF_FFFF)


@dataclass(slots=True, eq=False, repr=False)
class ExceptionInfo:
    """One exception as the handler at VBAR_EL1 sees it (the ELx registers' values).

    Valid while the handler runs: a core refills one record per synchronous exception
    (as a kernel's saved registers live on its stack), so a handler that keeps it past
    its return keeps a copy (`dataclasses.replace(info)`).
    """

    vector_offset: int
    esr: int
    far: int
    elr: int
    spsr: int
    from_el: int

    @property
    def ec(self) -> int:
        return (self.esr >> 26) & 0x3F

    @property
    def is_syscall(self) -> bool:
        return self.ec == ExceptionClass.SVC64

    @property
    def is_data_abort(self) -> bool:
        return self.ec in (ExceptionClass.DABT_LOWER, ExceptionClass.DABT_SAME)

    @property
    def is_instruction_abort(self) -> bool:
        return self.ec in (ExceptionClass.IABT_LOWER, ExceptionClass.IABT_SAME)

    @property
    def fault_status(self) -> int:
        return self.esr & 0x3F

    @property
    def is_write(self) -> bool:
        return self.is_data_abort and bool(self.esr & ESR_WNR)

    def describe(self) -> str:
        try:
            name = ExceptionClass(self.ec).name
        except ValueError:
            name = f"EC {self.ec:#x}"
        return f"{name} ESR={self.esr:#010x} FAR={self.far:#x} ELR={self.elr:#x}"


class VectorHandler(Protocol):
    """What a vector table provides: one callable for every entry it handles."""

    def __call__(self, cpu: Cpu, info: ExceptionInfo) -> None: ...


@dataclass(eq=False, repr=False)
class VectorTable:
    """A vector table registered at a (kernel-virtual) address.

    `entries` maps a vector offset (group + kind) to its handler; a missing
    entry behaves like a table slot holding a branch to itself: the machine
    reports an unhandled exception.
    """

    owner: str
    entries: dict[int, VectorHandler]

    def handler(self, offset: int) -> VectorHandler | None:
        return self.entries.get(offset)


class VectorRegistry:
    """Maps VBAR_EL1 values to the tables that live there."""

    def __init__(self) -> None:
        #: base address -> table; read directly by the CPU's exception entry.
        self.tables: dict[int, VectorTable] = {}

    def register(self, address: int, table: VectorTable) -> None:
        if address & 0x7FF:
            raise ValueError("vector tables are 2 KiB aligned")
        self.tables[address] = table

    def unregister(self, address: int) -> None:
        self.tables.pop(address, None)

    def lookup(self, vbar: int) -> VectorTable | None:
        return self.tables.get(vbar & ~0x7FF)

    def owner_of(self, vbar: int) -> str | None:
        table = self.lookup(vbar)
        return table.owner if table else None


UnhandledCallback = Callable[["Cpu", ExceptionInfo, str], None]
