"""An open of a /proc pid entry or a fdinfo entry that is no number to name_to_int().

/proc's root looks a name up in its own entries first (proc_root_lookup() ->
proc_lookup(): self, thread-self, sys, meminfo, ... none of them made of digits only),
then as a pid (proc_pid_lookup() -> name_to_int()): a name of ASCII digits only that
name_to_int() takes for no number ("0<pid>", past UINT_MAX) is no entry, -ENOENT for
every open.  A fdinfo directory has no entry but a descriptor number
(proc_fdinfo_lookup() -> proc_lookupfd_common() -> name_to_int(): -ENOENT).  Judged only
where the name at the return is the one the kernel was given and no call that may mount
another /proc or change what "/" names was made (root_moves.py) or is in flight
(foreign_tasks.MOUNTING).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import read_name
from guardian.foreign_tasks import MOUNTING, opened_name
from guardian.opener_tables import dir_base
from guardian.proc_numbers import is_number
from guardian.sole_reopens import name_quiet

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR_OPENAT2 = NUMBERS["openat2"]
#: ASCII digits only: no /proc root entry but a pid is named so
_DIGITS = re.compile(r"^[0-9]+\Z")
#: a fdinfo directory of /proc/<pid>, /proc/thread-self or a task, and the entry after it
_FDINFO = re.compile(
    r"^/proc/(?:self|thread-self|[0-9]+)(?:/task/[0-9]+)?/fdinfo/([^/]+)(?:/.*)?\Z", re.DOTALL)


def absent_entry(path: str) -> str | None:
    """The entry of the absolute, lexically normalised `path` /proc looks up and finds
    none of, as above; None: none such."""
    comps = path.split("/")
    if len(comps) > 2 and comps[1] == "proc" and _DIGITS.match(comps[2]) and \
            not is_number(comps[2]):
        return comps[2]                     # (proc_pid_lookup(): no task)
    m = _FDINFO.match(path)
    if m is not None and not is_number(m.group(1)):
        return m.group(1)                   # (proc_lookupfd_common(): no descriptor)
    return None


def _may_reach_proc(sole: SoleHeld, slot: Slot) -> bool:
    """May the open's name reach /proc lexically: it names "proc" or "dev" (/dev/fd), or
    is relative to a /proc or /dev directory?  (Most opens do not: judged no further.)"""
    files = sole.files
    name = read_name(files.memory, slot, slot.args[1])
    if name is None or "proc" in name or "dev" in name:
        return name is not None
    if name.startswith("/"):
        return False
    base = dir_base(files, slot, slot.args[0])
    path = base.path if base is not None else None
    return path is not None and path.startswith(("/proc", "/dev"))


def check_proc_entry(sole: SoleHeld, slot: Slot) -> None:
    """`return.proc_entry_absent`: an open of /proc/<digits name_to_int() takes for no
    pid>/... or of a fdinfo entry that is no descriptor number never succeeds."""
    reg = sole.files.admission.registry
    if not _may_reach_proc(sole, slot) or sole.files.admitted_reads.root_moved or any(
            s.nr in MOUNTING for s in reg.slots.values()):
        return
    got = opened_name(sole, slot)
    entry = absent_entry(got[0]) if got is not None else None
    if got is None or entry is None or not name_quiet(sole, slot, got[1]):
        return
    refuse("return.proc_entry_absent", Status.ERR_DENIED,
           f"an open of {got[0]!r} succeeds, but /proc has no entry {entry!r}: "
           "proc_pid_lookup(), proc_lookupfd_common() -> name_to_int() take it for no "
           "number (ENOENT)")
