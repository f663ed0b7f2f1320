"""How a confidential fork child's end may be reported to its parent.

The parent learns how its child ended only from the kernel: wait4's status word,
waitid's siginfo, and the SIGCHLD the child's end raises (entered by SIGNAL, taken by
rt_sigtimedwait, read from a signalfd).  The child is one process whatever image it
runs: a fork, vfork or CLONE_VM child, and each image it execs after (the exec'd
image's tree carries the child's process on).  The Guardian records what the child's
threads asked at entry: each exit/exit_group code (its low 8 bits, all Linux keeps)
and whether exit_group was among them.  A report of that child then says (check
`return.exit_status`):

* "exited with code c" only where a thread of the child's current image asked
  exit/exit_group with c;
* "killed by signal s" only where none asked exit_group (the kernel may kill a
  process at any time, but once exit_group is asked the status is its code).

A SIGCHLD siginfo with a child's CLD_* code is raised by Linux only for a child of the
process (no sender can forge that code for another process), so one naming a pid that
is no child of the program is refused as well -- unless a clone of the domain yielded a
child whose pid its parent has not been told yet; a child reaped already is still
judged (its SIGCHLD may be read after the wait).  What a wait4/waitid report says of
the end of a pid the Guardian does not know passes (which pid it names is judged below).

Which child a report names is judged too:

* Linux reports a child's end to a wait once: a wait4/waitid report never names a child
  an earlier report reaped (until a later clone is told that pid again), nor the waiting
  process itself.
* Where the Guardian knows every child of the waiting process (the user's launch and
  each fork child start with none; an exec keeps children the Guardian may not know), a
  wait report names one a clone of the program made -- unless a clone is in flight, or a
  process of the program went with an exec (an image the Guardian does not know may
  leave orphans a waiter of the program reaps).
* One end raises one SIGCHLD, and a pending SIGCHLD holds the first end since the last
  was taken: once a SIGCHLD naming a child is taken, no SIGCHLD names it again, nor any
  child reaped before that one was taken.
* A stopped report comes only to a wait with WUNTRACED (waitid: WSTOPPED), a continued
  one only with WCONTINUED: the program cannot trace its children (ptrace answers only
  an error).

A report of a child whose exec is in flight or left the domain (its old image gone and
no confidential image named for that exec: the Guardian knows nothing of what it runs)
is not judged for what it says of the end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import (
    NR_CLONE,
    NR_CLONE3,
    NR_EXECVE,
    NR_EXIT,
    NR_EXIT_GROUP,
    NR_RT_SIGTIMEDWAIT,
    NR_WAIT4,
    NR_WAITID,
)
from guardian.checks import FaultIn, refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry

#: The calls whose result reports a child's end (a signalfd read's records and a SIGNAL's
#: siginfo are judged where those are read).
CALLS = frozenset({NR_WAIT4, NR_WAITID, NR_RT_SIGTIMEDWAIT})
#: The calls whose code the child's status may carry.
EXIT_CALLS = frozenset({NR_EXIT, NR_EXIT_GROUP})

SIGCHLD = 17
_ERRNO_FLOOR = (1 << 64) - 4095
_CLD_EXITED, _CLD_KILLED, _CLD_DUMPED = 1, 2, 3
_CLD_TRAPPED, _CLD_STOPPED, _CLD_CONTINUED = 4, 5, 6
_WUNTRACED, _WCONTINUED = 0x2, 0x8          # (waitid's WSTOPPED is WUNTRACED's bit)
_SIGINFO = struct.Struct("<iii4xiIi")     # si_signo, si_errno, si_code, si_pid, si_uid, si_status
_SIGNALFD_INFO = struct.Struct("<IiiI")   # ssi_signo, ssi_errno, ssi_code, ssi_pid
_SSI_STATUS = 40                          # struct signalfd_siginfo's ssi_status
_SIGNALFD_RECORD = 128


@dataclass
class ExitRecords:
    """What each process (its first thread's id) asked of its end, in its current image."""

    #: process -> the low 8 bits of each exit/exit_group code its threads asked.
    asked: dict[int, set[int]] = field(default_factory=dict)
    #: processes one of whose threads asked exit_group.
    group_exit: set[int] = field(default_factory=set)
    #: execve slot -> the process whose old image that exec tore down, until the
    #: confidential image it names is created (the process is adrift meanwhile).
    execing: dict[int, int] = field(default_factory=dict)
    #: pid -> the process a parent was told of (kept once reaped: its SIGCHLD may be
    #: read after the wait).
    pids: dict[int, int] = field(default_factory=dict)
    #: (parent root, pid) a wait4/waitid report reaped: Linux reports a child's end once.
    reported: set[tuple[int, int]] = field(default_factory=set)
    #: (parent root, pid) -> the signal the child's end raises (clone's exit signal),
    #: where known: 0 raises none.
    exit_signals: dict[tuple[int, int], int] = field(default_factory=dict)
    #: (parent root, pid) whose end no SIGCHLD may name any more: one naming it was taken,
    #: or it was reaped before a later SIGCHLD was taken (one end raises one SIGCHLD, and a
    #: pending SIGCHLD holds the first end since the last was taken).
    signalled: set[tuple[int, int]] = field(default_factory=set)
    #: slot -> the pids the SIGCHLDs its check passed name, until the slot's return (or
    #: the delivery) commits (a check asked again starts afresh).
    taking: dict[int, list[int]] = field(default_factory=dict)
    #: roots whose every child the Guardian was told of: the user's launch and each fork
    #: child start with none (children from before an exec are not known).
    children_known: set[int] = field(default_factory=set)
    #: a process of the program went with an exec (it may run an image the Guardian does
    #: not know, whose children orphaned to a waiter of the program it never saw).
    foreign: bool = False

    def new_pid(self, parent_root: int, pid: int) -> None:
        """A clone told `parent_root` of child `pid`: a pid Linux reused is a new child."""
        self.reported.discard((parent_root, pid))
        self.signalled.discard((parent_root, pid))
        self.exit_signals.pop((parent_root, pid), None)

    def commit_sigchld(self, slot_id: int, parent_root: int) -> None:
        """The SIGCHLDs slot `slot_id`'s check passed reach `parent_root`: their children,
        and every child it reaped before, are past their SIGCHLD."""
        pids = self.taking.pop(slot_id, None)
        if pids:
            self.signalled |= {(parent_root, pid) for pid in pids}
            self.signalled |= {k for k in self.reported if k[0] == parent_root}

    def new_image(self, process: int) -> None:
        """An exec'd image starts: what the old one asked is over (its threads are gone)."""
        self.asked.pop(process, None)
        self.group_exit.discard(process)

    def reaped(self, process: int) -> None:
        """The process was reaped: what it asked stays (a SIGCHLD of it may still be
        read), an exec it left unfinished does not."""
        for slot_id in [s for s, p in self.execing.items() if p == process]:
            del self.execing[slot_id]


def process_of(registry: Registry, root: int, thread: int) -> int:
    """The fork child process a thread belongs to (0: none, e.g. the user's launch): its
    own thread group's first thread (a vfork or CLONE_VM child), or the process whose
    tree (a fork child's, or one its exec'd image runs in) it runs in."""
    return registry.group_of(root, thread) or registry.process_of_root.get(root, 0)


def note_exit_asked(registry: Registry, slot: Slot) -> None:
    """A thread enters exit or exit_group: its process's status may now carry that code."""
    process = process_of(registry, slot.root, slot.thread)
    if not process:
        return
    records = registry.exits
    records.asked.setdefault(process, set()).add(slot.args[0] & 0xFF)
    if slot.nr == NR_EXIT_GROUP:
        records.group_exit.add(process)


def note_exec_teardown(registry: Registry, root: int) -> None:
    """`root` goes with an exec in progress (a fork child's own tree): its process is
    adrift until the image that exec names is created (before `root`'s records go)."""
    for slot in registry.slots.values():
        if slot.root == root and slot.nr == NR_EXECVE:
            process = process_of(registry, root, slot.thread)
            if process:
                registry.exits.execing[slot.id] = process
                registry.exits.foreign = True


def forget_root(records: ExitRecords, root: int) -> None:
    """`root` is gone: a later tree at the same address starts afresh."""
    records.children_known.discard(root)
    records.reported = {k for k in records.reported if k[0] != root}
    records.signalled = {k for k in records.signalled if k[0] != root}


def note_exec_image(registry: Registry, exec_slot: int, root: int) -> None:
    """The confidential image `exec_slot` names starts in `root`: the exec'ing process
    goes on there (before a vfork child's execve slot is dropped)."""
    process = registry.exits.execing.pop(exec_slot, 0)
    old = registry.slots.get(exec_slot)
    if not process and old is not None and old.nr == NR_EXECVE:
        process = process_of(registry, old.root, old.thread)
    if process:
        registry.process_of_root[root] = process
        registry.exits.new_image(process)


def _adrift(registry: Registry, process: int) -> bool:
    """Whether the process's image is one the Guardian may not know: an exec in flight,
    or one whose old image went and no confidential image was named for it."""
    if process in registry.exits.execing.values():
        return True
    return any(s.nr == NR_EXECVE and process_of(registry, s.root, s.thread) == process
               for s in registry.slots.values())


def _clone_in_flight(registry: Registry, slot: Slot) -> bool:
    """Whether a clone of the domain other than `slot` yielded a child whose pid its
    parent has not been told yet (that child may end, and be reported, first)."""
    return any(s.nr in (NR_CLONE, NR_CLONE3) and s.children and s.id != slot.id
               and s.domain == slot.domain for s in registry.slots.values())


def judge(registry: Registry, slot: Slot, pid: int, exited: bool, value: int, source: str,
          *, process: int = 0, signalled: bool = False) -> None:
    """A report to `slot`'s thread that child `pid` (its process, where the caller knows
    it) exited with code `value` (`exited`) or was killed by signal `value`: refused
    where it is not what the child asked.  `signalled`: the report is a SIGCHLD siginfo,
    which Linux raises only for a child of the process (a sender cannot forge its
    CLD_* code): one naming a pid that is no child of the domain is refused too."""
    if signalled:
        _sigchld_once(registry, slot, pid, source)
    process = process or registry.child_pids.get((slot.root, pid), 0) \
        or registry.exits.pids.get(pid, 0)
    if not process:
        if signalled and not _clone_in_flight(registry, slot):
            refuse("return.exit_status", Status.ERR_DENIED,
                   f"{source} says child {pid} {'exited' if exited else 'was killed'}, but "
                   "no process of the program has a child with that pid")
        return
    if _adrift(registry, process):
        return
    records = registry.exits
    codes = records.asked.get(process, set())
    if exited and value not in codes:
        asked = f"asked exit/exit_group with {', '.join(str(c) for c in sorted(codes))}" \
            if codes else "asked neither exit nor exit_group"
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} says child {pid} exited with code {value}, but its threads {asked}")
    elif not exited and process in records.group_exit:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} says child {pid} was killed by signal {value}, but it called "
               f"exit_group({min(codes)}): its status is that code")


