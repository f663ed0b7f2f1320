"""The one way back to user code.

Every return to a confidential thread (RESUME, SIGNAL, a fork child's first run,
exec's first run, after rt_sigreturn) goes through `complete` and `enter_user`:
the same ELR and restart rules, the same layout (Iago) checks, the same register
restoration from the slot, the same EL0 view of the system registers.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    GUARDIAN_VBAR,
    NR_CLONE,
    NR_CLONE3,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_GETRANDOM,
    NR_PREAD64,
    NR_READ,
    NR_RT_SIGACTION,
    NR_RT_SIGRETURN,
    NR_RT_SIGTIMEDWAIT,
    NR_SET_ROBUST_LIST,
    NR_SET_TID_ADDRESS,
    NR_SIGALTSTACK,
    READ_TRANSFERS,
    RESTARTABLE,
    SS_DISABLE,
    SVC0,
    TRANSFERS,
)
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.descriptors import ADDR_MASK
from emulator.el1 import hand_over
from emulator.fastuc import CTX_PC
from guardian import checks, thread_exit
from guardian.capabilities import LONG_LIVED, NotPresent, expand
from guardian.checks import FaultIn, refuse
from guardian.child_exits import CALLS as _END_REPORTS
from guardian.child_exits import check_report as check_end_report
from guardian.clock_floors import CALLS as _CLOCK_CALLS
from guardian.clock_floors import CPU_TIME_CALLS, ClockFloors, CpuTimeFloors
from guardian.confidential_domains import UNMAPPING_CALLS, Lifecycle
from guardian.confidential_events import CALLS as _EVENT_CALLS
from guardian.confidential_events import EventFiles
from guardian.confidential_files import CALLS as _FD_CALLS
from guardian.confidential_files import Descriptors
from guardian.confidential_layout import LAYOUT_CALLS, Layout
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SELF_SIGNAL_CALLS, SIGNAL_STATE_CALLS, SelfSignals
from guardian.confidential_sigmask import check_sigwait_result
from guardian.el0_view import El0View
from guardian.fork_copy import SEALED
from guardian.given_back import check_given_back
from guardian.itimer_bounds import CALLS as _ITIMER_CALLS
from guardian.itimer_bounds import ItimerBounds
from guardian.random_moves import CALLS as _MOVE_CALLS
from guardian.random_moves import RANDOM_DEVICES, check_random_moved
from guardian.result_bounds import CALLS as _COUNTED_CALLS
from guardian.result_bounds import check_count, check_offload, check_written
from guardian.result_cpu import CALLS as _CPU_CALLS
from guardian.result_cpu import check_cpu_numbers
from guardian.result_outputs import UNJUDGED as _OUTPUTS_UNJUDGED
from guardian.result_outputs import check_outputs
from guardian.result_ranges import ID_CALLS as _ID_CALLS
from guardian.result_ranges import MAKER_CALLS as _MAKER_CALLS
from guardian.result_ranges import VALUE_CALLS as _VALUE_CALLS
from guardian.result_ranges import IdRanges, check_ranges
from guardian.result_records import CALLS as _RECORD_CALLS
from guardian.result_records import check_records
from guardian.result_records import record as record_queue
from guardian.slots import Domain, Slot
from guardian.state import MonitorState
from guardian.timer_ids import CALLS as _TIMER_CALLS
from guardian.user_memory import UserMemory
from guardian.wait_reaped import CALLS as _WAIT_CALLS
from guardian.wait_reaped import asked_pid, end_child, reaped_pid

_ERRNO_FLOOR = (1 << 64) - 4095

#: The syscalls whose arguments name memory the kernel keeps using afterwards.
_LONG_LIVED_BY_NR = {NR_SET_ROBUST_LIST: LONG_LIVED["set_robust_list"]}
#: The syscalls `_commit` and `_note_child_pid` record something for (the others pass by).
_COMMITTED_BY_NR = frozenset({NR_SIGALTSTACK, NR_RT_SIGACTION, NR_SET_TID_ADDRESS,
                              *_LONG_LIVED_BY_NR})
_CHILD_PID_NRS = frozenset({NR_CLONE, NR_CLONE3})
#: The reads of one buffer (fd, buf, count) and of an iovec array (fd, iov, iovcnt).
_BUFFER_READS = frozenset({NR_READ, NR_PREAD64})
_VECTOR_READS = frozenset(NUMBERS[n] for n in ("readv", "preadv", "preadv2"))
_MAX_IOV = 1024                      # UIO_MAXIOV
_ENTROPY_READS = _BUFFER_READS | _VECTOR_READS
#: execve and execveat come back to the image that made them only when they failed.
_EXEC_NRS = frozenset(NUMBERS[n] for n in ("execve", "execveat"))
#: The calls no rule of `ReturnPath._check_result` acts on (each asks by number): their
#: result only becomes x0.  (A test reads that method's number tests against this.)
_RESULT_ONLY = _OUTPUTS_UNJUDGED - (
    _COUNTED_CALLS | _CPU_CALLS | _MOVE_CALLS | _RECORD_CALLS | _WAIT_CALLS | _ENTROPY_READS
    | UNMAPPING_CALLS | _FD_CALLS | _TIMER_CALLS | _EVENT_CALLS | LAYOUT_CALLS
    | _COMMITTED_BY_NR | _CHILD_PID_NRS | SIGNAL_STATE_CALLS | _END_REPORTS
    | _EXEC_NRS | _CLOCK_CALLS | _ID_CALLS | _VALUE_CALLS | _ITIMER_CALLS | CPU_TIME_CALLS
    | {NR_SIGALTSTACK, NR_RT_SIGTIMEDWAIT, NR_GETRANDOM})


def _set_result(slot: Slot, ret: int) -> None:
    """x0 of the slot's thread is the result (slot.ctx.set(0, ret), in the core if its
    registers are still there)."""
    core = slot.core
    if core is not None and core.holds(slot):
        core.live.x[0] = ret & 0xFFFF_FFFF_FFFF_FFFF
    else:
        ctx_data = slot.ctx.data
        ctx_data[0] = ret & 0xFFFF_FFFF_FFFF_FFFF
        ctx_data[1] = 0


class ReturnPath:
    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 layout: Layout, lifecycle: Lifecycle, self_signals: SelfSignals,
                 el0: El0View, files: Descriptors, events: EventFiles) -> None:
        self.s = state
        self.files = files
        self.events = events
        self.registry = registry
        self.memory = memory
        self.layout = layout
        self.lifecycle = lifecycle
        self.self_signals = self_signals
        self.el0 = el0
        self.cpu = state.cpus[0]
        self.serve_entropy = True       # getrandom answered from the Guardian's entropy
        self.clocks = ClockFloors(memory, files)
        self.ids = IdRanges(registry, memory)
        self.itimers = ItimerBounds(registry, memory)
        self.cpu_times = CpuTimeFloors(registry, memory)

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
        self.enter_user(slot, dom)
        return 0, b""

    def complete(self, slot: Slot, dom: Domain, ret: int, elr: int) -> None:
        """Finish what the slot was waiting for (its syscall's result, or a restart),
        after checking every rule; commits nothing unless all pass."""
        reg = self.registry
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
        elif slot.nr is not None and slot.nr != NR_RT_SIGRETURN:
            nr = slot.nr
            if nr in _RESULT_ONLY and not slot.tid_stores:
                # No rule acts on it: the result only becomes x0 (_set_result, inline:
                # a slot without a saved context still has its registers in the core).
                if slot.saved is None:
                    slot.core.live.x[0] = ret & 0xFFFF_FFFF_FFFF_FFFF  # type: ignore[union-attr]
                else:
                    _set_result(slot, ret)
            else:
                self._check_result(slot, dom, ret, nr)
        slot.nr = None
        slot.shown_elr = -1
        if reg.vfork_waiting:
            child = reg.vfork_waiting.pop((slot.root, slot.thread), None)
            if child is not None:       # a vfork parent runs again: its child is done here
                reg.vfork_done.add((slot.root, child))
                self.files.note_vfork_left(slot.root, child, reg.slots.values())

    def _check_result(self, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
        """Every rule on a syscall's result, then what it commits (x0 among it)."""
        reg = self.registry
        if nr in _CHILD_PID_NRS and ret == 0:
            # Only the child sees 0, and the child's context is the Guardian's own.
            refuse("return.clone_zero", Status.ERR_DENIED, "clone returned 0 to the parent")
        if nr in _CHILD_PID_NRS and slot.children and ret >= 1 << 63:
            refuse("return.clone_child_id", Status.ERR_DENIED,
                   f"the clone yielded a child, yet the parent is told it failed ({ret:#x})")
        for va, value in slot.tid_stores:
            if value != ret:
                refuse("uaccess.tid_word", Status.ERR_DENIED,
                       f"the clone stored {value:#x} in the TID word at {va:#x}, yet "
                       f"returns {ret:#x}: the word holds the TID the clone returns")
        if nr in _EXEC_NRS and ret < _ERRNO_FLOOR:
            refuse("return.exec_failed_only", Status.ERR_DENIED,
                   f"exec returned {ret:#x} to the image it replaces: success starts the "
                   "new image, so the old one sees only a negative errno")
        # Each result check acts on its own calls only; asking by number first keeps
        # the other calls (most of them) from paying for every check's call.
        if nr in _COUNTED_CALLS:
            check_count(self.memory, slot, ret)
            check_written(self.memory, slot, ret)
            check_offload(slot, ret)
        if nr not in _OUTPUTS_UNJUDGED:        # an allow-list: no row, no success
            check_outputs(self.memory, slot, ret, self.files.access,
                          len(self.s.cpus))
        if nr in _CPU_CALLS:
            check_cpu_numbers(self.memory, slot, ret, len(self.s.cpus),
                              max(1, len(self.s.machine.config.nodes)))
        clock_shown = self.clocks.check(slot, ret) if nr in _CLOCK_CALLS else None
        pid_shown = self.ids.check(slot, ret) if nr in _ID_CALLS else None
        itimer_set = self.itimers.check(slot, ret) if nr in _ITIMER_CALLS else None
        cpu_shown = self.cpu_times.check(slot, ret) if nr in CPU_TIME_CALLS else None
        if nr in _VALUE_CALLS:
            check_ranges(self.memory, slot, ret,
                         self.files.maker_of(slot, slot.args[0]) if nr in _MAKER_CALLS else None)
        if nr in _MOVE_CALLS and self.serve_entropy:
            check_random_moved(self.files, slot, ret)
        record_call = nr in _RECORD_CALLS
        if record_call:
            check_records(self.memory, self.files, slot, ret)
        reaped = reaped_pid(self.memory, slot, ret) if nr in _WAIT_CALLS else 0
        if nr in _END_REPORTS:
            check_end_report(self.memory, reg, slot, ret)
        if nr == NR_SIGALTSTACK:
            self._need_altstack_struct(slot, ret)
        elif nr == NR_RT_SIGTIMEDWAIT:
            check_sigwait_result(self.memory, slot, ret)
        waited = self.self_signals.sends.check_waited(self.memory, slot, ret) \
            if nr == NR_RT_SIGTIMEDWAIT else None
        entropy = self._random_read_targets(slot, ret) if nr in _ENTROPY_READS else None
        # Each of these acts on the calls its module lists only: the others skip the call.
        unmapped = self.lifecycle.unmapped_by(slot, ret) if nr in UNMAPPING_CALLS else None
        if unmapped:           # (before the layout records the result)
            check_given_back(slot, reg.space(dom, slot.root), ret, unmapped,
                             self.layout.pages_in)
        fd_call = nr in _FD_CALLS
        if fd_call:
            self.files.check(slot, ret)
        timer_call = nr in _TIMER_CALLS
        if timer_call:
            self.files.timers.check(slot, ret)
        event_call = nr in _EVENT_CALLS
        if event_call:
            self.events.check(slot, ret)
        iago = self.layout.check(slot, dom, ret) if nr in LAYOUT_CALLS else ""
        if iago:
            refuse("return.layout", Status.ERR_DENIED, f"memory-layout Iago: {iago}")
        if fd_call:
            self.files.record(slot, ret)
        if timer_call:
            self.files.timers.record(slot, ret)
        if record_call:
            record_queue(self.memory, self.files, slot, ret)
        if event_call:
            self.events.record(slot, ret)
        _set_result(slot, ret)
        if clock_shown is not None:
            self.clocks.commit(slot, clock_shown)
        if pid_shown is not None:
            self.ids.commit(slot, ret, pid_shown)
        if itimer_set is not None:
            self.itimers.commit(slot, itimer_set)
        if cpu_shown:
            self.cpu_times.commit(slot, cpu_shown)
        if nr in _COMMITTED_BY_NR:
            self._commit(slot, dom, ret)
        if nr in _CHILD_PID_NRS:
            self._note_child_pid(slot, ret)
        if reaped:
            end_child(reg, self.files, slot.root, reaped)
            asked = asked_pid(slot)
            if asked and asked != reaped:
                end_child(reg, self.files, slot.root, asked)
        if nr in SIGNAL_STATE_CALLS:
            self.self_signals.note_signal_state(slot, ret)
        if nr == NR_RT_SIGTIMEDWAIT:
            reg.exits.commit_sigchld(slot.id, slot.root)
        if waited:
            self.self_signals.sends.take(waited, slot)
        if unmapped:
            self.s.on_unmapped(slot.root, unmapped)
        if nr == NR_GETRANDOM and self.serve_entropy and checks.enabled("return.getrandom"):
            self._serve_random(slot, ret, [(slot.args[0], slot.args[1])])
        elif entropy:
            self._serve_random(slot, ret, entropy)

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

    def _need_altstack_struct(self, slot: Slot, ret: int) -> None:
        """A sigaltstack() that set a stack returns only once the Guardian can read the
        struct back: the thread's own stack is then known, never left to the kernel's
        word (a page swapped out before the return is faulted in first)."""
        ss = slot.args[0]
        if slot.nr != NR_SIGALTSTACK or ret != 0 or not ss:
            return
        missing = self.memory.first_missing(ss, 24, False)
        if missing is not None:
            raise FaultIn(missing)

    def _note_child_pid(self, slot: Slot, ret: int) -> None:
        """The pid a fork's (or a CLONE_VM child's) parent is told names that child (a
        reaped child's is forgotten by `end_child`)."""
        if not 0 < ret < _ERRNO_FLOOR:
            return
        if slot.child_process:
            self.registry.child_pids[(slot.root, ret)] = slot.child_process
            self.registry.exits.pids[ret] = slot.child_process
            self.registry.exits.new_pid(slot.root, ret)
        if slot.child_thread:           # a CLONE_VM child: its threads end when reaped
            self.registry.vm_children[(slot.root, ret)] = slot.child_thread

    def _random_read_targets(self, slot: Slot, ret: int) -> list[tuple[int, int]] | None:
        """The buffers a read-family call on a descriptor the program opened as
        /dev/urandom or /dev/random fills ((va, length) in order), None for any other
        read; read before anything is committed (an iovec array not present is faulted
        in first)."""
        if not self.serve_entropy or ret >= _ERRNO_FLOOR or ret == 0 or \
                self.files.path_of(slot, slot.args[0]) not in RANDOM_DEVICES or \
                not checks.enabled("return.urandom"):
            return None
        if slot.nr in _BUFFER_READS:
            return [(slot.args[1], slot.args[2])]
        count = min(slot.args[2] & 0xFFFF_FFFF, _MAX_IOV)
        raw = self.memory.read(slot.args[1], 16 * count, slot.root) if count else b""
        if raw is None:
            missing = self.memory.first_missing(slot.args[1], 16 * count, False)
            raise FaultIn(slot.args[1] if missing is None else missing)
        return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]

    def _serve_random(self, slot: Slot, ret: int, buffers: list[tuple[int, int]]) -> None:
        """getrandom, or a read of /dev/urandom or /dev/random (by the name the program
        opened; read, pread64, readv, preadv, preadv2): the bytes the program receives,
        buffer after buffer, are the Guardian's, not the kernel's."""
        left = ret if ret < (1 << 63) else 0
        for buf, length in buffers:
            n = min(left, length)
            if n <= 0:
                break
            self.memory.write(buf, self.s.entropy.draw(n, b"getrandom"), slot.root)
            left -= n

    def enter_user(self, slot: Slot, dom: Domain) -> None:
        """Hand the core to the slot's thread: its registers, the Guardian's vectors and
        EL0 view; the kernel's EL1 face is shut until the next exception."""
        s = self.s
        dom.loading = False
        self.registry.running = slot.thread    # the next exception on this core is its
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

    def _commit(self, slot: Slot, dom: Domain, ret: int) -> None:
        """Bookkeeping that depends on the syscall having succeeded."""
        if ret != 0 and slot.nr != NR_SET_TID_ADDRESS:
            return
        a = slot.args
        space = self.registry.space(dom, slot.root)
        read = self.memory.read
        if slot.nr == NR_SET_TID_ADDRESS:
            # The calling thread's own word, the one its exit clears (0: none).
            if a[0]:
                space.tid_words[slot.thread] = a[0]
            else:
                space.tid_words.pop(slot.thread, None)
            return
        if slot.nr == NR_SIGALTSTACK and a[0]:
            raw = read(a[0], 24, slot.root)
            th = self.self_signals.thread_signals(slot.root, slot.thread)
            th.altstack = None
            if raw is not None:
                ss_sp, ss_flags, _, ss_size = struct.unpack("<QiiQ", raw)
                th.altstack = (0, 0) if ss_flags & SS_DISABLE else (ss_sp, ss_size)
                if not ss_flags & SS_DISABLE:
                    space.altstacks.add((ss_sp, ss_size))
        if slot.nr == NR_RT_SIGACTION and a[1]:
            raw = read(a[1], 32, slot.root)
            if raw is not None:
                handler, flags, restorer, mask = struct.unpack("<QQQQ", raw)
                space.handlers[a[0] & 0xFFFF_FFFF] = (handler, flags, restorer, mask)
        rules = _LONG_LIVED_BY_NR.get(slot.nr)
        if rules is not None:
            try:
                # The thread's one list: a new registration replaces the old one.
                space.robust_lists[slot.thread] = expand(rules, a, read)
            except NotPresent:
                pass    # only buffers here; nothing to read
