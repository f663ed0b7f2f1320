"""The rules on a syscall's result, and what a result that passes them commits.

`ReturnPath.complete` hands every call that some rule acts on to `ResultRules.check`:
each rule module judges its own calls (asked by number, so most calls pay for none),
every check runs before anything is recorded, and the result becomes x0 only once all
pass.  `RESULT_ONLY` names the calls no rule acts on: their result only becomes x0.
"""

from __future__ import annotations

from functools import partial

from abi import Status
from abi.layout import (
    NR_CLONE,
    NR_CLONE3,
    NR_GETRANDOM,
    NR_PULSE_SUBMIT,
    NR_RT_SIGACTION,
    NR_RT_SIGPENDING,
    NR_RT_SIGTIMEDWAIT,
    NR_SIGALTSTACK,
)
from abi.syscalls import NUMBERS
from guardian import (
    checks,
    fd_modes,
    heap_faults,
    link_loops,
    long_names,
    memfd_mapped,
    move_ends,
    no_aio,
    open_faults,
    read_counts,
    reopen_flags,
    sole_reopens,
    unmapped_holes,
)
from guardian.admitted_reads import CALLS as _ADMITTED_READ_CALLS
from guardian.call_commits import COMMITTED_CALLS, CallCommits
from guardian.call_stores import note_lock
from guardian.caller_facts import CallerFacts
from guardian.cap_header import judge as judge_cap_header
from guardian.capget_child import check as check_capget_child
from guardian.capset_sets import CALLS as _CAPSET_CALLS
from guardian.capset_sets import judge as judge_capset
from guardian.checks import refuse
from guardian.child_exits import CALLS as _END_REPORTS
from guardian.child_exits import check_report as check_end_report
from guardian.child_pids import note_child_pid
from guardian.clock_floors import CALLS as _CLOCK_CALLS
from guardian.clock_floors import CPU_TIME_CALLS, ClockFloors, CpuTimeFloors
from guardian.clone_faults import CloneFaults
from guardian.confidential_domains import UNMAPPING_CALLS, Lifecycle
from guardian.confidential_events import CALLS as _EVENT_CALLS
from guardian.confidential_events import EventFiles
from guardian.confidential_files import Descriptors
from guardian.confidential_layout import LAYOUT_CALLS, Layout
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SIGNAL_STATE_CALLS, SelfSignals
from guardian.confidential_sigmask import (
    check_action_result,
    check_pending_result,
    check_sigwait_result,
)
from guardian.counter_files import CALLS as _COUNTER_CALLS
from guardian.counter_files import CounterFiles
from guardian.credentials import CALLS as _CRED_CALLS
from guardian.credentials import (
    Credentials,
)
from guardian.cut_dropped import note_dropped
from guardian.cut_failed import check_failed_cut
from guardian.cut_swapped import end_swapped_past_cut
from guardian.cut_windows import CUT_CALLS, zero_tail
from guardian.discard_windows import check_discarding_call_succeeded
from guardian.exited_tables import ExitedChildren
from guardian.fd_modes import CALLS as _FD_MODE_CALLS
from guardian.fd_open import CALLS as _FD_OPEN_CALLS
from guardian.fd_open import check as check_fd_open
from guardian.fd_records import CALLS as _FD_CALLS
from guardian.file_pages import check_cut, note_cut
from guardian.file_remaps import CALLS as _REMAP_CALLS
from guardian.file_remaps import check as check_remap
from guardian.file_remaps import record as record_remap
from guardian.file_types import CALLS as _FILE_TYPE_CALLS
from guardian.file_types import check as check_file_type
from guardian.futex_pi import CALLS as _FUTEX_PI_CALLS
from guardian.futex_pi import check as check_futex_found
from guardian.futex_values import check as check_futex_word
from guardian.futex_values import check_woken
from guardian.given_back import check_given_back
from guardian.heap_faults import ALTERING_CALLS as HEAP_ALTERING_CALLS
from guardian.itimer_bounds import CALLS as _ITIMER_CALLS
from guardian.itimer_bounds import ItimerBounds
from guardian.ksm_opt_in import CALLS as _KSM_CALLS
from guardian.ksm_opt_in import follow as follow_merge
from guardian.link_loops import CALLS as _NAMED_CALLS
from guardian.locked_copies import CALLS as _LOCKED_COPY_CALLS
from guardian.locked_ranges import CALLS as _LOCK_CALLS
from guardian.locked_ranges import follow as follow_locks
from guardian.long_names import LONG_CALLS as _LONG_NAME_CALLS
from guardian.machine_facts import CALLS as _MACHINE_FACT_CALLS
from guardian.machine_facts import MachineFacts
from guardian.maker_kinds import check_eventfd_write
from guardian.memfd_seals import CALLS as _SEAL_CALLS
from guardian.memfd_seals import check as check_memfd_seals
from guardian.memfd_sizes import SIZE_CALLS as MEMFD_SIZE_CALLS
from guardian.memfd_sizes import note_size as note_memfd_size
from guardian.ns_owner import CALLS as _NS_OWNER_CALLS
from guardian.ns_owner import check as check_ns_owner
from guardian.number_folding import ByNumber
from guardian.open_faults import EFAULT_RESULT as _EFAULT_RESULT
from guardian.passed_fds import note_sent, sent_files
from guardian.pipe_epipe import CALLS as _PIPE_WRITE_CALLS
from guardian.pipe_epipe import check as check_pipe_write
from guardian.poll_open import CALLS as _POLL_CALLS
from guardian.poll_open import check_pollnval
from guardian.prctl_state import settle_dumpable
from guardian.process_groups import group_of
from guardian.protections import CALLS as _PROTECTION_CALLS
from guardian.protections import check_mprotect_return
from guardian.protections import record as record_protection
from guardian.quiet_ranges import quiet
from guardian.raised_signals import CALLS as _RAISER_CALLS
from guardian.raised_signals import may_filter
from guardian.random_moves import CALLS as _MOVE_CALLS
from guardian.random_moves import check_random_moved
from guardian.read_counts import CALLS as _IO_COUNT_CALLS
from guardian.resident_pages import CALLS as _MINCORE_CALLS
from guardian.resident_pages import check_mapped as check_mincore_mapped
from guardian.resident_pages import check_resident
from guardian.resident_pages import check_vector_bytes as check_mincore_bytes
from guardian.result_arguments import ARGUMENT_CALLS, JUDGE_ARGUMENTS
from guardian.result_bounds import CALLS as _COUNTED_CALLS
from guardian.result_bounds import check_count, check_offload, check_written
from guardian.result_cpu import CALLS as _CPU_CALLS
from guardian.result_cpu import check_cpu_numbers
from guardian.result_creds import commit_creds, judge_creds
from guardian.result_outputs import UNJUDGED as _OUTPUTS_UNJUDGED
from guardian.result_outputs import check_outputs
from guardian.result_ranges import ID_CALLS as _ID_CALLS
from guardian.result_ranges import MAKER_CALLS as _MAKER_CALLS
from guardian.result_ranges import VALUE_CALLS as _VALUE_CALLS
from guardian.result_ranges import IdRanges, check_ranges
from guardian.result_records import CALLS as _RECORD_CALLS
from guardian.result_records import check_records
from guardian.result_records import record as record_queue
from guardian.result_table import CALLS as _TABLE_CALLS
from guardian.result_table import ERRORS_ONLY as _ERRORS_ONLY
from guardian.result_table import Held, check_table
from guardian.rie_areas import may_exec
from guardian.rseq_areas import RseqAreas
from guardian.running_image import CALLS as RUNNING_IMAGE_CALLS
from guardian.running_image import RunningImage
from guardian.self_reports import CALLS as _SELF_REPORT_CALLS
from guardian.self_reports import SelfReports
from guardian.served_reads import ENTROPY_READS, random_read_targets, serve, zero_read_targets
from guardian.slots import Domain, Slot
from guardian.sole_calls import CALLS as _SOLE_CALLS
from guardian.sole_files import MemFile
from guardian.sole_moves import OFFSET_MOVES as _OFFSET_MOVES
from guardian.sole_moves import check_offsets as check_move_offsets
from guardian.sole_reopens import OPENS as _REOPEN_CALLS
from guardian.sole_sockets import CALLS as _SOCKET_CALLS
from guardian.state import MonitorState
from guardian.timer_ids import CALLS as _TIMER_CALLS
from guardian.uffd_events import CALLS as _UFFD_EVENT_CALLS
from guardian.uffd_events import UffdRanges
from guardian.uffd_fills import CALLS as _UFFD_CALLS
from guardian.uffd_fills import check as check_uffd_fill
from guardian.umask_kept import CALLS as _UMASK_CALLS
from guardian.umask_kept import UmaskKept
from guardian.unshare_alone import CALLS as _ALONE_CALLS
from guardian.unshare_alone import check as check_unshare_alone
from guardian.unshare_alone import note_clone as note_clone_live
from guardian.usage_floors import CALLS as _USAGE_CALLS
from guardian.usage_floors import UsageFloors
from guardian.user_memory import UserMemory
from guardian.userns_own_maps import CALLS as _OWN_MAP_CALLS
from guardian.userns_own_maps import note as note_own_map
from guardian.vm_writes import CALLS as _VM_WRITE_CALLS
from guardian.vm_writes import check as check_vm_written
from guardian.wait_reaped import CALLS as _WAIT_CALLS
from guardian.wait_reaped import asked_pid, end_child, gone_pid, reaped_pid

