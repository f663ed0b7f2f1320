"""Exceptions from EL0 as the kernel serves them: syscalls, faults, the timer tick."""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from typing import Any

from unicorn.arm64_const import UC_ARM64_REG_PC

from abi.layout import SVC_NR_MASK, SVC_NR_REGISTER
from emulator.el0_counter import XZR, counter_read, counter_value
from emulator.exceptions import ESR_WNR, ExceptionClass, ExceptionInfo
from emulator.livestate import X_REGS
from emulator.trace import EV_DATA, EV_KIND
from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.mm import FaultResult
from kernel_model.pagetable import (
    PageTableRefused,
)
from kernel_model.process import Thread, ThreadState
from kernel_model.regs import FAST_SLICE_EXCEPTIONS, SLOT_REG
from kernel_model.scheduler import Block
from kernel_model.syscalls import SYSCALLS, syscall_name

log = logging.getLogger(__name__)

_ABORTS = frozenset((ExceptionClass.DABT_LOWER, ExceptionClass.DABT_SAME,
                     ExceptionClass.IABT_LOWER, ExceptionClass.IABT_SAME))
_INSTRUCTION_ABORTS = frozenset((ExceptionClass.IABT_LOWER, ExceptionClass.IABT_SAME))
# Enum members as plain names: reading one off its class costs a few hundred ns on
# Python 3.11, and these are read on every exception.
_SVC64 = int(ExceptionClass.SVC64)
_EC_SYSREG = int(ExceptionClass.SYSREG)
_RUNNABLE = ThreadState.RUNNABLE
_FAULT_NAMES = {FaultResult.OK: "ok", FaultResult.SEGV_MAPERR: "maperr",
                FaultResult.SEGV_ACCERR: "accerr", FaultResult.OOM: "oom",
                FaultResult.SIGBUS: "sigbus"}


