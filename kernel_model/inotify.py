"""inotify: watches on the rootfs's inodes and the event queue an inotify file reads.

Linux 6.x, fs/notify/inotify/inotify_user.c and fs/notify/fsnotify.c, for the events the
model's own calls cause (the model is the only writer of its rootfs during a run: nothing
watches the host).  An inode is its host (st_dev, st_ino).  ``Fsnotify`` (one per
rootfs) holds every mark; the rootfs's calls and its open files report to it, and it
queues each event on the watching instances: a directory's mark hears its children's
events with the child's name (fsnotify_parent()), an inode's own mark without one.
"""

from __future__ import annotations

import os
import stat as st_
import struct
from collections import deque
from errno import EEXIST, EINVAL
from typing import Any

from kernel_model import linux_structs as ls
from kernel_model.anonfile import AnonFile
from kernel_model.errors import err
from kernel_model.openfile import IoctlResult

IN_ACCESS, IN_MODIFY, IN_ATTRIB = 0x1, 0x2, 0x4
IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_OPEN = 0x8, 0x10, 0x20
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE = 0x40, 0x80, 0x100
IN_DELETE, IN_DELETE_SELF, IN_MOVE_SELF = 0x200, 0x400, 0x800
IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED = 0x2000, 0x4000, 0x8000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK = 0x0100_0000, 0x0200_0000, 0x0400_0000
IN_MASK_CREATE, IN_ISDIR, IN_MASK_ADD, IN_ONESHOT = 0x1000_0000, 0x4000_0000, 0x2000_0000, \
    0x8000_0000
IN_ALL_EVENTS = 0xFFF
IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO
ALL_INOTIFY_BITS = (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR
                    | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD
                    | IN_ISDIR | IN_ONESHOT)
IN_NONBLOCK, IN_CLOEXEC = ls.O_NONBLOCK, ls.O_CLOEXEC
#: Events a directory's mark hears for its children (FS_EVENTS_POSS_ON_CHILD).
_ON_CHILD = (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN)
#: /proc/sys/fs/inotify/max_queued_events
MAX_QUEUED_EVENTS = 16384
EVENT_SIZE = 16        # sizeof(struct inotify_event)

Key = tuple[int, int]


def key_of(st: os.stat_result) -> Key:
    return (st.st_dev, st.st_ino)


