"""The rootfs sandbox: lookups never leave the root, and errnos match Linux."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.vfs import Rootfs

IS_ROOT = os.geteuid() == 0


def errno_of(fn, *args, **kwargs) -> int:  # noqa: ANN001
    with pytest.raises(KernelError) as info:
        fn(*args, **kwargs)
    return info.value.errno


@pytest.fixture
def world(tmp_path: Path) -> tuple[Rootfs, Path, Path]:
    """A rootfs next to a host directory holding a secret the guest must never see."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("HOST SECRET")
    root = tmp_path / "root"
    for d in ("etc", "home/user", "outside", "empty", "full/sub"):
        (root / d).mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0\n")
    (root / "home/user/file").write_text("data")
    (root / "outside/secret").write_text("inside")
    (root / "full/sub/f").write_text("")
    links = {
        "abs_etc": "/etc",
        "rel_escape": "../../../outside",
        "host_abs": str(outside),
        "chain1": "chain2",
        "chain2": "home/../../../../..",
        "loop_a": "loop_b",
        "loop_b": "loop_a",
        "self": "self",
        "dangling": "/created_by_link",
        "file_slash": "etc/passwd/",
        "home/user/etclink": "/etc",
        "home/user/up": "../../..",
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    return Rootfs(root), root, outside


def inside(fs: Rootfs, host: Path) -> bool:
    real = os.path.realpath(host)
    return real == str(fs.root) or real.startswith(str(fs.root) + os.sep)


# -- containment ---------------------------------------------------------------


@pytest.mark.parametrize("cwd", ["/", "/home/user", "/etc"])
def test_dotdot_cannot_climb_out(world, cwd: str) -> None:
    fs, root, _ = world
    res = fs.resolve(cwd, b"../../../../../../etc/passwd")
    assert res.host == root / "etc/passwd" and res.guest == "/etc/passwd"
    assert fs.resolve(cwd, b"/../..").guest == "/"


def test_absolute_paths_are_rootfs_relative(world) -> None:
    fs, root, outside = world
    assert errno_of(fs.resolve, "/", os.fsencode(outside / "secret")) == errno.ENOENT
    assert errno_of(fs.open, "/", str(outside / "secret"), ls.O_RDONLY) == errno.ENOENT
    os.makedirs(root / str(outside).lstrip("/"))
    res = fs.resolve("/", str(outside) + "/secret", must_exist=False)
    assert res.host == root / str(outside).lstrip("/") / "secret" and not res.exists


def test_absolute_symlink_stays_inside(world) -> None:
    fs, root, _ = world
    res = fs.resolve("/", b"/abs_etc/passwd")
    assert res.host == root / "etc/passwd" and res.guest == "/etc/passwd"


def test_relative_symlink_climbing_out_lands_at_root(world) -> None:
    fs, root, _ = world
    f = fs.open("/", b"rel_escape/secret", ls.O_RDONLY)
    try:
        assert f.read(100) == b"inside"
    finally:
        f.close()
    assert fs.resolve("/home/user", b"up").guest == "/"


def test_host_absolute_symlink_is_reinterpreted(world) -> None:
    fs, _, _ = world
    assert errno_of(fs.resolve, "/", b"host_abs/secret") == errno.ENOENT


def test_symlink_chain_climbing_out(world) -> None:
    fs, root, _ = world
    res = fs.resolve("/", b"chain1/etc/passwd")
    assert res.host == root / "etc/passwd"
    assert fs.resolve("/", b"chain1").guest == "/"


def test_dotdot_after_symlink_uses_target_parent(world) -> None:
    fs, _, _ = world
    # etclink -> /etc, so etclink/.. is "/", not /home/user (physical walk, as Linux).
    assert fs.resolve("/home/user", b"etclink/..").guest == "/"
    assert fs.resolve("/", b"abs_etc/../home/user/file").guest == "/home/user/file"


def test_cwd_replaced_by_symlink_does_not_escape(world) -> None:
    fs, root, outside = world
    os.rename(root / "home", root / "home_old")
    os.symlink(str(outside.parent), root / "home")  # host path: would escape if followed raw
    assert errno_of(fs.resolve, "/home/user", b"file") == errno.ENOENT
    assert errno_of(fs.resolve, "/home", b"outside/secret") == errno.ENOENT


COMPONENTS = ["..", ".", "etc", "home", "user", "abs_etc", "rel_escape", "chain1", "up",
              "etclink", "host_abs", "outside", "secret", "passwd", "dangling", "x"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=8),
       absolute=st.booleans(), cwd=st.sampled_from(["/", "/home/user", "/etc"]),
       follow=st.booleans(), must_exist=st.booleans())
