"""An open of a name in the /proc directory or fd directory of a process that was reaped.

A descriptor (or a working directory) of /proc/self/fd names, for good, the fd directory
of the process that opened it (proc_self_get_link() took its pid at the open); so do
/proc/self, /proc/thread-self (proc_thread_self_get_link()), /proc/self/task/<tid>
(proc_task_lookup(): a thread of the opener's group) and /proc/<pid> for the opener's own
pid (the inode holds the struct pid: a later reuse of the number names another), each
with or without "/fd".  Once the opener was reaped (a wait report of it, or of an orphan
it took in; -ECHILD for a wait on it: guardian/wait_reaped.py), a name looked up there
finds no task: may_lookup() -> proc_pid_permission() (-ESRCH), proc_pident_lookup() and
proc_lookupfd_common() -> get_proc_task() is NULL (release_task() detached the pid), and
a cached entry fails pid_revalidate()/tid_fd_revalidate() the same way, whatever the
open's flags (O_PATH and O_CREAT included).  Judged only for a relative name whose first
component is a lookup in that directory (not "." or ".."), from a descriptor or working
directory the caller's table or fs held unchanged through the call, the opener's reap
known before the open entered, and the name at the return the one the kernel was given.
A zombie's table (exit_files()) is released at an instant the Guardian does not see
(exit_group's entry comes before it), so the directory of a process that exited but was
not reaped is not judged.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import opener_of, read_name
from guardian.foreign_tasks import MOUNTING
from guardian.opener_tables import dir_base
from guardian.sole_reopens import name_quiet

if TYPE_CHECKING:
    from guardian.fd_names import Reach
    from guardian.open_files import OpenFile, WorkDir
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

#: the fd directories whose "self" a process takes at its open
_SELF_FD = ("/proc/self/fd", "/proc/self/fd/", "/dev/fd", "/dev/fd/")
#: (name_to_int(): a number with no leading zero, at most UINT_MAX)
_NUMBER = re.compile(r"0|[1-9]\d{0,9}")
#: calls that may change which directory the caller's working directory is
_CWD = frozenset(NUMBERS[n] for n in ("chdir", "fchdir", "chroot", "unshare", "setns")
                 if n in NUMBERS)


def names_opener(base: OpenFile | WorkDir, reach: Reach, pids: dict[int, int]) -> bool:
    """Does `base`, opened by another process (`opened_by`, its original thread group),
    name a directory of that process's own or of one of its threads for good: /proc/self,
    /proc/thread-self (proc_self_get_link(), proc_thread_self_get_link() took the opener
    at the open), /proc/self/task/<tid> (proc_task_lookup(): a thread of the opener's
    group), /proc/<pid> for the pid its parent was told of it (`ExitRecords.pids`: a pid
    the parent was told of later for another child is not that one), each with or
    without "/fd", and /dev/fd?"""
    path = base.path
    if path is None or not base.opened_by or \
            base.opener is not None and opener_of(path, reach) == base.opener:
        return False
    if path in _SELF_FD:
        return base.opener is not None and base.opener[1] >= 0
    parts = path.rstrip("/").split("/")[2:]
    if parts[-1:] == ["fd"]:
        parts.pop()
    if parts == ["thread-self"]:
        return base.opener is not None and base.opener[1] < 0
    if parts == ["self"] or len(parts) == 3 and parts[:2] == ["self", "task"] and \
            _NUMBER.fullmatch(parts[2]):
        return base.opener is not None and base.opener[1] >= 0
    return len(parts) == 1 and _NUMBER.fullmatch(parts[0]) is not None and \
        path.startswith("/proc/") and pids.get(int(parts[0])) == base.opened_by


def reaped_before(sole: SoleHeld, process: int, slot: Slot) -> bool:
    """Did a wait report reap `process` (`Registry.process_of_root`) before `slot`'s call
    entered?"""
    at = sole.files.admission.registry.reaped_process_at.get(process) if process else None
    return at is not None and at <= slot.id


def check_dead_fd_dir(sole: SoleHeld, slot: Slot) -> None:
    """`return.fd_dir_reaped`: an open of a name relative to another process's
    /proc/self/fd (a descriptor of it, a working directory set by fchdir() to it), that
    process reaped before the open entered, never succeeds: proc_lookupfd_common(),
    -ENOENT."""
    files = sole.files
    reg = files.admission.registry
    if files.admitted_reads.names_moved or any(
            s.nr in MOUNTING or (s.id != slot.id and s.nr in _CWD)
            for s in reg.slots.values()):
        return
    name = read_name(files.memory, slot, slot.args[1])
    if not name or name.startswith("/") or name.split("/")[0] in (".", ".."):
        return
    base = dir_base(files, slot, slot.args[0], steady=True)
    if base is None or not names_opener(base, files.reach(slot), reg.exits.pids):
        return
    if not reaped_before(sole, base.opened_by, slot) or \
            not name_quiet(sole, slot, len(name.encode()) + 1):
        return
    refuse("return.fd_dir_reaped", Status.ERR_DENIED,
           f"an open of {name!r} in {base.path} of a process a wait reaped succeeds: "
           "proc_pid_permission(), proc_pident_lookup() and proc_lookupfd_common() find "
           "no task (get_proc_task() is NULL), -ESRCH or -ENOENT")
