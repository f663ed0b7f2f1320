"""Open file descriptions: the common base class and host-backed files.

Linux separates the *file descriptor* (a per-process slot holding only the
close-on-exec bit) from the *open file description* (offset, status flags),
which dup() and fork() share.  :class:`OpenFile` is the description; it is
reference-counted by FdTable slots (kernel_model.files) so an offset moved
through one descriptor is seen through its duplicates and the object is
released only when its last descriptor closes.

Operations never block: one that would wait returns ``None`` so the
scheduler can park the guest thread (or the syscall layer can return EAGAIN
for O_NONBLOCK descriptions) and retry after a change notification.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import struct
from dataclasses import dataclass
from errno import EBADF, EINVAL, EISDIR, ENOTDIR, ENOTTY, ESPIPE
from pathlib import Path
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import page_cache
from kernel_model.errors import err, host_errors
from kernel_model.vma import SharedPages

if TYPE_CHECKING:
    from kernel_model.inotify import Fsnotify
    from kernel_model.mm import MemoryContext
    from kernel_model.record_locks import RecordLocks
    from kernel_model.waitq import Waitable

#: Synthetic device number of pipe inodes (Linux's anonymous pipefs).
PIPEFS_DEV = os.makedev(0, 12)

#: Inode numbers for objects without a host inode (pipes, console).
inode_numbers = itertools.count(1000)


@dataclass(eq=False, repr=False)
class IoctlResult:
    """An ioctl's return value and the bytes to copy back to the argument pointer."""

    ret: int = 0
    out: bytes | None = None


