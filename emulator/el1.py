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

from emulator import descriptors as D
from emulator import sysregs as S
from emulator.clock import Stats, VirtualClock
from emulator.cpu import Cpu, CpuContext
from emulator.el1_lock import CoreOwnedByUser as CoreOwnedByUser  # importable here too
from emulator.el1_lock import CorePoweredOff as CorePoweredOff
from emulator.el1_lock import hand_over
from emulator.exceptions import VectorTable
from emulator.livestate import X_INDEX
from emulator.mmu import Access, Regime, Translation, TranslationFault, Walker
from emulator.trace import Tracer

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
PAGE = 4096
#: TCR_EL1 bits a walk of the TTBR1 half depends on (T1SZ, EPD1, TG1, ... and TBI1).
_TCR_HALF1 = (0xFFFF << 16) | S.TCR_TBI1
_ZERO_PAGE = bytes(PAGE)

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


_PC = UC_ARM64_REG_PC


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
        # The model's TLB for EL1 accesses: (TTBR, VA >> 12) -> (RAM offset of the page,
        # writable), plus the 2 MiB blocks the walks found (a native linear map is made of
        # them), keyed by (TTBR, VA >> 21).  TLBI by VA drops one page (and its block)
        # under every TTBR seen.
        self._tlb: dict[tuple[int, int], tuple[int, bool]] = {}
        self._block_tlb: dict[tuple[int, int], tuple[int, bool]] = {}
        self._tlb_ttbrs: set[int] = set()
        self._ram_base = walker.ram.base
        self._regime_key: tuple[int, int, int, int, bool] | None = None
        self._regime: Regime | None = None
        self._buf = walker.ram.buffer
        self._ro_view = walker.ram.view.toreadonly()      # read_view's slices
        self.sysreg_trap: SysregTrap | None = None
        self._user_owned = False
        #: Set by `el1_lock.power_off`: the core executes nothing from then on.
        self.powered_off = False
        #: Set by a monitor: the one EL0 instruction (a CLREX) the kernel may run while
        #: the core is the user's; the user's PC is kept around it.
        self.clrex_va: int | None = None
        #: The EL2 side of HVC #0 (a monitor installs itself here): (call, args) -> (status, value).
        self.hvc_handler: Callable[[int, tuple[int, ...]], tuple[int, int]] | None = None
        self.hvc_data_handler: Callable[[int, tuple[int, ...], bytes],
                                        tuple[int, int, bytes]] | None = None
        self.pan = False
        #: Set by a monitor: the root of a TTBR1 tree whose upper levels (0-2) it built
        #: once, in frames nothing else can write, and never changes (the Guardian's
        #: linear map).  Walks under it start at the remembered level-3 table: the same
        #: walk, counted and charged as one, without re-reading descriptors that cannot
        #: have changed.  (Not a modelled walk cache: no TLBI affects it.)
        self.fixed_upper_root: int | None = None
        self._upper_paths: dict[int, tuple[int, int, int, int, int]] = {}

    # --- the core returned to a confidential thread ------------------------------
    # Shut, between a monitor's return to a confidential thread and that thread's next
    # exception, by `el1_lock.hand_over` (every method but `OPEN_WHILE_USER_OWNS`).
    @property
    def user_owned(self) -> bool:
        return self._user_owned

    @user_owned.setter
    def user_owned(self, locked: bool) -> None:
        hand_over((self,), locked, self.clrex_va)

    # --- translation ---------------------------------------------------------
    def regime(self) -> Regime:
        c = self._cpu
        key = (c.ttbr0, c.ttbr1, c.tcr, c.sctlr, self.pan)
        regime = self._regime
        if regime is None or key != self._regime_key:
            # A Regime is immutable: one object serves until a register it names changes.
            self._regime_key = key
            regime = self._regime = Regime(ttbr0=c.ttbr0, ttbr1=c.ttbr1, tcr=c.tcr,
                                           sctlr=c.sctlr, pan=self.pan)
        return regime

    def translate(self, va: int, access: Access) -> Translation | TranslationFault:
        """One walk, bypassing the TLB (what `AT S1E1x` would report)."""
        self._clock.charge("page_walk")
        fixed = self.fixed_upper_root
        if fixed is None or not (va >> 55) & 1 or access == Access.EXEC \
                or self._cpu.ttbr1 & D.ADDR_MASK != fixed:
            return self._walker.translate(self.regime(), va, access, 1)
        res = self._fixed_path_walk(va, access == Access.WRITE)
        if res is not None:
            return res
        res = self._walker.translate(self.regime(), va, access, 1)
        if isinstance(res, Translation) and res.level == 3:
            c = self._cpu
            self._upper_paths[va >> 21] = (c.tcr & _TCR_HALF1, c.sctlr,
                                           res.descriptor_pa & ~(PAGE - 1), res.table_ap,
                                           res.reads - 1)
        return res

    def _page(self, va: int, write: bool) -> int:
        """Physical page base for an EL1 access, through the model's TLB."""
        return self._page_off(va, write) + self._ram_base

    def _page_off(self, va: int, write: bool) -> int:
        """RAM offset of the page holding va for an EL1 access, through the model's TLB."""
        c = self._cpu
        # Filed under the TTBR, or under -1 while TCR_EL1.EPDx forbids walking that half.
        ttbr = c.el1_key1 if (va >> 55) & 1 else c.el1_key0
        hit = self._tlb.get((ttbr, va >> 12))
        if hit is not None and (hit[1] or not write):
            return hit[0]
        block = self._block_tlb.get((ttbr, va >> 21))
        if block is not None and (block[1] or not write):
            off = block[0] + (va & 0x1F_F000)
            self._tlb[(ttbr, va >> 12)] = (off, block[1])
            return off
        if self.fixed_upper_root is not None and (va >> 55) & 1 and ttbr != -1:
            # Under the fixed TTBR1 tree (every frame the kernel zeroes or copies through
            # the Guardian's 4 KiB linear map misses once): `_fixed_leaf`'s walk, its page
            # filed in the model's TLB; None from it: the full walk decides.
            leaf = self._fixed_leaf(va, write)
            if leaf is not None:
                off = (leaf[0] & D.ADDR_MASK) - self._ram_base
                self._tlb_ttbrs.add(ttbr)
                self._tlb[(ttbr, va >> 12)] = (off, not leaf[1])
                return off
        access = Access.WRITE if write else Access.READ
        res = self.translate(va, access)
        if isinstance(res, TranslationFault):
            raise El1Fault(va, access, res)
        off = (res.pa & ~(PAGE - 1)) - self._ram_base
        if ttbr == -1:
            return off          # (MMU off) nothing is filed under a disabled half
        self._tlb_ttbrs.add(ttbr)
        self._tlb[(ttbr, va >> 12)] = (off, res.writable)
        if res.level == 2:
            self._block_tlb[(ttbr, va >> 21)] = (off - (va & 0x1F_F000), res.writable)
        return off

    def _fixed_leaf(self, va: int, write: bool) -> tuple[int, bool] | None:
        """The level-3 descriptor (and whether it is read-only here) of a successful walk
        of the fixed TTBR1 tree from its remembered level-3 table, charged and counted as
        `translate`'s walk, without building its `Translation`.  None, uncharged: the full
        walk decides (a fault, a path not seen yet, a changed TTBR1, TCR or SCTLR)."""
        c = self._cpu
        if c.ttbr1 & D.ADDR_MASK != self.fixed_upper_root:
            return None
        path = self._upper_paths.get(va >> 21)
        if path is None or path[0] != c.tcr & _TCR_HALF1 or path[1] != c.sctlr:
            return None
        _, _, table, table_ap, reads_above = path
        desc = _U64.unpack_from(self._buf, table + ((va >> 12) & 0x1FF) * 8 - self._ram_base)[0]
        if desc & 3 != 3 or not desc & D.AF:
            return None
        read_only = bool(desc & D.AP_RO or table_ap & 2)
        if (write and read_only) or (self.pan and desc & D.AP_EL0 and not table_ap & 1):
            return None
        clock = self._clock     # (clock.charge("page_walk"), inline: every miss)
        cost = clock.costs["page_walk"]
        clock.cycles += cost
        clock.charged["page_walk"] = clock.charged.get("page_walk", 0) + cost
        walker = self._walker
        walker.walks += 1
        walker.descriptor_reads += reads_above + 1
        return desc, read_only

    def readable(self, va: int) -> bool:
        """Whether an EL1 read of va would succeed (the kernel asks it of a frame's
        linear-map page): a translation the model's TLB holds for it (a higher EL that
        takes one away invalidates it by address), else `translate`'s walk, without its
        result."""
        c = self._cpu
        if self._tlb.get((c.el1_key1 if (va >> 55) & 1 else c.el1_key0, va >> 12)) is not None:
            return True
        if self.fixed_upper_root is not None and (va >> 55) & 1 \
                and self._fixed_leaf(va, False) is not None:
            return True
        return not isinstance(self.translate(va, Access.READ), TranslationFault)

    def _fixed_path_walk(self, va: int, write: bool) -> Translation | None:
        """A successful walk of the fixed TTBR1 tree from its remembered level-3 table;
        None sends anything else (a fault, a path not seen yet, a changed TCR or SCTLR)
        to the full walk, which reports it exactly.  Counted as the full walk would be."""
        path = self._upper_paths.get(va >> 21)
        c = self._cpu
        if path is None or path[0] != c.tcr & _TCR_HALF1 or path[1] != c.sctlr:
            return None
        _, _, table, table_ap, reads_above = path
        entry = table + ((va >> 12) & 0x1FF) * 8
        desc = _U64.unpack_from(self._buf, entry - self._ram_base)[0]
        if desc & 3 != 3 or not desc & D.AF:
            return None
        read_only = bool(desc & D.AP_RO or table_ap & 2)
        if (write and read_only) or (self.pan and desc & D.AP_EL0 and not table_ap & 1):
            return None
        walker = self._walker
        walker.walks += 1
        walker.descriptor_reads += reads_above + 1
        return Translation(pa=(desc & D.ADDR_MASK) | (va & (PAGE - 1)), level=3,
                           descriptor=desc, descriptor_pa=entry, writable=not read_only,
                           global_=not desc & D.NG, table_ap=table_ap,
                           reads=reads_above + 1)

    # --- memory --------------------------------------------------------------
    def read(self, va: int, length: int) -> bytes:
        view = self._ram.view
        if 0 < length and (va & (PAGE - 1)) + length <= PAGE:
            # Within one page (table pages, whole pages): one copy.
            off = self._page_off(va, False) + (va & (PAGE - 1))
            return bytes(view[off:off + length])
        out = bytearray()
        while length > 0:
            chunk = min(length, PAGE - (va & (PAGE - 1)))
            off = self._page_off(va, False) + (va & (PAGE - 1))
            out += view[off:off + chunk]
            va += chunk
            length -= chunk
        return bytes(out)

    def read_view(self, va: int, length: int) -> memoryview:
        """`read` of bytes within one page as a read-only view of RAM, not a copy (for a
        checksum of a page: no 4 KiB copy per page scanned).  Valid while the page is."""
        if (va & (PAGE - 1)) + length > PAGE:
            raise ValueError(f"read_view of {length} bytes at {va:#x} crosses a page")
        c = self._cpu          # (a hit in the model's TLB inline, as read_u64)
        hit = self._tlb.get((c.el1_key1 if (va >> 55) & 1 else c.el1_key0, va >> 12))
        off = (hit[0] if hit is not None else self._page_off(va, False)) + (va & (PAGE - 1))
        return self._ro_view[off:off + length]

    def write(self, va: int, data: bytes | bytearray | memoryview) -> None:
        view = self._ram.view
        pos = 0
        n = len(data)
        while pos < n:
            chunk = min(n - pos, PAGE - (va & (PAGE - 1)))
            off = self._page_off(va, True) + (va & (PAGE - 1))
            view[off:off + chunk] = data[pos:pos + chunk]
            va += chunk
            pos += chunk

    def read_u64(self, va: int) -> int:
        if va & 7 == 0:
            c = self._cpu
            hit = self._tlb.get((c.el1_key1 if (va >> 55) & 1 else c.el1_key0, va >> 12))
            off = hit[0] if hit is not None else self._page_off(va, False)
            return _U64.unpack_from(self._buf, off + (va & (PAGE - 1)))[0]
        return _U64.unpack(self.read(va, 8))[0]

    def write_u64(self, va: int, value: int) -> None:
        if va & 7 == 0:
            c = self._cpu      # (a writable hit in the model's TLB inline, as read_u64)
            hit = self._tlb.get((c.el1_key1 if (va >> 55) & 1 else c.el1_key0, va >> 12))
            off = (hit[0] if hit is not None and hit[1] else self._page_off(va, True)) \
                + (va & (PAGE - 1))
            _U64.pack_into(self._buf, off, value & 0xFFFF_FFFF_FFFF_FFFF)
        else:
            self.write(va, _U64.pack(value & 0xFFFF_FFFF_FFFF_FFFF))

    def read_u32(self, va: int) -> int:
        return _U32.unpack(self.read(va, 4))[0]

    def write_u32(self, va: int, value: int) -> None:
        self.write(va, _U32.pack(value & 0xFFFF_FFFF))

    def fill(self, va: int, byte: int, length: int) -> None:
        """memset through EL1 translation, page by page."""
        view = self._ram.view
        pattern = _ZERO_PAGE if byte == 0 else bytes([byte]) * PAGE
        while length > 0:
            chunk = min(length, PAGE - (va & (PAGE - 1)))
            off = self._page_off(va, True) + (va & (PAGE - 1))
            view[off:off + chunk] = pattern[:chunk] if chunk < PAGE else pattern
            va += chunk
            length -= chunk

    def zero_page(self, va: int) -> None:
        """`fill(va, 0, PAGE)` of one page-aligned page: one translation, one store
        (every fresh frame and table page is zeroed this way)."""
        c = self._cpu          # (a writable hit in the model's TLB inline, as read_u64)
        hit = self._tlb.get((c.el1_key1 if (va >> 55) & 1 else c.el1_key0, va >> 12))
        off = hit[0] if hit is not None and hit[1] else self._page_off(va, True)
        self._ram.view[off:off + PAGE] = _ZERO_PAGE

    def copy_page(self, dst_va: int, src_va: int) -> None:
        """Copy one page between two EL1-visible addresses (both page aligned)."""
        view = self._ram.view
        s = self._page_off(src_va, False)
        d = self._page_off(dst_va, True)
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
        counters = self._stats.counters      # Stats.inc, inline (a RESUME per exception)
        counters["el1.hvc"] = counters.get("el1.hvc", 0) + 1
        return self.hvc_handler(call, args)

    def hvc_data(self, call: int, args: tuple[int, ...], payload: bytes = b""
                 ) -> tuple[int, int, bytes]:
        """HVC carrying a kernel buffer in (payload) and out (returned bytes)."""
        if self.hvc_data_handler is None:
            return 7, 0, b""
        counters = self._stats.counters      # Stats.inc, inline (user copies, per syscall)
        counters["el1.hvc"] = counters.get("el1.hvc", 0) + 1
        return self.hvc_data_handler(call, args, payload)

    def mrs(self, reg: S.SysReg) -> int:
        return self._cpu.read_sysreg(reg)

    # --- TLB maintenance -----------------------------------------------------
    def invalidate_tlb(self) -> None:
        """Drop the model's cached EL1 translations (a higher EL changed the tables)."""
        self._drop_all()

    def invalidate_va(self, va: int) -> None:
        """Drop the model's cached EL1 translations of one page (and the block holding
        it) under every TTBR: a higher EL changed that one entry of tables it owns."""
        page, block = va >> 12, va >> 21
        tlb, blocks = self._tlb, self._block_tlb
        for ttbr in self._tlb_ttbrs:
            tlb.pop((ttbr, page), None)
            blocks.pop((ttbr, block), None)

    def invalidate_vas(self, vas: list[int]) -> None:
        """`invalidate_va` of each page in `vas` (one call for a range of entries cleared
        together)."""
        tlb, blocks = self._tlb, self._block_tlb
        for ttbr in self._tlb_ttbrs:
            for va in vas:
                tlb.pop((ttbr, va >> 12), None)
                blocks.pop((ttbr, va >> 21), None)

    def invalidate_range(self, va: int, size: int) -> None:
        """Drop the model's cached EL1 translations of [va, va + size) (page aligned)
        under every TTBR: a higher EL changed a block or table entry spanning it."""
        first, end = va >> 12, (va + size) >> 12
        tlb, blocks = self._tlb, self._block_tlb
        if (end - first) * len(self._tlb_ttbrs) <= len(tlb):
            for ttbr in self._tlb_ttbrs:
                for page in range(first, end):
                    tlb.pop((ttbr, page), None)
        else:
            for key in [k for k in tlb if first <= k[1] < end]:
                del tlb[key]
        first_block, end_block = va >> 21, -(-(va + size) // (1 << 21))
        for key in [k for k in blocks if first_block <= k[1] < end_block]:
            del blocks[key]

    def _drop_all(self) -> None:
        self._tlb.clear()
        self._block_tlb.clear()
        self._tlb_ttbrs.clear()

    def tlbi_all(self) -> None:
        """TLBI VMALLE1 + DSB + ISB: every cached translation goes."""
        self._drop_all()
        self._cpu.flush_tlb()
        self._clock.charge("tlb_flush")
        self._stats.inc("mmu.tlb_flushes")
        if self.tracer.enabled:
            self.tracer.emit("tlb_flush", scope="all")

    def tlbi_va(self, va: int) -> None:
        """TLBI VAE1 for one page.

        The model's own TLB drops just that page (and the block holding it) under every
        TTBR; Unicorn's host API has only a full flush, so the core flushes everything.
        """
        self.invalidate_va(va)
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
        # Cpu.reg's x-register case, inline (several per syscall).
        i = X_INDEX.get(reg_id)
        if i is not None:
            return self._cpu.x_face[i]
        if reg_id == _PC:
            return self._cpu.pc_face.value
        return self._cpu.reg(reg_id)

    def set_reg(self, reg_id: int, value: int) -> None:
        self._cpu.set_reg(reg_id, value)

    def syscall_args(self) -> list[int]:
        """x0..x8 and PC of the trapped context, copied (index 9 = PC)."""
        cpu = self._cpu
        args = cpu.x_face[:9]
        args.append(cpu.pc_face.value)
        return args

    def set_result(self, value: int) -> None:
        """x0 of the trapped context (a syscall's return value)."""
        self._cpu.x_face[0] = value & 0xFFFF_FFFF_FFFF_FFFF

    def gprs(self) -> ctypes.Array[ctypes.c_uint64]:
        """x0..x30, SP_EL0, PC, NZCV, TPIDR_EL0."""
        self._cpu.settle()
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
        self._cpu.sync_unicorn(user_walk=True)      # Unicorn translates va with its own TLB
        self._cpu.fast.remove_code(va, va + length)

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
