"""sched_setscheduler and sched_setparam for a confidential program: the Guardian grants
the kernel a read of the struct sched_param (one int: do_sched_setscheduler()'s
copy_from_user() of sizeof(struct sched_param)) and no write.

Without the grants the kernel model served both calls (tests/test_sched_policy.py) but a
confidential program read -EFAULT where Linux answers: the kernel could not copy the
priority.  The kernel's handler is run here with only what the Guardian grants it (its
user copies outside the capabilities fault, as the Guardian's UserAccess refuses them).
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from guardian.capabilities import CAP_TABLE, R, W, covered, expand
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NORMAL, FIFO, BATCH = 0, 1, 3


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    return k


def _granted(k: Kernel, call: str, args: tuple[int, ...]) -> int:
    """The model's handler with the user copies CAP_TABLE grants the call, alone."""
    from kernel_model.syscalls import misc

    ranges = expand(CAP_TABLE.get(call, ()), args, k.uaccess.read)
    ua = k.uaccess
    plain_read, plain_write = ua.read, ua.write

    def read(va: int, n: int) -> bytes:
        if covered(ranges, va, n, R) != n:
            raise KernelError(errno.EFAULT)
        return plain_read(va, n)

    def write(va: int, data: bytes) -> None:
        if covered(ranges, va, len(data), W) != len(data):
            raise KernelError(errno.EFAULT)
        plain_write(va, data)

    ua.read, ua.write = read, write      # type: ignore[method-assign]
    try:
        return getattr(misc, f"sys_{call}")(k, k.current, args + (0,) * (6 - len(args)))
    except KernelError as exc:
        return -exc.errno
    finally:
        del ua.read, ua.write


def test_a_confidential_sched_setscheduler_reads_its_param(kernel: Kernel) -> None:
    kernel.uaccess.write(BUF, (0).to_bytes(4, "little"))
    assert _granted(kernel, "sched_setscheduler", (0, BATCH, BUF)) == 0
    assert _granted(kernel, "sched_getscheduler", (0,)) == BATCH
    kernel.uaccess.write(BUF, (5).to_bytes(4, "little"))
    assert _granted(kernel, "sched_setscheduler", (0, NORMAL, BUF)) == -errno.EINVAL
    assert _granted(kernel, "sched_setscheduler", (0, FIFO, BUF)) == 0   # (CAP_SYS_NICE)
    assert _granted(kernel, "sched_getscheduler", (0,)) == FIFO


def test_a_confidential_sched_setparam_reads_its_param(kernel: Kernel) -> None:
    kernel.uaccess.write(BUF, (0).to_bytes(4, "little"))
    assert _granted(kernel, "sched_setparam", (0, BUF)) == 0
    kernel.uaccess.write(BUF, (7).to_bytes(4, "little"))
    assert _granted(kernel, "sched_setparam", (0, BUF)) == -errno.EINVAL   # SCHED_NORMAL
    assert _granted(kernel, "sched_getparam", (0, BUF + 64)) == 0
    assert kernel.uaccess.read(BUF + 64, 4) == bytes(4)


def test_the_grants_are_the_int_read_and_nothing_written() -> None:
    for call, args, at in (("sched_setscheduler", (0, BATCH, BUF), BUF),
                           ("sched_setparam", (0, BUF), BUF)):
        ranges = expand(CAP_TABLE[call], args, lambda va, n: bytes(n))
        assert covered(ranges, at, 4, R) == 4
        assert covered(ranges, at, 5, R) == 4           # not a byte past the int
        assert covered(ranges, at, 4, W) == 0