def _sigchld_once(registry: Registry, slot: Slot, pid: int, source: str) -> None:
    """A child's end raises one SIGCHLD, and a pending one holds the first end since the
    last was taken: none names a child whose SIGCHLD is past (`ExitRecords.signalled`)."""
    taking = registry.exits.taking.setdefault(slot.id, [])
    if (slot.root, pid) in registry.exits.signalled or pid in taking:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} names child {pid}, whose end was reported by an earlier SIGCHLD "
               "(or reaped before one was taken): a child's end raises one SIGCHLD")
    taking.append(pid)


def _judge_named(registry: Registry, slot: Slot, pid: int, source: str) -> None:
    """A wait report names `pid`: never the caller's own process, nor a child this
    process was told already it reaped (Linux reports a child's end once; a pid reused
    is the child of a later clone, which forgets the old report)."""
    space = registry.space_of(slot.domain, slot.root)
    own = space.pids.get(registry.group_of(slot.root, slot.thread)) if space else None
    if pid == own:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} names pid {pid}, the waiting process itself: no process is its "
               "own child")
    if (slot.root, pid) in registry.exits.reported:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} names child {pid}, which an earlier wait reported reaped: Linux "
               "reports a child's end once")
    records = registry.exits
    if slot.root not in records.children_known or (slot.root, pid) in registry.child_pids \
            or pid in records.pids or _clone_in_flight(registry, slot):
        return
    if records.foreign or any(s.nr == NR_EXECVE for s in registry.slots.values()):
        records.foreign = True          # (a vfork child's exec: its image may be foreign)
        return
    refuse("return.exit_status", Status.ERR_DENIED,
           f"{source} names pid {pid}, but no clone of the program made a child with that "
           "pid, and the Guardian knows every child this process has")


