"""Differential: rootfs operations give the errno the host Linux kernel gives.

The same tree is built twice; each operation runs once on the host (inside a
host directory, relative paths only) and once through the Rootfs, and the
errno results must agree.  The host kernel implements the same VFS rules as
AArch64 Linux, so this checks the corner cases (trailing slashes, ".", "..",
dangling links) against the real thing rather than against our reading of it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.vfs import Rootfs

HOST_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("mkdir", "d", ()), ("mkdir", "d/", ()), ("mkdir", ".", ()), ("mkdir", "..", ()),
    ("mkdir", "f", ()), ("mkdir", "lf", ()), ("mkdir", "dangle", ()), ("mkdir", "f/x", ()),
    ("mkdir", "no/x", ()), ("mkdir", "new/", ()),
    ("rmdir", "f", ()), ("rmdir", "d", ()), ("rmdir", ".", ()), ("rmdir", "..", ()),
    ("rmdir", "ld", ()), ("rmdir", "ld/", ()), ("rmdir", "nope", ()), ("rmdir", "d/.", ()),
    ("unlink", "d", ()), ("unlink", "d/", ()), ("unlink", "f/", ()), ("unlink", ".", ()),
    ("unlink", "..", ()), ("unlink", "ld/", ()), ("unlink", "nope", ()), ("unlink", "dangle/", ()),
    ("rename", "f", ("d",)), ("rename", "d", ("f",)), ("rename", "d", ("d/sub/x",)),
    ("rename", "f/", ("g",)), ("rename", "f", ("g/",)), ("rename", ".", ("x",)),
    ("rename", "f", ("..",)), ("rename", "nope", ("x",)), ("rename", "e", ("d",)),
    ("rename", "d/", ("z/",)), ("rename", "ld", ("ld2/",)),
    ("symlink", "x", ("f",)), ("symlink", "x", ("new/",)), ("symlink", "x", (".",)),
    ("symlink", "x", ("no/x",)), ("symlink", "x", ("dangle",)),
    ("link", "f", ("d",)), ("link", "d", ("nd",)), ("link", "f", ("h/",)), ("link", "f", ("lf",)),
    ("readlink", "f", ()), ("readlink", "ld/", ()), ("readlink", "nope", ()),
    ("open_creat", "d", ()), ("open_creat", "nd/", ()), ("open_creat", "f/", ()),
    ("open_creat", "ld/", ()), ("open_creat", "d/", ()), ("open_creat", "no/x/", ()),
    ("open_creat", "f/x/", ()), ("open_creat", "dangle", ()), ("open_creat", "loop", ()),
    ("open_wr", "d", ()), ("open_excl", "dangle", ()), ("open_excl", "f", ()),
    ("open_nofollow", "lf", ()), ("open_dir", "f", ()), ("open_dir", "lf/", ()),
    ("stat", "loop", ()), ("stat", "f/..", ()), ("stat", "f/.", ()), ("stat", "dangle", ()),
    ("lstat", "dangle/", ()), ("stat", "ld/../f", ()), ("stat", "ld/sub/x/", ()),
    ("stat", "lf/", ()), ("lstat", "ld/", ()), ("stat", "d/./sub//x", ()),
    ("stat", "a" * 256, ()), ("stat", "a" * 255, ()), ("stat", "loop/x", ()),
    ("open_nofollow", "ld", ()), ("open_nofollow", "ld/", ()), ("open_wr", "ld/", ()),
    ("chdir", "ld", ()), ("chdir", "ld/sub/..", ()), ("rmdir", "e", ()), ("unlink", "lf", ()), ("truncate", "d", ()), ("chdir", "f", ()), ("chdir", "lf", ()),
]


def _host_op(op: str, a: str, rest: tuple[str, ...]) -> None:
    if op == "mkdir":
        os.mkdir(a, 0o755)
    elif op == "rmdir":
        os.rmdir(a)
    elif op == "unlink":
        os.unlink(a)
    elif op == "rename":
        os.rename(a, rest[0])
    elif op == "symlink":
        os.symlink(a, rest[0])
    elif op == "link":
        os.link(a, rest[0], follow_symlinks=False)
    elif op == "readlink":
        os.readlink(a)
    elif op == "stat":
        os.stat(a)
    elif op == "lstat":
        os.lstat(a)
    elif op == "truncate":
        os.truncate(a, 0)
    elif op == "chdir":
        os.chdir(a)
    else:
        flags = {"open_creat": os.O_CREAT | os.O_WRONLY, "open_wr": os.O_WRONLY,
                 "open_excl": os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                 "open_nofollow": os.O_NOFOLLOW, "open_dir": os.O_DIRECTORY}[op]
        os.close(os.open(a, flags, 0o644))


def _guest_op(fs: Rootfs, op: str, a: str, rest: tuple[str, ...]) -> None:
    b = a.encode()
    if op == "mkdir":
        fs.mkdir("/", b, 0o755)
    elif op == "rmdir":
        fs.unlink("/", b, ls.AT_REMOVEDIR)
    elif op == "unlink":
        fs.unlink("/", b)
    elif op == "rename":
        fs.rename("/", b, "/", rest[0].encode())
    elif op == "symlink":
        fs.symlink(b, "/", rest[0].encode())
    elif op == "link":
        fs.link("/", b, "/", rest[0].encode())
    elif op == "readlink":
        fs.readlink("/", b)
    elif op in ("stat", "lstat"):
        fs.stat("/", b, follow=op == "stat")
    elif op == "truncate":
        fs.truncate("/", b, 0)
    elif op == "chdir":
        fs.chdir_target("/", b)
    else:
        flags = {"open_creat": ls.O_CREAT | ls.O_WRONLY, "open_wr": ls.O_WRONLY,
                 "open_excl": ls.O_CREAT | ls.O_EXCL | ls.O_WRONLY,
                 "open_nofollow": ls.O_NOFOLLOW, "open_dir": ls.O_DIRECTORY}[op]
        fs.open("/", b, flags, 0o644).close()


def _make_tree(base: Path) -> None:
    (base / "d/sub").mkdir(parents=True)
    (base / "d/sub/x").write_text("")
    (base / "e").mkdir()
    (base / "f").write_text("f")
    for name, target in {"lf": "f", "ld": "d", "dangle": "missing", "loop": "loop"}.items():
        os.symlink(target, base / name)


@pytest.mark.parametrize(("op", "a", "rest"), HOST_CASES)
def test_errno_matches_host_kernel(tmp_path: Path, op: str, a: str, rest: tuple[str, ...]) -> None:
    """The same operation on the host (Linux VFS semantics) and in the rootfs agree."""
    host_dir, guest_root = tmp_path / "host", tmp_path / "guest"
    for base in (host_dir, guest_root):
        base.mkdir()
        _make_tree(base)
    old_cwd = os.getcwd()
    os.chdir(host_dir)
    try:
        _host_op(op, a, rest)
        expected = 0
    except OSError as exc:
        expected = exc.errno or 0
    finally:
        os.chdir(old_cwd)
    try:
        _guest_op(Rootfs(guest_root), op, a, rest)
        got = 0
    except KernelError as exc:
        got = exc.errno
    assert (errno.errorcode.get(got, got), op, a, rest) == (
        errno.errorcode.get(expected, expected), op, a, rest)
