"""Calibration of a Unicorn core's build-specific offsets, and its HWCAPs.

The fault syndrome and the instruction counter live at offsets that depend on
the Unicorn build; they are found here by running known code on scratch
instances (Unicorn is pinned exactly, and a failed calibration refuses to run
rather than report wrong values).  The offsets belong to the loaded library, so
later cores in the same process reuse them, and later runs with the same library
file too (engine_facts).  The AT_HWCAP bits are derived from
the CPU model's ID registers.
"""

from __future__ import annotations

import ctypes
import logging
import struct
from collections.abc import Callable

from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc, UcError
from unicorn import arm64_const as A

from emulator import engine_facts
from emulator import sysregs as S
from emulator.cpu_models import CPU_MODELS
from emulator.errors import EmulatorFault
from emulator.fastuc import FastUc

log = logging.getLogger(__name__)

_EMU_COUNTER_SCAN = 4096
_CONTEXT_SCAN = 12_640          # bytes of a saved context (the syndrome lies inside)
# CPU model -> ((syndrome offset, fault address offset), instruction counter offset).
_CALIBRATED: dict[str, tuple[tuple[int, int], int | None]] = {}


def calibrate(model: str) -> tuple[tuple[int, int], int | None]:
    """((syndrome offset, fault address offset) in a saved context, the instruction
    counter's offset in the handle, or None where it was not found)."""
    known = _CALIBRATED.get(model)
    if known is not None:
        return known
    kept = engine_facts.recall(f"calibration.{model}")
    if _plausible(kept):
        _CALIBRATED[model] = result = ((kept[0], kept[1]), kept[2])
        return result
    scratch = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    scratch.ctl_set_cpu_model(CPU_MODELS[model])
    fast = FastUc(scratch)
    fast.write_sys(S.SCR_EL3, S.SCR_EL3_RW | S.SCR_EL3_NS)
    fast.write_sys(S.HCR_EL2, S.HCR_EL2_RW)
    # MMU on with one 1 GiB identity block; a load from the unmapped second
    # gigabyte takes a translation fault whose FAR is known.
    base = 0x10000
    l1 = 0x20000
    scratch.mem_map(base, 0x1000)
    scratch.mem_map(l1, 0x1000)
    scratch.mem_write(l1, struct.pack("<Q", 0x0 | 0x1 | (1 << 10) | (3 << 8)))
    fast.write_sys(S.MAIR_EL1, S.MAIR_DEFAULT)
    fast.write_sys(S.TCR_EL1, S.make_tcr(t0sz=25, t1sz=25, epd1=True))
    fast.write_sys(S.TTBR0_EL1, l1)
    fast.write_sys(S.SCTLR_EL1, fast.read_sys(S.SCTLR_EL1) | S.SCTLR_M)
    probe_va = 0x4000_1238
    # ldr x0, [x1] ; b .
    scratch.mem_write(base, struct.pack("<II", 0xF9400020, 0x14000000))
    scratch.reg_write(A.UC_ARM64_REG_X1, probe_va)
    seen: list[bytes] = []

    def on_fault(_intno: int) -> None:
        seen.append(fast.context_bytes())
        fast.stop()

    fast.add_intr_hook(on_fault)
    try:
        scratch.emu_start(base, 0, count=10)
    except UcError:
        pass
    syn_off = va_off = None
    if seen:
        blob = seen[0]
        for off in range(0, len(blob) - 12, 4):
            syn = struct.unpack_from("<I", blob, off)[0]
            if (syn >> 26) in (0x24, 0x25) and struct.unpack_from("<Q", blob, off + 8)[0] == probe_va:
                syn_off, va_off = off, off + 8
                break
    if syn_off is None or va_off is None:
        raise EmulatorFault("cannot locate the exception syndrome in Unicorn's CPU context",
                            hint="install the pinned unicorn==2.1.4")
    # Instruction counter: run known counts and find the field that tracks them.
    scratch2 = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    scratch2.mem_map(base, 0x1000)
    scratch2.mem_write(base, struct.pack("<II", 0x91000400, 0x17FFFFFF))  # add; b .-4
    h = scratch2._uch.value
    scratch2.emu_start(base, 0, count=12345)
    cands = [o for o in range(0, _EMU_COUNTER_SCAN, 8)
             if ctypes.c_uint64.from_address(h + o).value == 12346]
    scratch2.emu_start(base, 0, count=777)
    cands = [o for o in cands if ctypes.c_uint64.from_address(h + o).value == 778]
    counter_off = cands[0] if len(cands) == 1 else None
    if counter_off is None:
        log.warning("instruction counter not found: exact timing is unavailable")
    _CALIBRATED[model] = result = ((syn_off, va_off), counter_off)
    engine_facts.remember(f"calibration.{model}", [syn_off, va_off, counter_off])
    return result


