"""The rules on a syscall's result, and what a result that passes them commits.

`ReturnPath.complete` hands every call that some rule acts on to `ResultRules.check`:
each rule module judges its own calls (asked by number, so most calls pay for none),
every check runs before anything is recorded, and the result becomes x0 only once all
pass.  `RESULT_ONLY` names the calls no rule acts on: their result only becomes x0.
"""

from __future__ import annotations

import struct
from functools import partial

from abi import Status
from abi.hwcaps import AT_HWCAP, AT_HWCAP2
from abi.layout import (
    NR_CLONE,
    NR_CLONE3,
    NR_GETRANDOM,
    NR_PREAD64,
    NR_READ,
    NR_RT_SIGACTION,
    NR_RT_SIGPENDING,
    NR_RT_SIGTIMEDWAIT,
    NR_SET_ROBUST_LIST,
    NR_SET_TID_ADDRESS,
    NR_SIGALTSTACK,
    SS_AUTODISARM,
    SS_DISABLE,
)
from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_SP
from guardian import (
    checks,
    fd_modes,
    heap_faults,
    launch_facts,
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
from guardian.area_state import CALLS as _MM_AREA_CALLS
from guardian.area_state import check as check_mm_areas
from guardian.call_stores import note_lock
from guardian.cap_header import judge as judge_cap_header
from guardian.cap_needed import SETFS_CALLS as _SETFS_CALLS
from guardian.cap_needed import SETXID_CALLS as _SETXID_CALLS
from guardian.cap_needed import check_setuid as check_setuid_cap
from guardian.cap_needed import fs_id_kept
from guardian.cap_needed import note_setxuid as note_setxuid_ambient
from guardian.capabilities import LONG_LIVED, NotPresent, expand
from guardian.capset_sets import CALLS as _CAPSET_CALLS
from guardian.capset_sets import judge as judge_capset
from guardian.checks import FaultIn, refuse
from guardian.child_exits import CALLS as _END_REPORTS
from guardian.child_exits import check_report as check_end_report
from guardian.clock_floors import CALLS as _CLOCK_CALLS
from guardian.clock_floors import CPU_TIME_CALLS, ClockFloors, CpuTimeFloors
from guardian.clone_faults import EFAULT_RET, TAGGED_CALLS, UFFD_CALLS, CloneFaults
from guardian.confidential_domains import UNMAPPING_CALLS, Lifecycle
from guardian.confidential_events import CALLS as _EVENT_CALLS
from guardian.confidential_events import EventFiles
from guardian.confidential_files import CALLS as _FD_CALLS
from guardian.confidential_files import Descriptors
from guardian.confidential_layout import LAYOUT_CALLS, Layout
from guardian.confidential_old_state import on_altstack
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
    USERNS,
    Credentials,
    changes_nothing,
    kept_by_same_ids,
    restore_kept,
)
from guardian.cut_dropped import note_dropped
from guardian.cut_failed import check_failed_cut
from guardian.cut_swapped import end_swapped_past_cut
from guardian.cut_windows import CUT_CALLS, zero_tail
from guardian.discard_windows import check_discarding_call_succeeded
from guardian.exited_tables import CALLS as _EXITED_TABLE_CALLS
from guardian.exited_tables import ExitedChildren
from guardian.fd_kind_answer import CALLS as _KIND_CALLS
from guardian.fd_kind_answer import check as check_descriptor_kind
from guardian.fd_modes import CALLS as _FD_MODE_CALLS
from guardian.fd_never_args import CALLS as _NEVER_FD_CALLS
from guardian.fd_never_args import own_never
from guardian.fd_open import CALLS as _FD_OPEN_CALLS
from guardian.fd_open import check as check_fd_open
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
from guardian.kcmp_answer import check as check_kcmp
from guardian.kcmp_answer import read_efd
from guardian.kcmp_known import check as check_kcmp_known
from guardian.ksm_opt_in import CALLS as _KSM_CALLS
from guardian.ksm_opt_in import follow as follow_merge
from guardian.link_loops import CALLS as _NAMED_CALLS
from guardian.locked_copies import CALLS as _LOCKED_COPY_CALLS
from guardian.locked_ranges import CALLS as _LOCK_CALLS
from guardian.locked_ranges import follow as follow_locks
from guardian.locked_vector import check as check_locked_vector
from guardian.long_names import LONG_CALLS as _LONG_NAME_CALLS
from guardian.machine_facts import CALLS as _MACHINE_FACT_CALLS
from guardian.machine_facts import MachineFacts
from guardian.madvise_iovec import check as check_madvise_iovec
from guardian.memfd_seals import CALLS as _SEAL_CALLS
from guardian.memfd_seals import check as check_memfd_seals
from guardian.memfd_sizes import SIZE_CALLS as MEMFD_SIZE_CALLS
from guardian.memfd_sizes import note_size as note_memfd_size
from guardian.mrelease_self import check as check_mrelease
from guardian.number_folding import ByNumber
from guardian.open_faults import EFAULT_RESULT as _EFAULT_RESULT
from guardian.own_pid import own_pid
from guardian.passed_fds import note_sent, sent_files
from guardian.perf_args import check as check_perf_args
from guardian.pidfd_args import CALLS as _PIDFD_ARG_CALLS
from guardian.pidfd_args import check as check_pidfd_args
from guardian.pidfds import TASK_CALLS as _PIDFD_TASK_CALLS
from guardian.pipe_epipe import CALLS as _PIPE_WRITE_CALLS
from guardian.pipe_epipe import check as check_pipe_write
from guardian.poll_open import CALLS as _POLL_CALLS
from guardian.poll_open import check_pollnval
from guardian.prctl_state import CRED_CALLS as _CRED_SETTERS
from guardian.prctl_state import mm_flags_settled, note_id_change, settle_dumpable
from guardian.process_groups import group_of
from guardian.protections import CALLS as _PROTECTION_CALLS
from guardian.protections import check_mprotect_return
from guardian.protections import record as record_protection
from guardian.quiet_ranges import quiet
from guardian.raised_signals import CALLS as _RAISER_CALLS
from guardian.raised_signals import filters_every_thread, may_filter
from guardian.random_moves import CALLS as _MOVE_CALLS
from guardian.random_moves import RANDOM_DEVICES, ZERO_DEVICE, check_random_moved
from guardian.read_counts import CALLS as _IO_COUNT_CALLS
from guardian.refused_args import MM_CALLS as _MM_ARG_CALLS
from guardian.refused_args import NEGATIVE_FD_CALLS as _NEGATIVE_FD_CALLS
from guardian.refused_args import check_fd as check_negative_fd
from guardian.refused_args import check_mm as check_mm_args
from guardian.resident_pages import CALLS as _MINCORE_CALLS
from guardian.resident_pages import check_mapped as check_mincore_mapped
from guardian.resident_pages import check_resident
from guardian.resident_pages import check_vector_bytes as check_mincore_bytes
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
from guardian.result_table import CALLS as _TABLE_CALLS
from guardian.result_table import ERRORS_ONLY as _ERRORS_ONLY
from guardian.result_table import Held, check_table
from guardian.rie_areas import may_exec
from guardian.rseq_areas import RseqAreas
from guardian.running_image import CALLS as RUNNING_IMAGE_CALLS
from guardian.running_image import RunningImage
from guardian.self_reports import CALLS as _SELF_REPORT_CALLS
from guardian.self_reports import SelfReports
from guardian.setuid_fixup import SETXUID as _SETXUID
from guardian.setuid_fixup import note_setxuid
from guardian.slots import Domain, Slot
from guardian.sole_files import MemFile
from guardian.sole_held import CALLS as _SOLE_CALLS
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
from guardian.unshare_alone import check as check_unshare_alone
from guardian.unshare_alone import note_clone as note_clone_live
from guardian.usage_floors import CALLS as _USAGE_CALLS
from guardian.usage_floors import UsageFloors
from guardian.user_memory import UserMemory
from guardian.vm_writes import CALLS as _VM_WRITE_CALLS
from guardian.vm_writes import check as check_vm_written
from guardian.wait_reaped import CALLS as _WAIT_CALLS
from guardian.wait_reaped import asked_pid, end_child, gone_pid, reaped_pid

