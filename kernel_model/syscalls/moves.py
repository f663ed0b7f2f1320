"""Moves between open files without a user buffer: sendfile(), splice() and tee(), and
fallocate()'s ranges of a regular file.  Imported at the first such call (most programs
make none: kernel_model.syscalls.LAZY_HOMES).
"""

from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import page_cache
from kernel_model.anonfile import AnonFile
from kernel_model.console_file import ConsoleFile
from kernel_model.errors import KernelError
from kernel_model.files import OpenFile
from kernel_model.process import Thread
from kernel_model.syscalls import s32, s64, syscall
from kernel_model.syscalls.fileio import MAX_IO, do_read, do_write, epipe, would_block

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel


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
        return would_block(k, out_f, "pipe-write")     # full: take nothing from the input
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
            return -errno.EAGAIN if nonblock or fin.flags & ls.O_NONBLOCK else would_block(
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
                    return epipe(k, t)
                raise
        if n is None:
            return -errno.EAGAIN if nonblock or fout.flags & ls.O_NONBLOCK else would_block(
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
            return epipe(k, t)
        free = pipe.free_slots() * PAGE         # (a buffer per page it links or copies)
        if free <= 0:
            return -errno.EAGAIN if nonblock or fout.flags & ls.O_NONBLOCK else would_block(
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
            return -errno.EAGAIN if nonblock or fin.flags & ls.O_NONBLOCK else would_block(
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
        return -errno.EAGAIN if nonblock else would_block(k, fin, "pipe-read")
    if dst.readers == 0:
        return epipe(k, t)
    if not dst.free_slots():
        return -errno.EAGAIN if nonblock else would_block(k, fout, "pipe-write")
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
