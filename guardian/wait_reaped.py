"""A fork child that wait4() or waitid() reported reaped has ended.

Linux reports a child reaped (exited, or killed) only once it is gone: its descriptors
are closed, and none of its threads runs again.  The Guardian takes the report at its
word for the child's end, whatever the kernel's tables still hold of it: the child's
descriptor tables are dropped (so an open file only they held is released, and with it
an epoll registration on it), and a later return to user code of any of its threads is
refused (check `return.reaped_child`).  A table the child shares with another process
(CLONE_FILES) lives on with that process; a process sharing the child's address space
(a CLONE_VM child of it) is not the child and lives on too.  A CLONE_VM child of the
program (a process of its own in the parent's tree, a vfork child included) ends the
same way when a report reaps it, and no access on its threads' behalf follows
(guardian.thread_exit).

A report naming an orphan the program's child subreaper took in (a child of a child
that exited) ends that orphan as well (`adopted`).

A report that reaps for a wait on one child (wait4 with a pid, waitid P_PID) ends that
child even where it names another pid: the program may not compare.

A wait for that one child answering -ECHILD ends it too: the child, its exit signal
known, is eligible (eligible_child(): SIGCHLD without __WCLONE, or __WALL) to any thread
of the process that forked it (no __WNOTHREAD), so do_wait() finds it among the children
while it lives or is a zombie; -ECHILD says it is EXIT_DEAD or released (exit_notify()'s
autoreap: SIGCHLD ignored or SA_NOCLDWAIT; another thread's wait), past exit_files() in
any case.  A lying -ECHILD only ends a child that lives on, and its later calls are
refused.

Reports that reap nothing end nothing: an error, waitid's WNOHANG 0 with no child, a
stopped or continued child (WUNTRACED, WSTOPPED, WCONTINUED), and WNOWAIT.
"""

from __future__ import annotations

import struct

from abi.layout import NR_WAIT4, NR_WAITID
from guardian import checks
from guardian.checks import FaultIn
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.thread_exit import end_vm_child
from guardian.user_memory import UserMemory

#: The calls whose report may reap a child.
CALLS = frozenset({NR_WAIT4, NR_WAITID})

_ERRNO_FLOOR = (1 << 64) - 4095
_WUNTRACED = 0x2                 # WSTOPPED for waitid
_WCONTINUED = 0x8
_WNOWAIT = 0x0100_0000
_P_PID = 1
_ECHILD = (1 << 64) - 10
_SIGCHLD = 17
_WNOTHREAD, _WALL, _WCLONE = 0x2000_0000, 0x4000_0000, 0x8000_0000
_CLD_REAPED = frozenset({1, 2, 3})     # CLD_EXITED, CLD_KILLED, CLD_DUMPED
_SIGCHLD_INFO = struct.Struct("<iii4xi")  # si_signo, si_errno, si_code, si_pid (arm64)


def reaped_pid(memory: UserMemory, slot: Slot, ret: int) -> int:
    """The pid a successful wait4/waitid report says it reaped (0: it reaped none, or
    cannot tell: wait4 that may report a stop with no status word to say which).  Read
    before anything is committed: a status word or siginfo not present is faulted in."""
    if ret >= _ERRNO_FLOOR or not checks.enabled("return.reaped_child"):
        return 0
    if slot.nr == NR_WAIT4:
        options = slot.args[2]
        if not ret or options & _WNOWAIT:
            return 0
        if options & (_WUNTRACED | _WCONTINUED):
            if not slot.args[1]:
                return 0
            raw = memory.read(slot.args[1], 4, slot.root)
            if raw is None:
                raise FaultIn(slot.args[1])
            status = struct.unpack("<I", raw)[0]
            if status & 0x7F == 0x7F or status == 0xFFFF:     # stopped, continued
                return 0
        return ret
    infop, options = slot.args[2], slot.args[3]
    if ret != 0 or not infop or options & _WNOWAIT:
        return 0
    raw = memory.read(infop, _SIGCHLD_INFO.size, slot.root)
    if raw is None:
        raise FaultIn(infop)
    _, _, code, pid = _SIGCHLD_INFO.unpack(raw)
    return pid if code in _CLD_REAPED and pid > 0 else 0


