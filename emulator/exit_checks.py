"""Precise stops from another thread: Unicorn's exit checks after memory accesses.

Unicorn 2.1.4 translates every guest load and store followed by a check for a
pending stop; when one is pending it leaves the block there and restores the PC
to the instruction that made the access, which has already happened (a load has
already written its register).  A stop requested from another thread (Ctrl-C)
lands on whichever check runs next, so the guest resumes by running that
instruction a second time: `ldr x0, [x0, #8]` then loads through the value it
loaded.  The engine has a switch that leaves these checks out of the code it
translates (its `no_exit_request`, which it otherwise uses only for ARM IT
blocks), and the check every block starts with stays: a stop then always lands
between blocks, where the PC and the registers agree.

The switch is a field of the engine's private state.  Its offset is found once
per process on a scratch engine: it lies at a fixed distance before the nesting
level of `uc_emu_start` (the one int that is 1 inside a hook and 0 outside),
between fields whose values are known, and it must change what a stop requested
during a load does.  If any of that fails, precise stops are unavailable and the
caller keeps to stops that cannot race (see `Cpu.stop_from_another_thread`).
The answer is remembered for later runs with the same library (engine_facts).
"""

from __future__ import annotations

import ctypes
import logging
import struct

from unicorn import UC_ARCH_ARM64, UC_HOOK_INTR, UC_HOOK_MEM_READ, UC_MODE_ARM, Uc, UcError
from unicorn import arm64_const as A

from emulator import engine_facts

log = logging.getLogger(__name__)

_SCAN = 20_000                 # bytes of the engine's state searched for the nesting level
_JMP_BUFS = 64 * 200           # UC_MAX_NESTED_LEVEL glibc x86-64 sigjmp_bufs before it
_CODE, _DATA = 0x10000, 0x20000
_UNSET = -1
_offset: int | None | object = _UNSET


def _nesting_level_offset() -> tuple[int | None, bytes]:
    """The offset of the int that counts nested uc_emu_start calls (1 inside a hook),
    and the engine's state after the run that found it."""
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(_CODE, 0x1000)
    uc.mem_write(_CODE, struct.pack("<2I", 0xD4000001, 0x14000000))     # svc #0 ; b .
    handle = uc._uch.value
    inside: list[bytes] = []

    def on_svc(u: Uc, _intno: int, _user: object) -> None:
        inside.append(ctypes.string_at(handle, _SCAN))
        u.emu_stop()

    uc.hook_add(UC_HOOK_INTR, on_svc)
    uc.emu_start(_CODE, 0, 0, 0)
    outside = ctypes.string_at(handle, _SCAN)
    if not inside:
        return None, outside
    found = [off for off in range(0, _SCAN - 4, 4)
             if struct.unpack_from("<i", outside, off)[0] == 0
             and struct.unpack_from("<i", inside[0], off)[0] == 1]
    return (found[0] if len(found) == 1 else None), outside


def _stop_during_load(offset: int | None) -> tuple[int, int]:
    """(PC, x2) after a memory hook asks for a stop during `ldr x1, [x0]; add x2, ..`
    on a fresh engine, with the switch at `offset` set (None: left alone)."""
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(_CODE, 0x1000)
    uc.mem_map(_DATA, 0x1000)
    # ldr x1, [x0] ; add x2, x2, #1 ; b .
    uc.mem_write(_CODE, struct.pack("<3I", 0xF9400001, 0x91000442, 0x14000000))
    uc.reg_write(A.UC_ARM64_REG_X0, _DATA)
    if offset is not None:
        ctypes.c_uint8.from_address(uc._uch.value + offset).value = 1
    uc.hook_add(UC_HOOK_MEM_READ, lambda u, *_: u.emu_stop(), begin=_DATA, end=_DATA + 7)
    try:
        uc.emu_start(_CODE, 0, 0, 100)
    except UcError:
        return -1, -1
    return uc.reg_read(A.UC_ARM64_REG_PC), uc.reg_read(A.UC_ARM64_REG_X2)


def locate() -> int | None:
    """The offset of the switch in the engine's state, or None (checked once per process)."""
    global _offset
    if _offset is _UNSET:
        kept = engine_facts.recall("exit_checks")
        if isinstance(kept, dict) and "offset" in kept and (kept["offset"] is None or (
                type(kept["offset"]) is int and 2 <= kept["offset"] < _SCAN - _JMP_BUFS)):
            _offset = kept["offset"]
            return _offset  # type: ignore[return-value]
        _offset = _locate()
        engine_facts.remember("exit_checks", {"offset": _offset})
        if _offset is None:
            log.debug("Unicorn's exit-check switch not found: stops from another thread "
                      "only end runs that are not counted")
    return _offset  # type: ignore[return-value]


def _locate() -> int | None:
    nesting, state = _nesting_level_offset()
    if nesting is None:
        return None
    # struct uc_struct: ... bool hook_insert, first_tb, no_exit_request, init_done;
    # sigjmp_buf jmp_bufs[64]; int nested_level; ...
    offset = nesting - _JMP_BUFS - 8 + 2
    if offset < 2:
        return None
    hook_insert, _first_tb, switch, init_done = state[offset - 2:offset + 2]
    if (hook_insert, switch, init_done) != (0, 0, 1):
        return None
    # With the checks, the stop lands right after the load (the add has not run);
    # without them, at the start of the next block.
    if _stop_during_load(None) != (_CODE, 0) or _stop_during_load(offset) != (_CODE + 8, 1):
        return None
    return offset


class ExitChecks:
    """The switch of one engine: whether code it translates from now on checks for a
    stop after every memory access (True) or only where blocks start (False)."""

    def __init__(self, handle: int, offset: int) -> None:
        self._flag = ctypes.c_uint8.from_address(handle + offset)
        self.after_accesses = True

    def set(self, after_accesses: bool) -> None:
        if after_accesses != self.after_accesses:
            self._flag.value = 0 if after_accesses else 1
            self.after_accesses = after_accesses
