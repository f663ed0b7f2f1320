"""Data syscalls on open descriptors: read/write, readv/writev, pread64/pwrite64,
preadv/pwritev (and preadv2/pwritev2), lseek and the ppoll readiness wait, including sleeping
on a pipe that is not ready (and waking when it changes) and raising SIGPIPE on
a write to a pipe with no reader.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.devfiles import FullFile
from kernel_model.errors import KernelError
from kernel_model.eventfd import EventFd
from kernel_model.files import OpenFile
from kernel_model.process import Thread, WaitReason
from kernel_model.signalfd import SIGNALFD_SIGINFO_SIZE, SignalFd
from kernel_model.syscalls import s32, s64, syscall
from kernel_model.syscalls.waits import (
    restore_sigmask,
    signal_pending,
    swap_sigmask,
    wait_deadline,
)
from kernel_model.waitq import Waitable, any_of, watch

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

MAX_IO = 0x7FFF_F000
#: How often a poll looks again at files that announce no changes (virtual time).
RECHECK_NS = 10_000_000
IOV_MAX = 1024


# --- data ---------------------------------------------------------------------------
def would_block(k: Kernel, f: OpenFile, what: str) -> int:
    """Sleep on the file's wait queue (EAGAIN for O_NONBLOCK or a file that never changes)."""
    if f.flags & ls.O_NONBLOCK:
        return -errno.EAGAIN
    q = f.wait_queue()
    if q is None:
        return -errno.EAGAIN
    watch(k, q)
    k.block(WaitReason(what, key=q))
    return 0


def epipe(k: Kernel, t: Thread) -> int:
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
        host_fd = getattr(f, "host_poll_fd", None)
        if host_fd is not None and not f.flags & ls.O_NONBLOCK:
            # The terminal's read was cut short by a host signal: wait (restartably) on
            # the host fd; the run loop delivers the signal before the thread runs again.
            k.block(WaitReason("read", host_fds=(host_fd,)))
        return would_block(k, f, "pipe-read")
    return data


def do_write(k: Kernel, t: Thread, f: OpenFile, data: bytes) -> int:
    if not f.writable:
        return -errno.EBADF
    try:
        n = f.write(data)
    except KernelError as exc:
        if exc.errno == errno.EPIPE:
            return epipe(k, t)
        raise
    if n is None:
        return would_block(k, f, "pipe-write")
    return n


