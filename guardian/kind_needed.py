"""`return.kind_needed`: calls that need their descriptor to be of one kind never succeed
on a file the Guardian knows is of another (red-team round 86), every 6.1..6.18 kernel:

* epoll_pwait / epoll_pwait2: do_epoll_wait() `!is_file_epoll(f.file)` -EINVAL;
* epoll_ctl: do_epoll_ctl() `!file_can_poll(tf.file)` -EPERM for a target with no ->poll
  (/dev/null, /dev/zero, /dev/full: drivers/char/mem.c's null_fops, zero_fops, full_fops
  have none), then `f.file == tf.file || !is_file_epoll(f.file)` -EINVAL -- for every op;
* inotify_add_watch: `f.file->f_op != &inotify_fops` -EINVAL;
* listen, accept, accept4 of an AF_UNIX socketpair end: unix_socketpair() leaves a
  stream or seqpacket end TCP_ESTABLISHED for good (unix_release_sock() of its peer sets
  only sk_shutdown), so unix_listen() (`!u->addr`, then `sk_state != TCP_CLOSE &&
  != TCP_LISTEN`) and unix_accept() (`sk_state != TCP_LISTEN`) answer -EINVAL; a
  datagram end's sock_no_listen() / sock_no_accept() -EOPNOTSUPP;
* listen, accept, accept4 of an AF_UNIX SOCK_DGRAM socket() made: unix_dgram_ops'
  sock_no_listen() / sock_no_accept() -EOPNOTSUPP (red-team round 87);
* socket calls (listen, accept(4), bind, connect, getsockname, getpeername, getsockopt,
  setsockopt, shutdown) on a file that is no socket: one a non-socket maker of
  FIXED_KIND_MAKERS made (eventfd2, memfd_create, epoll_create1, pipe2, ...) or /dev/null,
  /dev/zero, /dev/full: sockfd_lookup_light() -> sock_from_file() NULL, -ENOTSOCK;
* ioctl of a tty-type command ('T', no size bits: TCGETS, FIONREAD, TIOC*) on an eventfd,
  a memfd or one of mem.c's devices: none has an f_op->unlocked_ioctl, so vfs_ioctl()
  answers -ENOTTY for every command do_vfs_ioctl() does not serve itself (FIOCLEX,
  FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, and FIONREAD of a regular file: file_ioctl(),
  so FIONREAD of a memfd, shmem's regular file, is valid);
* round 88 (guardian/kind_ops.py): every ioctl an eventfd, epoll, memfd, pidfd or one of
  mem.c's devices does not serve (FS_IOC_GETFLAGS of an anon inode, 'T' commands with
  size bits, TCGETS of a pidfd or epoll), the send and receive calls on a non-socket
  (-ENOTSOCK), a read or write of an epoll or pidfd (-EINVAL), lseek of a pidfd
  (-ESPIPE), fcntl's pipe-size commands on a non-pipe (-EBADF) and seal commands on a
  non-memfd (-EINVAL);
* round 89 (guardian/kind_ops.py): the ioctls of a timerfd, signalfd, pipe and AF_UNIX
  socket (TCGETS: -ENOTTY), FIOQSIZE of a pipe or socket, a signalfd's writes, lseek of
  a pipe or socket, fsync/fdatasync, getdents64, vmsplice, fadvise64 and readahead of
  the kinds that have no such operation.

A file's kind is sure where it was opened by a name outside /proc and /dev/fd or made by a
call of fd_kind_answer.FIXED_KIND_MAKERS; judged only where each number named the same
file through the call (Descriptors.steady(), asked only once a file of another kind is
found: the common call, on a file of the right kind, pays table look-ups alone).  A
target opened as /dev/null, /dev/zero or /dev/full is mem.c's device only while /dev's
names name the boot's devices (cut_movers.boot_names(): no chroot, mount or
unshare(CLONE_NEWNS) seen -- in a user namespace any program may bind a FIFO over
/dev/null, and fifo_poll() lets epoll_ctl() add it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_kind_answer import FIXED_KIND_MAKERS, named, other_kind
from guardian.kind_ops import CALLS as OP_CALLS
from guardian.kind_ops import ioctl_why, op_why

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.open_files import OpenFile
    from guardian.slots import Slot

_N = NUMBERS
_EPOLL_PWAIT, _EPOLL_PWAIT2, _EPOLL_CTL = _N["epoll_pwait"], _N["epoll_pwait2"], _N["epoll_ctl"]
_INOTIFY_ADD_WATCH, _LISTEN = _N["inotify_add_watch"], _N["listen"]
_ACCEPT, _ACCEPT4 = _N["accept"], _N["accept4"]
_EPOLL_CREATE1, _INOTIFY_INIT1, _SOCKETPAIR = (_N["epoll_create1"], _N["inotify_init1"],
                                               _N["socketpair"])
_MEMFD_CREATE, _EVENTFD2, _SOCKET = _N["memfd_create"], _N["eventfd2"], _N["socket"]
_IOCTL = _N["ioctl"]
#: socket calls whose descriptor sockfd_lookup_light() / sock_from_file() must find a socket
_SOCK_CALLS = frozenset(_N[n] for n in (
    "listen", "accept", "accept4", "bind", "connect", "getsockname", "getpeername",
    "getsockopt", "setsockopt", "shutdown",
    # (round 88: the send and receive calls, __sys_sendto() ... __sys_recvmmsg())
    "recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg", "sendmmsg"))
#: the calls `check` judges
CALLS = frozenset((_EPOLL_PWAIT, _EPOLL_PWAIT2, _EPOLL_CTL, _INOTIFY_ADD_WATCH, _IOCTL)) \
    | _SOCK_CALLS | OP_CALLS
#: the character devices of drivers/char/mem.c whose file_operations have no ->poll
#: (nor ->unlocked_ioctl)
NO_POLL = frozenset(("/dev/null", "/dev/zero", "/dev/full"))
AF_UNIX, SOCK_DGRAM = 1, 2
#: the makers of FIXED_KIND_MAKERS whose files are no socket
_NOT_SOCKET = FIXED_KIND_MAKERS - {_SOCKET, _N["socketpair"]}
#: makers whose ioctls kind_ops.ioctl_why() knows (eventfd_fops, eventpoll_fops, shmem's
#: or hugetlbfs's regular file, pidfd_fops; round 89: timerfd_fops, signalfd_fops,
#: pipefifo_fops, socket_file_ops)
_IOCTL_KINDS = frozenset((_EVENTFD2, _MEMFD_CREATE, _EPOLL_CREATE1, _N["pidfd_open"],
                          _N["timerfd_create"], _N["signalfd4"], _N["pipe2"], _SOCKET,
                          _N["socketpair"], _N["inotify_init1"]))
_VMSPLICE, _UIO_MAXIOV = _N["vmsplice"], 1024
_FCNTL = _N["fcntl"]
#: F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS
_FCNTL_CMDS = frozenset((1031, 1032, 1033, 1034))


def _mem_device(f: OpenFile, dev_names: Callable[[], bool]) -> bool:
    """Is `f` opened as one of mem.c's devices while /dev's names are the boot's?"""
    return named(f) and f.path in NO_POLL and dev_names()


