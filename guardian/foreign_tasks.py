"""An open by a name of /proc/self/task/<tid> (or /proc/<own pid>/task/<tid>) where <tid>
is the id of a live thread of another process.

proc_task_lookup() finds a task in /proc/<pid>/task only where it is of the directory's
thread group (same_thread_group()); else the walk ends with -ENOENT, whatever the open's
flags (O_PATH and O_CREAT included: the directory takes no new entries).  The Guardian
knows a thread's id where its gettid told it; the thread is surely alive through the
open where one of its calls entered before the open and is still in flight, and an id
names one live task (alloc_pid()).  Judged only where the name at the return is the one
the kernel was given and no call that may mount another /proc (mount, unshare, setns...)
was made or is in flight: the task ids /proc reads are those of its own pid namespace.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import read_name
from guardian.opener_tables import dir_base
from guardian.proc_numbers import name_to_int
from guardian.sole_reopens import name_quiet

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR_OPENAT2 = NUMBERS["openat2"]
RESOLVE_IN_ROOT = 0x10
#: calls that may put another /proc where the program's names reach
MOUNTING = frozenset(NUMBERS[n] for n in (
    "mount", "umount2", "chroot", "pivot_root", "unshare", "setns", "move_mount",
    "open_tree", "fsmount", "mount_setattr", "symlinkat", "renameat", "renameat2",
    "linkat") if n in NUMBERS)
#: a relative name whose first component is a task id
_OWN_FIRST = re.compile(r"^([0-9]+)(?:/.*)?\Z", re.DOTALL)
_SELF_TASK = ("/proc/self/task", "/proc/self/task/")
_TASK = re.compile(r"^/proc/(self|[0-9]+)/task/([^/]+)(?:/.*)?\Z", re.DOTALL)


def opened_name(sole: SoleHeld, slot: Slot) -> tuple[str, int] | None:
    """The absolute name the open in `slot` passed, resolved lexically, and its length."""
    files, a, in_root = sole.files, slot.args, False
    if slot.nr == _NR_OPENAT2:
        raw = files.memory.read(a[2], 24, slot.root)
        if raw is None:
            return None
        in_root = bool(struct.unpack("<QQQ", raw)[2] & RESOLVE_IN_ROOT)
    name = read_name(files.memory, slot, a[1])
    if name is None or not name.startswith("/") and not files.base_steady(slot, a[0]):
        return None         # (the directory it started from may be another by now)
    path = files.resolve(slot, a[0], name, in_root)
    return (path, len(name.encode()) + 1) if path is not None else None


def _foreign_live(sole: SoleHeld, slot: Slot, tid: int) -> bool:
    """Is `tid` the told id of a thread of another thread group than the caller's, one of
    whose calls entered before `slot` and is still in flight?"""
    files = sole.files
    reg = files.admission.registry
    group = reg.group_of(slot.root, slot.thread)
    for s in reg.slots.values():
        key = (s.root, s.thread)
        if s.id >= slot.id or files.tids.get(key) != tid or s.root in files.retired or \
                (s.root == slot.root and reg.group_of(*key) == group) or \
                reg.group_exited(*key) or reg.was_reaped(*key) or key in reg.tid_cleared:
            continue
        return True
    return False


def check_foreign_task(sole: SoleHeld, slot: Slot) -> None:
    """`return.task_foreign`: an open of /proc/self/task/<tid>/... (or /proc/<own
    pid>/task/<tid>/...), <tid> a live thread of another process, never succeeds:
    proc_task_lookup() answers -ENOENT."""
    files = sole.files
    reg = files.admission.registry
    if files.admitted_reads.names_moved or any(s.nr in MOUNTING for s in reg.slots.values()):
        return
    _opener_task(sole, slot)
    got = opened_name(sole, slot)
    m = _TASK.match(got[0]) if got is not None else None
    if m is None or got is None:
        return
    who = m.group(1)
    # (proc_task_lookup() -> name_to_int(): no leading zero, '0'..'9' only, ~0U past
    # UINT_MAX)
    tid = name_to_int(m.group(2))
    if tid is None:
        if name_quiet(sole, slot, got[1]):
            _refuse(m.group(2))
        return
    if who != "self":
        reach = files.reach(slot)
        pid = name_to_int(who)
        if pid is None or not reach.own_pids or \
                files.table(slot.root, slot.thread).pids != {pid}:
            return
    if not _foreign_live(sole, slot, tid) or not name_quiet(sole, slot, got[1]):
        return
    refuse("return.task_foreign", Status.ERR_DENIED,
           f"an open of a name in /proc/self/task/{tid} succeeds, {tid} a live thread of "
           "another process: proc_task_lookup() finds no such thread in the caller's "
           "group (ENOENT)")


def _refuse(entry: str) -> None:
    """No task directory has an entry that is not a thread id: proc_task_lookup() ->
    name_to_int() finds none (ENOENT); /proc/thread-self/.. is the caller's task
    directory (the link followed first), so "/proc/thread-self/../task" is one such."""
    refuse("return.task_foreign", Status.ERR_DENIED,
           f"an open of a name in /proc/self/task/{entry} succeeds: proc_task_lookup() "
           "finds no thread by a name that is no number (ENOENT)")


def _opener_task(sole: SoleHeld, slot: Slot) -> None:
    """A relative "<own tid>/..." from a /proc/self/task directory another process opened
    (its descriptor copied by fork, or the working directory fchdir() set to it): that
    directory is the opener's task directory (proc_self_get_link() took the opener's pid
    at its open), and the caller, of another thread group, is no thread of it
    (proc_task_lookup(): ENOENT)."""
    files = sole.files
    if slot.nr == _NR_OPENAT2:
        return
    name = read_name(files.memory, slot, slot.args[1])
    m = _OWN_FIRST.match(name) if name is not None else None
    reach = files.reach(slot)
    if m is None or name is None or reach.tid is None or name_to_int(m.group(1)) != reach.tid:
        return
    base = dir_base(files, slot, slot.args[0], steady=True)
    if base is None or base.path not in _SELF_TASK or base.opener is None or \
            base.opener[1] < 0 or reach.process is None or base.opener == reach.process:
        return
    if name_quiet(sole, slot, len(name.encode()) + 1):
        refuse("return.task_foreign", Status.ERR_DENIED,
               f"an open of \"{m.group(1)}/...\" succeeds relative to another process's "
               "/proc/self/task, the caller's own tid: proc_task_lookup() finds no such "
               "thread in the opener's group (ENOENT)")
