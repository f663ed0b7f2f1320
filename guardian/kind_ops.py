"""`return.kind_needed`, widened (red-team round 88): operations a file's kind has not.

Each answer below is an error on every 6.1..6.18 kernel for a file whose kind the Guardian
is sure of (made by a call of fd_kind_answer.FIXED_KIND_MAKERS, or one of mem.c's devices
opened by its boot name: kind_needed._mem_device); a success is refused by kind_needed.check:

* ioctl: the syscall runs do_vfs_ioctl() first and, for what it does not serve
  (-ENOIOCTLCMD), vfs_ioctl(): no f_op->unlocked_ioctl, or one answering -ENOIOCTLCMD,
  is -ENOTTY.  do_vfs_ioctl()'s own commands are of types 'T' (FIOCLEX, FIONCLEX, FIONBIO,
  FIOASYNC, FIOQSIZE, FIONREAD), 'f' / 'X' (FS_IOC_*FLAGS, FS_IOC_FS*XATTR, FIFREEZE,
  FITHAW, FS_IOC_FIEMAP and file_ioctl()'s FS_IOC_RESVSP.. for a regular file), 0x94
  (FICLONE*, FIDEDUPERANGE), 0x15 (FS_IOC_GETFSUUID, _GETFSSYSFSPATH) and 0 (FIBMAP,
  FIGETBSZ): `_VFS_TYPES`, let through but where named below.
  - an eventfd (eventfd_fops: no unlocked_ioctl) or an epoll (eventpoll_fops: none before
    6.9, ep_eventpoll_ioctl()'s EPIOC* (type 0x8A) alone after): an anon inode, whose
    i_op has no ->fileattr_get/_set (vfs_fileattr_get()/_set(): -ENOIOCTLCMD -> -ENOTTY),
    so FS_IOC_GETFLAGS, _SETFLAGS, _FSGETXATTR, _FSSETXATTR fail; every other command of
    a type do_vfs_ioctl() does not serve fails.  FIOQSIZE and FIONREAD are let through:
    6.15.0..6.15.5 made anon inodes S_IFREG (cfd86ef7e8e7 "anon_inode: use
    a proper mode internally", undone by 1e7ab6f67824, 6.15.6), and do_vfs_ioctl() serves
    both for a regular file: FIOQSIZE and FIONREAD of an eventfd answer 0 there, storing 0;
  - a memfd (shmem's or hugetlbfs's regular file, no unlocked_ioctl): 'T' commands but
    do_vfs_ioctl()'s own fail, and every type do_vfs_ioctl() does not serve;
  - a pidfd (pidfd_fops: no unlocked_ioctl before 6.11; pidfd_ioctl() serves PIDFS_IOCTL
    (0xFF) commands and FS_IOC_GETVERSION after): 'T' commands but do_vfs_ioctl()'s own;
  - /dev/null, /dev/zero, /dev/full (null_fops, zero_fops, full_fops: no unlocked_ioctl):
    every command but do_vfs_ioctl()'s own; FIOQSIZE too (ioctl_fioqsize(): S_ISCHR is
    none of dir, reg, lnk: -ENOTTY); the 'f' / 'X' commands are let through (their
    ->fileattr_get is the /dev filesystem's).
* recvfrom, recvmsg, recvmmsg, sendto, sendmsg, sendmmsg: kind_needed's _SOCK_CALLS.
* read, pread64, readv, preadv, preadv2 and the writes of an epoll or a pidfd: neither
  eventpoll_fops nor pidfd_fops has ->read(_iter) or ->write(_iter), so alloc_file() sets
  no FMODE_CAN_READ / FMODE_CAN_WRITE and vfs_read() / vfs_write() (do_iter_read() /
  do_iter_write(), vfs_readv() / vfs_writev()) answer -EINVAL (-EBADF) before the count.
* lseek of a pidfd: pidfd_fops have no llseek, vfs_llseek() -ESPIPE (no_llseek before
  6.12).  An eventfd or epoll has noop_llseek: their lseek succeeds.
* fcntl F_GETPIPE_SZ / F_SETPIPE_SZ of a file that is no pipe: pipe_fcntl() ->
  get_pipe_info() (`f_op != &pipefifo_fops`) NULL, -EBADF; F_GET_SEALS / F_ADD_SEALS of a
  file that is no memfd: memfd_fcntl() -> memfd_file_seals_ptr() (neither
  shmem_file_operations nor hugetlbfs) NULL, -EINVAL.  A file opened by name may be a
  FIFO or a tmpfs file: only makers' files are judged.

Round 89 (the same rule past the kinds above; signalfd4's answer is a signalfd whatever
ufd was: do_signalfd4() -EINVAL for a ufd naming no signalfd):
* ioctl of a timerfd or signalfd: anon inodes as an eventfd's (timerfd_ioctl() serves
  TFD_IOC_SET_TICKS alone, `default: ret = -ENOTTY;`; signalfd_fops have no
  unlocked_ioctl); of a pipe: pipe_ioctl() serves FIONREAD and the watch-queue ('W')
  commands, `default: return -ENOIOCTLCMD;` -> -ENOTTY; of an AF_UNIX socket:
  sock_ioctl()'s own commands (type 0x89) and the wireless ones (0x8B) aside,
  sock_do_ioctl() -> unix_ioctl() serves SIOCOUTQ (TIOCOUTQ) and SIOCINQ (FIONREAD), then
  `if (!is_socket_ioctl_cmd(cmd)) return -ENOTTY;` (type 0x89 alone).  FIOQSIZE of a pipe
  or any socket: ioctl_fioqsize() -ENOTTY (S_IFIFO, S_IFSOCK on every version: the
  6.15.0..6.15.5 S_IFREG change was anon inodes' alone).
* a write (write, pwrite64, writev, pwritev, pwritev2) of a signalfd or timerfd:
  signalfd_fops and timerfd_fops have no ->write(_iter), no FMODE_CAN_WRITE: vfs_write()
  -EINVAL (pwrite64: -ESPIPE first).
* lseek of a pipe or socket: pipefifo_fops and socket_file_ops have no llseek (no_llseek
  before 6.12), vfs_llseek() -ESPIPE.
* fsync / fdatasync of a file whose fops have no ->fsync (every maker's but a memfd's,
  shmem's noop_fsync): vfs_fsync_range() -EINVAL.
* getdents64 of any maker's file (none is a directory: no ->iterate_shared):
  iterate_dir() -ENOTDIR.
* vmsplice of a file that is no pipe: vmsplice_to_pipe() / vmsplice_to_user() ->
  get_pipe_info() NULL, -EBADF -- but `if (!iov_iter_count(&iter)) error = 0;` first: a
  0 is judged only where the iovecs, read where quiet, hold a byte.
* fadvise64 of a pipe: generic_fadvise() `if (S_ISFIFO(inode->i_mode)) return -ESPIPE;`
  (an anon inode or socket has a mapping on the noop bdi: 0).
* readahead of a pipe or socket: ksys_readahead() `!S_ISREG(...)` -EINVAL (anon inodes
  were S_IFREG on 6.15.0..6.15.5, pidfs inodes are: those are let through).

Round 90 (the kernel model's inotify): an inotify is an anon inode as an eventfd is;
inotify_ioctl() serves FIONREAD and INOTIFY_IOC_SETNEXTWD (arg 1..INT_MAX: -EINVAL
outside, the whole unsigned long), `default: ret = -ENOTTY;`; do_inotify_init() opens it
O_RDONLY, so a write is -EBADF (vfs_write() `!(file->f_mode & FMODE_WRITE)`); its lseek
is noop_llseek(): `return file->f_pos;`, and nothing moves an inotify's f_pos (its
read ignores ppos, it has no splice_read, no pread: FMODE_PREAD unset) -- 0 whatever the
offset, or -EINVAL of ksys_lseek()'s whence test, or -ESPIPE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.fd_kind_answer import FIXED_KIND_MAKERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.open_files import OpenFile

_N = NUMBERS
_EVENTFD2, _EPOLL_CREATE1, _MEMFD_CREATE = _N["eventfd2"], _N["epoll_create1"], \
    _N["memfd_create"]
_PIDFD_OPEN, _PIPE2 = _N["pidfd_open"], _N["pipe2"]
_TIMERFD_CREATE, _SIGNALFD4 = _N["timerfd_create"], _N["signalfd4"]
_INOTIFY_INIT1 = _N["inotify_init1"]
_SOCKET, _SOCKETPAIR = _N["socket"], _N["socketpair"]
#: the calls `op_why` judges: reads and writes (vfs_read() / vfs_write()), lseek, fcntl
WRITES = frozenset(_N[n] for n in ("write", "pwrite64", "writev", "pwritev", "pwritev2"))
RW_CALLS = frozenset(_N[n] for n in ("read", "pread64", "readv", "preadv", "preadv2")) \
    | WRITES
LSEEK, FCNTL = _N["lseek"], _N["fcntl"]
FSYNC, FDATASYNC, GETDENTS64 = _N["fsync"], _N["fdatasync"], _N["getdents64"]
VMSPLICE, FADVISE64, READAHEAD = _N["vmsplice"], _N["fadvise64"], _N["readahead"]
#: round 89's calls judged by the file's maker alone (none of them hot)
FILE_CALLS = frozenset((FSYNC, FDATASYNC, GETDENTS64, VMSPLICE, FADVISE64, READAHEAD))
CALLS = RW_CALLS | {LSEEK, FCNTL} | FILE_CALLS
#: the calls judged only for a file one of BY_MAKER's makers made (the hot reads and
#: writes: the caller asks the maker before anything else)
BY_MAKER_CALLS = RW_CALLS | {LSEEK}
#: maker -> the calls of BY_MAKER_CALLS that never succeed on its files: an epoll's reads
#: and writes, a pidfd's and its lseek, a signalfd's or timerfd's writes (a timerfd's
#: "written" count would feed sole_files' tick rule), a pipe's or socket's lseek
BY_MAKER: dict[int, frozenset[int]] = {
    _N["epoll_create1"]: RW_CALLS, _PIDFD_OPEN: RW_CALLS | {LSEEK}, _SIGNALFD4: WRITES,
    _TIMERFD_CREATE: WRITES, _INOTIFY_INIT1: WRITES | {LSEEK},
    _PIPE2: frozenset((LSEEK,)), _SOCKET: frozenset((LSEEK,)),
    _SOCKETPAIR: frozenset((LSEEK,))}


def judged_by_maker(nr: int, maker: int | None) -> bool:
    """Is call `nr` (of BY_MAKER_CALLS) one that never succeeds on a file `maker` made?"""
    return maker is not None and nr in BY_MAKER.get(maker, ())


F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS = 1031, 1032, 1033, 1034
_NOT_PIPE = FIXED_KIND_MAKERS - {_PIPE2}
_NOT_MEMFD = FIXED_KIND_MAKERS - {_MEMFD_CREATE}
#: makers whose files have no ->iterate_shared (none is a directory) and, a memfd aside,
#: no ->fsync
_MADE = FIXED_KIND_MAKERS | {_SIGNALFD4}
_NO_FSYNC = _MADE - {_MEMFD_CREATE}
_NO_PIPE_INFO = _MADE - {_PIPE2}
_SOCKETS = frozenset((_SOCKET, _SOCKETPAIR))
#: makers of files that are no regular file on any version: a pipe (S_IFIFO), a socket
#: (S_IFSOCK) -- readahead, FIOQSIZE and maker_kinds.py's F_SETLEASE
NOT_REG = _SOCKETS | {_PIPE2}

#: do_vfs_ioctl()'s own 'T' commands: FIONCLEX, FIOCLEX, FIOASYNC, FIONBIO, FIOQSIZE,
#: FIONREAD (the last two for a regular file; FIONREAD otherwise vfs_ioctl()'s)
FIOQSIZE, FIONREAD = 0x5460, 0x541B
VFS_OWN_T = frozenset((0x5450, 0x5451, 0x5452, 0x5421, FIOQSIZE, FIONREAD))
#: the types of do_vfs_ioctl()'s and file_ioctl()'s other commands: 0, 0x15, 'X', 'f', 0x94
_VFS_TYPES = frozenset((0x00, 0x15, 0x58, 0x66, 0x94))
#: FS_IOC_GETFLAGS, _SETFLAGS, FS_IOC_FSGETXATTR, _FSSETXATTR: vfs_fileattr_get() / _set()
FILEATTR = frozenset((0x80086601, 0x40086602, 0x801C581F, 0x401C5820))
_T, _EPIOC = 0x54, 0x8A
#: TFD_IOC_SET_TICKS (_IOW('T', 0, u64)): timerfd_ioctl()'s one command
TFD_IOC_SET_TICKS = 0x40085400
#: IOC_WATCH_QUEUE_SET_SIZE / _SET_FILTER's type 'W' (pipe_ioctl()); a socket's own
#: (sock_ioctl(), is_socket_ioctl_cmd()) 0x89 and the wireless extensions' 0x8B
_WATCH, _SOCK_TYPES = 0x57, frozenset((0x89, 0x8B))
#: unix_ioctl()'s 'T' commands: SIOCOUTQ (TIOCOUTQ); SIOCINQ is FIONREAD (VFS_OWN_T)
TIOCOUTQ = 0x5411
#: INOTIFY_IOC_SETNEXTWD (_IOW('I', 0, __u32)): inotify_ioctl()'s command beside FIONREAD
INOTIFY_IOC_SETNEXTWD = 0x40044900
#: makers of anon-inode files with no ->fileattr_get: eventfd, epoll, timerfd, signalfd,
#: inotify
_ANON = frozenset((_EVENTFD2, _EPOLL_CREATE1, _TIMERFD_CREATE, _SIGNALFD4, _INOTIFY_INIT1))
AF_UNIX = 1


def ioctl_why(f: OpenFile, cmd: int, mem_device: bool, arg: int = 0) -> str:
    """Why ioctl `cmd` (of argument `arg`) never succeeds on `f` (a file of a sure kind),
    or ""; `mem_device`: `f` is /dev/null, /dev/zero or /dev/full while /dev's names are
    the boot's."""
    kind, m = (cmd >> 8) & 0xFF, f.maker
    if kind == _T and cmd in VFS_OWN_T:
        if cmd == FIOQSIZE and (mem_device or m in NOT_REG):
            return f"ioctl {cmd:#x} on a character device, pipe or socket " \
                "(ioctl_fioqsize(): -ENOTTY)"
        # (FIONREAD of an eventfd is let through as FIOQSIZE is: 6.15.0..6.15.5's S_IFREG
        # anon inodes answer it 0 with 0 stored; mem.c's devices are S_IFCHR on every version)
        if cmd == FIONREAD and mem_device:
            return f"ioctl {cmd:#x} on a file with no unlocked_ioctl (vfs_ioctl(): -ENOTTY)"
        return ""
    if m in _ANON:
        if cmd in FILEATTR:
            return f"ioctl {cmd:#x} on an anon inode with no ->fileattr_get/_set " \
                "(vfs_fileattr_get(): -ENOTTY)"
        if kind in _VFS_TYPES or m == _EPOLL_CREATE1 and kind == _EPIOC \
                or m == _TIMERFD_CREATE and cmd == TFD_IOC_SET_TICKS:
            return ""
        if m == _INOTIFY_INIT1 and cmd == INOTIFY_IOC_SETNEXTWD:
            # inotify_ioctl(): `ret = -EINVAL; if (arg >= 1 && arg <= INT_MAX)` (the
            # unsigned long whole; -ENOTTY without CONFIG_CHECKPOINT_RESTORE)
            return "" if 1 <= arg <= 0x7FFF_FFFF else \
                f"INOTIFY_IOC_SETNEXTWD of {arg:#x}, outside 1..INT_MAX (-EINVAL)"
    elif m == _PIPE2:       # (pipe_ioctl(): FIONREAD, IOC_WATCH_QUEUE_*)
        if kind in _VFS_TYPES or kind == _WATCH:
            return ""
    elif m in _SOCKETS:     # (AF_UNIX alone: unix_ioctl()'s commands are known)
        if f.sock is None or f.sock[0] != AF_UNIX or kind in _VFS_TYPES \
                or kind in _SOCK_TYPES or cmd == TIOCOUTQ:
            return ""
    elif m == _MEMFD_CREATE or mem_device:
        if kind in _VFS_TYPES:
            return ""
    elif m == _PIDFD_OPEN:
        if kind != _T:
            return ""           # (pidfd_ioctl(): 0xFF commands, FS_IOC_GETVERSION)
    else:
        return ""
    return f"ioctl {cmd:#x} on a file with no unlocked_ioctl that serves it " \
        "(vfs_ioctl(): -ENOTTY; an epoll's ep_eventpoll_ioctl() -EINVAL)"


