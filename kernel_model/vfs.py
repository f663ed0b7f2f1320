"""The guest's file system: a host directory used as a chroot-like rootfs.

Path lookup (the sandbox boundary) lives in :mod:`kernel_model.vfs_resolve`;
this module adds the file-system operations the syscalls need, each doing
its lookup the way Linux does for that call (whether the last component is
followed, whether it must exist, what "." / ".." / "/" as last component
mean) so the guest sees Linux's errno for every corner case.

Callers resolve dirfds themselves: ``cwd`` is the guest path of AT_FDCWD's
directory or of the directory behind the dirfd.  Host OSErrors come back as
KernelError with the same errno.
"""

from __future__ import annotations

import os
import stat as st_
from collections.abc import Callable
from errno import (
    EACCES,
    EBUSY,
    EEXIST,
    EINVAL,
    EISDIR,
    ENAMETOOLONG,
    ENOENT,
    ENOTDIR,
    ENOTEMPTY,
    ENXIO,
    EOPNOTSUPP,
    EPERM,
)
from pathlib import Path

from kernel_model import inotify as ino
from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError, err, host_errors
from kernel_model.inotify import Fsnotify, key_of
from kernel_model.openfile import HostFile
from kernel_model.vfs_resolve import (
    MAXSYMLINKS,
    NAME_MAX,
    PATH_MAX,
    ParentLookup,
    PathResolver,
    Resolved,
)

__all__ = ["MAXSYMLINKS", "NAME_MAX", "PATH_MAX", "ParentLookup", "Resolved", "Rootfs"]


