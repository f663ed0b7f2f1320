"""What the stub needs from the machine it debugs, and how gdb numbers registers.

The stub never reaches into the kernel model or the Guardian: the command line
hands it a `DebugTarget` (an adapter over one run), so the debugger sees only
what the adapter chooses to show (the current EL's view, or the kernel's).
"""

from __future__ import annotations

from typing import Protocol

from emulator.fastuc import CTX_FPCR, CTX_FPSR, CTX_NZCV, CTX_PC, CTX_Q0, CTX_SP, UserContext

# gdb's AArch64 numbering: x0-x30, sp, pc, cpsr, v0-v31, fpsr, fpcr, then ours.
NUM_CORE = 34
FPSR_REGNUM = 66
FPCR_REGNUM = 67
SYSTEM_REGS: tuple[str, ...] = ("el", "vbar_el1", "ttbr0_el1", "ttbr1_el1", "tcr_el1",
                                "guardian", "confidential", "guardian_decisions")
FIRST_SYSTEM = 68
NUM_REGS = FIRST_SYSTEM + len(SYSTEM_REGS)


def reg_size(regnum: int) -> int:
    """Bytes of register `regnum` in g/p packets."""
    if regnum == 33 or regnum in (FPSR_REGNUM, FPCR_REGNUM):
        return 4
    if 34 <= regnum < 66:
        return 16
    return 8


def ctx_index(regnum: int) -> int | None:
    """Where a UserContext keeps gdb register `regnum` (None for system registers)."""
    if regnum < 31:
        return regnum
    return {31: CTX_SP, 32: CTX_PC, 33: CTX_NZCV, FPSR_REGNUM: CTX_FPSR,
            FPCR_REGNUM: CTX_FPCR}.get(regnum, CTX_Q0 + regnum - 34 if 34 <= regnum < 66 else None)


def encode_register(ctx: UserContext, system: dict[str, int], regnum: int) -> bytes:
    size = reg_size(regnum)
    idx = ctx_index(regnum)
    value = ctx.get(idx) if idx is not None else system.get(SYSTEM_REGS[regnum - FIRST_SYSTEM], 0)
    return (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


_CORE_XML = "".join(
    [f'<reg name="x{i}" bitsize="64" type="int" regnum="{i}"/>' for i in range(31)]
    + ['<reg name="sp" bitsize="64" type="data_ptr"/>',
       '<reg name="pc" bitsize="64" type="code_ptr"/>',
       '<reg name="cpsr" bitsize="32" type="int"/>'])

_FPU_TYPES = (
    '<vector id="v2d" type="ieee_double" count="2"/>'
    '<vector id="v2u" type="uint64" count="2"/>'
    '<vector id="v2i" type="int64" count="2"/>'
    '<vector id="v4f" type="ieee_single" count="4"/>'
    '<vector id="v4u" type="uint32" count="4"/>'
    '<vector id="v4i" type="int32" count="4"/>'
    '<vector id="v8u" type="uint16" count="8"/>'
    '<vector id="v8i" type="int16" count="8"/>'
    '<vector id="v16u" type="uint8" count="16"/>'
    '<vector id="v16i" type="int8" count="16"/>'
    '<vector id="v1u" type="uint128" count="1"/>'
    '<vector id="v1i" type="int128" count="1"/>'
    '<union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/>'
    '<field name="s" type="v2i"/></union>'
    '<union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/>'
    '<field name="s" type="v4i"/></union>'
    '<union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>'
    '<union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>'
    '<union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>'
    '<union id="aarch64v"><field name="d" type="vnd"/><field name="s" type="vns"/>'
    '<field name="h" type="vnh"/><field name="b" type="vnb"/><field name="q" type="vnq"/>'
    '</union>'
)

_FPU_XML = (_FPU_TYPES
            + "".join(f'<reg name="v{i}" bitsize="128" type="aarch64v" regnum="{34 + i}"/>'
                      for i in range(32))
            + '<reg name="fpsr" bitsize="32" type="int"/><reg name="fpcr" bitsize="32" type="int"/>')

_SYSTEM_XML = "".join(f'<reg name="{n}" bitsize="64" type="{"code_ptr" if n == "vbar_el1" else "uint64"}" '
                      f'regnum="{FIRST_SYSTEM + i}" group="system" save-restore="no"/>'
                      for i, n in enumerate(SYSTEM_REGS))

TARGET_XML = (
    '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">'
    '<target version="1.0"><architecture>aarch64</architecture><osabi>GNU/Linux</osabi>'
    f'<feature name="org.gnu.gdb.aarch64.core">{_CORE_XML}</feature>'
    f'<feature name="org.gnu.gdb.aarch64.fpu">{_FPU_XML}</feature>'
    f'<feature name="org.blindfold.system">{_SYSTEM_XML}</feature>'
    '</target>'
)


class DebugTarget(Protocol):
    """One debugged program, as the stub may see it."""

    pid: int

    def current_tid(self) -> int | None:
        """The debugged thread whose registers are on the core now (None: another process
        runs, or the kernel is between threads)."""
        ...

    def thread_ids(self) -> list[int]: ...
    def thread_name(self, tid: int) -> str: ...
    def exited(self) -> int | None:
        """The debugged process's wait status once it has exited."""
        ...

    def read_registers(self, tid: int) -> UserContext: ...
    def write_registers(self, tid: int, ctx: UserContext) -> None: ...
    def system_registers(self) -> dict[str, int]: ...

    def read_memory(self, tid: int, va: int, length: int) -> bytes | None:
        """Bytes as the selected view sees them, or None where it cannot read."""
        ...

    def write_memory(self, tid: int, va: int, data: bytes) -> bool: ...
    def translate(self, tid: int, va: int) -> int | None:
        """The physical address behind `va` now (None: not mapped)."""
        ...

    def auxv(self) -> bytes: ...
    def exec_file(self) -> str: ...
    def monitor(self, command: str) -> str | None:
        """Text for `monitor COMMAND`, or None if the adapter does not know it."""
        ...