def _plausible(kept: object) -> bool:
    """Whether remembered offsets lie where calibration could have found them (a damaged
    cache must not make the core read outside the structures they index)."""
    if not (isinstance(kept, list) and len(kept) == 3
            and all(v is None or type(v) is int for v in kept)):
        return False
    syn, va, counter = kept
    return (syn is not None and 0 <= syn and va == syn + 8 and va + 8 <= _CONTEXT_SCAN
            and (counter is None or (0 <= counter < _EMU_COUNTER_SCAN and counter % 8 == 0)))


def derive_hwcaps(read_sys: Callable[[S.SysReg], int]) -> tuple[int, int]:
    """AT_HWCAP/AT_HWCAP2 describing exactly a CPU model's features (from its ID registers)."""
    isar0 = read_sys(S.ID_AA64ISAR0_EL1)
    isar1 = read_sys(S.ID_AA64ISAR1_EL1)
    pfr0 = read_sys(S.ID_AA64PFR0_EL1)

    def field(reg: int, shift: int) -> int:
        return (reg >> shift) & 0xF

    hw = 0
    fp, simd = field(pfr0, 16), field(pfr0, 20)
    if fp != 0xF:
        hw |= 1 << 0  # FP
        if fp >= 1:
            hw |= 1 << 9  # FPHP
    if simd != 0xF:
        hw |= 1 << 1  # ASIMD
        if simd >= 1:
            hw |= 1 << 10  # ASIMDHP
    aes = field(isar0, 4)
    if aes >= 1:
        hw |= 1 << 3
    if aes >= 2:
        hw |= 1 << 4  # PMULL
    if field(isar0, 8) >= 1:
        hw |= 1 << 5  # SHA1
    sha2 = field(isar0, 12)
    if sha2 >= 1:
        hw |= 1 << 6
    if sha2 >= 2:
        hw |= 1 << 21  # SHA512
    if field(isar0, 16) >= 1:
        hw |= 1 << 7  # CRC32
    if field(isar0, 20) >= 2:
        hw |= 1 << 8  # ATOMICS (LSE)
    if field(isar0, 28) >= 1:
        hw |= 1 << 12  # ASIMDRDM
    if field(isar0, 32) >= 1:
        hw |= 1 << 17  # SHA3
    if field(isar0, 36) >= 1:
        hw |= 1 << 18  # SM3
    if field(isar0, 40) >= 1:
        hw |= 1 << 19  # SM4
    if field(isar0, 44) >= 1:
        hw |= 1 << 20  # ASIMDDP
    if field(isar1, 0) >= 1:
        hw |= 1 << 16  # DCPOP
    if field(isar1, 12) >= 1:
        hw |= 1 << 13  # JSCVT
    if field(isar1, 16) >= 1:
        hw |= 1 << 14  # FCMA
    if field(isar1, 20) >= 1:
        hw |= 1 << 15  # LRCPC
    hw2 = 0
    if field(isar1, 0) >= 2:
        hw2 |= 1 << 0  # DCPODP
    return hw, hw2
