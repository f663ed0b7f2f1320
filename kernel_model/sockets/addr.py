"""Socket addresses: the guest's sockaddr_un/sockaddr_in/sockaddr_in6 bytes and our values."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from errno import EAFNOSUPPORT, EINVAL

from kernel_model.errors import err

AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6 = 0, 1, 2, 10
#: sizeof(struct sockaddr_un): the family and a 108-byte path.
SUN_PATH_MAX = 108
SOCKADDR_UN_SIZE = 2 + SUN_PATH_MAX
SOCKADDR_IN_SIZE = 16
SOCKADDR_IN6_SIZE = 28
V4_ANY = bytes(4)
V6_ANY = bytes(16)
V6_LOOPBACK = bytes(15) + b"\x01"
V4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"


@dataclass(frozen=True)
class UnixAddr:
    """An AF_UNIX name: b"" unnamed, b"\\0..." abstract, otherwise a file system path."""

    name: bytes = b""

    @property
    def abstract(self) -> bool:
        return self.name[:1] == b"\0"

    def pack(self) -> bytes:
        head = struct.pack("<H", AF_UNIX)
        if not self.name or self.abstract:
            return head + self.name
        return head + self.name + b"\0"

    def __str__(self) -> str:
        return "@" + self.name[1:].decode(errors="replace") if self.abstract else self.name.decode(
            errors="replace")


@dataclass(frozen=True)
class InetAddr:
    """An IPv4 (4-byte host) or IPv6 (16-byte host) address with its port."""

    family: int
    host: bytes
    port: int
    flowinfo: int = 0
    scope_id: int = 0

    def pack(self) -> bytes:
        if self.family == AF_INET:
            return struct.pack("<H", AF_INET) + struct.pack(">H", self.port) + self.host + bytes(8)
        return (struct.pack("<H", AF_INET6) + struct.pack(">HI", self.port, self.flowinfo)
                + self.host + struct.pack("<I", self.scope_id))

    @property
    def v4(self) -> bytes | None:
        """The IPv4 host this address reaches (an IPv4 address, or an IPv4-mapped IPv6 one)."""
        if self.family == AF_INET:
            return self.host
        if self.host.startswith(V4_MAPPED_PREFIX):
            return self.host[12:]
        return None

    @property
    def wildcard(self) -> bool:
        return self.host in (V4_ANY, V6_ANY)

    def with_port(self, port: int) -> InetAddr:
        return InetAddr(self.family, self.host, port, self.flowinfo, self.scope_id)

    def __str__(self) -> str:
        ip = ipaddress.ip_address(self.host)
        return f"{ip}:{self.port}" if self.family == AF_INET else f"[{ip}]:{self.port}"


def parse_unix(raw: bytes) -> UnixAddr:
    """A sockaddr_un of ``len(raw)`` bytes (EINVAL when too short, too long or not AF_UNIX)."""
    if len(raw) < 2 or len(raw) > SOCKADDR_UN_SIZE:
        raise err(EINVAL)
    if struct.unpack_from("<H", raw)[0] != AF_UNIX:
        raise err(EINVAL)
    path = raw[2:]
    if path[:1] == b"\0":
        return UnixAddr(path)           # abstract: every byte of the given length counts
    return UnixAddr(path.split(b"\0", 1)[0])


def parse_inet(raw: bytes, family: int) -> InetAddr:
    """A sockaddr_in/sockaddr_in6 for a socket of ``family``."""
    if len(raw) < 2:
        raise err(EINVAL)
    given = struct.unpack_from("<H", raw)[0]
    if family == AF_INET:
        if len(raw) < SOCKADDR_IN_SIZE:
            raise err(EINVAL)
        if given not in (AF_INET, AF_UNSPEC):
            raise err(EAFNOSUPPORT)
        return InetAddr(AF_INET, raw[4:8], struct.unpack_from(">H", raw, 2)[0])
    if len(raw) < 24:
        raise err(EINVAL)
    if given != AF_INET6:
        raise err(EAFNOSUPPORT if given != AF_UNSPEC else EINVAL)
    port, flow = struct.unpack_from(">HI", raw, 2)
    scope = struct.unpack_from("<I", raw, 24)[0] if len(raw) >= 28 else 0
    return InetAddr(AF_INET6, raw[8:24], port, flow, scope)


def is_loopback(addr: InetAddr) -> bool:
    """Whether the address names this (only) host: loopback or the wildcard."""
    v4 = addr.v4
    if v4 is not None:
        return v4[0] == 127 or v4 == V4_ANY
    return addr.host in (V6_LOOPBACK, V6_ANY)


def any_addr(family: int) -> InetAddr:
    return InetAddr(family, V4_ANY if family == AF_INET else V6_ANY, 0)


def loopback_for(addr: InetAddr) -> InetAddr:
    """Connecting to the wildcard reaches the loopback address (as on Linux)."""
    if addr.family == AF_INET and addr.host == V4_ANY:
        return InetAddr(AF_INET, b"\x7f\0\0\x01", addr.port)
    if addr.family == AF_INET6 and addr.host == V6_ANY:
        return InetAddr(AF_INET6, V6_LOOPBACK, addr.port)
    return addr
