"""In-memory pipes (pipe2), with non-blocking semantics for the scheduler."""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Callable
from errno import EBADF, EPIPE

from kernel_model import linux_structs as ls
from kernel_model.errors import err
from kernel_model.openfile import PIPEFS_DEV, IoctlResult, OpenFile, inode_numbers
from kernel_model.waitq import ALL_EVENTS

#: Writes up to this size are atomic (never split or interleaved).
PIPE_BUF = 4096
#: Default pipe buffer size (Linux: 16 pages).
PIPE_CAPACITY = 65536
PAGE = 4096


class Segment:
    """Bytes in the pipe that read as one unit: a packet (PIPE_BUF_FLAG_PACKET, written
    through an O_DIRECT write end, at most a page) or stream bytes (any number of Linux
    buffers that a read crosses).  `tail_end` is, for stream bytes, where they end in
    the last Linux buffer's page: a later write's first bytes merge there if they fit."""

    __slots__ = ("data", "packet", "tail_end")

    def __init__(self, data: bytes, packet: bool, tail_end: int = 0) -> None:
        self.data = bytearray(data)
        self.packet = packet
        self.tail_end = tail_end


class Pipe:
    """The shared buffer of a pipe; each end is a separate open file description."""

    def __init__(self, capacity: int = PIPE_CAPACITY) -> None:
        self.segments: deque[Segment] = deque()
        #: the bytes each of Linux's pipe buffers (ring slots) still holds, in order: a
        #: pipe is full when every slot of its ring holds one (pipe_full())
        self.bufs: deque[int] = deque()
        self.nbytes = 0
        self.capacity = capacity
        self.readers = 0
        self.writers = 0
        self.ino = next(inode_numbers)
        #: Called after any state change (with the poll events it may have produced),
        #: so a scheduler can wake blocked threads and epoll can mark entries ready.
        self.on_change: list[Callable[[int], None]] = []

    def notify(self, events: int = ALL_EVENTS) -> None:
        """Run the on_change callbacks."""
        for cb in list(self.on_change):
            cb(events)

    def stat(self) -> ls.StatInfo:
        """Both ends fstat as the same FIFO inode."""
        return ls.StatInfo(ls.S_IFIFO | 0o600, self.ino, PIPEFS_DEV, st_uid=os.getuid(),
                           st_gid=os.getgid())

    # -- the buffer ----------------------------------------------------------------------
    @property
    def max_slots(self) -> int:
        """The ring's slots (pipe->max_usage): the capacity in pages."""
        return max(1, self.capacity // PAGE)

    def free_slots(self) -> int:
        return max(0, self.max_slots - len(self.bufs))

    def can_merge(self, chars: int) -> bool:
        """Would a write's head of `chars` bytes merge into the last buffer (a plain
        write's, PIPE_BUF_FLAG_CAN_MERGE, with room left in its page)?"""
        last = self.segments[-1] if self.segments else None
        return bool(chars) and last is not None and not last.packet and \
            last.tail_end + chars <= PAGE

    def _release(self, n: int) -> None:
        """The first n bytes left the pipe: the buffers they emptied are free again."""
        while n > 0 and self.bufs:
            if self.bufs[0] <= n:
                n -= self.bufs.popleft()
            else:
                self.bufs[0] -= n
                n = 0

    def append(self, data: bytes, packet: bool = False) -> None:
        """Queue a write's bytes as pipe_write() lays them out: its sub-page remainder
        first merges into the last buffer if that is a stream buffer with room (a packet
        buffer never takes more), the rest fills new pages -- packets, one a page, when
        written through an O_DIRECT end (is_packetized())."""
        if not data:
            return
        self.nbytes += len(data)
        last = self.segments[-1] if self.segments else None
        chars = len(data) % PAGE
        if self.can_merge(chars) and last is not None:
            last.data += data[:chars]
            last.tail_end += chars
            if self.bufs:
                self.bufs[-1] += chars
            data = data[chars:]
        self.bufs.extend(min(PAGE, len(data) - i) for i in range(0, len(data), PAGE))
        if not packet:
            if not data:
                return
            end = len(data) % PAGE or PAGE
            if last is not None and not last.packet:
                last.data += data               # stream bytes read as one run anyway
                last.tail_end = end
            else:
                self.segments.append(Segment(data, False, end))
            return
        for i in range(0, len(data), PAGE):
            self.segments.append(Segment(data[i:i + PAGE], True))

    def take(self, n: int) -> bytes:
        """pipe_read(): up to n bytes across stream buffers; a read stops after a packet
        buffer, whose bytes past n are dropped."""
        out = bytearray()
        before = self.nbytes
        while self.segments and len(out) < n:
            seg = self.segments[0]
            want = n - len(out)
            out += seg.data[:want]
            if seg.packet or want >= len(seg.data):
                self.segments.popleft()
                self.nbytes -= len(seg.data)
                if seg.packet:
                    break
            else:
                del seg.data[:want]
                self.nbytes -= want
        self._release(before - self.nbytes)
        return bytes(out)

    def peek(self, n: int) -> bytes:
        """The first n bytes, as a byte stream (splice moves bytes, packets or not)."""
        out = bytearray()
        for seg in self.segments:
            if len(out) >= n:
                break
            out += seg.data[:n - len(out)]
        return bytes(out)

    def link_into(self, other: Pipe, n: int) -> int:
        """tee(): link up to n of the first bytes into `other`, buffer by buffer while its
        ring has a free slot (a packet stays a packet; nothing merges into a linked
        buffer), consuming none."""
        limit = 0
        for size in self.bufs:
            if limit >= n or len(other.bufs) >= other.max_slots:
                break
            other.bufs.append(min(size, n - limit))
            limit += other.bufs[-1]
        copied = 0
        for seg in self.segments:
            if copied >= limit:
                break
            part = bytes(seg.data[:limit - copied])
            other.segments.append(Segment(part, seg.packet, PAGE))
            other.nbytes += len(part)
            copied += len(part)
        return copied

    def consume(self, n: int) -> None:
        """Drop the first n bytes (what splice moved on)."""
        self._release(n)
        while n and self.segments:
            seg = self.segments[0]
            if n >= len(seg.data):
                n -= len(seg.data)
                self.nbytes -= len(seg.data)
                self.segments.popleft()
            else:
                del seg.data[:n]
                self.nbytes -= n
                n = 0


class PipeEnd(OpenFile):
    """Common part of both pipe ends."""

    kind = "pipe"

    def __init__(self, pipe: Pipe, flags: int) -> None:
        super().__init__(flags)
        self.pipe = pipe
        self._closed = False

    def stat(self) -> ls.StatInfo:
        return self.pipe.stat()

    def wait_queue(self) -> Pipe:
        return self.pipe

    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        if request == ls.FIONREAD:
            return IoctlResult(0, struct.pack("<i", self.pipe.nbytes))   # bytes, not packets
        return super().ioctl(request, arg)


class PipeReadEnd(PipeEnd):
    """Read side: None while empty with live writers, b"" once all writers closed."""

    def __init__(self, pipe: Pipe, flags: int = ls.O_RDONLY) -> None:
        super().__init__(pipe, (flags & ~ls.O_ACCMODE) | ls.O_RDONLY)
        pipe.readers += 1

    def read(self, n: int) -> bytes | None:
        p = self.pipe
        if n <= 0:
            return b""
        if not p.nbytes:
            return None if p.writers > 0 else b""
        data = p.take(n)
        p.notify(ls.POLLOUT | ls.POLLWRNORM)
        return data

    def write(self, data: bytes) -> int | None:
        raise err(EBADF)

    def poll_readable(self) -> bool:
        return bool(self.pipe.nbytes) or self.pipe.writers == 0

    def poll_mask(self) -> int:
        mask = ls.POLLIN | ls.POLLRDNORM if self.pipe.nbytes else 0
        return mask | (ls.POLLHUP if self.pipe.writers == 0 else 0)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.pipe.readers -= 1
            self.pipe.notify()


class PipeWriteEnd(PipeEnd):
    """Write side: EPIPE without readers; None when no space for the write."""

    def __init__(self, pipe: Pipe, flags: int = ls.O_WRONLY) -> None:
        super().__init__(pipe, (flags & ~ls.O_ACCMODE) | ls.O_WRONLY)
        pipe.writers += 1

    def read(self, n: int) -> bytes | None:
        raise err(EBADF)

    def write(self, data: bytes) -> int | None:
        """Accept what fits; writes of at most PIPE_BUF are all-or-nothing (POSIX)."""
        p = self.pipe
        if p.readers == 0:
            raise err(EPIPE)
        if not data:
            return 0
        n = self._fits(len(data))
        if not n:
            return None
        p.append(data[:n], bool(self.flags & ls.O_DIRECT))
        p.notify(ls.POLLIN | ls.POLLRDNORM)
        return n

    def _fits(self, total: int) -> int:
        """How much of a `total`-byte write goes in now, as pipe_write() lays it out: its
        head (total % PAGE) merges into the last buffer where that is stream bytes with
        room in its page, then each page takes a free slot of the ring while one is left
        -- so a write of at most PIPE_BUF goes whole or not at all, and a longer one cut
        short ends after the merged head or a whole page (0: none fits)."""
        p = self.pipe
        free = p.free_slots()
        chars = total % PAGE
        merged = chars if p.can_merge(chars) else 0
        if total <= PIPE_BUF:
            return total if merged == total or free else 0
        return merged + min(total - merged, free * PAGE)

    def write_must_wait(self, n: int) -> bool:
        return self.pipe.readers > 0 and n > 0 and not self._fits(n)

    def poll_writable(self) -> bool:
        return self.pipe.readers == 0 or self.pipe.free_slots() > 0     # !pipe_full()

    def poll_mask(self) -> int:
        if self.pipe.readers == 0:
            return ls.POLLERR
        return ls.POLLOUT | ls.POLLWRNORM if self.poll_writable() else 0

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.pipe.writers -= 1
            self.pipe.notify()


class PipeRdwrEnd(PipeReadEnd, PipeWriteEnd):
    """A pipe opened O_RDWR through /proc/PID/fd/N: fifo_open() counts it as a reader
    and a writer both, so it never sees EOF nor EPIPE while open."""

    def __init__(self, pipe: Pipe, flags: int = ls.O_RDWR) -> None:
        PipeEnd.__init__(self, pipe, (flags & ~ls.O_ACCMODE) | ls.O_RDWR)
        pipe.readers += 1
        pipe.writers += 1

    def read(self, n: int) -> bytes | None:
        return PipeReadEnd.read(self, n)

    def write(self, data: bytes) -> int | None:
        return PipeWriteEnd.write(self, data)

    def poll_readable(self) -> bool:
        return PipeReadEnd.poll_readable(self)

    def poll_mask(self) -> int:
        # pipe_poll(): the read side's events and the write side's, as for FMODE_READ|WRITE.
        return PipeReadEnd.poll_mask(self) | PipeWriteEnd.poll_mask(self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.pipe.readers -= 1
            self.pipe.writers -= 1
            self.pipe.notify()


def make_pipe(flags: int = 0) -> tuple[PipeReadEnd, PipeWriteEnd]:
    """pipe2(): the two ends; ``flags`` may carry O_NONBLOCK (O_CLOEXEC is the fd table's)."""
    pipe = Pipe()
    status = flags & (ls.O_NONBLOCK | ls.O_DIRECT)
    return PipeReadEnd(pipe, status | ls.O_RDONLY), PipeWriteEnd(pipe, status | ls.O_WRONLY)
