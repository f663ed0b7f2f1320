"""fgetxattr of a file the kernel model keeps no attributes of (a pipe, a socket, a
device), as fs/xattr.c's vfs_getxattr() answers: xattr_permission() first, then the
handler lookup.

Found by the Debian differential set (python3-xattr): os.getxattr() of a pipe's
descriptor and a user.* name raised ENOTSUP under blindfold and ENODATA on Linux.
xattr_permission() lets user.* only on regular files and directories ("return (mask &
MAY_WRITE) ? -EPERM : -ENODATA") and trusted.* only with CAP_SYS_ADMIN, before any
handler is looked for; other names (security.*, system.*, an unknown namespace) reach the
handler lookup, which a pipe has none for (-EOPNOTSUPP).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from kernel_model.namespaces import CAP_SYS_ADMIN
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NAME, OUT, FDS = BUF, BUF + 1024, BUF + 2048


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    k = booted_kernel(tmp_path, BUF)
    return k


def _pipe(k: Kernel) -> int:
    from kernel_model.syscalls.fdtable import sys_pipe2

    assert sys_pipe2(k, k.current, (FDS, 0, 0, 0, 0, 0)) == 0
    return struct.unpack("<i", k.uaccess.read(FDS, 4))[0]


def _fget(k: Kernel, fd: int, name: bytes) -> int:
    from kernel_model.syscalls.xattr import sys_fgetxattr

    k.uaccess.write(NAME, name + b"\0")
    try:
        return sys_fgetxattr(k, k.current, (fd, NAME, OUT, 64, 0, 0))
    except KernelError as exc:
        return -exc.errno


def test_user_names_of_a_pipe_are_enodata(kernel: Kernel) -> None:
    fd = _pipe(kernel)
    assert _fget(kernel, fd, b"user.p") == -errno.ENODATA
    assert _fget(kernel, fd, b"user.mime_type") == -errno.ENODATA


def test_other_names_of_a_pipe_find_no_handler(kernel: Kernel) -> None:
    fd = _pipe(kernel)
    for name in (b"security.selinux", b"system.posix_acl_access", b"bogus.x",
                 b"trusted.x"):
        assert _fget(kernel, fd, name) == -errno.EOPNOTSUPP, name


def test_trusted_names_without_cap_sys_admin_are_enodata(kernel: Kernel) -> None:
    fd = _pipe(kernel)
    t = kernel.current
    t.cred = replace(t.cred, cap_effective=t.cred.cap_effective & ~(1 << CAP_SYS_ADMIN))
    assert _fget(kernel, fd, b"trusted.x") == -errno.ENODATA


def test_the_checks_before_keep_their_order(kernel: Kernel) -> None:
    fd = _pipe(kernel)
    assert _fget(kernel, 99, b"user.p") == -errno.EBADF
    assert _fget(kernel, fd, b"") == -errno.ERANGE                  # the name before


def test_a_socket_names_its_protocol(kernel: Kernel) -> None:
    """net/socket.c: sockfs_listxattr() lists system.sockprotoname; sockfs_xattr_get()
    answers the dentry's name, the protocol's (sock_alloc_file()), with its NUL."""
    from kernel_model.syscalls.net import sys_socketpair
    from kernel_model.syscalls.xattr import sys_flistxattr

    names = []
    for type_ in (1, 2):                          # SOCK_STREAM, SOCK_DGRAM
        assert sys_socketpair(kernel, kernel.current, (1, type_, 0, FDS, 0, 0)) == 0
        fd = struct.unpack("<i", kernel.uaccess.read(FDS, 4))[0]
        assert sys_flistxattr(kernel, kernel.current, (fd, OUT, 0, 0, 0, 0)) == 21
        assert sys_flistxattr(kernel, kernel.current, (fd, OUT, 64, 0, 0, 0)) == 21
        assert kernel.uaccess.read(OUT, 21) == b"system.sockprotoname\0"
        n = _fget(kernel, fd, b"system.sockprotoname")
        names.append(kernel.uaccess.read(OUT, n))
        assert _fget(kernel, fd, b"user.s") == -errno.ENODATA
        assert _fget(kernel, fd, b"system.other") == -errno.EOPNOTSUPP
    assert names == [b"UNIX-STREAM\0", b"UNIX\0"]
    fd = _pipe(kernel)
    assert sys_flistxattr(kernel, kernel.current, (fd, OUT, 64, 0, 0, 0)) == 0
