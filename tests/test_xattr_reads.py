"""getxattr, lgetxattr, fgetxattr and the listxattr calls in the kernel model (fs/xattr.c).

Found by the Debian differential set's probes: coreutils' ls -l asks lgetxattr
("security.selinux") and getxattr("system.posix_acl_access") of each name; the model
answered -ENOSYS and ls printed "x: Function not implemented" where Linux answers
ENODATA (or EOPNOTSUPP) and ls prints nothing.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
NAME, PATH, OUT = BUF, BUF + 512, BUF + 1024


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "f").write_text("x")
    k = booted_kernel(tmp_path, BUF)
    return k


def _call(k: Kernel, call: str, *args: int) -> int:
    from kernel_model.syscalls import xattr

    try:
        return getattr(xattr, "sys_" + call)(k, k.current, (*args, 0, 0))
    except KernelError as exc:
        return -exc.errno


def _get(k: Kernel, call: str, path: bytes, name: bytes, size: int = 256) -> int:
    k.uaccess.write(PATH, path + b"\0")
    k.uaccess.write(NAME, name + b"\0")
    return _call(k, call, PATH, NAME, OUT, size)


def test_an_absent_attribute_is_enodata_or_eopnotsupp(kernel: Kernel) -> None:
    for call in ("getxattr", "lgetxattr"):
        for name in (b"security.selinux", b"system.posix_acl_access"):
            assert _get(kernel, call, b"/f", name) in (-errno.ENODATA, -errno.EOPNOTSUPP)
    kernel.uaccess.write(PATH, b"/f\0")
    assert _call(kernel, "llistxattr", PATH, OUT, 256) >= 0
    assert _get(kernel, "getxattr", b"/missing", b"user.x") == -errno.ENOENT


def test_name_errors_are_erange(kernel: Kernel) -> None:
    assert _get(kernel, "getxattr", b"/f", b"") == -errno.ERANGE
    assert _get(kernel, "getxattr", b"/f", b"user." + b"n" * 251) == -errno.ERANGE


def test_values_and_lists_follow_the_size_rules(kernel: Kernel, tmp_path: Path) -> None:
    try:
        os.setxattr(tmp_path / "f", "user.colour", b"green")
    except OSError:
        pytest.skip("the host file system keeps no user.* attributes here")
    assert _get(kernel, "getxattr", b"/f", b"user.colour", 0) == 5      # size 0: the length
    assert _get(kernel, "getxattr", b"/f", b"user.colour", 3) == -errno.ERANGE
    assert _get(kernel, "getxattr", b"/f", b"user.colour", 64) == 5
    assert kernel.uaccess.read(OUT, 5) == b"green"
    kernel.uaccess.write(PATH, b"/f\0")
    n = _call(kernel, "listxattr", PATH, OUT, 0)
    assert n >= len(b"user.colour\0")
    assert _call(kernel, "listxattr", PATH, OUT, 1) == -errno.ERANGE
    assert _call(kernel, "listxattr", PATH, OUT, 256) == n
    assert b"user.colour\0" in kernel.uaccess.read(OUT, n)
