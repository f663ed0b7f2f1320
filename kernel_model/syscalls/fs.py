"""Path and metadata syscalls over the sandboxed VFS: resolving a guest path
(against the cwd or a directory descriptor), openat, the stat family, access
checks, readlink, getdents64, getcwd/chdir/chroot, statfs and memfd_create.
Changes to the tree and to files' attributes are in `fs_tree`; moving data
through open files is in `fileio` and `moves`; the descriptor table is in `fdtable`.
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
from kernel_model.procfs import pid_dir_gone
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
from kernel_model.syscalls import s32, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel


def dir_of(k: Kernel, t: Thread, dirfd: int) -> str:
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


def guest_path(k: Kernel, ptr: int) -> bytes:
    p = k.uaccess.read_cstring(ptr, 4096)
    return p


def _synthetic(k: Kernel, t: Thread, dirfd: int, path: bytes, follow: bool = True
               ) -> tuple[Found | Elsewhere | None, str]:
    """What /proc, /sys or /dev make of a path (None: not theirs), and the lookup's cwd."""
    cwd = dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    linked = _linked_abs(k, cwd, path)
    found = lookup(mounts_of(k), linked, follow=follow)
    if found is None and linked != _guest_abs(cwd, path):
        # (a link before ".." left the synthetic trees; a trailing "/" still asks a directory)
        return Elsewhere(linked + "/" if path.endswith((b"/", b"/.")) else linked), cwd
    return found, cwd


#: synthetic links whose target is always a directory: proc_cwd_link(), proc_root_link(),
#: proc_self_get_link(), proc_thread_self_get_link()
_DIR_LINKS = frozenset({"cwd", "root", "self", "thread-self"})


def _linked_abs(k: Kernel, cwd: str, path: bytes) -> str:
    """`path` made absolute and normalised, a synthetic link to a directory (/proc/PID/fd/N,
    /proc/self, /proc/thread-self, /proc/PID/cwd, /proc/PID/root) followed before a ".."
    after it: link_path_walk() -> pick_link() -> nd_jump_link() leaves the link for its
    target first ("/proc/self/fd/D/.." is /proc/PID, "/proc/self/cwd/.." the working
    directory's parent)."""
    p = os.fsdecode(path)
    if not p or "/.." not in "/" + p:
        return _guest_abs(cwd, path)
    out: list[str] = []
    for comp in posixpath.join(cwd, p).split("/"):
        if comp in ("", "."):
            continue
        if comp != "..":
            out.append(comp)
            continue
        if out:
            where = "/" + "/".join(out)
            try:
                found = lookup(mounts_of(k), where, follow=False)
            except KernelError:
                found = None
            if isinstance(found, Found) and isinstance(found.node, SynthLink) and (
                    found.node.opens is not None and _is_dir(found) or
                    found.node.opens is None and out[-1] in _DIR_LINKS):
                target = posixpath.join(posixpath.dirname(found.path), found.node.target())
                out = [c for c in posixpath.normpath(target).split("/") if c]
            if out:
                out.pop()
    return "/" + "/".join(out)


# --- open -------------------------------------------------------------------------
def do_open(k: Kernel, t: Thread, dirfd: int, path: bytes, flags: int, mode: int) -> int:
    proc = t.process
    if not path:
        return -errno.ENOENT
    if not path.startswith(b"/") and pid_dir_gone(k, dir_of(k, t, dirfd)):
        return -errno.ESRCH
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
    return do_open(k, t, s32(a[0]), guest_path(k, a[1]), flags, a[3] & 0o7777)


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
    # vfs_fstatat() -> vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
    # AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;` before cp_new_stat() (round
    # 90b: no flag was tested)
    if a[3] & 0xFFFF_FFFF & ~0x7900:
        return -errno.EINVAL
    st = _stat_path(k, t, s32(a[0]), guest_path(k, a[1]), s32(a[3]))
    k.uaccess.write(a[2], ls.pack_stat(st))
    return 0


