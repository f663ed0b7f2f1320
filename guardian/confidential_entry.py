"""Exception entry from a confidential thread: the Guardian's vector table.

While a confidential thread runs, VBAR_EL1 names the Guardian's vector table.
Every exception from it enters here first: the full register file is saved in
a Guardian-owned slot, the CPU is scrubbed down to what the kernel is owed
(syscall number and arguments; the fault address's page and syndrome; nothing
at an interrupt), TCR_EL1.EPD0 is set so the kernel cannot walk the user half, the
kernel's EL1 configuration is put back, and the kernel's own vector is called.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi.layout import (
    GUARDIAN_VBAR,
    NR_EXIT_GROUP,
    NR_RT_SIGRETURN,
    NR_SIGALTSTACK,
    SLOT_REGISTER,
    SVC_NR_MASK,
    SVC_NR_REGISTER,
)
from abi.syscalls import NUMBERS, SYSCALL_ARITY
from emulator.cpu import REG_PC, REG_SP
from emulator.descriptors import ADDR_MASK
from emulator.el0_counter import XZR, counter_read, counter_value
from emulator.el1 import hand_over
from emulator.exceptions import ExceptionClass, ExceptionInfo, VectorTable
from emulator.fastuc import CTX_PC, UserContext
from emulator.livestate import X_REGS
from emulator.sysregs import TCR_EPD0
from guardian import checks
from guardian.capset_sets import CALLS as CAPSET_CALLS
from guardian.capset_sets import note_entry as note_capset
from guardian.checks import Refused
from guardian.child_exits import EXIT_CALLS, note_exit_asked
from guardian.clock_floors import SLEEP_CALLS, TIMED_CALLS, note_request
from guardian.confidential_events import AT_ENTRY as _EVENT_STRUCT_CALLS
from guardian.confidential_events import EventFiles
from guardian.confidential_registry import Registry
from guardian.confidential_signals import Signals
from guardian.credentials import note_groups
from guardian.el0_view import El0View
from guardian.first_tests import ENTRY_CALLS as FIRST_TEST_ENTRY
from guardian.first_tests import note_entry as note_first_test
from guardian.futex_caps import FUTEX_CALLS
from guardian.futex_caps import note_entry as note_futex
from guardian.futex_pi import CALLS as FUTEX_PI_CALLS
from guardian.futex_pi import note as note_futex_found
from guardian.futex_values import note_reach as note_futex_reach
from guardian.futex_values import note_wait as note_futex_word
from guardian.handle_overflow import CALL as _NR_NAME_TO_HANDLE_AT
from guardian.handle_overflow import note_handle
from guardian.itimer_bounds import NOTED_AT_ENTRY as _ITIMER_NOTED
from guardian.itimer_bounds import note_new_value
from guardian.kernel_view import KernelView
from guardian.memfd_mapped import IOVEC_CALLS, note_iovecs
from guardian.mm_untag import UNTAGGED_FIRST, untag_first
from guardian.no_aio import CALLS as NO_AIO_CALLS
from guardian.no_aio import SHOWN_NR as NO_AIO_SHOWN
from guardian.number_folding import ByNumber
from guardian.pending_order import MASK_CALLS as ORDER_MASK_CALLS
from guardian.pending_order import SAFE_CALLS as ORDER_SAFE_CALLS
from guardian.pending_order import drop_quiet
from guardian.pending_order import keeps as order_keeps
from guardian.pending_order import snapshot as snapshot_pending
from guardian.poll_masks import (
    NR_EPOLL_PWAIT2,
    installs_no_mask,
    note_epoll_timeout,
    poll_unblocked,
)
from guardian.poll_masks import POLLS as MASKED_POLLS
from guardian.quiet_ranges import CALLS as QUIET_CALLS
from guardian.quiet_ranges import note as note_quiet
from guardian.quiet_ranges import noted as quiet_noted
from guardian.result_values import ASKED_CALLS, note_asked
from guardian.signal_senders import SEND_CALLS
from guardian.slots import PAGE, Domain, Slot
from guardian.sole_files import V2
from guardian.sole_moves import OFFSET_MOVES
from guardian.sole_moves import note_entry as note_move
from guardian.state import MonitorState
from guardian.unshare_alone import note_exit as note_exit_live

if TYPE_CHECKING:
    from emulator.cpu import Cpu

_IRQ_VECTORS = frozenset((0x480, 0x500, 0x580))
_EC_SVC64 = int(ExceptionClass.SVC64)
_EC_SYSREG = int(ExceptionClass.SYSREG)
_EC_DATA_ABORT = frozenset((int(ExceptionClass.DABT_LOWER), int(ExceptionClass.DABT_SAME)))
_EC_INSN_ABORT = frozenset((int(ExceptionClass.IABT_LOWER), int(ExceptionClass.IABT_SAME)))
_EC_ABORT = _EC_DATA_ABORT | _EC_INSN_ABORT
_PAGE_MASK = ~(PAGE - 1)
_ARITY = SYSCALL_ARITY
_X0_X5 = struct.Struct("<6Q")
_PIPE_READS = frozenset((NUMBERS["read"], NUMBERS["readv"]))
_NR_SETGROUPS = NUMBERS["setgroups"]
_NR_PIPE2 = NUMBERS["pipe2"]


class ExceptionEntry:
    def __init__(self, state: MonitorState, registry: Registry, kernel_view: KernelView,
                 el0: El0View, signals: Signals, events: EventFiles) -> None:
        self.s = state
        self.events = events
        self.registry = registry
        self.kernel_view = kernel_view
        self.el0 = el0
        self.signals = signals
        self.cpu = state.cpus[0]
        self._vector_tables = state.machine.vectors.tables
        self._counters = state.stats.counters
        state.machine.vectors.register(GUARDIAN_VBAR, VectorTable(
            "guardian", {0x400: self.enter, 0x480: self.enter}))

    def enter(self, cpu: Cpu, info: ExceptionInfo) -> None:
        # Once per exception: the lookups and small steps of the helpers this calls
        # elsewhere are written out here (each call is a sizeable share of the cost).
        reg = self.registry
        root = self.cpu.ttbr0 & ADDR_MASK
        domain_id = reg.root_domain.get(root)       # Registry.domain_of_root
        dom = reg.domains.get(domain_id) if domain_id else None
        kernel_view = self.kernel_view
        kernel_table = self._vector_tables.get(kernel_view.kernel_vbar & ~0x7FF)
        if dom is None or kernel_table is None:
            # Guardian's table while nothing confidential runs: pass straight on.
            kernel_view.set(False)
            handler = kernel_table.handler(info.vector_offset) if kernel_table else None
            if handler is not None:
                handler(cpu, info)
            return
        s = self.s
        # (ESR_EL1 is 32 bits wide: the shift alone gives the class.)
        if info.esr >> 26 == _EC_SYSREG and self._counter_read(cpu, info):
            return
        counters = self._counters
        counters["guardian.entries"] = counters.get("guardian.entries", 0) + 1
        hand_over(s.el1_faces, False, s.clrex_va)      # MonitorState.lock_el1(False)
        if self.el0.kernel_values is not None:
            self.el0.leave_user()
        vector = info.vector_offset
        esr = info.esr
        far = info.far
        ec = (esr >> 26) & 0x3F
        if vector == 0x400 and ec == _EC_SVC64:
            live_x = cpu.live.x
            # The number is w8 (el0_svc_common()'s int scno): x8's upper half is no part of it.
            nr: int | None = live_x[SVC_NR_REGISTER] & SVC_NR_MASK
            args: tuple[int, ...] = _X0_X5.unpack_from(live_x)
            if nr in UNTAGGED_FIRST:    # (tested here: every syscall passes this way)
                # (mprotect, munmap, mremap, madvise, ...: x0 as untagged_addr() gives it)
                args = untag_first(nr, args)
            fault = None
        else:
            nr, args = None, ()
            fault = None if vector in _IRQ_VECTORS else (esr, far)
        # The register file is the slot's from here on.  Usually it stays in the core
        # (Cpu.hold_user: the kernel sees only the scrubbed view below, and a return that
        # nothing else needed restores nothing); saved at once where the saved context is
        # needed anyway: an interrupt (the kernel switches threads next), rt_sigreturn
        # (its frame is read now), and a build without the scrub.
        eager = (vector in _IRQ_VECTORS or nr == NR_RT_SIGRETURN
                 or checks.MUTATED == "entry.scrub_registers")
        if eager:
            slot = reg.add_slot(dom.id, cpu.save_context(UserContext()), info.elr, nr, args,
                                root=root, thread=reg.running, fault=fault)
        else:
            slot = reg.add_slot(dom.id, None, info.elr, nr, args, root=root,
                                thread=reg.running, fault=fault, core=cpu)
        # What the call passes that its checks at return need, noted now (compiled per
        # number: number_folding).
        shown_sp = _NOTE_BY_NUMBER[nr](self, cpu, slot, dom, root, nr, args)
        if nr is None:
            if vector in _IRQ_VECTORS:
                if checks.enabled("entry.hide_irq_pc"):
                    slot.shown_elr = 0    # an interrupt owes the kernel nothing about where
            else:
                # (checks.enabled, asked only where a build may lack a check or a harness
                # records what was reached: every fault comes this way)
                intact = not checks.MUTATED and checks.REACHED is None
                if ec in _EC_DATA_ABORT and (intact or checks.enabled("entry.hide_fault_pc")):
                    slot.shown_elr = 0    # a data abort owes it the address and syndrome only
                if ec in _EC_ABORT and (intact or checks.enabled("entry.hide_fault_offset")):
                    # The kernel is owed the page, not where in it the access fell: arm64's
                    # do_page_fault() hands handle_mm_fault() the address, which works on
                    # its page; the exact address matters only for a fault signal's
                    # si_addr, and a confidential thread's comes from the Guardian's
                    # record (slot.fault keeps it).  Linux itself hands a userfaultfd
                    # reader the page (handle_userfault(): PAGE_MASK unless
                    # UFFD_FEATURE_EXACT_ADDRESS).  Nor is it owed a tagged pointer's
                    # top byte: do_page_fault() works on untagged_addr(far) (bit 55
                    # sign-extended), and the tag reaches only the thread's own handler
                    # (SA_EXPOSE_TAGBITS).  An instruction abort's ELR is its fault
                    # address too: not shown either.
                    # (untagged_addr(far), inline)
                    far = (far | 0xFF << 56 if far & 1 << 55 else far & ~(0xFF << 56)) \
                        & _PAGE_MASK
                    if ec in _EC_INSN_ABORT:
                        slot.shown_elr = 0
        # rt_sigreturn: the kernel is told only the signal mask the frame restores, and the
        # slot now resumes where the frame says.
        mask = self._sigreturn_mask(slot) if nr == NR_RT_SIGRETURN else 0
        kernel_elr = slot.elr if slot.shown_elr < 0 else slot.shown_elr   # Slot.kernel_elr
        # The ELx registers hold only what the kernel is owed (no flags, no PC at an IRQ).
        entry_registers: list[int | None] = [esr, kernel_elr, far, 0]
        if checks.MUTATED != "entry.scrub_registers":
            # x0-x30 all zero but what the kernel is owed: the call's own arguments and
            # number, and the slot.
            owed = [0] * 31
            if nr is not None:
                if nr == NR_RT_SIGRETURN:
                    owed[0] = mask
                elif nr not in NO_AIO_CALLS:
                    # Only the argument registers the call takes; an unknown number takes none.
                    arity = _ARITY.get(nr, 0) if checks.MUTATED != "entry.syscall_arity" else 6
                    owed[:arity] = args[:arity]
                # An aio or io_uring call is shown as a number Linux has no call for, with
                # no argument: its sys_ni_syscall() answers -ENOSYS (no_aio.py).
                owed[SVC_NR_REGISTER] = NO_AIO_SHOWN if nr in NO_AIO_CALLS else nr
            owed[SLOT_REGISTER] = slot.id
            if eager:
                cpu.load_scrubbed(owed, kernel_elr, entry_registers)
            else:
                cpu.hold_user(slot, owed, kernel_elr, entry_registers)
            if shown_sp is not None:
                cpu.set_reg(REG_SP, shown_sp)   # (the scrubbed view's; the user's is kept)
        else:
            scrubbed = slot.ctx.copy()
            sdata = scrubbed.data
            sdata[2 * SLOT_REGISTER] = slot.id
            sdata[2 * CTX_PC] = kernel_elr
            cpu.restore_context(scrubbed)
            cpu.set_entry_registers(*entry_registers)
        # KernelView.set(True): EPD0 on, the kernel's own vectors.
        view_cpu = kernel_view.cpu
        view_cpu.set_el1_view(view_cpu.tcr | TCR_EPD0, kernel_view.kernel_vbar or view_cpu.vbar)
        if s.tracer.enabled:
            s.tracer.emit("guardian_call", pc=kernel_elr, call="entry", slot=slot.id,
                          syscall=nr, domain=dom.id)
        handler = kernel_table.entries.get(vector)
        if handler is not None:
            # The kernel's vector gets this exception's record as the ELx registers now
            # hold it (the record is the core's for this one exception only).
            info.elr = kernel_elr
            info.far = far
            info.spsr = 0
            handler(cpu, info)

    def note_call(self, cpu: Cpu, slot: Slot, dom: Domain, root: int, nr: int | None,
                  args: tuple[int, ...]) -> int | None:
        """At entry, what the checks at the call's return need noted before the kernel
        runs (the structs, sets, timeouts and offsets as the program passed them; the
        futex words; what is known of pending signals); the SP a sigaltstack() call
        shows the kernel.  Each test of `nr` names a module-level constant."""
        reg = self.registry
        shown_sp = self._altstack_sp(slot, cpu) if nr == NR_SIGALTSTACK else None
        if nr in _EVENT_STRUCT_CALLS:
            self.events.note_entry(slot)     # the struct as the program passed it
        elif nr in ASKED_CALLS:
            note_asked(self.events.memory, slot)   # the sets as the program passed them
        elif nr in SLEEP_CALLS:
            note_request(self.events.memory, slot)  # the request, before rem overwrites it
        elif nr == NR_EPOLL_PWAIT2:
            note_epoll_timeout(self.events.memory, slot)   # the timespec the wait copies
        if nr == _NR_NAME_TO_HANDLE_AT:
            note_handle(self.events.memory, slot)   # the handle's bytes (round 87)
        if nr == _NR_SETGROUPS:
            note_groups(self.events.memory, slot)   # the list, as groups_from_user() reads it
        elif nr in CAPSET_CALLS:
            note_capset(self.events.memory, slot)   # the header and sets sys_capset() copies
        if nr in FIRST_TEST_ENTRY:
            note_first_test(self.events.memory, slot)   # fgetxattr's name (round 88b)
        if nr in TIMED_CALLS:                   # (after its timeout was kept above)
            self.signals.returns.results.clocks.note_wait(slot)
        if nr in FUTEX_CALLS:
            space = reg.space(dom, root)
            note_futex(slot, space, reg.slots.values(), dom)
            note_futex_word(self.events.memory, space, slot, reg.slots.values(),
                            reg.user_runs.get(root, 0), reg.tid_cleared)
            note_futex_reach(self.events.memory, dom, space, slot, reg.slots.values(),
                             reg.user_runs.get(root, 0))
        elif nr in _ITIMER_NOTED:
            note_new_value(self.events.memory, slot)  # the new value, before old overwrites it
        if nr in OFFSET_MOVES:
            note_move(self.events.memory, slot)    # the offsets, before they move on
        # (preadv2/pwritev2, whatever the file: return.move_args asks whether their
        # iovecs held bytes, before which Linux looks at no RWF flag)
        if nr in IOVEC_CALLS and (nr in V2 or
                                  self.signals.returns.files.memfd(slot, args[0])):
            note_iovecs(self.events.memory, slot)  # the iovecs as import_iovec() copies them
        if nr in FUTEX_PI_CALLS:                # the words a futex call finds (futex_pi)
            note_futex_found(self.events.memory, reg.space(dom, root), slot,
                             reg.slots.values(), reg.user_runs.get(root, 0), reg.tid_cleared)
        if nr in QUIET_CALLS and quiet_noted(nr, args):
            note_quiet(slot, dom, reg.slots.values(), reg.user_runs, reg.tid_cleared)
        self_signals = self.signals.self_signals
        if nr is not None and (nr not in ORDER_SAFE_CALLS or nr in ORDER_MASK_CALLS) and \
                not self._reads_pipe(slot):
            # A call that may take, flush or redirect a pending signal: what
            # pending_order.py knew of the space's pending signals ends.
            # (One that takes signals of a set it names keeps a copy to take from.)
            signal_state = self_signals.signal_states.get(root)
            if signal_state is not None:
                signal_state.epoch += 1
                if nr in ORDER_MASK_CALLS:
                    drop_quiet(signal_state.sure)
                if signal_state.sure and nr not in ORDER_SAFE_CALLS and \
                        not order_keeps(nr, args) and not (
                            nr in MASKED_POLLS and installs_no_mask(self.events.memory, slot)):
                    wait_set = self.events.wait_set(slot)
                    if wait_set is not None:
                        slot.waits_on = (wait_set, snapshot_pending(signal_state.sure))
                    elif nr in MASKED_POLLS:
                        unblocked = poll_unblocked(self.events.memory, slot)
                        if unblocked is not None:
                            slot.polls_on = (unblocked, snapshot_pending(signal_state.sure))
                    signal_state.sure.clear()
        if nr in SEND_CALLS:
            self_signals.sends.note(       # a sender the Guardian saw
                slot, self.signals.returns.files.pidfd_target(slot), self.events.memory)
        if nr in EXIT_CALLS:
            if nr == NR_EXIT_GROUP:
                # Linux ends every thread of the group now, whatever the kernel does next.
                reg.groups_exited.add((slot.root, reg.group_of(slot.root, slot.thread)))
            note_exit_asked(reg, slot)       # the code a report of its end may carry
            note_exit_live(reg, slot)        # (it may be gone from now on)
        return shown_sp

    def _counter_read(self, cpu: Cpu, info: ExceptionInfo) -> bool:
        """A trapped read of the timer's counter, served here as a hypervisor serves a
        trapped counter: Rt gets the machine's count (the virtual clock), the PC moves past
        the MRS and the program goes on at EL0; the kernel never sees the exception, so it
        cannot choose the value or make the count go backwards."""
        read = counter_read(info.esr) if info.vector_offset == 0x400 else None
        if read is None or not checks.enabled("entry.counter_read"):
            return False
        key, rt = read
        clock = self.s.clock
        clock.charge_pair("exception_entry", "exception_return")
        counters = self._counters
        counters["guardian.counter_reads"] = counters.get("guardian.counter_reads", 0) + 1
        if rt != XZR:
            cpu.set_reg(X_REGS[rt], counter_value(clock, key))
        cpu.set_reg(REG_PC, info.elr + 4)
        return True

    def _altstack_sp(self, slot: Slot, cpu: Cpu) -> int:
        """The SP a sigaltstack() call shows the kernel: inside the thread's alternate
        stack exactly when the thread runs on it (do_sigaltstack() answers SS_ONSTACK,
        and refuses a change with EPERM, by on_sig_stack(sp)), else 0.  The kernel is owed
        that one bit of where the thread runs, not the address."""
        stack = self.signals.self_signals.thread_signals(slot.root, slot.thread).altstack
        if stack is None or not stack[1]:
            return 0
        ss_sp, ss_size = stack
        sp = cpu.reg(REG_SP)
        return ss_sp + ss_size // 2 if ss_sp < sp <= ss_sp + ss_size else 0

    def _sigreturn_mask(self, slot: Slot) -> int:
        try:
            return self.signals.sigreturn(slot)
        except Refused as r:
            self.s.record("sigreturn", r)
            return 0

    def _reads_pipe(self, slot: Slot) -> bool:
        """A read or readv of a pipe the program made (pipe2), the table steady: it
        neither takes nor flushes a pending signal (pipe_read()), so what pending_order.py
        knows holds across it."""
        if slot.nr not in _PIPE_READS:
            return False
        files = self.signals.returns.files
        f = files.open_file(slot, slot.args[0])
        return f is not None and f.maker == _NR_PIPE2 and files.steady(slot)


#: `ExceptionEntry.note_call` per syscall number (None: a fault or an interrupt), its
#: tests of the number folded away.
_NOTE_BY_NUMBER = ByNumber(ExceptionEntry.note_call)