def pack_event(wd: int, mask: int, cookie: int, name: bytes) -> bytes:
    """struct inotify_event; len counts the NUL padding to a multiple of 16
    (round_event_name_len())."""
    pad = -(-(len(name) + 1) // EVENT_SIZE) * EVENT_SIZE if name else 0
    return struct.pack("<iIII", wd, mask, cookie, pad) + name.ljust(pad, b"\0")


class Mark:
    """One watch: inotify_inode_mark."""

    __slots__ = ("group", "key", "mask", "wd")

    def __init__(self, group: Inotify, wd: int, key: Key, mask: int) -> None:
        self.group, self.wd, self.key, self.mask = group, wd, key, mask


class Fsnotify:
    """Every inotify mark on the rootfs's inodes, and the sync cookie (fsnotify_get_cookie())."""

    def __init__(self) -> None:
        self.marks: dict[Key, list[Mark]] = {}
        self.cookie = 0
        #: The kernel's processes (set by the kernel): whose open files keep an unlinked
        #: inode alive.
        self.processes: dict[int, Any] = {}
        #: Watched inodes whose last link went while a file held them open: their
        #: IN_DELETE_SELF waits for the last close (dentry_unlink_inode() at the last dput()).
        self.pending: set[Key] = set()

    def next_cookie(self) -> int:
        self.cookie = (self.cookie + 1) & 0xFFFF_FFFF
        return self.cookie

    # -- sending (fsnotify()) -------------------------------------------------------
    def _send(self, key: Key, mask: int, name: bytes, cookie: int, unlinked: bool) -> None:
        for mark in list(self.marks.get(key, ())):
            if not mark.mask & mask & IN_ALL_EVENTS:
                continue
            if unlinked and mark.mask & IN_EXCL_UNLINK:
                continue        # fsnotify_handle_inode_event(): d_unlinked() child
            mark.group.queue_event(mark.wd, mask, cookie, name)
            if mark.mask & IN_ONESHOT:          # inotify_handle_inode_event()
                self.remove(mark)

    def inode(self, key: Key, mask: int, isdir: bool) -> None:
        """fsnotify_inode(): an event on the inode itself (its own marks only).  A
        directory's IN_DELETE_SELF and IN_MOVE_SELF carry no IN_ISDIR (as Linux 6.18
        reports them)."""
        if isdir and not mask & (IN_DELETE_SELF | IN_MOVE_SELF):
            mask |= IN_ISDIR
        if key in self.marks:
            self._send(key, mask, b"", 0, False)

    def name(self, dirkey: Key, mask: int, name: str | bytes, isdir: bool, cookie: int = 0) -> None:
        """fsnotify_name(): a directory-entry event (create, delete, move) on the directory."""
        if dirkey in self.marks:
            self._send(dirkey, mask | (IN_ISDIR if isdir else 0), os.fsencode(name), cookie,
                       False)

    def dentry(self, key: Key, mask: int, isdir: bool, parent: Key | None, name: str | bytes,
               unlinked: bool = False) -> None:
        """fsnotify_dentry()/fsnotify_file(): the parent's marks with the name
        (fsnotify_parent()), then the inode's own without."""
        mask |= IN_ISDIR if isdir else 0
        if parent is not None and parent in self.marks and mask & _ON_CHILD:
            self._send(parent, mask, os.fsencode(name), 0, unlinked)
        if key in self.marks:
            self._send(key, mask, b"", 0, False)

    def gone(self, key: Key) -> None:
        """fsnotify_inode_delete(): the inode was freed; its marks go (IN_IGNORED)."""
        for mark in list(self.marks.get(key, ())):
            self.remove(mark)

    def unlinked(self, key: Key, isdir: bool) -> None:
        """The inode's last link went: fsnotify_inoderemove() (IN_DELETE_SELF, its marks
        gone), at once or, while a file holds it open, at that file's last close."""
        if key not in self.marks:
            return
        if not isdir and self._held(key, None):
            self.pending.add(key)
            return
        self.inode(key, IN_DELETE_SELF, isdir)
        self.gone(key)

    def closed(self, f: object) -> None:
        """A HostFile's last close (after its IN_CLOSE_*): a pending inode is freed now."""
        try:
            key = key_of(os.fstat(getattr(f, "fd", -1)))
        except OSError:
            return
        if key in self.pending and not self._held(key, f):
            self.pending.discard(key)
            self.inode(key, IN_DELETE_SELF, False)
            self.gone(key)

    def _held(self, key: Key, but: object) -> bool:
        """Whether an open file other than ``but`` in any process's table is the inode."""
        for proc in self.processes.values():
            fds = getattr(proc, "fds", None)
            for _, f in fds.items() if fds is not None else ():
                fd = getattr(f, "fd", -1)
                if f is but or fd < 0 or getattr(f, "fsnotify", None) is None:
                    continue
                try:
                    if key_of(os.fstat(fd)) == key:
                        return True
                except OSError:
                    continue
        return False

    # -- marks ------------------------------------------------------------------------
    def remove(self, mark: Mark) -> None:
        """inotify_freeing_mark() -> inotify_ignored_and_remove_idr(): IN_IGNORED."""
        marks = self.marks.get(mark.key, [])
        if mark in marks:
            marks.remove(mark)
            if not marks:
                del self.marks[mark.key]
        if mark.group.wds.pop(mark.wd, None) is not None:
            mark.group.queue_event(mark.wd, IN_IGNORED, 0, b"", merge=False)

    def drop_group(self, group: Inotify) -> None:
        """inotify_release(): the instance's marks go with it, silently."""
        for mark in list(group.wds.values()):
            marks = self.marks.get(mark.key, [])
            if mark in marks:
                marks.remove(mark)
                if not marks:
                    del self.marks[mark.key]
        group.wds.clear()

    # -- the rootfs's open files ---------------------------------------------------------
    def file_event(self, f: object, mask: int) -> None:
        """fsnotify_file() for a HostFile (read, write, open, close): its parent is the
        directory its name is in, if that name still names it."""
        fd = getattr(f, "fd", -1)
        if fd < 0:
            return
        try:
            me = os.fstat(fd)
        except OSError:
            return
        key, isdir = key_of(me), st_.S_ISDIR(me.st_mode)
        host = getattr(f, "host_path", None)
        parent: Key | None = None
        unlinked = False
        name = ""
        if host is not None and getattr(f, "guest_path", "/") != "/":
            try:
                parent = key_of(os.stat(host.parent))
                name = host.name
                there = os.lstat(host)
                unlinked = key_of(there) != key
            except OSError:
                unlinked = parent is not None
        self.dentry(key, mask, isdir, parent, name, unlinked)


class Inotify(AnonFile):
    """An inotify instance (fsnotify_group): its watches by wd and its event queue."""

    anon_name = "inotify"

    def __init__(self, flags: int, hub: Fsnotify) -> None:
        super().__init__(flags & ls.O_NONBLOCK)
        self.flags = (self.flags & ~ls.O_ACCMODE) | ls.O_RDONLY
        self.hub = hub
        self.wds: dict[int, Mark] = {}
        self.last_wd = 0
        self.events: deque[bytes] = deque()
        self.last: tuple[int, int, bytes] | None = None
        self.nbytes = 0
        self.overflowed = False

    @property
    def link_name(self) -> str:
        return "anon_inode:inotify"       # anon_inode_getfd("inotify", ...): no brackets

    # -- watches (inotify_update_watch(), inotify_new_watch()) ---------------------------
    def add_watch(self, key: Key, mask: int) -> int:
        keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
        for mark in self.hub.marks.get(key, ()):
            if mark.group is self:
                if mask & IN_MASK_CREATE:
                    raise err(EEXIST)
                mark.mask = (mark.mask | keep) if mask & IN_MASK_ADD else keep
                return mark.wd
        # idr_alloc_cyclic(&idr, mark, 1, 0): wds count up from 1, not reused until wrap
        wd = self.last_wd + 1
        while wd in self.wds or wd > 0x7FFF_FFFF:
            wd = 1 if wd > 0x7FFF_FFFF else wd + 1
        self.last_wd = wd
        mark = Mark(self, wd, key, keep)
        self.wds[wd] = mark
        self.hub.marks.setdefault(key, []).append(mark)
        return wd

    def rm_watch(self, wd: int) -> None:
        mark = self.wds.get(wd)
        if mark is None:
            raise err(EINVAL)
        self.hub.remove(mark)

    # -- the queue (fsnotify_insert_event(), inotify_merge()) ----------------------------
    def queue_event(self, wd: int, mask: int, cookie: int, name: bytes, merge: bool = True) -> None:
        mask &= IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW
        if len(self.events) >= MAX_QUEUED_EVENTS:
            if self.overflowed:
                return
            self.overflowed = True
            wd, mask, cookie, name, merge = -1, IN_Q_OVERFLOW, 0, b"", False
        elif merge and self.events and self.last == (wd, mask, name) and \
                not self.last[1] & IN_IGNORED:
            return                                     # event_compare(): the same as the last
        record = pack_event(wd, mask, cookie, name)
        self.events.append(record)
        self.nbytes += len(record)
        self.last = (wd, mask, name)
        self.queue.notify(ls.POLLIN | ls.POLLRDNORM)

    def read(self, n: int) -> bytes | None:
        """inotify_read(): whole events only; a buffer too small for the first is EINVAL."""
        if not self.events:
            return None
        out = bytearray()
        while self.events:
            record = self.events[0]
            if len(out) + len(record) > n:
                if not out:
                    raise err(EINVAL)
                break
            self.events.popleft()
            self.nbytes -= len(record)
            if struct.unpack_from("<I", record, 4)[0] & IN_Q_OVERFLOW:
                self.overflowed = False
            out += record
        if not self.events:
            self.last = None
        return bytes(out)

    def write(self, data: bytes) -> int | None:
        raise err(EINVAL)

    def lseek(self, off: int, whence: int) -> int:
        """inotify_fops' noop_llseek(): `return file->f_pos;`, which inotify_read() never
        moves: 0 for any offset (ksys_lseek()'s `whence <= SEEK_MAX` test first; the model
        answered -ESPIPE, which no Linux does)."""
        if not 0 <= whence <= 4:            # SEEK_MAX: SEEK_HOLE
            raise err(EINVAL)
        return 0

    def poll_mask(self) -> int:
        return ls.POLLIN | ls.POLLRDNORM if self.events else 0

    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        if request == ls.FIONREAD:          # inotify_ioctl(): the queued events' bytes
            return IoctlResult(0, struct.pack("<i", self.nbytes))
        return super().ioctl(request, arg)

    def close(self) -> None:
        self.hub.drop_group(self)
        self.events.clear()

    def fdinfo(self) -> str:
        """inotify_fdinfo(): one line per watch."""
        # sdev: the super block's dev_t in the kernel's encoding (MKDEV(): major << 20)
        return "".join(f"inotify wd:{m.wd:x} ino:{m.key[1]:x} "
                       f"sdev:{os.major(m.key[0]) << 20 | os.minor(m.key[0]):x} "
                       f"mask:{m.mask:x} ignored_mask:0\n" for m in self.wds.values())
