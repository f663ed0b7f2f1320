"""The guest's network namespace: Unix socket names and a loopback IP network.

Unix names are file system sockets (found by the inode bind created) or
abstract names.  The IP side has one interface, lo, with 127.0.0.0/8 and ::1:
a TCP and a UDP port space shared by IPv4 and IPv6 (a dual-stack IPv6 socket
bound to :: also takes IPv4 traffic), ephemeral ports handed out in order from
32768 (deterministic), and the errors Linux gives for an address in use, a
port nobody listens on, or a destination off this host.
"""

from __future__ import annotations

from collections.abc import Callable
from errno import (
    EADDRINUSE,
    EADDRNOTAVAIL,
    ECONNREFUSED,
    EDESTADDRREQ,
    EINVAL,
    ENETUNREACH,
    ENOTCONN,
)

from kernel_model.errors import err
from kernel_model.openfile import OpenFile
from kernel_model.sockets.addr import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    V4_ANY,
    V4_MAPPED_PREFIX,
    V6_ANY,
    InetAddr,
    UnixAddr,
    any_addr,
    is_loopback,
    loopback_for,
)
from kernel_model.sockets.base import IPPROTO_IPV6, IPV6_V6ONLY, SO_REUSEADDR, SOL_SOCKET, Socket

EPHEMERAL_FIRST, EPHEMERAL_LAST = 32768, 60999

InodeKey = tuple[int, int]


