"""Confidential processes: interrupt-table switching, saved contexts, capabilities.

While a confidential thread runs, VBAR_EL1 names the Guardian's vector table.
Every exception from it enters here first: the full register file is saved in
a Guardian-owned slot, the CPU is scrubbed down to what the kernel is owed
(syscall number and arguments; the fault address and syndrome), TCR_EL1.EPD0
is set so the kernel cannot walk the user half, and the kernel's own vector
is called.  The kernel comes back with RESUME(slot, return value, ELR): only
the return value is taken from it; everything else comes from the slot.
The kernel's access to user memory goes through capability-checked calls.
"""

from __future__ import annotations

import hashlib
import struct
from typing import TYPE_CHECKING

from abi import FrameKind, Status
from abi.syscalls import SYSCALL_ARITY
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.exceptions import ExceptionInfo, VectorTable
from emulator.fastuc import (
    CTX_PC,
    UserContext,
)
from emulator.mmu import Access, Regime, TranslationFault
from guardian.capabilities import (
    LONG_LIVED,
    NotPresent,
    expand,
)
from guardian.measure import MeasuredImage

if TYPE_CHECKING:
    from emulator.cpu import Cpu
    from guardian.monitor import Guardian


from guardian.confidential_domains import DomainMixin
from guardian.confidential_layout import LayoutMixin
from guardian.confidential_signals import SignalMixin
from guardian.confidential_uaccess import UserAccessMixin
from guardian.slots import (
    GUARDIAN_VBAR,
    NR_CLONE,
    NR_CLONE3,
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
)


