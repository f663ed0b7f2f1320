"""Path and metadata syscalls over the sandboxed VFS: resolving a guest path
(against the cwd or a directory descriptor), openat, the stat family, access
checks, readlink, getdents64, getcwd/chdir, mkdir, unlink, rename, symlinks and
hard links, permissions, owners and times, truncation, sync and statfs.  Moving
data through open files is in `fileio`; the descriptor table is in `fdtable`.
"""

from __future__ import annotations

import errno
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from kernel_model import file_cut
from kernel_model import linux_structs as ls
from kernel_model.devfiles import DEVICES, dev_stat, open_device
from kernel_model.errors import KernelError
from kernel_model.files import HostFile, OpenFile
from kernel_model.openfile import MemfdPages
from kernel_model.process import Thread
from kernel_model.synthfs import (
    DEVTMPFS_DEV,
    PROC_DEV,
    SYSFS_DEV,
    Elsewhere,
    Found,
    SynthDir,
    SynthLink,
    SynthOpenFile,
    lookup,
    mounts_of,
    open_node,
    stat_of,
)
from kernel_model.syscalls import s32, s64, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel


def _dir_of(k: Kernel, t: Thread, dirfd: int) -> str:
    """Guest path that a *at() call's relative paths start from."""
    if dirfd == ls.AT_FDCWD:
        return t.process.cwd
    f = t.process.fds.get(dirfd)
    path = getattr(f, "guest_path", None)
    if f.kind != "dir" or path is None:
        raise KernelError(errno.ENOTDIR)
    return path


def _guest_abs(cwd: str, path: bytes) -> str:
    p = os.fsdecode(path)
    return posixpath.normpath(posixpath.join(cwd, p)) if p else ""


def _path(k: Kernel, ptr: int) -> bytes:
    p = k.uaccess.read_cstring(ptr, 4096)
    return p


def _synthetic(k: Kernel, t: Thread, dirfd: int, path: bytes, follow: bool = True
               ) -> tuple[Found | Elsewhere | None, str]:
    """What /proc, /sys or /dev make of a path (None: not theirs), and the lookup's cwd."""
    cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    return lookup(mounts_of(k), _guest_abs(cwd, path), follow=follow), cwd


# --- open -------------------------------------------------------------------------
def do_open(k: Kernel, t: Thread, dirfd: int, path: bytes, flags: int, mode: int) -> int:
    proc = t.process
    if not path:
        return -errno.ENOENT
    # link_path_walk(): a name going on past its last component ("x/", "x/.") follows it
    # and asks a directory (LOOKUP_FOLLOW | LOOKUP_DIRECTORY)
    asks_dir = path.endswith((b"/", b"/."))
    if _dotdot_past_file(k, t, dirfd, path):
        return -errno.ENOTDIR
    found, cwd = _synthetic(k, t, dirfd, path,
                            follow=not flags & ls.O_NOFOLLOW or asks_dir)
    if isinstance(found, Found):
        if isinstance(found.node, SynthLink) and (found.node.opens is None or (
                flags & ls.O_NOFOLLOW and not asks_dir)):
            return -errno.ELOOP
        if asks_dir and not _is_dir(found):
            # open_last_lookups(): O_CREAT with a trailing slash is -EISDIR; do_open(),
            # link_path_walk(): a non-directory under LOOKUP_DIRECTORY is -ENOTDIR
            return -errno.EISDIR if path.endswith(b"/") and flags & ls.O_CREAT \
                else -errno.ENOTDIR
        if flags & ls.O_CREAT and flags & ls.O_EXCL:
            return -errno.EEXIST        # (open_last_lookups(): the name exists)
        synth = open_node(found, flags & ~ls.O_CLOEXEC)
        fresh = synth.refs == 0          # /proc/PID/fd/N may share an open description
        try:
            fd = proc.fds.install(synth, cloexec=bool(flags & ls.O_CLOEXEC))
            _cut_by_open(k, synth, flags)
            return fd
        except KernelError:
            if fresh:
                synth.decref()
            raise
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    dev = open_device(_guest_abs(cwd, path), flags & ~ls.O_CLOEXEC, k.random_bytes)
    if dev is not None:
        f: OpenFile = dev
    else:
        f = k.rootfs.open(cwd, path, flags & ~ls.O_CLOEXEC, mode & ~proc.umask & 0o7777)
    try:
        fd = proc.fds.install(f, cloexec=bool(flags & ls.O_CLOEXEC))
    except KernelError:
        f.decref()
        raise
    _cut_by_open(k, f, flags)
    return fd


