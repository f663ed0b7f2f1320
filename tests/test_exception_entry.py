"""Model-performed exception entry on a real Cpu, and exact instruction counting.

EL0 code runs under a small hand-built TTBR0 table set; every synchronous
exception must reach the handler registered at VBAR_EL1 + 0x400 with the
architectural ESR (EC, IL, ISS), FAR and ELR, and the core's ESR_EL1, ELR_EL1
and FAR_EL1 must hold the same values while the handler runs.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from unicorn import arm64_const as A

from emulator import descriptors as D
from emulator import sysregs as S
from emulator.cpu import Cpu
from emulator.errors import EmulatorFault
from emulator.exceptions import (
    ESR_IL,
    ESR_WNR,
    ExceptionClass,
    ExceptionInfo,
    VectorRegistry,
    VectorTable,
)
from emulator.physmem import PhysicalMemory

RAM_BASE = 0x4000_0000
RAM_SIZE = 4 << 20
VBAR = 0xFFFF_8000_0001_0000
LOWER_SYNC = 0x400

# EL0 pages: (VA, PA) of each.
CODE_VA, CODE_PA = 0x40_0000, RAM_BASE + 0x10000
DATA_VA, DATA_PA = 0x41_0000, RAM_BASE + 0x11000
RO_VA = 0x42_0000          # EL0 read-only
NX_VA = 0x43_0000          # EL0 read-write, execute-never
NOAF_VA = 0x44_0000        # access flag clear
UNMAPPED_VA = 0x45_0000    # nothing (level-3 entry invalid)

# Instruction words (checked against capstone in test_encodings).
NOP = 0xD503201F
SVC_0x42 = 0xD4000841
SVC_0 = 0xD4000001
BRK_1 = 0xD4200020
UDF_0 = 0x00000000
CMP_X0_X0 = 0xEB00001F
LDR_X0_X1 = 0xF9400020
LDRB_W0_X1 = 0x39400020
STR_X0_X1 = 0xF9000020
BR_X2 = 0xD61F0040
ADD_X0_1 = 0x91000400      # add x0, x0, #1
ADD_X1_X0_1 = 0x91000401   # add x1, x0, #1
B_BACK_1 = 0x17FFFFFF      # b .-4
B_BACK_2 = 0x17FFFFFE      # b .-8

ENCODINGS = {
    NOP: "nop", SVC_0x42: "svc #0x42", SVC_0: "svc #0", BRK_1: "brk #1", UDF_0: "udf #0",
    CMP_X0_X0: "cmp x0, x0", LDR_X0_X1: "ldr x0, [x1]", LDRB_W0_X1: "ldrb w0, [x1]",
    STR_X0_X1: "str x0, [x1]", BR_X2: "br x2", ADD_X0_1: "add x0, x0, #1",
    ADD_X1_X0_1: "add x1, x0, #1", B_BACK_1: "b #0xfffffffffffffffc",
    B_BACK_2: "b #0xfffffffffffffff8",
}

Handler = Callable[[Cpu, ExceptionInfo], None]


@dataclass
class Seen:
    """What one handler invocation observed, including the core's ELx registers."""

    info: ExceptionInfo
    esr_el1: int
    elr_el1: int
    far_el1: int
    spsr_el1: int
    el: int


@dataclass
class Machine:
    """One core over a small RAM, with EL0 page tables and a test vector table."""

    ram: PhysicalMemory
    vectors: VectorRegistry
    cpu: Cpu
    seen: list[Seen] = field(default_factory=list)

    def load(self, words: list[int]) -> None:
        self.ram.write(CODE_PA, struct.pack(f"<{len(words)}I", *words))

    def record(self, cpu: Cpu, info: ExceptionInfo) -> None:
        # A copy: the core refills its record at the next exception.
        self.seen.append(Seen(replace(info), cpu.read_sysreg(S.ESR_EL1), cpu.read_sysreg(S.ELR_EL1),
                              cpu.read_sysreg(S.FAR_EL1), cpu.read_sysreg(S.SPSR_EL1), cpu.el))

    def install(self, handler: Handler | None = None, *, stop_after: int = 1) -> None:
        """Register `handler` (default: record, stop after `stop_after` exceptions) at VBAR."""

        def default(cpu: Cpu, info: ExceptionInfo) -> None:
            self.record(cpu, info)
            if len(self.seen) >= stop_after:
                cpu.request_stop()

        self.vectors.register(VBAR, VectorTable("test", {LOWER_SYNC: handler or default}))
        self.cpu.write_sysreg(S.VBAR_EL1, VBAR)

    def run_el0(self, words: list[int], count: int = 0, **regs: int) -> tuple[int, bool]:
        self.load(words)
        self.cpu.enter_el0()
        for name, value in regs.items():
            self.cpu.set_reg(getattr(A, f"UC_ARM64_REG_{name.upper()}"), value)
        return self.cpu.run(CODE_VA, count=count)


