"""What every socket has: its domain and type, options, a local name, shutdown state
and a wait queue; the stream and datagram kinds build on it."""

from __future__ import annotations

import os
import struct
from errno import EINVAL, ENOPROTOOPT, ENOTCONN
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import err
from kernel_model.openfile import IoctlResult, OpenFile, inode_numbers
from kernel_model.sockets.addr import AF_INET, AF_INET6, AF_UNIX, InetAddr, UnixAddr
from kernel_model.waitq import WaitQueue

if TYPE_CHECKING:
    from kernel_model.sockets.network import Network

SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET = 1, 2, 3, 5
SOCK_NONBLOCK, SOCK_CLOEXEC = ls.O_NONBLOCK, ls.O_CLOEXEC
SOCK_TYPE_MASK = 0xF
IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6 = 0, 6, 17, 41
SOL_SOCKET = 1
SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_BROADCAST, SO_SNDBUF, SO_RCVBUF = 2, 3, 4, 6, 7, 8
SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER, SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED = 9, 10, 13, 15, 16, 17
SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO, SO_SNDTIMEO = 18, 19, 20, 21
SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN = 30, 38, 39
TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 1, 2, 4, 5, 6
IPV6_V6ONLY = 26
IP_TOS, IP_TTL = 1, 2
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
RCV_SHUTDOWN, SEND_SHUTDOWN = 1, 2
MSG_OOB, MSG_PEEK, MSG_CTRUNC, MSG_TRUNC, MSG_DONTWAIT = 0x1, 0x2, 0x8, 0x20, 0x40
MSG_EOR, MSG_WAITALL, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC = 0x80, 0x100, 0x4000, 0x40000000
POLLRDHUP = 0x2000
#: Default socket buffer (net.core.wmem_default / rmem_default).
SOCK_BUF = 212992
#: Device number of sockfs.
SOCKFS_DEV = os.makedev(0, 8)

#: Integer options a socket remembers and reports back (level, name) -> default.
_INT_OPTIONS: dict[tuple[int, int], int] = {
    (SOL_SOCKET, SO_REUSEADDR): 0, (SOL_SOCKET, SO_BROADCAST): 0, (SOL_SOCKET, SO_KEEPALIVE): 0,
    (SOL_SOCKET, SO_OOBINLINE): 0, (SOL_SOCKET, SO_REUSEPORT): 0, (SOL_SOCKET, SO_PASSCRED): 0,
    (SOL_SOCKET, SO_RCVLOWAT): 1, (SOL_SOCKET, SO_SNDLOWAT): 1,
    (IPPROTO_TCP, TCP_NODELAY): 0, (IPPROTO_TCP, TCP_MAXSEG): 536, (IPPROTO_TCP, TCP_KEEPIDLE): 7200,
    (IPPROTO_TCP, TCP_KEEPINTVL): 75, (IPPROTO_TCP, TCP_KEEPCNT): 9,
    (IPPROTO_IPV6, IPV6_V6ONLY): 0, (IPPROTO_IP, IP_TOS): 0, (IPPROTO_IP, IP_TTL): 64,
}

Addr = UnixAddr | InetAddr