class OpenFile:
    """An open file description; subclasses override what they support.

    Defaults mirror what Linux answers for objects lacking an operation, so a
    subclass only implements what its kind of file really does.
    """

    kind: str = "file"
    #: The inode whose record locks this open file took, and the kernel's lock table
    #: (kernel_model/record_locks.py): its OFD locks go when it closes.
    lock_key: tuple[int, int] | None = None
    record_locks: RecordLocks | None = None
    #: The inode whose flock(2) lock this open file holds, and the kernel's flock table:
    #: the lock goes when the description closes (fs/locks.c locks_remove_flock()).
    flock_key: tuple[int, int] | None = None
    flock_locks: RecordLocks | None = None
    #: Whether poll/epoll can watch it (Linux refuses epoll on files with no poll operation).
    pollable: bool = True

    def __init__(self, flags: int) -> None:
        self.flags: int = flags
        self.refs: int = 0

    # -- reference counting (driven by FdTable) ------------------------------
    def incref(self) -> None:
        """Another descriptor (or holder) now refers to this description."""
        self.refs += 1

    def decref(self) -> None:
        """Drop one reference; the last one closes the description."""
        self.refs -= 1
        if self.refs <= 0:
            self.close()

    # -- access checks -------------------------------------------------------
    @property
    def readable(self) -> bool:
        """True when the access mode allows read(2): O_RDONLY or O_RDWR, not O_PATH (an
        access mode of 3 gives neither FMODE_READ nor FMODE_WRITE: OPEN_FMODE())."""
        return not self.flags & ls.O_PATH and (self.flags & ls.O_ACCMODE) in (ls.O_RDONLY,
                                                                             ls.O_RDWR)

    @property
    def writable(self) -> bool:
        """True when the access mode allows write(2)."""
        return not self.flags & ls.O_PATH and (self.flags & ls.O_ACCMODE) in (ls.O_WRONLY, ls.O_RDWR)

    def _need_read(self) -> None:
        if not self.readable:
            raise err(EBADF)

    def _need_write(self) -> None:
        if not self.writable:
            raise err(EBADF)

    # -- operations ------------------------------------------------------------
    def read(self, n: int) -> bytes | None:
        """Up to n bytes; b"" at end of file; None if the caller must wait."""
        raise err(EINVAL)

    def write(self, data: bytes) -> int | None:
        """Bytes accepted; None if the caller must wait."""
        raise err(EINVAL)

    def write_must_wait(self, n: int) -> bool:
        """True when a write of n bytes would wait now, before it takes a byte (a full
        pipe or socket): the caller waits without reading the program's buffer, as
        Linux's pipe_write copies only into room it has.  False: try the write."""
        return False

    def pread(self, n: int, off: int) -> bytes:
        """Positional read; unseekable objects answer ESPIPE."""
        raise err(ESPIPE)

    def pwrite(self, data: bytes, off: int) -> int:
        """Positional write; unseekable objects answer ESPIPE."""
        raise err(ESPIPE)

    def lseek(self, off: int, whence: int) -> int:
        """New offset; unseekable objects answer ESPIPE."""
        raise err(ESPIPE)

    def stat(self) -> os.stat_result | ls.StatInfo:
        """fstat(2) data."""
        raise NotImplementedError

    def getdents64(self, bufsize: int) -> bytes:
        """Packed linux_dirent64 records; ENOTDIR unless a directory."""
        raise err(ENOTDIR)

    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        """Device control; FIONBIO is generic, anything else ENOTTY here."""
        if request == ls.FIONBIO and arg is not None and len(arg) >= 4:
            on = struct.unpack_from("<i", arg)[0] != 0
            self.set_status_flags((self.flags | ls.O_NONBLOCK) if on else (self.flags & ~ls.O_NONBLOCK))
            return IoctlResult()
        raise err(ENOTTY)

    def truncate(self, length: int) -> None:
        """ftruncate(2); only writable regular files support it."""
        raise err(EINVAL)

    def fsync(self) -> None:
        """fsync(2); pipes and terminals answer EINVAL as on Linux."""
        raise err(EINVAL)

    def set_status_flags(self, flags: int) -> None:
        """F_SETFL: only the SETFL_MASK bits change, the rest are kept."""
        self.flags = (self.flags & ~ls.SETFL_MASK) | (flags & ls.SETFL_MASK)

    def close(self) -> None:
        """Release resources; called once, when the last reference goes."""

    def poll_readable(self) -> bool:
        """Whether a read would not block."""
        return True

    def poll_writable(self) -> bool:
        """Whether a write would not block."""
        return True

    def wait_queue(self) -> Waitable | None:
        """The queue notified when this file's readiness changes (None: it never changes)."""
        return None

    def poll_mask(self) -> int:
        """poll(2) revents this object reports (POLLIN/POLLOUT/POLLHUP/POLLERR)."""
        mask = 0
        if self.readable and self.poll_readable():
            mask |= ls.POLLIN | ls.POLLRDNORM
        if self.writable and self.poll_writable():
            mask |= ls.POLLOUT | ls.POLLWRNORM
        return mask


