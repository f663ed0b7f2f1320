"""getpriority and setpriority in the kernel model, as kernel/sys.c answers them.

Found by the Debian differential set's probes (perl's setpriority(0, 0, 5) then
getpriority(0, 0)): the model granted every setpriority and answered every getpriority
20 (nice 0), so the nice value set was never seen again, where Linux answers 15 (the
raw 20 - nice; glibc gives 5).  A nice value belongs to a task (a thread), is clamped to
-20..19, is inherited by a fork child, and PRIO_PGRP and PRIO_USER reach every task of a
process group or a real uid (getpriority: the highest 20 - nice); set_one_prio() wants
the caller's euid to be the task's uid or euid, or CAP_SYS_NICE (-EPERM), and lowering a
nice value past RLIMIT_NICE wants CAP_SYS_NICE (-EACCES).
"""

from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import pytest

from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
PROCESS, PGRP, USER = 0, 1, 2
CAP_SYS_NICE = 23
SIGCHLD = 17


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    return k


def _get(k: Kernel, which: int, who: int) -> int:
    from kernel_model.syscalls.misc import sys_getpriority

    return sys_getpriority(k, k.current, (which, who & 0xFFFF_FFFF, 0, 0, 0, 0))


def _set(k: Kernel, which: int, who: int, nice: int) -> int:
    from kernel_model.syscalls.misc import sys_setpriority

    return sys_setpriority(k, k.current, (which, who & 0xFFFF_FFFF, nice & 0xFFFF_FFFF, 0, 0, 0))


def _fork(k: Kernel) -> int:
    from kernel_model.syscalls.proc import sys_clone

    return sys_clone(k, k.current, (SIGCHLD, 0, 0, 0, 0, 0))


def test_a_nice_value_set_is_the_one_read(kernel: Kernel) -> None:
    assert _get(kernel, PROCESS, 0) == 20
    assert _set(kernel, PROCESS, 0, 5) == 0
    assert _get(kernel, PROCESS, 0) == 15                    # 20 - nice
    assert _get(kernel, PROCESS, kernel.current.tid) == 15
    assert _set(kernel, PROCESS, 0, 100) == 0                 # clamped to 19
    assert _get(kernel, PROCESS, 0) == 1
    assert _set(kernel, PROCESS, 0, -100) == 0                # to -20 (CAP_SYS_NICE)
    assert _get(kernel, PROCESS, 0) == 40


def test_a_fork_child_inherits_it_and_groups_and_users_reach_it(kernel: Kernel) -> None:
    assert _set(kernel, PROCESS, 0, 3) == 0
    child = _fork(kernel)
    assert child > 0
    assert _get(kernel, PROCESS, child) == 17
    assert _set(kernel, PROCESS, child, 10) == 0
    assert _get(kernel, PROCESS, child) == 10
    assert _get(kernel, PGRP, 0) == 17                        # the highest of the group
    assert _get(kernel, USER, 0) == 17
    assert _set(kernel, PGRP, 0, 7) == 0
    assert _get(kernel, PROCESS, child) == 13 and _get(kernel, PROCESS, 0) == 13


def test_the_errors(kernel: Kernel) -> None:
    assert _get(kernel, 3, 0) == -errno.EINVAL
    assert _set(kernel, -1, 0, 0) == -errno.EINVAL
    assert _get(kernel, PROCESS, 4_000_000) == -errno.ESRCH
    assert _set(kernel, PROCESS, 4_000_000, 0) == -errno.ESRCH
    assert _get(kernel, USER, 12345) == -errno.ESRCH
    t = kernel.current
    t.cred = replace(t.cred, cap_effective=t.cred.cap_effective & ~(1 << CAP_SYS_NICE))
    t.process.rlimits[13] = (0, 0)                          # RLIMIT_NICE as Linux's init
    assert _set(kernel, PROCESS, 0, 4) == 0                   # raising needs nothing
    assert _set(kernel, PROCESS, 0, 2) == -errno.EACCES       # lowering past the limit
    assert _get(kernel, PROCESS, 0) == 16
    t.process.rlimits[13] = (18, 18)                          # 20 - nice <= 18: nice >= 2
    assert _set(kernel, PROCESS, 0, 2) == 0
    child = _fork(kernel)
    kernel.threads[child].cred = replace(kernel.threads[child].cred, uid=1000, euid=1000)
    assert _set(kernel, PROCESS, child, 9) == -errno.EPERM
