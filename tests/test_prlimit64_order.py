"""prlimit64() in the kernel model in SYSCALL_DEFINE4(prlimit64)'s order: the new limits
copied in, the task found by any thread id, do_prlimit()'s tests, the new limits set, and
only then the old ones copied out -- a failed call stores nothing at old_rlim."""

from __future__ import annotations

import errno
import struct
from dataclasses import replace
from pathlib import Path

from kernel_model.kernel import Kernel
from kernel_model.syscalls.misc import sys_prlimit64
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NOFILE, STACK = 7, 3


def _kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    return k


def _call(k: Kernel, resource: int, new: tuple[int, int] | None, pid: int = 0) -> tuple[int, bytes]:
    t = k.init.threads[0]
    k.uaccess.write(BUF, b"\xAA" * 32)
    if new is not None:
        k.uaccess.write(BUF, struct.pack("<QQ", *new))
    ret = sys_prlimit64(k, t, (pid, resource, BUF if new else 0, BUF + 16, 0, 0))
    return ret, k.uaccess.read(BUF + 16, 16)


def test_a_refused_change_stores_no_old_limits(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    ret, old = _call(k, NOFILE, (10, 5))                # soft above hard: -EINVAL
    assert ret == -errno.EINVAL and old == b"\xAA" * 16
    ret, old = _call(k, NOFILE, (10, (1 << 20) + 1))    # past fs.nr_open: -EPERM
    assert ret == -errno.EPERM and old == b"\xAA" * 16


def test_root_raises_a_hard_limit_and_gets_the_old_one(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    ret, old = _call(k, NOFILE, (2048, 8192))           # CAP_SYS_RESOURCE: allowed
    assert ret == 0 and struct.unpack("<QQ", old) == (1024, 4096)
    assert k.init.rlimits[NOFILE] == (2048, 8192)


def test_without_cap_sys_resource_a_hard_raise_is_refused(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    t = k.init.threads[0]
    t.cred = replace(t.cred, cap_effective=0)
    ret, old = _call(k, STACK, (8 << 20, 1 << 40))      # RLIM_INFINITY down... then up
    assert ret == 0
    ret, old = _call(k, STACK, (8 << 20, 1 << 41))
    assert ret == -errno.EPERM and old == b"\xAA" * 16


def test_a_pid_no_task_holds_is_esrch(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    ret, old = _call(k, NOFILE, None, pid=4_000_000)
    assert ret == -errno.ESRCH and old == b"\xAA" * 16
