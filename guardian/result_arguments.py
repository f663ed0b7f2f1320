"""The rules on a result that judge it against the call's own arguments and what they
name: a clone's child and its faults, memory-call arguments, descriptor numbers that
name no file, the process a pidfd, kcmp or process_madvise names, perf_event_open's
attribute, an rseq area, clone3's set_tid, exec's return, the pages a call's output
grant alone opened (answer_stores.py).

`ResultRules.judge` (result_rules.py) calls `judge_arguments` for the calls in
`ARGUMENT_CALLS` before any other rule on them, as compiled for the call's number
(`number_folding`): each test of `nr` here names a module-level constant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import NR_CLONE, NR_CLONE3
from abi.syscalls import NUMBERS
from guardian.answer_stores import CALLS as _ANSWER_STORE_CALLS
from guardian.answer_stores import check as check_answer_stores
from guardian.answer_stores import read_kind
from guardian.area_state import CALLS as _MM_AREA_CALLS
from guardian.area_state import check as check_mm_areas
from guardian.bpf_attach_kind import CALLS as _BPF_ATTACH_CALLS
from guardian.bpf_attach_kind import attach_error
from guardian.checks import refuse
from guardian.clone_faults import EFAULT_RET, TAGGED_CALLS, UFFD_CALLS
from guardian.cut_movers import boot_names
from guardian.early_errors import CALLS as _EARLY_CALLS
from guardian.early_errors import TIMEOUT_ARG as _TIMEOUT_ARG
from guardian.early_errors import WRITTEN_BACK as _WRITTEN_BACK
from guardian.early_errors import early_error, refused_as_passed, stored_over_invalid
from guardian.epoll_items import CALLS as _EPOLL_ITEM_CALLS
from guardian.epoll_items import check as check_epoll_item
from guardian.exited_tables import CALLS as _EXITED_TABLE_CALLS
from guardian.fd_kind_answer import CALLS as _KIND_CALLS
from guardian.fd_kind_answer import check as check_descriptor_kind
from guardian.fd_never_args import CALLS as _NEVER_FD_CALLS
from guardian.fd_never_args import own_never
from guardian.fd_never_memory import CALLS as _NEVER_MEMORY_CALLS
from guardian.fd_never_memory import memory_never
from guardian.first_tests import CALLS as _FIRST_TEST_CALLS
from guardian.first_tests import check as check_first_tests
from guardian.handle_overflow import CALL as _NR_NAME_TO_HANDLE_AT
from guardian.handle_overflow import EOVERFLOW_RET as _EOVERFLOW_RET
from guardian.handle_overflow import overflow_size_error
from guardian.inotify_events import CALLS as _INOTIFY_CALLS
from guardian.inotify_events import check as check_inotify
from guardian.kcmp_answer import check as check_kcmp
from guardian.kcmp_answer import read_efd
from guardian.kcmp_known import check as check_kcmp_known
from guardian.kind_needed import CALLS as _KIND_NEEDED_CALLS
from guardian.kind_needed import check as check_kind_needed
from guardian.kind_ops import BY_MAKER_CALLS as _KIND_BY_MAKER_CALLS
from guardian.kind_ops import judged_by_maker
from guardian.locked_vector import check as check_locked_vector
from guardian.madvise_iovec import check as check_madvise_iovec
from guardian.maker_flags import CALLS as _MAKER_CALLS
from guardian.maker_flags import check as check_maker_args
from guardian.maker_kinds import CALLS as _MAKER_KIND_CALLS
from guardian.maker_kinds import check as check_maker_kind
from guardian.memfd_eof import quiet_in_memfd
from guardian.mrelease_self import check as check_mrelease
from guardian.ns_owner import check_set_tid as check_set_tid_owner
from guardian.number_folding import ByNumber
from guardian.own_pid import own_pid
from guardian.perf_args import check as check_perf_args
from guardian.pidfd_args import CALLS as _PIDFD_ARG_CALLS
from guardian.pidfd_args import check as check_pidfd_args
from guardian.pidfds import TASK_CALLS as _PIDFD_TASK_CALLS
from guardian.quiet_ranges import quiet
from guardian.refused_args import MM_CALLS as _MM_ARG_CALLS
from guardian.refused_args import NEGATIVE_FD_CALLS as _NEGATIVE_FD_CALLS
from guardian.refused_args import check_fd as check_negative_fd
from guardian.refused_args import check_mm as check_mm_args
from guardian.scm_control import CALLS as _SCM_CALLS
from guardian.scm_control import scm_error
from guardian.setns_self import CALLS as SETNS_SELF_CALLS
from guardian.setns_self import check as check_setns_self
from guardian.slots import Domain, Slot
from guardian.unmapped_holes import MAPPING_CALLS, hole_at

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.result_rules import ResultRules

_ERRNO_FLOOR = (1 << 64) - 4095
_CHILD_PID_NRS = frozenset({NR_CLONE, NR_CLONE3})
#: execve and execveat come back to the image that made them only when they failed.
_EXEC_NRS = frozenset(NUMBERS[n] for n in ("execve", "execveat"))
_NR_PROCESS_MADVISE = NUMBERS["process_madvise"]
_NR_PROCESS_MRELEASE = NUMBERS["process_mrelease"]
_NR_KCMP = NUMBERS["kcmp"]
_NR_PERF_EVENT_OPEN = NUMBERS["perf_event_open"]
_NR_RSEQ = NUMBERS["rseq"]
_NR_EPOLL_CTL = NUMBERS["epoll_ctl"]
#: the calls return.fd_never_opened judges by their arguments or what they read
_NEVER_CALLS = _NEVER_FD_CALLS | _NEVER_MEMORY_CALLS

#: Every call `judge_arguments` has a rule for (a test checks each of its tests of `nr`
#: against this: a rule added there without its calls here would never run).
ARGUMENT_CALLS = (_CHILD_PID_NRS | _MM_ARG_CALLS | _NEGATIVE_FD_CALLS | _NEVER_FD_CALLS
                  | _NEVER_MEMORY_CALLS | _MM_AREA_CALLS | _PIDFD_TASK_CALLS
                  | _EXITED_TABLE_CALLS | _KIND_CALLS
                  | _PIDFD_ARG_CALLS | TAGGED_CALLS | UFFD_CALLS | _EXEC_NRS
                  | _ANSWER_STORE_CALLS | _EARLY_CALLS | _SCM_CALLS | _BPF_ATTACH_CALLS
                  | {_NR_PROCESS_MRELEASE, _NR_KCMP, _NR_PERF_EVENT_OPEN,
                     _NR_PROCESS_MADVISE, _NR_RSEQ}
                  | _MAKER_CALLS | _KIND_NEEDED_CALLS | {_NR_NAME_TO_HANDLE_AT}
                  | _MAKER_KIND_CALLS | _EPOLL_ITEM_CALLS
                  | _FIRST_TEST_CALLS | SETNS_SELF_CALLS | _INOTIFY_CALLS)


def _quiet_reader(rules: ResultRules, slot: Slot,
                  dom: Domain) -> Callable[[int, int], bytes | None]:
    """Read n bytes of the caller's memory at addr, where nothing else may have written
    them during the call (quiet_ranges); None elsewhere."""
    reg = rules.registry
    return lambda addr, n: rules.memory.read(addr, n, slot.root) if quiet(
        slot, dom, reg.slots.values(), reg.user_runs, [(slot.root, addr, addr + n)]) else None


def _timeout_refused(rules: ResultRules, slot: Slot, dom: Domain) -> bool:
    """ppoll's/pselect6's timeout failed Linux's first test as passed, and lay quiet
    through the call (quiet_ranges, or a view of a memfd only the program holds)."""
    if not refused_as_passed(slot):
        return False
    reg, tmo = rules.registry, slot.args[_TIMEOUT_ARG[slot.nr]]
    ranges = [(slot.root, tmo, tmo + 16)]
    return quiet(slot, dom, reg.slots.values(), reg.user_runs, ranges) or quiet_in_memfd(
        rules.files, dom, slot, reg.slots.values(), reg.user_runs, ranges)


def judge_arguments(rules: ResultRules, slot: Slot, dom: Domain, ret: int, nr: int) -> None:
    """The argument rules on the result `ret` of call `nr` in `slot` (see the module)."""
    reg = rules.registry
    if nr in _CHILD_PID_NRS:
        rules.clone_faults.check_child(slot, reg.space_of(dom.id, slot.root),
                                       reg.slots.values(), reg.user_runs, ret, rules.filtered)
    if nr in _CHILD_PID_NRS and ret == EFAULT_RET and not rules.filtered(slot):
        rules.clone_faults.check(slot, dom, reg.space_of(dom.id, slot.root),
                                 reg.slots.values())
    if nr == NR_CLONE3 and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_set_tid_owner(rules.files.stated.of_thread(slot), slot, ret,
                            _quiet_reader(rules, slot, dom))
    if nr in _MM_ARG_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_mm_args(reg.space(dom, slot.root), slot, ret)
    if nr in _NEGATIVE_FD_CALLS and ret < _ERRNO_FLOOR:
        check_negative_fd(rules.memory, slot, ret, lambda addr, n: quiet(
            slot, dom, reg.slots.values(), reg.user_runs, [(slot.root, addr, addr + n)]),
            lambda: rules.filtered(slot))
    if nr in _NEVER_CALLS and ret < _ERRNO_FLOOR:
        # (own_never() first: for most calls it finds nothing at once, and a read()
        # or write() of every program comes here)
        why = own_never(rules.files, slot, _quiet_reader(rules, slot, dom))
        if not why and nr in _NEVER_MEMORY_CALLS:
            # (setsockopt's SO_ATTACH_BPF, sendmsg's SCM_RIGHTS, ppoll, pselect6)
            why = memory_never(rules.files, slot, _quiet_reader(rules, slot, dom), ret)
        if why and not rules.filtered(slot):
            refuse("return.fd_never_opened", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} for {why}, a number that names no "
                   "file (nothing put one there since the launch, or the program closed "
                   "it, and every call that may install one was followed): fdget() / "
                   "fget_raw() / path_init() find no file (-EBADF); "
                   "a launch that passes it states so with blindfold run --launch-fds N")
    # (ppoll, pselect6 and epoll_pwait2 are among these: whether a filter may answer, a
    # walk of the calls in flight, is asked only of an answer the rule would refuse)
    if nr in _EARLY_CALLS and ret < _ERRNO_FLOOR:
        why = early_error(slot, _quiet_reader(rules, slot, dom),
                          lambda: rules.memory.read(0, 1, slot.root) is not None)
        if why and not rules.filtered(slot):
            refuse("return.early_error", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} for {why}: Linux refuses it before "
                   "any look-up")
    if nr == _NR_NAME_TO_HANDLE_AT and ret == _EOVERFLOW_RET and not rules.filtered(slot):
        why = overflow_size_error(slot.args, _quiet_reader(rules, slot, dom), slot.asked)
        if why:
            refuse("return.handle_size", Status.ERR_DENIED,
                   f"name_to_handle_at() answered -EOVERFLOW with {why}")
    if nr in _WRITTEN_BACK:
        # (any answer: a -EINTR that wrote a time left over a refused timeout too)
        why = stored_over_invalid(slot, _quiet_reader(rules, slot, dom))
        if why and not rules.filtered(slot):
            refuse("return.value_range", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} with {why}")
    if nr in _SCM_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        space = reg.space_of(dom.id, slot.root)
        # (a hole stays one while no call of the address space that may map is in flight)
        mapping = space is None or any(o is not slot and o.root == slot.root
                                       and o.nr in MAPPING_CALLS for o in reg.slots.values())
        why = scm_error(rules.files, slot, _quiet_reader(rules, slot, dom), ret,
                        lambda va: not mapping and hole_at(space, va) is not None)
        # (the socket named the same AF_UNIX file through the call)
        if why and rules.files.steady(slot):
            refuse("return.scm_control", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} with {why}: Linux refuses the control "
                   "data before any message is sent")
    if nr in _MM_AREA_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_mm_areas(reg.space_of(dom.id, slot.root), slot, ret, reg.slots.values())
    if nr == _NR_PROCESS_MRELEASE and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        pid = own_pid(rules.files, slot)
        check_mrelease(slot, ret, reg.slots.values(), pid is not None
                       and rules.files.pidfd_pid(slot, slot.args[0]) == pid,
                       reg.returns != slot.returns_at_start)
    if nr in SETNS_SELF_CALLS and not rules.filtered(slot):
        check_setns_self(rules.files, slot, ret)
    if nr in _PIDFD_TASK_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot) \
            and rules.files.steady(slot):
        rules.files.pidfds.check_task(rules.files.description_of(slot, slot.args[0]), nr, ret)
    if nr in _EXITED_TABLE_CALLS and ret < _ERRNO_FLOOR and rules.exited.pids \
            and not rules.filtered(slot):
        own = own_pid(rules.files, slot)
        rules.exited.check(rules.files, reg, slot, ret, own if own is not None
                           and rules.self_reports.leader(slot) == slot.thread else None)
    if nr == _NR_KCMP and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_kcmp(own_pid(rules.files, slot), slot, ret, reg.slots.values(),
                   lambda addr: read_efd(rules.memory, slot, addr, lambda: quiet(
                       slot, dom, reg.slots.values(), reg.user_runs,
                       [(slot.root, addr, addr + 4)])),
                   reg.returns != slot.returns_at_start)
        check_kcmp_known(rules.files, slot, ret, own_pid(rules.files, slot),
                         _quiet_reader(rules, slot, dom))
    if nr in _KIND_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_descriptor_kind(
            rules.files, slot, ret, own_pid(rules.files, slot),
            reg.returns == slot.returns_at_start
            and not any(o.id != slot.id and o.nr == _NR_EPOLL_CTL
                        for o in reg.slots.values()),
            _quiet_reader(rules, slot, dom))
    if nr in _PIDFD_ARG_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_pidfd_args(slot, ret)
    if nr == _NR_PERF_EVENT_OPEN and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        check_perf_args(slot, ret, _quiet_reader(rules, slot, dom), len(rules.s.cpus),
                        lambda fd: rules.files.open_file(slot, fd)
                        if rules.files.steady(slot) else None)
    if nr == _NR_PROCESS_MADVISE and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        pid = own_pid(rules.files, slot)
        check_locked_vector(rules.memory, reg.space_of(dom.id, slot.root), slot, ret,
                            reg.slots.values(), lambda r: quiet(
                                slot, dom, reg.slots.values(), reg.user_runs, r),
                            pid is not None and rules.files.steady(slot)
                            and rules.files.pidfd_pid(slot, slot.args[0]) == pid)
        check_madvise_iovec(slot, ret, _quiet_reader(rules, slot, dom),
                            lambda va: rules.clone_faults.tagged.untag(slot, va))
    if nr in TAGGED_CALLS:
        rules.clone_faults.note(slot, dom, ret, reg.domains, rules.filtered)
    if nr in UFFD_CALLS:
        rules.clone_faults.note_uffd(slot)
    if nr == _NR_RSEQ and not (ret >= _ERRNO_FLOOR and rules.filtered(slot)):
        rules.rseq.check(slot, ret, dom, reg.space_of(dom.id, slot.root),
                        reg.slots.values())
    if nr in _CHILD_PID_NRS and slot.set_tid and slot.children and ret < _ERRNO_FLOOR \
            and ret != slot.set_tid and not rules.ids.new_namespace(slot):
        refuse("return.clone_set_tid", Status.ERR_DENIED,
               f"clone3 asked for child id {slot.set_tid} (set_tid), yet returns {ret}: "
               "alloc_pid() gives the child exactly that id or makes none")
    if nr in _FIRST_TEST_CALLS and slot.opened and not rules.filtered(slot):
        # (or in a view of a memfd only the program holds: F_GETLK's flock, round 89b)
        check_first_tests(slot, ret, lambda va, n: quiet(
            slot, dom, reg.slots.values(), reg.user_runs, [(slot.root, va, va + n)])
            or quiet_in_memfd(rules.files, dom, slot, reg.slots.values(), reg.user_runs,
                              [(slot.root, va, va + n)]))
    if nr in _ANSWER_STORE_CALLS and slot.opened and not rules.filtered(slot):
        check_answer_stores(slot, ret, lambda fd: read_kind(rules.files, slot, fd),
                            lambda: _timeout_refused(rules, slot, dom))
    if nr in _EXEC_NRS and ret < _ERRNO_FLOOR:
        refuse("return.exec_failed_only", Status.ERR_DENIED,
               f"exec returned {ret:#x} to the image it replaces: success starts the "
               "new image, so the old one sees only a negative errno")
    # (epoll_pwait, accept4, listen are an event loop's calls: whether a filter may
    # answer, a walk of the calls in flight, is asked only of an answer the rule refuses)
    if nr in _MAKER_CALLS and ret < _ERRNO_FLOOR:
        check_maker_args(slot, ret, _quiet_reader(rules, slot, dom),
                         lambda: rules.filtered(slot))
    if nr in _KIND_BY_MAKER_CALLS and ret < _ERRNO_FLOOR:
        # (a read, write or lseek pays one look-up: only the makers' kind_ops.BY_MAKER
        # names -- an epoll's, a pidfd's, a signalfd's write, a pipe's lseek -- are judged)
        rw_file = rules.files.open_file(slot, slot.args[0])
        kind_judged = rw_file is not None and rw_file.maker is not None \
            and judged_by_maker(nr, rw_file.maker)     # (a named file: no call)
    else:
        kind_judged = nr in _KIND_NEEDED_CALLS and ret < _ERRNO_FLOOR
    if kind_judged:
        # (the table's steadiness is asked only of a file of another kind)
        check_kind_needed(slot, ret, lambda fd: rules.files.open_file(slot, fd),
                          lambda: rules.files.steady(slot),
                          lambda: boot_names(rules.files), lambda: rules.filtered(slot),
                          _quiet_reader(rules, slot, dom))
    if nr in _BPF_ATTACH_CALLS and ret < _ERRNO_FLOOR and not rules.filtered(slot):
        why = attach_error(rules.files, slot, _quiet_reader(rules, slot, dom))
        if why:
            refuse("return.descriptor_kind", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} for {why}")
    if nr in _MAKER_KIND_CALLS and ret < _ERRNO_FLOOR:
        # (steadiness and a filter are asked only of a file of another kind)
        check_maker_kind(slot, ret, lambda fd: rules.files.open_file(slot, fd),
                         lambda: rules.files.steady(slot), lambda: rules.filtered(slot))
    if nr in _INOTIFY_CALLS and ret < _ERRNO_FLOOR:
        # (inotify_events.py: a readv or ioctl not of an inotify pays one look-up at most)
        check_inotify(rules.files, slot, ret, _quiet_reader(rules, slot, dom),
                      lambda addr, n: rules.memory.read(addr, n, slot.root),
                      lambda: rules.filtered(slot))
    if nr in _EPOLL_ITEM_CALLS and ret == 0:
        check_epoll_item(rules.files, slot, lambda: reg.returns == slot.returns_at_start
                         and not any(o.id != slot.id and o.nr == _NR_EPOLL_CTL
                                     for o in reg.slots.values()), lambda: rules.filtered(slot))


#: `judge_arguments` per syscall number, its tests of the number folded away.
JUDGE_ARGUMENTS = ByNumber(judge_arguments)