def build_machine() -> Machine:
    ram = PhysicalMemory(RAM_BASE, RAM_SIZE)
    vectors = VectorRegistry()
    cpu = Cpu(0, "cortex-a72", ram, vectors)
    l0, l1, l2, l3 = (RAM_BASE + 0x1000 * i for i in range(4))
    for t in (l0, l1, l2, l3):
        ram.zero_page(t)
    ram.write_u64(l0, D.table_descriptor(l1))
    ram.write_u64(l1, D.table_descriptor(l2))
    ram.write_u64(l2 + 8 * D.level_index(CODE_VA, 2), D.table_descriptor(l3))

    def page(va: int, pa: int, perms: D.PagePerms, accessed: bool = True) -> None:
        ram.write_u64(l3 + 8 * D.level_index(va, 3),
                      D.leaf_descriptor(pa, perms, accessed=accessed))

    page(CODE_VA, CODE_PA, D.PagePerms(user=True, write=False, user_exec=True))
    page(DATA_VA, DATA_PA, D.PagePerms(user=True, write=True))
    page(RO_VA, RAM_BASE + 0x12000, D.PagePerms(user=True, write=False))
    page(NX_VA, RAM_BASE + 0x13000, D.PagePerms(user=True, write=True))
    page(NOAF_VA, RAM_BASE + 0x14000, D.PagePerms(user=True, write=True), accessed=False)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr(epd1=True))
    cpu.write_sysreg(S.TTBR0_EL1, l0)
    cpu.write_sysreg(S.SCTLR_EL1, cpu.read_sysreg(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
    return Machine(ram, vectors, cpu)


@pytest.fixture
def m() -> Machine:
    return build_machine()


def esr(ec: ExceptionClass, iss: int) -> int:
    return (int(ec) << 26) | ESR_IL | iss


def only(m: Machine) -> Seen:
    assert len(m.seen) == 1, m.seen
    s = m.seen[0]
    # The core's ELx registers hold exactly what the handler was given.
    assert (s.esr_el1, s.elr_el1, s.far_el1) == (s.info.esr, s.info.elr, s.info.far)
    assert s.info.vector_offset == LOWER_SYNC and s.info.from_el == 0
    assert s.el == 1, "the handler runs at EL1"
    return s


def test_encodings() -> None:
    import capstone

    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    for word, text in ENCODINGS.items():
        (insn,) = md.disasm(struct.pack("<I", word), 0)
        assert f"{insn.mnemonic} {insn.op_str}".strip() == text


# --- the syndromes -----------------------------------------------------------------------------

def test_svc_syndrome_and_return_address(m: Machine) -> None:
    m.install()
    m.run_el0([CMP_X0_X0, SVC_0x42])
    s = only(m)
    assert s.info.esr == esr(ExceptionClass.SVC64, 0x42) == 0x5600_0042
    assert s.info.is_syscall and s.info.ec == 0x15
    assert s.info.elr == CODE_VA + 8            # preferred return: the next instruction
    assert s.info.far == 0
    assert s.info.spsr == 0x6000_0000           # NZCV after cmp x0, x0: Z and C
    assert m.cpu.el == 0                        # back at EL0 after the handler
    assert m.cpu.read_sysreg(S.ESR_EL1) == 0x5600_0042


@pytest.mark.parametrize(("insn", "va", "wnr", "dfsc"), [
    (LDR_X0_X1, UNMAPPED_VA + 0x120, False, 0b000111),   # translation fault, level 3
    (LDRB_W0_X1, UNMAPPED_VA + 0x123, False, 0b000111),  # exact, unaligned FAR
    (STR_X0_X1, RO_VA + 0x8, True, 0b001111),            # permission fault, level 3
    (LDR_X0_X1, NOAF_VA + 0x10, False, 0b001011),        # access flag fault, level 3
    (STR_X0_X1, 0x0000_8000_0000_0000, True, 0b000100),  # translation fault, level 0
], ids=["ldr-unmapped", "ldrb-unaligned", "str-readonly", "ldr-no-af", "str-level0"])
def test_data_abort_syndrome(m: Machine, insn: int, va: int, wnr: bool, dfsc: int) -> None:
    m.install()
    m.run_el0([NOP, insn], x1=va)
    s = only(m)
    assert s.info.ec == ExceptionClass.DABT_LOWER and s.info.is_data_abort
    assert s.info.esr & ESR_IL
    assert bool(s.info.esr & ESR_WNR) == wnr == s.info.is_write
    assert s.info.fault_status == dfsc
    assert s.info.far == va
    assert s.info.elr == CODE_VA + 4            # the faulting instruction itself


@pytest.mark.parametrize(("target", "ifsc"), [
    (NX_VA + 0x10, 0b001111),        # UXN: permission fault, level 3
    (UNMAPPED_VA, 0b000111),         # translation fault, level 3
], ids=["uxn", "unmapped"])
def test_instruction_abort_syndrome(m: Machine, target: int, ifsc: int) -> None:
    m.install()
    m.run_el0([BR_X2], x2=target)
    s = only(m)
    assert s.info.ec == ExceptionClass.IABT_LOWER and s.info.is_instruction_abort
    assert s.info.esr == esr(ExceptionClass.IABT_LOWER, ifsc)
    assert s.info.far == target and s.info.elr == target


def test_undefined_instruction_syndrome(m: Machine) -> None:
    m.install()
    m.run_el0([NOP, UDF_0])
    s = only(m)
    assert s.info.esr == esr(ExceptionClass.UNKNOWN, 0) == 0x0200_0000
    assert s.info.elr == CODE_VA + 4 and s.info.far == 0


def test_brk_syndrome(m: Machine) -> None:
    m.install()
    m.run_el0([NOP, BRK_1])
    s = only(m)
    assert s.info.esr == esr(ExceptionClass.BRK64, 1) == 0xF200_0001
    assert s.info.elr == CODE_VA + 4            # BRK's preferred return is itself
    assert s.info.far == 0


def test_spsr_el1_holds_the_saved_pstate(m: Machine) -> None:
    m.install()
    m.run_el0([CMP_X0_X0, SVC_0x42])
    s = only(m)
    assert s.spsr_el1 == s.info.spsr == 0x6000_0000   # EL0t, NZCV = 0110


# --- handlers steering execution ------------------------------------------------------------------

def test_svc_handler_result_and_resume(m: Machine) -> None:
    """A handler that returns resumes at ELR (after the SVC) with the registers it left."""

    def handler(cpu: Cpu, info: ExceptionInfo) -> None:
        m.record(cpu, info)
        if info.is_syscall:
            cpu.set_reg(A.UC_ARM64_REG_X0, 41)
        else:
            cpu.request_stop()

    m.install(handler)
    m.run_el0([SVC_0, ADD_X1_X0_1, BRK_1])
    assert [s.info.ec for s in m.seen] == [ExceptionClass.SVC64, ExceptionClass.BRK64]
    assert m.cpu.reg(A.UC_ARM64_REG_X1) == 42
    assert m.seen[1].info.elr == CODE_VA + 8


def test_data_abort_handler_can_redirect(m: Machine) -> None:
    """Writing PC in the handler skips the faulting load."""

    def handler(cpu: Cpu, info: ExceptionInfo) -> None:
        m.record(cpu, info)
        if info.is_data_abort:
            cpu.set_reg(A.UC_ARM64_REG_PC, info.elr + 4)
        else:
            cpu.request_stop()

    m.install(handler)
    m.run_el0([LDR_X0_X1, ADD_X0_1, SVC_0], x0=5, x1=UNMAPPED_VA)
    assert [s.info.ec for s in m.seen] == [ExceptionClass.DABT_LOWER, ExceptionClass.SVC64]
    assert m.cpu.reg(A.UC_ARM64_REG_X0) == 6


# --- no handler ------------------------------------------------------------------------------------

@pytest.mark.parametrize("vbar", [None, VBAR], ids=["never-written", "nothing-registered"])
def test_vbar_naming_no_table_raises(m: Machine, vbar: int | None) -> None:
    if vbar is not None:
        m.cpu.write_sysreg(S.VBAR_EL1, vbar)
    m.load([SVC_0])
    m.cpu.enter_el0()
    with pytest.raises(EmulatorFault, match="VBAR_EL1 names no vector table"):
        m.cpu.run(CODE_VA)


def test_empty_vector_slot_raises(m: Machine) -> None:
    m.vectors.register(VBAR, VectorTable("empty", {}))
    m.cpu.write_sysreg(S.VBAR_EL1, VBAR)
    m.load([NOP, UDF_0])
    m.cpu.enter_el0()
    with pytest.raises(EmulatorFault, match="empty"):
        m.cpu.run(CODE_VA, count=100)


def test_handler_exception_propagates(m: Machine) -> None:
    def handler(cpu: Cpu, info: ExceptionInfo) -> None:
        raise KeyError("boom")

    m.install(handler)
    with pytest.raises(KeyError, match="boom"):
        m.run_el0([SVC_0])


# --- exact instruction counting -------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 999, 1000, 12_345])
def test_count_is_exact_without_exceptions(m: Machine, n: int) -> None:
    m.install()
    assert m.cpu.exact_timing_available
    executed, stopped = m.run_el0([ADD_X0_1, B_BACK_1], count=n, x0=0)
    assert (executed, stopped) == (n, False)
    assert m.cpu.reg(A.UC_ARM64_REG_X0) == (n + 1) // 2    # the guest really ran n
    assert not m.seen


def test_count_is_exact_when_a_handler_stops(m: Machine) -> None:
    m.install()
    executed, stopped = m.run_el0([NOP] * 5 + [SVC_0], count=1000)
    assert (executed, stopped) == (6, True)                 # five NOPs and the SVC


def test_count_runs_through_handled_exceptions(m: Machine) -> None:
    """Exceptions that do not stop the run neither end nor disturb the count."""
    m.install(stop_after=10**9)
    executed, stopped = m.run_el0([ADD_X0_1, SVC_0, B_BACK_2], count=30, x0=0)
    assert (executed, stopped) == (30, False)
    assert len(m.seen) == 10 and m.cpu.reg(A.UC_ARM64_REG_X0) == 10
    m2 = build_machine()
    m2.install(stop_after=5)
    executed, stopped = m2.run_el0([ADD_X0_1, SVC_0, B_BACK_2], count=1000, x0=0)
    assert (executed, stopped) == (4 * 3 + 2, True)


def test_count_excludes_an_aborted_instruction(m: Machine) -> None:
    m.install()
    executed, stopped = m.run_el0([NOP, NOP, LDR_X0_X1], count=100, x1=UNMAPPED_VA)
    assert (executed, stopped) == (2, True)


def test_uncounted_run_reports_zero(m: Machine) -> None:
    m.install()
    assert m.run_el0([NOP, SVC_0]) == (0, True)


def test_a_counted_run_is_not_stopped_from_another_thread(m: Machine) -> None:
    """Ctrl-C's watcher thread stops only uncounted runs: a stop from outside during a
    counted run could leave the PC behind instructions that already ran.  A counted
    run completes its count exactly however often the watcher asks; an endless
    uncounted run is ended by it."""
    import threading

    m.install()
    done = threading.Event()

    def watcher() -> None:
        while not done.wait(0.001):
            m.cpu.stop_from_another_thread()

    thread = threading.Thread(target=watcher)
    thread.start()
    try:
        n = 300_001
        assert m.run_el0([ADD_X0_1, B_BACK_1], count=n, x0=0) == (n, False)
        assert m.cpu.reg(A.UC_ARM64_REG_X0) == (n + 1) // 2
        assert m.run_el0([ADD_X0_1, B_BACK_1], x0=0) == (0, False)   # ended from outside
    finally:
        done.set()
        thread.join()
