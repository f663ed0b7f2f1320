"""Kernel model: sched_getparam() of a pid no task holds answers -ESRCH, storing nothing.

SYSCALL_DEFINE2(sched_getparam): find_process_by_pid() -> find_task_by_vpid() finds no
task (`retval = -ESRCH; if (!p) goto out_unlock;`) before copy_to_user(param); the
Guardian's cut.first_tests (guardian/first_tests.py) refuses a store at param for a pid
at or past PID_MAX_LIMIT, so the model must not make one."""

from __future__ import annotations

import errno
from types import SimpleNamespace

from kernel_model.syscalls.misc import sys_sched_getparam


def test_sched_getparam_of_no_task_stores_nothing() -> None:
    writes: list[int] = []
    k = SimpleNamespace(threads={7: object()},
                        uaccess=SimpleNamespace(write_u32=lambda va, v: writes.append(va)))
    assert sys_sched_getparam(k, None, (4 * 1024 * 1024, 0x1000)) == -errno.ESRCH
    assert sys_sched_getparam(k, None, (8, 0x1000)) == -errno.ESRCH
    assert writes == []
    assert sys_sched_getparam(k, None, (7, 0x1000)) == 0          # a thread's own pid
    assert sys_sched_getparam(k, None, (0, 0x2000)) == 0          # the caller
    assert writes == [0x1000, 0x2000]