_ERRNO_FLOOR = (1 << 64) - 4095
_NR_PRCTL = NUMBERS["prctl"]
_NR_UNSHARE = NUMBERS["unshare"]
#: The calls that make an open file whose O_NONBLOCK F_GETFL is held to.
_NONBLOCK_MAKERS = frozenset(NUMBERS[n] for n in ("socket", "socketpair", "pipe2"))
_NR_PIDFD_SEND_SIGNAL = NUMBERS["pidfd_send_signal"]
_NR_FTRUNCATE = NUMBERS["ftruncate"]
_NR_RSEQ = NUMBERS["rseq"]
_NR_PROCESS_MADVISE = NUMBERS["process_madvise"]
_NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
_NR_KCMP = NUMBERS["kcmp"]
_NR_WAITID = NUMBERS["waitid"]
_NR_PERF_EVENT_OPEN = NUMBERS["perf_event_open"]
#: calls whose success may hold an open file past its last descriptor's close: an
#: SCM_RIGHTS message queued (sendmsg, sendmmsg; one that fails queued none: scm_destroy()).
#: io_uring's calls reach no kernel (return.no_aio: -ENOSYS only), so hold nothing.
_PASSING_CALLS = frozenset(NUMBERS[n] for n in ("sendmsg", "sendmmsg"))
_NR_SENDMSG = NUMBERS["sendmsg"]
_NR_EPOLL_CTL = NUMBERS["epoll_ctl"]
_SIGCHLD, _CLONE_PARENT, _CLONE_THREAD = 17, 0x8000, 0x10000

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
    _COUNTED_CALLS | _CPU_CALLS | _MOVE_CALLS | _RECORD_CALLS | _WAIT_CALLS | _ENTROPY_READS
    | UNMAPPING_CALLS | _FD_CALLS | _TIMER_CALLS | _EVENT_CALLS | LAYOUT_CALLS
    | _COMMITTED_BY_NR | _CHILD_PID_NRS | SIGNAL_STATE_CALLS | _END_REPORTS
    | _EXEC_NRS | _CLOCK_CALLS | _ID_CALLS | _VALUE_CALLS | _ITIMER_CALLS | CPU_TIME_CALLS
    | _USAGE_CALLS | _POLL_CALLS | _TABLE_CALLS | _CRED_CALLS | _COUNTER_CALLS | _UMASK_CALLS
    | _PROTECTION_CALLS | _MINCORE_CALLS | _REMAP_CALLS | _UFFD_CALLS | _VM_WRITE_CALLS
    | _LOCK_CALLS | _KSM_CALLS | _UFFD_EVENT_CALLS | _RAISER_CALLS | _SOLE_CALLS | HEAP_ALTERING_CALLS | _FD_OPEN_CALLS
    | _IO_COUNT_CALLS | _LONG_NAME_CALLS | _NAMED_CALLS
    | MEMFD_SIZE_CALLS | _ADMITTED_READ_CALLS | _SELF_REPORT_CALLS | _OFFSET_MOVES | _SOCKET_CALLS
    | _HOLE_CALLS | _NO_AIO_CALLS | _UNASSIGNED | {NR_SIGALTSTACK, NR_RT_SIGTIMEDWAIT, NR_GETRANDOM,
                                     _NR_PIDFD_SEND_SIGNAL, _NR_RSEQ})
