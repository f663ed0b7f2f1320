"""epoll instances: an interest list and a ready list, as Linux keeps them.

An entry watches its file's wait queue; a change whose wake-up events meet
the entry's interest puts it on the ready list.  epoll_wait scans the ready
list in order: an entry whose file is ready is reported, and a level-triggered
one goes back on the list (so it is reported again while it stays ready); an
edge-triggered one waits for the next change; EPOLLONESHOT disables the entry
until EPOLL_CTL_MOD re-arms it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from errno import EEXIST, EINVAL, ELOOP, ENOENT, EPERM

from kernel_model.anonfile import AnonFile
from kernel_model.errors import err
from kernel_model.openfile import OpenFile
from kernel_model.waitq import Waitable, Watcher

EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP = 0x1, 0x2, 0x4, 0x8, 0x10
EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG = 0x40, 0x80, 0x100, 0x200, 0x400
EPOLLRDHUP = 0x2000
EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET = 1 << 28, 1 << 29, 1 << 30, 1 << 31
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
#: Flags that are not poll events.
EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE
#: Always reported, whether asked for or not.
EP_ALWAYS = EPOLLERR | EPOLLHUP
#: sizeof(struct epoll_event) on AArch64 (not packed there: u32 events, 4 pad, u64 data).
EPOLL_EVENT_SIZE = 16
#: Most events one epoll_wait may ask for (INT_MAX / sizeof(struct epoll_event)).
EP_MAX_EVENTS = 0x7FFF_FFFF // EPOLL_EVENT_SIZE


@dataclass(eq=False)
class EpollEntry:
    """One (file, fd) in an interest list."""

    fd: int
    file: OpenFile
    events: int
    data: int
    queue: Waitable | None
    watcher: Watcher | None = None
    ready: bool = False
    #: Events the last change announced (kept until the entry is scanned).
    hint: int = field(default=0)

    @property
    def interest(self) -> int:
        return (self.events & ~EP_PRIVATE_BITS) | EP_ALWAYS

    @property
    def disabled(self) -> bool:
        """A fired EPOLLONESHOT entry keeps only its private bits until re-armed."""
        return not self.events & ~EP_PRIVATE_BITS


class Epoll(AnonFile):
    """An epoll instance (itself pollable: readable while something is ready)."""

    anon_name = "eventpoll"

    def __init__(self, flags: int) -> None:
        super().__init__(flags)
        self.entries: dict[tuple[int, int], EpollEntry] = {}
        self.ready: list[EpollEntry] = []

    # -- the interest list ----------------------------------------------------------
    def _key(self, fd: int, f: OpenFile) -> tuple[int, int]:
        return (id(f), fd)

    def add(self, fd: int, f: OpenFile, events: int, data: int) -> None:
        if f is self or (isinstance(f, Epoll) and f._watches(self)):
            raise err(EINVAL if f is self else ELOOP)     # ELOOP: a cycle of epolls
        if not f.pollable:
            raise err(EPERM)
        self._drop_closed()
        key = self._key(fd, f)
        if key in self.entries:
            raise err(EEXIST)
        entry = EpollEntry(fd, f, events, data, f.wait_queue())
        self.entries[key] = entry
        if entry.queue is not None:
            entry.watcher = lambda ev, e=entry: self._changed(e, ev)
            entry.queue.on_change.append(entry.watcher)
        self._changed(entry, f.poll_mask())

    def modify(self, fd: int, f: OpenFile, events: int, data: int) -> None:
        entry = self.entries.get(self._key(fd, f))
        if entry is None:
            raise err(ENOENT)
        if events & EPOLLEXCLUSIVE or entry.events & EPOLLEXCLUSIVE:
            raise err(EINVAL)
        entry.events, entry.data = events, data
        self._changed(entry, f.poll_mask())

    def delete(self, fd: int, f: OpenFile) -> None:
        entry = self.entries.pop(self._key(fd, f), None)
        if entry is None:
            raise err(ENOENT)
        self._unhook(entry)

    def _unhook(self, entry: EpollEntry) -> None:
        if entry.queue is not None and entry.watcher is not None:
            try:
                entry.queue.on_change.remove(entry.watcher)
            except ValueError:
                pass
        if entry.ready:
            entry.ready = False
            self.ready.remove(entry)

    def _watches(self, other: Epoll, depth: int = 0) -> bool:
        """Whether ``other`` is reachable through nested epoll entries (a cycle)."""
        if depth > 4:
            return True
        return any(e.file is other or (isinstance(e.file, Epoll) and e.file._watches(other, depth + 1))
                   for e in self.entries.values())

    # -- readiness ------------------------------------------------------------------
    def _changed(self, entry: EpollEntry, events: int) -> None:
        """The entry's file changed with wake-up ``events``: queue it if that can interest it."""
        if entry.disabled or not events & entry.interest or entry.ready:
            return
        entry.ready = True
        self.ready.append(entry)
        self.queue.notify(EPOLLIN | EPOLLRDNORM)

    def _drop_closed(self) -> None:
        """Entries whose file description has closed leave the set (as on Linux)."""
        for key, e in list(self.entries.items()):
            if e.file.refs <= 0:
                del self.entries[key]
                self._unhook(e)

    def collect(self, maxevents: int) -> list[tuple[int, int]]:
        """Up to ``maxevents`` (events, data) pairs, consuming edges and one-shots."""
        self._drop_closed()
        for e in self.entries.values():
            # Files that announce no changes (the console) are looked at on every scan.
            if e.queue is None and not e.ready and not e.disabled:
                e.ready = True
                self.ready.append(e)
        out: list[tuple[int, int]] = []
        requeue: list[EpollEntry] = []
        while self.ready and len(out) < maxevents:
            e = self.ready.pop(0)
            e.ready = False
            if e.disabled:
                continue
            revents = e.file.poll_mask() & e.interest
            if not revents:
                continue
            out.append((revents, e.data))
            if e.events & EPOLLONESHOT:
                e.events &= EP_PRIVATE_BITS
            elif not e.events & EPOLLET:
                requeue.append(e)
        for e in requeue:
            e.ready = True
            self.ready.append(e)
        return out

    def poll_mask(self) -> int:
        for e in self.ready:
            if not e.disabled and e.file.poll_mask() & e.interest:
                return EPOLLIN | EPOLLRDNORM
        return 0

    def read(self, n: int) -> bytes | None:
        raise err(EINVAL)

    def write(self, data: bytes) -> int | None:
        raise err(EINVAL)

    def close(self) -> None:
        for e in list(self.entries.values()):
            self._unhook(e)
        self.entries.clear()

    def fdinfo(self) -> str:
        return "".join(f"tfd: {e.fd:8d} events: {e.events:8x} data: {e.data:16x}  pos:0 ino:0 "
                       f"sdev:0\n" for e in self.entries.values())


def pack_events(events: list[tuple[int, int]]) -> bytes:
    """struct epoll_event array in the AArch64 layout."""
    return b"".join(struct.pack("<I4xQ", ev & 0xFFFF_FFFF, data) for ev, data in events)


def unpack_event(raw: bytes) -> tuple[int, int]:
    ev, data = struct.unpack("<I4xQ", raw[:EPOLL_EVENT_SIZE])
    return ev, data
