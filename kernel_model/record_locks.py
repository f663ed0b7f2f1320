"""fcntl record locks, as fs/locks.c keeps them.

A POSIX lock (F_SETLK, F_SETLKW) is owned by a descriptor table (fl_owner = the
files_struct: a process's threads, and processes sharing it by CLONE_FILES, are one owner)
and goes when that owner closes any descriptor of the file, or exits.  An OFD lock
(F_OFD_SETLK, F_OFD_SETLKW) is owned by the open file and goes with its last descriptor.
Locks of one owner never conflict; a lock of another owner conflicts where the ranges
overlap and one of the two is a write lock.  A lock replaces its owner's locks over its
range (F_UNLCK removes them), splitting those that reach past it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.process import WaitReason

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.openfile import OpenFile
    from kernel_model.process import Thread

OFFSET_MAX = (1 << 63) - 1
InodeKey = tuple[int, int]
_OFD_CMDS = (ls.F_OFD_GETLK, ls.F_OFD_SETLK, ls.F_OFD_SETLKW)
_GET_CMDS = (ls.F_GETLK, ls.F_OFD_GETLK)
_WAIT_CMDS = (ls.F_SETLKW, ls.F_OFD_SETLKW)


@dataclass
class Lock:
    owner: object           # the FdTable (POSIX) or the OpenFile (OFD)
    type: int               # F_RDLCK or F_WRLCK
    start: int
    end: int                # inclusive; OFFSET_MAX: to the end of the file, however long
    pid: int                # the locking process (POSIX); -1 for an OFD lock


class RecordLocks:
    """Every record lock of one kernel, by inode."""

    def __init__(self, released: Callable[[InodeKey], None]) -> None:
        self.by_inode: dict[InodeKey, list[Lock]] = {}
        self._released = released       # wakes the F_SETLKW waiters of an inode

    def conflict(self, key: InodeKey, owner: object, type_: int, start: int, end: int
                 ) -> Lock | None:
        """The first lock of another owner that the range [start, end] of type_ meets."""
        for lk in self.by_inode.get(key, ()):
            if lk.owner is not owner and lk.start <= end and start <= lk.end and \
                    ls.F_WRLCK in (lk.type, type_):
                return lk
        return None

    def set(self, key: InodeKey, owner: object, type_: int, start: int, end: int,
            pid: int) -> None:
        """The owner's locks over [start, end] become type_ (F_UNLCK: none)."""
        kept: list[Lock] = []
        for lk in self.by_inode.get(key, ()):
            if lk.owner is not owner or lk.end < start or end < lk.start:
                kept.append(lk)
                continue
            if lk.start < start:
                kept.append(Lock(owner, lk.type, lk.start, start - 1, lk.pid))
            if end < lk.end:
                kept.append(Lock(owner, lk.type, end + 1, lk.end, lk.pid))
        if type_ != ls.F_UNLCK:
            kept.append(Lock(owner, type_, start, end, pid))
        self._store(key, kept)

    def release(self, key: InodeKey, owner: object) -> None:
        """Every lock the owner holds on the inode goes (a close, the last descriptor)."""
        locks = self.by_inode.get(key)
        if locks and any(lk.owner is owner for lk in locks):
            self._store(key, [lk for lk in locks if lk.owner is not owner])

    def _store(self, key: InodeKey, locks: list[Lock]) -> None:
        if locks:
            self.by_inode[key] = locks
        else:
            self.by_inode.pop(key, None)
        self._released(key)


def inode_of(f: OpenFile) -> InodeKey | None:
    """The inode a host-backed regular file (or memfd) is; None for others."""
    fd = getattr(f, "fd", -1)
    if getattr(f, "kind", "") != "file" or not isinstance(fd, int) or fd < 0:
        return None
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _range(f: OpenFile, whence: int, start: int, length: int) -> tuple[int, int]:
    """flock_to_posix_lock(): the inclusive byte range a struct flock names."""
    if whence == os.SEEK_SET:
        base = 0
    elif whence == os.SEEK_CUR:
        base = os.lseek(f.fd, 0, os.SEEK_CUR)            # type: ignore[attr-defined]
    elif whence == os.SEEK_END:
        base = os.fstat(f.fd).st_size                    # type: ignore[attr-defined]
    else:
        raise KernelError(errno.EINVAL)
    first = base + start
    if first < 0:
        raise KernelError(errno.EINVAL)
    if length > 0:
        return first, min(first + length - 1, OFFSET_MAX)
    if length == 0:
        return first, OFFSET_MAX
    if first + length < 0:
        raise KernelError(errno.EINVAL)
    return first + length, first - 1


