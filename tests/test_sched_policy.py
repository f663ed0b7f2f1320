"""sched_setscheduler, sched_setparam, sched_getscheduler and sched_getparam in the kernel
model, as kernel/sched/core.c answers them.

Found by the Debian differential set's python3 probes: os.sched_setscheduler(0,
SCHED_BATCH, ...) failed with ENOSYS (the model had neither sched_setscheduler nor
sched_setparam) and sched_getscheduler always answered SCHED_NORMAL.  The policy and the
real-time priority belong to a task and a fork child inherits them, unless
SCHED_RESET_ON_FORK was set (sched_fork()); __sched_setscheduler() wants a policy Linux
has, 1..99 for SCHED_FIFO and SCHED_RR and 0 for the others, and refuses a deadline policy
without sched_setattr()'s parameters (-EINVAL).
"""

from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import pytest

from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NORMAL, FIFO, RR, BATCH, IDLE, DEADLINE = 0, 1, 2, 3, 5, 6
RESET = 0x4000_0000


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    return k


def _set(k: Kernel, pid: int, policy: int, prio: int) -> int:
    from kernel_model.syscalls.misc import sys_sched_setscheduler

    k.uaccess.write(BUF, (prio & 0xFFFF_FFFF).to_bytes(4, "little"))
    return sys_sched_setscheduler(k, k.current, (pid, policy & 0xFFFF_FFFF, BUF, 0, 0, 0))


def _setparam(k: Kernel, pid: int, prio: int) -> int:
    from kernel_model.syscalls.misc import sys_sched_setparam

    k.uaccess.write(BUF, prio.to_bytes(4, "little"))
    return sys_sched_setparam(k, k.current, (pid, BUF, 0, 0, 0, 0))


def _get(k: Kernel, pid: int) -> int:
    from kernel_model.syscalls.misc import sys_sched_getscheduler

    return sys_sched_getscheduler(k, k.current, (pid & 0xFFFF_FFFF, 0, 0, 0, 0, 0))


def _getparam(k: Kernel, pid: int) -> int:
    from kernel_model.syscalls.misc import sys_sched_getparam

    assert sys_sched_getparam(k, k.current, (pid, BUF + 64, 0, 0, 0, 0)) == 0
    return int.from_bytes(k.uaccess.read(BUF + 64, 4), "little")


def _fork(k: Kernel) -> int:
    from kernel_model.syscalls.proc import sys_clone

    return sys_clone(k, k.current, (17, 0, 0, 0, 0, 0))


def test_a_policy_set_is_the_one_read(kernel: Kernel) -> None:
    assert _get(kernel, 0) == NORMAL
    assert _set(kernel, 0, BATCH, 0) == 0
    assert _get(kernel, 0) == BATCH and _getparam(kernel, 0) == 0
    assert _set(kernel, 0, FIFO, 10) == 0
    assert _get(kernel, 0) == FIFO and _getparam(kernel, 0) == 10
    assert _setparam(kernel, 0, 42) == 0                      # the policy stays
    assert _get(kernel, 0) == FIFO and _getparam(kernel, 0) == 42
    assert _set(kernel, kernel.current.tid, IDLE, 0) == 0
    assert _get(kernel, 0) == IDLE and _getparam(kernel, 0) == 0


def test_the_errors(kernel: Kernel) -> None:
    from kernel_model.syscalls.misc import sys_sched_setscheduler

    assert _set(kernel, 0, -1, 0) == -errno.EINVAL
    assert _set(kernel, 0, 4, 0) == -errno.EINVAL              # no policy 4
    assert _set(kernel, 0, DEADLINE, 0) == -errno.EINVAL       # needs sched_setattr()
    assert _set(kernel, 0, FIFO, 0) == -errno.EINVAL           # 1..99
    assert _set(kernel, 0, RR, 100) == -errno.EINVAL
    assert _set(kernel, 0, BATCH, 1) == -errno.EINVAL          # 0 only
    assert _set(kernel, 0, NORMAL, -1) == -errno.EINVAL
    assert _set(kernel, -1, NORMAL, 0) == -errno.EINVAL
    assert _set(kernel, 4_000_000, NORMAL, 0) == -errno.ESRCH
    assert sys_sched_setscheduler(kernel, kernel.current, (0, NORMAL, 0, 0, 0, 0)) == -errno.EINVAL
    assert _get(kernel, -1) == -errno.EINVAL
    assert _get(kernel, 4_000_000) == -errno.ESRCH
    t = kernel.current
    t.cred = replace(t.cred, cap_effective=t.cred.cap_effective & ~(1 << 23))
    t.process.rlimits[14] = (0, 0)                             # RLIMIT_RTPRIO 0
    assert _set(kernel, 0, FIFO, 5) == -errno.EPERM
    assert _set(kernel, 0, BATCH, 0) == 0


def test_a_fork_child_inherits_unless_reset_on_fork(kernel: Kernel) -> None:
    assert _set(kernel, 0, RR, 7) == 0
    child = _fork(kernel)
    assert _get(kernel, child) == RR and _getparam(kernel, child) == 7
    assert _set(kernel, 0, RR | RESET, 7) == 0
    assert _get(kernel, 0) == RR | RESET
    child = _fork(kernel)
    assert _get(kernel, child) == NORMAL and _getparam(kernel, child) == 0