@syscall("read")
def sys_read(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if a[2] and a[1] == 0:
        return -errno.EFAULT
    if isinstance(f, SignalFd) and f.readable and a[2] >= SIGNALFD_SIGINFO_SIZE:
        return _read_signalfd(k, t, f, a[1], a[2])
    data = do_read(k, t, f, a[2])
    if isinstance(data, int):
        return data
    k.uaccess.write(a[1], data)
    return len(data)


def _read_signalfd(k: Kernel, t: Thread, f: SignalFd, buf: int, count: int) -> int:
    """signalfd_read_iter(): dequeue one signal, copy its record, and again while room is
    left; a copy that faults ends the loop (that signal lost) -- "total ? total : ret"."""
    total = 0
    while total + SIGNALFD_SIGINFO_SIZE <= min(count, MAX_IO):
        record = do_read(k, t, f, SIGNALFD_SIGINFO_SIZE) if not total else \
            f.read(SIGNALFD_SIGINFO_SIZE)
        if isinstance(record, int):
            return record
        if not record:
            break
        try:
            k.uaccess.write(buf + total, record)
        except KernelError as exc:
            if exc.errno != errno.EFAULT or not total:
                raise
            break
        total += SIGNALFD_SIGINFO_SIZE
    return total


@syscall("write")
def sys_write(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    if f.writable and f.write_must_wait(min(a[2], MAX_IO)):
        return would_block(k, f, "pipe-write")
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
    iov = _iovecs(k, a[1], s32(a[2]))
    if f.writable and f.write_must_wait(min(sum(n for _, n in iov), MAX_IO)):
        return would_block(k, f, "pipe-write")
    data = b"".join(k.uaccess.read(base, n) for base, n in iov)
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
    # do_preadv() `if (pos < 0) return -EINVAL;` first (round 90b: a negative offset ended
    # the run with an OverflowError)
    if s64(a[3]) < 0:
        return -errno.EINVAL
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
    # do_pwritev() `if (pos < 0) return -EINVAL;` first (as sys_preadv)
    if s64(a[3]) < 0:
        return -errno.EINVAL
    f = t.process.fds.get(s32(a[0]))
    data = b"".join(k.uaccess.read(base, n) for base, n in _iovecs(k, a[1], s32(a[2])))
    return f.pwrite(data, a[3])


#: RWF_HIPRI, RWF_DSYNC, RWF_SYNC: a hint and syncs the model's files (always written
#: through) satisfy as they are; a write's RWF_APPEND is modelled below.  RWF_NOWAIT and
#: later flags are not: EOPNOTSUPP, as Linux answers for a file that does not support a flag.
RWF_MODELLED = 0x1 | 0x2 | 0x4
RWF_APPEND = 0x10
RWF_HIPRI = 0x1


def _no_write_iter(f: OpenFile) -> bool:
    """A file Linux writes through .write, not .write_iter: an eventfd (eventfd_fops),
    /dev/full (full_fops)."""
    return isinstance(f, (EventFd, FullFile))


@syscall("preadv2")
def sys_preadv2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """preadv with flags; offset -1 reads at (and moves) the file position, as readv."""
    if a[5] & ~RWF_MODELLED & 0xFFFFFFFF:
        return -errno.EOPNOTSUPP
    if s64(a[3]) == -1:
        return sys_readv(k, t, a)
    if s64(a[3]) < 0:
        return -errno.EINVAL
    return sys_preadv(k, t, a)


@syscall("pwritev2")
def sys_pwritev2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """pwritev with flags; offset -1 writes at (and moves) the file position, as writev.
    RWF_APPEND (kiocb_set_rw_flags(): IOCB_APPEND) starts a file's write at its end
    (generic_write_checks()), the file position then past it where offset is -1, left
    alone otherwise."""
    if a[5] & ~(RWF_MODELLED | RWF_APPEND) & 0xFFFFFFFF:
        return -errno.EOPNOTSUPP
    if s64(a[3]) < -1:
        return -errno.EINVAL
    f = t.process.fds.get(s32(a[0]))
    if s64(a[3]) == -1 and a[5] & ~RWF_HIPRI & 0xFFFFFFFF and _no_write_iter(f) and \
            f.writable and any(n for _, n in _iovecs(k, a[1], s32(a[2]))):
        return -errno.EOPNOTSUPP        # do_loop_readv_writev(): RWF_HIPRI only
    if a[5] & RWF_APPEND and getattr(f, "kind", "") == "file" and f.writable:
        end = f.stat().st_size
        done = sys_pwritev(k, t, (a[0], a[1], a[2], end, a[4], a[5]))
        if s64(a[3]) == -1 and done > 0:
            f.lseek(end + done, 0)       # do_writev(): f_pos = ki_pos, once it wrote
        return done
    if s64(a[3]) == -1:
        return sys_writev(k, t, a)
    return sys_pwritev(k, t, a)


@syscall("lseek")
def sys_lseek(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.process.fds.get(s32(a[0])).lseek(s64(a[1]), s32(a[2]))


# --- readiness ------------------------------------------------------------------------
@syscall("ppoll")
def sys_ppoll(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    fds_ptr, nfds, timeout = a[0], a[1], a[2]
    if nfds > t.process.fds.limit:
        return -errno.EINVAL
    timeout_ns = None
    if timeout:
        sec, nsec = ls.unpack_timespec(k.uaccess.read(timeout, 16))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            return -errno.EINVAL
        timeout_ns = sec * 1_000_000_000 + nsec
    if a[3] and a[4] != 8:
        # (set_user_sigmask(): `sigsetsize != sizeof(sigset_t)` -EINVAL)
        return -errno.EINVAL
    raw = bytearray(k.uaccess.read(fds_ptr, 8 * nfds)) if nfds else bytearray()
    ready = 0
    queues: list[Waitable] = []
    unwatched = False       # a file that announces no changes: look again later
    host_fds: list[int] = []     # a terminal: the run loop waits on the host fd when idle
    for i in range(nfds):
        fd, events, _rev = struct.unpack_from("<ihh", raw, 8 * i)
        revents = 0
        if fd >= 0:
            try:
                f = t.process.fds.get(fd)
                revents = f.poll_mask() & (events | ls.POLLERR | ls.POLLHUP)
                q = f.wait_queue()
                host_fd = getattr(f, "host_poll_fd", None)
                if q is None and host_fd is not None:
                    if events & ls.POLLIN:
                        host_fds.append(host_fd)
                elif q is None:
                    unwatched = True
                elif all(q is not other for other in queues):
                    queues.append(q)
            except KernelError:
                revents = ls.POLLNVAL
        struct.pack_into("<h", raw, 8 * i + 6, revents)
        ready += bool(revents)
    marker = t.rerun_wait.key if t.rerun_wait is not None and t.rerun_wait.what == "poll" else None
    deadline = wait_deadline(k, t, "poll", marker, timeout_ns)
    if ready or timeout_ns == 0 or (deadline is not None and deadline <= k.clock.cycles):
        if nfds:
            k.uaccess.write(fds_ptr, bytes(raw))    # (do_sys_poll() copies revents back always)
        if not ready:
            # set_user_sigmask() ran first (where a mask was given); do_poll() looks at signal_pending() before a
            # zero (or spent) timeout ends it: -ERESTARTNOHAND, -EINTR for a handler.
            swap_sigmask(k, t, a[3], a[4])
            if signal_pending(t):
                return -errno.EINTR
        restore_sigmask(t)
        return ready
    return wait_for_files(k, t, queues, unwatched, deadline, a[3], a[4], host_fds)


def wait_for_files(k: Kernel, t: Thread, queues: list[Waitable], unwatched: bool,
                   deadline: int | None, sigmask_ptr: int, sigmask_size: int,
                   host_fds: list[int] | tuple[int, ...] = ()) -> int:
    """Sleep (as "poll") until one of the files' queues changes, the deadline passes or a
    signal comes; the woken call re-runs.  Files that announce no changes (the console)
    are looked at again every RECHECK_NS of virtual time; ``host_fds`` (a terminal) let
    an idle run loop wait on the host instead of spinning."""
    swap_sigmask(k, t, sigmask_ptr, sigmask_size)
    if signal_pending(t):
        return -errno.EINTR
    wake_at = deadline
    if unwatched:
        recheck = k.clock.cycles + k.clock.cycles_for_ns(RECHECK_NS)
        wake_at = recheck if deadline is None else min(deadline, recheck)
    k.block(WaitReason("poll", key=any_of(k, queues), deadline=wake_at, timeout_result=None,
                       until=deadline, host_fds=tuple(host_fds)))
    return 0