def _judge_kind(registry: Registry, slot: Slot, pid: int, stopped: bool, asked: bool,
                source: str) -> None:
    """A stopped (continued) report comes only to a wait that asked for it (WUNTRACED or
    WSTOPPED; WCONTINUED): the program cannot trace its children (ptrace answers only
    an error), so only a child whose image the Guardian may not know is excused."""
    if asked:
        return
    process = registry.child_pids.get((slot.root, pid), 0) or registry.exits.pids.get(pid, 0)
    if process and _adrift(registry, process):
        return
    kind, flag = ("stopped", "WUNTRACED/WSTOPPED") if stopped else ("continued", "WCONTINUED")
    refuse("return.exit_status", Status.ERR_DENIED,
           f"{source} says child {pid} {kind}, but the wait did not pass {flag}: Linux "
           "reports only a child's end to it")


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def _judge_siginfo(registry: Registry, slot: Slot, raw: bytes, source: str, *,
                   process: int = 0, signalled: bool = True) -> None:
    """A siginfo_t naming a child's end (SIGCHLD, CLD_EXITED/KILLED/DUMPED)."""
    signo, _, code, pid, _, status = _SIGINFO.unpack_from(raw)
    if signo == SIGCHLD and code in (_CLD_EXITED, _CLD_KILLED, _CLD_DUMPED):
        judge(registry, slot, pid, code == _CLD_EXITED, status, source, process=process,
              signalled=signalled)
    if signo == SIGCHLD and code in (_CLD_EXITED, _CLD_KILLED, _CLD_DUMPED) \
            and registry.exits.exit_signals.get((slot.root, pid), SIGCHLD) != SIGCHLD:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} reports the end of child {pid}, whose clone named exit signal "
               f"{registry.exits.exit_signals[(slot.root, pid)]}: Linux raises that signal "
               "(none for 0) when it ends, never SIGCHLD")
    elif signo == SIGCHLD and code in (_CLD_TRAPPED, _CLD_STOPPED, _CLD_CONTINUED) \
            and (slot.root, pid) in registry.exits.reported:
        refuse("return.exit_status", Status.ERR_DENIED,
               f"{source} says child {pid} stopped or continued (si_code {code}), but a "
               "wait reported it reaped: a child that ended never stops again")


