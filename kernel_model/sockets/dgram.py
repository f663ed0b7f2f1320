"""Datagram sockets: AF_UNIX SOCK_DGRAM and UDP over loopback.

Each receive takes one whole datagram (cut to the buffer, with MSG_TRUNC).
A Unix datagram queue holds at most ``UNIX_DGRAM_QLEN`` messages, after which
senders wait (as Linux's net.unix.max_dgram_qlen); UDP drops what does not fit.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.openfile import OpenFile
from kernel_model.sockets.addr import AF_UNIX
from kernel_model.sockets.base import MSG_PEEK, MSG_TRUNC, RCV_SHUTDOWN, SEND_SHUTDOWN, Addr, Socket
from kernel_model.sockets.stream import IN, OUT, Received, Segment

if TYPE_CHECKING:
    from kernel_model.sockets.network import Network

#: Linux's default net.unix.max_dgram_qlen.
UNIX_DGRAM_QLEN = 10


class DgramSocket(Socket):
    """A datagram socket; ``peer`` is the default destination set by connect()."""

    def __init__(self, net: Network, domain: int, type_: int, protocol: int, flags: int) -> None:
        super().__init__(net, domain, type_, protocol, flags)
        self.rx: deque[Segment] = deque()
        self.rx_bytes = 0
        self.peer_addr: Addr | None = None
        self.peer_sock: DgramSocket | None = None      # a socketpair's other end
        self.peer_target: DgramSocket | None = None    # what connect() named (Unix)
        self.cred = (0, 0, 0)

    def peer_name(self) -> Addr:
        from errno import ENOTCONN

        from kernel_model.errors import err
        if self.peer_sock is not None:
            return self.peer_sock.local if self.peer_sock.local is not None else self.peer_sock.unnamed()
        if self.peer_addr is None:
            raise err(ENOTCONN)
        return self.peer_addr

    def peer_cred(self) -> tuple[int, int, int]:
        return self.peer_sock.cred if self.peer_sock is not None else super().peer_cred()

    def full(self) -> bool:
        if self.domain == AF_UNIX:
            return len(self.rx) >= UNIX_DGRAM_QLEN
        return self.rx_bytes >= self.rcvbuf

    def deliver(self, data: bytes, fds: list[OpenFile], sender: Addr | None,
                cred: tuple[int, int, int]) -> bool:
        """Queue one datagram; False when the queue is full (nothing queued)."""
        if self.shutdown_mask & RCV_SHUTDOWN or self.closed:
            return True          # silently gone, as a datagram to a dead end is
        if self.full():
            return False
        for f in fds:
            f.incref()
        self.rx.append(Segment(bytes(data), list(fds), sender, cred))
        self.rx_bytes += len(data)
        self.queue.notify(IN)
        return True

    def recv(self, n: int, flags: int = 0) -> Received | None:
        if not self.rx:
            return Received(b"", [], None) if self.shutdown_mask & RCV_SHUTDOWN else None
        seg = self.rx[0]
        out = Received(seg.data[:n], list(seg.fds), seg.sender,
                       MSG_TRUNC if len(seg.data) > n else 0, len(seg.data), seg.cred)
        if not flags & MSG_PEEK:
            self.rx.popleft()
            self.rx_bytes -= len(seg.data)
            seg.fds = []
            self.queue.notify(OUT)
        else:
            for f in out.fds:
                f.incref()        # the caller's copy: the queued datagram keeps its own
        return out

    def readable_bytes(self) -> int:
        return len(self.rx[0].data) if self.rx else 0

    def shutdown(self, how_mask: int) -> None:
        self.shutdown_mask |= how_mask
        self.queue.notify()

    def read(self, n: int) -> bytes | None:
        got = self.recv(n)
        if got is None:
            return None
        for f in got.fds:
            f.decref()
        return got.data

    def write(self, data: bytes) -> int | None:
        return self.net.send_dgram(self, data, None, [])

    def poll_mask(self) -> int:
        mask = IN if self.rx else 0
        if self.shutdown_mask & RCV_SHUTDOWN:
            mask |= IN | 0x2000
        if not self.shutdown_mask & SEND_SHUTDOWN:
            target = self.peer_sock or self.peer_target
            if target is None or not target.full():
                mask |= OUT
        if self.shutdown_mask == (RCV_SHUTDOWN | SEND_SHUTDOWN):
            mask |= ls.POLLHUP
        return mask

    def release(self) -> None:
        for seg in self.rx:
            seg.drop_files()
        self.rx.clear()
        if self.peer_sock is not None:
            self.peer_sock.peer_sock = None
            self.peer_sock.queue.notify()
            self.peer_sock = None