class HostFile(OpenFile):
    """A host file or directory opened inside the rootfs (see vfs.Rootfs.open).

    Regular files and directories are always ready and cannot be added to epoll.

    ``guest_path`` is kept so fchdir and /proc/self/fd links can name the file
    the way the guest sees it; ``host_path`` is only used to find the parent
    directory's inode for the ".." entry of getdents64.
    """

    pollable = False
    #: The rootfs's inotify marks (kernel_model/inotify.py), set by Rootfs.open: reads,
    #: writes and the close report to it while any mark is set.
    fsnotify: Fsnotify | None = None

    def __init__(self, fd: int, flags: int, guest_path: str, host_path: Path) -> None:
        super().__init__(flags)
        self.fd: int = fd
        self.guest_path: str = guest_path
        self.host_path: Path = host_path
        st = os.fstat(fd)
        self.kind = "dir" if ls.S_IFDIR == (st.st_mode & ls.S_IFMT) else "file"
        self._entries: list[tuple[bytes, int, int]] | None = None
        self._dir_pos: int = 0
        #: A memfd's pages as a confidential program maps them (set by memfd_create).
        self.memfd_pages: MemfdPages | None = None

    def read(self, n: int) -> bytes | None:
        self._need_read()
        if self.kind == "dir":
            raise err(EISDIR)
        n = min(n, ls.MAX_RW_COUNT)
        with host_errors:
            if page_cache.mapped():
                page_cache.before_read(self.fd, os.lseek(self.fd, 0, os.SEEK_CUR), n)
            data = os.read(self.fd, n)
        if data and self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x1)         # vfs_read(): fsnotify_access()
        return data

    def write(self, data: bytes) -> int | None:
        self._need_write()
        with host_errors:
            if not page_cache.mapped():
                n = os.write(self.fd, data)
            else:
                pos = os.fstat(self.fd).st_size if self.flags & ls.O_APPEND else \
                    os.lseek(self.fd, 0, os.SEEK_CUR)
                n = page_cache.write_through(self.fd, pos, len(data),
                                             lambda: os.write(self.fd, data))
        if n and self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x2)         # vfs_write(): fsnotify_modify()
        return n

    def pread(self, n: int, off: int) -> bytes:
        self._need_read()
        if off < 0:
            raise err(EINVAL)
        if self.kind == "dir":
            raise err(EISDIR)
        n = min(n, ls.MAX_RW_COUNT)
        with host_errors:
            page_cache.before_read(self.fd, off, n)
            data = os.pread(self.fd, n, off)
        if data and self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x1)         # IN_ACCESS
        return data

    def pwrite(self, data: bytes, off: int) -> int:
        self._need_write()
        if off < 0:
            raise err(EINVAL)
        with host_errors:
            # (an O_APPEND file's pwrite appends, as the host's does: generic_write_checks())
            pos = os.fstat(self.fd).st_size if self.flags & ls.O_APPEND \
                and page_cache.mapped() else off
            n = page_cache.write_through(self.fd, pos, len(data),
                                         lambda: os.pwrite(self.fd, data, off))
        if n and self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x2)         # IN_MODIFY
        return n

    def lseek(self, off: int, whence: int) -> int:
        if self.flags & ls.O_PATH:
            raise err(EBADF)
        if self.kind != "dir":
            with host_errors:
                return os.lseek(self.fd, off, whence)
        # Directory offsets are our own getdents64 cursor (entry index).
        if whence == os.SEEK_SET:
            new = off
        elif whence == os.SEEK_CUR:
            new = self._dir_pos + off
        else:
            raise err(EINVAL)
        if new < 0:
            raise err(EINVAL)
        if new == 0:
            self._entries = None  # rewinddir: pick up changes made since
        self._dir_pos = new
        return new

    def stat(self) -> os.stat_result:
        with host_errors:
            return os.fstat(self.fd)

    def _snapshot(self) -> list[tuple[bytes, int, int]]:
        me = self.stat()
        if self.guest_path == "/":
            parent = me  # chroot semantics: ".." of the root is the root
        else:
            with host_errors:
                parent = os.stat(self.host_path.parent)
        entries = [(b".", me.st_ino, ls.DT_DIR), (b"..", parent.st_ino, ls.DT_DIR)]
        with host_errors, os.scandir(self.fd) as it:
            for e in it:
                if e.is_symlink():
                    dt = ls.DT_LNK
                elif e.is_dir(follow_symlinks=False):
                    dt = ls.DT_DIR
                elif e.is_file(follow_symlinks=False):
                    dt = ls.DT_REG
                else:
                    dt = ls.dt_from_mode(e.stat(follow_symlinks=False).st_mode)
                entries.append((os.fsencode(e.name), e.inode(), dt))
        return entries

    def getdents64(self, bufsize: int) -> bytes:
        if self.flags & ls.O_PATH:
            raise err(EBADF)
        if self.kind != "dir":
            raise err(ENOTDIR)
        if self._entries is None:
            self._entries = self._snapshot()
        out = bytearray()
        while self._dir_pos < len(self._entries):
            name, ino, dt = self._entries[self._dir_pos]
            if len(out) + ls.dirent64_reclen(name) > bufsize:
                if not out:
                    raise err(EINVAL)
                break
            out += ls.pack_dirent64(ino, self._dir_pos + 1, dt, name)
            self._dir_pos += 1
        if self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x1)   # iterate_dir(): fsnotify_access()
        return bytes(out)

    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        if self.flags & ls.O_PATH:
            raise err(EBADF)
        if request == ls.FIONREAD and self.kind == "file":
            st = self.stat()
            with host_errors:
                pos = os.lseek(self.fd, 0, os.SEEK_CUR)
            return IoctlResult(0, struct.pack("<i", max(0, min(st.st_size - pos, 0x7FFFFFFF))))
        if request == ls.FS_IOC_GETFLAGS and self.kind in ("file", "dir"):
            # ioctl_getflags(): the inode's flags (chattr's), as the host file system keeps
            # them; put_user() of an int
            with host_errors:
                out = fcntl.ioctl(self.fd, request, bytes(8))
            return IoctlResult(0, out[:4])
        return super().ioctl(request, arg)

    def truncate(self, length: int) -> None:
        if self.flags & ls.O_PATH:
            raise err(EBADF)        # (fdget() takes no FMODE_PATH file)
        if self.kind != "file" or not self.writable or length < 0:
            raise err(EINVAL)
        with host_errors:
            old = os.fstat(self.fd).st_size if page_cache.mapped() else length
            page_cache.before_truncate(self.fd, old, length)
            os.ftruncate(self.fd, length)
            page_cache.after_truncate(self.fd, old, length)
        if self.fsnotify is not None and self.fsnotify.marks:
            self.fsnotify.file_event(self, 0x2)   # notify_change(ATTR_SIZE): IN_MODIFY

    def fsync(self) -> None:
        if self.flags & ls.O_PATH:
            raise err(EBADF)
        with host_errors:
            os.fsync(self.fd)

    def set_status_flags(self, flags: int) -> None:
        super().set_status_flags(flags)
        # Appending is done by the host kernel, so the host fd must agree.
        host = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        want = (host | os.O_APPEND) if self.flags & ls.O_APPEND else (host & ~os.O_APPEND)
        if want != host and not self.flags & ls.O_PATH:
            with host_errors:
                fcntl.fcntl(self.fd, fcntl.F_SETFL, want)

    def close(self) -> None:
        if self.lock_key is not None and self.record_locks is not None:
            self.record_locks.release(self.lock_key, self)   # the OFD locks it owns
        if self.flock_key is not None and self.flock_locks is not None:
            self.flock_locks.release(self.flock_key, self)   # its flock(2) lock
        if self.memfd_pages is not None and self.fd >= 0:
            self.memfd_pages.closed()
        if self.fd >= 0 and self.fsnotify is not None and self.fsnotify.marks \
                and not self.flags & ls.O_PATH:
            # __fput(): fsnotify_close(): IN_CLOSE_WRITE for FMODE_WRITE, else NOWRITE
            self.fsnotify.file_event(self, 0x8 if self.writable else 0x10)
            if self.fsnotify.pending:
                self.fsnotify.closed(self)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class MemfdPages:
    """The pages a confidential program maps MAP_SHARED from one memfd.

    The kernel cannot read a confidential page, so it cannot write one back to the
    file when the last mapping goes: the pages stay, the same frames for every mmap of
    the memfd, until it is closed and nothing maps them (the Guardian holds the frames
    meanwhile; they come back to the kernel by RECLAIM_PAGE)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages: SharedPages | None = None
        self._ctx: MemoryContext | None = None
        #: Open descriptions of the memfd (memfd_create's and each /proc/PID/fd reopen):
        #: its pages outlive all but the last, as shmem's inode outlives each file.
        self.files = 1

    def opened(self) -> None:
        """Another description of the memfd was opened (/proc/PID/fd/N)."""
        self.files += 1

    def get(self, ctx: MemoryContext) -> SharedPages:
        if self.pages is None:
            self.pages = SharedPages(self.name, None, file_cache=True)
            self._ctx = ctx
        return self.pages

    def closed(self) -> None:
        """A description of the memfd was closed; after the last, its pages go once
        nothing maps them."""
        self.files -= 1
        if self.files <= 0 and self.pages is not None and self._ctx is not None:
            self.pages.file_open = False
            from kernel_model.mm import release_shared  # (mm imports the file layer)
            release_shared(self._ctx, self.pages)
