"""Confidential processes: interrupt-table switching, saved contexts, the return path.

While a confidential thread runs, VBAR_EL1 names the Guardian's vector table.
Every exception from it enters here first: the full register file is saved in
a Guardian-owned slot, the CPU is scrubbed down to what the kernel is owed
(syscall number and arguments; the fault address and syndrome; nothing at an
interrupt), TCR_EL1.EPD0 is set so the kernel cannot walk the user half, the
kernel's EL1 configuration is put back, and the kernel's own vector is called.

Every way back to user code (RESUME, SIGNAL, a fork child's first run, exec's
first run, after rt_sigreturn) goes through `_complete` and `_enter_user`: the
same ELR and restart rules, the same layout (Iago) checks, the same register
restoration from the slot, the same EL0 view of the system registers.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from abi import FrameKind, Status
from abi.layout import NR_EXIT, NR_EXIT_GROUP, NR_GETRANDOM, RESTARTABLE, SVC0, TRANSFERS
from abi.sigframe import CLREX_OFFSET, SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
from abi.syscalls import SYSCALL_ARITY
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.exceptions import ExceptionClass, ExceptionInfo, VectorTable
from emulator.fastuc import CTX_PC, UserContext
from emulator.mmu import Access, FaultKind, Regime, TranslationFault
from guardian import checks
from guardian.capabilities import LONG_LIVED, NotPresent, expand
from guardian.checks import Refused, refuse
from guardian.confidential_domains import DomainMixin
from guardian.confidential_layout import LayoutMixin
from guardian.confidential_selfsignal import SelfSignalMixin, SignalState
from guardian.confidential_signals import SignalMixin
from guardian.confidential_uaccess import UserAccessMixin
from guardian.el0_view import El0View
from guardian.measure import MeasuredFile, MeasuredImage
from guardian.page_tables import ZERO_PAGE
from guardian.slots import (
    GUARDIAN_VBAR,
    NR_CLONE,
    NR_CLONE3,
    NR_MREMAP,
    NR_RT_SIGACTION,
    NR_RT_SIGRETURN,
    NR_SET_ROBUST_LIST,
    NR_SET_TID_ADDRESS,
    NR_SIGALTSTACK,
    PAGE,
    SLOT_REGISTER,
    SVC_NR_REGISTER,
    Domain,
    Slot,
    Space,
)
from guardian.state import MonitorState

if TYPE_CHECKING:
    from emulator.cpu import Cpu

_IRQ_VECTORS = frozenset((0x480, 0x500, 0x580))
_EC_SVC64 = int(ExceptionClass.SVC64)
_EC_DATA_ABORT = frozenset((int(ExceptionClass.DABT_LOWER), int(ExceptionClass.DABT_SAME)))
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_USER_TLB_ENTRIES = 4096
#: The syscalls whose arguments name memory the kernel keeps using afterwards.
_LONG_LIVED_BY_NR = {NR_SET_TID_ADDRESS: LONG_LIVED["set_tid_address"],
                     NR_SET_ROBUST_LIST: LONG_LIVED["set_robust_list"]}


class Confidential(UserAccessMixin, LayoutMixin, SignalMixin, SelfSignalMixin, DomainMixin):
    def __init__(self, state: MonitorState, mode: str = "blindfold") -> None:
        self.s = state
        self.mode = mode          # "blindfold", or "mprotect" for the predecessor design
        self.slots: dict[int, Slot] = {}
        self.domains: dict[int, Domain] = {}
        self.root_domain: dict[int, int] = {}
        self._next_slot = 1
        self._next_domain = 1
        self.kernel_vbar = 0
        self.images: dict[bytes, MeasuredImage] = {}
        self.files: dict[str, MeasuredFile] = {}   # admitted files the program may map
        #: Frames holding unmeasured data of a file the program mapped (never executable).
        self.input_frames: set[int] = set()
        self.dying: set[int] = set()    # roots whose address space is being torn down
        self.signal_states: dict[int, SignalState] = {}   # root -> signals sent to itself
        #: Told (root, ranges) when the program's own unmapping completes (secure MM).
        self.on_unmapped: Callable[[int, list[tuple[int, int]]], None] = lambda root, r: None
        self.serve_entropy = True       # getrandom answered from the Guardian's entropy
        self._running = 0               # the thread last handed the core (0: none or the kernel's)
        self._next_thread = 1
        self.el0 = El0View(state.cpus[0], state.flush)
        # The one EL0 instruction the kernel may still run once the core is the user's:
        # the signal page's CLREX (a context switch clears the exclusive monitor).
        state.clrex_va = SIGRETURN_TRAMPOLINE + CLREX_OFFSET
        state.machine.vectors.register(GUARDIAN_VBAR, VectorTable(
            "guardian", {0x400: self._entry, 0x480: self._entry}))

    # --- helpers ----------------------------------------------------------------
    @property
    def cpu(self) -> Cpu:
        return self.s.cpus[0]

    def domain_of_root(self, root: int) -> Domain | None:
        d = self.root_domain.get(root & D.ADDR_MASK)
        return self.domains.get(d) if d else None

    def current_domain(self) -> Domain | None:
        return self.domain_of_root(self.cpu.ttbr0)

    def space(self, dom: Domain, root: int) -> Space:
        sp = dom.spaces.get(root)
        if sp is None:
            sp = dom.spaces[root] = Space()
        return sp

    def _set_kernel_view(self, confidential_live: bool) -> None:
        """EPD0 on while the kernel runs with a confidential TTBR0, VBAR the kernel's.

        EPD0 takes effect without a TLB flush: the kernel's EL1 accesses file their
        cached translations under the TTBR only while EPD0 is clear (under EPD0 every
        user-half access misses and the walker faults), and Unicorn runs only EL0 code,
        always with EPD0 clear (a TCR value it sees differ is a full flush of its own)."""
        cpu = self.cpu
        tcr = cpu.tcr | S.TCR_EPD0 if confidential_live else cpu.tcr & ~S.TCR_EPD0
        if tcr != cpu.tcr:
            cpu.write_sysreg(S.TCR_EL1, tcr)
        if self.kernel_vbar and cpu.vbar != self.kernel_vbar:
            cpu.write_sysreg(S.VBAR_EL1, self.kernel_vbar)

    def on_ttbr0(self, value: int) -> None:
        """A (checked) TTBR0 switch by the kernel."""
        live = self.domain_of_root(value) is not None
        if not live:
            self._running = 0       # another program may use the core's exclusive monitor
        old = self.cpu.ttbr0
        if value != old and (live or self.domain_of_root(old) is not None):
            # Unicorn keeps translations across a TTBR0 write that keeps the ASID: none of
            # a confidential tree may outlive the switch, nor reach one from another tree.
            self.s.flush()
        self._set_kernel_view(live)

    def new_thread(self) -> int:
        self._next_thread += 1
        return self._next_thread

    def _user_regime(self, root: int | None = None) -> Regime:
        cpu = self.cpu
        ttbr0 = cpu.ttbr0 if root is None else root
        return Regime(ttbr0=ttbr0, ttbr1=cpu.ttbr1, tcr=cpu.tcr & ~S.TCR_EPD0,
                      sctlr=cpu.sctlr)

    def _translate(self, va: int, write: bool, root: int | None = None
                   ) -> int | TranslationFault:
        """User VA -> PA as EL0 would see it (READ or WRITE permission), through the
        Guardian's own cache of successful walks (MonitorState.user_tlb: dropped on
        every flush, and whenever the registers the walk depends on change)."""
        s = self.s
        cpu = self.cpu
        ttbr0 = cpu.ttbr0 if root is None else root
        regime = (cpu.ttbr1, cpu.tcr & ~S.TCR_EPD0, cpu.sctlr)
        cache = s.user_tlb
        if regime != s.user_tlb_regime or len(cache) > _USER_TLB_ENTRIES:
            cache.clear()
            s.user_tlb_regime = regime
        key = (ttbr0, va >> 12, write)
        page = cache.get(key)
        if page is not None:
            return page | (va & (PAGE - 1))
        res = s.machine.walker.translate(self._user_regime(root), va,
                                         Access.WRITE if write else Access.READ, 0)
        if isinstance(res, TranslationFault):
            return res
        if not s.frames.contains(res.pa & ~(PAGE - 1)):
            return TranslationFault(FaultKind.ADDRESS_SIZE, 3)   # not RAM: nothing to read
        cache[key] = res.pa & ~(PAGE - 1)
        return res.pa

    def read_user(self, va: int, n: int, root: int | None = None) -> bytes | None:
        """User memory as the user sees it (None if any page is not present)."""
        out = bytearray()
        while n > 0:
            chunk = min(n, PAGE - (va & (PAGE - 1)))
            pa = self._translate(va, False, root)
            if isinstance(pa, TranslationFault):
                return None
            out += self.s.ram.read(pa, chunk)
            va += chunk
            n -= chunk
        return bytes(out)

    def _write_user(self, va: int, data: bytes, root: int | None = None) -> int | None:
        """Write user memory; returns the VA of the first non-writable page, else None."""
        pos = 0
        while pos < len(data):
            chunk = min(len(data) - pos, PAGE - ((va + pos) & (PAGE - 1)))
            pa = self._translate(va + pos, True, root)
            if isinstance(pa, TranslationFault):
                return va + pos
            self.s.ram.write(pa, data[pos:pos + chunk])
            pos += chunk
        return None

    def _first_missing(self, va: int, n: int, write: bool) -> int | None:
        for page in range(va & ~(PAGE - 1), va + max(n, 1), PAGE):
            if isinstance(self._translate(max(page, va), write), TranslationFault):
                return max(page, va)
        return None

    # --- exception entry ----------------------------------------------------------
    def _entry(self, cpu: Cpu, info: ExceptionInfo) -> None:
        d = self.root_domain.get(self.cpu.ttbr0 & D.ADDR_MASK)
        dom = self.domains.get(d) if d else None
        kernel_table = self.s.machine.vectors.tables.get(self.kernel_vbar & ~0x7FF)
        if dom is None or kernel_table is None:
            # Guardian's table while nothing confidential runs: pass straight on.
            self._set_kernel_view(False)
            handler = kernel_table.handler(info.vector_offset) if kernel_table else None
            if handler is not None:
                handler(cpu, info)
            return
        s = self.s
        counters = s.stats.counters
        counters["guardian.entries"] = counters.get("guardian.entries", 0) + 1
        s.lock_el1(False)
        self.el0.leave_user()
        ctx = cpu.save_context(UserContext())
        data = ctx.data
        vector = info.vector_offset
        ec = (info.esr >> 26) & 0x3F
        if vector == 0x400 and ec == _EC_SVC64:
            nr: int | None = data[2 * SVC_NR_REGISTER]
            args: tuple[int, ...] = tuple(data[0:12:2])       # x0-x5
        else:
            nr, args = None, ()
        irq = vector in _IRQ_VECTORS
        slot = Slot(self._next_slot, dom.id, ctx, info.elr, nr, args,
                    root=self.cpu.ttbr0 & D.ADDR_MASK, thread=self._running,
                    fault=None if nr is not None or irq else (info.esr, info.far))
        if irq and checks.enabled("entry.hide_irq_pc"):
            slot.shown_elr = 0        # an interrupt owes the kernel nothing about where
        elif ec in _EC_DATA_ABORT and checks.enabled("entry.hide_fault_pc"):
            slot.shown_elr = 0        # a data abort owes it the address and syndrome only
        self._next_slot += 1
        self.slots[slot.id] = slot
        forwarded = list(args[:SYSCALL_ARITY.get(nr, 6)]) if nr is not None else []
        if nr == NR_RT_SIGRETURN:
            try:
                mask = self._sigreturn(slot)
            except Refused as r:
                self.s.record("sigreturn", r)
                mask = 0
            forwarded = [mask, 0, 0, 0, 0, 0]
        if checks.enabled("entry.scrub_registers"):
            scrubbed = UserContext()            # all zero but what the kernel is owed
            sdata = scrubbed.data
            for i, v in enumerate(forwarded):
                sdata[2 * i] = v & _MASK64
            if nr is not None:
                sdata[2 * SVC_NR_REGISTER] = nr
        else:
            scrubbed = ctx.copy()
            sdata = scrubbed.data
        kernel_elr = slot.kernel_elr
        sdata[2 * SLOT_REGISTER] = slot.id
        sdata[2 * CTX_PC] = kernel_elr          # after rt_sigreturn: where the thread resumes
        cpu.restore_context(scrubbed)
        # The ELx registers hold only what the kernel is owed (no flags, no PC at an IRQ).
        cpu.set_entry_registers(info.esr, kernel_elr, info.far, 0)
        self._set_kernel_view(True)
        if self.s.tracer.enabled:
            self.s.tracer.emit("guardian_call", pc=slot.kernel_elr, call="entry", slot=slot.id,
                               syscall=nr, domain=dom.id)
        handler = kernel_table.handler(info.vector_offset)
        if handler is not None:
            handler(cpu, ExceptionInfo(info.vector_offset, info.esr, info.far, slot.kernel_elr,
                                       0, info.from_el))

    # --- pages entering a domain ------------------------------------------------------
    def admit_page(self, domain: int, root: int, va: int, pa: int,
                   executable: bool = True) -> None:
        """Before a frame joins a domain at va: it holds exactly what the program is owed
        there (its measured image page, the signal page, an admitted file's page, zeros,
        or -- never executable -- input data of a file it mapped without measurement)."""
        dom = self.domains.get(domain)
        if dom is None:
            return
        self.input_frames.discard(pa)
        data = self.s.ram.read(pa, PAGE)
        expected = dom.image.pages.get(va - dom.bias) if dom.image is not None else None
        if expected is None and dom.program is not None:
            expected = dom.program.pages.get(va - dom.program_bias)
        if expected is not None:
            if hashlib.sha256(data).digest() != expected:
                refuse("set_pt.measured", Status.ERR_DENIED,
                       f"image page at {va:#x} does not match its measurement")
            self.s.stats.inc("guardian.pages_measured")
            return
        if va == SIGRETURN_TRAMPOLINE:
            if data != SIGPAGE_CONTENT:
                refuse("set_pt.measured", Status.ERR_DENIED,
                       "the signal page does not hold the signal-return trampoline")
            return
        space = dom.spaces.get(root)
        placed = self.file_page(space, va) if space is not None else None
        if placed is not None:
            path, offset = placed
            if hashlib.sha256(data).digest() != self.files[path].page_digest(offset):
                refuse("set_pt.measured_file", Status.ERR_DENIED,
                       f"the page at {va:#x} is not offset {offset:#x} of the admitted file "
                       f"{path} the program mapped there")
            self.s.stats.inc("guardian.file_pages_measured")
            return
        if data != ZERO_PAGE and space is not None and self.input_page(space, va):
            # The program asked for this file's bytes, as it would with read(): data it
            # treats as input. Unmeasured, so it must never run as code.
            if executable:
                refuse("set_pt.input_not_exec", Status.ERR_DENIED,
                       f"the page at {va:#x} holds unmeasured file data; it cannot be "
                       "executable")
            self.input_frames.add(pa)
            self.s.stats.inc("guardian.input_pages")
            return
        if data != ZERO_PAGE:
            refuse("set_pt.zero_fill", Status.ERR_DENIED,
                   f"the page entering the domain at {va:#x} is not zero-filled (only image "
                   "pages carry data in)")

    def move_in_progress(self, root: int, va: int, pa: int,
                         places: set[tuple[int, int, int]]) -> bool:
        """Is (root, va) the new place of a page the program's own mremap is moving?

        The first page moved fixes the distance; every other page must move by the same
        one, and RESUME holds mremap's result to it."""
        for slot in self.slots.values():
            if slot.root != root or slot.nr != NR_MREMAP or not slot.args[1]:
                continue
            a0, a1 = slot.args[0], slot.args[1]
            olds = [v for r, v, _ in places if r == root and a0 <= v < a0 + a1]
            if not olds:
                continue
            delta = va - olds[0]
            if slot.move_delta is None:
                slot.move_delta = delta
            if slot.move_delta == delta:
                self.s.frames.record_share(pa, root, va)
                return True
        return False

    def copy_page(self, dst: int, src: int) -> int:
        """The kernel's CoW/migration copy when the source is a confidential frame."""
        fr = self.s.frames
        if not (fr.contains(dst) and fr.contains(src)) or dst % PAGE or src % PAGE:
            refuse("copy_page.ram", Status.ERR_RANGE, "frames must be RAM pages")
        dkind = fr.kind_of(dst)
        if dkind not in (FrameKind.FREE, FrameKind.KERNEL) or fr.record(dst).user_maps:
            refuse("copy_page.dst_fresh", Status.ERR_KIND, f"destination is {dkind.name}")
        if fr.kind_of(src) in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
            refuse("copy_page.src_protected", Status.ERR_DENIED, "source is protected")
        self.s.ram.copy_page(dst, src)
        if fr.kind_of(src) == FrameKind.CONFIDENTIAL:
            self.s.protect_frame(dst, fr.record(src).owner)
            fr.bind_copy(dst, src)
        self.s.clock.charge("page_copy")
        return 0

    # --- the return path ------------------------------------------------------------
    def resume(self, slot_id: int, ret: int, elr: int) -> int:
        slot, dom = self._live_slot("resume", slot_id)
        self.check_self_signal(slot, dom, ret, elr)
        self._complete(slot, dom, ret, elr)
        del self.slots[slot_id]
        self._enter_user(slot, dom)
        return 0

    def _live_slot(self, call: str, slot_id: int) -> tuple[Slot, Domain]:
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            why = ("no such slot" if slot is None else "no confidential address space is live"
                   if dom is None else f"slot of domain {slot.domain}, live domain {dom.id}")
            refuse("return.slot", Status.ERR_STATE,
                   f"slot {slot_id} is not a saved context of this address space ({why})")
        assert slot is not None and dom is not None
        if slot.root != self.cpu.ttbr0 & D.ADDR_MASK:
            refuse("return.slot", Status.ERR_STATE,
                   f"slot {slot_id} belongs to another address space")
        return slot, dom

    def _complete(self, slot: Slot, dom: Domain, ret: int, elr: int) -> None:
        """Finish what the slot was waiting for (its syscall's result, or a restart),
        after checking every rule; commits nothing unless all pass."""
        expected = slot.kernel_elr
        restart = (slot.nr is not None and slot.nr != NR_RT_SIGRETURN and elr == slot.elr - 4)
        if elr != expected and not restart:
            refuse("return.elr", Status.ERR_DENIED,
                   f"ELR {elr:#x} is neither the saved {expected:#x} nor a restart")
        if slot.nr in (NR_EXIT, NR_EXIT_GROUP):
            refuse("return.no_exit", Status.ERR_DENIED,
                   f"syscall {slot.nr} ends the thread: it never returns to user code")
        if restart:
            if slot.nr not in RESTARTABLE or slot.children:
                refuse("return.restart_svc", Status.ERR_DENIED,
                       f"syscall {slot.nr} cannot be restarted here (not restartable, or it "
                       "already yielded a child)")
            if slot.nr in TRANSFERS and slot.touched:
                refuse("return.restart_untouched", Status.ERR_DENIED,
                       f"syscall {slot.nr} already moved {slot.touched} bytes of the program's "
                       "buffers: it completed and cannot be restarted")
            insn = self.read_user(elr, 4, slot.root)
            if insn is None or struct.unpack("<I", insn)[0] != SVC0:
                refuse("return.restart_svc", Status.ERR_DENIED,
                       f"a restart at {elr:#x} must re-run an SVC instruction")
            slot.ctx.set(CTX_PC, elr)
        elif slot.nr is not None and slot.nr != NR_RT_SIGRETURN:
            if slot.nr in (NR_CLONE, NR_CLONE3) and ret == 0:
                # Only the child sees 0, and the child's context is the Guardian's own.
                refuse("return.clone_zero", Status.ERR_DENIED, "clone returned 0 to the parent")
            if slot.nr in (NR_CLONE, NR_CLONE3) and slot.children and ret >= 1 << 63:
                refuse("return.clone_child_id", Status.ERR_DENIED,
                       f"the clone yielded a child, yet the parent is told it failed ({ret:#x})")
            unmapped = self.unmapped_by(slot, ret)      # before the layout records it
            iago = self._check_layout(slot, dom, ret)
            if iago:
                refuse("return.layout", Status.ERR_DENIED, f"memory-layout Iago: {iago}")
            slot.ctx.set(0, ret)
            self._commit(slot, dom, ret)
            self.note_signal_state(slot, ret)
            if unmapped:
                self.on_unmapped(slot.root, unmapped)
            if slot.nr == NR_GETRANDOM and self.serve_entropy and checks.enabled("return.getrandom"):
                self._serve_random(slot, ret)
        slot.nr = None
        slot.shown_elr = -1

    def _serve_random(self, slot: Slot, ret: int) -> None:
        """getrandom: the bytes the program receives are the Guardian's, not the kernel's."""
        n = min(ret, slot.args[1]) if ret < (1 << 63) else 0
        if n > 0:
            self._write_user(slot.args[0], self.s.entropy.draw(n, b"getrandom"), slot.root)

    def _enter_user(self, slot: Slot, dom: Domain) -> None:
        """Hand the core to the slot's thread: its registers, the Guardian's vectors and
        EL0 view; the kernel's EL1 face is shut until the next exception."""
        dom.loading = False
        cpu = self.cpu
        cpu.restore_context(slot.ctx)

        if cpu.tcr & S.TCR_EPD0:
            cpu.write_sysreg(S.TCR_EL1, cpu.tcr & ~S.TCR_EPD0)     # (no flush: _set_kernel_view)
        cpu.write_sysreg(S.VBAR_EL1, GUARDIAN_VBAR)
        self.el0.enter_user()
        self.s.stats.inc("guardian.resumes")
        self.s.lock_el1(True)

    def _commit(self, slot: Slot, dom: Domain, ret: int) -> None:
        """Bookkeeping that depends on the syscall having succeeded."""
        if ret != 0 and slot.nr != NR_SET_TID_ADDRESS:
            return
        a = slot.args
        space = self.space(dom, slot.root)
        if slot.nr == NR_SIGALTSTACK and a[0]:
            raw = self.read_user(a[0], 24, slot.root)
            if raw is not None:
                ss_sp, ss_flags, _, ss_size = struct.unpack("<QiiQ", raw)
                if not ss_flags & 2:
                    space.altstacks.add((ss_sp, ss_size))
        if slot.nr == NR_RT_SIGACTION and a[1]:
            raw = self.read_user(a[1], 32, slot.root)
            if raw is not None:
                handler, flags, restorer, mask = struct.unpack("<QQQQ", raw)
                space.handlers[a[0] & 0xFFFF_FFFF] = (handler, flags, restorer, mask)
        rules = _LONG_LIVED_BY_NR.get(slot.nr)
        if rules is not None:
            try:
                space.long_lived += expand(rules, a, self.read_user)
            except NotPresent:
                pass    # only buffers here; nothing to read


__all__ = ["GUARDIAN_VBAR", "Confidential"]