class TrapsMixin:
    """The kernel's vector entries (lower-EL AArch64 sync and IRQ)."""

    def _el0_irq(self, _cpu: object, info: ExceptionInfo) -> None:
        """Timer tick at the end of a quantum: the run loop reschedules."""
        t = self.current
        assert t is not None
        self.clock.charge("exception_entry")
        self.stats.inc("kernel.irqs")
        if t.process.confidential:
            t.slot = self.el1.reg(SLOT_REG)

    def _el0_sync(self, _cpu: object, info: ExceptionInfo) -> None:
        t = self.current
        assert t is not None
        confidential = t.process.confidential
        if confidential:
            # Entered through the Guardian: x16 names the slot holding the real context.
            t.slot = self.el1.reg(SLOT_REG)
        if info.esr >> 26 == _SVC64:
            self._syscall(t, info)
        else:
            clock = self.clock      # clock.charge("exception_entry"), inline (every fault)
            cost = clock.costs["exception_entry"]
            clock.cycles += cost
            charged = clock.charged
            charged["exception_entry"] = charged.get("exception_entry", 0) + cost
            self._fault(t, info)
            if t.state == _RUNNABLE:
                # The daemons (KSM, node balancing, compaction) are paced by faults, so
                # they get their turn after one, with no kernel code holding user memory.
                self.mmctx.memory.tick(t.process.mm)
        clock = self.clock          # clock.charge("exception_return"), inline (every exception)
        cost = clock.costs["exception_return"]
        clock.cycles += cost
        charged = clock.charged
        charged["exception_return"] = charged.get("exception_return", 0) + cost
        if t.state == _RUNNABLE and (t.pending.mask or t.process.pending.mask):
            self.signals.deliver_pending(t)
        el1 = self.el1
        if t.state != _RUNNABLE or self.current is not t:
            el1.request_stop()
            return
        self._slice_exceptions += 1
        if not self.exact:
            contended = bool(self.sched.runqueue) and self.sched.has_other_runnable()
            if contended and self._slice_exceptions >= FAST_SLICE_EXCEPTIONS:
                el1.request_stop()
            elif not self._slice_counted and (contended or self._itimers):
                # The slice runs uncounted; from here on the interleaving must not
                # depend on host speed, so continue in counted quanta.
                el1.request_stop()
        if confidential and not el1.stop_requested:
            # Straight back to the thread: through the Guardian.
            if not self._resume_confidential(t):
                el1.request_stop()

    def _syscall(self, t: Thread, info: ExceptionInfo) -> None:
        args = self.el1.syscall_args()
        # w8 only: el0_svc_common(regs, regs->regs[8], ...) takes an int scno.
        nr = args[SVC_NR_REGISTER] & SVC_NR_MASK
        # Entry and dispatch are charged together, both before the handler runs
        # (clock.charge_pair, inline: this runs once per syscall).
        clock = self.clock
        costs = clock.costs
        charged = clock.charged
        entry_cost = costs["exception_entry"]
        dispatch_cost = costs["syscall_dispatch"]
        clock.cycles += entry_cost + dispatch_cost
        charged["exception_entry"] = charged.get("exception_entry", 0) + entry_cost
        charged["syscall_dispatch"] = charged.get("syscall_dispatch", 0) + dispatch_cost
        # Traced, the CPU's open exception event becomes this syscall: one record holding
        # the registers at entry, the arguments and the result (or what it blocked on).
        record = self._syscall_record(nr, args) if self.tracer.enabled else None
        handler = SYSCALLS.get(nr) or SYSCALLS.load(nr)
        strace = self.strace
        entry = strace.enter(nr, args, self.uaccess.read_cstring, self.uaccess.read) \
            if strace is not None else None
        if handler is None:
            # Counted, never printed among the program's output (-v logs it once).
            self.stats.inc("kernel.syscalls.unknown")
            self.stats.inc(f"kernel.syscalls.unsupported.{syscall_name(nr)}")
            if nr not in self._warned:
                # A note, not a warning: the program hears ENOSYS and copes; the user
                # sees it with -v, --stats and --json, never on the program's stderr.
                self._warned.add(nr)
                msg = f"unsupported syscall {syscall_name(nr)} (#{nr}) returns ENOSYS"
                self.options.notes.append(msg)
                log.info(msg)
            self.el1.set_result(-errno.ENOSYS)
            if record is not None:
                self._syscall_done(record, result=-errno.ENOSYS)
            if entry is not None:
                strace.leave(t.pid, entry, -errno.ENOSYS)
            return
        counters = self.stats.counters
        key = self._syscall_keys[nr]
        counters[key] = counters.get(key, 0) + 1
        try:
            result = handler(self, t, args)
        except KernelError as exc:
            result = -exc.errno
        except PageTableRefused as exc:
            # The monitor said no to a table change this call needed: the call
            # fails as if memory ran out; the machine carries on.
            self.options.warnings.append(f"{syscall_name(nr)} by pid {t.pid}: {exc}")
            result = -errno.ENOMEM
        except Block as b:
            t.restart_pc = info.elr - 4
            self.sched.block(t, b.reason)
            if record is not None:
                self._syscall_done(record, blocked=b.reason.what)
            return
        if result is not None:
            self.el1.set_result(result)
        if record is not None:
            self._syscall_done(record, result=result)
        if entry is not None:
            strace.leave(t.pid, entry, result)

    def _syscall_record(self, nr: int, args: Sequence[int]) -> dict[str, Any] | None:
        """Turn the CPU's open exception event into syscall `nr`; returns its fields, which
        `_syscall_done` completes.  While tracing, the CPU opens an event for every exception
        it dispatches, so there is one unless the call did not come through an exception."""
        open_events = self.tracer.open_events
        if not open_events or open_events[-1][EV_KIND] != "exception":
            return None
        ev = open_events[-1]
        ev[EV_KIND] = "syscall"
        data: dict[str, Any] = ev[EV_DATA]
        del data["ec"]          # an SVC: the kind says it
        data["nr"] = nr
        data["name"] = syscall_name(nr)
        data["args"] = args[:6]
        return data

    @staticmethod
    def _syscall_done(record: dict[str, Any], **outcome: Any) -> None:
        # No result (exit, rt_sigreturn, a successful execve): the call does not return one.
        record.update((k, v) for k, v in outcome.items() if v is not None)

    def _fault(self, t: Thread, info: ExceptionInfo) -> None:
        esr = info.esr
        ec = esr >> 26
        if ec in _ABORTS:
            fsc = esr & 0x3C
            if fsc in (0x04, 0x08, 0x0C):   # translation, access flag, permission
                counters = self.stats.counters      # (stats.inc, inline: every fault)
                counters["kernel.faults.page"] = counters.get("kernel.faults.page", 0) + 1
                execute = ec in _INSTRUCTION_ABORTS
                # do_page_fault() works on untagged_addr(far): a tagged pointer's top byte
                # (top-byte-ignore for user addresses) names no other page.
                far = info.far              # (untagged_addr(far), inline: every fault)
                addr = far | 0xFF << 56 if far & 1 << 55 else far & ~(0xFF << 56)
                try:
                    res = t.process.mm.handle_fault(addr, not execute and bool(esr & ESR_WNR),
                                                    execute)
                except PageTableRefused as exc:
                    self.options.warnings.append(
                        f"page fault at {info.far:#x} in pid {t.pid}: {exc}; the process is killed")
                    self.signals.force(t, sig.SIGKILL, sig.pack_siginfo(sig.SIGKILL, sig.SI_KERNEL))
                    return
                if self.tracer.enabled:
                    self.tracer.emit("page_fault", pc=info.elr, addr=info.far,
                                     write=info.is_write, exec=info.is_instruction_abort,
                                     result=_FAULT_NAMES[res])
                if res == FaultResult.OK:
                    return
                if res == FaultResult.OOM:
                    self.options.warnings.append(
                        f"out of memory: killed pid {t.pid} ({t.process.exe})")
                    self.signals.force(t, sig.SIGKILL, sig.pack_siginfo(sig.SIGKILL, sig.SI_KERNEL))
                    return
                if res == FaultResult.SIGBUS:       # a file page past EOF (VM_FAULT_SIGBUS)
                    self.signals.force(t, sig.SIGBUS, sig.pack_siginfo(
                        sig.SIGBUS, sig.BUS_ADRERR, addr=info.far),
                        fault_address=info.far, esr=info.esr)
                    return
                code = sig.SEGV_MAPERR if res == FaultResult.SEGV_MAPERR else sig.SEGV_ACCERR
                self.signals.force(t, sig.SIGSEGV, sig.pack_siginfo(sig.SIGSEGV, code, addr=info.far),
                                   fault_address=info.far, esr=info.esr)
                return
            if fsc == 0x20 or info.fault_status == 0x21:    # alignment
                self.signals.force(t, sig.SIGBUS, sig.pack_siginfo(sig.SIGBUS, sig.BUS_ADRALN, addr=info.far),
                                   fault_address=info.far, esr=info.esr)
                return
            self.signals.force(t, sig.SIGBUS, sig.pack_siginfo(sig.SIGBUS, 2, addr=info.far),
                               fault_address=info.far, esr=info.esr)
            return
        if ec == _EC_SYSREG and self._emulate_counter_read(esr, info.elr):
            return
        self.stats.inc(f"kernel.faults.ec_{ec:#04x}")
        if ec in (ExceptionClass.PC_ALIGN, ExceptionClass.SP_ALIGN):
            self.signals.force(t, sig.SIGBUS, sig.pack_siginfo(sig.SIGBUS, sig.BUS_ADRALN, addr=info.elr),
                               esr=info.esr)
        elif ec == ExceptionClass.BRK64:
            self.signals.force(t, sig.SIGTRAP, sig.pack_siginfo(sig.SIGTRAP, sig.TRAP_BRKPT, addr=info.elr),
                               esr=info.esr)
        else:
            self.signals.force(t, sig.SIGILL, sig.pack_siginfo(sig.SIGILL, sig.ILL_ILLOPC, addr=info.elr),
                               esr=info.esr)

    def _emulate_counter_read(self, esr: int, elr: int) -> bool:
        """A trapped EL0 read of the timer's counter or frequency, answered as Linux's trap
        handlers do: Rt gets the virtual clock's count, the PC moves past the MRS."""
        read = counter_read(esr)
        if read is None:
            return False
        key, rt = read
        self.stats.inc("kernel.counter_reads")
        if rt != XZR:
            self.el1.set_reg(X_REGS[rt], counter_value(self.clock, key))
        self.el1.set_reg(UC_ARM64_REG_PC, elr + 4)
        return True

    # --- exit -----------------------------------------------------------------------
