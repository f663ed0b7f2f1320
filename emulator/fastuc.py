"""The hot path into Unicorn: prebuilt ctypes calls, no per-call allocation.

Unicorn's Python convenience wrappers cost several microseconds per call, which
dominates a syscall-heavy guest.  Everything that runs once per exception goes
through this module instead: register batches with arrays built once, raw hook
registration, and the calibrated offsets of the fault syndrome inside a saved
CPU context (Unicorn does not expose ESR/FAR on exception delivery).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence

from unicorn import Uc, UcError
from unicorn import arm64_const as A
from unicorn import unicorn_const as U
from unicorn.unicorn_py3.unicorn import uc_hook_h, uclib

# Raw callback signatures (uc_engine, ...).  Kept as module constants so the
# callback objects can be held alive by their owners.
INTR_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)

# uc_ctl codes are (op << 30) | (nargs << 26) | control; use the binding's numbers.
_CTL_FLUSH_TLB_CODE = (U.UC_CTL_IO_WRITE << 30) | U.UC_CTL_TLB_FLUSH
_CTL_REMOVE_CACHE_CODE = (U.UC_CTL_IO_WRITE << 30) | (2 << 26) | U.UC_CTL_TB_REMOVE_CACHE


def cp_reg(crn: int, crm: int, op0: int, op1: int, op2: int) -> tuple[int, int, int, int, int]:
    """Identify a system register for UC_ARM64_REG_CP_REG access."""
    return (crn, crm, op0, op1, op2)


class _CpReg(ctypes.Structure):
    # Layout of uc_arm64_cp_reg: crn, crm, op0, op1, op2 (u32 each), val (u64).
    _fields_ = [
        ("crn", ctypes.c_uint32),
        ("crm", ctypes.c_uint32),
        ("op0", ctypes.c_uint32),
        ("op1", ctypes.c_uint32),
        ("op2", ctypes.c_uint32),
        ("val", ctypes.c_uint64),
    ]


class RegBatch:
    """A fixed list of 64-bit registers read or written in one library call."""

    def __init__(self, handle: ctypes.c_void_p, reg_ids: Sequence[int]) -> None:
        n = len(reg_ids)
        self._handle = handle
        self._n = n
        self._ids = (ctypes.c_int32 * n)(*reg_ids)
        self.values = (ctypes.c_uint64 * n)()
        ptrs = (ctypes.c_void_p * n)()
        base = ctypes.addressof(self.values)
        for i in range(n):
            ptrs[i] = base + 8 * i
        self._ptrs = ptrs
        self._read = uclib.uc_reg_read_batch
        self._write = uclib.uc_reg_write_batch

    def read(self) -> ctypes.Array[ctypes.c_uint64]:
        """Refresh and return the value array (index i is reg_ids[i])."""
        self._read(self._handle, self._ids, self._ptrs, self._n)
        return self.values

    def write(self, values: Sequence[int]) -> None:
        vals = self.values
        for i, v in enumerate(values):
            vals[i] = v & 0xFFFF_FFFF_FFFF_FFFF
        self._write(self._handle, self._ids, self._ptrs, self._n)


# The user-visible register file of one thread, in the order UserContext stores it.
USER_REGS: tuple[int, ...] = tuple(
    [A.UC_ARM64_REG_X0 + i for i in range(29)] + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30]
    + [A.UC_ARM64_REG_SP, A.UC_ARM64_REG_PC, A.UC_ARM64_REG_NZCV, A.UC_ARM64_REG_TPIDR_EL0,
       A.UC_ARM64_REG_FPCR, A.UC_ARM64_REG_FPSR]
    + [A.UC_ARM64_REG_Q0 + i for i in range(32)]
)
CTX_SP, CTX_PC, CTX_NZCV, CTX_TPIDR, CTX_FPCR, CTX_FPSR, CTX_Q0 = 31, 32, 33, 34, 35, 36, 37
_SLOT = 16  # every slot holds up to 128 bits (the Q registers need them)


class UserContext:
    """A saved EL0 register file: GPRs, SP_EL0, PC, NZCV, TPIDR_EL0, FPCR/FPSR, Q0-Q31.

    Only the user-visible state: restoring it never touches system registers,
    so a thread switch cannot undo a TTBR or VBAR change made meanwhile.
    """

    __slots__ = ("data", "words")

    def __init__(self) -> None:
        self.data = (ctypes.c_uint64 * (2 * len(USER_REGS)))()
        #: `data` as a memoryview of 64-bit words (for strided copies in C).
        self.words = memoryview(self.data).cast("B").cast("Q")

    def get(self, index: int) -> int:
        if index >= CTX_Q0:
            return self.data[2 * index] | (self.data[2 * index + 1] << 64)
        return self.data[2 * index]

    def set(self, index: int, value: int) -> None:
        self.data[2 * index] = value & 0xFFFF_FFFF_FFFF_FFFF
        self.data[2 * index + 1] = (value >> 64) & 0xFFFF_FFFF_FFFF_FFFF if index >= CTX_Q0 else 0

    def frame_fields(self) -> dict[str, object]:
        """The registers a signal frame saves, as abi.sigframe.UserRegs' fields."""
        return {"x": [self.get(i) for i in range(31)], "sp": self.get(CTX_SP),
                "pc": self.get(CTX_PC), "pstate": self.get(CTX_NZCV) & 0xF000_0000,
                "q": [self.get(CTX_Q0 + i) for i in range(32)], "fpsr": self.get(CTX_FPSR),
                "fpcr": self.get(CTX_FPCR)}

    def load_frame_fields(self, x: list[int], sp: int, pc: int, pstate: int, q: list[int],
                          fpsr: int, fpcr: int) -> None:
        """Take back what a signal frame saved (rt_sigreturn); only NZCV of PSTATE."""
        for i, v in enumerate(x):
            self.set(i, v)
        self.set(CTX_SP, sp)
        self.set(CTX_PC, pc)
        self.set(CTX_NZCV, pstate & 0xF000_0000)
        if q:
            self.set(CTX_FPSR, fpsr)
            self.set(CTX_FPCR, fpcr)
            for i, v in enumerate(q):
                self.set(CTX_Q0 + i, v)

    def copy(self) -> UserContext:
        new = UserContext()
        ctypes.memmove(new.data, self.data, ctypes.sizeof(self.data))
        return new