def test_no_path_escapes(world, parts, absolute, cwd, follow, must_exist) -> None:
    fs, _, _ = world
    path = ("/" if absolute else "") + "/".join(parts)
    try:
        res = fs.resolve(cwd, path.encode(), follow_final=follow, must_exist=must_exist)
    except KernelError as exc:
        assert exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)
        return
    assert inside(fs, res.host.parent if res.is_symlink or not res.exists else res.host)
    assert res.guest.startswith("/") and "/.." not in res.guest


# -- lookup errors ------------------------------------------------------------------


def test_symlink_loops(world) -> None:
    fs, root, _ = world
    assert errno_of(fs.resolve, "/", b"loop_a") == errno.ELOOP
    assert errno_of(fs.resolve, "/", b"self/x") == errno.ELOOP
    # Not following the final link is fine even for a loop.
    assert fs.resolve("/", b"loop_a", follow_final=False).is_symlink


def test_forty_links_allowed_forty_one_not(world) -> None:
    fs, root, _ = world
    os.symlink("etc", root / "l0")
    for i in range(1, 41):
        os.symlink(f"l{i - 1}", root / f"l{i}")
    assert fs.resolve("/", b"l39").guest == "/etc"  # 40 links
    assert errno_of(fs.resolve, "/", b"l40") == errno.ELOOP  # 41 links


def test_enotdir_and_enoent(world) -> None:
    fs, _, _ = world
    assert errno_of(fs.resolve, "/", b"/etc/passwd/x") == errno.ENOTDIR
    assert errno_of(fs.resolve, "/", b"/etc/passwd/") == errno.ENOTDIR
    assert errno_of(fs.resolve, "/", b"/etc/passwd/.") == errno.ENOTDIR
    assert errno_of(fs.resolve, "/", b"/etc/passwd/..") == errno.ENOTDIR
    assert errno_of(fs.resolve, "/", b"file_slash") == errno.ENOTDIR
    assert errno_of(fs.resolve, "/", b"/nope/x", must_exist=False) == errno.ENOENT
    assert errno_of(fs.resolve, "/", b"/nope/..") == errno.ENOENT
    assert errno_of(fs.resolve, "/", b"dangling") == errno.ENOENT
    assert errno_of(fs.resolve, "/", b"") == errno.ENOENT


def test_name_too_long(world) -> None:
    fs, _, _ = world
    assert errno_of(fs.resolve, "/", b"a" * 256) == errno.ENAMETOOLONG
    assert errno_of(fs.resolve, "/", b"a" * 255) == errno.ENOENT
    assert errno_of(fs.resolve, "/", b"/" + b"a/" * 2048) == errno.ENAMETOOLONG
    assert fs.resolve("/", b"/" * 4095).guest == "/"
    assert errno_of(fs.resolve, "/", b"/" * 4096) == errno.ENAMETOOLONG


def test_follow_and_trailing_slash(world) -> None:
    fs, root, _ = world
    assert fs.resolve("/", b"abs_etc", follow_final=False).is_symlink
    assert fs.resolve("/", b"abs_etc/", follow_final=False).is_dir
    res = fs.resolve("/", b"etc/newfile", must_exist=False)
    assert not res.exists and res.host == root / "etc/newfile" and res.guest == "/etc/newfile"
    res = fs.resolve("/", b"dangling", must_exist=False)
    assert not res.exists and res.guest == "/created_by_link"


def test_nul_terminates_path(world) -> None:
    fs, _, _ = world
    assert fs.resolve("/", b"/etc\0/garbage").guest == "/etc"


# -- open -----------------------------------------------------------------------------


