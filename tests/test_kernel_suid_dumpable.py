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


def _thread() -> Thread:
    p = Process(pid=7, parent=None, mm=None, fds={}, sigactions=None)  # type: ignore[arg-type]
    t = Thread(tid=7, process=p)
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
