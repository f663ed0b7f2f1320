"""Calls on a descriptor whose known kind has no such operation store nothing.

For `answer_stores.py` (`cut.answer_stores`): where the Guardian knows what a call's
descriptor names, as the call took it at entry (answer_stores.read_kind(): a shmem
memfd, a pipe2() end, a file opened without read access, an AF_UNIX datagram socket;
the table steady since), Linux's test of the file's kind or mode comes before any store
to the call's output, so every answer -- a success, a count, -EFAULT included -- stored
nothing there:

- timerfd_gettime: timerfd_fget() `if (fd_file(f)->f_op != &timerfd_fops) return
  -EINVAL;` before put_itimerspec64();
- mq_timedreceive: do_mq_timedreceive() `if (unlikely(f.file->f_op !=
  &mqueue_file_operations)) { ret = -EBADF; ...}` before store_msg() and the priority's
  put_user() (prepare_timeout() only reads);
- getsockopt: __sys_getsockopt() -> sockfd_lookup_light() (sock_from_file() from 6.8):
  -ENOTSOCK before the option's copy_to_sockptr() and the length's put_user();
- waitid(P_PIDFD, fd): kernel_waitid() (kernel_waitid_prepare() from 6.9) ->
  pidfd_get_pid() -> pidfd_pid(): -EBADF for a file that is no pidfd, before do_wait();
  SYSCALL_DEFINE5(waitid) copies the rusage only `if (err > 0)` -- but it stores the
  siginfo on every answer (`if (!infop) return err;` then unsafe_put_user()s): that
  stays within infop;
- accept/accept4 on an AF_UNIX datagram socket: do_accept() -> unix_dgram_ops'
  sock_no_accept(): -EOPNOTSUPP before move_addr_to_user();
- read/pread64/readv/preadv/preadv2 of a file opened without FMODE_READ: vfs_read() /
  vfs_readv() -EBADF before ->read_iter(); what may come first stores nothing either
  (ksys_pread64()'s -EINVAL for pos < 0 and -ESPIPE, import_iovec()'s -EINVAL/-EFAULT,
  which only read the iovecs; an O_PATH descriptor fails fdget() first): so every
  answer -- -EINTR or -EIO as much as -EFAULT -- stored nothing;
- ioctl(TCGETS) of a shmem memfd: do_vfs_ioctl() -> file_ioctl() -ENOIOCTLCMD (a regular
  file), then vfs_ioctl(): shmem_file_operations has no ->unlocked_ioctl, -ENOTTY -- no
  termios stored, whatever the answer.

Round 88b widened the kinds (finer_kind(): what the OpenFile the program made says):

- an O_PATH descriptor (PATH): fdget()/fdget_pos() skip an FMODE_PATH file (-EBADF)
  for every call judged here -- the reads, getdents64, ioctl (any command),
  epoll_pwait/epoll_pwait2, recvfrom/recvmsg/recvmmsg, getsockopt, accept/accept4,
  timerfd_gettime, mq_timedreceive, waitid(P_PIDFD) (pidfd_get_pid()); the calls that
  take one (fstat, statx/newfstatat with AT_EMPTY_PATH, readlinkat, fstatfs: fdget_raw())
  are not judged;
- a pipe2() write end (PIPE_WRITE): opened FMODE_WRITE alone (create_pipe_files()), so
  vfs_read()/vfs_readv() -EBADF -- the "unreadable" rule;
- an eventfd2() file (EVENTFD): eventfd_read() `if (iov_iter_count(to) <
  sizeof(ucnt)) return -EINVAL;` first -- read/pread64 of fewer than 8 bytes stores
  nothing (pread64: -ESPIPE, or -EINVAL for pos < 0, first: nothing either);
- a signalfd4() file (SIGNALFD): signalfd_read_iter() (signalfd_read() before 6.12)
  `count /= sizeof(struct signalfd_siginfo); if (!count) return -EINVAL;` -- fewer than
  128 bytes stores nothing;
- of any of the files above but an O_PATH one (FILES: a shmem memfd, either pipe end, an
  eventfd, a signalfd): recvfrom/recvmsg/recvmmsg -ENOTSOCK (sockfd_lookup_light() ->
  sock_from_file()), epoll_pwait/epoll_pwait2 -EINVAL (do_epoll_wait(): `if
  (!is_file_epoll(...)) goto error_fput;`, after only the maxevents and access_ok()
  tests) and getdents64 -ENOTDIR (iterate_dir(): no ->iterate_shared) -- an AF_UNIX
  datagram socket too for the last two -- before any store.

Round 89b (AU-018): getsockname/getpeername of a file that is no socket --
__sys_getsockname()/__sys_getpeername() -> sockfd_lookup_light(): -ENOTSOCK (-EBADF for
an O_PATH one: fdget()) before ->getname() and move_addr_to_user(), the length
included.  No socket is any of FILES, nor a file opened by a path (UNREADABLE names only
files of the program's own openat()/openat2(): no open() of a path makes a socket file,
sock_no_open() answers -ENXIO, /proc/self/fd/N of a socket too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from guardian.open_files import OpenFile

_N = NUMBERS
#: the descriptor kinds answer_stores.read_kind() names
SHMEM, PIPE, UNREADABLE, UNIX_DGRAM = "shmem", "pipe", "unreadable", "unix_dgram"
#: and those finer_kind() names (round 88b)
PATH, PIPE_WRITE, EVENTFD, SIGNALFD = "o_path", "pipe_write", "eventfd", "signalfd"
#: files that are no socket, epoll, directory, timerfd, mqueue or pidfd (and open: not
#: O_PATH)
FILES = frozenset({SHMEM, PIPE, PIPE_WRITE, EVENTFD, SIGNALFD})
_NR_PIPE2, _NR_EVENTFD2, _NR_SIGNALFD4 = _N["pipe2"], _N["eventfd2"], _N["signalfd4"]
_O_WRONLY = 1
#: read and pread64 (their count in x2): the least count an eventfd's or a signalfd's
#: read takes (sizeof(u64), sizeof(struct signalfd_siginfo))
_COUNTED = frozenset({_N["read"], _N["pread64"]})
_MINIMUM = {EVENTFD: 8, SIGNALFD: 128}
_NR_WAITID = _N["waitid"]
_P_PIDFD = 3
_SIGINFO = 128
_NR_IOCTL, _TCGETS = _N["ioctl"], 0x5401
#: read, pread64, readv, preadv, preadv2
READS = frozenset(_N[n] for n in ("read", "pread64", "readv", "preadv", "preadv2"))
#: (call) -> the kinds on which it fails before any store (none of them is a timerfd,
#: an mqueue, a socket, a pidfd, a listening socket, a readable file)
NO_OPERATION: dict[int, frozenset[str]] = {
    _N["timerfd_gettime"]: FILES | {UNIX_DGRAM, PATH},
    _N["mq_timedreceive"]: FILES | {UNIX_DGRAM, PATH},
    _N["getsockopt"]: FILES | {PATH},
    _NR_WAITID: FILES | {UNIX_DGRAM, PATH},
    _N["accept"]: FILES | {UNIX_DGRAM, PATH},
    _N["accept4"]: FILES | {UNIX_DGRAM, PATH},
    # (an eventfd's and a signalfd's below their least count alone: `stored`)
    **{nr: frozenset({UNREADABLE, PIPE_WRITE, PATH, EVENTFD, SIGNALFD}) for nr in READS},
    _NR_IOCTL: frozenset({SHMEM, PATH}),   # (a memfd's TCGETS alone: `stored`)
    **{_N[n]: FILES | {PATH} for n in ("recvfrom", "recvmsg", "recvmmsg")},
    **{_N[n]: FILES | {PATH, UNREADABLE} for n in ("getsockname", "getpeername")},
    **{_N[n]: FILES | {UNIX_DGRAM, PATH} for n in ("epoll_pwait", "epoll_pwait2",
                                                   "getdents64")},
}
#: the calls `stored` judges
CALLS = frozenset(NO_OPERATION)


def kind_fd(nr: int, args: Sequence[int]) -> int | None:
    """The descriptor whose kind decides the call `nr`'s first test (None: none)."""
    if nr == _NR_WAITID:
        return args[1] if args[0] & 0xFFFF_FFFF == _P_PIDFD else None
    return args[0]