class Socket(OpenFile):
    """A socket file description (S_IFSOCK on sockfs)."""

    kind = "sock"

    def __init__(self, net: Network, domain: int, type_: int, protocol: int, flags: int) -> None:
        super().__init__(ls.O_RDWR | (flags & ls.O_NONBLOCK))
        self.net = net
        self.domain = domain
        self.type = type_
        self.protocol = protocol
        self.local: Addr | None = None
        self.options: dict[tuple[int, int], int] = {}
        self.sndbuf = self.rcvbuf = SOCK_BUF
        self.linger = (0, 0)
        self.timeouts = {SO_RCVTIMEO: bytes(16), SO_SNDTIMEO: bytes(16)}
        self.shutdown_mask = 0          # RCV_SHUTDOWN | SEND_SHUTDOWN of this end
        self.error = 0                  # pending SO_ERROR
        self.queue = WaitQueue()
        self.ino = next(inode_numbers)
        self.closed = False

    # -- identity -------------------------------------------------------------------
    @property
    def is_inet(self) -> bool:
        return self.domain in (AF_INET, AF_INET6)

    @property
    def proto_name(self) -> str:
        """The port space: "tcp" or "udp" for inet sockets."""
        return "tcp" if self.type == SOCK_STREAM else "udp"

    @property
    def link_name(self) -> str:
        return f"socket:[{self.ino}]"

    def stat(self) -> ls.StatInfo:
        return ls.StatInfo(ls.S_IFSOCK | 0o777, self.ino, SOCKFS_DEV, st_blksize=4096)

    def wait_queue(self) -> WaitQueue:
        return self.queue

    def unnamed(self) -> Addr:
        """The name getsockname reports before bind."""
        if self.domain == AF_UNIX:
            return UnixAddr()
        from kernel_model.sockets.addr import any_addr
        return any_addr(self.domain)

    def peer_name(self) -> Addr:
        """getpeername: ENOTCONN unless connected."""
        raise err(ENOTCONN)

    def peer_cred(self) -> tuple[int, int, int]:
        """SO_PEERCRED: (pid, uid, gid) of the peer when connected; nobody otherwise."""
        return (0, 0xFFFF_FFFF, 0xFFFF_FFFF)

    # -- options ------------------------------------------------------------------------
    def getsockopt(self, level: int, name: int) -> bytes:
        """The option's bytes (an int for most; ENOPROTOOPT when unknown)."""
        if level == SOL_SOCKET:
            value = {SO_TYPE: self.type, SO_DOMAIN: self.domain, SO_PROTOCOL: self.protocol,
                     SO_SNDBUF: self.sndbuf, SO_RCVBUF: self.rcvbuf,
                     SO_ACCEPTCONN: int(getattr(self, "listening", False))}.get(name)
            if name == SO_ERROR:
                value, self.error = self.error, 0
            if name == SO_PEERCRED:
                return struct.pack("<iII", *self.peer_cred())
            if name == SO_LINGER:
                return struct.pack("<ii", *self.linger)
            if name in self.timeouts:
                return self.timeouts[name]
            if value is not None:
                return struct.pack("<i", value)
        if (level, name) in _INT_OPTIONS and self._option_applies(level):
            return struct.pack("<i", self.options.get((level, name), _INT_OPTIONS[(level, name)]))
        raise err(ENOPROTOOPT)

    def setsockopt(self, level: int, name: int, raw: bytes) -> None:
        if level == SOL_SOCKET and name in (SO_SNDBUF, SO_RCVBUF):
            if len(raw) < 4:
                raise err(EINVAL)
            # Linux doubles the request (bookkeeping overhead) and keeps a floor.
            size = max(struct.unpack_from("<i", raw)[0] * 2, 4608)
            if name == SO_SNDBUF:
                self.sndbuf = size
            else:
                self.rcvbuf = size
            return
        if level == SOL_SOCKET and name == SO_LINGER:
            if len(raw) < 8:
                raise err(EINVAL)
            self.linger = struct.unpack_from("<ii", raw)
            return
        if level == SOL_SOCKET and name in self.timeouts:
            if len(raw) < 16:
                raise err(EINVAL)
            self.timeouts[name] = raw[:16]
            return
        if (level, name) in _INT_OPTIONS and self._option_applies(level):
            if len(raw) < 4:
                raise err(EINVAL)
            self.options[(level, name)] = int(struct.unpack_from("<i", raw)[0] != 0) if name in (
                SO_REUSEADDR, SO_KEEPALIVE, SO_REUSEPORT, TCP_NODELAY, IPV6_V6ONLY, SO_BROADCAST,
                SO_PASSCRED, SO_OOBINLINE) else struct.unpack_from("<i", raw)[0]
            return
        raise err(ENOPROTOOPT)

    def _option_applies(self, level: int) -> bool:
        if level == SOL_SOCKET:
            return True
        if level == IPPROTO_TCP:
            return self.is_inet and self.type == SOCK_STREAM
        if level == IPPROTO_IPV6:
            return self.domain == AF_INET6
        if level == IPPROTO_IP:
            return self.is_inet
        return False

    def option(self, level: int, name: int) -> int:
        return self.options.get((level, name), _INT_OPTIONS.get((level, name), 0))

    # -- the file interface -------------------------------------------------------------
    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        if request == ls.FIONREAD:
            return IoctlResult(0, struct.pack("<i", self.readable_bytes()))
        return super().ioctl(request, arg)

    def readable_bytes(self) -> int:
        return 0

    def lseek(self, off: int, whence: int) -> int:
        from errno import ESPIPE
        raise err(ESPIPE)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.release()
            self.net.unbind(self)

    def release(self) -> None:
        """Drop connections and queued data (the last descriptor closed)."""