def test_open_create_exact_mode_and_flags(world) -> None:
    fs, root, _ = world
    old = os.umask(0o077)
    try:
        f = fs.open("/", b"etc/new", ls.O_CREAT | ls.O_WRONLY | ls.O_CLOEXEC, 0o644)
    finally:
        os.umask(old)
    assert (root / "etc/new").stat().st_mode & 0o777 == 0o644
    assert f.flags & ls.O_ACCMODE == ls.O_WRONLY and f.flags & ls.O_LARGEFILE
    assert not f.flags & (ls.O_CREAT | ls.O_CLOEXEC)
    assert f.write(b"hi") == 2 and f.guest_path == "/etc/new"
    f.close()
    assert errno_of(fs.open, "/", b"etc/new", ls.O_CREAT | ls.O_EXCL | ls.O_WRONLY) == errno.EEXIST


def test_open_dangling_symlink(world) -> None:
    fs, root, _ = world
    assert errno_of(fs.open, "/", b"dangling", ls.O_CREAT | ls.O_EXCL | ls.O_WRONLY) == errno.EEXIST
    fs.open("/", b"dangling", ls.O_CREAT | ls.O_WRONLY).close()
    assert (root / "created_by_link").is_file()


def test_open_guest_flag_values_are_translated(world) -> None:
    fs, _, _ = world
    # Guest O_DIRECTORY (0o40000) is the host's O_DIRECT on x86-64.
    fs.open("/", b"etc", ls.O_RDONLY | ls.O_DIRECTORY).close()
    assert errno_of(fs.open, "/", b"etc/passwd", ls.O_DIRECTORY) == errno.ENOTDIR
    # Guest O_NOFOLLOW (0o100000) is the host's O_LARGEFILE.
    assert errno_of(fs.open, "/", b"abs_etc", ls.O_NOFOLLOW) == errno.ELOOP
    # Guest O_LARGEFILE (0o400000) is the host's O_NOFOLLOW: must not stop following.
    f = fs.open("/", b"abs_etc/passwd", ls.O_LARGEFILE | ls.O_DIRECT)
    assert f.read(4) == b"root"
    f.close()


def test_open_errors(world) -> None:
    fs, _, _ = world
    assert errno_of(fs.open, "/", b"etc", ls.O_WRONLY) == errno.EISDIR
    assert errno_of(fs.open, "/", b"etc", ls.O_CREAT | ls.O_RDONLY) == errno.EISDIR
    assert errno_of(fs.open, "/", b"etc/newdir/", ls.O_CREAT | ls.O_WRONLY) == errno.EISDIR
    assert errno_of(fs.open, "/", b"nope", ls.O_RDONLY) == errno.ENOENT
    assert errno_of(fs.open, "/", b"nope/x", ls.O_CREAT | ls.O_WRONLY) == errno.ENOENT


def test_open_path_nofollow_gets_the_link(world) -> None:
    fs, _, _ = world
    f = fs.open("/", b"abs_etc", ls.O_PATH | ls.O_NOFOLLOW)
    assert ls.S_IFLNK == f.stat().st_mode & ls.S_IFMT
    assert errno_of(f.read, 1) == errno.EBADF
    f.close()


def test_open_trunc_and_append(world) -> None:
    fs, root, _ = world
    fs.open("/", b"home/user/file", ls.O_WRONLY | ls.O_TRUNC).close()
    assert (root / "home/user/file").read_bytes() == b""
    f = fs.open("/", b"home/user/file", ls.O_WRONLY | ls.O_APPEND)
    f.write(b"a")
    f.lseek(0, os.SEEK_SET)
    f.write(b"b")
    f.close()
    assert (root / "home/user/file").read_bytes() == b"ab"


def test_open_refuses_fifo(world) -> None:
    fs, root, _ = world
    os.mkfifo(root / "fifo")
    assert errno_of(fs.open, "/", b"fifo", ls.O_RDONLY) == errno.ENXIO


def test_open_tmpfile(world) -> None:
    fs, root, _ = world
    try:
        f = fs.open("/", b"etc", ls.O_TMPFILE | ls.O_RDWR, 0o600)
    except KernelError as exc:  # file system without O_TMPFILE support
        pytest.skip(f"O_TMPFILE unsupported: {exc}")
    assert f.write(b"xyz") == 3 and f.pread(3, 0) == b"xyz"
    f.close()
    assert sorted(p.name for p in (root / "etc").iterdir()) == ["passwd"]


# -- other operations --------------------------------------------------------------------


def test_stat(world) -> None:
    fs, root, _ = world
    assert fs.stat("/", b"abs_etc").st_ino == os.stat(root / "etc").st_ino
    assert ls.S_IFLNK == fs.stat("/", b"abs_etc", follow=False).st_mode & ls.S_IFMT
    assert fs.stat("/etc", b"..").st_ino == os.stat(root).st_ino
    assert fs.stat("/", b"/..").st_ino == os.stat(root).st_ino