def gone_pid(registry: Registry, slot: Slot, ret: int) -> int:
    """The child a wait4 (pid above 0) or waitid(P_PID) answering -ECHILD says is gone:
    a fork child of the caller's process (its original thread group, no CLONE_VM child
    process in its space) whose clone named its exit signal, made by a clone of that
    very process; 0: none, or not known.  A child a CLONE_VM child process V made (a
    vfork child's fork) is V's: at V's exit it goes to a reaper (forget_original_parent()
    -> find_new_reaper()), no child of the caller, whose wait finds none while it lives."""
    if ret != _ECHILD or not checks.enabled("return.reaped_child"):
        return 0
    options = slot.args[2] if slot.nr == NR_WAIT4 else slot.args[3]
    pid = asked_pid(slot)
    signal = registry.exits.exit_signals.get((slot.root, pid))
    if not pid or signal is None or options & _WNOTHREAD or \
            registry.group_of(slot.root, slot.thread) != 0 or \
            (slot.root, pid) not in registry.child_pids or \
            registry.forked_by.get((slot.root, pid)) != 0 or \
            any(root == slot.root for root, _ in registry.vm_children):
        return 0
    eligible = bool(options & _WALL) or (signal == _SIGCHLD) != bool(options & _WCLONE)
    return pid if eligible else 0


def asked_pid(slot: Slot) -> int:
    """The one child the program waited for (wait4 with a pid above 0, waitid P_PID), else
    0.  A report that reaps anything for such a wait reaped that child, whatever pid the
    kernel puts in it: Linux answers only with the child asked for, and a program may
    take the report for it without comparing."""
    if slot.nr == NR_WAIT4:
        pid = slot.args[0] & 0xFFFF_FFFF
    elif slot.args[0] == _P_PID:
        pid = slot.args[1] & 0xFFFF_FFFF
    else:
        return 0
    return pid if 0 < pid < 1 << 31 else 0


def adopted(registry: Registry, parent_root: int, pid: int) -> int:
    """The process a report of `pid` to `parent_root`, no child of it the Guardian knows by
    that pid, reaped: an orphan re-parented to it at its parent's exit
    (forget_original_parent() -> find_new_reaper(): a child subreaper), the one process
    another process was told of by that pid; 0: none.  Linux reports only a child of the
    caller, and a live process's pid is its own: where that process ended unseen and its
    pid went to another, it is gone all the same."""
    found = [key for key in registry.child_pids if key[1] == pid and key[0] != parent_root]
    return registry.child_pids.pop(found[0]) if len(found) == 1 else 0


def end_child(registry: Registry, files: Descriptors, parent_root: int, pid: int) -> None:
    """Commit the end of the fork child (or CLONE_VM child) `pid` of `parent_root` that a
    report reaped (a pid the Guardian does not know as that process's child is passed
    over)."""
    process = registry.child_pids.pop((parent_root, pid), 0) or adopted(registry, parent_root, pid)
    registry.exits.reported.add((parent_root, pid))       # (its end is not reported again)
    files.pidfds.ended(registry.root_domain.get(parent_root, 0), pid)
    registry.exits.reaped(process)
    if process:
        registry.reaped_process_at[process] = registry.next_slot_id()
    group = end_vm_child(registry, parent_root, pid)
    if group:
        files.end_threads([key for key in files.tables
                           if key[0] == parent_root and registry.group_of(*key) == group])
    if not process:
        return
    root = next((r for r, p in registry.process_of_root.items() if p == process), 0) \
        if process else 0
    if not root:
        return                  # torn down already (EXIT_DOMAIN retired its tables)
    del registry.process_of_root[root]
    group = 0                   # the child root's original group is the fork child
    registry.reaped.add((root, group))
    files.end_threads([key for key in files.tables
                       if key[0] == root and registry.group_of(*key) == group])
