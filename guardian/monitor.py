"""The Guardian monitor (EL2): owns the kernel's linear map and mediates every
translation-table write, TTBR switch and EL1 system-register write.

It boots before the kernel: it claims its own frames at the top of RAM, builds
the kernel's linear map from them (4 KiB pages, its own frames left out), and
installs itself as the target of HVC calls and of trapped system-register
writes.  Table pages the kernel registers become read-only in the kernel's
linear map, so the only way to change a translation is a checked call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from abi import SPECS, Call, FrameKind, Status
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.machine import Machine
from emulator.trace import EV_DATA
from guardian.confidential import GUARDIAN_VBAR, Confidential
from guardian.frame_table import PAGE, FrameTable
from guardian.page_tables import LM_PERMS_RW, TABLE_ENTRIES, PageTableCalls
from guardian.secure_mm import SECURE_MM_CALLS, secure_mm_for

log = logging.getLogger(__name__)

PINNED_IN_MPROTECT = frozenset({Call.SWAP_OUT, Call.MIGRATE_PAGE, Call.KSM_MERGE,
                                Call.THP_COLLAPSE, Call.PAGE_DIGEST})

LINEAR_BASE = 0xFFFF_0000_0000_0000


@dataclass(frozen=True)
class Decision:
    call: str
    status: Status
    reason: str


class Guardian(PageTableCalls):
    def __init__(self, machine: Machine, reserve: int = 256 << 10, mode: str = "blindfold") -> None:
        self.machine = machine
        self.ram = machine.ram
        self.cpus = machine.cpus
        self.clock = machine.clock
        self.stats = machine.stats
        self.tracer = machine.tracer
        self.frames = FrameTable(self.ram.base, self.ram.size)
        self.decisions: list[Decision] = []
        # Own memory: the linear map's tables plus a working reserve, at the top of RAM.
        nframes = self.ram.size // PAGE
        l3_tables = -(-nframes // 512)
        own = l3_tables + 8 + reserve // PAGE
        self.reserved_base = self.ram.end - own * PAGE
        self._next_own = self.reserved_base
        for pa in range(self.reserved_base, self.ram.end, PAGE):
            self.frames.set_kind(pa, FrameKind.GUARDIAN)
        self.kernel_ttbr1 = self._build_linear_map()
        self._lm_l3: dict[int, int] = {}   # linear-map L3 table for each 2 MiB of RAM
        self._index_linear_map()
        self.live_ttbr0 = 0
        self.lm_rw = LM_PERMS_RW
        self.mode = mode
        self.conf = Confidential(self, mode)

    # --- boot -------------------------------------------------------------------
    def _own_frame(self) -> int:
        pa = self._next_own
        self._next_own += PAGE
        self.ram.zero_page(pa)
        return pa

    def _build_linear_map(self) -> int:
        """TTBR1 tables mapping RAM at LINEAR_BASE, Guardian frames left invalid."""
        ram = self.ram
        l0 = self._own_frame()
        uppers: dict[tuple[int, ...], int] = {}
        for chunk in range(ram.base, ram.end, 2 << 20):
            va = LINEAR_BASE | chunk
            path = l0
            for level in (0, 1):
                key = (level, va >> D.LEVEL_SHIFT[level])
                nxt = uppers.get(key)
                if nxt is None:
                    nxt = self._own_frame()
                    uppers[key] = nxt
                    ram.write_u64(path + 8 * D.level_index(va, level), D.table_descriptor(nxt))
                path = nxt
            l3 = self._own_frame()
            ram.write_u64(path + 8 * D.level_index(va, 2), D.table_descriptor(l3))
            entries = []
            for i in range(512):
                pa = chunk + i * PAGE
                own = pa >= self.reserved_base or pa >= ram.end
                entries.append(0 if own else D.leaf_descriptor(pa, LM_PERMS_RW))
            ram.write(l3, TABLE_ENTRIES.pack(*entries))
        return l0

    def _index_linear_map(self) -> None:
        for chunk in range(self.ram.base, self.ram.end, 2 << 20):
            self._lm_l3[chunk] = self._walk_l3(LINEAR_BASE | chunk)

    def _walk_l3(self, va: int) -> int:
        table = self.kernel_ttbr1
        for level in (0, 1, 2):
            desc = self.ram.read_u64(table + 8 * D.level_index(va, level))
            table = desc & D.ADDR_MASK
        return table

    def _set_linear(self, pa: int, perms: D.PagePerms | None) -> None:
        """Change the kernel's linear-map entry for one frame (None: unmap)."""
        l3 = self._lm_l3[pa & ~((2 << 20) - 1)]
        desc = D.leaf_descriptor(pa, perms) if perms is not None else 0
        self.ram.write_u64(l3 + 8 * D.level_index(LINEAR_BASE | pa, 3), desc)
        self._flush()

    def lock_el1(self, locked: bool) -> None:
        """While a confidential thread owns the core, the kernel's EL1 face is shut."""
        for face in self.machine._el1.values():
            face.user_owned = locked

    def _flush(self) -> None:
        self.stats.inc("guardian.tlb_flushes")
        for cpu in self.cpus:
            cpu.flush_tlb()
        for face in self.machine._el1.values():
            face.invalidate_tlb()

    # --- the call interface ---------------------------------------------------------
    def hvc(self, call: int, args: Sequence[int]) -> tuple[int, int]:
        """Entry point for HVC #0 from EL1: (status, value)."""
        status, value, _ = self.hvc_data(call, args, b"")
        return status, value

    def hvc_data(self, call: int, args: Sequence[int], payload: bytes) -> tuple[int, int, bytes]:
        """HVC with a kernel buffer: `payload` is what the kernel passes in, the
        returned bytes what the Guardian copies out (copy_from_user data)."""
        try:
            c = Call(call)
        except ValueError:
            self.clock.charge("guardian_call")
            return self._decide(f"call_{call:#x}", Status.ERR_UNKNOWN_CALL, "no such call"), 0, b""
        self.stats.inc(f"guardian.calls.{c.name.lower()}")
        nargs = len(SPECS[c].args) if c in SPECS else len(args)
        # Registers are 64 bits wide and a missing argument reads as zero.
        args = tuple(a & 0xFFFF_FFFF_FFFF_FFFF for a in args) + (0,) * max(0, nargs - len(args))
        if not self.tracer.enabled:
            return self._serve(c, args, nargs, payload)
        # Traced, the call's event opens before the decisions it leads to, so stepping back
        # from a refusal reaches the request that caused it.
        ev = self.tracer.open("guardian_call", 0, 0, {"call": c.name.lower(),
                                                      "args": args[:nargs]})
        try:
            status, value, data = self._serve(c, args, nargs, payload)
            ev[EV_DATA].update(status=Status(status).name, value=value)
        except BaseException as exc:
            ev[EV_DATA]["error"] = type(exc).__name__
            raise
        finally:
            self.tracer.finish(ev)
        return status, value, data

    def _serve(self, c: Call, args: tuple[int, ...], nargs: int,
               payload: bytes) -> tuple[int, int, bytes]:
        self.clock.charge("guardian_call")
        data = b""
        conf = self.conf
        if c == Call.USER_READ:
            status, value, data = conf.user_access(args[0], args[1], args[2], False)
        elif c == Call.USER_STRING:
            status, value, data = conf.user_string(args[0], args[1], args[2])
        elif c == Call.USER_WRITE:
            status, value, data = conf.user_access(args[0], args[1], len(payload), True, payload)
        elif c == Call.CREATE_DOMAIN:
            status, value = conf.create(args[0], args[1], args[2], payload)
        elif c == Call.FORK_DOMAIN:
            status, value = conf.fork(*args[:3])
        elif c == Call.RESUME:
            status, value = conf.resume(*args[:3]), 0
        elif c == Call.EXIT_DOMAIN:
            status, value = conf.exit_root(args[0]), 0
        elif c == Call.COPY_PAGE:
            status, value = conf.copy_page(*args[:2]), 0
        elif c == Call.SIGNAL:
            status, value = conf.signal(args[0], args[1], args[2], (args[3], args[4], args[5]),
                                        args[6], args[7], payload)
        elif c in SECURE_MM_CALLS and self.mode == "mprotect" and c in PINNED_IN_MPROTECT:
            # The predecessor design has no secure ABI for memory management: a
            # confidential page stays where it is (never swapped, moved or merged).
            self.stats.inc("guardian.mprotect.pinned_refusals")
            status, value = self._decide(c.name.lower(), Status.ERR_UNSUPPORTED,
                                         "mprotect mode pins confidential memory"), 0
        elif c in SECURE_MM_CALLS:
            status, value, data = secure_mm_for(self).dispatch(c, tuple(args), payload)
        else:
            status, value = getattr(self, f"_call_{c.name.lower()}")(*args[:nargs])
        if status not in (Status.OK, Status.FAULT_IN):
            self.stats.inc("guardian.refused")
        return int(status), value, data

    def _decide(self, call: str, status: Status, reason: str) -> Status:
        if status != Status.OK:
            self.decisions.append(Decision(call, status, reason))
            if self.tracer.enabled:
                self.tracer.emit("guardian_decision", rule=call, allowed=False,
                                 status=status.name, reason=reason)
        return status

    def _call_set_sysreg(self, reg: int, value: int) -> tuple[Status, int]:
        return Status.ERR_RANGE, 0   # system registers arrive through the trap below

    # --- trapped system-register writes (HCR_EL2.TVM) -------------------------------
    def check_sysreg(self, reg: S.SysReg, value: int) -> bool:
        """Allow an EL1 system-register write only if it keeps the Guardian's guarantees."""
        self.stats.inc("guardian.sysreg_traps")
        name = S.NAMES.get(reg, str(reg))
        reason = ""
        if reg == S.TTBR1_EL1 and value & D.ADDR_MASK != self.kernel_ttbr1:
            reason = "TTBR1 must stay the Guardian-built linear map"
        elif reg == S.TTBR0_EL1:
            if value & 0xFFE:
                reason = f"TTBR0 {value:#x} has reserved bits set"
            elif not self._is_root(value & D.ADDR_MASK):
                reason = f"TTBR0 {value:#x} is not a registered root table"
            else:
                self.live_ttbr0 = value
                self.conf.on_ttbr0(value)
        elif reg == S.SCTLR_EL1:
            cur = self.cpus[0].sctlr
            if cur & S.SCTLR_M and not value & S.SCTLR_M:
                reason = "the MMU cannot be turned off"
            elif (cur ^ value) & S.SCTLR_WXN and cur & S.SCTLR_M:
                reason = "SCTLR.WXN is fixed once the MMU is on"
        elif reg == S.TCR_EL1:
            t1sz = (value >> S.TCR_T1SZ_SHIFT) & 0x3F
            t0sz = (value >> S.TCR_T0SZ_SHIFT) & 0x3F
            if t1sz != 16 or value & S.TCR_EPD1 or (value >> S.TCR_TG1_SHIFT) & 3 != S.TG1_4K:
                reason = "the TTBR1 half (T1SZ, TG1, EPD1) is fixed"
            elif t0sz != 16 or (value >> S.TCR_TG0_SHIFT) & 3 != S.TG0_4K:
                # Another T0SZ or granule would re-read table pages at other levels.
                reason = "the TTBR0 geometry (T0SZ, TG0) is fixed"
            elif self.conf.current_domain() is not None and not value & S.TCR_EPD0:
                reason = "EPD0 stays set while a confidential address space is live"
        elif reg == S.VBAR_EL1:
            if self.machine.vectors.lookup(value) is None:
                reason = f"VBAR {value:#x} names no registered vector table"
            elif value & ~0x7FF == GUARDIAN_VBAR:
                reason = "the kernel cannot point VBAR at the Guardian's table"
            else:
                self.conf.kernel_vbar = value
        if reason:
            self._decide(f"sysreg_{name.lower()}", Status.ERR_REFUSED_SYSREG, reason)
            return False
        return True
