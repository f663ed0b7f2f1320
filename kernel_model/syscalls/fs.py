"""File syscalls over the sandboxed VFS: open, read/write, stat, directories, pipes, fcntl."""

from __future__ import annotations

import errno
import os
import posixpath
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.devfiles import DEVICES, dev_stat, open_device
from kernel_model.errors import KernelError
from kernel_model.files import OpenFile, Pipe, make_pipe
from kernel_model.process import Thread, WaitReason
from kernel_model.syscalls import s32, s64, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

MAX_IO = 0x7FFF_F000
IOV_MAX = 1024


def _dir_of(k: Kernel, t: Thread, dirfd: int) -> str:
    """Guest path that a *at() call's relative paths start from."""
    if dirfd == ls.AT_FDCWD:
        return t.process.cwd
    f = t.process.fds.get(dirfd)
    path = getattr(f, "guest_path", None)
    if f.kind != "dir" or path is None:
        raise KernelError(errno.ENOTDIR)
    return path


def _guest_abs(cwd: str, path: bytes) -> str:
    p = os.fsdecode(path)
    return posixpath.normpath(posixpath.join(cwd, p)) if p else ""


def _path(k: Kernel, ptr: int) -> bytes:
    p = k.uaccess.read_cstring(ptr, 4096)
    return p


# --- open/close -------------------------------------------------------------------
def do_open(k: Kernel, t: Thread, dirfd: int, path: bytes, flags: int, mode: int) -> int:
    proc = t.process
    if not path:
        return -errno.ENOENT
    cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    dev = open_device(_guest_abs(cwd, path), flags & ~ls.O_CLOEXEC, k.random_bytes)
    if dev is not None:
        f: OpenFile = dev
    else:
        f = k.rootfs.open(cwd, path, flags & ~ls.O_CLOEXEC, mode & ~proc.umask & 0o7777)
    try:
        return proc.fds.install(f, cloexec=bool(flags & ls.O_CLOEXEC))
    except KernelError:
        f.decref()
        raise


@syscall("openat")
def sys_openat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return do_open(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]), a[3] & 0o7777)


@syscall("close")
def sys_close(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.close(s32(a[0]))
    return 0


@syscall("close_range")
def sys_close_range(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    first, last, flags = a[0] & 0xFFFF_FFFF, a[1] & 0xFFFF_FFFF, a[2]
    if first > last or flags & ~0x6:
        return -errno.EINVAL
    t.process.fds.close_range(first, last, cloexec_only=bool(flags & 0x4))
    return 0


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


# --- metadata -----------------------------------------------------------------------
def _stat_path(k: Kernel, t: Thread, dirfd: int, path: bytes, flags: int):  # noqa: ANN202
    if not path:
        if not flags & ls.AT_EMPTY_PATH:
            raise KernelError(errno.ENOENT)
        return t.process.fds.get(dirfd).stat()
    cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    guest = _guest_abs(cwd, path)
    if guest in DEVICES:
        dev = open_device(guest, 0, k.random_bytes)
        assert dev is not None
        return dev_stat(dev.rdev)
    return k.rootfs.stat(cwd, path, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)


@syscall("newfstatat")
def sys_newfstatat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    st = _stat_path(k, t, s32(a[0]), _path(k, a[1]), s32(a[3]))
    k.uaccess.write(a[2], ls.pack_stat(st))
    return 0


@syscall("fstat")
def sys_fstat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    k.uaccess.write(a[1], ls.pack_stat(t.process.fds.get(s32(a[0])).stat()))
    return 0


@syscall("statx")
def sys_statx(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    st = _stat_path(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]))
    k.uaccess.write(a[4], ls.pack_statx(st))
    return 0


@syscall("faccessat")
def sys_faccessat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]), 0)


@syscall("faccessat2")
def sys_faccessat2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _access(k, t, s32(a[0]), _path(k, a[1]), s32(a[2]), s32(a[3]))