def check_report(memory: UserMemory, registry: Registry, slot: Slot, ret: int) -> None:
    """wait4's status word, waitid's siginfo or rt_sigtimedwait's SIGCHLD siginfo, read
    before anything is committed (a page not present is faulted in first)."""
    registry.exits.taking.pop(slot.id, None)
    if ret >= _ERRNO_FLOOR:
        return
    nr, a = slot.nr, slot.args
    if nr == NR_WAIT4:
        if not ret:
            return
        _judge_named(registry, slot, ret, "wait4's result")
        if not a[1]:
            return
        status = struct.unpack("<I", _read(memory, slot, a[1], 4))[0]
        if status & 0xFF == 0x7F or status == 0xFFFF:
            stopped = status != 0xFFFF
            _judge_kind(registry, slot, ret, stopped,
                        bool(a[2] & (_WUNTRACED if stopped else _WCONTINUED)), "wait4's status")
        if not registry.child_pids:
            return
        if status & 0x7F == 0:
            # Exited: bits 8-15 are the code, nothing above them (Linux writes c << 8).
            judge(registry, slot, ret, True, status >> 8, "wait4's status")
        elif status & 0x7F != 0x7F:         # (0x7F: stopped, or 0xFFFF: continued)
            judge(registry, slot, ret, False, status & 0x7F, "wait4's status")
    elif nr == NR_WAITID:
        if ret != 0 or not a[2]:
            return
        raw = _read(memory, slot, a[2], _SIGINFO.size)
        signo, _, code, pid, _, _ = _SIGINFO.unpack_from(raw)
        if signo != SIGCHLD or pid <= 0:                 # (WNOHANG, none ready: si_pid 0)
            return
        _judge_named(registry, slot, pid, "waitid's si_pid")
        if code in (_CLD_TRAPPED, _CLD_STOPPED, _CLD_CONTINUED):
            stopped = code != _CLD_CONTINUED
            _judge_kind(registry, slot, pid, stopped,
                        bool(a[3] & (_WUNTRACED if stopped else _WCONTINUED)),
                        "waitid's siginfo")
        if registry.child_pids:
            _judge_siginfo(registry, slot, raw, "waitid's siginfo", signalled=False)
    elif nr == NR_RT_SIGTIMEDWAIT and ret == SIGCHLD and a[1]:
        _judge_siginfo(registry, slot, _read(memory, slot, a[1], _SIGINFO.size),
                       "the SIGCHLD rt_sigtimedwait took")


def check_signal_info(registry: Registry, slot: Slot, signo: int, info: bytes,
                      ret: int) -> None:
    """The siginfo of a SIGCHLD SIGNAL enters a handler with, the call it interrupts
    completing with `ret` first: a clone returning its child's pid (a vfork's parent,
    its child already gone) names that child before the parent has been told of it."""
    registry.exits.taking.pop(slot.id, None)
    if signo != SIGCHLD or len(info) < _SIGINFO.size:
        return
    process = slot.child_process if slot.nr in (NR_CLONE, NR_CLONE3) and \
        struct.unpack_from("<i", info, 16)[0] == ret else 0
    _judge_siginfo(registry, slot, info, "the SIGCHLD delivered", process=process)


def check_signalfd_records(registry: Registry, slot: Slot, raw: bytes) -> None:
    """Each SIGCHLD record a signalfd read returned (`raw`: whole records)."""
    registry.exits.taking.pop(slot.id, None)
    for off in range(0, len(raw) - _SIGNALFD_RECORD + 1, _SIGNALFD_RECORD):
        signo, _, code, pid = _SIGNALFD_INFO.unpack_from(raw, off)
        if signo == SIGCHLD and code in (_CLD_EXITED, _CLD_KILLED, _CLD_DUMPED):
            status = struct.unpack_from("<i", raw, off + _SSI_STATUS)[0]
            judge(registry, slot, pid, code == _CLD_EXITED, status,
                  "the SIGCHLD a signalfd read returned", signalled=True)
