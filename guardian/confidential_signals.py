"""Signals for confidential threads: frames built and taken back by the Guardian.

Which signals the kernel may deliver follows Linux's own split.  An asynchronous
signal (kill, tgkill, sigqueue, a timer, SIGPIPE...) is the kernel's claim: any
process with permission may send one at any time, so the kernel chooses the signal,
the moment and the siginfo, and the Guardian only checks that the program registered
the handler and builds the frame and the return path itself.  A synchronous (fault)
signal -- SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGTRAP with a fault si_code -- reports
an exception the thread took: it is delivered only on the return from that thread's
matching exception, which the Guardian saw, and the siginfo (and the frame's fault
address and syndrome) come from the Guardian's record of it, not from the kernel.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import SA_ONSTACK, SA_RESETHAND, SA_RESTORER, SS_DISABLE
from abi.sigframe import (
    FRAME_SIZE,
    SEGV_MAPERR,
    SIGILL,
    SIGINFO_SIZE,
    SIGRETURN_CODE,
    SIGRETURN_TRAMPOLINE,
    SIGSEGV,
    SIGTRAP,
    UCONTEXT_SIZE,
    UserRegs,
    build_frame,
    fault_matches,
    fault_siginfo,
    is_fault_report,
    parse_frame,
    queued_siginfo_problem,
    siginfo_or_kernels,
)
from emulator.fastuc import CTX_PC, CTX_SP
from guardian import checks, heap_faults, pending_order
from guardian.checks import FaultIn, refuse
from guardian.child_exits import check_signal_info
from guardian.confidential_domains import UNMAPPING_CALLS
from guardian.confidential_registry import Registry
from guardian.confidential_return import ReturnPath
from guardian.confidential_selfsignal import SelfSignals
from guardian.confidential_sigmask import SignalMasks, check_catchable, check_frame_stack
from guardian.memfd_sizes import inside_memfd
from guardian.signal_senders import KERNEL_SEND_ERRORS, Send
from guardian.slots import PAGE, Slot
from guardian.state import MonitorState
from guardian.user_memory import UserMemory


class Signals:
    """SIGNAL delivery and rt_sigreturn from the saved context."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 returns: ReturnPath, self_signals: SelfSignals, masks: SignalMasks) -> None:
        self.s = state
        self.masks = masks
        self.registry = registry
        self.memory = memory
        self.returns = returns
        self.self_signals = self_signals

    def sigreturn(self, slot: Slot) -> int:
        """Restore the pre-signal registers from the frame on the user stack."""
        sp = slot.ctx.get(CTX_SP)
        raw = self.memory.read(sp + SIGINFO_SIZE, UCONTEXT_SIZE)
        if raw is None:
            refuse("sigreturn.frame", Status.ERR_DENIED, "the signal frame is not present")
            return 0
        regs, mask = parse_frame(raw)
        if regs.pstate & 0xF or regs.pc & 3 or regs.sp & 15:
            refuse("sigreturn.frame", Status.ERR_DENIED, "malformed signal frame")
            return mask
        slot.ctx.load_frame_fields(**vars(regs))
        self.self_signals.note_mask_restored(slot.root, slot.thread, mask)
        slot.elr = regs.pc
        return mask

    def signal(self, slot_id: int, signo: int, mask: int, ss_sp: int, ss_flags: int,
               ss_size: int, ret: int, elr: int, info: bytes) -> int:
        """Deliver a signal to a confidential thread with the handler the user registered.

        `ret`/`elr` complete the interrupted syscall first through the same return path
        as RESUME (its result, or a restart), so the frame saves the right state."""
        slot, dom = self.registry.live_slot(slot_id)
        self.returns.check_group_alive(slot)       # before anything of the signal is judged
        far = esr = 0
        sends: list[Send] = []
        queued = self.self_signals.sends.own_queued(slot, signo, info) \
            if slot.fault is None and is_fault_report(signo, info) else []
        if queued:
            sends = queued              # (the program queued that very siginfo itself)
        elif is_fault_report(signo, info):
            info, far, esr = self._fault_report(slot, signo, info)
        else:
            if ret in KERNEL_SEND_ERRORS and slot.nr is not None:
                # The call's -EPIPE/-EFBIG raised its own SIGPIPE/SIGXFSZ: that send may be
                # the very signal delivered at its return.
                self.self_signals.sends.note_kernel_send(slot, ret)
            info = siginfo_or_kernels(signo, info)
            problem = queued_siginfo_problem(signo, info)
            if problem is not None:
                refuse("signal.siginfo", Status.ERR_DENIED,
                       f"the kernel hands signal {signo} {problem}: a queued signal's siginfo "
                       "names that signal, with a sender's code, SI_KERNEL or a notification's "
                       "(a fault report comes only from an exception the Guardian saw)")
            check_signal_info(self.registry, slot, signo, info, ret)   # a child's end it reports
            sends = self.self_signals.sends.check(slot, signo, info, delivered=True)
        check_catchable(signo)
        space = self.registry.space(dom, slot.root)
        # The receiving process's own actions (a vfork child's are a copy of its parent's).
        table = space.handlers_of(self.registry.group_of(slot.root, slot.thread))
        act = table.get(signo)
        if act is None or act[0] in (0, 1):
            refuse("signal.handler", Status.ERR_DENIED,
                   f"no handler registered for signal {signo} (the program left it "
                   f"{'ignored' if act and act[0] == 1 else 'at its default action'})")
            return 0
        handler, flags, restorer, _ = act
        delivery = self.masks.delivery_mask(slot, ret, elr)
        self.masks.check(slot, signo, mask, delivery)
        signal_state = self.self_signals.signal_states.get(slot.root)
        if signal_state is not None and signal_state.sure and \
                not pending_order.check_synchronous_first(signal_state.sure, signo,
                                                          delivery.blocked, delivery.known):
            pending_order.check_lower_first(signal_state.sure, signo, sends,
                                            delivery.blocked, delivery.known)
        check_frame_stack(ss_flags)
        named = (0, 0) if ss_flags & SS_DISABLE or not ss_size else (ss_sp, ss_size)
        own = self.self_signals.thread_signals(slot.root, slot.thread).altstack
        if own is not None and named != own:
            # The thread's own sigaltstack decides, not the kernel's word: another
            # thread's stack, or SS_DISABLE for a stack the thread set, is refused.
            refuse("signal.altstack_owner", Status.ERR_DENIED,
                   f"the kernel names alternate stack {named[0]:#x}+{named[1]:#x} for thread "
                   f"{slot.thread}, whose own is {own[0]:#x}+{own[1]:#x}")
        use_alt = flags & SA_ONSTACK and named[1]
        if use_alt and named not in space.altstacks:
            refuse("signal.altstack", Status.ERR_DENIED,
                   f"alternate stack {ss_sp:#x}+{ss_size:#x} was never set by the program")
        if not (flags & SA_RESTORER and restorer) and \
                self.memory.read(SIGRETURN_TRAMPOLINE, len(SIGRETURN_CODE)) != SIGRETURN_CODE:
            refuse("signal.trampoline", Status.ERR_DENIED,
                   "the signal-return trampoline is not the expected code")
        sp = slot.ctx.get(CTX_SP)
        # The alternate stack the thread runs on now (Linux: on_sig_stack), if any.
        stacks = space.altstacks if own is None else {own} if own[1] else set()
        current = next(((lo, size) for lo, size in stacks if lo <= sp < lo + size), None)
        if use_alt and current is None:
            sp = ss_sp + ss_size
            current = (ss_sp, ss_size)
        base = (sp - FRAME_SIZE - 16) & ~15
        self.masks.frame_fits(sp, base, base + FRAME_SIZE + 16, current)
        missing = self.memory.first_missing(base, FRAME_SIZE + 16, True)
        if missing is not None:
            raise FaultIn(missing)        # the kernel faults the page in and asks again
        self.returns.complete(slot, dom, ret, elr, flags)
        self.self_signals.sends.take(sends, slot, signo)
        self.registry.exits.commit_sigchld(slot.id, slot.root)
        self.masks.enter_handler(slot, signo, act, delivery)
        if flags & SA_RESETHAND and checks.enabled("signal.reset_hand"):
            # A one-shot handler: entered now, the action is SIG_DFL again (Linux resets
            # the handler only, flags and mask stay), so a second SIGNAL finds no handler.
            table[signo] = (0, flags, restorer, act[3])
        ctx = slot.ctx
        regs = UserRegs(**ctx.frame_fields())  # type: ignore[arg-type]
        frame = build_frame(info, regs, mask, (ss_sp, ss_flags, ss_size), far, esr)
        self.memory.write(base, frame + struct.pack("<QQ", regs.x[29], regs.x[30]))
        ret_to = restorer if flags & SA_RESTORER and restorer else SIGRETURN_TRAMPOLINE
        ctx.set(0, signo)
        ctx.set(1, base)
        ctx.set(2, base + SIGINFO_SIZE)
        ctx.set(29, base + FRAME_SIZE)
        ctx.set(30, ret_to)
        ctx.set(CTX_SP, base)
        ctx.set(CTX_PC, handler)
        slot.elr = handler
        self.s.stats.inc("guardian.signals")
        return handler

    def _fault_report(self, slot: Slot, signo: int, info: bytes) -> tuple[bytes, int, int]:
        """A fault signal: (siginfo, fault address, syndrome) from the Guardian's record of
        the exception this slot entered with; refused if it took none that matches."""
        if slot.fault is None or not fault_matches(signo, slot.fault[0]):
            seen = ("a system call or an interrupt" if slot.fault is None
                    else f"an exception of class {(slot.fault[0] >> 26) & 0x3F:#x}")
            refuse("signal.sync_witnessed", Status.ERR_DENIED,
                   f"signal {signo} reports a fault, but the thread entered the kernel with "
                   f"{seen}")
            return info, 0, 0
        esr, far = slot.fault
        space = self.registry.space_of(slot.domain, slot.root)
        # (A page swapped out may fail to come back: a swap read error is SIGBUS.)
        if signo != heap_faults.SIGBUS or far & ~(PAGE - 1) not in self.s.sealed_vas(slot.root):
            heap_faults.check(space, signo, esr, far, slot, self.registry.slots.values())
        code = struct.unpack_from("<i", info, 8)[0]
        if signo == heap_faults.SIGBUS and space is not None and space.shared_areas:
            reg = self.registry
            heap_faults.check_shared_file(signo, code, esr, far, inside_memfd(
                self.returns.files, reg.domains[slot.domain], space, far, reg.slots.values()))
        if signo == SIGSEGV and code == SEGV_MAPERR:
            self._check_maperr(slot, far)
        addr = slot.elr if signo in (SIGILL, SIGTRAP) else far
        return fault_siginfo(signo, code, addr), far, esr

    def _check_maperr(self, slot: Slot, far: int) -> None:
        """SEGV_MAPERR says no mapping covers the address (arm64's do_page_fault: no VMA);
        inside an area the program holds the fault is SEGV_ACCERR.  The stack's reserve
        is left out (its VMA grows into it only as far as the stack limit lets it), and
        so is a moment when a call of the process may be unmapping."""
        space = self.registry.space_of(slot.domain, slot.root)
        if space is None:
            return
        lo, hi = space.stack
        if lo <= far < hi or not any(s <= far < e for s, e in space.areas) or \
                heap_faults.guarded(space, far):
            return
        if any(o.root == slot.root and o.nr in UNMAPPING_CALLS and o is not slot
               for o in self.registry.slots.values()):
            return
        refuse("signal.fault_code", Status.ERR_DENIED,
               f"SIGSEGV says SEGV_MAPERR (no mapping) for {far:#x}, inside an area the "
               "program mapped and still holds: Linux reports that fault as SEGV_ACCERR")