_ERRNO_FLOOR = (1 << 64) - 4095
_NR_PRCTL = NUMBERS["prctl"]
_NR_CAPGET = NUMBERS["capget"]
#: The calls that make an open file whose O_NONBLOCK F_GETFL is held to.
_NONBLOCK_MAKERS = frozenset(NUMBERS[n] for n in ("socket", "socketpair", "pipe2"))
_NR_PIDFD_SEND_SIGNAL = NUMBERS["pidfd_send_signal"]
_NR_FTRUNCATE = NUMBERS["ftruncate"]
_NR_FALLOCATE = NUMBERS["fallocate"]          # (memfd_mapped.plan_punch's only call)
_NR_RSEQ = NUMBERS["rseq"]
_NR_WAITID = NUMBERS["waitid"]
#: calls whose success may hold an open file past its last descriptor's close: an
#: SCM_RIGHTS message queued (sendmsg, sendmmsg; one that fails queued none: scm_destroy()).
#: io_uring's calls reach no kernel (return.no_aio: -ENOSYS only), so hold nothing.
_PASSING_CALLS = frozenset(NUMBERS[n] for n in ("sendmsg", "sendmmsg"))
_NR_SENDMSG = NUMBERS["sendmsg"]

_CHILD_PID_NRS = frozenset({NR_CLONE, NR_CLONE3})
#: The calls a success of which the range table judges (not those judged on failure only).
_TABLE_SUCCESSES = _TABLE_CALLS - _ERRORS_ONLY

