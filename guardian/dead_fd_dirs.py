"""An open of a name in the fd directory of a process that was reaped.

A descriptor (or a working directory) of /proc/self/fd names, for good, the fd directory
of the process that opened it (proc_self_get_link() took its pid at the open).  Once a
wait report reaped that process, a name looked up in that directory finds no task:
proc_lookupfd_common() -> get_proc_task() is NULL (release_task() detached the pid), and a
cached entry fails tid_fd_revalidate() the same way, so the walk ends with -ENOENT,
whatever the open's flags (O_PATH and O_CREAT included).  Judged only for a relative name
whose first component is a lookup in that directory (not "." or ".."), from a descriptor
or working directory the caller's table or fs held unchanged through the call, the
opener's reap reported before the open entered, and the name at the return the one the
kernel was given.  /proc/<pid>/fd/N by number is not judged: after the reap that pid may
name a new process (alloc_pid() reuses ids).  A zombie's table (exit_files()) is released
at an instant the Guardian does not see (exit_group's entry comes before it), so the fd
directory of a process that exited but was not reaped is not judged either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import opener_of, read_name
from guardian.foreign_tasks import MOUNTING
from guardian.opener_tables import dir_base
from guardian.sole_reopens import name_quiet

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

#: the fd directories whose "self" a process takes at its open
_SELF_FD = ("/proc/self/fd", "/proc/self/fd/", "/dev/fd", "/dev/fd/")
#: calls that may change which directory the caller's working directory is
_CWD = frozenset(NUMBERS[n] for n in ("chdir", "fchdir", "chroot", "unshare", "setns")
                 if n in NUMBERS)


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
    if base is None or base.opener is None or base.path not in _SELF_FD or \
            base.opener[1] < 0 or opener_of(base.path, files.reach(slot)) == base.opener:
        return
    if not reaped_before(sole, base.opened_by, slot) or \
            not name_quiet(sole, slot, len(name.encode()) + 1):
        return
    refuse("return.fd_dir_reaped", Status.ERR_DENIED,
           f"an open of {name!r} in the fd directory of a process a wait reaped succeeds: "
           "proc_lookupfd_common() finds no task (get_proc_task() is NULL), -ENOENT")