class Rootfs(PathResolver):
    """The guest's file system rooted at a host directory (see vfs_resolve).

    The root is the host's "/" (qemu-user's view) or a sandbox directory.
    ``sysroot`` (``-L``) is consulted first for absolute paths that exist in
    it, as qemu-user's prefix is: the ELF interpreter and the libraries it
    opens come from there.  It is resolved as a root of its own, so its
    absolute symlinks stay inside it.  ``on_read`` hears of every regular
    file opened for reading (the trace's record of host inputs).
    """

    def __init__(self, root: Path | str, sysroot: Path | str | None = None,
                 mounts: dict[str, Path] | None = None,
                 on_read: Callable[[str, Path, int], None] | None = None) -> None:
        super().__init__(root)
        for guest, host in (mounts or {}).items():
            self.mount(guest, host)
        self.sysroot = PathResolver(sysroot) if sysroot is not None else None
        self.on_read = on_read
        #: Every inotify mark on the rootfs's inodes (kernel_model/inotify.py).
        self.fsnotify = Fsnotify()

    def _dir_key(self, host: Path) -> ino.Key | None:
        """The inotify key of the directory holding ``host``, None if it is gone."""
        try:
            return key_of(os.stat(host.parent))
        except OSError:
            return None

    def _notify_path(self, res: Resolved, mask: int) -> None:
        """fsnotify_dentry() on a resolved location: its parent's marks and its own."""
        if not self.fsnotify.marks or res.st is None:
            return
        parent = self._dir_key(res.host) if res.guest != "/" else None
        self.fsnotify.dentry(key_of(res.st), mask, st_.S_ISDIR(res.st.st_mode), parent,
                             res.host.name)

    def notify_host(self, host: str | Path, mask: int) -> None:
        """fsnotify_dentry() on a host file the caller looked up itself (xattr calls)."""
        if not self.fsnotify.marks:
            return
        path = Path(host)
        try:
            info = os.lstat(path)
        except OSError:
            return
        self.fsnotify.dentry(key_of(info), mask, st_.S_ISDIR(info.st_mode),
                             self._dir_key(path), path.name)

    def _notify_created(self, pl: ParentLookup, isdir: bool) -> None:
        """fsnotify_create() / fsnotify_mkdir(): IN_CREATE on the new name's directory."""
        if self.fsnotify.marks and pl.parent.st is not None:
            self.fsnotify.name(key_of(pl.parent.st), ino.IN_CREATE, pl.name, isdir)

    def _notify_removed(self, pl: ParentLookup, info: os.stat_result, rmdir: bool) -> None:
        """vfs_unlink()/vfs_rmdir(): fsnotify_link_count() (a file), then d_delete_notify():
        when the last link went fsnotify_inoderemove() (IN_DELETE_SELF, the inode's marks
        gone: IN_IGNORED; at the last close while a file holds it open), then IN_DELETE on
        the directory."""
        if not self.fsnotify.marks:
            return
        key, isdir = key_of(info), st_.S_ISDIR(info.st_mode)
        if not rmdir:
            self.fsnotify.inode(key, ino.IN_ATTRIB, isdir)
        if rmdir or info.st_nlink <= 1:
            self.fsnotify.unlinked(key, isdir)
        if pl.parent.st is not None:
            self.fsnotify.name(key_of(pl.parent.st), ino.IN_DELETE, pl.name, isdir)

    def resolve(self, cwd: str, path: bytes | str, *, follow_final: bool = True,
                must_exist: bool = True) -> Resolved:
        if self.sysroot is not None:
            raw = os.fsencode(path)
            if raw.startswith(b"/") and raw.strip(b"/"):
                try:
                    res = self.sysroot.resolve(cwd, raw, follow_final=follow_final)
                except KernelError:
                    pass
                else:
                    if res.st is not None and not res.is_dir:
                        return res
        return super().resolve(cwd, path, follow_final=follow_final, must_exist=must_exist)

    # -- opening -----------------------------------------------------------------
    def open(self, cwd: str, path: bytes | str, flags: int, mode: int = 0o666) -> HostFile:
        """openat(2): a HostFile for the guest path.

        ``flags`` are guest (arm64) O_* values, translated bit by bit; ``mode``
        must already have the umask applied and is set exactly on a new file.
        O_CLOEXEC is left to the caller's fd table.  Device nodes are refused
        (EACCES) and FIFOs/sockets give ENXIO, so the guest can neither reach
        host devices nor hang the emulator on a host FIFO.
        """
        tmpfile = bool(flags & ls.O_TMPFILE_BIT)
        creat = bool(flags & ls.O_CREAT) and not tmpfile
        excl = creat and bool(flags & ls.O_EXCL)
        follow = not flags & ls.O_NOFOLLOW and not excl
        if creat and os.fsencode(path).split(b"\0", 1)[0].endswith(b"/"):
            self.resolve_parent(cwd, path)  # the parent's errors come first
            raise err(EISDIR)  # Linux: O_CREAT with a trailing slash, whatever is there
        res = self.resolve(cwd, path, follow_final=follow, must_exist=not creat)
        host_flags = _host_open_flags(flags)
        if tmpfile:
            if not res.is_dir:
                raise err(ENOTDIR)
        elif res.st is None:
            host_flags |= os.O_CREAT | os.O_EXCL
        else:
            if excl:
                raise err(EEXIST)
            kind = st_.S_IFMT(res.st.st_mode)
            if creat and kind == st_.S_IFDIR:
                raise err(EISDIR)
            if not flags & ls.O_PATH:
                if kind in (st_.S_IFCHR, st_.S_IFBLK):
                    raise err(EACCES)
                if kind in (st_.S_IFIFO, st_.S_IFSOCK):
                    raise err(ENXIO)
        with host_errors:
            fd = os.open(res.host, host_flags, mode & 0o7777)
        if self.on_read is not None and res.st is not None and st_.S_ISREG(res.st.st_mode) \
                and flags & ls.O_ACCMODE != ls.O_WRONLY and not flags & ls.O_PATH:
            self.on_read(res.guest, res.host, fd)
        if res.st is None or tmpfile:
            try:
                os.fchmod(fd, mode & 0o7777)  # exact guest mode, not further masked by the host umask
            except OSError:
                pass  # e.g. a setgid bit the host refuses: keep the host's choice
        keep = flags & ~(ls.O_CREAT | ls.O_EXCL | ls.O_NOCTTY | ls.O_TRUNC | ls.O_CLOEXEC)
        if tmpfile:
            keep &= ~ls.O_TMPFILE
        f = HostFile(fd, keep | ls.O_LARGEFILE, res.guest, res.host)
        f.fsnotify = self.fsnotify
        if self.fsnotify.marks and not flags & ls.O_PATH:
            self._notify_open(f, res, created=res.st is None and not tmpfile,
                              truncated=bool(flags & ls.O_TRUNC) and res.st is not None
                              and st_.S_ISREG(res.st.st_mode))
        return f

    def _notify_open(self, f: HostFile, res: Resolved, created: bool, truncated: bool) -> None:
        """path_openat(): fsnotify_create() of a new file, handle_truncate()'s IN_MODIFY,
        then do_sys_openat2()'s fsnotify_open()."""
        if created:
            parent = self._dir_key(res.host)
            if parent is not None:
                self.fsnotify.name(parent, ino.IN_CREATE, res.host.name, False)
        if truncated:
            self.fsnotify.file_event(f, ino.IN_MODIFY)
        self.fsnotify.file_event(f, ino.IN_OPEN)

    # -- queries -------------------------------------------------------------------
    def stat(self, cwd: str, path: bytes | str, follow: bool = True) -> os.stat_result:
        """stat/lstat (newfstatat, statx): the final component's host stat."""
        res = self.resolve(cwd, path, follow_final=follow)
        assert res.st is not None
        return res.st

    def access(self, cwd: str, path: bytes | str, mode: int, follow: bool = True) -> None:
        """faccessat: EACCES unless the host user may access as asked (F_OK=0, X=1, W=2, R=4)."""
        if mode & ~0o7:
            raise err(EINVAL)
        res = self.resolve(cwd, path, follow_final=follow)
        if mode and not os.access(res.host, mode, follow_symlinks=False):
            raise err(EACCES)

    def chdir_target(self, cwd: str, path: bytes | str) -> str:
        """chdir: the new guest cwd (ENOTDIR / EACCES as Linux)."""
        res = self.resolve(cwd, path)
        if not res.is_dir:
            raise err(ENOTDIR)
        if not os.access(res.host, os.X_OK):
            raise err(EACCES)
        return res.guest

    def readlink(self, cwd: str, path: bytes | str) -> bytes:
        """readlinkat: the raw link text (EINVAL if not a symlink)."""
        res = self.resolve(cwd, path, follow_final=False)
        if not res.is_symlink:
            raise err(EINVAL)
        with host_errors:
            return os.readlink(os.fsencode(res.host))

    def statfs(self, cwd: str, path: bytes | str) -> os.statvfs_result:
        """statfs: the host file system's numbers (pack with linux_structs.pack_statfs)."""
        res = self.resolve(cwd, path)
        with host_errors:
            return os.statvfs(res.host)

    # -- namespace changes -----------------------------------------------------------
    def _create_slot(self, cwd: str, path: bytes | str) -> ParentLookup:
        """Lookup for symlink/link's new name: EEXIST if taken, ENOENT for "name/"."""
        pl = self.resolve_parent(cwd, path)
        if pl.kind != "norm" or pl.lstat() is not None:
            raise err(EEXIST)
        if pl.trailing_slash:
            raise err(ENOENT)
        return pl

    def mkdir(self, cwd: str, path: bytes | str, mode: int = 0o777) -> None:
        """mkdirat: ``mode`` (umask already applied) is set exactly."""
        pl = self.resolve_parent(cwd, path)
        if pl.kind != "norm" or pl.lstat() is not None:
            raise err(EEXIST)
        with host_errors:
            os.mkdir(pl.host, 0o700)
            os.chmod(pl.host, mode & 0o1777)
        self._notify_created(pl, True)

    def mknod(self, cwd: str, path: bytes | str, mode: int) -> None:
        """mknodat of a regular file, FIFO or socket: ``mode`` holds the type and the
        permissions (umask already applied), set exactly.  filename_create(): an existing
        name is EEXIST, a trailing slash on a new one ENOENT."""
        pl = self.resolve_parent(cwd, path)
        if pl.kind != "norm" or pl.lstat() is not None:
            raise err(EEXIST)
        if pl.trailing_slash:
            raise err(ENOENT)
        with host_errors:
            os.mknod(pl.host, st_.S_IFMT(mode) | 0o600)
            os.chmod(pl.host, mode & 0o7777)
        self._notify_created(pl, False)

    def unlink(self, cwd: str, path: bytes | str, flags: int = 0) -> None:
        """unlinkat: rmdir with AT_REMOVEDIR, else unlink (EISDIR for directories)."""
        if flags & ~ls.AT_REMOVEDIR:
            raise err(EINVAL)
        pl = self.resolve_parent(cwd, path)
        if flags & ls.AT_REMOVEDIR:
            special = {"dot": EINVAL, "dotdot": ENOTEMPTY, "root": EBUSY}
            if pl.kind in special:
                raise err(special[pl.kind])
            info = pl.lstat()
            if info is None:
                raise err(ENOENT)
            if not st_.S_ISDIR(info.st_mode):
                raise err(ENOTDIR)
            with host_errors:
                os.rmdir(pl.host)
            self._notify_removed(pl, info, True)
            return
        if pl.kind != "norm":
            raise err(EISDIR)
        info = pl.lstat()
        if info is None:
            raise err(ENOENT)
        if st_.S_ISDIR(info.st_mode):
            raise err(EISDIR)
        if pl.trailing_slash:
            raise err(ENOTDIR)
        with host_errors:
            os.unlink(pl.host)
        self._notify_removed(pl, info, False)

    def rename(self, cwd_old: str, old: bytes | str, cwd_new: str, new: bytes | str,
               flags: int = 0) -> None:
        """renameat2 with flags 0 or RENAME_NOREPLACE (others: EINVAL)."""
        if flags & ~ls.RENAME_NOREPLACE:
            raise err(EINVAL)
        src = self.resolve_parent(cwd_old, old)
        dst = self.resolve_parent(cwd_new, new)
        if src.kind != "norm" or dst.kind != "norm":
            raise err(EBUSY)
        info = src.lstat()
        if info is None:
            raise err(ENOENT)
        if not st_.S_ISDIR(info.st_mode) and (src.trailing_slash or dst.trailing_slash):
            raise err(ENOTDIR)
        target = dst.lstat()
        if flags & ls.RENAME_NOREPLACE and target is not None:
            raise err(EEXIST)
        with host_errors:
            os.rename(src.host, dst.host)
        if self.fsnotify.marks and (target is None or key_of(target) != key_of(info)):
            self._notify_moved(src, dst, info, target)

    def _notify_moved(self, src: ParentLookup, dst: ParentLookup, info: os.stat_result,
                      target: os.stat_result | None) -> None:
        """fsnotify_move(): IN_MOVED_FROM and IN_MOVED_TO with one cookie, the replaced
        target's fsnotify_link_count(), the source's IN_MOVE_SELF; then the target's
        IN_DELETE_SELF and IN_IGNORED when its last link went."""
        n, isdir = self.fsnotify, st_.S_ISDIR(info.st_mode)
        cookie = n.next_cookie()
        if src.parent.st is not None:
            n.name(key_of(src.parent.st), ino.IN_MOVED_FROM, src.name, isdir, cookie)
        if dst.parent.st is not None:
            n.name(key_of(dst.parent.st), ino.IN_MOVED_TO, dst.name, isdir, cookie)
        if target is not None:
            n.inode(key_of(target), ino.IN_ATTRIB, st_.S_ISDIR(target.st_mode))
        n.inode(key_of(info), ino.IN_MOVE_SELF, isdir)
        if target is not None and (st_.S_ISDIR(target.st_mode) or target.st_nlink <= 1):
            n.unlinked(key_of(target), st_.S_ISDIR(target.st_mode))

    def symlink(self, target: bytes | str, cwd: str, linkpath: bytes | str) -> None:
        """symlinkat: the text is stored verbatim; it is resolved inside the rootfs when used."""
        raw = os.fsencode(target)
        if not raw:
            raise err(ENOENT)
        if len(raw) >= PATH_MAX:
            raise err(ENAMETOOLONG)
        pl = self._create_slot(cwd, linkpath)
        with host_errors:
            os.symlink(raw, os.fsencode(pl.host))
        self._notify_created(pl, False)

    def link(self, cwd_old: str, old: bytes | str, cwd_new: str, new: bytes | str,
             follow: bool = False) -> None:
        """linkat (``follow`` = AT_SYMLINK_FOLLOW); EPERM for directories."""
        src = self.resolve(cwd_old, old, follow_final=follow)
        pl = self._create_slot(cwd_new, new)
        if src.is_dir:
            raise err(EPERM)
        with host_errors:
            os.link(src.host, pl.host, follow_symlinks=False)
        if self.fsnotify.marks and src.st is not None:       # fsnotify_link()
            self.fsnotify.inode(key_of(src.st), ino.IN_ATTRIB, False)
            self._notify_created(pl, False)

    # -- attributes -------------------------------------------------------------------
    def truncate(self, cwd: str, path: bytes | str, length: int) -> str:
        """truncate(2) by path; answers the host file it cut."""
        if length < 0:
            raise err(EINVAL)
        res = self.resolve(cwd, path)
        if res.is_dir:
            raise err(EISDIR)
        assert res.st is not None
        if not st_.S_ISREG(res.st.st_mode):
            raise err(EINVAL)
        with host_errors:
            os.truncate(res.host, length)
        self._notify_path(res, ino.IN_MODIFY)      # notify_change(ATTR_SIZE)
        return str(res.host)

    def chmod(self, cwd: str, path: bytes | str, mode: int, follow: bool = True) -> None:
        """fchmodat; a symlink itself cannot be chmod'ed on Linux (EOPNOTSUPP)."""
        res = self.resolve(cwd, path, follow_final=follow)
        if res.is_symlink:
            raise err(EOPNOTSUPP)
        with host_errors:
            os.chmod(res.host, mode & 0o7777)
        self._notify_path(res, ino.IN_ATTRIB)      # notify_change(ATTR_MODE)

    def utimens(self, cwd: str, path: bytes | str, atime_ns: int | None, mtime_ns: int | None,
                follow: bool = True) -> None:
        """utimensat: None leaves a time unchanged (UTIME_OMIT); the caller turns UTIME_NOW into a time."""
        res = self.resolve(cwd, path, follow_final=follow)
        assert res.st is not None
        if atime_ns is None and mtime_ns is None:
            return
        a = res.st.st_atime_ns if atime_ns is None else atime_ns
        m = res.st.st_mtime_ns if mtime_ns is None else mtime_ns
        with host_errors:
            os.utime(res.host, ns=(a, m), follow_symlinks=False)
        # fsnotify_change(): both times IN_ATTRIB, the access time alone IN_ACCESS, the
        # modification time alone IN_MODIFY
        self._notify_path(res, ino.IN_ATTRIB if atime_ns is not None and mtime_ns is not None
                          else ino.IN_ACCESS if atime_ns is not None else ino.IN_MODIFY)

    def chown(self, cwd: str, path: bytes | str, follow: bool) -> None:
        """chown_common() of a uid or gid: the model keeps the host's owners, but
        notify_change(ATTR_UID/ATTR_GID) reports IN_ATTRIB."""
        if self.fsnotify.marks:
            self._notify_path(self.resolve(cwd, path, follow_final=follow), ino.IN_ATTRIB)


