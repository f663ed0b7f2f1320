"""One AArch64 core: a Unicorn instance over the shared RAM buffer.

Sets the core up so the EL1&0 regime really is AArch64 (SCR_EL3.RW and
HCR_EL2.RW; without them the MMU walks AArch32 LPAE tables), calibrates where
the fault syndrome lives in a saved context, performs architectural exception
entry, and runs guest code either freely (fast timing) or in counted
instruction quanta (exact timing).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, UC_PROT_ALL, Uc, UcError
from unicorn import arm64_const as A

from emulator import sysregs as S
from emulator.calibration import calibrate, derive_hwcaps
from emulator.cpu_models import CPU_MODELS
from emulator.errors import EmulatorFault
from emulator.exceptions import (
    GROUP_LOWER_A64,
    INTNO_BKPT,
    INTNO_DATA_ABORT,
    INTNO_PREFETCH_ABORT,
    INTNO_SVC,
    INTNO_UDEF,
    ExceptionClass,
    ExceptionInfo,
    VectorKind,
    VectorRegistry,
    VectorTable,
)
from emulator.exit_checks import ExitChecks
from emulator.exit_checks import locate as locate_exit_checks
from emulator.fastuc import FastUc, UserContext
from emulator.livestate import X_INDEX, LiveState, locate
from emulator.physmem import PhysicalMemory
from emulator.tlbsize import Tlb
from emulator.tlbsize import locate as locate_tlb
from emulator.trace import Tracer

CpuContext = UserContext

log = logging.getLogger(__name__)

_SYNDROME_INTNOS = frozenset((INTNO_SVC, INTNO_DATA_ABORT, INTNO_PREFETCH_ABORT, INTNO_UDEF,
                              INTNO_BKPT))
_LOWER_SYNC = GROUP_LOWER_A64 + VectorKind.SYNC


_EC_NAMES: dict[int, str] = {int(ec): ec.name for ec in ExceptionClass}


def _ec_name(ec: int) -> str:
    name = _EC_NAMES.get(ec)
    return name if name is not None else f"EC_{ec:#04x}"


X = [A.UC_ARM64_REG_X0 + i for i in range(29)] + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30]
REG_SP = A.UC_ARM64_REG_SP
REG_PC = A.UC_ARM64_REG_PC
REG_NZCV = A.UC_ARM64_REG_NZCV
REG_PSTATE = A.UC_ARM64_REG_PSTATE
REG_TPIDR_EL0 = A.UC_ARM64_REG_TPIDR_EL0
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_ZERO_WORDS = memoryview(bytes(8 * 32)).cast("Q")
_FP_ZERO = (0, 0)

# The ELx registers an exception entry sets: written into Unicorn only when read.
_ENTRY_REGS = (S.ESR_EL1, S.ELR_EL1, S.FAR_EL1, S.SPSR_EL1)

# An uncounted run right after counted ones keeps Unicorn's counter for this many
# instructions before it is removed (see Cpu.run).
_KEEP_COUNTING = 20_000_000


InterruptHook = Callable[["Cpu", ExceptionInfo], None]


class RegisterOwner(Protocol):
    """Whoever a thread's register file left in the core belongs to (see `Cpu.hold_user`):
    it receives the registers as a saved context when they have to leave the core."""

    saved: UserContext | None


class RunInterrupted(Exception):  # noqa: N818 - control flow, not an error
    """A debugger ended a run inside an instruction (it touched a watched page);
    `executed` instructions completed before it."""

    def __init__(self, executed: int) -> None:
        super().__init__(executed)
        self.executed = executed


class DebugControl(Protocol):
    """A debugger's execution control: it receives every run and splits it."""

    def run(self, pc: int, count: int) -> tuple[int, bool]: ...


