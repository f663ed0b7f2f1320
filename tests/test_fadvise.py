"""fadvise64 in the kernel model, as mm/fadvise.c's generic_fadvise() answers it.

Found by the Debian differential set's probes (python3's os.posix_fadvise() with an
advice of 99): the model answered 0 to any advice but a pipe's, where Linux answers
-EINVAL to an advice past POSIX_FADV_NOREUSE (5) and to a negative length, after a
FIFO's -ESPIPE.
"""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path

import pytest

from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NEG = (1 << 64) - 1


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "f").write_bytes(b"x" * 10000)
    k = booted_kernel(tmp_path, BUF)
    return k


def _fadvise(k: Kernel, fd: int, offset: int, length: int, advice: int) -> int:
    from kernel_model.syscalls.fs_tree import sys_fadvise64

    return sys_fadvise64(k, k.current, (fd, offset, length, advice, 0, 0))


def test_the_advice_and_the_length_are_checked(kernel: Kernel) -> None:
    from kernel_model.syscalls.fdtable import sys_pipe2
    from kernel_model.syscalls.fs import sys_openat

    kernel.uaccess.write(BUF, b"/f\0")
    fd = sys_openat(kernel, kernel.current, (-100 & NEG, BUF, os.O_RDONLY, 0, 0, 0))
    for advice in range(6):             # NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED, NOREUSE
        assert _fadvise(kernel, fd, 0, 0, advice) == 0
    assert _fadvise(kernel, fd, 0, 0, 6) == -errno.EINVAL
    assert _fadvise(kernel, fd, 0, 0, 99) == -errno.EINVAL
    assert _fadvise(kernel, fd, 0, 0, -1 & 0xFFFF_FFFF) == -errno.EINVAL
    assert _fadvise(kernel, fd, 0, -1 & NEG, 0) == -errno.EINVAL
    assert _fadvise(kernel, fd, -5 & NEG, 100, 0) == 0          # the offset is not checked
    assert sys_pipe2(kernel, kernel.current, (BUF + 64, 0, 0, 0, 0, 0)) == 0
    rfd = struct.unpack("<i", kernel.uaccess.read(BUF + 64, 4))[0]
    assert _fadvise(kernel, rfd, 0, -1 & NEG, 99) == -errno.ESPIPE     # the FIFO first
