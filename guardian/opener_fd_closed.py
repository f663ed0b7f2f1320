"""An open of a descriptor another process closed, through that process's /proc/<pid>
reached as a fork child's working directory.

chdir("/proc/self") takes the link at the call (proc_self_get_link(): /proc/<pid> of
the caller), and a fork child's working directory is that same dentry (copy_fs()): the
child's "fd/N" and "/proc/self/cwd/fd/N" (proc_cwd_link() -> nd_jump_link()) look N up in
the parent's table (proc_lookupfd_common() -> get_proc_task() -> fcheck_files()), not in
the child's copy of it.  Where the Guardian knows that table as the kernel did at the
child's call (`opener_tables.process_table`) and the parent closed N before the call (no
descriptor made since), such an open finds no N: -ENOENT, whatever its flags.  So does
"N" (or /proc/self/cwd/N) in a working directory /proc/<pid>/fd that a child cloned with
CLONE_FS entered by chdir("/proc/self/fd"): copy_fs() shares the fs_struct, so it is the
program's too (the Guardian's WorkDir is one object for both), and N is looked up in the
child's table.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import AT_FDCWD
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import opener_of, read_name
from guardian.fd_results import s32
from guardian.foreign_tasks import MOUNTING
from guardian.opener_tables import dir_base, process_table
from guardian.proc_numbers import name_to_int
from guardian.sole_reopens import name_quiet

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

#: calls that may change which directory a working directory is
_CWD = frozenset(NUMBERS[n] for n in ("chdir", "fchdir", "chroot", "unshare", "setns")
                 if n in NUMBERS)
#: a pid directory taken at the open or chdir (proc_self_get_link())
_SELF = ("/proc/self", "/proc/self/")
_SELF_FD = ("/proc/self/fd", "/proc/self/fd/")


def _fd_name(sole: SoleHeld, slot: Slot, name: str) -> str | None:
    """The "fd/N" `name` looks up in the caller's working directory (relative from
    AT_FDCWD, or through /proc/thread-self/cwd, or /proc/self/cwd of a process of one
    thread); None: no such name."""
    files = sole.files
    reg = files.admission.registry
    key = (slot.root, slot.thread)
    if not name.startswith("/"):
        return posixpath.normpath(name) if s32(slot.args[0]) == AT_FDCWD else None
    parts = name.split("/")
    if parts[1:3] == ["proc", "thread-self"] or parts[1:3] == ["proc", "self"] and [
            k for k in files.tables if k[0] == slot.root
            and reg.group_of(*k) == reg.group_of(*key)] == [key]:
        if parts[3:4] == ["cwd"]:
            return posixpath.normpath("/".join(parts[4:]) or ".")
    return None


def check_opener_fd_closed(sole: SoleHeld, slot: Slot) -> None:
    """`return.fd_dir_closed`: an open of "fd/N" in a working directory /proc/<pid> another
    process (a fork child's parent) entered by chdir("/proc/self"), N a descriptor that
    process closed before the call, none made since, never succeeds."""
    files = sole.files
    reg = files.admission.registry
    name = read_name(files.memory, slot, slot.args[1])
    if not name or not name.rstrip("/").rsplit("/", 1)[-1].isdigit():
        return                  # (no "fd/N" or "N" name: most opens)
    if files.admitted_reads.names_moved or any(
            s.nr in MOUNTING or (s.id != slot.id and s.nr in _CWD)
            for s in reg.slots.values()):
        return
    rel = _fd_name(sole, slot, name)
    base = dir_base(files, slot, AT_FDCWD, steady=True)
    if rel is None or base is None or base.path not in _SELF + _SELF_FD or \
            base.opener is None or base.opener[1] < 0 or \
            opener_of(base.path, files.reach(slot)) == base.opener:
        return
    # (the name read lexically from /proc/<pid> or /proc/<pid>/fd: procfs has no link
    # between, and "/proc/self" was taken at the chdir)
    full = posixpath.normpath(posixpath.join("/proc/self", base.path[len("/proc/self"):]
                                             .lstrip("/"), rel))
    parts = full.split("/")
    fd = name_to_int(parts[4]) if len(parts) == 5 and parts[:4] == ["", "proc", "self", "fd"] \
        else None
    if fd is None:
        return
    table = process_table(files, slot, *base.opener)
    freed_at = table.free.get(fd) if table is not None else None
    if table is None or fd in table.fds or freed_at is None or freed_at > slot.id or \
            not name_quiet(sole, slot, len(name.encode()) + 1):
        return
    refuse("return.fd_dir_closed", Status.ERR_DENIED,
           f"an open of {name!r} in the working directory /proc/<pid> of another process "
           f"succeeds, but that process closed descriptor {fd} before the call: "
           "proc_lookupfd_common() finds none (ENOENT)")
