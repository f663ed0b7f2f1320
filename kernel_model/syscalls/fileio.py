"""Data syscalls on open descriptors: read/write, readv/writev, pread64/pwrite64,
preadv/pwritev, lseek, sendfile and the ppoll readiness wait, including sleeping
on a pipe that is not ready (and waking when it changes) and raising SIGPIPE on
a write to a pipe with no reader.
"""

from __future__ import annotations

import ctypes
import errno
import struct
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import page_cache
from kernel_model.anonfile import AnonFile
from kernel_model.console_file import ConsoleFile
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
def _would_block(k: Kernel, f: OpenFile, what: str) -> int:
    """Sleep on the file's wait queue (EAGAIN for O_NONBLOCK or a file that never changes)."""
    if f.flags & ls.O_NONBLOCK:
        return -errno.EAGAIN
    q = f.wait_queue()
    if q is None:
        return -errno.EAGAIN
    watch(k, q)
    k.block(WaitReason(what, key=q))
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
        host_fd = getattr(f, "host_poll_fd", None)
        if host_fd is not None and not f.flags & ls.O_NONBLOCK:
            # The terminal's read was cut short by a host signal: wait (restartably) on
            # the host fd; the run loop delivers the signal before the thread runs again.
            k.block(WaitReason("read", host_fds=(host_fd,)))
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
        return _would_block(k, f, "pipe-write")
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
        return _would_block(k, f, "pipe-write")
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


