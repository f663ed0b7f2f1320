"""mknodat() in the kernel model, as Linux's do_mknodat() answers it.

Found by the Debian differential set: tar -x of an archive holding a FIFO failed with
"Cannot mkfifo: Function not implemented" (the model had no mknodat: -ENOSYS), where
Linux makes the FIFO.  may_mknod() judges the type first (S_IFDIR: -EPERM, an unknown
type: -EINVAL, 0: a regular file), the umask applies, filename_create() answers an
existing name -EEXIST, and vfs_mknod() wants CAP_MKNOD for a device (-EPERM: the sandbox
makes no device nodes on the host).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

AT_FDCWD = -100 & 0xFFFF_FFFF_FFFF_FFFF
BUF = 0x3000_0000


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    k.init.umask = 0o022
    return k


def _mknodat(k: Kernel, name: bytes, mode: int, dev: int = 0) -> int:
    from kernel_model.syscalls.fs_tree import sys_mknodat

    k.uaccess.write(BUF, name + b"\0")
    try:
        return sys_mknodat(k, k.current, (AT_FDCWD, BUF, mode, dev, 0, 0))
    except KernelError as exc:
        return -exc.errno


def test_a_fifo_a_file_and_a_socket_are_made_with_the_umask(kernel: Kernel,
                                                            tmp_path: Path) -> None:
    assert _mknodat(kernel, b"/fifo", stat.S_IFIFO | 0o666) == 0
    info = os.lstat(tmp_path / "fifo")
    assert stat.S_ISFIFO(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o644
    assert _mknodat(kernel, b"/plain", 0o640) == 0                  # type 0: a regular file
    info = os.lstat(tmp_path / "plain")
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o640
    assert _mknodat(kernel, b"/sock", stat.S_IFSOCK | 0o777) == 0
    assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)


def test_the_errors_come_in_do_mknodat_order(kernel: Kernel, tmp_path: Path) -> None:
    (tmp_path / "there").write_text("x")
    assert _mknodat(kernel, b"/there", stat.S_IFIFO | 0o600) == -errno.EEXIST
    assert _mknodat(kernel, b"/d", stat.S_IFDIR | 0o755) == -errno.EPERM     # may_mknod()
    assert _mknodat(kernel, b"/x", 0o170000 | 0o600) == -errno.EINVAL
    assert _mknodat(kernel, b"/missing/fifo", stat.S_IFIFO | 0o600) == -errno.ENOENT
    assert _mknodat(kernel, b"/there", stat.S_IFCHR | 0o600, 0x103) == -errno.EEXIST
    assert _mknodat(kernel, b"/null", stat.S_IFCHR | 0o600, 0x103) == -errno.EPERM
    assert not (tmp_path / "null").exists() and not (tmp_path / "d").exists()