#: (guardian/refused_args.py: successes Linux never gives for the arguments alone)
RESULT_ONLY -= _MM_ARG_CALLS | _NEGATIVE_FD_CALLS | _MM_AREA_CALLS | _NEVER_FD_CALLS


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



#: SIG_DFL and SIG_IGN, and the signals whose default action is to be ignored
#: (SIGCHLD, SIGCONT, SIGURG, SIGWINCH): an action that ignores a signal flushes it.
_SIG_DFL, _SIG_IGN, _IGNORED_BY_DEFAULT = 0, 1, frozenset({17, 18, 23, 28})
#: arm64's MINSIGSTKSZ (the sigaltstack() floor), and -ENOMEM as a result.
MINSIGSTKSZ, _ENOMEM = 5120, (1 << 64) - 12


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
        files.sole.filtered = self._filtered
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
        self.self_reports = SelfReports(memory, files, registry, self._caps, self_signals)
        self.machine_facts = MachineFacts(memory, files, lambda: len(self.s.cpus),
                                          lambda: self.s.machine.config.ram_size)
        self.held = Held(files.access, files.maker_of, self._tid_told, self._auxv,
                         files.seals_of, files.pidfd_pid, files.socket_of,
                         files.owner_unset, partial(group_of, registry), files.stated,
                         self._own_pid, self._futex_waiters, self._futex_wakers,
                         self._caps, self._fork_thread, self._racing, self._forked,
                         self._filtered, partial(may_exec, registry, files))
        #: threads' rseq areas: the answer judged, the ids stored (guardian/rseq_areas.py)
        self.rseq = RseqAreas(memory)
        #: a clone's -EFAULT judged (guardian/clone_faults.py)
        self.clone_faults = CloneFaults(memory, self.rseq.writable)
        #: domains that made a PR_SET_TAGGED_ADDR_CTRL (guardian/unread_names.py)
        #: Domains where a call that may install a seccomp filter (or syscall user
        #: dispatch) was seen: their errors are not judged (`return.errno_set`).
        self.filter_domains: set[int] = set()         # (every space of the domain)

    def check(self, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
        """Every rule on a syscall's result, then what it commits (x0 among it): `judge`
        as compiled for this call's number (`number_folding`)."""
        _JUDGE_BY_NUMBER[nr](self, slot, dom, ret, nr)

    def judge(self, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
        """Every rule on a syscall's result, then what it commits (x0 among it).  Each test
        of `nr` names a module-level constant (`number_folding` folds them per number)."""
        reg = self.registry
        if nr in _NO_AIO_CALLS and not self._filtered(slot):
            no_aio.check(nr, ret)           # (first: no other rule judges a call it hides)
        if nr in _UNASSIGNED and not self._filtered(slot):
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
        if nr in _CHILD_PID_NRS:
            self.clone_faults.check_child(slot, reg.space_of(dom.id, slot.root),
                                          reg.slots.values(), reg.user_runs, ret, self._filtered)
        if nr in _CHILD_PID_NRS and ret == EFAULT_RET and not self._filtered(slot):
            self.clone_faults.check(slot, dom, reg.space_of(dom.id, slot.root),
                                    reg.slots.values())
        if nr in _MM_ARG_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_mm_args(reg.space(dom, slot.root), slot, ret)
        if nr in _NEGATIVE_FD_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_negative_fd(self.memory, slot, ret, lambda addr: quiet(
                slot, dom, reg.slots.values(), reg.user_runs, [(slot.root, addr, addr + 1)]))
        if nr in _NEVER_FD_CALLS and ret < _ERRNO_FLOOR:
            # (own_never() first: for most calls it finds nothing at once, and a read()
            # or write() of every program comes here)
            why = own_never(self.files, slot, lambda addr: self.memory.read(
                addr, 1, slot.root) if quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                             [(slot.root, addr, addr + 1)]) else None)
            if why and not self._filtered(slot):
                refuse("return.fd_never_opened", Status.ERR_DENIED,
                       f"syscall {nr} answered {ret:#x} for {why}, a number that names no "
                       "file (nothing put one there since the launch, or the program closed "
                       "it, and every call that may install one was followed): fdget() / "
                       "fget_raw() / path_init() find no file (-EBADF); "
                       "a launch that passes it states so with blindfold run --launch-fds N")
        if nr in _MM_AREA_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_mm_areas(reg.space_of(dom.id, slot.root), slot, ret, reg.slots.values())
        if nr == _NR_PROCESS_MRELEASE and ret < _ERRNO_FLOOR and not self._filtered(slot):
            pid = own_pid(self.files, slot)
            check_mrelease(slot, ret, reg.slots.values(), pid is not None
                           and self.files.pidfd_pid(slot, slot.args[0]) == pid,
                           reg.returns != slot.returns_at_start)
        if nr in _PIDFD_TASK_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot) \
                and self.files.steady(slot):
            self.files.pidfds.check_task(self.files.description_of(slot, slot.args[0]), nr, ret)
        if nr in _EXITED_TABLE_CALLS and ret < _ERRNO_FLOOR and self.exited.pids \
                and not self._filtered(slot):
            own = own_pid(self.files, slot)
            self.exited.check(self.files, reg, slot, ret, own if own is not None
                              and self.self_reports.leader(slot) == slot.thread else None)
        if nr == _NR_KCMP and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_kcmp(own_pid(self.files, slot), slot, ret, reg.slots.values(),
                       lambda addr: read_efd(self.memory, slot, addr, lambda: quiet(
                           slot, dom, reg.slots.values(), reg.user_runs,
                           [(slot.root, addr, addr + 4)])),
                       reg.returns != slot.returns_at_start)
            check_kcmp_known(self.files, slot, ret, own_pid(self.files, slot),
                             lambda addr, n: self.memory.read(addr, n, slot.root) if quiet(
                                 slot, dom, reg.slots.values(), reg.user_runs,
                                 [(slot.root, addr, addr + n)]) else None)
        if nr in _KIND_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_descriptor_kind(
                self.files, slot, ret, own_pid(self.files, slot),
                reg.returns == slot.returns_at_start
                and not any(o.id != slot.id and o.nr == _NR_EPOLL_CTL
                            for o in reg.slots.values()),
                lambda addr, n: self.memory.read(addr, n, slot.root) if quiet(
                    slot, dom, reg.slots.values(), reg.user_runs,
                    [(slot.root, addr, addr + n)]) else None)
        if nr in _PIDFD_ARG_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_pidfd_args(slot, ret)
        if nr == _NR_PERF_EVENT_OPEN and ret < _ERRNO_FLOOR and not self._filtered(slot):
            check_perf_args(slot, ret, lambda addr, n: self.memory.read(
                addr, n, slot.root) if quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                             [(slot.root, addr, addr + n)]) else None,
                len(self.s.cpus), lambda fd: self.files.open_file(slot, fd)
                if self.files.steady(slot) else None)
        if nr == _NR_PROCESS_MADVISE and ret < _ERRNO_FLOOR and not self._filtered(slot):
            pid = own_pid(self.files, slot)
            check_locked_vector(self.memory, reg.space_of(dom.id, slot.root), slot, ret,
                                reg.slots.values(), lambda r: quiet(
                                    slot, dom, reg.slots.values(), reg.user_runs, r),
                                pid is not None and self.files.steady(slot)
                                and self.files.pidfd_pid(slot, slot.args[0]) == pid)
            check_madvise_iovec(slot, ret, lambda addr, n: self.memory.read(
                addr, n, slot.root) if quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                             [(slot.root, addr, addr + n)]) else None,
                lambda va: self.clone_faults.tagged.untag(slot, va))
        if nr in TAGGED_CALLS:
            self.clone_faults.note(slot, dom, ret, reg.domains, self._filtered)
        if nr in UFFD_CALLS:
            self.clone_faults.note_uffd(slot)
        if nr == _NR_RSEQ and not (ret >= _ERRNO_FLOOR and self._filtered(slot)):
            self.rseq.check(slot, ret, dom, reg.space_of(dom.id, slot.root),
                            reg.slots.values())
        if nr in _CHILD_PID_NRS and slot.set_tid and slot.children and ret < _ERRNO_FLOOR \
                and ret != slot.set_tid and not self.ids.new_namespace(slot):
            refuse("return.clone_set_tid", Status.ERR_DENIED,
                   f"clone3 asked for child id {slot.set_tid} (set_tid), yet returns {ret}: "
                   "alloc_pid() gives the child exactly that id or makes none")
        if nr in _EXEC_NRS and ret < _ERRNO_FLOOR:
            refuse("return.exec_failed_only", Status.ERR_DENIED,
                   f"exec returned {ret:#x} to the image it replaces: success starts the "
                   "new image, so the old one sees only a negative errno")
        # Each result check acts on its own calls only; asking by number first keeps
        # the other calls (most of them) from paying for every check's call.
        if nr in _PIPE_WRITE_CALLS:
            check_pipe_write(self.files, slot, ret, self.registry.slots.values())
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
        usage_shown = self.usage.check(slot, ret) if nr in _USAGE_CALLS else None
        creds_call = nr in _CRED_CALLS
        creds_shown = self.creds.check(slot, ret, self._filtered(slot)) if creds_call else None
        same_ids = creds_call and not self._filtered(slot) and \
            changes_nothing(slot, ret, self.creds.known(slot))
        kept_facts = kept_by_same_ids(self.files.stated, slot) if same_ids else None
        fs_kept = None
        if creds_call and (nr in _SETXID_CALLS or nr in _SETFS_CALLS) and \
                not self._filtered(slot):
            # (before the table's CRED_CHANGE note forgets the sets a call asking euid 0
            # may raise, prctl_state.note_set(); the ids as they were before the call)
            known_ids = self.creds.known(slot)
            if known_ids is not None and not known_ids.get(USERNS):
                if nr in _SETXID_CALLS:
                    check_setuid_cap(self.files.stated, slot, ret, known_ids)
                else:
                    fs_kept = fs_id_kept(self.files.stated, slot, known_ids)
        if nr in _VALUE_CALLS:
            check_ranges(self.memory, slot, ret,
                         self.files.maker_of(slot, slot.args[0]) if nr in _MAKER_CALLS else None)
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
            judge_cap_header(self.memory, slot, ret, self._filtered(slot),
                             lambda addr, n: quiet(slot, dom, reg.slots.values(),
                                                   reg.user_runs, [(slot.root, addr, addr + n)]))
            judge_capset(self.files.stated, self.memory, slot, ret, self._filtered(slot),
                         lambda addr, n: quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                               [(slot.root, addr, addr + n)]),
                         self._own_tid(slot))
        if nr == _NR_UNSHARE and ret == 0 and not self._filtered(slot):
            check_unshare_alone(reg, slot, reg.slots.values(), self._filtered)
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
            self._need_altstack_struct(slot, ret)
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
        read_path = io_path if ret and nr in _ENTROPY_READS else None
        entropy = self._random_read_targets(slot, read_path) if read_path is not None else None
        zeros = self._zero_read_targets(slot, read_path) if read_path is not None else None
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
        if nr in _LONG_NAME_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
            long_names.check(self.files, reg, slot, self.clone_faults.tagged)
        if nr in _NAMED_CALLS and ret < _ERRNO_FLOOR and not self._filtered(slot):
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
                             self._filtered(slot))
        sole_call = nr in _SOLE_CALLS
        if sole_call:
            self.files.sole.check(slot, ret)
        memfd_move = memfd_mapped.plan(self.files, slot, ret) if sole_call else None
        memfd_hole = memfd_mapped.plan_punch(self.files, slot, ret) if sole_call else None
        socket_call = nr in _SOCKET_CALLS
        if socket_call:
            self.files.sockets.check(slot, ret, self._own_pid)
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
            known = self.creds.known(slot)
            ids_before = dict(known) if nr in _SETXUID and ret == 0 and known is not None \
                and not known.get(USERNS) and not self._filtered(slot) else None
            if nr in _SETXUID and not self._filtered(slot) and known is not None and \
                    not known.get(USERNS):
                note_setxuid(self.files.stated, slot, ret, known)
            if not self._filtered(slot) and \
                    (note_id_change(self.files.stated, slot, ret, known) or
                     launch_facts.fs_id_changed(slot, ret, known)) and \
                    known is not None and not known.get(USERNS):
                # (not in a user namespace it moved to: a uid_map written there since may
                # have made the id it knew stale, map_write())
                stated = self.files.stated
                launch_facts.note_cred_commit(stated.launch, stated, slot,
                                              mm_flags_settled(reg, slot))
            self.creds.commit(slot, creds_shown, ret, self._filtered(slot))
            if fs_kept is not None:     # (no CAP_SETUID/SETGID: __sys_setfsuid() kept it)
                after = self.creds.known(slot)
                if after is not None:
                    after[fs_kept[0]] = fs_kept[1]
            if ids_before is not None:      # (cap_emulate_setxuid() clears the ambient set)
                note_setxuid_ambient(self.files.stated, slot, ids_before, self.creds.known(slot))
            if kept_facts:
                restore_kept(self.files.stated, slot, kept_facts)
        if umask_call:
            self.umasks.commit(slot, ret)
        if nr == _NR_RSEQ:
            self.rseq.commit(slot, ret, self.s.cpus[0].index)
        if nr in _COMMITTED_BY_NR:
            self._commit(slot, dom, ret)
        if nr in _CHILD_PID_NRS:
            self._note_child_pid(slot, ret)
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
                self._mark_filter(slot)     # (an -errno answer attaches nothing)
        if unmapped:
            self.s.on_unmapped(slot.root, unmapped)
            self.s.shares.release_unmapped(slot.domain)
        if nr == NR_GETRANDOM and self.serve_entropy and checks.enabled("return.getrandom"):
            self._serve_random(slot, ret, [(slot.args[0], slot.args[1])])
        elif entropy:
            self._serve_random(slot, ret, entropy)
        elif zeros:
            self._serve_random(slot, ret, zeros, zeros=True)
        if memfd_move is not None and memfd_mapped.serve(self.s, reg, self.memory, dom, slot,
                                                        ret, memfd_move):
            self.s.stats.inc("guardian.memfd_mapped.served")
        if memfd_hole is not None and memfd_mapped.serve_punch(self.s, reg, dom, memfd_hole):
            self.s.stats.inc("guardian.memfd_mapped.punched")

    def _tid_told(self, slot: Slot) -> int | None:
        """The calling thread's id as the program was told it (None: never told)."""
        space = self.registry.space_of(slot.domain, slot.root)
        return space.tids.get(slot.thread) if space is not None else None

    def _own_tid(self, slot: Slot) -> int | None:
        """The calling thread's id as the program knows it: its gettid, the TID word its
        clone stored, or, for the thread a fork made its space for (the new process's
        leader: its tid is its tgid), the pid its process was told (None: not known)."""
        told = self.files.tids.get((slot.root, slot.thread))
        if told is None:
            told = self._tid_told(slot)
        space = self.registry.space_of(slot.domain, slot.root)
        if told is None and space is not None and space.fork_thread == slot.thread != 0:
            told = space.pids.get(self.registry.group_of(slot.root, slot.thread))
        return told

    def _own_pid(self, slot: Slot, pid: int) -> int | None:
        """The pid the slot's process was told; None (never told) makes `pid` the one it is
        told from now on (return.id_range holds a later getpid to it)."""
        space = self.registry.space_of(slot.domain, slot.root)
        if space is None:
            return None
        group = self.registry.group_of(slot.root, slot.thread)
        told = space.pids.get(group)
        if told is None and 1 <= pid:
            space.pids[group] = pid
        return told

    def _futex_waiters(self, slot: Slot) -> int:
        """The most threads a futex wake in `slot` can have woken: those of its address
        space (its domain's processes, for a shared wake on their words alone) in a futex
        wait at its entry, and every wait begun there since."""
        space = self.registry.space_of(slot.domain, slot.root)
        dom = self.registry.domains.get(slot.domain)
        if slot.waiters_at_entry is None or space is None or dom is None:
            return 1 << 62                     # (entered before the count was kept)
        waiting, begun = slot.waiters_at_entry
        return waiting + (dom.futex_waits if slot.shared_wake else space.futex_waits) - begun

    def _futex_wakers(self, slot: Slot) -> int:
        """The most calls of other threads that can have woken a futex wait in `slot`:
        those in progress at its entry and every one begun there since."""
        space = self.registry.space_of(slot.domain, slot.root)
        if slot.wakers_at_entry is None or space is None:
            return 1 << 62                     # (entered before the count was kept)
        waking, begun = slot.wakers_at_entry
        return waking + space.futex_wakers - begun

    def _auxv(self, slot: Slot) -> tuple[tuple[int, int], ...]:
        """The auxiliary vector the slot's image started with (() where not known)."""
        space = self.registry.space_of(slot.domain, slot.root)
        return space.auxv if space is not None else ()

    def _fork_thread(self, slot: Slot) -> bool:
        space = self.registry.space_of(slot.domain, slot.root)
        return space is not None and space.fork_thread == slot.thread

    def _forked(self, slot: Slot) -> bool:
        space = self.registry.space_of(slot.domain, slot.root)
        return space is None or space.fork_thread != 0

    def _racing(self, slot: Slot) -> bool:
        return any(s.id != slot.id and s.root == slot.root and
                   (s.nr == slot.nr or s.nr in _CRED_SETTERS)
                   for s in self.registry.slots.values())

    def _mark_filter(self, slot: Slot) -> None:
        """A call that may put a filter in place marks its own space (a later fork child
        inherits a filter through raised_signals: copy_seccomp() is per task)."""
        r = self.self_signals.raised.spaces.get(slot.root)
        if r is not None:
            r.mark(slot.thread, slot.nr, slot.args, self.registry.group_of(slot.root, slot.thread))
        else:
            self.filter_domains.add(slot.domain)

    def _filtered(self, slot: Slot) -> bool:
        """May a seccomp filter (or syscall user dispatch) answer the slot's call?  A
        program the user launched starts with none; an exec'd image keeps its former
        image's (not known: raised_signals starts it unknown); a fork child keeps its
        parent's.  Any such call seen in the program's domain, done or in flight, counts."""
        if slot.domain in self.filter_domains:
            return True
        r = self.self_signals.raised.spaces.get(slot.root)
        group_of = self.registry.group_of
        group = group_of(slot.root, slot.thread)
        if r is None or r.holds(slot.thread, group):
            return True
        # (a TSYNC call in flight: seccomp_sync_threads() reaches its own thread group)
        return any(s.domain == slot.domain and filters_every_thread(s.nr, s.args)
                   and (s.root != slot.root or group_of(s.root, s.thread) == group)
                   for s in self.registry.slots.values() if s is not slot)

    def _caps(self, slot: Slot) -> tuple[int, int]:
        """(AT_HWCAP, AT_HWCAP2) as the slot's image was told them at its start (checked
        then to claim no more than the CPU has); the CPU's own where not known."""
        auxv = dict(self._auxv(slot))
        if AT_HWCAP in auxv or AT_HWCAP2 in auxv:
            return auxv.get(AT_HWCAP, 0), auxv.get(AT_HWCAP2, 0)
        return self.s.cpus[0].derive_hwcaps()

    def _need_altstack_struct(self, slot: Slot, ret: int) -> None:
        """A sigaltstack() that set a stack returns only once the Guardian can read the
        struct back: the thread's own stack is then known, never left to the kernel's
        word (a page swapped out before the return is faulted in first).  And it never
        sets one while the thread runs on its alternate stack (`signal.altstack_busy`:
        do_sigaltstack() answers EPERM while on_sig_stack(sp))."""
        ss = slot.args[0]
        if slot.nr == NR_SIGALTSTACK and ret == _ENOMEM and ss:
            self._check_altstack_enomem(slot)
        if slot.nr != NR_SIGALTSTACK or ret != 0 or not ss:
            return
        stack = self.self_signals.thread_signals(slot.root, slot.thread).altstack
        if stack is not None and on_altstack(stack, slot.ctx.get(CTX_SP)):
            refuse("signal.altstack_busy", Status.ERR_DENIED,
                   "sigaltstack() sets a new alternate stack while the thread runs on its "
                   "alternate stack: Linux refuses that with EPERM")
        missing = self.memory.first_missing(ss, 24, False)
        if missing is not None:
            raise FaultIn(missing)
        old = slot.args[1]
        raw = self.memory.read(ss, 24, slot.root)
        if raw is None or (old and old < ss + 24 and ss < old + 24):
            return                      # (the old stack written over it: not the one asked)
        _, flags, size = struct.unpack("<Qi4xQ", raw)     # stack_t
        if not flags & SS_DISABLE and size < MINSIGSTKSZ:
            refuse("signal.altstack_size", Status.ERR_DENIED,
                   f"sigaltstack() sets a {size}-byte alternate stack: arm64's "
                   f"sys_sigaltstack() passes MINSIGSTKSZ ({MINSIGSTKSZ}) to do_sigaltstack(), "
                   "which refuses a smaller one with ENOMEM")

    def _check_altstack_enomem(self, slot: Slot) -> None:
        """`signal.altstack_size`: ENOMEM answers only a stack below MINSIGSTKSZ
        (do_sigaltstack(): ss_size < min_ss_size), never one of that size or more."""
        old, ss = slot.args[1], slot.args[0]
        raw = self.memory.read(ss, 24, slot.root)
        if raw is None or (old and old < ss + 24 and ss < old + 24):
            return
        _, flags, size = struct.unpack("<Qi4xQ", raw)
        if not flags & SS_DISABLE and size >= MINSIGSTKSZ:
            refuse("signal.altstack_size", Status.ERR_DENIED,
                   f"sigaltstack() of a {size}-byte stack answers ENOMEM: do_sigaltstack() "
                   f"refuses only a stack below MINSIGSTKSZ ({MINSIGSTKSZ})")

    def _note_child_pid(self, slot: Slot, ret: int) -> None:
        """The pid a fork's (or a CLONE_VM child's) parent is told names that child (a
        reaped child's is forgotten by `end_child`)."""
        if not 0 < ret < _ERRNO_FLOOR:
            return
        if slot.child_process:
            self.registry.child_pids[(slot.root, ret)] = slot.child_process
            self.registry.exits.pids[ret] = slot.child_process
            self.registry.exits.new_pid(slot.root, ret)
        self.registry.forked_by[(slot.root, ret)] = self.registry.group_of(slot.root, slot.thread)
        exit_signal = self._exit_signal(slot)
        if exit_signal is not None:
            self.registry.exits.exit_signals[(slot.root, ret)] = exit_signal
        if slot.child_thread:           # a CLONE_VM child: its threads end when reaped
            self.registry.vm_children[(slot.root, ret)] = slot.child_thread

    def _exit_signal(self, slot: Slot) -> int | None:
        """The signal the clone's child raises when it ends (None: not known, or a
        thread, or CLONE_PARENT's child, which is not the caller's)."""
        if slot.nr == NR_CLONE:
            flags, signal = slot.args[0], slot.args[0] & 0xFF
        else:
            raw = self.memory.read(slot.args[0], 40, slot.root) if slot.args[0] else None
            if raw is None:
                return None
            flags, _, _, _, signal = struct.unpack("<5Q", raw)
        return None if flags & (_CLONE_THREAD | _CLONE_PARENT) else signal

    def _random_read_targets(self, slot: Slot, path: str) -> list[tuple[int, int]] | None:
        """The buffers a read-family call that read something from `path` fills, where
        the program opened it as /dev/urandom or /dev/random ((va, length) in order), None
        for any other read; read before anything is committed (an iovec array not present
        is faulted in first)."""
        if not self.serve_entropy or path not in RANDOM_DEVICES or \
                not checks.enabled("return.urandom"):
            return None
        return self._read_buffers(slot)

    def _zero_read_targets(self, slot: Slot, path: str) -> list[tuple[int, int]] | None:
        """The buffers a read-family call that read something from `path` fills, where the
        program opened it as /dev/zero: Linux's read_zero() clears them, so the Guardian
        writes the zeros (`return.dev_zero`); None for any other read."""
        if path != ZERO_DEVICE or not checks.enabled("return.dev_zero"):
            return None
        return self._read_buffers(slot)

    def _read_buffers(self, slot: Slot) -> list[tuple[int, int]]:
        """(va, length) of each buffer a read-family call names, in order."""
        if slot.nr in _BUFFER_READS:
            return [(slot.args[1], slot.args[2])]
        count = min(slot.args[2] & 0xFFFF_FFFF, _MAX_IOV)
        raw = self.memory.read(slot.args[1], 16 * count, slot.root) if count else b""
        if raw is None:
            missing = self.memory.first_missing(slot.args[1], 16 * count, False)
            raise FaultIn(slot.args[1] if missing is None else missing)
        return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]

    def _serve_random(self, slot: Slot, ret: int, buffers: list[tuple[int, int]],
                      zeros: bool = False) -> None:
        """getrandom, or a read of /dev/urandom or /dev/random (by the name the program
        opened; read, pread64, readv, preadv, preadv2): the bytes the program receives,
        buffer after buffer, are the Guardian's, not the kernel's (zeros for /dev/zero)."""
        left = ret if ret < (1 << 63) else 0
        for buf, length in buffers:
            n = min(left, length)
            if n <= 0:
                break
            data = bytes(n) if zeros else self.s.entropy.draw(n, b"getrandom")
            self.memory.write(buf, data, slot.root)
            left -= n

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
                ss_sp, ss_flags, _, ss_size = struct.unpack("<QIIQ", raw)
                # SS_AUTODISARM: Linux clears the stack while a handler runs on it
                # (sas_ss_reset()) and the frame restores it: what sigaltstack() then
                # reports is not followed (None).
                th.altstack = (0, 0) if ss_flags & SS_DISABLE else \
                    None if ss_flags & SS_AUTODISARM else (ss_sp, ss_size)
                if not ss_flags & SS_DISABLE:
                    space.altstacks.add((ss_sp, ss_size))
        if slot.nr == NR_RT_SIGACTION and a[1]:
            raw = read(a[1], 32, slot.root)
            if raw is not None:
                handler, flags, restorer, mask = struct.unpack("<QQQQ", raw)
                # The caller's process's table (a vfork child's is a copy of its own).
                table = space.handlers_of(self.registry.group_of(slot.root, slot.thread))
                table[a[0] & 0xFFFF_FFFF] = (handler, flags, restorer, mask)
                if handler == _SIG_IGN or (handler == _SIG_DFL and
                                           a[0] & 0xFFFF_FFFF in _IGNORED_BY_DEFAULT):
                    # do_sigaction(): an ignored action flushes the signal from the
                    # process's pending sets (flush_sigqueue_mask()).
                    self.self_signals.sends.flush(slot, a[0] & 0xFFFF_FFFF)
        rules = _LONG_LIVED_BY_NR.get(slot.nr)
        if rules is not None:
            try:
                # The thread's one list: a new registration replaces the old one.
                space.robust_lists[slot.thread] = expand(rules, a, read)
            except NotPresent:
                pass    # only buffers here; nothing to read


#: `ResultRules.judge` per syscall number, its tests of the number folded away.
_JUDGE_BY_NUMBER = ByNumber(ResultRules.judge)