@syscall("sendfile")
def sys_sendfile(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    from kernel_model.pipe_file import PipeWriteEnd
    in_f = t.process.fds.get(s32(a[1]))
    count = min(a[3], MAX_IO)
    if not in_f.readable:
        return -errno.EBADF
    if a[2]:
        # do_sendfile(): a position needs FMODE_PREAD (ESPIPE), rw_verify_area() refuses a
        # negative one (EINVAL), both before the output is looked at
        if _offset_of(in_f) is None:
            return -errno.ESPIPE
        if s64(k.uaccess.read_u64(a[2])) < 0:
            return -errno.EINVAL
    out_f = t.process.fds.get(s32(a[0]))
    if not out_f.writable:
        return -errno.EBADF
    if not isinstance(out_f, PipeWriteEnd) and out_f.flags & ls.O_APPEND:
        return -errno.EINVAL        # (do_splice_direct_actor(): an appending output)
    if out_f.write_must_wait(count):
        return _would_block(k, out_f, "pipe-write")     # full: take nothing from the input
    if isinstance(in_f, AnonFile):
        # do_splice_read(): no splice_read (eventfd_fops ...) -- after a count of 0's 0
        return -errno.EINVAL if count else 0
    if a[2]:
        off = k.uaccess.read_u64(a[2])
        data = in_f.pread(count, off)
    else:
        if in_f.kind == "pipe" or (isinstance(in_f, ConsoleFile) and not in_f.isatty()):
            # A pipe has no splice_read on Linux (nor has the redirected stream the console
            # then stands for, a FIFO): sendfile refuses it and programs fall back to read.
            return -errno.EINVAL
        off = _offset_of(in_f)
        if off is None:                     # an unseekable input: what is read is taken
            got = do_read(k, t, in_f, count)
            if isinstance(got, int):
                return got      # an error, or 0 while the thread sleeps until data comes
            if got and isinstance(out_f, AnonFile):
                return -errno.EINVAL    # (do_splice_from(): no splice_write)
            return do_write(k, t, out_f, got) if got else 0
        data = in_f.pread(count, off)
    if data and isinstance(out_f, AnonFile):
        return -errno.EINVAL        # (do_splice_from(): no splice_write, nothing sent)
    sent = do_write(k, t, out_f, data) if data else 0
    # Linux moves the input offset by the bytes the output took (a pipe takes at most its
    # room), never by what was read: the rest is sent by the next call.
    if sent > 0:
        if a[2]:
            k.uaccess.write_u64(a[2], off + sent)
        else:
            in_f.lseek(off + sent, 0)
    return sent


def _offset_of(f: OpenFile) -> int | None:
    """The file's offset, or None for a file with none (a socket, a device stream)."""
    try:
        return f.lseek(0, 1)
    except KernelError:
        return None


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


# --- splice ---------------------------------------------------------------------------------
SPLICE_F_NONBLOCK = 2


@syscall("splice")
def sys_splice(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Move bytes between a pipe and another file without a user buffer (one side a pipe)."""
    from kernel_model.pipe_file import PAGE, PipeReadEnd, PipeWriteEnd
    if not a[4]:
        return 0                    # (sys_splice(): a zero length, before anything else)
    fin, fout = t.process.fds.get(s32(a[0])), t.process.fds.get(s32(a[2]))
    off_in, off_out, count, flags = a[1], a[3], min(a[4], MAX_IO), s32(a[5])
    if flags & ~0xF:
        return -errno.EINVAL        # (do_splice(): flags past SPLICE_F_ALL)
    if not fin.readable or not fout.writable:
        return -errno.EBADF
    if isinstance(fin, PipeReadEnd) and isinstance(fout, PipeWriteEnd) and \
            fin.pipe is fout.pipe:
        return -errno.EINVAL        # (splice_pipe_to_pipe(): a pipe into itself)
    nonblock = bool(flags & SPLICE_F_NONBLOCK)
    if isinstance(fin, PipeReadEnd):
        if off_in:
            return -errno.ESPIPE
        if not isinstance(fout, PipeWriteEnd):
            error = _splice_file_end(k, fout, off_out, out=True)
            if error:
                return error
            if isinstance(fout, AnonFile):
                return -errno.EINVAL    # (do_splice_from(): no splice_write)
        pipe = fin.pipe
        if not pipe.nbytes:
            if pipe.writers == 0:
                return 0
            return -errno.EAGAIN if nonblock or fin.flags & ls.O_NONBLOCK else _would_block(
                k, fin, "pipe-read")
        data = pipe.peek(count)
        if off_out:
            off = k.uaccess.read_u64(off_out)
            n: int | None = fout.pwrite(data, off)
            k.uaccess.write_u64(off_out, off + (n or 0))
        else:
            try:
                n = fout.write(data)
            except KernelError as exc:
                if exc.errno == errno.EPIPE:
                    return _epipe(k, t)
                raise
        if n is None:
            return -errno.EAGAIN if nonblock or fout.flags & ls.O_NONBLOCK else _would_block(
                k, fout, "pipe-write")
        pipe.consume(n)
        pipe.notify(ls.POLLOUT | ls.POLLWRNORM)
        return n
    if isinstance(fout, PipeWriteEnd):
        if off_out:
            return -errno.ESPIPE
        error = _splice_file_end(k, fin, off_in, out=False)
        if error:
            return error
        pipe = fout.pipe
        if pipe.readers == 0:
            return _epipe(k, t)
        free = pipe.free_slots() * PAGE         # (a buffer per page it links or copies)
        if free <= 0:
            return -errno.EAGAIN if nonblock or fout.flags & ls.O_NONBLOCK else _would_block(
                k, fout, "pipe-write")
        if isinstance(fin, AnonFile):
            return -errno.EINVAL        # (do_splice_read(): no splice_read)
        if off_in:
            off = k.uaccess.read_u64(off_in)
            got: bytes | None = fin.pread(min(count, free), off)
            k.uaccess.write_u64(off_in, off + len(got or b""))
        else:
            got = fin.read(min(count, free))
        if got is None:
            return -errno.EAGAIN if nonblock or fin.flags & ls.O_NONBLOCK else _would_block(
                k, fin, "pipe-read")
        if got:
            pipe.append(got)
            pipe.notify(ls.POLLIN | ls.POLLRDNORM)
        return len(got)
    return -errno.EINVAL


def _splice_file_end(k: Kernel, f: OpenFile, at: int, out: bool) -> int:
    """do_splice()'s checks of the end that is no pipe: an offset only where the file has
    a position (FMODE_PWRITE/FMODE_PREAD, else EINVAL), no O_APPEND output (EINVAL), no
    negative offset (rw_verify_area(): EINVAL); 0 where it passes."""
    if at:
        off = s64(k.uaccess.read_u64(at))       # (__do_splice() copied it in: EFAULT first)
        if _offset_of(f) is None:
            return -errno.EINVAL
    if out and f.flags & ls.O_APPEND:
        return -errno.EINVAL
    if at and off < 0:
        return -errno.EINVAL
    return 0


@syscall("tee")
def sys_tee(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Duplicate up to len bytes of one pipe into another without consuming them
    (link_pipe(): the out pipe gets references to the in pipe's buffers, packet flags
    kept, none of them mergeable; it stops where the out pipe is full)."""
    from kernel_model.pipe_file import PipeReadEnd, PipeWriteEnd
    count, flags = min(a[2], MAX_IO), a[3] & 0xFFFF_FFFF
    if flags & ~0xF:
        return -errno.EINVAL        # (sys_tee(): flags past SPLICE_F_ALL, before the length)
    if not count:
        return 0
    fin, fout = t.process.fds.get(s32(a[0])), t.process.fds.get(s32(a[1]))
    if not fin.readable or not fout.writable:
        return -errno.EBADF         # (do_tee(): FMODE_READ in, FMODE_WRITE out)
    if not isinstance(fin, PipeReadEnd) or not isinstance(fout, PipeWriteEnd) or \
            fin.pipe is fout.pipe:
        return -errno.EINVAL
    nonblock = bool(flags & SPLICE_F_NONBLOCK)
    src, dst = fin.pipe, fout.pipe
    if not src.nbytes:
        if src.writers == 0:
            return 0
        return -errno.EAGAIN if nonblock else _would_block(k, fin, "pipe-read")
    if dst.readers == 0:
        return _epipe(k, t)
    if not dst.free_slots():
        return -errno.EAGAIN if nonblock else _would_block(k, fout, "pipe-write")
    n = src.link_into(dst, count)
    dst.notify(ls.POLLIN | ls.POLLRDNORM)
    return n


# --- fallocate ------------------------------------------------------------------------------
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE = 0x01, 0x02, 0x10
_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]


def _host_fallocate(fd: int, mode: int, off: int, length: int) -> int:
    """fallocate(2) on a host descriptor (0, or -1 with errno set)."""
    ctypes.set_errno(0)
    return int(_LIBC.fallocate(fd, mode, off, length))


@syscall("fallocate")
def sys_fallocate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Reserve (mode 0, KEEP_SIZE), zero (ZERO_RANGE) or punch out (PUNCH_HOLE|KEEP_SIZE) a
    range of a regular file; a punched or zeroed range reads back as zeros."""
    import os

    from kernel_model.files import HostFile
    f = t.process.fds.get(s32(a[0]))
    mode, off, length = s32(a[1]), s64(a[2]), s64(a[3])
    if off < 0 or length <= 0:
        return -errno.EINVAL
    if not f.writable:
        return -errno.EBADF
    if f.kind == "pipe":
        return -errno.ESPIPE
    if not isinstance(f, HostFile) or f.kind != "file":
        return -errno.ENODEV
    size = f.stat().st_size
    try:
        # The file's mapped pages keep their stores, and see the zeros (page_cache.py).
        page_cache.before_write(f.fd, off, length)
        if getattr(f, "memfd_pages", None) is not None:
            # A memfd is a host memfd: shmem_fallocate() answers for it -- real holes
            # (which lseek's SEEK_DATA and SEEK_HOLE then find), EOPNOTSUPP for the modes
            # shmem lacks (ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE).
            if _host_fallocate(f.fd, mode, off, length) != 0:
                return -(ctypes.get_errno() or errno.EIO)
        elif mode in (0, FALLOC_FL_KEEP_SIZE):
            os.posix_fallocate(f.fd, off, length)
            if mode == FALLOC_FL_KEEP_SIZE and os.fstat(f.fd).st_size != size:
                os.ftruncate(f.fd, size)
        elif mode in (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE,
                      FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE):
            end = off + length if mode & FALLOC_FL_KEEP_SIZE == 0 else min(off + length, size)
            pos = off
            while pos < end:
                chunk = min(end - pos, 1 << 20)
                os.pwrite(f.fd, bytes(chunk), pos)
                pos += chunk
        else:
            return -errno.EOPNOTSUPP
        page_cache.after_write(f.fd, off, length)
    except OSError as exc:
        return -(exc.errno or errno.EIO)
    return 0
