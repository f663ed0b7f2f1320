"""fs.suid_dumpable is the kernel's own option (KernelOptions.suid_dumpable, the user's
--launch-suid-dumpable), read at each commit_creds(): not a module-wide value that only
Kernel.__init__ sets, which a kernel restored from a snapshot (unpickled, no __init__)
or one built beside another kernel in the same process would not see."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from kernel_model.credentials import Cred
from kernel_model.kernel import KernelOptions
from kernel_model.process import Process, Thread
from kernel_model.syscalls import creds


def _thread(mm: object = None, pid: int = 7) -> Thread:
    mm = mm if mm is not None else SimpleNamespace(dumpable=1)     # (mm->flags alone)
    p = Process(pid=pid, parent=None, mm=mm, fds={}, sigactions=None)  # type: ignore[arg-type]
    t = Thread(tid=pid, process=p)
    t.cred = Cred()                     # root (all ids 0)
    p.threads = [t]
    return t


@pytest.mark.parametrize("value", [0, 1, 2])
def test_setuid_leaves_the_kernels_own_suid_dumpable(value: int) -> None:
    k = SimpleNamespace(options=KernelOptions(Path("/"), suid_dumpable=value))  # (unpickled)
    t = _thread()
    assert creds.sys_setuid(k, t, (65534, 0, 0, 0, 0, 0)) == 0   # type: ignore[arg-type]
    assert t.cred.euid == 65534
    assert t.process.dumpable == value              # commit_creds(): set_dumpable()


def test_a_clone_vm_childs_setuid_sets_the_shared_mms_mode() -> None:
    """A vfork or CLONE_VM child (another process on its parent's mm): its setuid()'s
    commit_creds() runs set_dumpable(task->mm, suid_dumpable) on the mm both share, so the
    parent's PR_GET_DUMPABLE (get_dumpable(current->mm)) answers fs.suid_dumpable too (the
    model kept the mode per process before, answering 1 there)."""
    k = SimpleNamespace(options=KernelOptions(Path("/"), suid_dumpable=0))
    parent = _thread()
    child = _thread(parent.process.mm, pid=8)
    assert creds.sys_setuid(k, child, (65534, 0, 0, 0, 0, 0)) == 0   # type: ignore[arg-type]
    assert parent.process.dumpable == 0 and child.process.dumpable == 0