def fcntl_lock(k: Kernel, t: Thread, f: OpenFile, cmd: int, arg: int) -> int:
    """F_GETLK, F_SETLK, F_SETLKW and their OFD forms on the open file f."""
    l_type, whence, start, length, pid = ls.unpack_flock(k.uaccess.read(arg, 32))
    ofd = cmd in _OFD_CMDS
    if ofd and pid != 0:
        return -errno.EINVAL
    if l_type not in (ls.F_RDLCK, ls.F_WRLCK, ls.F_UNLCK):
        return -errno.EINVAL
    key = inode_of(f)
    owner: object = f if ofd else t.process.fds
    first, last = _range(f, whence, start, length)
    if cmd in _GET_CMDS:
        if l_type == ls.F_UNLCK:
            return -errno.EINVAL
        held = k.record_locks.conflict(key, owner, l_type, first, last) if key else None
        if held is None:
            k.uaccess.write(arg, ls.pack_flock(ls.F_UNLCK, whence, start, length, pid))
        else:
            size = 0 if held.end == OFFSET_MAX else held.end - held.start + 1
            k.uaccess.write(arg, ls.pack_flock(held.type, os.SEEK_SET, held.start, size,
                                               held.pid))
        return 0
    if l_type == ls.F_RDLCK and not f.readable or l_type == ls.F_WRLCK and not f.writable:
        return -errno.EBADF
    if key is None:
        return 0                # not a lockable inode of the model's: nothing to hold
    if l_type != ls.F_UNLCK and k.record_locks.conflict(key, owner, l_type, first, last):
        if cmd not in _WAIT_CMDS:
            return -errno.EAGAIN
        k.block(WaitReason("record-lock", key=key))
    f.lock_key, f.record_locks = key, k.record_locks      # released at its close
    k.record_locks.set(key, owner, l_type, first, last, -1 if ofd else t.process.pid)
    return 0


_FLOCK_TYPES = {ls.LOCK_SH: ls.F_RDLCK, ls.LOCK_EX: ls.F_WRLCK, ls.LOCK_UN: ls.F_UNLCK}


def flock(k: Kernel, t: Thread, fd: int, cmd: int) -> int:
    """flock(2), as fs/locks.c's SYSCALL_DEFINE2(flock) and flock_lock_inode() keep it:
    one whole-file lock per open file description (dup'd and inherited descriptors share
    it; a second open() of the file is another owner, and conflicts), F_WRLCK against
    anything of another description, F_RDLCK against F_WRLCK.  A lock held by the same
    description in the other mode is dropped first (a conversion is not atomic, so a
    LOCK_NB one that fails leaves no lock); LOCK_UN of no lock is 0."""
    if cmd & ls.LOCK_MAND:
        return 0                # ignored (a pr_warn_once) since Linux 5.18
    type_ = _FLOCK_TYPES.get(cmd & ~ls.LOCK_NB)    # flock_translate_cmd()
    if type_ is None:
        return -errno.EINVAL
    f = t.process.fds.get(fd)                      # fdget(): -EBADF
    if type_ != ls.F_UNLCK and not (f.readable or f.writable):
        return -errno.EBADF                        # no FMODE_READ nor FMODE_WRITE
    key = inode_of(f)
    if key is None:
        return 0                # not a lockable inode of the model's: nothing to hold
    locks = k.flock_locks
    mine = next((lk for lk in locks.by_inode.get(key, ()) if lk.owner is f), None)
    if mine is not None:
        if mine.type == type_:
            return 0
        locks.set(key, f, ls.F_UNLCK, 0, OFFSET_MAX, -1)
    if type_ == ls.F_UNLCK:
        return 0
    if locks.conflict(key, f, type_, 0, OFFSET_MAX):
        if cmd & ls.LOCK_NB:
            return -errno.EWOULDBLOCK
        k.block(WaitReason("flock", key=key))
    f.flock_key, f.flock_locks = key, locks       # released at its close
    locks.set(key, f, type_, 0, OFFSET_MAX, t.process.pid)
    return 0
