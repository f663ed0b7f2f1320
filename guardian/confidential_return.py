"""The one way back to user code.

Every return to a confidential thread (RESUME, SIGNAL, a fork child's first run,
exec's first run, after rt_sigreturn) goes through `complete` and `enter_user`:
the same ELR and restart rules, the same layout (Iago) checks, the same register
restoration from the slot, the same EL0 view of the system registers.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Status
from abi.layout import (
    EINTR_RESULT,
    ERRNO_FLOOR,
    GUARDIAN_VBAR,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_FCNTL_GETOWN,
    NR_RT_SIGRETURN,
    READ_TRANSFERS,
    RESTART_RESULTS,
    RESTARTABLE,
    SVC0,
    TRANSFERS,
)
from emulator import sysregs as S
from emulator.descriptors import ADDR_MASK
from emulator.el1 import hand_over
from emulator.fastuc import CTX_PC
from guardian import checks, resident_args, thread_exit
from guardian.checks import refuse
from guardian.child_ids import bind_at_first_run
from guardian.clock_floors import TIMED_CALLS
from guardian.confidential_domains import Lifecycle
from guardian.confidential_events import EventFiles
from guardian.confidential_files import Descriptors
from guardian.confidential_layout import Layout
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SELF_SIGNAL_CALLS, SelfSignals
from guardian.el0_view import El0View
from guardian.fork_copy import SEALED
from guardian.interrupted_waits import CALLS as INTERRUPTED_CALLS
from guardian.interrupted_waits import check_interrupted
from guardian.pending_order import check_empty_wait, check_zero_poll
from guardian.result_rules import RESULT_ONLY, ResultRules, set_result
from guardian.signal_senders import KERNEL_SEND_ERRORS, SEND_CALLS
from guardian.slots import Domain, Slot
from guardian.state import MonitorState
from guardian.tid_words import TidWords
from guardian.user_memory import UserMemory


class ReturnPath:
    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 layout: Layout, lifecycle: Lifecycle, self_signals: SelfSignals,
                 el0: El0View, files: Descriptors, events: EventFiles) -> None:
        self.s = state
        self.files = files
        self.registry = registry
        self.memory = memory
        self.self_signals = self_signals
        self.el0 = el0
        self.cpu = state.cpus[0]
        #: The user memory a call may touch (UserAccess.call_ranges).
        self.call_ranges: Callable[[Slot], resident_args.Ranges] = lambda slot: []
        #: The rules on a syscall's result (calls outside `RESULT_ONLY`).
        self.results = ResultRules(state, registry, memory, layout, lifecycle, self_signals,
                                   files, events)
        self.tid_words = TidWords(registry, memory)
        #: threads' rseq areas: their ids and aborts at the return (guardian/rseq_areas.py)
        self.rseq = self.results.rseq

    def resume(self, slot_id: int, ret: int, elr: int) -> int:
        return self.serve_resume((slot_id, ret, elr), b"")[0]

    def serve_resume(self, args: tuple[int, ...], _payload: bytes) -> tuple[int, bytes]:
        """RESUME as the call table serves it (once per exception: the registry's
        lookups are written out here)."""
        slot_id, ret, elr = args
        reg = self.registry
        slot = reg.slots.get(slot_id)
        root = self.cpu.ttbr0 & ADDR_MASK
        domain_id = reg.root_domain.get(root)
        dom = reg.domains.get(domain_id) if domain_id else None
        if slot is None or dom is None or slot.domain != dom.id or slot.root != root:
            slot, dom = reg.live_slot(slot_id)      # refused, with the reason
        if slot.nr in SELF_SIGNAL_CALLS:
            self.self_signals.check(slot, dom, ret, elr)
        self.complete(slot, dom, ret, elr)
        del reg.slots[slot_id]
        reg.returns += 1
        self.enter_user(slot, dom)
        return 0, b""

    def complete(self, slot: Slot, dom: Domain, ret: int, elr: int,
                 handler_flags: int | None = None) -> None:
        """Finish what the slot was waiting for (its syscall's result, or a restart),
        after checking every rule; commits nothing unless all pass.  `handler_flags`:
        the sa_flags of the handler a signal enters at this return (None: none)."""
        reg = self.registry
        rseq_plan = None
        if self.rseq.areas:
            # __rseq_handle_notify_resume(), judged and read before anything is committed:
            # the abort after an interrupt, a switch or at a signal's delivery, the ids
            event = handler_flags is not None or slot.nr is None and slot.fault is None
            switched = reg.running != slot.thread
            if event or switched:
                rseq_plan = self.rseq.plan(slot, event, switched)
        if reg.groups_exited:               # (none exited: nothing to look up)
            self.check_group_alive(slot)
        if reg.reaped and reg.was_reaped(slot.root, slot.thread):
            refuse("return.reaped_child", Status.ERR_DENIED,
                   f"thread {slot.thread}'s process was reported reaped by its parent's "
                   "wait: it has ended and never returns to user code")
        if self.s.fork_copy.windows:        # (no fork copy open: no debt to settle)
            self.check_fork_debt(slot.root)
        if reg.vfork_done and (slot.root, slot.thread) in reg.vfork_done:
            refuse("return.vfork_held", Status.ERR_DENIED,
                   f"thread {slot.thread} is a vfork child whose parent already returned to "
                   "user code: the two would run interleaved on one stack and memory (the "
                   "parent is held until the child execs or exits)")
        expected = slot.elr if slot.shown_elr < 0 else slot.shown_elr    # slot.kernel_elr
        restart = (slot.nr is not None and slot.nr != NR_RT_SIGRETURN and elr == slot.elr - 4)
        if elr != expected and not restart:
            refuse("return.elr", Status.ERR_DENIED,
                   f"ELR {elr:#x} is neither the saved {expected:#x} nor a restart")
        if slot.nr in (NR_EXIT, NR_EXIT_GROUP):
            refuse("return.no_exit", Status.ERR_DENIED,
                   f"syscall {slot.nr} ends the thread: it never returns to user code")
        if reg.tid_cleared:
            thread_exit.check_return(reg, slot)
        if restart:
            if slot.nr not in RESTARTABLE or slot.children:
                refuse("return.restart_svc", Status.ERR_DENIED,
                       f"syscall {slot.nr} cannot be restarted here (not restartable, or it "
                       "already yielded a child)")
            moved = sum(end - start for start, end in slot.written) \
                if slot.nr in READ_TRANSFERS else slot.touched
            if slot.nr in TRANSFERS and moved:
                refuse("return.restart_untouched", Status.ERR_DENIED,
                       f"syscall {slot.nr} already moved {moved} bytes of the program's "
                       "buffers: it completed and cannot be restarted")
            insn = self.memory.read(elr, 4, slot.root)
            if insn is None or struct.unpack("<I", insn)[0] != SVC0:
                refuse("return.restart_svc", Status.ERR_DENIED,
                       f"a restart at {elr:#x} must re-run an SVC instruction")
            slot.ctx.set(CTX_PC, elr)
            if slot.nr in TIMED_CALLS:      # the re-run continues this wait's timeout
                self.results.clocks.note_restart(slot)
        elif slot.nr is not None and slot.nr != NR_RT_SIGRETURN:
            nr = slot.nr
            if ret in RESTART_RESULTS and \
                    (nr, slot.args[1] & 0xFFFF_FFFF) != NR_FCNTL_GETOWN:
                refuse("return.restart_code", Status.ERR_DENIED,
                       f"syscall {nr} answers -{(1 << 64) - ret}, a kernel-internal restart "
                       "code: Linux turns it into a restart or -EINTR before any return to "
                       "user code (include/linux/errno.h, arm64 do_signal())")
            resident_args.check(self.s.sealed_vas, self.call_ranges, self.memory, slot)
            if ret == EINTR_RESULT and nr in INTERRUPTED_CALLS:
                check_interrupted(self.files, slot, ret, handler_flags)
            if slot.polls_on is not None:   # (a zero-timeout ppoll/pselect6 it followed)
                check_zero_poll(slot.polls_on, ret)
            if slot.waits_on is not None:   # (a wait taking pending signals it followed)
                check_empty_wait(nr, slot.waits_on, ret)
            if nr in RESULT_ONLY and not slot.tid_stores:
                # No rule acts on it: the result only becomes x0 (set_result, inline:
                # a slot without a saved context still has its registers in the core).
                if slot.saved is None:
                    slot.core.live.x[0] = ret & 0xFFFF_FFFF_FFFF_FFFF  # type: ignore[union-attr]
                else:
                    set_result(slot, ret)
            else:
                self.results.check(slot, dom, ret, nr)
            if ret in KERNEL_SEND_ERRORS and handler_flags is None:   # (SIGNAL notes it)
                self.self_signals.sends.note_kernel_send(slot, ret)
            sends = self.self_signals.sends
            if sends.crossing and slot.id in sends.crossing:
                sends.returned(slot, ret)       # another process's kill(): pending there?
            if nr in SEND_CALLS and ret >= ERRNO_FLOOR:
                sends.failed(slot)              # (it queued nothing)
        if rseq_plan is not None:              # (last: nothing after it refuses)
            self.rseq.apply(slot, rseq_plan, self.cpu.index)
        if slot.creator:                    # a clone child's first run: its id is fixed
            bind_at_first_run(reg, self.tid_words, self.results.ids, slot)
            slot.creator = 0
        slot.nr = None
        slot.shown_elr = -1
        if reg.vfork_waiting:
            child = reg.vfork_waiting.pop((slot.root, slot.thread), None)
            if child is not None:       # a vfork parent runs again: its child is done here
                reg.vfork_done.add((slot.root, child))
                self.files.note_vfork_left(slot.root, child, reg.slots.values())

    def check_fork_debt(self, root: int) -> None:
        """User code of `root` is about to run, closing every fork copy window it is a side
        of: each child must hold every page its parent's private areas held at the fork
        (its frame, a checked COPY_PAGE copy of it, or a claim on the sealed page), except
        where the program's fork advice left the range empty or out."""
        s = self.s
        for child, owed in s.fork_copy.closing(root):
            if not owed.pages:
                continue
            have = dict(s.tables.leaves_below(child, 0, 0))
            parent_now: dict[int, int] | None = None
            for va, want in sorted(owed.pages.items()):
                got = have.get(va)
                if got is not None and got == want or s.sealed(child, va):
                    continue
                if got is not None:
                    # The parent's page moved since the fork (MIGRATE_PAGE, a swap-in): the
                    # child shares the frame the parent holds there now.
                    if parent_now is None:
                        parent_now = dict(s.tables.leaves_below(owed.parent, 0, 0))
                    if parent_now.get(va) == got:
                        continue
                refuse("fork.child_inherits", Status.ERR_DENIED,
                       f"fork child tree {child:#x} holds no copy of its parent's page at "
                       f"{va:#x} ({'sealed' if want == SEALED else f'frame {want:#x}'}), which "
                       "the program gave no fork advice: the child would find a fresh zero "
                       "page where its parent's memory was")

    def check_group_alive(self, slot: Slot) -> None:
        """Linux ends every thread of a group at its exit_group: none runs user code again."""
        if self.registry.group_exited(slot.root, slot.thread):
            refuse("return.after_exit_group", Status.ERR_DENIED,
                   f"a thread of thread {slot.thread}'s group called exit_group: every thread "
                   "of the group has ended and none returns to user code")

    def enter_user(self, slot: Slot, dom: Domain) -> None:
        """Hand the core to the slot's thread: its registers, the Guardian's vectors and
        EL0 view; the kernel's EL1 face is shut until the next exception."""
        s = self.s
        reg = self.registry
        reg.running = slot.thread              # the next exception on this core is its
        runs = reg.user_runs
        runs[slot.root] = runs.get(slot.root, 0) + 1
        fork_copy = s.fork_copy
        if fork_copy.windows:                  # the fork copy of (or from) this tree is over
            fork_copy.ran(slot.root)
        cpu = self.cpu
        if slot.core is not cpu or not cpu.release_held(slot):
            cpu.restore_context(slot.ctx)      # (registers still in the core stay there)

        # EPD0 clear (no flush: see KernelView.set) and the Guardian's vectors.
        cpu.set_el1_view(cpu.tcr & ~S.TCR_EPD0, GUARDIAN_VBAR)
        self.el0.enter_user()
        counters = s.stats.counters
        counters["guardian.resumes"] = counters.get("guardian.resumes", 0) + 1
        if checks.MUTATED != "return.lock_el1":     # MonitorState.lock_el1(True), inline
            hand_over(s.el1_faces, True, s.clrex_va)
