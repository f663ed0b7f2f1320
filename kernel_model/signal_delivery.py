"""Sending, interrupting, delivering and returning from signals."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from unicorn.arm64_const import UC_ARM64_REG_PC as PC_REG
from unicorn.arm64_const import UC_ARM64_REG_X0 as X0

from abi import Call, Status
from kernel_model import job_control, rseq
from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.exec import SIGPAGE_VA
from kernel_model.process import Process, Thread, ThreadState

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

from emulator.fastuc import CTX_PC, CTX_SP, UserContext

# Waits that a handler with SA_RESTART resumes instead of failing with EINTR.
_RESTARTABLE = {"wait4", "pipe-read", "pipe-write", "futex", "read", "write",
                "recv", "send", "accept", "connect",
                # fs/locks.c: F_SETLKW's do_lock_file_wait() and flock's
                # locks_lock_inode_wait() sleep in wait_event_interruptible(): -ERESTARTSYS
                "record-lock", "flock"}


class SignalDelivery:
    def __init__(self, kernel: Kernel) -> None:
        self.k = kernel

    # --- sending ----------------------------------------------------------------------
    def _ignored(self, proc: Process, signo: int, blocked: int = 0) -> bool:
        """Dropped at once: ignored, unless blocked (its action may change before unblocking)."""
        if blocked & sig.bit(signo):
            return False
        act = proc.sigactions.get(signo)
        if act.handler == sig.SIG_IGN:
            return True
        return act.handler == sig.SIG_DFL and sig.default_action(signo) in ("ign", "cont")

    def send_process(self, proc: Process, signo: int, info: bytes) -> None:
        """A process-directed signal (kill): any thread that does not block it takes it."""
        if proc.exit_status is not None or signo == 0:
            return
        k = self.k
        k.stats.inc("kernel.signals.sent")
        if signo == sig.SIGKILL:
            k.exit_process(proc, sig.SIGKILL)
            return
        job_control.prepare(k, proc, signo)
        alive = proc.alive_threads
        if self._ignored(proc, signo, alive[0].sigmask if alive else 0):
            return
        b = sig.bit(signo)
        proc.pending.add(signo, info)
        k.signal_queue.notify()
        for t in proc.alive_threads:
            if self._waits_for(t, b):        # Linux gives it to a thread waiting for it
                k.wake(t, None)
                return
        for t in proc.alive_threads:
            if not t.sigmask & b:
                self._interrupt(t, signo)
                break

    def send_thread(self, t: Thread, signo: int, info: bytes) -> None:
        proc = t.process
        if proc.exit_status is not None or signo == 0:
            return
        self.k.stats.inc("kernel.signals.sent")
        if signo == sig.SIGKILL:
            self.k.exit_process(proc, sig.SIGKILL)
            return
        job_control.prepare(self.k, proc, signo)
        if self._ignored(proc, signo, t.sigmask):
            return
        t.pending.add(signo, info)
        self.k.signal_queue.notify()
        if self._waits_for(t, sig.bit(signo)):
            self.k.wake(t, None)
        elif not t.sigmask & sig.bit(signo):
            self._interrupt(t, signo)

    @staticmethod
    def _waits_for(t: Thread, b: int) -> bool:
        """Whether t sleeps in rt_sigtimedwait for this signal: it re-runs the call and takes
        the signal there, blocked or not, instead of an EINTR and a handler."""
        w = t.wait
        return (t.state == ThreadState.BLOCKED and w is not None and w.what == "sigtimedwait"
                and bool(w.bitset & b))

    def force(self, t: Thread, signo: int, info: bytes, fault_address: int = 0,
              esr: int = 0) -> None:
        """A synchronous fault signal: it cannot be blocked or ignored away."""
        proc = t.process
        b = sig.bit(signo)
        act = proc.sigactions.get(signo)
        if t.sigmask & b or act.handler == sig.SIG_IGN:
            proc.sigactions.set(signo, sig.SigAction())
            t.sigmask &= ~b
        if signo == sig.SIGKILL:
            self.k.exit_process(proc, sig.SIGKILL)
            return
        t.pending.add(signo, info)
        t.fault = (fault_address, esr)

    def _interrupt(self, t: Thread, signo: int) -> None:
        """Wake t from an interruptible sleep so the signal can be delivered."""
        if t.state != ThreadState.BLOCKED or t.wait is None or not t.wait.interruptible:
            return
        act = t.process.sigactions.get(signo)
        if act.handler == sig.SIG_DFL and job_control.is_stop_signal(signo):
            # the call is cut for the group stop and restarted after it (no handler
            # runs: -ERESTARTSYS comes back as a restart)
            self.k.wake(t, None)
            return
        restart = bool(act.flags & sig.SA_RESTART) and t.wait.what in _RESTARTABLE
        self.k.wake(t, None if restart else -errno.EINTR)

    # --- delivery -------------------------------------------------------------------
    def deliver_pending(self, t: Thread) -> None:
        """On the way back to EL0 (t is on the CPU): act on one deliverable signal."""
        proc = t.process
        deliverable = (t.pending.mask | proc.pending.mask) & ~(t.sigmask & ~sig.UNBLOCKABLE)
        rerun = t.rerun_wait
        if rerun is not None and rerun.what == "sigtimedwait":
            deliverable &= ~rerun.bitset     # the re-run rt_sigtimedwait takes these itself
        if not deliverable or t.state != ThreadState.RUNNABLE:
            return
        signo, info = sig.dequeue_synchronous(t.pending, deliverable)
        if not signo:
            signo, info = sig.dequeue(t.pending, proc.pending, deliverable)
        if not info:
            info = sig.pack_siginfo(signo, sig.SI_USER)
        act = proc.sigactions.get(signo)
        k = self.k
        if act.handler == sig.SIG_IGN:
            return
        if act.handler == sig.SIG_DFL:
            what = sig.default_action(signo)
            if what in ("term", "core"):
                k.stats.inc("kernel.signals.fatal")
                k.crash_reports[proc.pid] = self._describe_death(t, signo)
                if k.tracer.enabled:
                    k.tracer.emit("signal", signo=signo, action=what,
                                  reason=k.crash_reports[proc.pid])
                k.exit_process(proc, signo)
            elif what == "stop":
                job_control.stop(k, t, signo)
            return
        fault = t.fault
        t.fault = (0, 0)
        if proc.confidential:
            self._confidential_frame(t, signo, info, act)
            return
        self._setup_frame(t, signo, info, act, fault[0], fault[1])

    def _confidential_frame(self, t: Thread, signo: int, info: bytes, act: sig.SigAction) -> None:
        """The Guardian builds the frame from the real context and the handler the
        user registered; the kernel only chooses the signal and the mask."""
        k = self.k
        el1 = k.el1
        old_mask = t.saved_sigmask if t.saved_sigmask is not None else t.sigmask
        t.saved_sigmask = None
        ss_sp, ss_flags, ss_size = t.altstack
        for _ in range(4):
            status, value, _ = el1.hvc_data(
                Call.SIGNAL, (t.slot, signo, old_mask, ss_sp, ss_flags, ss_size,
                              el1.reg(X0), el1.reg(PC_REG)), info)
            if status == 0:
                el1.set_reg(PC_REG, value)
                break
            if status != Status.FAULT_IN or t.process.mm.handle_fault(value, True, False) != 0:
                k.stats.inc("kernel.signals.bad_frame")
                if status != Status.FAULT_IN:
                    k.options.warnings.append(
                        f"the Guardian refused to deliver {sig.signame(signo)} to pid "
                        f"{t.process.pid} ({Status(status).name}); the process is killed")
                k.exit_process(t.process, sig.SIGSEGV)
                return
        else:
            k.exit_process(t.process, sig.SIGSEGV)
            return
        t.sigmask |= act.mask | (0 if act.flags & sig.SA_NODEFER else sig.bit(signo))
        t.sigmask &= ~sig.UNBLOCKABLE
        if act.flags & sig.SA_RESETHAND:
            t.process.sigactions.set(signo, sig.SigAction())
        k.stats.inc("kernel.signals.delivered")

    def _describe_death(self, t: Thread, signo: int) -> str:
        pc = self.k.el1.reg(PC_REG)
        far, esr = t.fault
        name = t.process.exe.rsplit("/", 1)[-1]
        what = f"{name} (pid {t.process.pid}) killed by {sig.signame(signo)}"
        ec = (esr >> 26) & 0x3F
        if signo in (sig.SIGSEGV, sig.SIGBUS) and esr:
            access = "write" if esr & (1 << 6) and ec in (0x24, 0x25) else (
                "instruction fetch" if ec in (0x20, 0x21) else "read")
            return f"{what}: invalid {access} at {far:#x} (pc {pc:#x})"
        if signo == sig.SIGILL:
            return f"{what}: undefined instruction at pc {pc:#x}"
        return what

    def _setup_frame(self, t: Thread, signo: int, info: bytes, act: sig.SigAction,
                     fault_address: int, esr: int) -> None:
        k = self.k
        el1 = k.el1
        if t.rseq is not None:              # rseq_signal_deliver(): before the frame
            t.rseq.event = True
            rseq.notify_resume(k, t, t.rseq)
            t.rseq.notify = True
        ctx = UserContext()
        el1.save_context(ctx)
        sp = ctx.get(CTX_SP)
        ss_sp, ss_flags, ss_size = t.altstack
        on_alt = ss_size and ss_sp < sp <= ss_sp + ss_size      # (on_sig_stack())
        if act.flags & sig.SA_ONSTACK and not ss_flags & sig.SS_DISABLE and not on_alt:
            sp = ss_sp + ss_size
        regs = _user_regs(ctx)
        old_mask = t.saved_sigmask if t.saved_sigmask is not None else t.sigmask
        t.saved_sigmask = None
        alt_flags = sig.SS_ONSTACK if on_alt else ss_flags
        frame = sig.build_frame(info, regs, old_mask, (ss_sp, alt_flags, ss_size),
                                fault_address=fault_address, esr=esr)
        base = (sp - len(frame) - 16) & ~15
        record = base + len(frame)
        try:
            k.uaccess.write(base, frame)
            k.uaccess.write(record, regs.x[29].to_bytes(8, "little")
                            + regs.x[30].to_bytes(8, "little"))
        except KernelError:
            k.stats.inc("kernel.signals.bad_frame")
            k.exit_process(t.process, sig.SIGSEGV)
            return
        ctx.set(0, signo)
        ctx.set(1, base)
        ctx.set(2, base + sig.SIGINFO_SIZE)
        ctx.set(29, record)
        ctx.set(30, act.restorer if act.flags & sig.SA_RESTORER and act.restorer else SIGPAGE_VA)
        ctx.set(CTX_SP, base)
        ctx.set(CTX_PC, act.handler)
        el1.restore_context(ctx)
        t.sigmask |= act.mask | (0 if act.flags & sig.SA_NODEFER else sig.bit(signo))
        t.sigmask &= ~sig.UNBLOCKABLE
        if act.flags & sig.SA_RESETHAND:
            t.process.sigactions.set(signo, sig.SigAction())
        k.stats.inc("kernel.signals.delivered")
        if k.tracer.enabled:
            k.tracer.emit("signal", pc=act.handler, signo=signo, action="handler",
                          handler=act.handler, frame=base)

    def sigreturn(self, t: Thread) -> None:
        """rt_sigreturn: restore the context saved in the frame at SP."""
        k = self.k
        el1 = k.el1
        ctx = UserContext()
        el1.save_context(ctx)
        base = ctx.get(CTX_SP)
        try:
            uc = k.uaccess.read(base + sig.SIGINFO_SIZE, sig.UCONTEXT_SIZE)
        except KernelError:
            k.exit_process(t.process, sig.SIGSEGV)
            return
        regs, mask = sig.parse_frame(uc)
        if regs.pstate & 0xF or regs.pc & 3 or regs.sp & 15:
            # Not a frame we built for EL0: Linux kills with SIGSEGV too.
            k.stats.inc("kernel.signals.bad_frame")
            k.exit_process(t.process, sig.SIGSEGV)
            return
        ctx.load_frame_fields(**vars(regs))
        el1.restore_context(ctx)
        t.sigmask = mask & ~sig.UNBLOCKABLE


def _user_regs(ctx: UserContext) -> sig.UserRegs:
    return sig.UserRegs(**ctx.frame_fields())  # type: ignore[arg-type]
