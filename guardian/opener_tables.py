"""Another process's descriptor table, reached through /proc from a fork child.

A descriptor (or a working directory) of /proc/self/fd that a process opened names that
process's fd directory for good: proc_self_get_link() took the opener's pid at the open,
so the fork child's copy of it (dup_fd(); fchdir() to it: set_fs_pwd() takes its path)
reads the parent's table, and so does /proc/<the parent's pid>/fd (proc_fd_link() ->
get_files_struct() of that task).  The Guardian reads that table only where it knows it
as the kernel did at the child's call: the opener's process lives (not exited, not
reaped: the pid is still its own), every thread of it holds that one table, and no call
that may change which open file a number names returned since the child's call entered
or is in flight (the parent blocked in wait4(), say), in any process holding that table
(a clone(CLONE_FILES) child shares it: /proc/<pid>/fd by the process's own told pid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.descriptors import AT_FDCWD
from abi.syscalls import NUMBERS
from guardian.fd_names import opener_of
from guardian.fd_results import s32
from guardian.proc_numbers import name_to_int

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.open_files import FileTable, OpenFile, WorkDir
    from guardian.slots import Slot

#: the fd directories whose "self" a process takes at its open
_CLONES = frozenset(NUMBERS[n] for n in ("clone", "clone3", "vfork") if n in NUMBERS)
_SELF_FD = ("/proc/self/fd", "/proc/self/fd/", "/dev/fd", "/dev/fd/")


def vfork_suspended(reg: Registry, s: Slot) -> bool:
    """Is `s` a clone(CLONE_VFORK) whose caller waits for its child (wait_for_vfork_done()
    until the child execs or exits)?  Its copy_process() made every change to the
    caller's table it makes (CLONE_PIDFD's fd_install()) before the child ran."""
    return s.nr in _CLONES and (s.root, s.thread) in reg.vfork_waiting


def process_table(files: Descriptors, slot: Slot, root: int, group: int) -> FileTable | None:
    """The table of the process (root, thread group), where it lives, all its threads
    the Guardian follows hold that one table, and it stayed as the slot's call found it
    at its entry (`Descriptors._child_table`'s test); None: not known."""
    reg = files.admission.registry
    if root in files.retired:
        return None
    held = [(th, t) for (r, th), t in files.tables.items()
            if r == root and reg.group_of(r, th) == group]
    if not held or len({id(t) for _, t in held}) != 1:
        return None
    thread, table = held[0]
    if reg.group_exited(root, thread) or reg.was_reaped(root, thread):
        return None
    return table if files.unchanged_since(slot, table) else None


def _ancestors(files: Descriptors, slot: Slot) -> list[tuple[int, int | None]]:
    """The (root, thread group; None: not known) of the slot's process's parent, its
    parent's parent, ...: the one process whose fork told it the child's pid
    (`Registry.child_pids`), or the one whose vfork waits for it (`vfork_waiting`)."""
    reg = files.admission.registry
    me = reg.group_of(slot.root, slot.thread) or reg.process_of_root.get(slot.root, 0)
    root = slot.root
    out: list[tuple[int, int | None]] = []
    while me:
        parents: set[tuple[int, int | None]] = {
            (r, None) for (r, _), proc in reg.child_pids.items() if proc == me}
        parents |= {(r, reg.group_of(r, th)) for (r, th), child in reg.vfork_waiting.items()
                    if r == root and child == me}
        if len(parents) != 1:
            break
        up = parents.pop()
        if up in out or up[0] == slot.root and up[1] is None:
            break
        out.append(up)
        root = up[0]
        me = up[1] or reg.process_of_root.get(root, 0)
    return out


def parent_table(files: Descriptors, slot: Slot, pid: int) -> FileTable | None:
    """The table /proc/<pid>/fd reaches where `pid` is the pid the slot's process's
    parent (or an ancestor of it: a grandparent waiting in wait4()) was told by getpid()
    (and no other process holds its table); None: not known."""
    reg = files.admission.registry
    for root, known in _ancestors(files, slot):
        groups = {reg.group_of(r, th) for (r, th), t in files.tables.items()
                  if r == root and pid in t.pids
                  and (known is None or reg.group_of(r, th) == known)}
        if len(groups) != 1:
            continue
        group = groups.pop()
        table = process_table(files, slot, root, group)
        if table is None or any(
                t is table and (r, reg.group_of(r, th)) != (root, group)
                for (r, th), t in files.tables.items() if r not in files.retired) and \
                not _own_pid(reg, root, group, pid):
            return None
        return table
    return None


def _own_pid(reg: Registry, root: int, group: int, pid: int) -> bool:
    """Was `pid` told to the process (root, thread group) as its own (getpid, its
    parent's fork)?  /proc/<pid>/fd is then its table (proc_fd_link() ->
    get_files_struct()), whichever other process shares it (clone(CLONE_FILES)):
    `process_table` took it unchanged by every holder's call since the slot's entry
    (`Descriptors.unchanged_since` counts each thread holding it)."""
    domain = reg.root_domain.get(root)
    space = reg.space_of(domain, root) if domain else None
    return space is not None and space.pids.get(group) == pid


def dir_base(files: Descriptors, slot: Slot, dirfd: int, steady: bool = False
             ) -> OpenFile | WorkDir | None:
    """Where a relative name from dirfd starts in the slot's thread: its working
    directory (AT_FDCWD) or the open file dirfd names (steady: only where the table is
    unchanged since the call entered, the working directory not changed); None: not
    known."""
    key = (slot.root, slot.thread)
    if s32(dirfd) == AT_FDCWD:
        return files.workdirs.get(key) if not steady or files.wd_steady(slot) else None
    table = files.tables.get(key)
    if table is None or (steady and not files.unchanged_since(slot, table)):
        return None
    return table.fds.get(s32(dirfd))


def through_opener(files: Descriptors, slot: Slot, dirfd: int, name: str) -> OpenFile | None:
    """The open file a relative number `name` opens again from dirfd (AT_FDCWD: the
    working directory) where that directory is another process's /proc/self/fd (or
    /dev/fd), opened by it: that process's descriptor, where its table is known; None:
    not known."""
    fd = name_to_int(name)                  # (proc_lookupfd_common())
    if fd is None:
        return None
    base = dir_base(files, slot, dirfd, steady=True)
    if base is None or base.opener is None or base.path not in _SELF_FD or \
            base.opener[1] < 0 or opener_of(base.path, files.reach(slot)) == base.opener:
        return None
    other = process_table(files, slot, *base.opener)
    return other.fds.get(fd) if other is not None else None