def _host_open_flags(flags: int) -> int:
    """Translate guest O_* flags to the host's bit by bit (several differ from x86-64).

    The host fd always gets O_NOFOLLOW (lookup already followed what it
    should), O_CLOEXEC (host fds must not leak into host children) and
    O_NOCTTY.  O_NONBLOCK, O_ASYNC, O_NOATIME, O_DIRECT and O_LARGEFILE stay
    guest-side status flags: they either mean nothing for host regular files
    or would impose host constraints (O_DIRECT alignment, O_NOATIME EPERM).
    """
    acc = flags & ls.O_ACCMODE
    host = os.O_RDONLY if acc == ls.O_RDONLY else os.O_WRONLY if acc == ls.O_WRONLY else os.O_RDWR
    if flags & ls.O_PATH:
        host = os.O_PATH
    host |= os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY
    if flags & ls.O_TMPFILE_BIT:
        return host | os.O_TMPFILE
    for guest_bit, host_bit in ((ls.O_TRUNC, os.O_TRUNC), (ls.O_APPEND, os.O_APPEND),
                                (ls.O_DIRECTORY, os.O_DIRECTORY)):
        if flags & guest_bit:
            host |= host_bit
    if flags & ls.O_SYNC == ls.O_SYNC:
        host |= os.O_SYNC
    elif flags & ls.O_DSYNC:
        host |= os.O_DSYNC
    return host
