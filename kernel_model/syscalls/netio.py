"""Moving data through sockets: sendto/recvfrom, sendmsg/recvmsg (with SCM_RIGHTS
descriptor passing) and sendmmsg/recvmmsg."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model.errors import KernelError
from kernel_model.files import OpenFile
from kernel_model.process import Thread
from kernel_model.sockets.addr import AF_UNIX, InetAddr, UnixAddr
from kernel_model.sockets.base import (
    MSG_CMSG_CLOEXEC,
    MSG_CTRUNC,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    MSG_TRUNC,
    SO_PASSCRED,
    SO_RCVTIMEO,
    SO_SNDTIMEO,
    Socket,
)
from kernel_model.sockets.dgram import DgramSocket
from kernel_model.sockets.stream import Received, StreamSocket
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.net import (
    parse_addr,
    put_addr,
    read_addr,
    sock_of,
    unix_target,
    wait_socket,
)
from kernel_model.waitq import Waitable

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

SOL_SOCKET = 1
SCM_RIGHTS = 1
SCM_CREDENTIALS = 2
SCM_MAX_FD = 253
MSGHDR_SIZE = 56
CMSG_HDR = 16
IOV_MAX = 1024
MAX_IO = 0x7FFF_F000


def _align8(n: int) -> int:
    return (n + 7) & ~7


# --- data -------------------------------------------------------------------------------------
def _send(k: Kernel, t: Thread, sock: Socket, data: bytes, flags: int,
          dest_raw: bytes | None, fds: list[OpenFile]) -> int:
    try:
        if isinstance(sock, StreamSocket):
            n = sock.send(data, fds)
            q: Waitable = sock.queue
        else:
            assert isinstance(sock, DgramSocket)
            dest: Socket | InetAddr | None = None
            if dest_raw:
                addr = parse_addr(sock, dest_raw)
                dest = unix_target(k, t, addr) if isinstance(addr, UnixAddr) else addr
            if sock.domain == AF_UNIX and not fds and (dest or sock.peer_sock or sock.peer_target) is None:
                return -errno.ENOTCONN
            n = k.net.send_dgram(sock, data, dest, fds)
            target = dest if isinstance(dest, Socket) else (sock.peer_sock or sock.peer_target)
            q = target.queue if isinstance(target, Socket) else sock.queue
    except KernelError as exc:
        if exc.errno == errno.EPIPE and not flags & MSG_NOSIGNAL:
            from kernel_model.syscalls.fileio import epipe
            return epipe(k, t)
        raise
    if n is None:
        return wait_socket(k, sock, flags, q, "send", SO_SNDTIMEO)
    return n


def _recv(k: Kernel, t: Thread, sock: Socket, n: int, flags: int) -> Received | int:
    if not isinstance(sock, (StreamSocket, DgramSocket)):
        return -errno.EOPNOTSUPP
    got = sock.recv(n, flags)
    if got is None:
        return wait_socket(k, sock, flags, sock.queue, "recv", SO_RCVTIMEO)
    return got


@syscall("sendto")
def sys_sendto(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    data = k.uaccess.read(a[1], min(a[2], MAX_IO)) if a[2] else b""
    dest = read_addr(k, a[4], a[5]) if a[4] else None
    return _send(k, t, sock, data, s32(a[3]), dest, [])


@syscall("recvfrom")
def sys_recvfrom(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    sock = sock_of(t, s32(a[0]))
    flags = s32(a[3])
    got = _recv(k, t, sock, min(a[2], MAX_IO), flags)
    if isinstance(got, int):
        return got
    for f in got.fds:
        f.decref()
    if got.data:
        k.uaccess.write(a[1], got.data)
    if a[4] and got.sender is not None:
        put_addr(k, a[4], a[5], got.sender.pack())
    elif a[4] and a[5]:
        k.uaccess.write_u32(a[5], 0)
    return got.full_size if flags & MSG_TRUNC else len(got.data)


def _msghdr(k: Kernel, ptr: int) -> tuple[int, int, list[tuple[int, int]], int, int]:
    """(name, namelen, iovecs, control, controllen) of a struct msghdr."""
    name, namelen, iov, iovlen, control, controllen, _flags = struct.unpack(
        "<QI4xQQQQi4x", k.uaccess.read(ptr, MSGHDR_SIZE))
    if iovlen > IOV_MAX:
        raise KernelError(errno.EMSGSIZE)
    raw = k.uaccess.read(iov, 16 * iovlen) if iovlen else b""
    iovecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(iovlen)]
    return name, namelen, iovecs, control, controllen


def _rights(k: Kernel, t: Thread, control: int, length: int) -> list[OpenFile]:
    """The files an SCM_RIGHTS message names (EBADF for a closed fd, EINVAL for junk)."""
    files: list[OpenFile] = []
    if not control or length < CMSG_HDR:
        return files
    raw = k.uaccess.read(control, min(length, 1 << 16))
    pos = 0
    while pos + CMSG_HDR <= len(raw):
        clen, level, type_ = struct.unpack_from("<Qii", raw, pos)
        if clen < CMSG_HDR or pos + clen > len(raw):
            raise KernelError(errno.EINVAL)
        # (__scm_send(): a SOL_SOCKET type but SCM_RIGHTS or SCM_CREDENTIALS, `default:
        # goto error` -EINVAL)
        if level == SOL_SOCKET and type_ not in (SCM_RIGHTS, SCM_CREDENTIALS):
            raise KernelError(errno.EINVAL)
        # (case SCM_CREDENTIALS: `cmsg_len != CMSG_LEN(sizeof(struct ucred))` -EINVAL)
        if level == SOL_SOCKET and type_ == SCM_CREDENTIALS and clen != CMSG_HDR + 12:
            raise KernelError(errno.EINVAL)
        if level == SOL_SOCKET and type_ == SCM_RIGHTS:
            count = (clen - CMSG_HDR) // 4
            if count > SCM_MAX_FD:
                raise KernelError(errno.EINVAL)
            for i in range(count):
                fd = struct.unpack_from("<i", raw, pos + CMSG_HDR + 4 * i)[0]
                files.append(t.process.fds.get(fd))
        pos += _align8(clen)
    return files


@syscall("sendmsg")
def sys_sendmsg(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _sendmsg(k, t, sock_of(t, s32(a[0])), a[1], s32(a[2]))


def _sendmsg(k: Kernel, t: Thread, sock: Socket, msg: int, flags: int) -> int:
    name, namelen, iovecs, control, controllen = _msghdr(k, msg)
    data = b"".join(k.uaccess.read(base, n) for base, n in iovecs if n)
    fds = _rights(k, t, control, controllen)
    if fds and sock.domain != AF_UNIX:
        return -errno.EINVAL
    dest = read_addr(k, name, namelen) if name and namelen else None
    return _send(k, t, sock, data, flags, dest, fds)


@syscall("recvmsg")
def sys_recvmsg(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _recvmsg(k, t, sock_of(t, s32(a[0])), a[1], s32(a[2]))


def _recvmsg(k: Kernel, t: Thread, sock: Socket, msg: int, flags: int) -> int:
    name, namelen, iovecs, control, controllen = _msghdr(k, msg)
    got = _recv(k, t, sock, min(sum(n for _, n in iovecs), MAX_IO), flags)
    if isinstance(got, int):
        return got
    pos = 0
    for base, n in iovecs:
        chunk = got.data[pos:pos + n]
        if chunk:
            k.uaccess.write(base, chunk)
        pos += len(chunk)
    out_flags = got.flags
    if name:
        packed = got.sender.pack() if got.sender is not None else b""
        if isinstance(sock, StreamSocket) and sock.domain != AF_UNIX:
            packed = b""
        if packed:
            k.uaccess.write(name, packed[:namelen])
        k.uaccess.write_u32(msg + 8, len(packed))
    used = 0
    if got.cred is not None and isinstance(sock, (StreamSocket, DgramSocket)) \
            and sock.domain == AF_UNIX and sock.option(SOL_SOCKET, SO_PASSCRED):
        # scm_recv(): the writer's struct ucred comes first, then any SCM_RIGHTS.
        body = struct.pack("<iII", *got.cred)
        if controllen >= CMSG_HDR + len(body):
            k.uaccess.write(control, struct.pack("<Qii", CMSG_HDR + len(body), SOL_SOCKET,
                                                 SCM_CREDENTIALS) + body)
            used = min(_align8(CMSG_HDR + len(body)), controllen)
        else:
            out_flags |= MSG_CTRUNC
    control, controllen = control + used, controllen - used
    if got.fds:
        room = (controllen - CMSG_HDR) // 4 if controllen >= CMSG_HDR else 0
        keep, lost = got.fds[:max(room, 0)], got.fds[max(room, 0):]
        fds = [t.process.fds.install(f, cloexec=bool(flags & MSG_CMSG_CLOEXEC)) for f in keep]
        for f in got.fds:
            f.decref()                 # the queue's references: installed ones hold their own
        if lost:
            out_flags |= MSG_CTRUNC
        if fds:
            body = struct.pack(f"<{len(fds)}i", *fds)
            k.uaccess.write(control, struct.pack("<Qii", CMSG_HDR + len(body), SOL_SOCKET,
                                                 SCM_RIGHTS) + body)
            used += min(_align8(CMSG_HDR + len(body)), controllen)
    k.uaccess.write(msg + 40, struct.pack("<Q", used))
    k.uaccess.write(msg + 48, struct.pack("<i", out_flags))
    return got.full_size if flags & MSG_TRUNC else len(got.data)


# --- several messages at once -----------------------------------------------------------------
MMSGHDR_SIZE = 64            # struct mmsghdr: a msghdr and the u32 msg_len (padded)
UIO_MAXIOV = 1024
MSG_WAITFORONE = 0x10000


@syscall("sendmmsg")
def sys_sendmmsg(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Send up to vlen messages; stops at the first that cannot go (returning how many went)."""
    sock = sock_of(t, s32(a[0]))
    vec, vlen, flags = a[1], min(a[2] & 0xFFFF_FFFF, UIO_MAXIOV), s32(a[3])
    sent = 0
    for i in range(vlen):
        ptr = vec + MMSGHDR_SIZE * i
        n = _sendmsg(k, t, sock, ptr, flags | (MSG_DONTWAIT if sent else 0))
        if n < 0:
            return n if not sent else sent
        k.uaccess.write_u32(ptr + 56, n)
        sent += 1
    return sent


@syscall("recvmmsg")
def sys_recvmmsg(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Receive up to vlen messages: the first may wait, the rest are taken only if already
    queued (as with MSG_WAITFORONE; without it Linux would also wait for the others)."""
    sock = sock_of(t, s32(a[0]))
    vec, vlen, flags = a[1], min(a[2] & 0xFFFF_FFFF, UIO_MAXIOV), s32(a[3])
    got = 0
    for i in range(vlen):
        ptr = vec + MMSGHDR_SIZE * i
        extra = MSG_DONTWAIT if got else 0
        n = _recvmsg(k, t, sock, ptr, (flags & ~MSG_WAITFORONE) | extra)
        if n < 0:
            return n if not got else got
        k.uaccess.write_u32(ptr + 56, n)
        got += 1
    return got
