"""Socket syscalls: socket, socketpair, bind, listen, accept(4), connect, the name and
option calls and shutdown (moving data is in netio).  The objects live in
kernel_model.sockets.
"""

from __future__ import annotations

import errno
import os
import stat as st_
import struct
from typing import TYPE_CHECKING

from kernel_model.errors import KernelError
from kernel_model.files import OpenFile
from kernel_model.process import Thread
from kernel_model.sockets.addr import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    AF_UNSPEC,
    InetAddr,
    UnixAddr,
    parse_inet,
    parse_unix,
)
from kernel_model.sockets.base import (
    IPPROTO_TCP,
    IPPROTO_UDP,
    MSG_DONTWAIT,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUT_RD,
    SHUT_RDWR,
    SHUT_WR,
    SO_RCVTIMEO,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_RAW,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    Socket,
)
from kernel_model.sockets.dgram import DgramSocket
from kernel_model.sockets.stream import StreamSocket
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.waits import wait_deadline
from kernel_model.waitq import Waitable, sleep_on

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

IPPROTO_ICMP, IPPROTO_ICMPV6 = 1, 58


# --- helpers ---------------------------------------------------------------------------------
def sock_of(t: Thread, fd: int) -> Socket:
    f = t.process.fds.get(fd)
    if not isinstance(f, Socket):
        raise KernelError(errno.ENOTSOCK)
    return f


def _install(t: Thread, f: OpenFile, cloexec: bool) -> int:
    try:
        return t.process.fds.install(f, cloexec=cloexec)
    except KernelError:
        f.decref()
        raise


def _new_socket(k: Kernel, t: Thread, domain: int, type_: int, protocol: int) -> Socket:
    """A socket object, or the errno Linux gives for this domain/type/protocol."""
    flags = type_ & (SOCK_NONBLOCK | SOCK_CLOEXEC)
    base = type_ & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
    if base & ~0xF or base == 0:
        raise KernelError(errno.EINVAL)
    if domain == AF_UNIX:
        if base == SOCK_RAW:
            base = SOCK_DGRAM           # as Linux: a raw Unix socket is a datagram one
        if base not in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
            raise KernelError(errno.ESOCKTNOSUPPORT)
        if protocol not in (0, AF_UNIX):
            raise KernelError(errno.EPROTONOSUPPORT)
        protocol = 0
    elif domain in (AF_INET, AF_INET6):
        if base == SOCK_STREAM and protocol in (0, IPPROTO_TCP):
            protocol = IPPROTO_TCP
        elif base == SOCK_DGRAM and protocol in (0, IPPROTO_UDP):
            protocol = IPPROTO_UDP
        elif base == SOCK_DGRAM and protocol in (IPPROTO_ICMP, IPPROTO_ICMPV6):
            raise KernelError(errno.EACCES)   # ping sockets: not in net.ipv4.ping_group_range
        elif base == SOCK_RAW:
            raise KernelError(errno.EPERM)    # raw sockets need CAP_NET_RAW
        elif base in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
            raise KernelError(errno.EPROTONOSUPPORT)
        else:
            raise KernelError(errno.ESOCKTNOSUPPORT)
    else:
        raise KernelError(errno.EAFNOSUPPORT)
    cls = StreamSocket if base in (SOCK_STREAM, SOCK_SEQPACKET) else DgramSocket
    sock = cls(k.net, domain, base, protocol, flags)
    sock.cred = (t.process.pid, t.cred.euid, t.cred.egid)   # init_peercred(): effective ids
    return sock


def read_addr(k: Kernel, ptr: int, length: int) -> bytes:
    if length > 128 or s32(length) < 0:
        raise KernelError(errno.EINVAL)
    return k.uaccess.read(ptr, length) if length else b""


def put_addr(k: Kernel, addr_ptr: int, len_ptr: int, packed: bytes) -> None:
    """Copy a name out, cut to the caller's buffer, and store its full length."""
    if not addr_ptr or not len_ptr:
        return
    room = s32(k.uaccess.read_u32(len_ptr))
    if room < 0:
        raise KernelError(errno.EINVAL)
    if room:
        k.uaccess.write(addr_ptr, packed[:room])
    k.uaccess.write_u32(len_ptr, len(packed))


def wait_socket(k: Kernel, sock: Socket, flags: int, q: Waitable, what: str,
          timeout_opt: int = 0) -> int:
    """Nothing can be done now: EAGAIN for a non-blocking call, else sleep until q changes
    (at most SO_RCVTIMEO/SO_SNDTIMEO, named by ``timeout_opt``, after which EAGAIN)."""
    if sock.flags & SOCK_NONBLOCK or flags & MSG_DONTWAIT:
        return -errno.EAGAIN
    t = k.current
    assert t is not None
    timeout_ns = None
    if timeout_opt:
        sec, usec = struct.unpack("<qq", sock.timeouts[timeout_opt])
        if sec > 0 or usec > 0:
            timeout_ns = sec * 1_000_000_000 + usec * 1000
    deadline = wait_deadline(k, t, what, q, timeout_ns)
    if deadline is not None and deadline <= k.clock.cycles:
        return -errno.EAGAIN
    sleep_on(k, q, what, deadline)
    return 0


