"""The kernel's face of the CPU: what EL1 software can do, and nothing more.

The kernel model holds an `El1` object, never the physical-memory object.
Loads and stores go through the software walker under the current TTBRs with
EL1 permissions (so TCR_EL1.EPD0, AP bits and PAN bind the kernel exactly as
they would bind real EL1 code); system-register writes can be trapped to a
higher EL (as HCR_EL2.TVM would); TLB maintenance is explicit.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable

from unicorn.arm64_const import UC_ARM64_REG_PC

from emulator import sysregs as S
from emulator.clock import Stats, VirtualClock
from emulator.cpu import Cpu, CpuContext
from emulator.exceptions import VectorTable
from emulator.mmu import Access, Regime, Translation, TranslationFault, Walker
from emulator.trace import Tracer

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
PAGE = 4096

_TRACED_SYSREGS = frozenset((S.TTBR0_EL1, S.TTBR1_EL1, S.TCR_EL1, S.VBAR_EL1, S.SCTLR_EL1))

SysregTrap = Callable[[S.SysReg, int], bool]
"""Called before an EL1 system-register write; returns False to refuse it."""


class El1Fault(Exception):
    """An EL1 access that the translation regime does not allow."""

    def __init__(self, va: int, access: Access, fault: TranslationFault) -> None:
        super().__init__(f"EL1 {access.name.lower()} of {va:#x}: {fault.kind.name.lower()} "
                         f"fault at level {fault.level}")
        self.va = va
        self.access = access
        self.fault = fault


class SysregRefused(Exception):
    """A higher EL refused an EL1 system-register write."""


class CoreOwnedByUser(Exception):
    """EL1 tried to use the core while a monitor had returned it to a confidential thread."""


_PC = UC_ARM64_REG_PC


def _refuser(name: str) -> Callable[..., object]:
    def refused(*_args: object, **_kw: object) -> object:
        raise CoreOwnedByUser(f"EL1 {name}: the core belongs to a confidential thread until "
                              "its next exception")
    return refused


_LOCKED: dict[type, tuple[str, ...]] = {}


def _locked_names(cls: type) -> tuple[str, ...]:
    """Every public method of the face (subclasses included) the lock shuts."""
    names = _LOCKED.get(cls)
    if names is None:
        names = tuple(n for n in dir(cls) if not n.startswith("_")
                      and n not in El1._OPEN_WHILE_USER_OWNS
                      and callable(getattr(cls, n, None))
                      and not isinstance(getattr(cls, n, None), property))
        _LOCKED[cls] = names
    return names


class El1:
    """Loads, stores, system registers and TLB maintenance at EL1."""

    def __init__(self, cpu: Cpu, walker: Walker, clock: VirtualClock, stats: Stats,
                 tracer: Tracer | None = None) -> None:
        self._cpu = cpu
        self.tracer = tracer if tracer is not None else Tracer(clock)
        self._walker = walker
        self._ram = walker.ram
        self._clock = clock
        self._stats = stats
        self._tlb: dict[tuple[int, int], tuple[int, bool]] = {}
        self.sysreg_trap: SysregTrap | None = None
        self._user_owned = False
        #: Set by a monitor: the one EL0 instruction (a CLREX) the kernel may run while
        #: the core is the user's; the user's PC is kept around it.
        self.clrex_va: int | None = None
        #: The EL2 side of HVC #0 (a monitor installs itself here): (call, args) -> (status, value).
        self.hvc_handler: Callable[[int, tuple[int, ...]], tuple[int, int]] | None = None
        self.hvc_data_handler: Callable[[int, tuple[int, ...], bytes],
                                        tuple[int, int, bytes]] | None = None
        self.pan = False

    # --- the core returned to a confidential thread ------------------------------
    # Between a monitor's return to a confidential thread and that thread's next
    # exception the core is the user's: every operation of this face that would read
    # or change its state (memory, registers, system registers, translations, TLBs,
    # vectors, code caches, monitor calls) is refused, in this one place, by shadowing
    # the methods on the instance.  Only running EL0 (from where the monitor's
    # exception return left it) and harmless queries remain.
    _OPEN_WHILE_USER_OWNS = frozenset({
        "run_el0", "enter_el0", "timer_interrupt", "request_stop", "new_context",
        "stop_requested", "cpu_index", "exact_timing_available", "hwcaps", "midr",
    })

    @property
    def user_owned(self) -> bool:
        return self._user_owned

    @user_owned.setter
    def user_owned(self, locked: bool) -> None:
        if locked == self._user_owned:
            return
        self._user_owned = locked
        shadow = self.__dict__
        if locked:
            for name in _locked_names(type(self)):
                shadow[name] = _refuser(name)
        else:
            for name in _locked_names(type(self)):
                shadow.pop(name, None)

    # --- translation ---------------------------------------------------------
    def regime(self) -> Regime:
        c = self._cpu
        return Regime(ttbr0=c.ttbr0, ttbr1=c.ttbr1, tcr=c.tcr, sctlr=c.sctlr, pan=self.pan)

    def translate(self, va: int, access: Access) -> Translation | TranslationFault:
        """One walk, bypassing the TLB (what `AT S1E1x` would report)."""
        self._clock.charge("page_walk")
        return self._walker.translate(self.regime(), va, access, 1)

    def _page(self, va: int, write: bool) -> int:
        """Physical page base for an EL1 access, through the model's TLB."""
        c = self._cpu
        ttbr = c.ttbr1 if (va >> 55) & 1 else c.ttbr0
        key = (ttbr, va >> 12)
        hit = self._tlb.get(key)
        if hit is not None and (hit[1] or not write):
            return hit[0]
        access = Access.WRITE if write else Access.READ
        res = self.translate(va, access)
        if isinstance(res, TranslationFault):
            raise El1Fault(va, access, res)
        pa_page = res.pa & ~(PAGE - 1)
        self._tlb[key] = (pa_page, res.writable)
        return pa_page

    # --- memory --------------------------------------------------------------
    def read(self, va: int, length: int) -> bytes:
        out = bytearray()
        view = self._ram.view
        base = self._ram.base
        while length > 0:
            chunk = min(length, PAGE - (va & (PAGE - 1)))
            off = self._page(va, False) - base + (va & (PAGE - 1))
            out += view[off:off + chunk]
            va += chunk
            length -= chunk
        return bytes(out)

    def write(self, va: int, data: bytes | bytearray | memoryview) -> None:
        view = self._ram.view
        base = self._ram.base
        pos = 0
        n = len(data)
        while pos < n:
            chunk = min(n - pos, PAGE - (va & (PAGE - 1)))
            off = self._page(va, True) - base + (va & (PAGE - 1))
            view[off:off + chunk] = data[pos:pos + chunk]
            va += chunk
            pos += chunk

    def read_u64(self, va: int) -> int:
        if va & 7 == 0:
            off = self._page(va, False) - self._ram.base + (va & (PAGE - 1))
            return _U64.unpack_from(self._ram.buffer, off)[0]
        return _U64.unpack(self.read(va, 8))[0]

    def write_u64(self, va: int, value: int) -> None:
        if va & 7 == 0:
            off = self._page(va, True) - self._ram.base + (va & (PAGE - 1))
            _U64.pack_into(self._ram.buffer, off, value & 0xFFFF_FFFF_FFFF_FFFF)
        else:
            self.write(va, _U64.pack(value & 0xFFFF_FFFF_FFFF_FFFF))

    def read_u32(self, va: int) -> int:
        return _U32.unpack(self.read(va, 4))[0]

    def write_u32(self, va: int, value: int) -> None:
        self.write(va, _U32.pack(value & 0xFFFF_FFFF))

    def fill(self, va: int, byte: int, length: int) -> None:
        """memset through EL1 translation, page by page."""
        view = self._ram.view
        base = self._ram.base
        while length > 0:
            chunk = min(length, PAGE - (va & (PAGE - 1)))
            off = self._page(va, True) - base + (va & (PAGE - 1))
            view[off:off + chunk] = bytes([byte]) * chunk
            va += chunk
            length -= chunk

    def copy_page(self, dst_va: int, src_va: int) -> None:
        """Copy one page between two EL1-visible addresses (both page aligned)."""
        view = self._ram.view
        base = self._ram.base
        s = self._page(src_va, False) - base
        d = self._page(dst_va, True) - base
        view[d:d + PAGE] = view[s:s + PAGE]
        self._clock.charge("page_copy")

    # --- system registers ----------------------------------------------------
    def msr(self, reg: S.SysReg, value: int) -> None:
        """Write an EL1 system register; a configured trap may refuse it."""
        trap = self.sysreg_trap
        if trap is not None and not trap(reg, value):
            self._stats.inc("el1.sysreg_refused")
            raise SysregRefused(f"write of {value:#x} to {S.NAMES.get(reg, reg)} refused")
        self._cpu.write_sysreg(reg, value)
        if reg is S.TTBR0_EL1 or reg == S.TTBR0_EL1:
            self._stats.inc("mmu.ttbr0_switches")
        if self.tracer.enabled and reg in _TRACED_SYSREGS:
            self.tracer.emit("ttbr_switch", reg=S.NAMES.get(reg, str(reg)), value=value)

    def hvc(self, call: int, *args: int) -> tuple[int, int]:
        """HVC #0 with x0 = call and x1.. = args; returns the monitor's (x0, x1).

        Without a monitor at EL2 the instruction is UNDEFINED; the model answers
        with the contract's "unknown call" status so a kernel can probe for one.
        """
        if self.hvc_handler is None:
            return 7, 0
        self._stats.inc("el1.hvc")
        return self.hvc_handler(call, args)

    def hvc_data(self, call: int, args: tuple[int, ...], payload: bytes = b""
                 ) -> tuple[int, int, bytes]:
        """HVC carrying a kernel buffer in (payload) and out (returned bytes)."""
        if self.hvc_data_handler is None:
            return 7, 0, b""
        self._stats.inc("el1.hvc")
        return self.hvc_data_handler(call, args, payload)

    def mrs(self, reg: S.SysReg) -> int:
        return self._cpu.read_sysreg(reg)

    # --- TLB maintenance -----------------------------------------------------
    def invalidate_tlb(self) -> None:
        """Drop the model's cached EL1 translations (a higher EL changed the tables)."""
        self._tlb.clear()

    def tlbi_all(self) -> None:
        """TLBI VMALLE1 + DSB + ISB: every cached translation goes."""
        self._tlb.clear()
        self._cpu.flush_tlb()
        self._clock.charge("tlb_flush")
        self._stats.inc("mmu.tlb_flushes")
        if self.tracer.enabled:
            self.tracer.emit("tlb_flush", scope="all")

    def tlbi_va(self, va: int) -> None:
        """TLBI VAE1 for one page (the CPU side flushes conservatively)."""
        page = va >> 12
        for key in [k for k in self._tlb if k[1] == page]:
            del self._tlb[key]
        self._cpu.flush_tlb()
        self._clock.charge("tlb_flush")
        self._stats.inc("mmu.tlb_flushes")
        if self.tracer.enabled:
            self.tracer.emit("tlb_flush", scope="va", addr=va)

    # --- the user context and running EL0 --------------------------------------
    # EL1 software can read and write the interrupted EL0 register file and
    # return to EL0; these methods are that power and nothing more.
    @property
    def cpu_index(self) -> int:
        return self._cpu.index

    def reg(self, reg_id: int) -> int:
        return self._cpu.fast.read(reg_id)

    def set_reg(self, reg_id: int, value: int) -> None:
        self._cpu.fast.write(reg_id, value)

    def syscall_args(self) -> ctypes.Array[ctypes.c_uint64]:
        """x0..x8 and PC of the trapped context in one call (index 9 = PC)."""
        return self._cpu.fast.syscall_batch.read()

    def gprs(self) -> ctypes.Array[ctypes.c_uint64]:
        """x0..x30, SP_EL0, PC, NZCV, TPIDR_EL0."""
        return self._cpu.fast.gpr_batch.read()

    def new_context(self) -> CpuContext:
        return CpuContext()

    def save_context(self, into: CpuContext) -> CpuContext:
        return self._cpu.save_context(into)

    def restore_context(self, ctx: CpuContext) -> None:
        self._cpu.restore_context(ctx)

    def enter_el0(self) -> None:
        self._cpu.enter_el0()

    def run_el0(self, pc: int, count: int = 0, timeout_us: int = 0) -> tuple[int, bool]:
        if self._user_owned:
            # The monitor performed the exception return: EL0 continues where it put the
            # PC, whatever address the kernel names (bar the monitor's own CLREX).
            user_pc = self._cpu.fast.read(_PC)
            if pc == self.clrex_va and pc != user_pc and count == 1:
                self._cpu.run(pc, 1, timeout_us)
                self._cpu.fast.write(_PC, user_pc)
                return 0, False
            pc = user_pc
        return self._cpu.run(pc, count, timeout_us)

    def timer_interrupt(self) -> None:
        """Raise the timer interrupt at EL0's current PC (taken through VBAR_EL1)."""
        self._cpu.take_irq()

    @property
    def stop_requested(self) -> bool:
        """Whether the current run of EL0 ends after this exception."""
        return self._cpu._stop_requested

    def request_stop(self) -> None:
        self._cpu.request_stop()

    def register_vectors(self, address: int, table: VectorTable) -> None:
        self._cpu.vectors.register(address, table)

    def invalidate_code(self, va: int, length: int) -> None:
        """IC IVAU over a range: drop translated code for it (current TTBR0)."""
        self._cpu.uc.ctl_remove_cache(va, va + length)

    def invalidate_all_code(self) -> None:
        self._cpu.uc.ctl_flush_tb()

    @property
    def exact_timing_available(self) -> bool:
        return self._cpu.exact_timing_available

    def hwcaps(self) -> tuple[int, int]:
        return self._cpu.derive_hwcaps()

    @property
    def midr(self) -> int:
        return self._cpu.read_sysreg(S.MIDR_EL1)