def _dotdot_past_file(k: Kernel, t: Thread, dirfd: int, path: bytes) -> bool:
    """Does a ".." of `path` follow a synthetic name that is no directory ("N/../N" of
    /proc/self/fd/N)?  link_path_walk() follows the name before ".." and then "if
    (unlikely(!d_can_lookup(nd->path.dentry))) return -ENOTDIR" (a lexical ".." hides it)."""
    parts = path.split(b"/")
    for i in range(1, len(parts)):
        if parts[i] != b".." or parts[i - 1] in (b"", b".", b".."):
            continue
        try:
            found, _ = _synthetic(k, t, dirfd, b"/".join(parts[:i]) or b"/")
        except KernelError:
            return False                # (the walk fails there first)
        if isinstance(found, Found) and not _is_dir(found):
            return True
    return False


def _is_dir(found: Found) -> bool:
    """Is what a synthetic name reaches a directory (a magic link: its open file's)?"""
    node = found.node
    if isinstance(node, SynthLink) and node.opens is not None:
        return node.opens().kind == "dir"
    return isinstance(node, SynthDir)


def _cut_by_open(k: Kernel, f: OpenFile, flags: int) -> None:
    """An open with O_TRUNC of a regular file that succeeded cut it to 0 bytes:
    truncate_pagecache() (file_cut.py)."""
    if flags & ls.O_TRUNC and isinstance(f, HostFile) and f.kind == "file":
        file_cut.cut_file(k.mmctx, f, 0)


#: build_open_how(): "O_PATH beats everything else" -- only O_PATH_FLAGS stay
_O_PATH_FLAGS = ls.O_DIRECTORY | ls.O_NOFOLLOW | ls.O_PATH | ls.O_CLOEXEC


@syscall("openat")
def sys_openat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = s32(a[2])
    if flags & ls.O_PATH:
        flags &= _O_PATH_FLAGS
    # build_open_flags(), before getname(): "if ((flags & O_TMPFILE_MASK) != O_TMPFILE)
    # return -EINVAL;", and O_TMPFILE only for writing
    if flags & ls.O_TMPFILE_BIT and (
            flags & (ls.O_TMPFILE | ls.O_CREAT) != ls.O_TMPFILE
            or flags & ls.O_ACCMODE == ls.O_RDONLY):
        return -errno.EINVAL
    # build_open_flags() (6.4 on): "if ((flags & (O_DIRECTORY | O_CREAT)) ==
    # (O_DIRECTORY | O_CREAT)) return -EINVAL;"
    if flags & (ls.O_DIRECTORY | ls.O_CREAT) == ls.O_DIRECTORY | ls.O_CREAT:
        return -errno.EINVAL
    return do_open(k, t, s32(a[0]), _path(k, a[1]), flags, a[3] & 0o7777)


# --- metadata -----------------------------------------------------------------------
def _stat_path(k: Kernel, t: Thread, dirfd: int, path: bytes, flags: int):  # noqa: ANN202
    if not path:
        if not flags & ls.AT_EMPTY_PATH:
            raise KernelError(errno.ENOENT)
        return t.process.fds.get(dirfd).stat()
    found, cwd = _synthetic(k, t, dirfd, path, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    if isinstance(found, Found):
        node = found.node
        if isinstance(node, SynthLink) and node.opens is not None and not (
                flags & ls.AT_SYMLINK_NOFOLLOW):
            return node.opens().stat()
        return stat_of(found)
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    guest = _guest_abs(cwd, path)
    if guest in DEVICES:
        dev = open_device(guest, 0, k.random_bytes)
        assert dev is not None
        return dev_stat(dev.rdev)
    return k.rootfs.stat(cwd, path, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)


@syscall("newfstatat")
def sys_newfstatat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    st = _stat_path(k, t, s32(a[0]), _path(k, a[1]), s32(a[3]))
    k.uaccess.write(a[2], ls.pack_stat(st))
    return 0


@syscall("fstat")
def sys_fstat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    k.uaccess.write(a[1], ls.pack_stat(t.process.fds.get(s32(a[0])).stat()))
    return 0


@syscall("statx")
def sys_statx(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    st = _stat_path(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]))
    k.uaccess.write(a[4], ls.pack_statx(st))
    return 0


@syscall("faccessat")
def sys_faccessat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]), 0)


@syscall("faccessat2")
def sys_faccessat2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]), s32(a[3]))