def test_mkdir(world) -> None:
    fs, root, _ = world
    fs.mkdir("/", b"etc/d/", 0o751)
    assert (root / "etc/d").stat().st_mode & 0o7777 == 0o751
    for path in (b"etc/d", b"etc", b".", b"/", b"..", b"abs_etc", b"dangling", b"etc/passwd"):
        assert errno_of(fs.mkdir, "/", path, 0o755) == errno.EEXIST, path
    assert errno_of(fs.mkdir, "/", b"nope/d", 0o755) == errno.ENOENT
    assert errno_of(fs.mkdir, "/", b"etc/passwd/d", 0o755) == errno.ENOTDIR
    assert errno_of(fs.mkdir, "/", b"x" * 256, 0o755) == errno.ENAMETOOLONG


def test_unlink(world) -> None:
    fs, root, _ = world
    assert errno_of(fs.unlink, "/", b"etc") == errno.EISDIR
    assert errno_of(fs.unlink, "/", b"etc/passwd/") == errno.ENOTDIR
    assert errno_of(fs.unlink, "/", b"nope") == errno.ENOENT
    assert errno_of(fs.unlink, "/", b".") == errno.EISDIR
    assert errno_of(fs.unlink, "/", b"etc/passwd", 0x1) == errno.EINVAL
    fs.unlink("/", b"abs_etc")  # removes the link, not the target
    assert not (root / "abs_etc").is_symlink() and (root / "etc/passwd").exists()
    fs.unlink("/home/user", b"file")
    assert not (root / "home/user/file").exists()


def test_rmdir(world) -> None:
    fs, root, _ = world
    rm = ls.AT_REMOVEDIR
    assert errno_of(fs.unlink, "/", b"full", rm) == errno.ENOTEMPTY
    assert errno_of(fs.unlink, "/", b"etc/passwd", rm) == errno.ENOTDIR
    assert errno_of(fs.unlink, "/", b"empty/.", rm) == errno.EINVAL
    assert errno_of(fs.unlink, "/", b"empty/..", rm) == errno.ENOTEMPTY
    assert errno_of(fs.unlink, "/", b"/", rm) == errno.EBUSY
    assert errno_of(fs.unlink, "/", b"abs_etc", rm) == errno.ENOTDIR
    assert errno_of(fs.unlink, "/", b"abs_etc/", rm) == errno.ENOTDIR
    assert errno_of(fs.unlink, "/", b"nope", rm) == errno.ENOENT
    fs.unlink("/", b"empty/", rm)
    assert not (root / "empty").exists()


def test_rename(world) -> None:
    fs, root, _ = world
    fs.rename("/", b"etc/passwd", "/home", b"user/pw")
    assert (root / "home/user/pw").read_text().startswith("root")
    assert errno_of(fs.rename, "/", b"full", "/", b"full/sub/inner") == errno.EINVAL
    assert errno_of(fs.rename, "/", b"empty", "/", b"full") == errno.ENOTEMPTY
    assert errno_of(fs.rename, "/", b"home/user/pw", "/", b"empty") == errno.EISDIR
    assert errno_of(fs.rename, "/", b"empty", "/", b"home/user/pw") == errno.ENOTDIR
    assert errno_of(fs.rename, "/", b"home/user/pw/", "/", b"x") == errno.ENOTDIR
    assert errno_of(fs.rename, "/", b"home/user/pw", "/", b"x/") == errno.ENOTDIR
    assert errno_of(fs.rename, "/", b"nope", "/", b"x") == errno.ENOENT
    assert errno_of(fs.rename, "/", b".", "/", b"x") == errno.EBUSY
    assert errno_of(fs.rename, "/", b"home/user/file", "/", b"home/user/pw",
                    ls.RENAME_NOREPLACE) == errno.EEXIST
    assert errno_of(fs.rename, "/", b"home/user/file", "/", b"y", ls.RENAME_EXCHANGE) == errno.EINVAL
    fs.rename("/", b"home/user/file", "/", b"home/user/pw")  # replaces
    assert (root / "home/user/pw").read_text() == "data"
    fs.rename("/", b"empty/", "/", b"empty2/")
    assert (root / "empty2").is_dir()