class Cpu:
    """A core with model-performed exception entry and instruction accounting."""

    def __init__(self, index: int, model: str, ram: PhysicalMemory,
                 vectors: VectorRegistry) -> None:
        if model not in CPU_MODELS:
            raise EmulatorFault(f"unknown CPU model {model!r}",
                                hint=f"use one of {', '.join(CPU_MODELS)}")
        self.index = index
        self.model = model
        self.ram = ram
        self.vectors = vectors
        self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        self.uc.ctl_set_cpu_model(CPU_MODELS[model])
        self.uc.mem_map_ptr(ram.base, ram.size, UC_PROT_ALL, ram.host_address)
        self.fast = FastUc(self.uc)
        self.el = 1
        # Shadows of the EL1 registers the model reads on every exception;
        # all writes go through write_sysreg so they stay exact.
        self.vbar = 0
        self.ttbr0 = 0
        self.ttbr1 = 0
        self.tcr = 0
        self.sctlr = 0
        self.tpidrro = 0        # TPIDRRO_EL0's shadow: a monitor asks it without a read
        # The keys the EL1 face's TLB files each half's translations under: the TTBR, or
        # -1 while TCR_EL1.EPDx forbids walks of that half (nothing is ever filed under
        # -1, so every access misses and the walker faults).  EPD0 set and cleared around
        # each confidential exception then needs no invalidation at all.
        self.el1_key0 = 0
        self.el1_key1 = 0
        self._counter_off: int | None = None
        self._stop_requested = False
        self._incomplete = 0
        self.exceptions_taken = 0
        self.unhandled: Callable[[Cpu, ExceptionInfo, str], None] | None = None
        self._pending_error: BaseException | None = None
        self.tracer: Tracer | None = None
        #: A debugger attached to this core (None: runs cost one attribute test more).
        self.debug: DebugControl | None = None
        # Exception-entry register values not yet written into Unicorn (ESR, ELR, FAR,
        # SPSR; None: unchanged).  Nothing Unicorn runs reads them (it runs EL0 code
        # only), so they are written when the model reads or replaces one.
        self._pending_entry: list[int | None] | None = None
        # TCR_EL1 as Unicorn holds it, and whether a TLB flush is owed to Unicorn.
        # Writes made while the model handles an exception reach Unicorn when EL0 code
        # runs again: a TCR bit set and cleared again within one exception (the
        # Guardian's EPD0) costs nothing, and several flushes become one.
        self._uc_tcr = 0
        self._flush_owed = False
        # FPCR and FPSR as last read or written while EL0 code was not running (None:
        # unknown; guest code may have changed FPSR).
        self._fp_known: tuple[int, int] | None = None
        self._counting = False          # whether Unicorn's instruction-count hook is installed
        self._start_lock = threading.Lock()   # a stop from another thread vs. a counted start
        # Code translated for uncounted runs checks for a stop only where blocks start,
        # so a stop from another thread leaves the PC and registers in agreement.
        exit_checks = locate_exit_checks()
        self._exit_checks = (ExitChecks(self.fast.handle.value, exit_checks)
                             if exit_checks is not None else None)
        self._reset_el1_state()
        self._calibrate()
        self.live: LiveState = locate(self.uc, self.fast.context_bytes, *self._syndrome_offsets)
        # x0-x30 and the PC as EL1 software sees them: the core's own, or while a monitor
        # leaves a thread's registers in the core (hold_user) the scrubbed view it shows.
        self.x_face: ctypes.Array[ctypes.c_uint64] | list[int] = self.live.x
        self.pc_face: ctypes.c_uint64 = self.live.pc
        self._holder: RegisterOwner | None = None
        self._held_pc = ctypes.c_uint64()
        self._info = ExceptionInfo(0, 0, 0, 0, 0, 0)   # the synchronous exception being taken
        # EL0's TLB at a fixed size, whatever flushes come (None: left to the library).
        self._tlb: Tlb | None = locate_tlb(self.live.address, self.fast.flush_tlb)
        self.fast.add_raw_intr_hook(self._on_interrupt)

    # --- setup ------------------------------------------------------------
    def _reset_el1_state(self) -> None:
        f = self.fast
        f.write_sys(S.SCR_EL3, S.SCR_EL3_RW | S.SCR_EL3_NS)
        f.write_sys(S.HCR_EL2, S.HCR_EL2_RW)
        f.write_sys(S.CPACR_EL1, S.CPACR_FPEN_ALL)
        f.write_sys(S.MAIR_EL1, S.MAIR_DEFAULT)
        self.mair = S.MAIR_DEFAULT
        self.sctlr = f.read_sys(S.SCTLR_EL1)
        self.tpidrro = f.read_sys(S.TPIDRRO_EL0)
        self.tcr = self._uc_tcr = f.read_sys(S.TCR_EL1)
        self._rekey()
        self.vbar = self._uc_vbar = f.read_sys(S.VBAR_EL1)

    def _calibrate(self) -> None:
        """Find the fault syndrome in a saved context and the instruction counter."""
        (syn_off, va_off), self._counter_off = calibrate(self.model)
        self.fast.set_syndrome_offsets(syn_off, va_off)
        self._syndrome_offsets = (syn_off, va_off)

    @property
    def exact_timing_available(self) -> bool:
        return self._counter_off is not None

    def derive_hwcaps(self) -> tuple[int, int]:
        """AT_HWCAP/AT_HWCAP2 describing exactly this CPU model's features."""
        return derive_hwcaps(self.fast.read_sys)

    # --- system registers --------------------------------------------------
    def write_sysreg(self, reg: S.SysReg, value: int) -> None:
        """Write an EL1 system register (the caller has already been checked)."""
        if reg == S.TCR_EL1:
            self.tcr = value & _MASK64
            self._rekey()
            return          # reaches Unicorn before EL0 code runs (sync_unicorn)
        if reg == S.VBAR_EL1:
            # Exception entry is the model's: only the shadow is ever used, and Unicorn's
            # copy is brought up to date before EL0 code runs.
            self.vbar = value & _MASK64
            return
        if reg in _ENTRY_REGS and self._pending_entry is not None:
            self._write_pending_entry()
        if self._holder is not None:
            self.settle()         # (SP_EL0 is the thread's stack pointer)
        self.fast.write_sys(reg, value)
        if reg == S.TTBR0_EL1:
            self.ttbr0 = value
            self._rekey()
            self._hold_tlb()        # an ASID change flushes
        elif reg == S.TTBR1_EL1:
            self.ttbr1 = value
            self._rekey()
            self._hold_tlb()
        elif reg == S.SCTLR_EL1:
            self.sctlr = value
            self._hold_tlb()
        elif reg == S.MAIR_EL1:
            self.mair = value & _MASK64
        elif reg == S.TPIDRRO_EL0:
            self.tpidrro = value & _MASK64

    def set_el1_view(self, tcr: int, vbar: int) -> None:
        """TCR_EL1 and VBAR_EL1 at once: `write_sysreg` of both, for a monitor that
        switches them on every exception and every return to user code."""
        if tcr != self.tcr:
            tcr &= _MASK64
            self.tcr = tcr
            # _rekey, inline (twice per confidential exception)
            self.el1_key0 = -1 if tcr & S.TCR_EPD0 else self.ttbr0
            self.el1_key1 = -1 if tcr & S.TCR_EPD1 else self.ttbr1
        self.vbar = vbar & _MASK64

    def _rekey(self) -> None:
        tcr = self.tcr
        self.el1_key0 = -1 if tcr & S.TCR_EPD0 else self.ttbr0
        self.el1_key1 = -1 if tcr & S.TCR_EPD1 else self.ttbr1

    def read_sysreg(self, reg: S.SysReg) -> int:
        if reg == S.TCR_EL1:
            return self.tcr
        if reg == S.VBAR_EL1:
            return self.vbar
        if reg == S.MAIR_EL1:
            return self.mair        # (a monitor reads it on every return to user code)
        if reg in _ENTRY_REGS and self._pending_entry is not None:
            self._write_pending_entry()
        if self._holder is not None:
            self.settle()
        return self.fast.read_sys(reg)

    def set_entry_registers(self, esr: int, elr: int, far: int, spsr: int) -> None:
        """Replace what this exception's entry put in ESR/ELR/FAR/SPSR_EL1 (a monitor
        showing the kernel less); written into Unicorn, like the entry's, when read."""
        self._pending_entry = [esr, elr, far, spsr]

    def _write_pending_entry(self) -> None:
        pending = self._pending_entry
        assert pending is not None
        self._pending_entry = None
        for reg, value in zip(_ENTRY_REGS, pending, strict=True):
            if value is not None:
                self.fast.write_sys(reg, value)

    def sync_unicorn(self, *, user_walk: bool = False) -> None:
        """Bring Unicorn's TCR, VBAR and TLB up to date before it runs again; with
        `user_walk`, before it walks a user VA for the host (dropping translated code),
        with the TCR of EL0 code: EPD0 clear, whatever the kernel's view has set
        meanwhile (writing that EPD0 there and back again before EL0 code runs would
        cost two full flushes per dropped code page)."""
        if self.vbar != self._uc_vbar:
            self.fast.write_sys(S.VBAR_EL1, self.vbar)
            self._uc_vbar = self.vbar
        tcr = self.tcr & ~S.TCR_EPD0 if user_walk else self.tcr
        if tcr != self._uc_tcr:
            # The library writes TCR_EL1 raw, without QEMU's flush; translations cached
            # under the old value must go, so a TCR change is a flush of its own.
            self.fast.write_sys(S.TCR_EL1, tcr)
            self._uc_tcr = tcr
            self._flush_owed = True
        if self._flush_owed:
            self.fast.flush_tlb()
            self._flush_owed = False
        if self._tlb is not None:
            self._tlb.hold()

    def _hold_tlb(self) -> None:
        # After anything that may have flushed: a flush that grew the TLB restarted the
        # window by which a later flush would shrink it (see tlbsize).
        if self._tlb is not None:
            self._tlb.hold()

    def enter_el0(self) -> None:
        """Drop Unicorn's PSTATE to EL0t; a following sysreg write makes QEMU notice."""
        if self._holder is not None:
            self.settle()         # (the PSTATE write sets NZCV too)
        self.fast.write(REG_PSTATE, S.PSTATE_EL0T)
        self.fast.write_sys(S.SCTLR_EL1, self.sctlr)
        self._hold_tlb()
        self.el = 0

    # --- registers -----------------------------------------------------------
    def reg(self, reg_id: int) -> int:
        i = X_INDEX.get(reg_id)
        if i is not None:
            return self.x_face[i]
        if reg_id == REG_PC:
            return self.pc_face.value
        if self._holder is not None:
            self.settle()
        return self.fast.read(reg_id)

    def set_reg(self, reg_id: int, value: int) -> None:
        i = X_INDEX.get(reg_id)
        if i is not None:
            self.x_face[i] = value & _MASK64
        elif reg_id == REG_PC:
            if self._holder is not None:
                self._held_pc.value = value & _MASK64
            else:
                self._set_pc(value)
        else:
            if self._holder is not None:
                self.settle()
            self._fp_known = None
            self.fast.write(reg_id, value)

    def _set_pc(self, value: int) -> None:
        if self.el:
            # The model is handling an exception (inside Unicorn's exception hook, or
            # between runs): no translated block is under way, and Unicorn starts the next
            # one from the PC in the CPU state, so it is stored there.  A PC write through
            # the library would also set Unicorn's "skip the PC sync on exit" flag, which
            # stays set for the rest of the run: a stop from another thread (Ctrl-C) would
            # then leave the PC wherever the last indirect branch put it, and the guest would
            # go back and run code again with the registers of later code.
            self.live.pc.value = value & _MASK64
        else:
            # At EL0: between runs (the next start clears the flag), or from a hook in the
            # middle of a block, where the library makes Unicorn leave the block at once.
            self.fast.write(REG_PC, value)

    def save_context(self, into: UserContext | None = None) -> UserContext:
        """Copy the EL0 register file out of the core.

        Everything but FPCR/FPSR moves through the CPU state in place (QEMU computes
        those two from its float status, so they take one library call, saved while
        the values are known to be current)."""
        if self._holder is not None:
            self.settle()
        ctx = into if into is not None else UserContext()
        data = ctx.data
        words = ctx.words
        live = self.live
        words[0:64:2] = live.xsp_words          # x0-x30, SP
        words[74::2] = live.vlo_words           # Q0-Q31
        words[75::2] = live.vhi_words
        data[64] = live.pc.value
        # live.nzcv(), inline: QEMU keeps N and V in bit 31, C as 0/1, Z inverted.
        data[66] = ((live.nf.value & 0x8000_0000) | ((live.zf.value == 0) << 30)
                    | ((live.cf.value & 1) << 29) | ((live.vf.value & 0x8000_0000) >> 3))
        data[68] = live.tpidr_el0.value
        fp = self._fp_known
        if fp is None:
            fp = self._fp_known = tuple(self.fast.fp_control.read())
        data[70], data[72] = fp
        return ctx

    def restore_context(self, ctx: UserContext) -> None:
        if self._holder is not None:
            self.settle()
        data = ctx.data
        words = ctx.words
        live = self.live
        live.xsp_words[:] = words[0:64:2]
        live.vlo_words[:] = words[74::2]
        live.vhi_words[:] = words[75::2]
        # live.set_nzcv(data[66]), inline (once per return to a confidential thread)
        nzcv = data[66]
        live.nf.value = nzcv & 0xFFFF_FFFF
        live.zf.value = (~nzcv) & 0x4000_0000
        live.cf.value = (nzcv >> 29) & 1
        live.vf.value = (nzcv << 3) & 0x8000_0000
        live.tpidr_el0.value = data[68]
        fp = (data[70], data[72])
        if fp != self._fp_known:
            self.fast.fp_control.write(fp)
            self._fp_known = fp
        if data[64] != live.pc.value:
            self._set_pc(data[64])

    def load_scrubbed(self, x: list[int], pc: int,
                      entry_registers: list[int | None] | None = None) -> None:
        """Replace the EL0 register file by zeros but for x0-x30 as given (31 values) and
        the PC: what `restore_context` of such a context does, without building one (a
        monitor showing the kernel only what it is owed, once per exception).  With
        `entry_registers` (ESR, ELR, FAR, SPSR), also what `set_entry_registers` does.

        While the core holds a thread's registers (`hold_user`), only the view EL1
        software sees changes (it becomes `x` itself): the thread's registers stay where
        they are."""
        if entry_registers is not None:
            self._pending_entry = entry_registers
        if self._holder is not None:
            self.x_face = x
            self._held_pc.value = pc & _MASK64
            return
        live = self.live
        live.xsp_words[:] = _ZERO_WORDS
        live.vlo_words[:] = _ZERO_WORDS
        live.vhi_words[:] = _ZERO_WORDS
        live.x[0:31] = x
        # NZCV all clear, as QEMU's flag words hold it (Z is kept inverted).
        live.nf.value = 0
        live.zf.value = 0x4000_0000
        live.cf.value = 0
        live.vf.value = 0
        live.tpidr_el0.value = 0
        if self._fp_known != _FP_ZERO:
            self.fast.fp_control.write(_FP_ZERO)
            self._fp_known = _FP_ZERO
        if pc != live.pc.value:
            self._set_pc(pc)

    # --- a thread's registers left in the core ---------------------------------------
    # A monitor that hands the core to less trusted EL1 software between a thread's
    # exception and its return would save the register file, scrub it down to what that
    # software is owed and restore it afterwards: three copies of ~100 words and a
    # library call for FPCR/FPSR, on every exception.  Instead the registers may stay in
    # the core: EL1 software then sees x0-x30 and the PC through `x_face`/`pc_face`,
    # which hold the scrubbed view (its writes land there too), and everything else of
    # the register file reads as the scrub leaves it because nothing can reach it
    # without `settle`: every path of this class to Unicorn's register file, and a run,
    # first moves the held registers out to their owner's saved context and loads the
    # view into the core -- from then on the core is exactly what an eager save and
    # scrub would have left.  If nothing needed that, the monitor's return finds the
    # thread's registers still in place and restores nothing (`release_held`).
    def hold_user(self, owner: RegisterOwner, x: list[int], pc: int,
                  entry_registers: list[int | None] | None = None) -> None:
        """Leave the thread's registers in the core, `owner`'s from now on; EL1 software
        sees x0-x30 as `x` (31 values; the list becomes the view), the PC as `pc` and
        the rest of the register file as zeros: what `load_scrubbed(x, pc,
        entry_registers)` after saving the registers would show it."""
        if self._holder is not None:
            self.settle()
        if entry_registers is not None:
            self._pending_entry = entry_registers
        self.x_face = x
        self._held_pc.value = pc & _MASK64
        self.pc_face = self._held_pc
        self._holder = owner

    def holds(self, owner: RegisterOwner) -> bool:
        """Are `owner`'s registers still in the core (its `saved` not made yet)?"""
        return self._holder is owner

    def release_held(self, owner: RegisterOwner) -> bool:
        """Give the core back to `owner`'s thread with its registers as they are in it
        (True), or False if they left the core already (restore its saved context)."""
        if self._holder is not owner:
            return False
        self._holder = None
        self.x_face = self.live.x
        self.pc_face = self.live.pc
        return True

    def registers_of(self, owner: RegisterOwner) -> UserContext:
        """`owner`'s saved context, moved out of the core first if it is still there."""
        if self._holder is owner:
            self.settle()
        saved = owner.saved
        if saved is None:
            raise AssertionError("the registers were given back to their thread already")
        return saved

    def settle(self) -> None:
        """Move held registers out to their owner and load the view EL1 software has
        into the core (nothing if none are held)."""
        owner = self._holder
        if owner is None:
            return
        self._holder = None
        view, pc = self.x_face, self._held_pc.value
        self.x_face = self.live.x
        self.pc_face = self.live.pc
        owner.saved = self.save_context(UserContext())
        self.load_scrubbed(list(view), pc)

    def flush_tlb(self) -> None:
        """Drop Unicorn's cached translations (done before EL0 code runs again)."""
        self._flush_owed = True

    # --- running -------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop the current emu_start after the exception being handled."""
        self._stop_requested = True
        self.fast.stop()

    def stop_from_another_thread(self) -> None:
        """Make a running emu_start return soon; called from another host thread (Ctrl-C).

        Only an uncounted run is stopped: its code was translated without Unicorn's exit
        checks after memory accesses (see emulator.exit_checks), so the stop lands
        between blocks.  A counted run keeps those checks (its count needs them): a stop
        from outside could land just after an access, with the PC still on the
        instruction that made it, which would then run twice; a counted run ends on its
        own within its count anyway."""
        with self._start_lock:      # so no counted run can start while the stop is issued
            if not self._counting:
                self.fast.stop()

    def run(self, pc: int, count: int = 0, timeout_us: int = 0) -> tuple[int, bool]:
        """Run from `pc` until stopped; returns (instructions counted, stopped_by_model).

        With `count` > 0 the run ends after that many instructions at most and
        the exact number executed is returned; with 0 nothing is counted.

        Unicorn counts with a code hook, and removing that hook drops every
        translated block.  So once counted runs have started, an uncounted run
        keeps counting for up to `_KEEP_COUNTING` instructions (cheaper than
        translating the program again when counted and uncounted runs alternate,
        as they do around fork); a run that goes on past that continues at once,
        from where it is, without the counter.  Neither changes what the guest does.
        """
        if self._holder is not None:
            self.settle()
        if self.debug is not None:
            return self.debug.run(pc, count)
        return self.run_raw(pc, count, timeout_us)

    def run_raw(self, pc: int, count: int = 0, timeout_us: int = 0) -> tuple[int, bool]:
        """`run` without a debugger in between."""
        if self._holder is not None:
            self.settle()
        self._stop_requested = False
        self._pending_error = None
        self._incomplete = 0
        self._fp_known = None
        self.sync_unicorn()
        if count == 0 and self._counting and not timeout_us:
            self._emu_start(pc, _KEEP_COUNTING, 0)
            if self._stop_requested:
                return 0, True
            pc = self.live.pc.value         # a long run: go on without the counter
        self._emu_start(pc, count, timeout_us)
        executed = 0
        if count and self._counter_off is not None:
            counter = ctypes.c_uint64.from_address(self.fast.handle.value + self._counter_off).value
            executed = counter if self._stop_requested else min(counter - 1, count)
            executed -= self._incomplete
        return executed, self._stop_requested

    def _emu_start(self, pc: int, count: int, timeout_us: int) -> None:
        counting = count > 0
        if counting != self._counting:    # only a change can race a stop from another thread
            with self._start_lock:
                self._counting = counting
        if self._exit_checks is not None:
            # (An uncounted start drops all code translated for counted runs.)
            self._exit_checks.set(counting)
        try:
            self.uc.emu_start(pc, 0xFFFF_FFFF_FFFF_FFFF, timeout_us, count)
        except UcError as exc:
            if self._pending_error is None:
                raise EmulatorFault(f"Unicorn stopped with {exc}", hint="rerun with -v and report it") from exc
        if self._pending_error is not None:
            err = self._pending_error
            self._pending_error = None
            raise err

    def executed_so_far(self) -> int:
        """Inside a hook of a counted run: instructions completed before the current one."""
        assert self._counter_off is not None
        counter = ctypes.c_uint64.from_address(self.fast.handle.value + self._counter_off).value
        return counter - 1 - self._incomplete

    def interrupt_run(self) -> None:
        """From a memory hook: end the run before the current instruction completes."""
        self._pending_error = RunInterrupted(self.executed_so_far())
        self._stop_requested = True

    # --- exception entry -----------------------------------------------------
    def _on_interrupt(self, _handle: int, intno: int, _user: int) -> None:
        """Unicorn's interrupt hook: the exception taken, its handler run (one Python
        frame for both: this runs once per exception)."""
        try:
            self._fp_known = None       # EL0 code ran since: FPSR may have changed
            live = self.live
            esr = live.syndrome.value
            far = live.vaddress.value
            pc = live.pc.value
            tracer = self.tracer
            raw: bytes | None = None
            if tracer is not None and tracer.enabled:
                # Traced: the whole register file for the trace.
                raw = bytes(self.fast.gpr_batch.read())
            if intno not in _SYNDROME_INTNOS:
                esr = 0x0200_0000  # unknown reason
            elif intno == INTNO_UDEF and (esr >> 26) not in (0x00, 0x07, 0x18, 0x0E):
                # QEMU leaves the previous syndrome for some undefined encodings.
                esr = 0x0200_0000
            if intno != INTNO_DATA_ABORT and intno != INTNO_PREFETCH_ABORT:
                far = 0
            # live.nzcv(), inline: QEMU keeps N and V in bit 31, C as 0/1, Z inverted.
            spsr = ((live.nf.value & 0x8000_0000) | ((live.zf.value == 0) << 30)
                    | ((live.cf.value & 1) << 29) | ((live.vf.value & 0x8000_0000) >> 3))
            # One record per core, refilled (cheaper than a new one per exception): a
            # handler that keeps it past its return (a deferred call) keeps a copy.
            info = self._info
            info.vector_offset = _LOWER_SYNC if self.el == 0 else 0x200
            info.esr = esr
            info.far = far
            info.elr = pc
            info.spsr = spsr
            info.from_el = self.el
            self.exceptions_taken += 1
            # The architectural entry: the ELx registers hold what the handler reads
            # (written into Unicorn if and when something reads them).
            self._pending_entry = [esr, pc, far, spsr]
            if intno != INTNO_SVC and intno != INTNO_PREFETCH_ABORT:
                # The instruction did not complete; it is retried (or skipped by a
                # signal handler), so it must not count as executed.  (A fetch that
                # faults never reached the instruction counter.)
                self._incomplete += 1
            if raw is None:
                # Untraced: _dispatch inlined (this runs once per exception).
                self.el = 1
                table = self.vectors.tables.get(self.vbar & ~0x7FF)
                handler = table.entries.get(info.vector_offset) if table is not None else None
                if handler is None:
                    self._handle(table, info)
                else:
                    handler(self, info)
                self.el = 0     # exception return (eret): back to EL0 at whatever ELR is left
            else:
                self._dispatch(info, raw)
            if self._flush_owed or self.tcr != self._uc_tcr or self.vbar != self._uc_vbar:
                self.sync_unicorn()
        except BaseException as exc:  # noqa: BLE001 - must not unwind through C
            self._pending_error = exc
            self._stop_requested = True
            self.fast.stop()

    def take_irq(self) -> None:
        """An interrupt taken from EL0 (the model's timer tick at a quantum's end)."""
        if self._holder is not None:
            self.settle()
        self._fp_known = None
        pc = self.live.pc.value
        info = ExceptionInfo(vector_offset=GROUP_LOWER_A64 + VectorKind.IRQ, esr=0, far=0,
                             elr=pc, spsr=self.live.nzcv(), from_el=0)
        if self._pending_entry is None:
            self._pending_entry = [None, pc, None, None]
        else:
            self._pending_entry[1] = pc
        table = self.vectors.lookup(self.vbar)
        if table is None or table.handler(info.vector_offset) is None:
            return    # no IRQ vector: the interrupt is masked, nothing happens
        self._dispatch(info)

    def _dispatch(self, info: ExceptionInfo, raw_regs: bytes | None = None) -> None:
        """Switch to EL1 and run the handler VBAR_EL1's table holds for this vector."""
        self.el = 1
        table = self.vectors.lookup(self.vbar)
        tracer = self.tracer
        if tracer is not None and tracer.enabled:
            # One event per exception, opened now and recorded when the handler returns, with
            # the register file at entry as raw bytes (the recorder makes deltas of them); the
            # kernel completes it (a syscall's number, arguments and result).
            ev = tracer.open("exception", info.elr, info.far, {
                "esr": info.esr,
                "ec": _ec_name(info.ec) if info.vector_offset & 0x180 == 0 else "IRQ",
                "vector": table.owner if table else None,
                "regs": raw_regs if raw_regs is not None else bytes(self.fast.gpr_batch.read()),
            })
            try:
                self._handle(table, info)
            finally:
                tracer.finish(ev)
        else:
            self._handle(table, info)
        # Exception return (eret): back to EL0 at whatever ELR the handler left.
        self.el = 0

    def _handle(self, table: VectorTable | None, info: ExceptionInfo) -> None:
        handler = table.handler(info.vector_offset) if table else None
        if handler is None:
            reason = ("VBAR_EL1 names no vector table" if table is None
                      else f"vector {info.vector_offset:#x} of {table.owner}'s table is empty")
            if self.unhandled is None:
                raise EmulatorFault(f"unhandled exception {info.describe()}: {reason}")
            self.unhandled(self, info, reason)
        else:
            handler(self, info)