def _access(k: Kernel, t: Thread, dirfd: int, path: bytes, mode: int, flags: int) -> int:
    if mode & ~7:
        return -errno.EINVAL
    found, cwd = _synthetic(k, t, dirfd, path, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    if isinstance(found, Found):
        return 0                      # the guest is root: only existence matters
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    if _guest_abs(cwd, path) in DEVICES:
        return 0
    k.rootfs.access(cwd, path, mode, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    return 0


@syscall("readlinkat")
def sys_readlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    dirfd, path, buf, size = s32(a[0]), _path(k, a[1]), a[2], a[3]
    if s64(size) <= 0:
        return -errno.EINVAL
    found, cwd = _synthetic(k, t, dirfd, path, follow=False)
    if isinstance(found, Found):
        if not isinstance(found.node, SynthLink):
            return -errno.EINVAL
        target = found.node.target().encode()
    else:
        if isinstance(found, Elsewhere):
            cwd, path = "/", found.path.encode()
        target = k.rootfs.readlink(cwd, path)
    target = target[:size]
    k.uaccess.write(buf, target)
    return len(target)


@syscall("getdents64")
def sys_getdents64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    data = t.process.fds.get(s32(a[0])).getdents64(a[2])
    k.uaccess.write(a[1], data)
    return len(data)


@syscall("getcwd")
def sys_getcwd(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    cwd = os.fsencode(t.process.cwd) + b"\0"
    if a[1] < len(cwd):
        return -errno.ERANGE
    k.uaccess.write(a[0], cwd)
    return len(cwd)


@syscall("chdir")
def sys_chdir(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[0])
    found, cwd = _synthetic(k, t, ls.AT_FDCWD, path) if path else (None, t.process.cwd)
    if isinstance(found, Found):
        if not isinstance(found.node, SynthDir):
            return -errno.ENOTDIR
        t.process.cwd = found.path
        return 0
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    t.process.cwd = k.rootfs.chdir_target(cwd, path)
    return 0


@syscall("chroot")
def sys_chroot(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """chroot(2): paths of this process (and its children) resolve below the new root.

    The model keeps the cwd as a path inside the root, so a cwd outside the new
    root (which Linux would leave there) becomes the new root itself."""
    proc = t.process
    new = k.rootfs.chdir_target(proc.cwd, _path(k, a[0]))
    proc.root = posixpath.normpath(posixpath.join(proc.root, new.lstrip("/")))
    if new != "/":
        inside = proc.cwd == new or proc.cwd.startswith(new + "/")
        rel = posixpath.relpath(proc.cwd, new) if inside else "."
        proc.cwd = "/" if rel == "." else "/" + rel
    return 0


@syscall("fchdir")
def sys_fchdir(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.cwd = _dir_of(k, t, s32(a[0]))
    return 0


@syscall("mkdirat")
def sys_mkdirat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.mkdir(cwd, path, (a[2] & 0o7777) & ~t.process.umask)
    return 0


@syscall("unlinkat")
def sys_unlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    flags = s32(a[2])
    if flags & ~ls.AT_REMOVEDIR:
        return -errno.EINVAL
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.unlink(cwd, path, flags)
    return 0


def _rename(k: Kernel, t: Thread, olddir: int, old: int, newdir: int, new: int, flags: int) -> int:
    old_p, new_p = _path(k, old), _path(k, new)
    cwd_old = _dir_of(k, t, olddir) if not old_p.startswith(b"/") else "/"
    cwd_new = _dir_of(k, t, newdir) if not new_p.startswith(b"/") else "/"
    k.rootfs.rename(cwd_old, old_p, cwd_new, new_p, flags)
    return 0


@syscall("renameat")
def sys_renameat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _rename(k, t, s32(a[0]), a[1], s32(a[2]), a[3], 0)


@syscall("renameat2")
def sys_renameat2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _rename(k, t, s32(a[0]), a[1], s32(a[2]), a[3], s32(a[4]))


@syscall("symlinkat")
def sys_symlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    target, path = _path(k, a[0]), _path(k, a[2])
    cwd = _dir_of(k, t, s32(a[1])) if not path.startswith(b"/") else "/"
    k.rootfs.symlink(target, cwd, path)
    return 0


@syscall("linkat")
def sys_linkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old_p, new_p = _path(k, a[1]), _path(k, a[3])
    cwd_old = _dir_of(k, t, s32(a[0])) if not old_p.startswith(b"/") else "/"
    cwd_new = _dir_of(k, t, s32(a[2])) if not new_p.startswith(b"/") else "/"
    k.rootfs.link(cwd_old, old_p, cwd_new, new_p, follow=bool(s32(a[4]) & ls.AT_SYMLINK_FOLLOW))
    return 0


@syscall("fchmodat")
def sys_fchmodat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.chmod(cwd, path, a[2] & 0o7777)
    return 0


@syscall("fchmod")
def sys_fchmod(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    host = getattr(f, "host_path", None)
    if host is None:
        return -errno.EINVAL
    k.rootfs.chmod("/", os.fsencode(f.guest_path), a[1] & 0o7777)  # type: ignore[attr-defined]
    return 0


@syscall("fchownat")
def sys_fchownat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return 0


@syscall("fchown")
def sys_fchown(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.get(s32(a[0]))
    return 0


@syscall("utimensat")
def sys_utimensat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    dirfd, path_ptr, times, flags = s32(a[0]), a[1], a[2], s32(a[3])
    now = k.now_ns()
    atime = mtime = now
    if times:
        raw = k.uaccess.read(times, 32)
        stamps = []
        for off in (0, 16):
            sec, nsec = ls.unpack_timespec(raw, off)
            stamps.append(None if nsec == (1 << 30) - 2 else now if nsec == (1 << 30) - 1
                          else sec * 1_000_000_000 + nsec)
        atime, mtime = stamps
    if not path_ptr:
        f = t.process.fds.get(dirfd)
        path, cwd = os.fsencode(getattr(f, "guest_path", "")), "/"
    else:
        path = _path(k, path_ptr)
        cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    k.rootfs.utimens(cwd, path, atime, mtime, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    return 0


@syscall("truncate")
def sys_truncate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    length = s64(a[1])
    host = k.rootfs.truncate(t.process.cwd, _path(k, a[0]), length)
    file_cut.cut_path(k.mmctx, host, length)    # (a growth unmaps nothing)
    return 0


@syscall("ftruncate")
def sys_ftruncate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    length = s64(a[1])
    if length < 0:
        return -errno.EINVAL
    f = t.process.fds.get(s32(a[0]))
    old = f.stat().st_size if isinstance(f, HostFile) and f.kind == "file" else None
    f.truncate(length)
    # truncate_pagecache(); shmem_setattr() truncates on newsize <= oldsize: a memfd cut
    # to its own size still zeroes its last page past the end
    if old is not None and (length < old or (length == old and
                                             getattr(f, "memfd_pages", None) is not None)):
        file_cut.cut_file(k.mmctx, f, length)
    return 0


@syscall("fsync")
def sys_fsync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.get(s32(a[0])).fsync()
    return 0


@syscall("fdatasync")
def sys_fdatasync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return sys_fsync(k, t, a)


@syscall("sync")
def sys_sync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return 0


@syscall("fadvise64")
def sys_fadvise64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    return -errno.ESPIPE if f.kind == "pipe" else 0


#: f_type of the made-up file systems (Linux's PROC_SUPER_MAGIC, SYSFS_MAGIC, TMPFS_MAGIC).
_SYNTH_MAGIC = {PROC_DEV: 0x9FA0, SYSFS_DEV: 0x62656572, DEVTMPFS_DEV: 0x01021994}


def _synth_statfs(found: Found) -> bytes:
    return ls.pack_statfs(_SYNTH_MAGIC.get(found.dev, 0x9FA0), 4096, 0, 0, 0, 0, 0,
                          fsid=(found.dev, 0))


@syscall("statfs")
def sys_statfs(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[0])
    found, cwd = _synthetic(k, t, ls.AT_FDCWD, path) if path else (None, t.process.cwd)
    if isinstance(found, Found):
        k.uaccess.write(a[1], _synth_statfs(found))
        return 0
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    st = k.rootfs.statfs(cwd, path)
    k.uaccess.write(a[1], _pack_statvfs(st))
    return 0


@syscall("fstatfs")
def sys_fstatfs(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if isinstance(f, SynthOpenFile):
        k.uaccess.write(a[1], _synth_statfs(f.found))
        return 0
    st = k.rootfs.statfs("/", os.fsencode(getattr(f, "guest_path", "/")))
    k.uaccess.write(a[1], _pack_statvfs(st))
    return 0


def _pack_statvfs(st: os.statvfs_result) -> bytes:
    return ls.pack_statfs(0xEF53, st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail,
                          st.f_files, st.f_ffree, namelen=st.f_namemax)


MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB = 1, 2, 4
MFD_NAME_MAX = 249


@syscall("memfd_create")
def sys_memfd_create(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """An anonymous file in memory: a host memfd, so reads, writes, mmap and ftruncate act
    on real file data; /proc/PID/fd names it "/memfd:NAME (deleted)" as Linux does."""
    name = k.uaccess.read_cstring(a[0], MFD_NAME_MAX + 1)
    flags = s32(a[1])
    if flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING) or len(name) > MFD_NAME_MAX:
        return -errno.EINVAL
    try:
        # Sealing as Linux does it: the host memfd holds the seals (F_SEAL_SEAL unless
        # MFD_ALLOW_SEALING) and enforces them on the writes and truncations it serves.
        host_fd = os.memfd_create("blindfold-guest", os.MFD_CLOEXEC
                                  | (os.MFD_ALLOW_SEALING if flags & MFD_ALLOW_SEALING else 0))
    except OSError as exc:
        return -(exc.errno or errno.ENOMEM)
    guest = f"/memfd:{os.fsdecode(name)} (deleted)"
    f = HostFile(host_fd, ls.O_RDWR | ls.O_LARGEFILE, guest, Path("/"))
    f.memfd_pages = MemfdPages(guest)
    try:
        return t.process.fds.install(f, cloexec=bool(flags & MFD_CLOEXEC))
    except KernelError:
        f.decref()
        raise
