"""The kernel model's order of tests and stores where round 90b found it differed from
Linux (kernel_model/syscalls/signal.py sys_setitimer, timers.py sys_timer_create):

- setitimer: SYSCALL_DEFINE3(setitimer) -> get_itimerval() tests the new value
  (timeval_valid()) first; put_itimerval() stores the old one only after do_setitimer()
  succeeded -- an invalid new value leaves the old value's buffer untouched (AY-019);
- timer_create: do_timer_create() copies the new id out before kc->timer_create() ->
  posix_cpu_timer_create() -> lookup_task() fails for a CPU clock of no task: id 0 stored,
  then -EINVAL (the honest store step -y); a sigevent good_sigevent() refuses fails
  before the id's copy (AY-029)."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import pytest

from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
OLD = BUF + 0x100
_X = 0x7878_7878


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    return booted_kernel(tmp_path, BUF)


def _call(fn, k: Kernel, *args: int) -> int:  # noqa: ANN001
    try:
        return fn(k, k.current, (*args, 0, 0, 0, 0, 0, 0)[:6])
    except KernelError as exc:
        return -exc.errno


def test_setitimer_invalid_new_value_stores_no_old_one(kernel: Kernel) -> None:
    from kernel_model.syscalls.signal import sys_setitimer

    kernel.uaccess.write(BUF, struct.pack("<qqqq", 0, 0, 0, 2_000_000))
    kernel.uaccess.write(OLD, b"x" * 32)
    assert _call(sys_setitimer, kernel, 0, BUF, OLD) == -errno.EINVAL
    assert kernel.uaccess.read(OLD, 32) == b"x" * 32


def test_setitimer_valid_new_value_stores_the_old_one(kernel: Kernel) -> None:
    from kernel_model.syscalls.signal import sys_setitimer

    kernel.uaccess.write(BUF, struct.pack("<qqqq", 0, 0, 1, 0))
    kernel.uaccess.write(OLD, b"x" * 32)
    assert _call(sys_setitimer, kernel, 0, BUF, OLD) == 0
    assert kernel.uaccess.read(OLD, 32) == bytes(32)        # no timer was armed
    assert _call(sys_setitimer, kernel, 0, BUF, OLD) == 0
    assert kernel.uaccess.read(OLD, 32) != bytes(32)        # the one just armed


def test_timer_create_cpu_clock_of_no_task_stores_the_id(kernel: Kernel) -> None:
    from kernel_model.syscalls.timers import sys_timer_create

    kernel.uaccess.write_u32(OLD, _X)
    assert _call(sys_timer_create, kernel, 0x8000_0002, 0, OLD) == -errno.EINVAL
    assert kernel.uaccess.read_u32(OLD) == 0
    # and no timer was kept: the next one takes id 0 again
    assert _call(sys_timer_create, kernel, 1, 0, OLD) == 0
    assert kernel.uaccess.read_u32(OLD) == 0


def test_timer_create_bad_notify_stores_no_id(kernel: Kernel) -> None:
    from kernel_model.syscalls.timers import sys_timer_create

    kernel.uaccess.write(BUF, struct.pack("<QiiI", 0, 10, 99, 0) + bytes(44))
    kernel.uaccess.write_u32(OLD, _X)
    assert _call(sys_timer_create, kernel, 0x8000_0002, BUF, OLD) == -errno.EINVAL
    assert _call(sys_timer_create, kernel, 1, BUF, OLD) == -errno.EINVAL
    assert kernel.uaccess.read_u32(OLD) == _X