class _UserContextBatch:
    """Moves a UserContext in or out of the CPU in one library call each way."""

    def __init__(self, handle: ctypes.c_void_p) -> None:
        n = len(USER_REGS)
        self._handle = handle
        self._n = n
        self._ids = (ctypes.c_int32 * n)(*USER_REGS)
        self._buf = (ctypes.c_uint64 * (2 * n))()
        ptrs = (ctypes.c_void_p * n)()
        base = ctypes.addressof(self._buf)
        for i in range(n):
            ptrs[i] = base + _SLOT * i
        self._ptrs = ptrs
        self._size = ctypes.sizeof(self._buf)

    def save(self, into: UserContext) -> None:
        uclib.uc_reg_read_batch(self._handle, self._ids, self._ptrs, self._n)
        ctypes.memmove(into.data, self._buf, self._size)

    def restore(self, ctx: UserContext) -> None:
        ctypes.memmove(self._buf, ctx.data, self._size)
        uclib.uc_reg_write_batch(self._handle, self._ids, self._ptrs, self._n)


class FastUc:
    """Cheap access to one Unicorn instance's registers, TLB and exception state."""

    def __init__(self, uc: Uc) -> None:
        self.uc = uc
        self.handle = uc._uch
        h = self.handle
        self._reg_read = uclib.uc_reg_read
        self._reg_write = uclib.uc_reg_write
        self._ctl = uclib.uc_ctl
        self._u64 = ctypes.c_uint64()
        self._u64_ptr = ctypes.cast(ctypes.byref(self._u64), ctypes.c_void_p)
        self._cp = _CpReg()
        self._code_range = (ctypes.c_uint64 * 2)()
        base = ctypes.addressof(self._code_range)
        self._code_args = (ctypes.c_uint64.from_address(base), ctypes.c_uint64.from_address(base + 8))
        self._cp_ptr = ctypes.cast(ctypes.byref(self._cp), ctypes.c_void_p)
        gprs = [A.UC_ARM64_REG_X0 + i for i in range(29)] + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30]
        # Syscall entry needs x0-x8 and the PC; keep it one call.
        self.syscall_batch = RegBatch(h, gprs[:9] + [A.UC_ARM64_REG_PC])
        # Exception entry: ESR_EL1, ELR_EL1, FAR_EL1 and SPSR_EL1 in one call; PC and NZCV in one.
        self._entry_ids = (ctypes.c_int32 * 4)(A.UC_ARM64_REG_ESR_EL1, A.UC_ARM64_REG_ELR_EL1,
                                              A.UC_ARM64_REG_FAR_EL1, A.UC_ARM64_REG_CP_REG)
        self._entry_vals = (ctypes.c_uint64 * 3)()
        self._entry_spsr = _CpReg(4, 0, 3, 0, 0, 0)       # SPSR_EL1 has no named id
        base = ctypes.addressof(self._entry_vals)
        self._entry_ptrs = (ctypes.c_void_p * 4)(base, base + 8, base + 16,
                                                 ctypes.addressof(self._entry_spsr))
        self.pc_nzcv_batch = RegBatch(h, [A.UC_ARM64_REG_PC, A.UC_ARM64_REG_NZCV])
        self.gpr_batch = RegBatch(
            h, gprs + [A.UC_ARM64_REG_SP, A.UC_ARM64_REG_PC, A.UC_ARM64_REG_NZCV,
                       A.UC_ARM64_REG_TPIDR_EL0]
        )
        self.user_context = _UserContextBatch(h)
        self.fp_control = RegBatch(h, [A.UC_ARM64_REG_FPCR, A.UC_ARM64_REG_FPSR])
        self._ctx = uc.context_save()
        self._ctx_ptr = ctypes.cast(self._ctx.context, ctypes.c_void_p).value or 0
        self._ctx_save = uclib.uc_context_save
        self._syndrome_off: int | None = None
        self._vaddr_off: int | None = None
        self._hooks: list[object] = []

    # --- single registers -------------------------------------------------
    def read(self, reg_id: int) -> int:
        self._reg_read(self.handle, reg_id, self._u64_ptr)
        return self._u64.value

    def write(self, reg_id: int, value: int) -> None:
        self._u64.value = value & 0xFFFF_FFFF_FFFF_FFFF
        self._reg_write(self.handle, reg_id, self._u64_ptr)

    def read_sys(self, reg: tuple[int, int, int, int, int]) -> int:
        cp = self._cp
        cp.crn, cp.crm, cp.op0, cp.op1, cp.op2 = reg
        cp.val = 0
        self._reg_read(self.handle, A.UC_ARM64_REG_CP_REG, self._cp_ptr)
        return cp.val

    def write_sys(self, reg: tuple[int, int, int, int, int], value: int) -> None:
        cp = self._cp
        cp.crn, cp.crm, cp.op0, cp.op1, cp.op2 = reg
        cp.val = value & 0xFFFF_FFFF_FFFF_FFFF
        self._reg_write(self.handle, A.UC_ARM64_REG_CP_REG, self._cp_ptr)

    def write_entry(self, esr: int, elr: int, far: int, spsr: int) -> None:
        """The ELx registers of an exception entry, in one library call."""
        vals = self._entry_vals
        vals[0] = esr
        vals[1] = elr
        vals[2] = far
        self._entry_spsr.val = spsr
        uclib.uc_reg_write_batch(self.handle, self._entry_ids, self._entry_ptrs, 4)

    # --- control ------------------------------------------------------------
    def flush_tlb(self) -> None:
        """Drop every cached translation (needed after downgrades and TTBR switches)."""
        self._ctl(self.handle, _CTL_FLUSH_TLB_CODE)

    def remove_code(self, begin: int, end: int) -> None:
        """Drop translated code for VAs [begin, end) of the current regime (what
        `Uc.ctl_remove_cache` does, without the binding's per-call argument packing)."""
        self._code_range[0] = begin
        self._code_range[1] = end
        err = self._ctl(self.handle, _CTL_REMOVE_CACHE_CODE, self._code_args[0], self._code_args[1])
        if err != U.UC_ERR_OK:
            raise UcError(err)

    def stop(self) -> None:
        uclib.uc_emu_stop(self.handle)

    def add_intr_hook(self, callback: Callable[[int], None]) -> None:
        """Register `callback(intno)` for CPU exceptions, bypassing the wrapper layers."""

        def trampoline(_h: int, intno: int, _user: int) -> None:
            callback(intno)

        cfunc = INTR_CFUNC(trampoline)
        hh = uc_hook_h()
        err = uclib.uc_hook_add(self.handle, ctypes.byref(hh), U.UC_HOOK_INTR,
                                ctypes.cast(cfunc, ctypes.c_void_p), None, 1, 0)
        if err != U.UC_ERR_OK:
            raise RuntimeError(f"uc_hook_add failed: {err}")
        self._hooks.append((cfunc, hh))

    def add_raw_intr_hook(self, callback: Callable[[int, int, int], None]) -> None:
        """Register `callback(handle, intno, user_data)` for CPU exceptions, called directly."""
        cfunc = INTR_CFUNC(callback)
        hh = uc_hook_h()
        err = uclib.uc_hook_add(self.handle, ctypes.byref(hh), U.UC_HOOK_INTR,
                                ctypes.cast(cfunc, ctypes.c_void_p), None, 1, 0)
        if err != U.UC_ERR_OK:
            raise RuntimeError(f"uc_hook_add failed: {err}")
        self._hooks.append((cfunc, hh))

    # --- fault syndrome -----------------------------------------------------
    def set_syndrome_offsets(self, syndrome_off: int, vaddr_off: int) -> None:
        self._syndrome_off = syndrome_off
        self._vaddr_off = vaddr_off

    def exception_syndrome(self) -> tuple[int, int]:
        """(ESR value, faulting virtual address) of the exception being delivered."""
        if self._syndrome_off is None or self._vaddr_off is None:
            raise RuntimeError("syndrome offsets are not calibrated")
        self._ctx_save(self.handle, self._ctx.context)
        base = self._ctx_ptr
        syn = ctypes.c_uint32.from_address(base + self._syndrome_off).value
        va = ctypes.c_uint64.from_address(base + self._vaddr_off).value
        return syn, va

    def context_bytes(self) -> bytes:
        self._ctx_save(self.handle, self._ctx.context)
        return ctypes.string_at(self._ctx_ptr, self._ctx.size)
