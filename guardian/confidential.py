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
    CTX_SP,
    CTX_TPIDR,
    UserContext,
)
from emulator.mmu import Access, Regime, TranslationFault
from guardian.capabilities import (
    LONG_LIVED,
    NotPresent,
    R,
    W,
    expand,
)
from guardian.measure import MeasuredImage, measure

if TYPE_CHECKING:
    from emulator.cpu import Cpu
    from guardian.monitor import Guardian


from guardian.confidential_layout import LayoutMixin
from guardian.confidential_signals import SignalMixin
from guardian.confidential_uaccess import UserAccessMixin
from guardian.slots import (
    CLONE_CHILD_CLEARTID,
    GUARDIAN_VBAR,
    NR_BRK,
    NR_CLONE,
    NR_CLONE3,
    NR_EXECVE,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_MADVISE,
    NR_MREMAP,
    NR_MUNMAP,
    NR_RT_SIGACTION,
    NR_RT_SIGRETURN,
    NR_SET_ROBUST_LIST,
    NR_SET_TID_ADDRESS,
    NR_SIGALTSTACK,
    PAGE,
    SLOT_REGISTER,
    STACK_ABOVE,
    STACK_RESERVE,
    SVC_NR_REGISTER,
    Domain,
    Slot,
)


class Confidential(UserAccessMixin, LayoutMixin, SignalMixin):
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

    def admit_image(self, data: bytes) -> bytes:
        """The user names a program that may run confidentially; returns its digest."""
        image = measure(data)
        self.images[image.digest] = image
        return image.digest

    # --- calls from the kernel ------------------------------------------------------
    def create(self, root: int, entry: int, sp: int, digest: bytes) -> tuple[Status, int]:
        """exec of a confidential image: the tree becomes a new domain; the first slot."""
        if not self.g._is_root(root):
            return self.g._decide("create_domain", Status.ERR_KIND, f"{root:#x} is no root"), 0
        if root in self.root_domain:
            return self.g._decide("create_domain", Status.ERR_STATE, "already confidential"), 0
        image = self.images.get(digest)
        if image is None:
            return self.g._decide("create_domain", Status.ERR_DENIED,
                                  "the image was not admitted by the user (no measurement)"), 0
        bias = entry - image.entry
        if (bias and not image.dynamic) or bias % PAGE:
            return self.g._decide("create_domain", Status.ERR_DENIED,
                                  f"entry {entry:#x} is not the measured entry point"), 0
        dom = Domain(self._next_domain, key=hashlib.sha256(
            b"blindfold-domain" + struct.pack("<QQ", self.g.machine.config.seed,
                                              self._next_domain)).digest())
        self._next_domain += 1
        dom.image, dom.bias = image, bias
        dom.areas = [(a + bias, b + bias) for a, b in image.areas]
        dom.areas.append(((sp & ~(PAGE - 1)) - STACK_RESERVE, (sp & ~(PAGE - 1)) + STACK_ABOVE))
        dom.brk_start = dom.brk = max(b for _, b in dom.areas[:-1])
        shared = self._shared_leaves(root)
        if shared is not None:
            return self.g._decide("create_domain", Status.ERR_STATE,
                                  f"frame {shared:#x} is also mapped elsewhere"), 0
        dom.roots.add(root)
        self.domains[dom.id] = dom
        self.root_domain[root] = dom.id
        self._adopt_tree(root, dom.id)
        ctx = UserContext()
        ctx.set(CTX_PC, entry)
        ctx.set(CTX_SP, sp)
        slot = Slot(self._next_slot, dom.id, ctx, entry, None, root=root)
        self._next_slot += 1
        self.slots[slot.id] = slot
        if self.cpu.ttbr0 & D.ADDR_MASK == root:
            self._set_kernel_view(True)
        return Status.OK, slot.id

    def _shared_leaves(self, root: int) -> int | None:
        """A frame the tree maps that some other mapping also uses (None if none)."""
        fr = self.g.frames
        for table, level in self._tables(root, 0):
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and (level == 3 or not desc & D.TABLE):
                    for pa in self.g._leaf_frames(level, desc):
                        if not fr.contains(pa):
                            return pa
                        rec = fr.record(pa)
                        if rec.user_maps != 1 or rec.kind == FrameKind.CONFIDENTIAL:
                            return pa
        return None

    def _adopt_tree(self, root: int, domain: int) -> None:
        """A new domain's tree: its tables and the frames it maps become the domain's."""
        for table, level in self._tables(root, 0):
            self.g.frames.owner[self.g.frames.index(table)] = domain
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and (level == 3 or not desc & D.TABLE):
                    for pa in self.g._leaf_frames(level, desc):
                        self.protect_frame(pa, domain)

    def _tables(self, table: int, level: int) -> list[tuple[int, int]]:
        out = [(table, level)]
        if level < 3:
            for desc in struct.unpack("<512Q", self.g.ram.read(table, PAGE)):
                if desc & D.VALID and desc & D.TABLE:
                    out += self._tables(desc & D.ADDR_MASK, level + 1)
        return out

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

    def exit_root(self, root: int) -> Status:
        """The kernel tears an address space down: nothing of it runs again."""
        if root not in self.root_domain:
            return self.g._decide("exit_domain", Status.ERR_KIND,
                                  f"{root:#x} is not a confidential address space")
        self.dying.add(root)
        for sid in [s.id for s in self.slots.values() if s.root == root]:
            del self.slots[sid]
        return Status.OK

    def may_discard(self, root: int, va: int) -> bool:
        """May the last mapping of the confidential page at va go (and the page with it)?

        Only when the program asked for it (munmap, madvise, a smaller brk or mremap,
        exit, execve, in a syscall it is making now) or its address space is being torn
        down; anything else would silently replace its data with zeros."""
        if root in self.dying:
            return True
        for slot in self.slots.values():
            if slot.root != root or slot.nr is None:
                continue
            a = slot.args
            if slot.nr in (NR_EXIT, NR_EXIT_GROUP, NR_EXECVE):
                return True
            if slot.nr in (NR_MUNMAP, NR_MADVISE) and a[0] <= va < a[0] + a[1]:
                return True
            if slot.nr == NR_MREMAP and a[0] <= va < a[0] + a[1]:
                return True
            if slot.nr == NR_BRK and a[0] and va >= a[0] - PAGE:
                return True
        return False

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

    def fork(self, child_root: int, parent_slot: int, flags: int) -> tuple[Status, int]:
        """clone/fork of a confidential thread: the child's context comes from the
        parent's saved one (x0 = 0, stack and TLS from the Guardian's copy of the args)."""
        slot = self.slots.get(parent_slot)
        if slot is None or slot.nr not in (220, 435):
            return self.g._decide("fork", Status.ERR_STATE, "no clone in progress"), 0
        dom = self.domains[slot.domain]
        if child_root:
            if not self.g._is_root(child_root) or child_root in self.root_domain:
                return self.g._decide("fork", Status.ERR_KIND, "bad child root"), 0
            if any(d & D.VALID for d in struct.unpack("<512Q", self.g.ram.read(child_root, PAGE))):
                return self.g._decide("fork", Status.ERR_STATE, "the child tree is not empty"), 0
            dom.roots.add(child_root)
            self.root_domain[child_root] = dom.id
            self.g.frames.owner[self.g.frames.index(child_root)] = dom.id
        ctx = slot.ctx.copy()
        ctx.set(0, 0)
        ctx.set(CTX_PC, slot.elr)
        if slot.nr == 220:
            stack, tls, set_tls = slot.args[1], slot.args[3], bool(slot.args[0] & 0x80000)
        else:
            raw = self.read_user(slot.args[0], 64) or bytes(64)
            cflags, _, _, _, _, stk, stk_size, tls = struct.unpack("<8Q", raw)
            stack, set_tls = (stk + stk_size if stk else 0), bool(cflags & 0x80000)
        if stack:
            ctx.set(CTX_SP, stack)
        if set_tls:
            ctx.set(CTX_TPIDR, tls)
        child_tid = slot.args[4] if slot.nr == 220 else (
            struct.unpack_from("<Q", self.read_user(slot.args[0], 24) or bytes(24), 16)[0])
        if flags & CLONE_CHILD_CLEARTID and child_tid:
            # The kernel clears this word when the child exits (pthread_join waits on it).
            dom.long_lived.append((child_tid, child_tid + 4, R | W))
        child = Slot(self._next_slot, dom.id, ctx, slot.elr, None,
                     root=child_root or slot.root)
        self._next_slot += 1
        self.slots[child.id] = child
        return Status.OK, child.id

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

    def forget_root(self, root: int) -> None:
        self.dying.discard(root)
        dom_id = self.root_domain.pop(root, None)
        if dom_id is None:
            return
        dom = self.domains[dom_id]
        dom.roots.discard(root)
        if not dom.roots:
            del self.domains[dom_id]
            for sid in [s.id for s in self.slots.values() if s.domain == dom_id]:
                del self.slots[sid]
