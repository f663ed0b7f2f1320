"""ioctl(FS_IOC_GETFLAGS), ioctl(FS_IOC_SETFLAGS) and ioctl(FIGETBSZ) in the kernel model,
and their output contracts for a confidential program.

Found by the Debian differential set: lsattr and chattr ask the inode's flags
(ioctl_getflags(): put_user() of an int, though the number says `long`), and programs ask
a file system's block size (do_vfs_ioctl()'s FIGETBSZ: put_user() of s_blocksize, an
int); the model answered -ENOTTY to all three.  ioctl_setflags() get_user()s an int and
vfs_fileattr_set() changes FS_APPEND_FL or FS_IMMUTABLE_FL only with
CAP_LINUX_IMMUTABLE (fileattr_set_prepare()); a pipe has no ->fileattr_set (-ENOTTY).
Each writes 4 bytes, never the 8 of FS_IOC_GETFLAGS' _IOC size: the contract
(abi/output_commands.py) says so, and FS_IOC_SETFLAGS (_IOW) writes nothing.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from kernel_model.credentials import CAP_LINUX_IMMUTABLE
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
PATH, OUT, FDS = BUF, BUF + 1024, BUF + 2048
FIGETBSZ, FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x2, 0x80086601, 0x40086602
FS_NOATIME_FL, FS_IMMUTABLE_FL = 0x80, 0x10


def _host_flags(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return struct.unpack("<i", fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8))[:4])[0]
    except OSError:
        return None
    finally:
        os.close(fd)


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "f").write_text("flags\n")
    k = booted_kernel(tmp_path, BUF)
    return k


def _open(k: Kernel, path: bytes, flags: int = os.O_RDONLY) -> int:
    from kernel_model.syscalls.fs import sys_openat

    k.uaccess.write(PATH, path + b"\0")
    return sys_openat(k, k.current, (-100 & 0xFFFF_FFFF, PATH, flags, 0, 0, 0))


def _pipe(k: Kernel) -> int:
    from kernel_model.syscalls.fdtable import sys_pipe2

    assert sys_pipe2(k, k.current, (FDS, 0, 0, 0, 0, 0)) == 0
    return struct.unpack("<i", k.uaccess.read(FDS, 4))[0]


def _ioctl(k: Kernel, fd: int, req: int, arg: int = OUT) -> int:
    from kernel_model.syscalls.fdtable import sys_ioctl

    try:
        return sys_ioctl(k, k.current, (fd, req, arg, 0, 0, 0))
    except KernelError as exc:
        return -exc.errno


def _int(k: Kernel) -> int:
    return struct.unpack("<i", k.uaccess.read(OUT, 4))[0]


def test_getflags_writes_the_host_inodes_flags_as_an_int(kernel: Kernel,
                                                          tmp_path: Path) -> None:
    host = _host_flags(tmp_path / "f")
    if host is None:
        pytest.skip("the host file system keeps no inode flags here")
    fd = _open(kernel, b"/f")
    kernel.uaccess.write(OUT, b"\xAA" * 8)
    assert _ioctl(kernel, fd, FS_IOC_GETFLAGS) == 0
    assert _int(kernel) == host
    assert kernel.uaccess.read(OUT + 4, 4) == b"\xAA" * 4     # an int, not the _IOC long
    dfd = _open(kernel, b"/bin", os.O_RDONLY | os.O_DIRECTORY)
    assert _ioctl(kernel, dfd, FS_IOC_GETFLAGS) == 0
    assert _ioctl(kernel, _pipe(kernel), FS_IOC_GETFLAGS) == -errno.ENOTTY


def test_setflags_reads_an_int_and_needs_cap_linux_immutable_for_immutable(
        kernel: Kernel, tmp_path: Path) -> None:
    host = _host_flags(tmp_path / "f")
    if host is None:
        pytest.skip("the host file system keeps no inode flags here")
    fd = _open(kernel, b"/f")
    kernel.uaccess.write(OUT, struct.pack("<i", host | FS_NOATIME_FL))
    answer = _ioctl(kernel, fd, FS_IOC_SETFLAGS)
    if answer == -errno.EOPNOTSUPP:
        pytest.skip("the host file system takes no FS_NOATIME_FL")
    assert answer == 0
    assert _host_flags(tmp_path / "f") == host | FS_NOATIME_FL
    t = kernel.current
    t.cred = replace(t.cred, cap_effective=t.cred.cap_effective & ~(1 << CAP_LINUX_IMMUTABLE))
    kernel.uaccess.write(OUT, struct.pack("<i", host | FS_IMMUTABLE_FL))
    assert _ioctl(kernel, fd, FS_IOC_SETFLAGS) == -errno.EPERM
    assert _host_flags(tmp_path / "f") == host | FS_NOATIME_FL        # unchanged
    kernel.uaccess.write(OUT, struct.pack("<i", host))
    assert _ioctl(kernel, fd, FS_IOC_SETFLAGS) == 0
    assert _host_flags(tmp_path / "f") == host
    assert _ioctl(kernel, fd, FS_IOC_SETFLAGS, 0x10) == -errno.EFAULT      # get_user()
    assert _ioctl(kernel, _pipe(kernel), FS_IOC_SETFLAGS) == -errno.ENOTTY


def test_figetbsz_writes_the_block_size(kernel: Kernel, tmp_path: Path) -> None:
    fd = _open(kernel, b"/f")
    kernel.uaccess.write(OUT, b"\xAA" * 8)
    assert _ioctl(kernel, fd, FIGETBSZ) == 0
    assert _int(kernel) == os.statvfs(tmp_path).f_bsize
    assert kernel.uaccess.read(OUT + 4, 4) == b"\xAA" * 4
    assert _ioctl(kernel, _pipe(kernel), FIGETBSZ) == 0
    assert _int(kernel) == 4096                                  # pipefs: PAGE_SIZE
    assert _ioctl(kernel, _open(kernel, b"/f", os.O_PATH), FIGETBSZ) == -errno.EBADF


def test_the_contracts_are_an_int_written_or_nothing() -> None:
    from abi.outputs import OUTPUTS, by_command, ioc_output

    def args(req: int) -> tuple[int, ...]:
        return (3, req, OUT, 0, 0, 0)

    for req in (FS_IOC_GETFLAGS, FIGETBSZ):
        terms = by_command(OUTPUTS["ioctl"][0], args(req))
        assert terms and terms[0].size == 4, hex(req)
    assert ioc_output(FS_IOC_SETFLAGS) == 0                      # _IOW: read only