#: The calls whose success ends the judging of unmapped holes (unmapped_holes.py).
_HOLE_CALLS = unmapped_holes.NOTED_CALLS
#: The calls a confidential program's kernel has not (no_aio.py): -ENOSYS only.
_NO_AIO_CALLS = no_aio.CALLS
#: The numbers arm64 leaves unassigned (no_aio.py): -ENOSYS only, unless a filter answers.
_UNASSIGNED = no_aio.UNASSIGNED

#: The calls no rule of `ResultRules.check` acts on (each asks by number): their
#: result only becomes x0.  (A test reads that method's number tests against this.)
RESULT_ONLY = _OUTPUTS_UNJUDGED - (
    _COUNTED_CALLS | _CPU_CALLS | _MOVE_CALLS | _RECORD_CALLS | _WAIT_CALLS | ENTROPY_READS
    | UNMAPPING_CALLS | _FD_CALLS | _TIMER_CALLS | _EVENT_CALLS | LAYOUT_CALLS
    | COMMITTED_CALLS | _CHILD_PID_NRS | SIGNAL_STATE_CALLS | _END_REPORTS
    | _CLOCK_CALLS | _ID_CALLS | _VALUE_CALLS | _ITIMER_CALLS | CPU_TIME_CALLS
    | _USAGE_CALLS | _POLL_CALLS | _TABLE_CALLS | _CRED_CALLS | _COUNTER_CALLS | _UMASK_CALLS
    | _PROTECTION_CALLS | _MINCORE_CALLS | _REMAP_CALLS | _UFFD_CALLS | _VM_WRITE_CALLS
    | _LOCK_CALLS | _KSM_CALLS | _UFFD_EVENT_CALLS | _RAISER_CALLS | _SOLE_CALLS | HEAP_ALTERING_CALLS | _FD_OPEN_CALLS
    | _IO_COUNT_CALLS | _LONG_NAME_CALLS | _NAMED_CALLS
    | MEMFD_SIZE_CALLS | _ADMITTED_READ_CALLS | _SELF_REPORT_CALLS | _OFFSET_MOVES | _SOCKET_CALLS
    | _HOLE_CALLS | _NO_AIO_CALLS | _UNASSIGNED | _NS_OWNER_CALLS | {NR_SIGALTSTACK, NR_RT_SIGTIMEDWAIT, NR_GETRANDOM,
                                     _NR_PIDFD_SEND_SIGNAL, _NR_RSEQ})
#: (guardian/result_arguments.py: successes Linux never gives for the arguments)
RESULT_ONLY -= ARGUMENT_CALLS


