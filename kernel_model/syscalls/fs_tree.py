"""Calls that change the sandboxed file tree or a file's attributes: mkdir, unlink,
rename, symlinks and hard links, permissions, owners and times, truncation, sync and
fadvise.  Imported at the first such call (kernel_model.syscalls.LAZY_HOMES); names are
resolved as `fs` resolves them.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from kernel_model import file_cut
from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.files import HostFile
from kernel_model.process import Thread
from kernel_model.syscalls import s32, s64, syscall
from kernel_model.syscalls.fs import dir_of, guest_path

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel


@syscall("mkdirat")
def sys_mkdirat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = guest_path(k, a[1])
    cwd = dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.mkdir(cwd, path, (a[2] & 0o7777) & ~t.process.umask)
    return 0


@syscall("mknodat")
def sys_mknodat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # do_mknodat(): may_mknod() judges the type first (a directory: -EPERM, an unknown
    # type: -EINVAL; 0 is a regular file), the umask applies (no POSIX ACLs here), then
    # filename_create() finds the slot (-EEXIST, -ENOENT) and vfs_create() or vfs_mknod()
    # makes the node.  A character or block device needs CAP_MKNOD in the initial user
    # namespace (vfs_mknod()): the sandbox makes none on the host, so it answers -EPERM,
    # as Linux does to a process without it (a container's root).
    mode = a[2] & 0xFFFFFFFF
    kind = mode & ls.S_IFMT
    if kind == ls.S_IFDIR:
        return -errno.EPERM
    if kind not in (0, ls.S_IFREG, ls.S_IFCHR, ls.S_IFBLK, ls.S_IFIFO, ls.S_IFSOCK):
        return -errno.EINVAL
    path = guest_path(k, a[1])
    cwd = dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    if kind in (ls.S_IFCHR, ls.S_IFBLK):
        pl = k.rootfs.resolve_parent(cwd, path)
        if pl.kind != "norm" or pl.lstat() is not None:
            return -errno.EEXIST
        return -errno.EPERM
    k.rootfs.mknod(cwd, path, (kind or ls.S_IFREG) | (mode & 0o7777 & ~t.process.umask))
    return 0


@syscall("unlinkat")
def sys_unlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = guest_path(k, a[1])
    flags = s32(a[2])
    if flags & ~ls.AT_REMOVEDIR:
        return -errno.EINVAL
    cwd = dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.unlink(cwd, path, flags)
    return 0


def _rename(k: Kernel, t: Thread, olddir: int, old: int, newdir: int, new: int, flags: int) -> int:
    old_p, new_p = guest_path(k, old), guest_path(k, new)
    cwd_old = dir_of(k, t, olddir) if not old_p.startswith(b"/") else "/"
    cwd_new = dir_of(k, t, newdir) if not new_p.startswith(b"/") else "/"
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
    target, path = guest_path(k, a[0]), guest_path(k, a[2])
    cwd = dir_of(k, t, s32(a[1])) if not path.startswith(b"/") else "/"
    k.rootfs.symlink(target, cwd, path)
    return 0


@syscall("linkat")
def sys_linkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old_p, new_p = guest_path(k, a[1]), guest_path(k, a[3])
    cwd_old = dir_of(k, t, s32(a[0])) if not old_p.startswith(b"/") else "/"
    cwd_new = dir_of(k, t, s32(a[2])) if not new_p.startswith(b"/") else "/"
    k.rootfs.link(cwd_old, old_p, cwd_new, new_p, follow=bool(s32(a[4]) & ls.AT_SYMLINK_FOLLOW))
    return 0


@syscall("fchmodat")
def sys_fchmodat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = guest_path(k, a[1])
    cwd = dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
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
    # do_fchownat(): flags first, then user_path_at() copies the name (NULL: -EFAULT,
    # LOOKUP_EMPTY lets it be "", not NULL)
    if s32(a[4]) & ~(ls.AT_SYMLINK_NOFOLLOW | ls.AT_EMPTY_PATH):
        return -errno.EINVAL
    name = guest_path(k, a[1])
    dfd = s32(a[0])
    if name[:1] not in (b"/", b"") and dfd != ls.AT_FDCWD and dfd < 0:
        return -errno.EBADF             # (path_init(): fdget(dfd) finds no file)
    if k.rootfs.fsnotify.marks and _owner_change(a[2], a[3]) and name:
        cwd = dir_of(k, t, dfd) if not name.startswith(b"/") else "/"
        try:
            k.rootfs.chown(cwd, name, not s32(a[4]) & ls.AT_SYMLINK_NOFOLLOW)
        except KernelError:
            pass        # (the model answers chown without looking the name up)
    return 0


def _owner_change(uid: int, gid: int) -> bool:
    """chown_common(): a uid or gid other than -1 sets ATTR_UID / ATTR_GID (IN_ATTRIB)."""
    return (uid & 0xFFFF_FFFF) != 0xFFFF_FFFF or (gid & 0xFFFF_FFFF) != 0xFFFF_FFFF


@syscall("fchown")
def sys_fchown(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    n = getattr(f, "fsnotify", None)
    if n is not None and n.marks and _owner_change(a[1], a[2]):
        n.file_event(f, 0x4)            # notify_change(ATTR_UID/ATTR_GID): IN_ATTRIB
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
        if atime is None and mtime is None:
            return 0        # SYSCALL_DEFINE4(utimensat): "we must not even check the path"
    if not path_ptr and dirfd == ls.AT_FDCWD:
        return -errno.EFAULT    # do_utimes(): NULL is the descriptor only past AT_FDCWD
    if not path_ptr:
        f = t.process.fds.get(dirfd)
        path, cwd = os.fsencode(getattr(f, "guest_path", "")), "/"
    else:
        path = guest_path(k, path_ptr)
        cwd = dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    k.rootfs.utimens(cwd, path, atime, mtime, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    return 0


@syscall("truncate")
def sys_truncate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    length = s64(a[1])
    host = k.rootfs.truncate(t.process.cwd, guest_path(k, a[0]), length)
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
    """mm/fadvise.c generic_fadvise(): a FIFO is -ESPIPE, a negative length -EINVAL, then an
    advice past POSIX_FADV_NOREUSE -EINVAL; any other is taken (and changes nothing here)."""
    f = t.process.fds.get(s32(a[0]))
    if f.kind == "pipe":
        return -errno.ESPIPE
    if a[2] >> 63 or s32(a[3]) not in range(6):     # len < 0; NORMAL .. NOREUSE
        return -errno.EINVAL
    return 0
