"""The working directories /proc/self/cwd and /proc/thread-self/cwd reach, where the
program itself set them.

proc_cwd_link() reads the task's fs->pwd: /proc/thread-self/cwd is the calling thread's
own, /proc/self/cwd (/proc/<own pid>/cwd) the thread group leader's (proc_self_get_link()
names the tgid), the caller's where every thread of its group the Guardian follows shares
one fs_struct (CLONE_FS), else the leader's own where it is alive (a thread cloned without
CLONE_FS: copy_fs() gives it a copy, the leader's stays).  The Guardian knows that
directory by the name the program's chdir/fchdir gave (`WorkDir`); only a /proc directory
is followed there (fd_names.py), whose names are read lexically (no symlink between), and
"/" where no chroot or mount was seen (then /proc/self/root is "/" too: proc_root_link()).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from guardian.fd_names import Reach, workdir_path
from guardian.foreign_tasks import MOUNTING
from guardian.open_files import CWD_CALLS

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import WorkDir
    from guardian.slots import Slot



def _known(wd: WorkDir | None, root: bool) -> bool:
    """Is `wd` a working directory followed here: a /proc directory, or "/" with `root`?"""
    return wd is not None and wd.path is not None and (
        wd.path == "/proc" or wd.path.startswith("/proc/") or wd.path == "/" and root)


def _leader(files: Descriptors, root: int, group: int) -> tuple[int, int] | None:
    """The thread group's leader (its first thread: a group's id, a fork child's first,
    the original group's first table), where the Guardian follows it."""
    reg = files.admission.registry
    first = group or reg.process_of_root.get(root) or min(
        (th for r, th in files.tables if r == root and reg.group_of(r, th) == 0), default=None)
    key = (root, first) if first is not None else None
    return key if key in files.tables and reg.group_of(root, first) == group else None


def proc_cwds(files: Descriptors, slot: Slot, reach: Reach) -> Reach:
    """`reach` with the working directories /proc/thread-self/cwd and /proc/self/cwd reach,
    where the caller's is a /proc directory the Guardian knows."""
    key = (slot.root, slot.thread)
    reg = files.admission.registry
    root = not files.admitted_reads.root_moved and not any(
        s.nr in MOUNTING for s in reg.slots.values())
    reach = replace(reach, root=root)
    wd = files.workdirs.get(key)
    group = reg.group_of(*key)
    # (copy_fs(): a thread cloned without CLONE_FS, or one that unshared, has its own)
    shared = reach.leader and all(
        files.workdirs.get(k) is wd for k in files.tables
        if k[0] == slot.root and reg.group_of(*k) == group)
    # (the walk reads fs->pwd once, at its start: one a chdir changed meanwhile is unknown)
    thread = workdir_path(wd, reach) \
        if wd is not None and _known(wd, root) and files.wd_steady(slot) else None
    if shared:
        return replace(reach, thread_cwd=thread, self_cwd=thread)
    # (proc_self_get_link() -> the leader: its own fs->pwd, where no chdir may change it)
    lead = _leader(files, slot.root, group)
    lwd = files.workdirs.get(lead) if lead is not None else None
    if lead is None or lead == key or lead in reg.tid_cleared or not _known(lwd, root) or \
            lwd is None or lwd.changed > slot.id or any(
                s.nr in CWD_CALLS and s.root == slot.root
                for s in reg.slots.values() if s.id != slot.id):
        return replace(reach, thread_cwd=thread)
    return replace(reach, thread_cwd=thread, self_cwd=workdir_path(lwd, reach))
