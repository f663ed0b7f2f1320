"""Opening /proc/PID/fd/N (and /dev/fd/N): a new open file description, as Linux makes.

Linux's proc_fd_link() hands the path walk the target file's own path, and the open
then runs do_dentry_open() on that inode: a new ``struct file`` with its own offset,
its own status flags (from this open's flags) and the access mode asked for.  What
the inode's open operation does decides the rest:

* a host file or directory is opened again by its path (the rootfs's own open); an
  O_TMPFILE file (its path names the directory it was made in) through the host's
  /proc/self/fd, as proc_fd_link() follows the file itself;
* a memfd (shmem) opens its inode again: the host memfd is reopened through the
  host's /proc/self/fd, so the host kernel gives the new offset, O_TRUNC and the seals;
* a pipe end: fifo_open() adds a reader, a writer, or (O_RDWR) both to the same pipe;
  pipefs never sets FMODE_CAN_ODIRECT, so do_dentry_open() refuses O_DIRECT (EINVAL);
* a socket (sock_no_open()) or an anon-inode file (eventfd, timerfd, epoll, signalfd,
  pidfd: no open of their own) cannot be opened this way: ENXIO.
"""

from __future__ import annotations

import os
from errno import EINVAL, ENXIO
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import err, host_errors
from kernel_model.openfile import HostFile, OpenFile
from kernel_model.pipe_file import PipeEnd, PipeRdwrEnd, PipeReadEnd, PipeWriteEnd
from kernel_model.vfs import _host_open_flags

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

#: What build_open_flags() keeps of open's flags in the new file's f_flags.
_NOT_KEPT = ls.O_CREAT | ls.O_EXCL | ls.O_NOCTTY | ls.O_TRUNC | ls.O_CLOEXEC


def reopen(k: Kernel, f: OpenFile, flags: int) -> OpenFile:
    """The description open(2) of a /proc/PID/fd/N link to ``f`` gives, with ``flags``
    (O_CLOEXEC already taken off).  O_PATH gives a handle of its own on a host file (an
    open file with FMODE_PATH: it reads, writes, cuts and allocates nothing); on anything
    else it is left sharing ``f``."""
    if flags & ls.O_PATH:
        if isinstance(f, HostFile) and f.fd >= 0:
            with host_errors:
                fd = os.open(f"/proc/self/fd/{f.fd}", os.O_PATH | os.O_CLOEXEC)
            keep = ls.O_PATH | (flags & (ls.O_DIRECTORY | ls.O_NOFOLLOW))   # O_PATH_FLAGS
            return HostFile(fd, keep, f.guest_path, f.host_path)
        return f
    path = getattr(f, "guest_path", None)
    if isinstance(f, HostFile) and getattr(f, "memfd_pages", None) is not None:
        return _reopen_memfd(f, flags)
    if isinstance(f, HostFile) and f.kind == "file" and f.fd >= 0 and _made_in_dir(f):
        return _reopen_inode(f, flags)
    if f.kind in ("file", "dir") and path is not None and hasattr(f, "host_path"):
        return k.rootfs.open("/", path, flags)
    if isinstance(f, PipeEnd):
        return reopen_pipe(f, flags)
    if f.kind in ("sock", "anon"):
        raise err(ENXIO)   # sock_no_open(); anon inodes have no open either
    return f


def _reopen_memfd(f: HostFile, flags: int) -> HostFile:
    """shmem's inode opened again: its own offset and status flags, the same bytes and
    seals (the host memfd holds both), the same pages when mapped MAP_SHARED."""
    # The host's proc_fd_link() follows the link (so no O_NOFOLLOW); O_DIRECTORY gets
    # the host's ENOTDIR.
    host = _host_open_flags(flags) & ~os.O_NOFOLLOW
    with host_errors:
        fd = os.open(f"/proc/self/fd/{f.fd}", host)
    new = HostFile(fd, (flags & ~_NOT_KEPT) | ls.O_LARGEFILE, f.guest_path, f.host_path)
    new.memfd_pages = f.memfd_pages
    assert new.memfd_pages is not None
    new.memfd_pages.opened()
    return new


def _made_in_dir(f: HostFile) -> bool:
    """Is `f` an O_TMPFILE file (a regular file whose path is the directory it was made
    in)?"""
    return os.path.isdir(f.host_path)


def _reopen_inode(f: HostFile, flags: int) -> HostFile:
    """An O_TMPFILE file opened again: proc_fd_link() gives the file itself (not the
    directory it was made in), and do_open() cuts it for O_TRUNC (the host's open of its
    /proc/self/fd link does both)."""
    host = _host_open_flags(flags) & ~os.O_NOFOLLOW
    with host_errors:
        fd = os.open(f"/proc/self/fd/{f.fd}", host)
    return HostFile(fd, (flags & ~_NOT_KEPT) | ls.O_LARGEFILE, f.guest_path, f.host_path)


def reopen_pipe(f: PipeEnd, flags: int) -> PipeEnd:
    """fifo_open() on the pipe's inode: a new end, whatever end ``f`` is.  An anonymous
    pipe never waits for the other side here (fifo_open() waits only for named FIFOs)."""
    if flags & ls.O_DIRECT:
        raise err(EINVAL)          # do_dentry_open(): no FMODE_CAN_ODIRECT on pipefs
    status = (flags & ~_NOT_KEPT & ~ls.O_ACCMODE) | ls.O_LARGEFILE   # force_o_largefile()
    acc = flags & ls.O_ACCMODE
    if acc == ls.O_RDONLY:
        return PipeReadEnd(f.pipe, status)
    if acc == ls.O_WRONLY:
        return PipeWriteEnd(f.pipe, status)
    if acc == ls.O_RDWR:
        return PipeRdwrEnd(f.pipe, status)
    raise err(EINVAL)