def unix_target(k: Kernel, t: Thread, addr: UnixAddr) -> Socket:
    """The socket a Unix name leads to (ENOENT without the file, ECONNREFUSED without a socket)."""
    if not addr.name:
        raise KernelError(errno.EINVAL)
    if addr.abstract:
        found = k.net.find_abstract(addr.name)
    else:
        info = k.rootfs.stat(t.process.cwd, addr.name)
        if not st_.S_ISSOCK(info.st_mode):
            raise KernelError(errno.ECONNREFUSED)
        found = k.net.find_path((info.st_dev, info.st_ino))
    if found is None:
        raise KernelError(errno.ECONNREFUSED)
    return found


def parse_addr(sock: Socket, raw: bytes) -> UnixAddr | InetAddr:
    return parse_unix(raw) if sock.domain == AF_UNIX else parse_inet(raw, sock.domain)


# --- creating ---------------------------------------------------------------------------------
@syscall("socket")
def sys_socket(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    type_ = s32(a[1])
    sock = _new_socket(k, t, s32(a[0]), type_, s32(a[2]))
    return _install(t, sock, bool(type_ & SOCK_CLOEXEC))


@syscall("socketpair")
def sys_socketpair(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    domain, type_ = s32(a[0]), s32(a[1])
    if domain in (AF_INET, AF_INET6):
        _new_socket(k, t, domain, type_, s32(a[2]))
        return -errno.EOPNOTSUPP
    one = _new_socket(k, t, domain, type_, s32(a[2]))
    two = _new_socket(k, t, domain, type_, s32(a[2]))
    if isinstance(one, StreamSocket) and isinstance(two, StreamSocket):
        StreamSocket.pair(one, two)
    elif isinstance(one, DgramSocket) and isinstance(two, DgramSocket):
        one.peer_sock, two.peer_sock = two, one
    cloexec = bool(type_ & SOCK_CLOEXEC)
    fd1 = _install(t, one, cloexec)
    try:
        fd2 = _install(t, two, cloexec)
    except KernelError:
        t.process.fds.close(fd1)
        raise
    try:
        k.uaccess.write(a[3], struct.pack("<ii", fd1, fd2))
    except KernelError:
        t.process.fds.close(fd1)
        t.process.fds.close(fd2)
        raise
    return 0


# --- names ------------------------------------------------------------------------------------
@syscall("bind")
def sys_bind(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    addr = parse_addr(sock, read_addr(k, a[1], a[2]))
    if sock.local is not None:
        return -errno.EINVAL
    if isinstance(addr, InetAddr):
        k.net.bind_inet(sock, addr)
        return 0
    if not addr.name:
        k.net.autobind_unix(sock)
    elif addr.abstract:
        k.net.bind_abstract(sock, addr)
    else:
        pl = k.rootfs.resolve_parent(t.process.cwd, addr.name)
        if pl.kind != "norm" or pl.lstat() is not None:
            return -errno.EADDRINUSE
        try:
            os.mknod(pl.host, st_.S_IFSOCK | (0o777 & ~t.process.umask))
            info = os.lstat(pl.host)
        except OSError as exc:
            return -(exc.errno or errno.EIO)
        k.net.bind_path(sock, addr, (info.st_dev, info.st_ino))
    return 0


@syscall("getsockname")
def sys_getsockname(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    local = sock.local if sock.local is not None else sock.unnamed()
    put_addr(k, a[1], a[2], local.pack())
    return 0


@syscall("getpeername")
def sys_getpeername(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    put_addr(k, a[1], a[2], sock.peer_name().pack())
    return 0


# --- connections ------------------------------------------------------------------------------
@syscall("listen")
def sys_listen(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    if not isinstance(sock, StreamSocket):
        return -errno.EOPNOTSUPP
    if sock.local is None:
        if sock.domain == AF_UNIX:
            return -errno.EINVAL
        k.net.autobind_inet(sock)
    backlog = s32(a[1])
    sock.cred = (t.process.pid, t.cred.euid, t.cred.egid)   # init_peercred(): effective ids
    sock.listen(4096 if backlog < 0 else backlog)
    return 0


def _accept(k: Kernel, t: Thread, a, flags: int) -> int:  # noqa: ANN001
    if flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC):
        return -errno.EINVAL
    sock = sock_of(t, s32(a[0]))
    if not isinstance(sock, StreamSocket):
        return -errno.EOPNOTSUPP
    conn = sock.accept()
    if conn is None:
        return wait_socket(k, sock, 0, sock.queue, "accept", SO_RCVTIMEO)
    conn.flags = (conn.flags & ~SOCK_NONBLOCK) | (flags & SOCK_NONBLOCK)
    fd = _install(t, conn, bool(flags & SOCK_CLOEXEC))
    if a[1]:
        put_addr(k, a[1], a[2], conn.peer_name().pack())
    return fd


@syscall("accept")
def sys_accept(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _accept(k, t, a, 0)


@syscall("accept4")
def sys_accept4(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _accept(k, t, a, s32(a[3]))


@syscall("connect")
def sys_connect(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    raw = read_addr(k, a[1], a[2])
    if isinstance(sock, DgramSocket):
        return _connect_dgram(k, t, sock, raw)
    assert isinstance(sock, StreamSocket)
    sock.check_connectable()
    addr = parse_addr(sock, raw)
    if isinstance(addr, UnixAddr):
        listener = unix_target(k, t, addr)
        if not isinstance(listener, StreamSocket) or listener.type != sock.type:
            return -errno.EPROTOTYPE if not isinstance(listener, StreamSocket) else -errno.ECONNREFUSED
        if not listener.listening:
            return -errno.ECONNREFUSED
    else:
        dest = k.net.route(addr)
        found = k.net.find_inet("tcp", dest, listening=True)
        if not isinstance(found, StreamSocket):
            return -errno.ECONNREFUSED
        listener = found
    if listener.backlog_full():
        return wait_socket(k, sock, 0, listener.queue, "connect")
    server = StreamSocket(k.net, listener.domain, listener.type, listener.protocol, 0)
    server.cred = listener.cred
    if isinstance(addr, InetAddr):
        k.net.autobind_inet(sock)
        sock.local = k.net.source_for(sock, dest)
        assert isinstance(sock.local, InetAddr)
        server.local = _as_family(dest, listener.domain)
        server.remote = _as_family(sock.local, listener.domain)
        sock.remote = _as_family(dest, sock.domain)
    else:
        server.local = listener.local
    listener.enqueue_connection(sock, server)
    return 0


def _as_family(addr: InetAddr, family: int) -> InetAddr:
    """The same endpoint as a socket of ``family`` names it (IPv4-mapped for IPv6)."""
    if addr.family == family:
        return addr
    if family == AF_INET6:
        return InetAddr(AF_INET6, bytes(10) + b"\xff\xff" + addr.host, addr.port)
    v4 = addr.v4
    return InetAddr(AF_INET, v4 if v4 is not None else bytes(4), addr.port)


def _connect_dgram(k: Kernel, t: Thread, sock: DgramSocket, raw: bytes) -> int:
    if len(raw) >= 2 and struct.unpack_from("<H", raw)[0] == AF_UNSPEC:
        sock.peer_addr = None           # dissolve the association
        sock.peer_target = None
        return 0
    addr = parse_addr(sock, raw)
    if isinstance(addr, UnixAddr):
        target = unix_target(k, t, addr)
        if not isinstance(target, DgramSocket):
            return -errno.EPROTOTYPE
        sock.peer_target = target
        sock.peer_addr = target.local
        return 0
    dest = k.net.route(addr)
    k.net.autobind_inet(sock)
    sock.local = k.net.source_for(sock, dest)
    sock.peer_addr = _as_family(dest, sock.domain)
    return 0


@syscall("shutdown")
def sys_shutdown(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    how = s32(a[1])
    masks = {SHUT_RD: RCV_SHUTDOWN, SHUT_WR: SEND_SHUTDOWN, SHUT_RDWR: RCV_SHUTDOWN | SEND_SHUTDOWN}
    if how not in masks:
        return -errno.EINVAL
    if isinstance(sock, (StreamSocket, DgramSocket)):
        sock.shutdown(masks[how])
    return 0


# --- options ----------------------------------------------------------------------------------
@syscall("setsockopt")
def sys_setsockopt(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    size = s32(a[4])
    if size < 0:
        return -errno.EINVAL
    sock.setsockopt(s32(a[1]), s32(a[2]), k.uaccess.read(a[3], min(size, 256)) if size else b"")
    return 0


@syscall("getsockopt")
def sys_getsockopt(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    room = s32(k.uaccess.read_u32(a[4]))
    if room < 0:
        return -errno.EINVAL
    value = sock.getsockopt(s32(a[1]), s32(a[2]))
    value = value[:room]
    if value:
        k.uaccess.write(a[3], value)
    k.uaccess.write_u32(a[4], len(value))
    return 0