class Network:
    """Who is bound where."""

    def __init__(self) -> None:
        self.unix_paths: dict[InodeKey, Socket] = {}
        self.unix_abstract: dict[bytes, Socket] = {}
        self.ports: dict[str, dict[int, list[Socket]]] = {"tcp": {}, "udp": {}}
        self._next_port = {"tcp": EPHEMERAL_FIRST, "udp": EPHEMERAL_FIRST}
        self._next_autobind = 0
        self._inode_of: dict[int, InodeKey] = {}
        #: The calling process's (pid, uid, gid), or None outside a call (set by the kernel).
        self.sender_cred: Callable[[], tuple[int, int, int] | None] = lambda: None

    def cred_of(self, sock: Socket) -> tuple[int, int, int]:
        """The credentials a message `sock` sends now carries: its sender's."""
        cred = self.sender_cred()
        return cred if cred is not None else sock.cred

    # -- Unix names --------------------------------------------------------------------------
    def bind_abstract(self, sock: Socket, addr: UnixAddr) -> None:
        if addr.name in self.unix_abstract:
            raise err(EADDRINUSE)
        self.unix_abstract[addr.name] = sock
        sock.local = addr

    def autobind_unix(self, sock: Socket) -> None:
        """An unnamed socket that must have a name gets an abstract one: five hex digits."""
        while True:
            name = b"\0" + f"{self._next_autobind:05x}".encode()
            self._next_autobind = (self._next_autobind + 1) & 0xFFFFF
            if name not in self.unix_abstract:
                self.bind_abstract(sock, UnixAddr(name))
                return

    def bind_path(self, sock: Socket, addr: UnixAddr, inode: InodeKey) -> None:
        """The socket file at ``addr`` (just created, with this inode) now names ``sock``."""
        self.unix_paths[inode] = sock
        self._inode_of[id(sock)] = inode
        sock.local = addr

    def find_path(self, inode: InodeKey) -> Socket | None:
        s = self.unix_paths.get(inode)
        return None if s is None or s.closed else s

    def find_abstract(self, name: bytes) -> Socket | None:
        return self.unix_abstract.get(name)

    # -- IP ports --------------------------------------------------------------------------------
    @staticmethod
    def _v6only(sock: Socket) -> bool:
        return sock.domain == AF_INET6 and bool(sock.option(IPPROTO_IPV6, IPV6_V6ONLY))

    @classmethod
    def _overlap(cls, a: Socket, b: Socket) -> bool:
        """Whether two bound inet sockets claim a common address on their port."""
        la, lb = a.local, b.local
        assert isinstance(la, InetAddr) and isinstance(lb, InetAddr)

        def v4_view(s: Socket, addr: InetAddr) -> set[bytes] | None:
            """IPv4 hosts the socket takes: None for all of them."""
            if addr.family == AF_INET:
                return None if addr.host == V4_ANY else {addr.host}
            if addr.host == V6_ANY:
                return set() if cls._v6only(s) else None
            v4 = addr.v4
            return {v4} if v4 is not None else set()

        def v6_view(addr: InetAddr) -> set[bytes] | None:
            if addr.family == AF_INET or addr.v4 is not None:
                return set()
            return None if addr.host == V6_ANY else {addr.host}

        for va, vb in ((v4_view(a, la), v4_view(b, lb)), (v6_view(la), v6_view(lb))):
            if va is None and vb is None:
                return True
            if va is None and vb or vb is None and va or va and vb and va & vb:
                return True
        return False

    def bind_inet(self, sock: Socket, addr: InetAddr) -> None:
        if not is_loopback(addr):
            raise err(EADDRNOTAVAIL)
        table = self.ports[sock.proto_name]
        sock.local = addr
        if addr.port == 0:
            sock.local = addr.with_port(self._ephemeral(sock))
        else:
            for other in table.get(addr.port, []):
                if self._overlap(sock, other) and not self._may_share(sock, other):
                    sock.local = None
                    raise err(EADDRINUSE)
        table.setdefault(sock.local.port, []).append(sock)   # type: ignore[union-attr]

    @staticmethod
    def _may_share(a: Socket, b: Socket) -> bool:
        """SO_REUSEADDR on both lets a port be shared unless one of them listens (TCP)."""
        if not (a.option(SOL_SOCKET, SO_REUSEADDR) and b.option(SOL_SOCKET, SO_REUSEADDR)):
            return False
        return a.proto_name == "udp" or not (getattr(a, "listening", False)
                                             or getattr(b, "listening", False))

    def _ephemeral(self, sock: Socket) -> int:
        table = self.ports[sock.proto_name]
        span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1
        for _ in range(span):
            port = self._next_port[sock.proto_name]
            self._next_port[sock.proto_name] = EPHEMERAL_FIRST + (port + 1 - EPHEMERAL_FIRST) % span
            if port not in table:
                return port
        raise err(EADDRNOTAVAIL)

    def autobind_inet(self, sock: Socket) -> None:
        if sock.local is None:
            self.bind_inet(sock, any_addr(sock.domain))

    def find_inet(self, proto: str, dest: InetAddr, *, listening: bool) -> Socket | None:
        """The socket that takes traffic for ``dest``: an exact address before a wildcard."""
        best: Socket | None = None
        for s in self.ports[proto].get(dest.port, []):
            if s.closed or (listening and not getattr(s, "listening", False)):
                continue
            local = s.local
            assert isinstance(local, InetAddr)
            dv4 = dest.v4
            if dv4 is not None:
                if local.family == AF_INET6 and self._v6only(s) and local.v4 is None:
                    continue
                lv4 = local.v4 if local.host != V6_ANY else V4_ANY
                if lv4 is None:
                    continue
                if lv4 == dv4:
                    return s
                if lv4 == V4_ANY and best is None:
                    best = s
            else:
                if local.family != AF_INET6 or local.v4 is not None:
                    continue
                if local.host == dest.host:
                    return s
                if local.host == V6_ANY and best is None:
                    best = s
        return best

    def route(self, dest: InetAddr) -> InetAddr:
        """A destination on this host (the wildcard means loopback); ENETUNREACH otherwise."""
        if not is_loopback(dest):
            raise err(ENETUNREACH)
        return loopback_for(dest)

    def source_for(self, sock: Socket, dest: InetAddr) -> InetAddr:
        """The concrete local address of a connection to ``dest`` (the wildcard gets the
        address traffic to ``dest`` leaves from: the destination itself on loopback)."""
        local = sock.local
        assert isinstance(local, InetAddr)
        if not local.wildcard:
            return local
        if sock.domain == AF_INET6 and dest.family == AF_INET:
            return InetAddr(AF_INET6, V4_MAPPED_PREFIX + dest.host, local.port)
        return InetAddr(local.family, dest.host, local.port)

    # -- datagrams ---------------------------------------------------------------------------------
    def send_dgram(self, sock: Socket, data: bytes, dest: Socket | InetAddr | None,
                   fds: list[OpenFile]) -> int | None:
        """Send one datagram from a DgramSocket; None when the receiver's queue is full."""
        from kernel_model.sockets.dgram import DgramSocket
        assert isinstance(sock, DgramSocket)
        from errno import EPIPE
        if sock.shutdown_mask & 2:
            raise err(EPIPE)
        if sock.domain == AF_UNIX:
            target = dest if isinstance(dest, Socket) else (sock.peer_sock or sock.peer_target)
            if target is None:
                raise err(ENOTCONN)
            if not isinstance(target, DgramSocket) or target.closed:
                raise err(ECONNREFUSED)
            return len(data) if target.deliver(data, fds, sock.local, self.cred_of(sock)) else None
        if fds:
            raise err(EINVAL)
        to = dest if isinstance(dest, InetAddr) else sock.peer_addr
        if to is None:
            raise err(EDESTADDRREQ)
        assert isinstance(to, InetAddr)
        to = self.route(to)
        self.autobind_inet(sock)
        target = self.find_inet("udp", to, listening=False)
        if isinstance(target, DgramSocket) and (target.peer_addr is None or self._same(
                target.peer_addr, self.source_for(sock, to))):
            target.deliver(data, [], self.source_for(sock, to), sock.cred)
        return len(data)      # UDP: what nobody takes is lost

    @staticmethod
    def _same(a: InetAddr, b: InetAddr) -> bool:
        return a.port == b.port and (a.v4 or a.host) == (b.v4 or b.host)

    # -- leaving ---------------------------------------------------------------------------------
    def unbind(self, sock: Socket) -> None:
        """A closed socket gives up its name or port."""
        local = sock.local
        if isinstance(local, UnixAddr):
            if local.abstract and self.unix_abstract.get(local.name) is sock:
                del self.unix_abstract[local.name]
            key = self._inode_of.pop(id(sock), None)
            if key is not None and self.unix_paths.get(key) is sock:
                del self.unix_paths[key]
        elif isinstance(local, InetAddr):
            users = self.ports[sock.proto_name].get(local.port, [])
            if sock in users:
                users.remove(sock)
                if not users:
                    del self.ports[sock.proto_name][local.port]