def test_symlink_and_readlink(world) -> None:
    fs, root, _ = world
    fs.symlink(b"/etc/passwd", "/home", b"user/pwlink")
    assert os.readlink(root / "home/user/pwlink") == "/etc/passwd"  # stored verbatim
    assert fs.readlink("/", b"home/user/pwlink") == b"/etc/passwd"
    assert fs.stat("/", b"home/user/pwlink").st_ino == os.stat(root / "etc/passwd").st_ino
    assert errno_of(fs.readlink, "/", b"etc/passwd") == errno.EINVAL
    assert errno_of(fs.readlink, "/", b"abs_etc/") == errno.EINVAL
    assert errno_of(fs.symlink, b"x", "/", b"etc/passwd") == errno.EEXIST
    assert errno_of(fs.symlink, b"x", "/", b"dangling") == errno.EEXIST
    assert errno_of(fs.symlink, b"", "/", b"newlink") == errno.ENOENT
    assert errno_of(fs.symlink, b"x", "/", b"newlink/") == errno.ENOENT
    assert errno_of(fs.symlink, b"x", "/", b"nope/newlink") == errno.ENOENT


def test_link(world) -> None:
    fs, root, _ = world
    fs.link("/", b"etc/passwd", "/", b"home/hard")
    assert os.stat(root / "home/hard").st_ino == os.stat(root / "etc/passwd").st_ino
    fs.link("/", b"abs_etc", "/", b"home/hardlink_to_link")
    assert (root / "home/hardlink_to_link").is_symlink()
    assert errno_of(fs.link, "/", b"etc", "/", b"home/d") == errno.EPERM
    assert errno_of(fs.link, "/", b"abs_etc", "/", b"home/d", follow=True) == errno.EPERM
    assert errno_of(fs.link, "/", b"etc/passwd", "/", b"home/hard") == errno.EEXIST
    assert errno_of(fs.link, "/", b"nope", "/", b"home/x") == errno.ENOENT


def test_access(world) -> None:
    fs, root, _ = world
    fs.access("/", b"etc/passwd", os.F_OK)
    fs.access("/", b"etc", os.R_OK | os.X_OK)
    assert errno_of(fs.access, "/", b"etc/passwd", 8) == errno.EINVAL
    assert errno_of(fs.access, "/", b"dangling", os.F_OK) == errno.ENOENT
    fs.access("/", b"dangling", os.F_OK, follow=False)
    if not IS_ROOT:
        os.chmod(root / "etc/passwd", 0)
        assert errno_of(fs.access, "/", b"etc/passwd", os.R_OK) == errno.EACCES


def test_chdir_target(world) -> None:
    fs, root, _ = world
    assert fs.chdir_target("/", b"abs_etc") == "/etc"
    assert fs.chdir_target("/home/user", b"up/home/./user/..") == "/home"
    assert errno_of(fs.chdir_target, "/", b"etc/passwd") == errno.ENOTDIR
    if not IS_ROOT:
        os.chmod(root / "empty", 0o600)
        assert errno_of(fs.chdir_target, "/", b"empty") == errno.EACCES


def test_truncate_chmod_utimens_statfs(world) -> None:
    fs, root, _ = world
    fs.truncate("/", b"home/user/file", 2)
    assert (root / "home/user/file").read_bytes() == b"da"
    assert errno_of(fs.truncate, "/", b"etc", 0) == errno.EISDIR
    assert errno_of(fs.truncate, "/", b"home/user/file", -1) == errno.EINVAL
    fs.chmod("/", b"abs_etc/passwd", 0o600)
    assert (root / "etc/passwd").stat().st_mode & 0o777 == 0o600
    assert errno_of(fs.chmod, "/", b"abs_etc", 0o600, follow=False) == errno.EOPNOTSUPP
    before = os.stat(root / "etc/passwd")
    fs.utimens("/", b"etc/passwd", None, 5_000_000_123)
    after = os.stat(root / "etc/passwd")
    assert after.st_mtime_ns == 5_000_000_123 and after.st_atime_ns == before.st_atime_ns
    fs.utimens("/", b"abs_etc", 7_000_000_000, None, follow=False)
    assert os.lstat(root / "abs_etc").st_atime_ns == 7_000_000_000
    assert fs.statfs("/", b"etc").f_bsize > 0