def _access(k: Kernel, t: Thread, dirfd: int, path: bytes, mode: int, flags: int) -> int:
    if mode & ~7:
        return -errno.EINVAL
    cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    if _guest_abs(cwd, path) in DEVICES:
        return 0
    k.rootfs.access(cwd, path, mode, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    return 0


@syscall("readlinkat")
def sys_readlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    dirfd, path, buf, size = s32(a[0]), _path(k, a[1]), a[2], a[3]
    if s64(size) <= 0:
        return -errno.EINVAL
    if path == b"/proc/self/exe":
        target = t.process.exe.encode()
    else:
        cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
        target = k.rootfs.readlink(cwd, path)
    target = target[:size]
    k.uaccess.write(buf, target)
    return len(target)


@syscall("getdents64")
def sys_getdents64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    data = t.process.fds.get(s32(a[0])).getdents64(a[2])
    k.uaccess.write(a[1], data)
    return len(data)


@syscall("getcwd")
def sys_getcwd(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    cwd = os.fsencode(t.process.cwd) + b"\0"
    if a[1] < len(cwd):
        return -errno.ERANGE
    k.uaccess.write(a[0], cwd)
    return len(cwd)


@syscall("chdir")
def sys_chdir(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.cwd = k.rootfs.chdir_target(t.process.cwd, _path(k, a[0]))
    return 0


@syscall("fchdir")
def sys_fchdir(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.cwd = _dir_of(k, t, s32(a[0]))
    return 0


@syscall("mkdirat")
def sys_mkdirat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.mkdir(cwd, path, (a[2] & 0o7777) & ~t.process.umask)
    return 0


@syscall("unlinkat")
def sys_unlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    flags = s32(a[2])
    if flags & ~ls.AT_REMOVEDIR:
        return -errno.EINVAL
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.unlink(cwd, path, flags)
    return 0


def _rename(k: Kernel, t: Thread, olddir: int, old: int, newdir: int, new: int, flags: int) -> int:
    old_p, new_p = _path(k, old), _path(k, new)
    cwd_old = _dir_of(k, t, olddir) if not old_p.startswith(b"/") else "/"
    cwd_new = _dir_of(k, t, newdir) if not new_p.startswith(b"/") else "/"
    k.rootfs.rename(cwd_old, old_p, cwd_new, new_p, flags)
    return 0


@syscall("renameat")
def sys_renameat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _rename(k, t, s32(a[0]), a[1], s32(a[2]), a[3], 0)


@syscall("renameat2")
def sys_renameat2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _rename(k, t, s32(a[0]), a[1], s32(a[2]), a[3], s32(a[4]))


@syscall("symlinkat")
def sys_symlinkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    target, path = _path(k, a[0]), _path(k, a[2])
    cwd = _dir_of(k, t, s32(a[1])) if not path.startswith(b"/") else "/"
    k.rootfs.symlink(target, cwd, path)
    return 0


@syscall("linkat")
def sys_linkat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old_p, new_p = _path(k, a[1]), _path(k, a[3])
    cwd_old = _dir_of(k, t, s32(a[0])) if not old_p.startswith(b"/") else "/"
    cwd_new = _dir_of(k, t, s32(a[2])) if not new_p.startswith(b"/") else "/"
    k.rootfs.link(cwd_old, old_p, cwd_new, new_p, follow=bool(s32(a[4]) & ls.AT_SYMLINK_FOLLOW))
    return 0


@syscall("fchmodat")
def sys_fchmodat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    path = _path(k, a[1])
    cwd = _dir_of(k, t, s32(a[0])) if not path.startswith(b"/") else "/"
    k.rootfs.chmod(cwd, path, a[2] & 0o7777)
    return 0


@syscall("fchmod")
def sys_fchmod(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    host = getattr(f, "host_path", None)
    if host is None:
        return -errno.EINVAL
    k.rootfs.chmod("/", os.fsencode(f.guest_path), a[1] & 0o7777)  # type: ignore[attr-defined]
    return 0


@syscall("fchownat")
def sys_fchownat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return 0


@syscall("fchown")
def sys_fchown(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.get(s32(a[0]))
    return 0


@syscall("utimensat")
def sys_utimensat(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    dirfd, path_ptr, times, flags = s32(a[0]), a[1], a[2], s32(a[3])
    now = k.now_ns()
    atime = mtime = now
    if times:
        raw = k.uaccess.read(times, 32)
        stamps = []
        for off in (0, 16):
            sec, nsec = ls.unpack_timespec(raw, off)
            stamps.append(None if nsec == (1 << 30) - 2 else now if nsec == (1 << 30) - 1
                          else sec * 1_000_000_000 + nsec)
        atime, mtime = stamps
    if not path_ptr:
        f = t.process.fds.get(dirfd)
        path, cwd = os.fsencode(getattr(f, "guest_path", "")), "/"
    else:
        path = _path(k, path_ptr)
        cwd = _dir_of(k, t, dirfd) if not path.startswith(b"/") else "/"
    k.rootfs.utimens(cwd, path, atime, mtime, follow=not flags & ls.AT_SYMLINK_NOFOLLOW)
    return 0


@syscall("truncate")
def sys_truncate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    k.rootfs.truncate(t.process.cwd, _path(k, a[0]), s64(a[1]))
    return 0


@syscall("ftruncate")
def sys_ftruncate(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    length = s64(a[1])
    if length < 0:
        return -errno.EINVAL
    t.process.fds.get(s32(a[0])).truncate(length)
    return 0


@syscall("fsync")
def sys_fsync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.get(s32(a[0])).fsync()
    return 0


@syscall("fdatasync")
def sys_fdatasync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return sys_fsync(k, t, a)


@syscall("sync")
def sys_sync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return 0


@syscall("fadvise64")
def sys_fadvise64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    return -errno.ESPIPE if f.kind == "pipe" else 0


@syscall("statfs")
def sys_statfs(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    st = k.rootfs.statfs(t.process.cwd, _path(k, a[0]))
    k.uaccess.write(a[1], _pack_statvfs(st))
    return 0


@syscall("fstatfs")
def sys_fstatfs(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    f = t.process.fds.get(s32(a[0]))
    st = k.rootfs.statfs("/", os.fsencode(getattr(f, "guest_path", "/")))
    k.uaccess.write(a[1], _pack_statvfs(st))
    return 0


def _pack_statvfs(st: os.statvfs_result) -> bytes:
    return ls.pack_statfs(0xEF53, st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail,
                          st.f_files, st.f_ffree, namelen=st.f_namemax)


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
        f.set_status_flags(s32(arg))
        return 0
    if cmd in (ls.F_GETLK, ls.F_OFD_GETLK):
        l_type, whence, start, length, _pid = ls.unpack_flock(k.uaccess.read(arg, 32))
        k.uaccess.write(arg, ls.pack_flock(ls.F_UNLCK, whence, start, length, 0))
        return 0
    if cmd in (ls.F_SETLK, ls.F_SETLKW, ls.F_OFD_SETLK, ls.F_OFD_SETLKW):
        return 0   # one machine, no other lock holders outside it
    if cmd == ls.F_GETPIPE_SZ:
        pipe = getattr(f, "pipe", None)
        return pipe.capacity if pipe is not None else -errno.EBADF
    if cmd == ls.F_SETPIPE_SZ:
        pipe = getattr(f, "pipe", None)
        if pipe is None:
            return -errno.EBADF
        pipe.capacity = max(4096, min(s32(arg), 1 << 20))
        return pipe.capacity
    if cmd in (ls.F_GETOWN, ls.F_SETOWN, ls.F_GETSIG, ls.F_SETSIG):
        return 0
    return -errno.EINVAL


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
    inp = None
    if req in (ls.TCSETS, ls.TCSETSW, ls.TCSETSF):
        inp = k.uaccess.read(arg, 36)
    elif req == ls.FIONBIO:
        inp = k.uaccess.read(arg, 4)
    res = f.ioctl(req, inp)
    if res.out is not None and arg:
        k.uaccess.write(arg, res.out)
    return res.ret


@syscall("flock")
def sys_flock(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    t.process.fds.get(s32(a[0]))
    return 0


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