def set_result(slot: Slot, ret: int) -> None:
    """x0 of the slot's thread is the result (slot.ctx.set(0, ret), in the core if its
    registers are still there)."""
    core = slot.core
    if core is not None and core.holds(slot):
        core.live.x[0] = ret & 0xFFFF_FFFF_FFFF_FFFF
    else:
        ctx_data = slot.ctx.data
        ctx_data[0] = ret & 0xFFFF_FFFF_FFFF_FFFF
        ctx_data[1] = 0





class ResultRules:
    """Every rule on a syscall's result, then what it commits (x0 among it)."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 layout: Layout, lifecycle: Lifecycle, self_signals: SelfSignals,
                 files: Descriptors, events: EventFiles) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.layout = layout
        self.lifecycle = lifecycle
        self.self_signals = self_signals
        self.files = files
        #: what is known of each call's thread (ids told, futex peers, filters)
        self.facts = CallerFacts(state, registry, files, self_signals)
        #: may a seccomp filter (or syscall user dispatch) answer a slot's call?
        self.filtered = self.facts.filtered
        files.sole.filtered = self.filtered
        self.exited = ExitedChildren()      # children a waitid(WNOWAIT) reported exited
        self.events = events
        self.serve_entropy = True       # getrandom answered from the Guardian's entropy
        self.clocks = ClockFloors(memory, files)
        self.ids = IdRanges(registry, memory)
        self.itimers = ItimerBounds(registry, memory, files)
        self.cpu_times = CpuTimeFloors(registry, memory)
        self.usage = UsageFloors(registry, memory)
        self.creds = Credentials(registry, memory)
        self.counters = CounterFiles(memory, files)
        self.umasks = UmaskKept(registry, memory)
        self.uffd_ranges = UffdRanges()
        self.running_image = RunningImage(registry, memory, files, lifecycle.admission)
        self.self_reports = SelfReports(memory, files, registry, self.facts.caps, self_signals)
        self.machine_facts = MachineFacts(memory, files, lambda: len(self.s.cpus),
                                          lambda: self.s.machine.config.ram_size)
        facts = self.facts
        self.held = Held(files.access, files.maker_of, facts.tid_told, facts.auxv,
                         files.seals_of, files.pidfd_pid, files.socket_of,
                         files.owner_unset, partial(group_of, registry), files.stated,
                         facts.own_pid, facts.futex_waiters, facts.futex_wakers,
                         facts.caps, facts.fork_thread, facts.racing, facts.forked,
                         self.filtered, partial(may_exec, registry, files))
        #: threads' rseq areas: the answer judged, the ids stored (guardian/rseq_areas.py)
        self.rseq = RseqAreas(memory)
        #: the signal and thread state a call's success sets (guardian/call_commits.py)
        self.commits = CallCommits(registry, memory, self_signals)
        #: a clone's -EFAULT judged (guardian/clone_faults.py)
        self.clone_faults = CloneFaults(memory, self.rseq.writable)

    def check(self, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
        """Every rule on a syscall's result, then what it commits (x0 among it): `judge`
        as compiled for this call's number (`number_folding`)."""
        _JUDGE_BY_NUMBER[nr](self, slot, dom, ret, nr)

    def judge(self, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
        """Every rule on a syscall's result, then what it commits (x0 among it).  Each test
        of `nr` names a module-level constant (`number_folding` folds them per number)."""
        reg = self.registry
        if nr in _NO_AIO_CALLS and not self.filtered(slot):
            no_aio.check(nr, ret)           # (first: no other rule judges a call it hides)
        if nr in _UNASSIGNED and not self.filtered(slot):
            no_aio.check(nr, ret)           # sys_ni_syscall(): a seccomp filter may answer
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
        if nr in ARGUMENT_CALLS:        # (guardian/result_arguments.py)
            JUDGE_ARGUMENTS[nr](self, slot, dom, ret, nr)
        # Each result check acts on its own calls only; asking by number first keeps
        # the other calls (most of them) from paying for every check's call.
        if nr in _PIPE_WRITE_CALLS:
            check_pipe_write(self.files, slot, ret, self.registry.slots.values())
        if nr in _COUNTED_CALLS:
            check_count(self.memory, slot, ret)
            check_written(self.memory, slot, ret)
        if nr == NR_PULSE_SUBMIT:          # (check_offload's only call)
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
        usage_shown = self.usage.check(slot, ret) if nr in _USAGE_CALLS else None
        creds_call = nr in _CRED_CALLS
        creds_seen = judge_creds(self, slot, ret, nr) if creds_call else None
        if nr in _VALUE_CALLS:
            check_ranges(self.memory, slot, ret,
                         self.files.maker_of(slot, slot.args[0]) if nr in _MAKER_CALLS else None,
                         lambda va, n: quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                             [(slot.root, va, va + n)]))
        if nr in RUNNING_IMAGE_CALLS:
            self.running_image.check(slot, ret)
        if nr in _OFFSET_MOVES:
            check_move_offsets(self.memory, slot, ret)
        self.self_reports.note(slot)
        self_report_call = nr in _SELF_REPORT_CALLS
        if self_report_call:
            self.self_reports.check(slot, ret)
        machine_fact_call = nr in _MACHINE_FACT_CALLS
        if machine_fact_call:
            self.machine_facts.check(slot, ret)
        admitted_call = nr in _ADMITTED_READ_CALLS
        if admitted_call:
            self.files.admitted_reads.check(slot, ret)
        umask_call = nr in _UMASK_CALLS
        if umask_call:
            self.umasks.check(slot, ret)
        counter_call = nr in _COUNTER_CALLS
        if counter_call:
            self.counters.check(slot, ret)
        if nr in _TABLE_CALLS and (ret >= _ERRNO_FLOOR or nr in _TABLE_SUCCESSES):
            check_table(self.memory, slot, ret, self.held)
            if nr == _NR_PRCTL:
                settle_dumpable(self.files.stated, reg, slot)
        if nr in _CAPSET_CALLS:
            judge_cap_header(self.memory, slot, ret, self.filtered(slot),
                             lambda addr, n: quiet(slot, dom, reg.slots.values(),
                                                   reg.user_runs, [(slot.root, addr, addr + n)]))
            judge_capset(self.files.stated, self.memory, slot, ret, self.filtered(slot),
                         lambda addr, n: quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                               [(slot.root, addr, addr + n)]),
                         self.facts.own_tid(slot))
            if nr == _NR_CAPGET and not self.filtered(slot):    # (of a fork child)
                check_capget_child(self.files, self.memory, slot, ret,
                                   lambda addr, n: quiet(slot, dom, reg.slots.values(),
                                                         reg.user_runs,
                                                         [(slot.root, addr, addr + n)]),
                                   self.facts.own_tid(slot), reg.slots.values(), reg.user_runs)
        if nr in _NS_OWNER_CALLS and not self.filtered(slot):
            check_ns_owner(self.files.stated.of_thread(slot), slot, ret)
        if nr in _ALONE_CALLS and ret == 0 and not self.filtered(slot):
            check_unshare_alone(reg, slot, reg.slots.values(), self.filtered)
        if nr in _FD_OPEN_CALLS:
            check_fd_open(self.files, slot, ret)
        if nr in _FUTEX_PI_CALLS:
            check_futex_found(self.memory, slot, ret, reg.user_runs.get(slot.root, 0))
        if slot.word_differed >= 0:
            check_futex_word(slot, ret, reg.user_runs.get(slot.root, 0))
        if slot.futex_reach >= 0 or slot.futex_alone is not None:
            check_woken(slot, ret, reg.user_runs.get(slot.root, 0),
                        reg.space_of(slot.domain, slot.root))
        if nr in _MOVE_CALLS and self.serve_entropy:
            check_random_moved(self.files, slot, ret)
        record_call = nr in _RECORD_CALLS
        if record_call:
            check_records(self.memory, self.files, slot, ret)
        reaped = reaped_pid(self.memory, slot, ret) or gone_pid(reg, slot, ret) \
            if nr in _WAIT_CALLS else 0
        if nr in _END_REPORTS:
            check_end_report(self.memory, reg, slot, ret)
        if nr in _POLL_CALLS:
            check_pollnval(self.memory, self.files, slot, ret, reg.slots.values())
        if nr == _NR_PIDFD_SEND_SIGNAL:
            self.files.pidfds.check_send(self.files.description_of(slot, slot.args[0]), nr, ret)
        if nr == NR_SIGALTSTACK:
            self.commits.check_altstack(slot, ret)
        elif nr == NR_RT_SIGACTION:
            check_action_result(slot, ret)
        elif nr == NR_RT_SIGPENDING:
            check_pending_result(self.memory, self.self_signals, slot, ret)
        elif nr == NR_RT_SIGTIMEDWAIT:
            check_sigwait_result(self.memory, slot, ret)
        waited = self.self_signals.sends.check_waited(self.memory, slot, ret) \
            if nr == NR_RT_SIGTIMEDWAIT else None
        # The file a read- or write-family call moved bytes of (one look-up for the rules
        # below: the counts of devices and counter files, then the urandom and /dev/zero
        # bytes of a read).
        io_file = self.files.open_file(slot, slot.args[0]) \
            if nr in _IO_COUNT_CALLS and ret < _ERRNO_FLOOR else None
        io_path = io_file.path if io_file is not None else None
        # (Only where the number still names the file the call was given: steady.)
        if io_file is not None and (io_path in read_counts.DEVICES or io_file.maker
                                    is not None) and self.files.steady(slot):
            if io_path in read_counts.DEVICES:
                read_counts.check_device(self.memory, slot, dom, reg.slots.values(),
                                         reg.user_runs, ret, io_path)
            elif io_file.maker == read_counts.PIPE_MAKER:
                read_counts.check_pipe_write(self.memory, slot, dom, reg.slots.values(),
                                             reg.user_runs, ret)
            else:
                read_counts.check_counter(slot, ret, io_file.maker)
                check_eventfd_write(slot, ret, io_file.maker, lambda va, n: self.memory.read(
                    va, n, slot.root) if quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                               [(slot.root, va, va + n)]) else None,
                    lambda: self.filtered(slot))
        read_path = io_path if ret and nr in ENTROPY_READS else None
        entropy = random_read_targets(self.memory, slot, read_path) \
            if read_path is not None and self.serve_entropy else None
        zeros = zero_read_targets(self.memory, slot, read_path) if read_path is not None else None
        # Each of these acts on the calls its module lists only: the others skip the call.
        if nr in UNMAPPING_CALLS or (slot.discarded and nr in CUT_CALLS):
            check_discarding_call_succeeded(slot, reg.space_of(dom.id, slot.root), ret)
        unmapped = self.lifecycle.unmapped_by(slot, ret) if nr in UNMAPPING_CALLS else None
        if unmapped:           # (before the layout records the result)
            check_given_back(slot, reg.space(dom, slot.root), ret, unmapped,
                             self.layout.pages_in)
            if ret == 0:
                note_dropped(slot, dom, reg.space(dom, slot.root), unmapped,
                             self.layout.pages_in)
        fd_call = nr in _FD_CALLS
        if fd_call:
            self.files.check(slot, ret)
        if nr in _SEAL_CALLS:
            check_memfd_seals(self.files, slot, ret)
        if nr in _FD_MODE_CALLS:
            fd_modes.check(self.files, slot, ret)
            move_ends.check(self.files, slot, ret)
        if nr in _FILE_TYPE_CALLS:
            check_file_type(self.files, slot, ret)
        if nr in _REOPEN_CALLS and ret < _ERRNO_FLOOR:
            reopen_flags.check(self.files, reg, slot)
        # (a seccomp filter's SECCOMP_RET_USER_NOTIF supervisor may answer a success
        # without the kernel ever copying the name: seccomp_do_user_notification())
        if nr in _LONG_NAME_CALLS and ret < _ERRNO_FLOOR and not self.filtered(slot):
            long_names.check(self.files, reg, slot, self.clone_faults.tagged)
        if nr in _NAMED_CALLS and ret < _ERRNO_FLOOR and not self.filtered(slot):
            link_loops.check(self.files, reg, slot)
        if nr in _REOPEN_CALLS and ret == _EFAULT_RESULT:
            open_faults.check(self.files, reg, slot)
        cut_to, cut = 0, None
        if nr == _NR_FTRUNCATE and ret == 0:
            cut, cut_to = self.files.sole.settled(slot, slot.args[0]), slot.args[1]
        elif nr in _REOPEN_CALLS and ret < _ERRNO_FLOOR:
            reopen = sole_reopens.truncated(self.files.sole, slot)
            if reopen is not None:
                cut = reopen[0]
                sole_reopens.check_truncated(self.files.sole, slot, *reopen)
        elif nr in _REOPEN_CALLS:
            sole_reopens.check_trunc_refused(self.files.sole, slot, ret)
        if isinstance(cut, MemFile) and cut_to <= cut.size:    # (shmem_setattr(): <=)
            live = {r: sp for r, sp in dom.spaces.items()
                    if r not in reg.dying and r not in self.files.retired}
            check_cut(cut, cut_to, live, self.layout.pages_in,
                      "ftruncate()" if nr == _NR_FTRUNCATE else "an open with O_TRUNC")
            end_swapped_past_cut(self.s, cut, cut_to, live,
                                 "ftruncate()" if nr == _NR_FTRUNCATE else "an open with O_TRUNC")
            zero_tail(self.files, reg, self.s.shares, self.s, self.layout.pages_in, slot, cut_to)
            note_cut(cut, cut_to, live)
        elif nr in CUT_CALLS and ret >= _ERRNO_FLOOR:
            check_failed_cut(self.s, self.files, reg, slot, ret,
                             {r: sp for r, sp in dom.spaces.items()
                              if r not in reg.dying and r not in self.files.retired},
                             self.filtered(slot))
        sole_call = nr in _SOLE_CALLS
        if sole_call:
            self.files.sole.check(slot, ret)
        memfd_move = memfd_mapped.plan(self.files, slot, ret) if sole_call else None
        memfd_hole = memfd_mapped.plan_punch(self.files, slot, ret) \
            if sole_call and nr == _NR_FALLOCATE else None
        socket_call = nr in _SOCKET_CALLS
        if socket_call:
            self.files.sockets.check(slot, ret, self.facts.own_pid)
        timer_call = nr in _TIMER_CALLS
        if timer_call:
            self.files.timers.check(slot, ret)
        event_call = nr in _EVENT_CALLS
        if event_call:
            self.events.check(slot, ret)
        if nr in _MINCORE_CALLS:
            check_mincore_bytes(self.memory, slot, ret)
            check_mincore_mapped(reg.space_of(dom.id, slot.root), slot, ret,
                                 reg.slots.values())
            check_resident(self.memory, self.layout.pages_in, slot, ret)
        if nr in _PROTECTION_CALLS:
            check_mprotect_return(self.memory, self.layout.pages_in, slot, ret)
        if nr in _UFFD_EVENT_CALLS:
            # The open file the call names (for a read: a userfaultfd?), as at its record
            # below: nothing between them changes a descriptor table.
            uffd_file = self.files.open_file(slot, slot.args[0])
            uffd, uffd_maker = (uffd_file.description, uffd_file.maker) \
                if uffd_file is not None else (None, None)
            self.uffd_ranges.check(self.memory, dom, slot, ret, uffd, uffd_maker,
                                   reg.slots.values(), reg.user_runs,
                                   uffd in self.files.exec_kept)
        if nr in _UFFD_CALLS and slot.runs_at_entry is not None:
            check_uffd_fill(self.memory, dom, self.files.maker_of(slot, slot.args[0]), slot,
                            ret, reg.slots.values(), reg.user_runs)
        if nr in _VM_WRITE_CALLS and slot.runs_at_entry is not None:
            check_vm_written(self.memory, reg, dom, slot, ret, reg.slots.values(),
                             reg.user_runs)
        if nr in _REMAP_CALLS:
            check_remap(reg.space_of(dom.id, slot.root), dom, self.layout.pages_in, slot, ret,
                        reg.slots.values())
        iago = self.layout.check(slot, dom, ret) if nr in LAYOUT_CALLS else ""
        if iago:
            refuse("return.layout", Status.ERR_DENIED, f"memory-layout Iago: {iago}")
        if nr in _LOCKED_COPY_CALLS:
            # (before the call's own protection and area mark are recorded: the rule
            # reads the protection mprotect found)
            self.layout.follow_locked(slot, reg.space(dom, slot.root), ret)
        if nr in _PROTECTION_CALLS:
            record_protection(slot, reg.space(dom, slot.root), ret)
            reg.space(dom, slot.root).area_mark = reg.next_slot_id()
        if nr in _LOCK_CALLS:
            follow_locks(reg.space(dom, slot.root), slot, ret, reg.slots.values(),
                         reg.next_slot_id())
            note_lock(reg.space(dom, slot.root), slot, ret, reg.slots.values(),
                      reg.next_slot_id())
        if nr in _KSM_CALLS:
            follow_merge(reg.space(dom, slot.root), slot, ret)
        if nr in _UFFD_EVENT_CALLS:
            self.uffd_ranges.record(self.memory, dom, slot, ret, uffd, uffd_maker,
                                    reg.slots.values(), reg.user_runs)
        if nr in _REMAP_CALLS:
            record_remap(reg.space_of(dom.id, slot.root), slot, ret)
        if nr in _PASSING_CALLS and ret < _ERRNO_FLOOR:
            # (fd_kind_answer.py: a file past its last close) what a sendmsg sent, where
            # its numbers and control data are known; anything from any other send
            table = self.files.tables.get((slot.root, slot.thread))
            sent = sent_files(lambda va, n: self.memory.read(va, n, slot.root) if quiet(
                slot, dom, reg.slots.values(), reg.user_runs, [(slot.root, va, va + n)])
                else None, table, slot.args[1]) \
                if nr == _NR_SENDMSG and table is not None and self.files.steady(slot) else None
            note_sent(self.files, sent)
        if fd_call:
            self.files.record(slot, ret)
            if ret < _ERRNO_FLOOR and (self.files.nonblock or nr in _NONBLOCK_MAKERS):
                self.files.note_nonblock(slot, ret)
        if sole_call:
            self.files.sole.record(slot, ret)
        if socket_call:
            self.files.sockets.record(slot, ret)
        if admitted_call:
            self.files.admitted_reads.record(slot, ret)
        if self_report_call:
            self.self_reports.record(slot, ret)
        if machine_fact_call:
            self.machine_facts.record(slot, ret)
        if counter_call:
            self.counters.record(slot, ret)
        if timer_call:
            self.files.timers.record(slot, ret)
        if record_call:
            record_queue(self.memory, self.files, slot, ret)
        if event_call:
            self.events.record(slot, ret)
        set_result(slot, ret)
        if nr in HEAP_ALTERING_CALLS:
            heap_faults.note_call(reg.space(dom, slot.root), slot, ret)
        elif nr in MEMFD_SIZE_CALLS:
            note_memfd_size(self.files, slot, ret)
        if nr in _HOLE_CALLS:
            unmapped_holes.note_call(reg.space(dom, slot.root), slot, ret)
        if clock_shown is not None:
            self.clocks.commit(slot, clock_shown)
        if pid_shown is not None:
            self.ids.commit(slot, ret, pid_shown)
        if itimer_set is not None:
            self.itimers.commit(slot, itimer_set)
        if cpu_shown:
            self.cpu_times.commit(slot, cpu_shown)
        if usage_shown:
            self.usage.commit(slot, usage_shown)
        if creds_call:
            commit_creds(self, slot, ret, nr, creds_seen)
        if nr in _OWN_MAP_CALLS and self.self_reports.opened_by:   # (userns_own_maps.py)
            note_own_map(self, slot, dom, ret)
        if umask_call:
            self.umasks.commit(slot, ret)
        if nr == _NR_RSEQ:
            self.rseq.commit(slot, ret, self.s.cpus[0].index)
        if nr in COMMITTED_CALLS:
            self.commits.commit(slot, dom, ret)
        if nr in _CHILD_PID_NRS:
            note_child_pid(reg, self.memory, slot, ret)
            note_clone_live(reg, slot, ret)
        if nr == _NR_WAITID:
            self.exited.note(self.memory, reg, slot, ret)
        if reaped:
            end_child(reg, self.files, slot.root, reaped)
            self.exited.reaped(slot.root, reaped)
            asked = asked_pid(slot)
            if asked and asked != reaped:
                end_child(reg, self.files, slot.root, asked)
                self.exited.reaped(slot.root, asked)
        if nr in SIGNAL_STATE_CALLS:
            self.self_signals.note_signal_state(slot, ret)
        if nr == NR_RT_SIGTIMEDWAIT:
            reg.exits.commit_sigchld(slot.id, slot.root)
        if nr == NR_RT_SIGTIMEDWAIT:
            self.self_signals.sends.take(waited or [], slot)
        if nr in _RAISER_CALLS:
            self.self_signals.raised.note(self.memory, self.files, slot, ret)
            if may_filter(nr, slot.args) and ret < _ERRNO_FLOOR:
                self.facts.mark_filter(slot)     # (an -errno answer attaches nothing)
        if unmapped:
            self.s.on_unmapped(slot.root, unmapped)
            self.s.shares.release_unmapped(slot.domain)
        if nr == NR_GETRANDOM and self.serve_entropy and checks.enabled("return.getrandom"):
            serve(self.s, self.memory, slot, ret, [(slot.args[0], slot.args[1])])
        elif entropy:
            serve(self.s, self.memory, slot, ret, entropy)
        elif zeros:
            serve(self.s, self.memory, slot, ret, zeros, zeros=True)
        if memfd_move is not None and memfd_mapped.serve(self.s, reg, self.memory, dom, slot,
                                                        ret, memfd_move):
            self.s.stats.inc("guardian.memfd_mapped.served")
        if memfd_hole is not None and memfd_mapped.serve_punch(self.s, reg, dom, memfd_hole):
            self.s.stats.inc("guardian.memfd_mapped.punched")



#: `ResultRules.judge` per syscall number, its tests of the number folded away.
_JUDGE_BY_NUMBER = ByNumber(ResultRules.judge)