def _moved(a: tuple[int, ...], ret: int, read: Callable[[int, int], bytes | None]) -> bool:
    """Had vmsplice bytes to move: a count, or iovecs (read where quiet) holding a byte?
    (vmsplice(): `if (!iov_iter_count(&iter)) error = 0;` before get_pipe_info())"""
    if ret:
        return True
    n = a[2]
    if n == 0 or n > _UIO_MAXIOV:
        return n > _UIO_MAXIOV          # (import_iovec(): -EINVAL past UIO_MAXIOV)
    raw = read(a[1], 16 * n)
    return raw is not None and any(
        int.from_bytes(raw[i + 8:i + 16], "little") for i in range(0, len(raw), 16))


def _why(nr: int, a: tuple[int, ...], file: Callable[[int], OpenFile | None],
         dev_names: Callable[[], bool], ret: int = 0,
         read: Callable[[int, int], bytes | None] = lambda _a, _n: None) -> str:
    if nr in OP_CALLS:      # (kind_ops.py: reads, writes, lseek, fcntl; the hot calls first)
        if nr == _FCNTL and a[1] & 0xFFFF_FFFF not in _FCNTL_CMDS:
            return ""       # (the command first: most fcntls pay no look-up)
        f = file(a[0])
        return op_why(nr, a, f, nr == _FCNTL and f is not None and _mem_device(f, dev_names),
                      lambda: nr != _VMSPLICE or _moved(a, ret, read), ret)
    if nr in (_EPOLL_PWAIT, _EPOLL_PWAIT2):
        return "a descriptor that is no epoll (!is_file_epoll(): -EINVAL)" \
            if other_kind(file(a[0]), _EPOLL_CREATE1) else ""
    if nr == _EPOLL_CTL:
        ep, tf = file(a[0]), file(a[2])
        if named(tf) and tf is not None and tf.path in NO_POLL and dev_names():
            return f"a target {tf.path} with no ->poll (!file_can_poll(): -EPERM)"
        if tf is not None and tf.maker == _MEMFD_CREATE:
            return "a memfd target: shmem has no ->poll (!file_can_poll(): -EPERM)"
        if ep is not None and tf is not None and ep.description is tf.description:
            return "the epoll itself as its target (f.file == tf.file: -EINVAL)"
        return "a descriptor that is no epoll (!is_file_epoll(): -EINVAL)" \
            if other_kind(ep, _EPOLL_CREATE1) else ""
    if nr == _INOTIFY_ADD_WATCH:
        return "a descriptor that is no inotify (f_op != &inotify_fops: -EINVAL)" \
            if other_kind(file(a[0]), _INOTIFY_INIT1) else ""
    if nr == _IOCTL:        # (kind_ops.py: what each kind's ioctl serves)
        f = file(a[0])
        return ioctl_why(f, a[1] & 0xFFFF_FFFF, _mem_device(f, dev_names), a[2]) \
            if f is not None and (f.maker in _IOCTL_KINDS or named(f)) else ""
    f = file(a[0])      # the socket calls
    if f is not None and (f.maker in _NOT_SOCKET or _mem_device(f, dev_names)):
        return "a file that is no socket (sockfd_lookup_light(): -ENOTSOCK)"
    if nr not in (_LISTEN, _ACCEPT, _ACCEPT4):
        return ""
    if f is not None and f.maker == _SOCKET and f.sock is not None \
            and f.sock[:2] == (AF_UNIX, SOCK_DGRAM):
        return "an AF_UNIX datagram socket (sock_no_listen() / sock_no_accept(): -EOPNOTSUPP)"
    if f is not None and f.maker == _SOCKETPAIR and f.sock is not None \
            and f.sock[0] == AF_UNIX:
        return "an AF_UNIX socketpair end, never listening (unix_listen() / unix_accept(): " \
            "-EINVAL; a datagram end's sock_no_*(): -EOPNOTSUPP)"
    return ""


def check(slot: Slot, ret: int, file: Callable[[int], OpenFile | None],
          steady: Callable[[], bool] = lambda: True,
          dev_names: Callable[[], bool] = lambda: True,
          filtered: Callable[[], bool] = lambda: False,
          read: Callable[[int, int], bytes | None] = lambda _a, _n: None) -> None:
    """The program's call in `slot` answered `ret` (not an error); `file` gives the open
    file a number of the caller's table names; `steady`: did each number name the same
    file through the call (asked only where a number names a file of another kind)?
    `dev_names`: do /dev's names still name the boot's devices (asked only of a target
    opened by one of NO_POLL's names)?  `filtered`: may a seccomp filter have answered
    (asked only of an answer refused)?  `read`: n bytes of the caller's memory at an
    address where quiet through the call, or None (vmsplice's iovecs)."""
    why = _why(slot.nr, slot.args, file, dev_names, ret, read)
    if why and not filtered() and steady():
        refuse("return.kind_needed", Status.ERR_DENIED,
               f"syscall {slot.nr} on {why} answered {ret:#x}: Linux looks the descriptor "
               "up and refuses a file of that kind")
