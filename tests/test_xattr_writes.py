"""setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr and fremovexattr in the kernel
model, as fs/xattr.c answers them, and the Guardian's grants for a confidential program.

Found by the Debian differential set: the model had the read side alone (-ENOSYS to
os.setxattr(), shutil.copystat(), setfattr), and python3-xattr's attributes had to be
set under qemu-user.  setxattr_copy() checks the flags (XATTR_CREATE|XATTR_REPLACE, else
-EINVAL), the name (import_xattr_name(): empty or over XATTR_NAME_MAX -ERANGE) and the
size (over XATTR_SIZE_MAX -E2BIG) before it copies the value in; xattr_permission() and
the commoncap LSM refuse trusted.* and security.* without the capability (-EPERM, the
guest's credentials, not the host's); the file system answers the rest (XATTR_CREATE of
an existing name -EEXIST, XATTR_REPLACE or a removal of an absent one -ENODATA, an
unknown namespace -EOPNOTSUPP, user.* of a symbolic link -EPERM).  A file the model keeps
no attributes of (a pipe) takes no user.* name to a write (-EPERM).

The Guardian grants the kernel a read of each name and of the value (arg 2, arg 3 bytes)
and no write (tests/test_guardian_name_caps.py checks the names of every served call).
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from guardian.capabilities import CAP_TABLE, R, W, covered, expand
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from kernel_model.namespaces import CAP_SYS_ADMIN
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
PATH, NAME, VALUE, FDS = BUF, BUF + 512, BUF + 1024, BUF + 3072
CREATE, REPLACE = 1, 2


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "f").write_text("attributes\n")
    os.symlink("f", tmp_path / "link")
    try:
        os.setxattr(tmp_path / "f", "user.probe", b"")
        os.removexattr(tmp_path / "f", "user.probe")
    except OSError:
        pytest.skip("the host file system keeps no user.* attributes here")
    k = booted_kernel(tmp_path, BUF)
    k.host_root = tmp_path          # (the test's own note: where /f lives on the host)
    return k


def _call(k: Kernel, name: str, args: tuple[int, ...]) -> int:
    from kernel_model.syscalls import xattr

    try:
        return getattr(xattr, f"sys_{name}")(k, k.current, args + (0,) * (6 - len(args)))
    except KernelError as exc:
        return -exc.errno


def _set(k: Kernel, call: str, target: bytes | int, name: bytes, value: bytes,
         flags: int = 0, size: int | None = None) -> int:
    k.uaccess.write(NAME, name + b"\0")
    k.uaccess.write(VALUE, value)
    if isinstance(target, bytes):
        k.uaccess.write(PATH, target + b"\0")
        target = PATH
    return _call(k, call, (target, NAME, VALUE, len(value) if size is None else size, flags))


def _remove(k: Kernel, call: str, target: bytes | int, name: bytes) -> int:
    k.uaccess.write(NAME, name + b"\0")
    if isinstance(target, bytes):
        k.uaccess.write(PATH, target + b"\0")
        target = PATH
    return _call(k, call, (target, NAME))


def _host_attrs(k: Kernel) -> dict[str, bytes]:
    f = k.host_root / "f"           # type: ignore[attr-defined]
    return {n: os.getxattr(f, n) for n in os.listxattr(f)}


def _open(k: Kernel, path: bytes) -> int:
    from kernel_model.syscalls.fs import sys_openat

    k.uaccess.write(PATH, path + b"\0")
    return sys_openat(k, k.current, (-100 & 0xFFFF_FFFF_FFFF_FFFF, PATH, os.O_RDONLY, 0, 0, 0))


def test_a_value_set_is_the_host_files_and_flags_choose_create_or_replace(
        kernel: Kernel) -> None:
    assert _set(kernel, "setxattr", b"/f", b"user.colour", b"blue") == 0
    assert _host_attrs(kernel) == {"user.colour": b"blue"}
    assert _set(kernel, "setxattr", b"/f", b"user.colour", b"red", CREATE) == -errno.EEXIST
    assert _set(kernel, "setxattr", b"/f", b"user.none", b"x", REPLACE) == -errno.ENODATA
    assert _set(kernel, "setxattr", b"/f", b"user.colour", b"red", REPLACE) == 0
    assert _set(kernel, "lsetxattr", b"/f", b"user.empty", b"", CREATE) == 0
    assert _host_attrs(kernel) == {"user.colour": b"red", "user.empty": b""}
    assert _set(kernel, "setxattr", b"/link", b"user.via", b"link") == 0     # followed
    assert _host_attrs(kernel)["user.via"] == b"link"


def test_setxattr_copy_checks_flags_name_and_size_in_order(kernel: Kernel) -> None:
    assert _set(kernel, "setxattr", b"/f", b"", b"x", 4) == -errno.EINVAL          # flags
    assert _set(kernel, "setxattr", b"/f", b"", b"x", CREATE | REPLACE | 8) == -errno.EINVAL
    assert _set(kernel, "setxattr", b"/f", b"", b"x") == -errno.ERANGE             # the name
    assert _set(kernel, "setxattr", b"/f", b"user." + b"n" * 251, b"x") == -errno.ERANGE
    assert _set(kernel, "setxattr", b"/f", b"user.big", b"x",
                size=65537) == -errno.E2BIG                   # before the value is read
    assert _set(kernel, "setxattr", b"/none", b"user.x", b"x") == -errno.ENOENT
    assert _host_attrs(kernel) == {}


def test_the_host_answers_the_namespace_and_a_link_takes_no_user_name(
        kernel: Kernel) -> None:
    assert _set(kernel, "setxattr", b"/f", b"bogus.x", b"x") == -errno.EOPNOTSUPP
    assert _set(kernel, "lsetxattr", b"/link", b"user.x", b"x") == -errno.EPERM
    assert _remove(kernel, "lremovexattr", b"/link", b"user.x") == -errno.EPERM


def test_trusted_and_security_names_need_the_guests_capability(kernel: Kernel) -> None:
    t = kernel.current
    t.cred = replace(t.cred, cap_effective=t.cred.cap_effective & ~(1 << CAP_SYS_ADMIN))
    assert _set(kernel, "setxattr", b"/f", b"trusted.x", b"x") == -errno.EPERM
    assert _set(kernel, "setxattr", b"/f", b"security.x", b"x") == -errno.EPERM
    assert _remove(kernel, "removexattr", b"/f", b"trusted.x") == -errno.EPERM
    fd = _open(kernel, b"/f")
    assert _set(kernel, "fsetxattr", fd, b"trusted.x", b"x") == -errno.EPERM
    assert _host_attrs(kernel) == {}


def test_removal_and_the_descriptor_calls(kernel: Kernel) -> None:
    fd = _open(kernel, b"/f")
    assert fd >= 0
    assert _set(kernel, "fsetxattr", fd, b"user.a", b"1") == 0      # a read-only fd will do
    assert _set(kernel, "fsetxattr", fd, b"user.a", b"2", CREATE) == -errno.EEXIST
    assert _set(kernel, "fsetxattr", 99, b"user.a", b"2") == -errno.EBADF
    assert _set(kernel, "setxattr", b"/f", b"user.b", b"3") == 0
    assert _host_attrs(kernel) == {"user.a": b"1", "user.b": b"3"}
    assert _remove(kernel, "fremovexattr", fd, b"user.a") == 0
    assert _remove(kernel, "fremovexattr", fd, b"user.a") == -errno.ENODATA
    assert _remove(kernel, "removexattr", b"/link", b"user.b") == 0   # followed
    assert _remove(kernel, "removexattr", b"/f", b"user.b") == -errno.ENODATA
    assert _remove(kernel, "removexattr", b"/f", b"") == -errno.ERANGE
    assert _host_attrs(kernel) == {}


def test_a_pipe_takes_no_user_name_to_a_write(kernel: Kernel) -> None:
    """xattr_permission(): "return (mask & MAY_WRITE) ? -EPERM : -ENODATA" for user.* of
    a file that is neither regular nor a directory; other names find no handler."""
    from kernel_model.syscalls.fdtable import sys_pipe2

    assert sys_pipe2(kernel, kernel.current, (FDS, 0, 0, 0, 0, 0)) == 0
    fd = struct.unpack("<i", kernel.uaccess.read(FDS, 4))[0]
    assert _set(kernel, "fsetxattr", fd, b"user.p", b"x") == -errno.EPERM
    assert _remove(kernel, "fremovexattr", fd, b"user.p") == -errno.EPERM
    assert _set(kernel, "fsetxattr", fd, b"system.x", b"x") == -errno.EOPNOTSUPP
    assert _set(kernel, "fsetxattr", fd, b"user.p", b"x", 4) == -errno.EINVAL


def _ranges(call: str, args: tuple[int, ...]) -> list[tuple[int, int, int]]:
    memory = {PATH + i: b for i, b in enumerate(b"/f\0")}
    memory |= {NAME + i: b for i, b in enumerate(b"user.colour\0")}

    def read(va: int, n: int) -> bytes:
        return bytes(memory.get(va + i, 0x41) for i in range(n))

    return expand(CAP_TABLE[call], args, read)


def test_the_guardian_grants_the_name_and_the_value_read_only() -> None:
    for call in ("setxattr", "lsetxattr"):
        ranges = _ranges(call, (PATH, NAME, VALUE, 40, 0))
        assert covered(ranges, PATH, 3, R) == 3
        assert covered(ranges, NAME, 12, R) == 12
        assert covered(ranges, VALUE, 40, R) == 40
        assert covered(ranges, VALUE, 41, R) == 40               # not a byte past it
        assert covered(ranges, VALUE, 40, W) == 0                # nothing written
        assert covered(ranges, NAME, 12, W) == 0
    ranges = _ranges("fsetxattr", (3, NAME, VALUE, 4, 0))
    assert covered(ranges, NAME, 12, R) == 12 and covered(ranges, VALUE, 4, R) == 4
    assert covered(ranges, VALUE, 4, W) == 0
    for call, args in (("removexattr", (PATH, NAME)), ("lremovexattr", (PATH, NAME)),
                       ("fremovexattr", (3, NAME))):
        ranges = _ranges(call, args)
        assert covered(ranges, NAME, 12, R) == 12
        assert covered(ranges, NAME, 12, W) == 0


def test_the_calls_write_nothing_by_contract() -> None:
    from abi.output_terms import NOTHING
    from abi.outputs import OUTPUTS

    for call in ("setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
                 "fremovexattr"):
        assert OUTPUTS[call] == NOTHING, call