def test_parent_lookup_kinds(world) -> None:
    fs, root, _ = world
    assert fs.resolve_parent("/", b"/").kind == "root"
    pl = fs.resolve_parent("/home", b"user/new/")
    assert (pl.kind, pl.name, pl.trailing_slash) == ("norm", "new", True)
    assert pl.host == root / "home/user/new" and pl.guest == "/home/user/new"
    assert fs.resolve_parent("/", b"abs_etc/x").parent.guest == "/etc"
    assert fs.resolve_parent("/", b"etc/..").kind == "dotdot"
    assert errno_of(fs.resolve_parent, "/", b"a/..") == errno.ENOENT
    assert fs.resolve_parent("/", b"etc/.").kind == "dot"


def test_rootfs_requires_directory(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(NotADirectoryError):
        Rootfs(tmp_path / "f")


def test_non_utf8_names_round_trip(world) -> None:
    fs, root, _ = world
    name = b"caf\xe9"
    fs.open("/", b"etc/" + name, ls.O_CREAT | ls.O_WRONLY, 0o644).close()
    res = fs.resolve("/", b"etc/" + name)
    assert os.fsencode(res.guest) == b"/etc/" + name
    assert os.path.exists(os.fsencode(root) + b"/etc/" + name)



# -- mounts and the -L sysroot ----------------------------------------------------------------

def test_mount_grafts_a_directory_and_dotdot_leaves_it(tmp_path: Path) -> None:
    """A mount hides what the root has there; '..' from inside returns to the root."""
    root, own = tmp_path / "root", tmp_path / "own"
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "host-secret").write_text("x")
    own.mkdir()
    (own / "mine").write_text("y")
    fs = Rootfs(root, mounts={"/proc": own})
    assert fs.resolve("/", "/proc/mine").host == own / "mine"
    with pytest.raises(KernelError) as e:
        fs.resolve("/", "/proc/host-secret")
    assert e.value.errno == errno.ENOENT
    assert fs.resolve("/proc", "../proc/mine").guest == "/proc/mine"
    assert fs.resolve("/proc", "..").host == root.resolve()


def test_mount_of_a_file_into_a_sandbox(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    prog = tmp_path / "prog"
    prog.write_bytes(b"\x7fELF")
    fs = Rootfs(root, mounts={"/bin/prog": prog})
    res = fs.resolve("/", "/bin/prog")
    assert res.host == prog and res.guest == "/bin/prog"
    assert not (root / "bin" / "prog").exists()


def test_sysroot_first_for_existing_absolute_files(tmp_path: Path) -> None:
    """As qemu-user's -L: an absolute path that exists under the sysroot is taken from
    there (its absolute symlinks stay inside it); anything else is the root's."""
    root, sysroot = tmp_path / "root", tmp_path / "sysroot"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "libc.so.6").write_text("host")
    (root / "lib" / "only-host").write_text("host")
    (sysroot / "lib" / "aarch64").mkdir(parents=True)
    (sysroot / "lib" / "aarch64" / "libc.so.6").write_text("arm64")
    (sysroot / "lib" / "libc.so.6").symlink_to("/lib/aarch64/libc.so.6")
    fs = Rootfs(root, sysroot=sysroot)
    got = fs.resolve("/", "/lib/libc.so.6")
    assert got.host == (sysroot / "lib" / "aarch64" / "libc.so.6").resolve()
    assert fs.resolve("/", "/lib/only-host").host == (root / "lib" / "only-host").resolve()
    assert fs.resolve("/lib", "libc.so.6").host == (root / "lib" / "libc.so.6").resolve()
    assert fs.resolve("/", "/lib").host == (root / "lib").resolve()   # directories: the root's
    f = fs.open("/", "/lib/libc.so.6", ls.O_RDONLY)
    try:
        assert os.read(f.fd, 10) == b"arm64"
    finally:
        f.close()


def test_on_read_hears_regular_files_opened_for_reading(world) -> None:
    _fs, root, _outside = world
    seen: list[str] = []
    fs = Rootfs(root, on_read=lambda guest, host, fd: seen.append(guest))
    (root / "r.txt").write_text("x")
    for flags in (ls.O_RDONLY, ls.O_WRONLY, ls.O_RDWR):
        fs.open("/", "/r.txt", flags).close()
    assert seen == ["/r.txt", "/r.txt"]
