"""The process each pidfd names, and whether a wait of the program has reaped it.

A pidfd (pidfd_open) names one process for as long as the descriptor lives, never a
later process that reuses its id: pidfd_send_signal aims at that process alone, and once
it has been reaped Linux answers -ESRCH (a zombie not yet reaped still takes a signal).
A program uses both: "the signal I sent through the pidfd went to my child", "a
successful probe (signal 0) means the child is still there".  The Guardian keeps, per
open file (every copy of the descriptor shares it), the pid pidfd_open named and whether
a wait report of the program has since reaped that pid (`return.pidfd_ended`); the send
log aims a pidfd send at that pid (`signal.sender_witnessed`).  process_mrelease()
looks the task up the same way (mm/oom_kill.c: pidfd_get_task() -> pid_task(pid,
PIDTYPE_TGID)), and so do pidfd_getfd() (kernel/pid.c) and process_madvise()
(mm/madvise.c): a reaped process has none, -ESRCH (`check_task`, `TASK_CALLS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.open_files import Description

#: calls that look a pidfd's task up (pidfd_get_task() -> pid_task(pid, PIDTYPE_TGID)):
#: process_mrelease (mm/oom_kill.c), pidfd_getfd (kernel/pid.c), process_madvise
#: (mm/madvise.c) -- a reaped process has none, -ESRCH
TASK_CALLS = frozenset(NUMBERS[n] for n in ("process_mrelease", "pidfd_getfd",
                                            "process_madvise"))


@dataclass
class Target:
    domain: int
    pid: int
    reaped: bool = False


class PidfdTargets:
    def __init__(self) -> None:
        self.targets: dict[Description, Target] = {}

    def opened(self, domain: int, description: Description, pid: int) -> None:
        """pidfd_open(pid) made a descriptor for this open file."""
        self.targets[description] = Target(domain, pid)

    def reopened(self, description: Description, again: Description) -> None:
        """An open of /proc/self/fd/N of this pidfd made a new open file `again` of the
        same pidfs inode (pidfs_alloc_file(): the inode keeps one struct pid): both name
        one process, and a reap ends both."""
        t = self.targets.get(description)
        if t is not None:
            self.targets[again] = t

    def target(self, description: Description) -> int | None:
        t = self.targets.get(description)
        return t.pid if t is not None else None

    def ended(self, domain: int, pid: int) -> None:
        """A wait of the program reaped `pid`: every pidfd naming it names a gone process."""
        for t in self.targets.values():
            if t.domain == domain and t.pid == pid:
                t.reaped = True

    def check_task(self, description: Description | None, nr: int, ret: int) -> None:
        """A call of `TASK_CALLS` answered `ret` (no error) through the pidfd of this open
        file, which named one open file through the call: process_mrelease(),
        pidfd_getfd() and process_madvise() -> pidfd_get_task() find no task of a reaped
        process's struct pid, -ESRCH."""
        t = self.targets.get(description) if description is not None else None
        if t is not None and t.reaped:
            refuse("return.pidfd_ended", Status.ERR_DENIED,
                   f"syscall {nr} answered {ret:#x} through a pidfd of process {t.pid}, which "
                   "a wait of the program reaped: pidfd_get_task() finds no task, -ESRCH")

    def check_send(self, description: Description | None, nr: int, ret: int) -> None:
        """pidfd_send_signal answered `ret` through the pidfd of this open file."""
        t = self.targets.get(description) if description is not None else None
        if ret == 0 and t is not None and t.reaped:
            refuse("return.pidfd_ended", Status.ERR_DENIED,
                   f"syscall {nr} succeeded through a pidfd of process {t.pid}, which a wait "
                   "of the program reaped: Linux answers -ESRCH for a process that is gone")