def file_why(nr: int, f: OpenFile, moved: Callable[[], bool]) -> str:
    """Why call `nr` (of FILE_CALLS) never succeeds on `f`, or ""; `moved`: did the
    call have bytes to move (vmsplice's iovecs, read where quiet; asked last)?"""
    m = f.maker
    if nr == FSYNC or nr == FDATASYNC:
        return "fsync of a file with no ->fsync (vfs_fsync_range(): -EINVAL)" \
            if m in _NO_FSYNC else ""
    if nr == GETDENTS64:
        return "getdents64 of a file that is no directory (iterate_dir(): no " \
            "->iterate_shared, -ENOTDIR)" if m in _MADE else ""
    if nr == FADVISE64:
        return "fadvise64 of a pipe (generic_fadvise(): S_ISFIFO, -ESPIPE)" \
            if m == _PIPE2 else ""
    if nr == READAHEAD:
        return "readahead of a pipe or socket (ksys_readahead(): !S_ISREG, -EINVAL)" \
            if m in NOT_REG else ""
    return "vmsplice of a file that is no pipe (get_pipe_info() NULL: -EBADF)" \
        if m in _NO_PIPE_INFO and moved() else ""


def op_why(nr: int, a: tuple[int, ...], f: OpenFile | None, mem_device: bool,
           moved: Callable[[], bool] = lambda: True, ret: int = 0) -> str:
    """Why call `nr` (of CALLS) with arguments `a` never succeeds on `f` (or, lseek of an
    inotify, never answers `ret`), or ""."""
    if nr == FCNTL:
        cmd = a[1] & 0xFFFF_FFFF        # (the command first: most fcntls pay no look-up)
        if cmd == F_GETPIPE_SZ or cmd == F_SETPIPE_SZ:
            if f is not None and (f.maker in _NOT_PIPE or mem_device):
                return "F_GETPIPE_SZ / F_SETPIPE_SZ of a file that is no pipe " \
                    "(pipe_fcntl(): get_pipe_info() NULL, -EBADF)"
        elif cmd == F_GET_SEALS or cmd == F_ADD_SEALS:
            if f is not None and (f.maker in _NOT_MEMFD or mem_device):
                return "F_GET_SEALS / F_ADD_SEALS of a file that is no memfd " \
                    "(memfd_fcntl(): memfd_file_seals_ptr() NULL, -EINVAL)"
        return ""
    if f is None:
        return ""
    if nr in FILE_CALLS:
        return file_why(nr, f, moved)
    if not judged_by_maker(nr, f.maker):
        return ""
    if nr == LSEEK:
        if f.maker == _INOTIFY_INIT1:       # (noop_llseek(): `return file->f_pos;`)
            return "" if ret == 0 else f"lseek of an inotify answered {ret:#x}: " \
                "noop_llseek() answers f_pos, which inotify_read() never moves (0)"
        return "lseek of a pidfd, pipe or socket (no ->llseek, no FMODE_LSEEK: " \
            "vfs_llseek() -ESPIPE)"
    if f.maker == _INOTIFY_INIT1:
        return "a write of an inotify (do_inotify_init(): O_RDONLY, no FMODE_WRITE: " \
            "vfs_write() -EBADF)"
    if f.maker == _SIGNALFD4 or f.maker == _TIMERFD_CREATE:
        return "a write of a signalfd or timerfd (their fops have no ->write: no " \
            "FMODE_CAN_WRITE, vfs_write() -EINVAL)"
    return "a read or write of an epoll or pidfd (no ->read / ->write: no " \
        "FMODE_CAN_READ / FMODE_CAN_WRITE, vfs_read() / vfs_write() -EINVAL)"