class Confidential(UserAccessMixin, LayoutMixin, SignalMixin, DomainMixin):
    def __init__(self, g: Guardian, mode: str = "blindfold") -> None:
        self.g = g
        self.mode = mode          # "blindfold", or "mprotect" for the predecessor design
        self.slots: dict[int, Slot] = {}
        self.domains: dict[int, Domain] = {}
        self.root_domain: dict[int, int] = {}
        self._next_slot = 1
        self._next_domain = 1
        self.kernel_vbar = 0
        self.images: dict[bytes, MeasuredImage] = {}
        self.dying: set[int] = set()    # roots whose address space is being torn down
        g.machine.vectors.register(GUARDIAN_VBAR, VectorTable(
            "guardian", {0x400: self._entry, 0x480: self._entry}))

    # --- helpers ----------------------------------------------------------------
    @property
    def cpu(self) -> Cpu:
        return self.g.cpus[0]

    def domain_of_root(self, root: int) -> Domain | None:
        d = self.root_domain.get(root & D.ADDR_MASK)
        return self.domains.get(d) if d else None

    def current_domain(self) -> Domain | None:
        return self.domain_of_root(self.cpu.ttbr0)

    def _set_kernel_view(self, confidential_live: bool) -> None:
        """EPD0 on while the kernel runs with a confidential TTBR0, VBAR the kernel's."""
        cpu = self.cpu
        tcr = cpu.tcr | S.TCR_EPD0 if confidential_live else cpu.tcr & ~S.TCR_EPD0
        if tcr != cpu.tcr:
            cpu.write_sysreg(S.TCR_EL1, tcr)
            self.g._flush()
        if self.kernel_vbar and cpu.vbar != self.kernel_vbar:
            cpu.write_sysreg(S.VBAR_EL1, self.kernel_vbar)

    def on_ttbr0(self, value: int) -> None:
        """A (checked) TTBR0 switch by the kernel."""
        self._set_kernel_view(self.domain_of_root(value) is not None)

    def _user_regime(self) -> Regime:
        cpu = self.cpu
        return Regime(ttbr0=cpu.ttbr0, ttbr1=cpu.ttbr1, tcr=cpu.tcr & ~S.TCR_EPD0,
                      sctlr=cpu.sctlr)

    def _translate(self, va: int, write: bool) -> int | TranslationFault:
        res = self.g.machine.walker.translate(self._user_regime(), va,
                                              Access.WRITE if write else Access.READ, 0)
        return res if isinstance(res, TranslationFault) else res.pa

    def read_user(self, va: int, n: int) -> bytes | None:
        """User memory as the user sees it (None if any page is not present)."""
        out = bytearray()
        while n > 0:
            chunk = min(n, PAGE - (va & (PAGE - 1)))
            pa = self._translate(va, False)
            if isinstance(pa, TranslationFault):
                return None
            out += self.g.ram.read(pa, chunk)
            va += chunk
            n -= chunk
        return bytes(out)

    def _write_user(self, va: int, data: bytes) -> int | None:
        """Write user memory; returns the VA of the first non-writable page, else None."""
        pos = 0
        while pos < len(data):
            chunk = min(len(data) - pos, PAGE - ((va + pos) & (PAGE - 1)))
            pa = self._translate(va + pos, True)
            if isinstance(pa, TranslationFault):
                return va + pos
            self.g.ram.write(pa, data[pos:pos + chunk])
            pos += chunk
        return None

    def _first_missing(self, va: int, n: int, write: bool) -> int | None:
        for page in range(va & ~(PAGE - 1), va + max(n, 1), PAGE):
            if isinstance(self._translate(max(page, va), write), TranslationFault):
                return max(page, va)
        return None

    # --- exception entry ----------------------------------------------------------
    def _entry(self, cpu: Cpu, info: ExceptionInfo) -> None:
        dom = self.current_domain()
        kernel_table = self.g.machine.vectors.lookup(self.kernel_vbar)
        if dom is None or kernel_table is None:
            # Guardian's table while nothing confidential runs: pass straight on.
            self._set_kernel_view(False)
            handler = kernel_table.handler(info.vector_offset) if kernel_table else None
            if handler is not None:
                handler(cpu, info)
            return
        self.g.stats.inc("guardian.entries")
        self.g.lock_el1(False)
        ctx = UserContext()
        cpu.save_context(ctx)
        is_svc = info.vector_offset == 0x400 and info.is_syscall
        nr = ctx.get(SVC_NR_REGISTER) if is_svc else None
        args = tuple(ctx.get(i) for i in range(6)) if is_svc else ()
        slot = Slot(self._next_slot, dom.id, ctx, info.elr, nr, args,
                    root=self.cpu.ttbr0 & D.ADDR_MASK)
        self._next_slot += 1
        self.slots[slot.id] = slot
        forwarded = list(args[:SYSCALL_ARITY.get(nr, 6)]) if nr is not None else []
        if nr == NR_RT_SIGRETURN:
            mask = self._sigreturn(slot)
            if mask is None:
                self.g._decide("sigreturn", Status.ERR_DENIED, "malformed signal frame")
                mask = 0
            forwarded = [mask, 0, 0, 0, 0, 0]
        scrubbed = UserContext()
        for i, v in enumerate(forwarded):
            scrubbed.set(i, v)
        if nr is not None:
            scrubbed.set(SVC_NR_REGISTER, nr)
        scrubbed.set(SLOT_REGISTER, slot.id)
        scrubbed.set(CTX_PC, slot.elr)    # after rt_sigreturn: where the thread resumes
        cpu.restore_context(scrubbed)
        self._set_kernel_view(True)
        if self.g.tracer.enabled:
            self.g.tracer.emit("guardian_call", pc=info.elr, call="entry", slot=slot.id,
                               syscall=nr, domain=dom.id)
        handler = kernel_table.handler(info.vector_offset)
        if handler is not None:
            handler(cpu, ExceptionInfo(info.vector_offset, info.esr, info.far, info.elr,
                                       info.spsr, info.from_el))

    # --- calls from the kernel ------------------------------------------------------
    def admit_leaf(self, domain: int, va: int, pa: int) -> Status | None:
        """Before a page joins a domain: image pages must match their measurement."""
        fr = self.g.frames
        if fr.kind_of(pa) == FrameKind.CONFIDENTIAL:
            return None           # already the domain's (shared after fork, CoW, KSM)
        dom = self.domains.get(domain)
        if dom is None or dom.image is None:
            return None
        expected = dom.image.pages.get(va - dom.bias)
        if expected is None:
            return None
        if hashlib.sha256(self.g.ram.read(pa, PAGE)).digest() != expected:
            return self.g._decide("set_pt", Status.ERR_DENIED,
                                  f"image page at {va:#x} does not match its measurement")
        self.g.stats.inc("guardian.pages_measured")
        return None

    def protect_frame(self, pa: int, domain: int) -> None:
        """A frame joins a domain: it leaves the kernel's linear map."""
        n = self.g.frames.index(pa)
        if n is None or self.g.frames.kind[n] == FrameKind.CONFIDENTIAL:
            return
        self.g.frames.kind[n] = FrameKind.CONFIDENTIAL
        self.g.frames.owner[n] = domain
        self.g._set_linear(pa, None)
        self.g.stats.inc("guardian.frames_protected")

    def release_frame(self, pa: int) -> None:
        """The last mapping of a confidential frame went: scrub it, give it back."""
        self.g.ram.zero_page(pa)
        self.g.frames.set_kind(pa, FrameKind.FREE)
        self.g._set_linear(pa, self.g.lm_rw)
        self.g.stats.inc("guardian.frames_scrubbed")

    def resume(self, slot_id: int, ret: int, elr: int) -> Status:
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            why = ("no such slot" if slot is None else "no confidential address space is live"
                   if dom is None else f"slot of domain {slot.domain}, live domain {dom.id}")
            return self.g._decide("resume", Status.ERR_STATE,
                                  f"slot {slot_id} is not a saved context of this address "
                                  f"space ({why})")
        if slot.root != self.cpu.ttbr0 & D.ADDR_MASK:
            return self.g._decide("resume", Status.ERR_STATE,
                                  f"slot {slot_id} belongs to another address space")
        ctx = slot.ctx
        restart = slot.nr is not None and elr == slot.elr - 4
        if elr != slot.elr and not restart:
            return self.g._decide("resume", Status.ERR_DENIED,
                                  f"ELR {elr:#x} is neither the saved {slot.elr:#x} nor a restart")
        if slot.nr in (NR_CLONE, NR_CLONE3) and not restart and ret == 0:
            # Only the child sees 0, and the child's context is the Guardian's own.
            return self.g._decide("resume", Status.ERR_DENIED,
                                  "clone returned 0 to the parent")
        if restart:
            ctx.set(CTX_PC, elr)
        elif slot.nr is not None and slot.nr != NR_RT_SIGRETURN:
            iago = self._check_layout(slot, dom, ret)
            if iago:
                return self.g._decide("resume", Status.ERR_DENIED, f"memory-layout Iago: {iago}")
            ctx.set(0, ret)
            self._commit(slot, dom, ret)
        del self.slots[slot_id]
        dom.loading = False
        cpu = self.cpu
        cpu.restore_context(ctx)
        if cpu.tcr & S.TCR_EPD0:
            cpu.write_sysreg(S.TCR_EL1, cpu.tcr & ~S.TCR_EPD0)
            self.g._flush()
        cpu.write_sysreg(S.VBAR_EL1, GUARDIAN_VBAR)
        self.g.stats.inc("guardian.resumes")
        # RESUME is the return to EL0: until the next exception the core is the
        # user's, and the kernel's EL1 face may not touch it.
        self.g.lock_el1(True)
        return Status.OK

    def _commit(self, slot: Slot, dom: Domain, ret: int) -> None:
        """Bookkeeping that depends on the syscall having succeeded."""
        if ret != 0 and slot.nr != NR_SET_TID_ADDRESS:
            return
        a = slot.args
        if slot.nr == NR_SIGALTSTACK and a[0]:
            raw = self.read_user(a[0], 24)
            if raw is not None:
                ss_sp, ss_flags, _, ss_size = struct.unpack("<QiiQ", raw)
                if not ss_flags & 2:
                    dom.altstacks.add((ss_sp, ss_size))
        if slot.nr == NR_RT_SIGACTION and a[1]:
            raw = self.read_user(a[1], 32)
            if raw is not None:
                handler, flags, restorer, mask = struct.unpack("<QQQQ", raw)
                dom.handlers[a[0] & 0xFFFF_FFFF] = (handler, flags, restorer, mask)
        for name, rules in LONG_LIVED.items():
            if slot.nr == {"set_tid_address": NR_SET_TID_ADDRESS,
                           "set_robust_list": NR_SET_ROBUST_LIST}[name]:
                try:
                    dom.long_lived += expand(rules, a, self.read_user)
                except NotPresent:
                    pass    # only buffers here; nothing to read

    def copy_page(self, dst: int, src: int) -> Status:
        """The kernel's CoW/migration copy when the source is a confidential frame."""
        fr = self.g.frames
        if not (fr.contains(dst) and fr.contains(src)) or dst % PAGE or src % PAGE:
            return self.g._decide("copy_page", Status.ERR_RANGE, "frames must be RAM pages")
        dkind = fr.kind_of(dst)
        if dkind not in (FrameKind.FREE, FrameKind.KERNEL) or fr.record(dst).user_maps:
            return self.g._decide("copy_page", Status.ERR_KIND, f"destination is {dkind.name}")
        if fr.kind_of(src) in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE):
            return self.g._decide("copy_page", Status.ERR_DENIED, "source is protected")
        self.g.ram.copy_page(dst, src)
        if fr.kind_of(src) == FrameKind.CONFIDENTIAL:
            self.protect_frame(dst, fr.record(src).owner)
        self.g.clock.charge("page_copy")
        return Status.OK
