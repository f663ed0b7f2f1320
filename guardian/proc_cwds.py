"""The working directories /proc/self/cwd and /proc/thread-self/cwd reach, where the
program itself set them.

proc_cwd_link() reads the task's fs->pwd: /proc/thread-self/cwd is the calling thread's
own, /proc/self/cwd (/proc/<own pid>/cwd) the thread group leader's (proc_self_get_link()
names the tgid), the caller's where every thread of its group the Guardian follows shares
one fs_struct (CLONE_FS).  The Guardian knows that directory by the name the program's
chdir/fchdir gave (`WorkDir`); only a /proc directory is followed there (fd_names.py),
whose names are read lexically (no symlink between).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from guardian.fd_names import Reach, workdir_path

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot


def proc_cwds(files: Descriptors, slot: Slot, reach: Reach) -> Reach:
    """`reach` with the working directories /proc/thread-self/cwd and /proc/self/cwd reach,
    where the caller's is a /proc directory the Guardian knows."""
    key = (slot.root, slot.thread)
    wd = files.workdirs.get(key)
    if wd is None or wd.path is None or not wd.path.startswith("/proc"):
        return reach
    path = workdir_path(wd, reach)
    reg = files.admission.registry
    group = reg.group_of(*key)
    # (copy_fs(): a thread cloned without CLONE_FS, or one that unshared, has its own)
    shared = reach.leader and all(
        files.workdirs.get(k) is wd for k in files.tables
        if k[0] == slot.root and reg.group_of(*k) == group)
    return replace(reach, thread_cwd=path, self_cwd=path if shared else None)
