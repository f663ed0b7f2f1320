"""The kernel's run loop: it picks the next runnable thread, switches to its
address space and context, runs it at EL0 for a quantum (counted when threads
contend or a timer is armed, so interleavings depend on the guest alone),
returns to confidential threads through the Guardian, fires sleep deadlines and
ITIMER_REAL timers on the virtual clock, lets time pass when every thread
sleeps (or reports a deadlock), and puts threads to sleep and wakes them.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable

from abi import Call, Status
from emulator import sysregs as S
from emulator.fastuc import CTX_PC
from kernel_model import interrupts, job_control, rseq
from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.exec import CLREX_VA
from kernel_model.process import Process, Thread, ThreadState, WaitReason
from kernel_model.regs import CTX_PC_REG, X0_REG
from kernel_model.scheduler import Block

FAST_CONTENDED_QUANTUM = 200_000
_RESUME_FAULT_IN_TRIES = 4        # pages a RESUME may ask the kernel to fault back in
# Enum members as plain names: reading one off its class costs a few hundred ns on
# Python 3.11, and these are read on every confidential exception.
_RESUME = Call.RESUME
_FAULT_IN = Status.FAULT_IN


class Deadlock(Exception):
    """Every thread sleeps and nothing can wake any of them."""


class BudgetExhausted(Exception):
    """The instruction budget given with --max-insns ran out."""


class RunLoopMixin:
    """Scheduling EL0 threads on the one core, timers, and sleeping and waking."""

    #: Called at the top of every pass of the loop with the thread that ran last (a
    #: snapshot is taken there: no thread's registers are on the core).
    slice_hook: Callable[[Thread | None], None] | None = None
    #: The thread that ran last before a snapshot this kernel was restored from.
    resume_prev: Thread | None = None

    # --- the run loop ---------------------------------------------------------------
    def run(self) -> int:
        """Run until the first process exits; returns its wait status."""
        el1 = self.el1
        budget = self.options.max_insns
        quantum = self.boot_info.quantum_insns
        prev: Thread | None = self.resume_prev
        while self.init is not None and self.init.exit_status is None:
            if self.host_signals:
                interrupts.take(self)   # Ctrl-C: SIGINT to the terminal's foreground group
                continue
            if self.slice_hook is not None:
                self.slice_hook(prev)
            self._fire_timers()
            t = self.sched.pick()
            if t is None:
                if not self._idle():
                    raise Deadlock(self._deadlock_report())
                continue
            if t.process.stopped:
                job_control.park(t)             # it waits for SIGCONT
                continue
            self.current = t
            self.switch_mm(t.process.mm)
            el1 = self.el1          # a rack's kernel runs each blade's threads on its own core
            if t is not prev:
                self.clock.charge("context_switch")
                self.stats.inc("kernel.context_switches")
                if self.tracer.enabled:
                    self.tracer.emit("context_switch", from_tid=prev.tid if prev else 0,
                                     to_tid=t.tid)
                    self.tracer.set_context(t.pid, t.tid, self.el1.cpu_index)
            assert t.context is not None
            el1.restore_context(t.context)
            if t.rem_due is not None:
                self._write_rem(t)
                el1.restore_context(t.context)
            self.signals.deliver_pending(t)
            r = t.rseq
            if r is not None and not t.process.confidential and \
                    (r.notify or t is not prev):
                # rseq_preempt() when switched in, then __rseq_handle_notify_resume()
                # (a confidential thread's area is the Guardian's: RESUME)
                r.event |= t is not prev
                rseq.notify_resume(self, t, r)
                if t.pending.mask:
                    self.signals.deliver_pending(t)     # its force_sigsegv()
            if t.state != ThreadState.RUNNABLE or not self._resume_confidential(t):
                continue
            count = 0
            if self.exact:
                count = quantum
            elif self.sched.has_other_runnable() or self._timer_armed():
                # Contention: run counted quanta so the interleaving depends on
                # the guest alone, never on the host's speed.
                count = FAST_CONTENDED_QUANTUM
            if budget:
                left = budget - self.insns
                if left <= 0:
                    raise BudgetExhausted(f"instruction budget of {budget} exhausted")
                count = min(count, left) if count else min(left, quantum * 100)
            self._slice_exceptions = 0
            self._slice_counted = bool(count)
            pc = self._resume_pc if t.process.confidential else el1.reg(CTX_PC_REG)
            if t is not prev:
                self._clear_exclusive(t)
            executed, stopped = el1.run_el0(pc, count)
            if count:
                self.insns += executed
                t.insns += executed
                self.clock.charge("instruction", executed)
                if not stopped and t.state == ThreadState.RUNNABLE:
                    # The quantum ended: a timer interrupt from EL0, taken
                    # through VBAR_EL1 (so a monitor saves a confidential context).
                    el1.timer_interrupt()
                    if t.rseq is not None:      # preempted at the tick (rseq_preempt())
                        t.rseq.notify = t.rseq.event = True
            elif not stopped and t.state == ThreadState.RUNNABLE:
                # An uncounted run ends on its own only when the host interrupt
                # watcher stopped the CPU: the same timer interrupt.
                el1.timer_interrupt()
                if t.rseq is not None:
                    t.rseq.notify = t.rseq.event = True
            el1.save_context(t.context)
            prev = t
            if t.state == ThreadState.RUNNABLE:
                self.sched.runqueue.append(t)
        self.current = None
        self.el1.msr(S.TTBR0_EL1, self.idle_ttbr0)
        # Fast timing counts only contended slices; say which count it is.
        self.stats.set("cpu0.insns" if self.exact else "cpu0.insns_counted", self.insns)
        assert self.init is not None and self.init.exit_status is not None
        return self.init.exit_status

    def _resume_confidential(self, t: Thread) -> bool:
        """Return to a confidential thread through the Guardian (RESUME): only the
        syscall result and the ELR come from the kernel.  False if refused.

        After an accepted RESUME the core is the thread's: the kernel does not
        touch it again until the next exception."""
        if not t.process.confidential:
            return True
        el1 = self.el1
        self._resume_pc = el1.reg(CTX_PC_REG)
        for _ in range(_RESUME_FAULT_IN_TRIES):
            status, value = el1.hvc(_RESUME, t.slot, el1.reg(X0_REG), self._resume_pc)
            # FAULT_IN: the Guardian must read a page of the syscall's arguments back
            # (e.g. one reclaim swapped out meanwhile), or store into one (bit 0: the
            # rseq stores, put_user()'s write fault); fault it in and ask again.
            if status != _FAULT_IN or \
                    t.process.mm.handle_fault(value & ~1, bool(value & 1), False):
                break
        if status:
            # The Guardian names SIGSEGV where Linux force_sigsegv()s the thread itself
            # (rseq_ip_fixup() failing: the program's own fault); any other refusal kills.
            # A fault-in the kernel cannot serve for a registered thread: rseq's get_user()
            # or put_user() fails there and Linux force_sigsegv()s it as well.
            signo = sig.SIGSEGV if (status == Status.ERR_DENIED and value == sig.SIGSEGV) \
                or (status == _FAULT_IN and t.rseq is not None) else sig.SIGKILL
            self.options.warnings.append(f"the Guardian refused to resume tid {t.tid} "
                                         f"(status {status}); the process is killed "
                                         f"(signal {signo})")
            self.exit_process(t.process, signo)
            return False
        t.slot = 0
        return True

    def _clear_exclusive(self, t: Thread) -> None:
        """CLREX at EL0 so a load-exclusive of the previous thread cannot pair
        with this thread's store-exclusive (Unicorn keeps one monitor per core)."""
        vma = t.process.mm.vmas.find(CLREX_VA)
        if vma is not None and vma.name == "[sigpage]":
            self.el1.run_el0(CLREX_VA, 1)

    def _timer_armed(self) -> bool:
        return bool(self._itimers) or bool(self.ktimers)

    def arm_itimer(self, proc: Process, deadline: int | None, interval: int) -> None:
        """Set (or with None, cancel) a process's ITIMER_REAL on the virtual clock."""
        proc.itimer_deadline = deadline
        proc.itimer_interval = interval
        if deadline is None:
            self._itimers.pop(proc.pid, None)
        else:
            self._itimers[proc.pid] = proc

    def _fire_timers(self) -> None:
        now = self.clock.cycles
        for t in self.sched.expired(now):
            assert t.wait is not None
            self.wake(t, t.wait.timeout_result)
        for p in list(self._itimers.values()):
            if p.itimer_deadline is not None and p.itimer_deadline <= now:
                self.arm_itimer(p, p.itimer_deadline + p.itimer_interval
                                if p.itimer_interval else None, p.itimer_interval)
                self.signals.send_process(p, sig.SIGALRM,
                                          sig.pack_siginfo(sig.SIGALRM, sig.SI_KERNEL))
        self.ktimers.fire()

    def _idle(self) -> bool:
        """Nothing runnable: wait for the host's terminal if someone polls it, else let
        virtual time pass to the next deadline, if any."""
        deadlines = [d for d in (self.sched.next_deadline(), self.ktimers.next_deadline(),
                                 *(p.itimer_deadline for p in self._itimers.values()))
                     if d is not None]
        if interrupts.wait_host_fds(self, block=not deadlines):
            return True
        if not deadlines:
            return False
        self.clock.advance(min(deadlines) - self.clock.cycles)
        self._fire_timers()
        return True

    def _deadlock_report(self) -> str:
        waits = ", ".join(f"tid {t.tid} in {t.wait.what if t.wait else '?'}"
                          for t in self.sched.blocked)
        stopped = job_control.describe_stopped(self)
        if stopped:
            return f"every thread is blocked or stopped and no timer is pending ({stopped}" + \
                (f"; {waits})" if waits else ")")
        return f"every thread is blocked and no timer is pending ({waits})"

    # --- sleeping and waking ----------------------------------------------------------
    def block(self, reason: WaitReason) -> None:
        raise Block(reason)

    def wake(self, t: Thread, result: int | None) -> None:
        """Make t runnable; result None re-runs its syscall, an int completes it."""
        if t.state != ThreadState.BLOCKED:
            return
        assert t.context is not None
        if result is None:
            t.context.set(CTX_PC, t.restart_pc)
            t.rerun_wait = t.wait
        else:
            t.context.set(0, result & 0xFFFF_FFFF_FFFF_FFFF)
            t.rerun_wait = None
            if t.wait is not None and t.wait.rem is not None and result == -errno.EINTR:
                t.rem_due = t.wait.rem
        self.sched.unblock(t)

    def _write_rem(self, t: Thread) -> None:
        """A sleep a signal cut short writes the time left, as the thread itself (Linux's
        do_nanosleep copies it out on its interrupted path only)."""
        assert t.rem_due is not None and t.context is not None
        rem, deadline = t.rem_due
        t.rem_due = None
        left = max(deadline - self.now_ns(), 0)
        try:
            self.uaccess.write(rem, struct.pack("<qq", left // 1_000_000_000,
                                                left % 1_000_000_000))
        except KernelError:
            t.context.set(0, -errno.EFAULT & 0xFFFF_FFFF_FFFF_FFFF)

    def wake_where(self, pred, result: int | None, limit: int | None = None) -> int:  # noqa: ANN001
        n = 0
        for t in self.sched.waiting(pred):
            if limit is not None and n >= limit:
                break
            self.wake(t, result)
            n += 1
        return n
