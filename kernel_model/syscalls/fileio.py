"""Data syscalls on open descriptors: read/write, readv/writev, pread64/pwrite64,
preadv/pwritev, lseek, sendfile and the ppoll readiness wait, including sleeping
on a pipe that is not ready (and waking when it changes) and raising SIGPIPE on
a write to a pipe with no reader.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.files import OpenFile, Pipe
from kernel_model.process import HostFds, Thread, WaitReason
from kernel_model.syscalls import s32, s64, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

MAX_IO = 0x7FFF_F000
IOV_MAX = 1024


# --- data ---------------------------------------------------------------------------
def _watch_pipe(k: Kernel, pipe: Pipe) -> None:
    """Wake sleepers on a pipe whenever its state changes (once per pipe)."""
    if getattr(pipe, "_kernel_watch", False):
        return
    pipe._kernel_watch = True  # type: ignore[attr-defined]
    pipe.on_change.append(lambda: k.wake_where(lambda w: w.key is pipe, None))


def _would_block(k: Kernel, f: OpenFile, what: str) -> int:
    if f.flags & ls.O_NONBLOCK:
        return -errno.EAGAIN
    pipe = getattr(f, "pipe", None)
    if pipe is None:
        return -errno.EAGAIN
    _watch_pipe(k, pipe)
    k.block(WaitReason(what, key=pipe))
    return 0


def _epipe(k: Kernel, t: Thread) -> int:
    from kernel_model import signals as sig
    k.signals.send_thread(t, sig.SIGPIPE, sig.pack_siginfo(sig.SIGPIPE, sig.SI_USER,
                                                           pid=t.process.pid))
    return -errno.EPIPE


def do_read(k: Kernel, t: Thread, f: OpenFile, n: int) -> bytes | int:
    if not f.readable:
        return -errno.EBADF
    if f.kind == "dir":
        return -errno.EISDIR
    data = f.read(min(n, MAX_IO))
    if data is None:
        return _would_block(k, f, "pipe-read")
    return data


def do_write(k: Kernel, t: Thread, f: OpenFile, data: bytes) -> int:
    if not f.writable:
        return -errno.EBADF
    try:
        n = f.write(data)
    except KernelError as exc:
        if exc.errno == errno.EPIPE:
            return _epipe(k, t)
        raise
    if n is None:
        return _would_block(k, f, "pipe-write")
    return n


@syscall("read")
def sys_read(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if a[2] and a[1] == 0:
        return -errno.EFAULT
    data = do_read(k, t, f, a[2])
    if isinstance(data, int):
        return data
    k.uaccess.write(a[1], data)
    return len(data)


@syscall("write")
def sys_write(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    data = k.uaccess.read(a[1], min(a[2], MAX_IO))
    return do_write(k, t, f, data)


def _iovecs(k: Kernel, ptr: int, count: int) -> list[tuple[int, int]]:
    if count < 0 or count > IOV_MAX:
        raise KernelError(errno.EINVAL)
    return ls.unpack_iovec_array(k.uaccess.read(ptr, 16 * count), count)


@syscall("readv")
def sys_readv(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    iov = _iovecs(k, a[1], s32(a[2]))
    total = sum(n for _, n in iov)
    data = do_read(k, t, f, total)
    if isinstance(data, int):
        return data
    pos = 0
    for base, n in iov:
        if pos >= len(data):
            break
        chunk = data[pos:pos + n]
        k.uaccess.write(base, chunk)
        pos += len(chunk)
    return len(data)


@syscall("writev")
def sys_writev(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    data = b"".join(k.uaccess.read(base, n) for base, n in _iovecs(k, a[1], s32(a[2])))
    if not data:
        return 0
    return do_write(k, t, f, data)


@syscall("pread64")
def sys_pread64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if s64(a[3]) < 0:
        return -errno.EINVAL
    if not f.readable:
        return -errno.EBADF
    data = f.pread(min(a[2], MAX_IO), a[3])
    k.uaccess.write(a[1], data)
    return len(data)


@syscall("pwrite64")
def sys_pwrite64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if s64(a[3]) < 0:
        return -errno.EINVAL
    if not f.writable:
        return -errno.EBADF
    return f.pwrite(k.uaccess.read(a[1], min(a[2], MAX_IO)), a[3])


@syscall("preadv")
def sys_preadv(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    iov = _iovecs(k, a[1], s32(a[2]))
    data = f.pread(sum(n for _, n in iov), a[3])
    pos = 0
    for base, n in iov:
        chunk = data[pos:pos + n]
        if chunk:
            k.uaccess.write(base, chunk)
        pos += len(chunk)
    return len(data)


@syscall("pwritev")
def sys_pwritev(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    data = b"".join(k.uaccess.read(base, n) for base, n in _iovecs(k, a[1], s32(a[2])))
    return f.pwrite(data, a[3])


@syscall("lseek")
def sys_lseek(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.process.fds.get(s32(a[0])).lseek(s64(a[1]), s32(a[2]))


@syscall("sendfile")
def sys_sendfile(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    out_f = t.process.fds.get(s32(a[0]))
    in_f = t.process.fds.get(s32(a[1]))
    count = min(a[3], MAX_IO)
    if a[2]:
        off = k.uaccess.read_u64(a[2])
        data = in_f.pread(count, off)
        k.uaccess.write_u64(a[2], off + len(data))
    else:
        got = in_f.read(count)
        data = got if got is not None else b""
    return do_write(k, t, out_f, data) if data else 0


# --- readiness ------------------------------------------------------------------------
@syscall("ppoll")
def sys_ppoll(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    import struct
    fds_ptr, nfds, timeout = a[0], a[1], a[2]
    if nfds > 1024:
        return -errno.EINVAL
    raw = bytearray(k.uaccess.read(fds_ptr, 8 * nfds)) if nfds else bytearray()
    ready = 0
    pipes = []
    host_fds: list[int] = []     # a terminal: the run loop waits on the host fd when idle
    for i in range(nfds):
        fd, events, _rev = struct.unpack_from("<ihh", raw, 8 * i)
        revents = 0
        if fd >= 0:
            try:
                f = t.process.fds.get(fd)
                revents = f.poll_mask() & (events | ls.POLLERR | ls.POLLHUP)
                pipe = getattr(f, "pipe", None)
                if pipe is not None:
                    pipes.append(pipe)
                host_fd = getattr(f, "host_poll_fd", None)
                if host_fd is not None and events & ls.POLLIN:
                    host_fds.append(host_fd)
            except KernelError:
                revents = ls.POLLNVAL
        struct.pack_into("<h", raw, 8 * i + 6, revents)
        ready += bool(revents)
    if ready or (timeout and k.uaccess.read(timeout, 16) == bytes(16)):
        if nfds:
            k.uaccess.write(fds_ptr, bytes(raw))
        return ready
    deadline = None
    if timeout:
        sec, nsec = ls.unpack_timespec(k.uaccess.read(timeout, 16))
        deadline = k.clock.cycles + k.clock.cycles_for_ns(sec * 1_000_000_000 + nsec)
    for p in pipes:
        _watch_pipe(k, p)
    if host_fds:
        k.block(WaitReason("poll", key=HostFds(tuple(host_fds)), deadline=deadline,
                           timeout_result=0))
        return 0
    key = pipes[0] if len(pipes) == 1 else None
    if key is None and deadline is None:
        return -errno.EINVAL if not pipes else _poll_many(k, pipes)
    k.block(WaitReason("poll", key=key, deadline=deadline, timeout_result=0))
    return 0


def _poll_many(k: Kernel, pipes: list[Pipe]) -> int:
    marker = object()
    for p in pipes:
        p.on_change.append(lambda m=marker: k.wake_where(lambda w: w.key is m, None))
    k.block(WaitReason("poll", key=marker))
    return 0