def stored(nr: int, args: Sequence[int], ret: int,
           kind: str | None) -> list[tuple[int, int]] | None:
    """[start, end) ranges call `nr` on a descriptor of `kind` stored to, answered `ret`
    (unsigned); None: the kind does not decide it."""
    if kind is None or kind not in NO_OPERATION.get(nr, ()):
        return None
    if nr == _NR_IOCTL:
        return [] if kind == PATH or args[1] & 0xFFFF_FFFF == _TCGETS else None
    if kind in _MINIMUM and nr in READS:
        return [] if nr in _COUNTED and args[2] < _MINIMUM[kind] else None
    if nr == _NR_WAITID:
        infop = args[2]
        return [(infop, infop + _SIGINFO)] if infop else []
    return []


def finer_kind(f: OpenFile) -> str | None:
    """PATH, PIPE_WRITE, EVENTFD or SIGNALFD for an open file the program made so
    (answer_stores.read_kind() asks it once the table is steady); None: none of them."""
    if f.path_only:
        return PATH                     # (FMODE_PATH: do_dentry_open() for O_PATH)
    maker = f.maker
    if maker is None:
        return None
    if maker == _NR_PIPE2:
        return PIPE_WRITE if f.access == _O_WRONLY else None
    if maker == _NR_EVENTFD2:
        return EVENTFD
    return SIGNALFD if maker == _NR_SIGNALFD4 else None
