"""Signals for confidential threads: frames built and taken back by the Guardian."""

from __future__ import annotations

import struct

from abi import Status
from abi.sigframe import (
    FRAME_SIZE,
    SIGINFO_SIZE,
    SIGRETURN_CODE,
    SIGRETURN_TRAMPOLINE,
    UCONTEXT_SIZE,
    UserRegs,
    build_frame,
    parse_frame,
)
from emulator.fastuc import (
    CTX_PC,
    CTX_SP,
)
from guardian.slots import (
    NR_RT_SIGRETURN,
    SA_RESTORER,
    Slot,
)


class SignalMixin:
    """SIGNAL delivery and rt_sigreturn from the saved context."""

    def _sigreturn(self, slot: Slot) -> int | None:
        """Restore the pre-signal registers from the frame on the user stack."""
        sp = slot.ctx.get(CTX_SP)
        raw = self.read_user(sp + SIGINFO_SIZE, UCONTEXT_SIZE)
        if raw is None:
            return None
        regs, mask = parse_frame(raw)
        if regs.pstate & 0xF or regs.pc & 3 or regs.sp & 15:
            return None
        slot.ctx.load_frame_fields(**vars(regs))
        slot.elr = regs.pc
        return mask

    # --- the trusted launch path -----------------------------------------------------
    def signal(self, slot_id: int, signo: int, mask: int, altstack: tuple[int, int, int],
               ret: int, elr: int, info: bytes) -> tuple[Status, int]:
        """Deliver a signal to a confidential thread with the handler the user registered.

        `ret`/`elr` complete the interrupted syscall first (its result, or a
        restart), exactly as RESUME would, so the frame saves the right state.
        """
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            return self.g._decide("signal", Status.ERR_STATE, "no saved context"), 0
        act = dom.handlers.get(signo)
        if act is None or act[0] in (0, 1):
            return self.g._decide("signal", Status.ERR_DENIED,
                                  f"no handler registered for signal {signo}"), 0
        handler, flags, restorer, _ = act
        ctx = slot.ctx
        if slot.nr is not None and slot.nr != NR_RT_SIGRETURN:
            if elr == slot.elr - 4:
                ctx.set(CTX_PC, elr)
            elif elr == slot.elr:
                ctx.set(0, ret)
                self._commit(slot, dom, ret)
            else:
                return self.g._decide("signal", Status.ERR_DENIED, "ELR does not match"), 0
            slot.nr = None
        regs = UserRegs(**ctx.frame_fields())  # type: ignore[arg-type]
        sp = regs.sp
        ss_sp, ss_flags, ss_size = altstack
        use_alt = flags & 0x08000000 and not ss_flags & 2 and ss_size
        if use_alt and (ss_sp, ss_size) not in dom.altstacks:
            return self.g._decide("signal", Status.ERR_DENIED,
                                  f"alternate stack {ss_sp:#x}+{ss_size:#x} was never set by "
                                  "the program"), 0
        if use_alt and not ss_sp <= sp < ss_sp + ss_size:
            sp = ss_sp + ss_size
        frame = build_frame(info, regs, mask, altstack)
        base = (sp - FRAME_SIZE - 16) & ~15
        missing = self._write_user(base, frame + struct.pack("<QQ", regs.x[29], regs.x[30]))
        if missing is not None:
            return Status.FAULT_IN, missing
        if flags & SA_RESTORER and restorer:
            ret_to = restorer
        else:
            ret_to = SIGRETURN_TRAMPOLINE
            if self.read_user(SIGRETURN_TRAMPOLINE, len(SIGRETURN_CODE)) != SIGRETURN_CODE:
                return self.g._decide("signal", Status.ERR_DENIED,
                                      "the signal-return trampoline is not the expected code"), 0
        ctx.set(0, signo)
        ctx.set(1, base)
        ctx.set(2, base + SIGINFO_SIZE)
        ctx.set(29, base + FRAME_SIZE)
        ctx.set(30, ret_to)
        ctx.set(CTX_SP, base)
        ctx.set(CTX_PC, handler)
        slot.elr = handler
        self.g.stats.inc("guardian.signals")
        return Status.OK, handler