@syscall("fstat")
def sys_fstat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    k.uaccess.write(a[1], ls.pack_stat(t.process.fds.get(s32(a[0])).stat()))
    return 0


@syscall("statx")
def sys_statx(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # do_statx() (do_statx_fd() from 6.11): STATX__RESERVED in the mask, or both
    # AT_STATX_FORCE_SYNC and AT_STATX_DONT_SYNC, -EINVAL before vfs_statx() and
    # cp_statx() -- and before the name's own error: sys_statx() passes getname()'s
    # ERR_PTR (-EFAULT, -ENAMETOOLONG) on to do_statx(), which tests these first; then
    # vfs_statx() `if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
    # AT_STATX_SYNC_TYPE)) return -EINVAL;` (an unknown bit never takes 6.11's
    # do_statx_fd() short cut), still before the lookup and cp_statx()
    if a[3] & 0x8000_0000 or a[2] & 0x6000 == 0x6000 or a[2] & 0xFFFF_FFFF & ~0x7900:
        return -errno.EINVAL
    st = _stat_path(k, t, s32(a[0]), guest_path(k, a[1]), s32(a[2]))
    k.uaccess.write(a[4], ls.pack_statx(st))
    return 0


@syscall("faccessat")
def sys_faccessat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), guest_path(k, a[1]), s32(a[2]), 0)


@syscall("faccessat2")
def sys_faccessat2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), guest_path(k, a[1]), s32(a[2]), s32(a[3]))


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
    # SYSCALL_DEFINE4(readlinkat) takes bufsiz as an int: do_readlinkat() `if (bufsiz
    # <= 0) return -EINVAL;` on its low 32 bits, first
    dirfd, path, buf, size = s32(a[0]), guest_path(k, a[1]), a[2], s32(a[3])
    if size <= 0:
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
    path = guest_path(k, a[0])
    found, cwd = _synthetic(k, t, ls.AT_FDCWD, path) if path else (None, t.process.cwd)
    if isinstance(found, Found):
        if not isinstance(found.node, SynthDir):
            return -errno.ENOTDIR
        t.process.cwd = found.path
        t.process.fs_changed()
        return 0
    if isinstance(found, Elsewhere):
        cwd, path = "/", found.path.encode()
    t.process.cwd = k.rootfs.chdir_target(cwd, path)
    t.process.fs_changed()
    return 0


@syscall("chroot")
def sys_chroot(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """chroot(2): paths of this process (and its children) resolve below the new root.

    The model keeps the cwd as a path inside the root, so a cwd outside the new
    root (which Linux would leave there) becomes the new root itself."""
    proc = t.process
    new = k.rootfs.chdir_target(proc.cwd, guest_path(k, a[0]))
    proc.root = posixpath.normpath(posixpath.join(proc.root, new.lstrip("/")))
    if new != "/":
        inside = proc.cwd == new or proc.cwd.startswith(new + "/")
        rel = posixpath.relpath(proc.cwd, new) if inside else "."
        proc.cwd = "/" if rel == "." else "/" + rel
    proc.fs_changed()
    return 0


@syscall("fchdir")
def sys_fchdir(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.cwd = dir_of(k, t, s32(a[0]))
    t.process.fs_changed()
    return 0


#: f_type of the made-up file systems (Linux's PROC_SUPER_MAGIC, SYSFS_MAGIC, TMPFS_MAGIC).
_SYNTH_MAGIC = {PROC_DEV: 0x9FA0, SYSFS_DEV: 0x62656572, DEVTMPFS_DEV: 0x01021994}


def _synth_statfs(found: Found) -> bytes:
    return ls.pack_statfs(_SYNTH_MAGIC.get(found.dev, 0x9FA0), 4096, 0, 0, 0, 0, 0,
                          fsid=(found.dev, 0))


@syscall("statfs")
def sys_statfs(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = guest_path(k, a[0])
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
