"""Descriptor-table syscalls: close/close_range, dup/dup3, pipe2, fcntl (duplication,
FD_CLOEXEC, status flags, record locks, pipe sizes), ioctl (FIOCLEX/FIONCLEX,
and terminal or FIONBIO requests handed to the open file) and flock; they act on
a process's descriptors and their flags, not on file contents.
"""

from __future__ import annotations

import errno
import fcntl as host_fcntl
import os
import struct
from typing import TYPE_CHECKING

from abi.descriptors import CLOSE_RANGE_UNSHARE
from kernel_model import linux_structs as ls
from kernel_model.anonfile import AnonFile
from kernel_model.credentials import CAP_LINUX_IMMUTABLE
from kernel_model.errors import KernelError
from kernel_model.files import make_pipe
from kernel_model.openfile import HostFile
from kernel_model.process import Thread
from kernel_model.record_locks import fcntl_lock, flock
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.unshare import files_shared

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel


# --- close ------------------------------------------------------------------------
@syscall("close")
def sys_close(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.close(s32(a[0]))
    return 0


@syscall("close_range")
def sys_close_range(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    first, last, flags = a[0] & 0xFFFF_FFFF, a[1] & 0xFFFF_FFFF, a[2]
    if first > last or flags & ~0x6:
        return -errno.EINVAL
    if flags & CLOSE_RANGE_UNSHARE and files_shared(k, t.process):
        # __close_range() -> unshare_fd(CLONE_FILES): the caller closes in a copy of its
        # own, the other processes of a CLONE_FILES table keep theirs (dup_fd())
        t.process.fds = t.process.fds.fork()
    t.process.fds.close_range(first, last, cloexec_only=bool(flags & 0x4))
    return 0


# --- descriptors ----------------------------------------------------------------------
@syscall("dup")
def sys_dup(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.process.fds.dup(s32(a[0]))


@syscall("dup3")
def sys_dup3(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = s32(a[2])
    if flags & ~ls.O_CLOEXEC:
        return -errno.EINVAL
    return t.process.fds.dup3(s32(a[0]), s32(a[1]), bool(flags & ls.O_CLOEXEC))


@syscall("pipe2")
def sys_pipe2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    flags = s32(a[1])
    if flags & ~(ls.O_CLOEXEC | ls.O_NONBLOCK | ls.O_DIRECT):
        return -errno.EINVAL
    r, w = make_pipe(flags & (ls.O_NONBLOCK | ls.O_DIRECT))
    fds = t.process.fds
    cloexec = bool(flags & ls.O_CLOEXEC)
    rfd = fds.install(r, cloexec=cloexec)
    try:
        wfd = fds.install(w, cloexec=cloexec)
    except KernelError:
        fds.close(rfd)
        w.decref()
        raise
    try:
        k.uaccess.write(a[0], rfd.to_bytes(4, "little") + wfd.to_bytes(4, "little"))
    except KernelError:
        fds.close(rfd)
        fds.close(wfd)
        raise
    return 0


@syscall("fcntl")
def sys_fcntl(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    fd, cmd, arg = s32(a[0]), s32(a[1]), a[2]
    fds = t.process.fds
    f = fds.get(fd)
    if cmd in (ls.F_DUPFD, ls.F_DUPFD_CLOEXEC):
        return fds.dup(fd, lowest=s32(arg), cloexec=cmd == ls.F_DUPFD_CLOEXEC)
    if cmd == ls.F_GETFD:
        return ls.FD_CLOEXEC if fds.get_cloexec(fd) else 0
    if cmd == ls.F_SETFD:
        fds.set_cloexec(fd, bool(arg & ls.FD_CLOEXEC))
        return 0
    if cmd == ls.F_GETFL:
        return f.flags
    if cmd == ls.F_SETFL:
        if arg & ls.O_DIRECT and isinstance(f, AnonFile):
            # setfl(): `(arg & O_DIRECT) && !(filp->f_mode & FMODE_CAN_ODIRECT)` -EINVAL --
            # an anon inode's (eventfd, timerfd, signalfd, epoll, pidfd) open never sets it
            return -errno.EINVAL
        f.set_status_flags(s32(arg))
        return 0
    if cmd in (ls.F_GETLK, ls.F_OFD_GETLK, ls.F_SETLK, ls.F_SETLKW, ls.F_OFD_SETLK,
               ls.F_OFD_SETLKW):
        return fcntl_lock(k, t, f, cmd, arg)
    if cmd == ls.F_GETPIPE_SZ:
        pipe = getattr(f, "pipe", None)
        return pipe.capacity if pipe is not None else -errno.EBADF
    if cmd == ls.F_SETPIPE_SZ:
        pipe = getattr(f, "pipe", None)
        if pipe is None:
            return -errno.EBADF
        # round_pipe_size: a power-of-two number of pages, at most pipe-max-size (1 MiB).
        size = max(4096, min(arg & 0xFFFF_FFFF, 1 << 20))
        capacity = 1 << (size - 1).bit_length()
        if capacity // 4096 < len(pipe.bufs):
            return -errno.EBUSY             # pipe_resize_ring(): fewer slots than in use
        pipe.capacity = capacity
        return pipe.capacity
    if cmd in (ls.F_ADD_SEALS, ls.F_GET_SEALS):
        # Only a memfd has seals (shmem); its host memfd keeps and enforces them.
        if getattr(f, "memfd_pages", None) is None:
            return -errno.EINVAL
        try:
            return host_fcntl.fcntl(f.fd, cmd, arg & 0xFFFF_FFFF if cmd == ls.F_ADD_SEALS else 0)
        except OSError as exc:
            return -(exc.errno or errno.EINVAL)
    if cmd in (ls.F_GETOWN, ls.F_SETOWN, ls.F_GETSIG, ls.F_SETSIG):
        return 0
    return -errno.EINVAL


def _figetbsz(k: Kernel, f, arg: int) -> int:  # noqa: ANN001
    """do_vfs_ioctl()'s FIGETBSZ, for any file: put_user(inode->i_sb->s_blocksize, (int
    __user *)arg).  A host file's is its file system's (statfs()'s f_bsize is
    s_blocksize); the model's own files (pipes, sockets, devices, anonymous inodes) are on
    pseudo file systems of PAGE_SIZE blocks."""
    if f.flags & ls.O_PATH:
        return -errno.EBADF                 # (fdget() takes no FMODE_PATH file)
    size = 4096
    if isinstance(f, HostFile) and f.kind in ("file", "dir"):
        try:
            size = os.fstatvfs(f.fd).f_bsize
        except OSError as exc:
            return -(exc.errno or errno.EINVAL)
    k.uaccess.write_u32(arg, size)
    return 0


#: FS_APPEND_FL | FS_IMMUTABLE_FL: the flags only CAP_LINUX_IMMUTABLE changes
_APPEND_IMMUTABLE = 0x20 | 0x10


def _setflags(k: Kernel, t: Thread, f, arg: int) -> int:  # noqa: ANN001
    """ioctl_setflags() (fs/ioctl.c; fs/file_attr.c from 6.17): get_user() of an int
    (-EFAULT), then vfs_fileattr_set(): no ->fileattr_set (a pipe, a socket, an anonymous
    inode: -ENOIOCTLCMD, the file's own ioctl then -ENOTTY), inode_owner_or_capable()
    (the host's, whose file it is), fileattr_set_prepare(): a change of FS_APPEND_FL or
    FS_IMMUTABLE_FL without CAP_LINUX_IMMUTABLE -EPERM (the guest's capability, not the
    host's); the host file system sets the rest (chattr) or answers as Linux's does."""
    if f.flags & ls.O_PATH:
        return -errno.EBADF
    flags = k.uaccess.read_u32(arg)
    if not (isinstance(f, HostFile) and f.kind in ("file", "dir")):
        return f.ioctl(ls.FS_IOC_SETFLAGS, None).ret
    try:
        old = struct.unpack("<i", host_fcntl.ioctl(f.fd, ls.FS_IOC_GETFLAGS, bytes(8))[:4])[0]
        if (old ^ flags) & _APPEND_IMMUTABLE and not t.cred.capable(CAP_LINUX_IMMUTABLE):
            return -errno.EPERM
        host_fcntl.ioctl(f.fd, ls.FS_IOC_SETFLAGS, struct.pack("<I", flags) + bytes(4))
    except OSError as exc:
        return -(exc.errno or errno.EINVAL)
    return 0


@syscall("ioctl")
def sys_ioctl(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    fd, req, arg = s32(a[0]), a[1] & 0xFFFF_FFFF, a[2]
    fds = t.process.fds
    f = fds.get(fd)
    if req == ls.FIOCLEX:
        fds.set_cloexec(fd, True)
        return 0
    if req == ls.FIONCLEX:
        fds.set_cloexec(fd, False)
        return 0
    if req == ls.FIGETBSZ:
        return _figetbsz(k, f, arg)
    if req == ls.FS_IOC_SETFLAGS:
        return _setflags(k, t, f, arg)
    inp = None
    if req in (ls.TCSETS, ls.TCSETSW, ls.TCSETSF):
        inp = k.uaccess.read(arg, 36)
    elif req in (ls.FIONBIO, ls.TIOCSPGRP):
        inp = k.uaccess.read(arg, 4)
    res = f.ioctl(req, inp)
    if res.out is not None and arg:
        k.uaccess.write(arg, res.out)
    return res.ret


@syscall("flock")
def sys_flock(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return flock(k, t, s32(a[0]), a[1] & 0xFFFF_FFFF)
