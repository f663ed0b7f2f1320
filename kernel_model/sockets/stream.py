"""Connection sockets: AF_UNIX SOCK_STREAM/SOCK_SEQPACKET and TCP over loopback.

A connection is two sockets, each with the queue of segments its peer sent
it.  A segment keeps the descriptors passed with it (SCM_RIGHTS) so they
arrive with the first byte they were sent with; a stream read never reads
past a segment that carries descriptors (as Linux), a seqpacket read takes
exactly one segment.  Listening sockets hold connections made by connect()
until accept() takes them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from errno import ECONNRESET, EINVAL, EISCONN, EMSGSIZE, ENOTCONN, EPIPE
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import err
from kernel_model.openfile import OpenFile
from kernel_model.sockets.addr import AF_UNIX
from kernel_model.sockets.base import (
    MSG_PEEK,
    MSG_TRUNC,
    POLLRDHUP,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SO_PASSCRED,
    SOCK_SEQPACKET,
    SOL_SOCKET,
    Addr,
    Socket,
)

if TYPE_CHECKING:
    from kernel_model.sockets.network import Network

IN = ls.POLLIN | ls.POLLRDNORM
OUT = ls.POLLOUT | ls.POLLWRNORM


#: What SCM_CREDENTIALS reports for bytes sent with no credentials attached: pid 0 and
#: the overflow ids (scm_recv() of a NULL pid and INVALID_UID/GID, from_kuid_munged()).
NO_CREDS = (0, 65534, 65534)


@dataclass(eq=False)
class Segment:
    """Bytes sent in one call, the files passed with them and who sent them."""

    data: bytes
    fds: list[OpenFile] = field(default_factory=list)
    sender: Addr | None = None
    cred: tuple[int, int, int] = (0, 0, 0)

    def drop_files(self) -> None:
        for f in self.fds:
            f.decref()
        self.fds = []


@dataclass
class Received:
    """What one receive returns."""

    data: bytes
    fds: list[OpenFile]
    sender: Addr | None
    flags: int = 0          # MSG_TRUNC for a cut record
    size: int = -1          # the whole record's length (recv with MSG_TRUNC returns it)
    cred: tuple[int, int, int] | None = None    # (pid, uid, gid) of the bytes' writer

    @property
    def full_size(self) -> int:
        return self.size if self.size >= 0 else len(self.data)


class StreamSocket(Socket):
    """One end of a connection, or a listener."""

    def __init__(self, net: Network, domain: int, type_: int, protocol: int, flags: int) -> None:
        super().__init__(net, domain, type_, protocol, flags)
        self.peer: StreamSocket | None = None
        self.connected = False
        self.peer_gone = False
        self.reset = False
        self.listening = False
        self.backlog: deque[StreamSocket] = deque()
        self.backlog_max = 0
        self.rx: deque[Segment] = deque()
        self.rx_bytes = 0
        self.cred = (0, 0, 0)
        self.remote: Addr | None = None

    # -- connection state ------------------------------------------------------------------
    def listen(self, backlog: int) -> None:
        if self.connected:
            raise err(EINVAL)
        self.listening = True
        self.backlog_max = max(0, min(backlog, 4096))
        self.queue.notify()

    def backlog_full(self) -> bool:
        return len(self.backlog) > self.backlog_max

    def check_connectable(self) -> None:
        if self.connected:
            raise err(EISCONN)
        if self.listening:
            raise err(EINVAL)

    @staticmethod
    def pair(a: StreamSocket, b: StreamSocket) -> None:
        """Connect two fresh sockets to each other."""
        a.peer, b.peer = b, a
        a.connected = b.connected = True
        a.queue.notify(OUT)
        b.queue.notify(OUT)

    def enqueue_connection(self, client: StreamSocket, server: StreamSocket) -> None:
        """connect() reached this listener: ``server`` waits in the backlog for accept()."""
        StreamSocket.pair(client, server)
        self.backlog.append(server)
        self.queue.notify(IN)

    def accept(self) -> StreamSocket | None:
        if not self.listening:
            raise err(EINVAL)
        if not self.backlog:
            return None
        conn = self.backlog.popleft()
        if self.domain == AF_UNIX:
            # unix_accept() -> unix_sock_inherit_flags(): the listener's SO_PASSCRED
            # passes to the accepted socket (SO_PASSSEC is not modelled).
            if (SOL_SOCKET, SO_PASSCRED) in self.options:
                conn.options[(SOL_SOCKET, SO_PASSCRED)] = self.options[(SOL_SOCKET, SO_PASSCRED)]
        self.queue.notify(OUT)         # a connect() waiting for room may go on
        return conn

    def peer_name(self) -> Addr:
        if not self.connected or self.peer is None and self.remote is None:
            raise err(ENOTCONN)
        if self.remote is not None:
            return self.remote
        assert self.peer is not None
        return self.peer.local if self.peer.local is not None else self.peer.unnamed()

    def peer_cred(self) -> tuple[int, int, int]:
        if self.peer is not None:
            return self.peer.cred
        return super().peer_cred()

    # -- data ----------------------------------------------------------------------------
    def _not_connected(self) -> int:
        return ENOTCONN if self.domain == AF_UNIX else EPIPE

    def send(self, data: bytes, fds: list[OpenFile] | None = None) -> int | None:
        """Bytes queued at the peer; None when its buffer is full; EPIPE once it is gone."""
        if not self.connected:
            raise err(self._not_connected())
        peer = self.peer
        if self.shutdown_mask & SEND_SHUTDOWN or peer is None or self.peer_gone or (
                peer.shutdown_mask & RCV_SHUTDOWN):
            raise err(EPIPE)
        free = peer.rcvbuf - peer.rx_bytes
        if self.type == SOCK_SEQPACKET:
            if len(data) > peer.rcvbuf:
                raise err(EMSGSIZE)
            if len(data) > free:
                return None
            n = len(data)
        else:
            if free <= 0:
                return None
            n = min(free, len(data))
            if not n and not fds:
                return 0
        for f in fds or ():
            f.incref()
        # maybe_add_creds(): the sender's credentials ride along only while SO_PASSCRED
        # is set on either end; otherwise the skb has none (a NULL pid, invalid ids).
        cred = self.net.cred_of(self) if self.domain != AF_UNIX or self.passes_creds() \
            or peer.passes_creds() else NO_CREDS
        peer.rx.append(Segment(bytes(data[:n]), list(fds or ()), self.local, cred))
        peer.rx_bytes += n
        peer.queue.notify(IN)
        return n

    def at_eof(self) -> bool:
        return bool(self.shutdown_mask & RCV_SHUTDOWN) or self.peer_gone or (
            self.peer is not None and bool(self.peer.shutdown_mask & SEND_SHUTDOWN))

    def recv(self, n: int, flags: int = 0) -> Received | None:
        """Up to n bytes (one record for seqpacket); b"" at end of stream; None to wait."""
        if self.listening or not self.connected:
            raise err(EINVAL if self.domain == AF_UNIX else ENOTCONN)
        if self.reset:
            self.reset = False
            raise err(ECONNRESET)
        if not self.rx:
            return Received(b"", [], None) if self.at_eof() else None
        peek = bool(flags & MSG_PEEK)
        if self.type == SOCK_SEQPACKET:
            seg = self.rx[0]
            out = Received(seg.data[:n], list(seg.fds), seg.sender,
                           MSG_TRUNC if len(seg.data) > n else 0, len(seg.data), seg.cred)
            if not peek:
                self.rx.popleft()
                self.rx_bytes -= len(seg.data)
                seg.fds = []
        else:
            out = self._read_stream(n, peek)
        if peek:
            for f in out.fds:
                f.incref()        # the caller's copy: the queued segment keeps its own
        elif self.peer is not None:
            self.peer.queue.notify(OUT)
        return out

    def _read_stream(self, n: int, peek: bool) -> Received:
        chunks: list[bytes] = []
        fds: list[OpenFile] = []
        got = 0
        # While credentials pass, one read never glues bytes from different writers
        # (unix_stream_read_generic(): it stops where the next skb's pid or creds differ).
        creds = self.passes_creds()
        for i, seg in enumerate(list(self.rx)):
            if got >= n or (i and seg.fds):
                break                       # files arrive with the first byte they came with
            if not i:
                first = seg
            elif creds and seg.cred != first.cred:
                break
            take = seg.data[: n - got]
            chunks.append(take)
            got += len(take)
            if seg.fds:
                fds = list(seg.fds)
                if not peek:
                    seg.fds = []
            if not peek:
                if len(take) == len(seg.data):
                    self.rx.popleft()
                else:
                    seg.data = seg.data[len(take):]
                self.rx_bytes -= len(take)
            if fds:
                break
        return Received(b"".join(chunks), fds, None, cred=first.cred if chunks else None)

    def passes_creds(self) -> bool:
        """unix_may_passcred(): SO_PASSCRED on this (the reading) Unix socket.  (SO_PASSPIDFD
        is not modelled: setsockopt refuses it.)"""
        return self.domain == AF_UNIX and bool(self.option(SOL_SOCKET, SO_PASSCRED))

    def readable_bytes(self) -> int:
        if self.type == SOCK_SEQPACKET:
            return len(self.rx[0].data) if self.rx else 0
        return self.rx_bytes

    def shutdown(self, how_mask: int) -> None:
        if not self.connected and not self.listening:
            raise err(ENOTCONN)
        self.shutdown_mask |= how_mask
        self.queue.notify()
        if self.peer is not None:
            self.peer.queue.notify()

    # -- the file interface ------------------------------------------------------------------
    def read(self, n: int) -> bytes | None:
        got = self.recv(n)
        if got is None:
            return None
        for f in got.fds:
            f.decref()                    # read(2) cannot receive files: they are closed
        return got.data

    def write(self, data: bytes) -> int | None:
        return self.send(data)

    def write_must_wait(self, n: int) -> bool:
        peer = self.peer
        if (not self.connected or peer is None or self.peer_gone or n <= 0
                or self.shutdown_mask & SEND_SHUTDOWN or peer.shutdown_mask & RCV_SHUTDOWN):
            return False                  # the write fails or returns at once: let it
        free = peer.rcvbuf - peer.rx_bytes
        return (n > free) if self.type == SOCK_SEQPACKET and n <= peer.rcvbuf else free <= 0

    def poll_mask(self) -> int:
        if self.listening:
            return IN if self.backlog else 0
        if not self.connected:
            return ls.POLLHUP | (OUT if self.domain == AF_UNIX else 0)
        mask = 0
        if self.rx:
            mask |= IN
        if self.at_eof():
            mask |= IN | POLLRDHUP
        gone = self.peer_gone or self.peer is None
        if self.shutdown_mask == (RCV_SHUTDOWN | SEND_SHUTDOWN) or (gone and self.domain == AF_UNIX):
            mask |= ls.POLLHUP
        if not self.shutdown_mask & SEND_SHUTDOWN and (
                gone or self.peer is not None and self.peer.rcvbuf - self.peer.rx_bytes > 0):
            mask |= OUT
        return mask

    def release(self) -> None:
        for seg in self.rx:
            seg.drop_files()
        self.rx.clear()
        for pending in self.backlog:
            pending.decref_unaccepted()
        self.backlog.clear()
        peer = self.peer
        if peer is not None:
            peer.peer_gone = True
            peer.queue.notify()
            self.peer = None

    def decref_unaccepted(self) -> None:
        """A connection nobody accepted goes with its listener: the client sees a reset."""
        if self.peer is not None and self.domain != AF_UNIX:
            self.peer.reset = True
        self.close()
