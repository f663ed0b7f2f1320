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
"""

from __future__ import annotations

from collections.abc import Sequence

from abi.syscalls import NUMBERS

_N = NUMBERS
#: the descriptor kinds answer_stores.read_kind() names
SHMEM, PIPE, UNREADABLE, UNIX_DGRAM = "shmem", "pipe", "unreadable", "unix_dgram"
_NR_WAITID = _N["waitid"]
_P_PIDFD = 3
_SIGINFO = 128
_NR_IOCTL, _TCGETS = _N["ioctl"], 0x5401
#: read, pread64, readv, preadv, preadv2
READS = frozenset(_N[n] for n in ("read", "pread64", "readv", "preadv", "preadv2"))
#: (call) -> the kinds on which it fails before any store (none of them is a timerfd,
#: an mqueue, a socket, a pidfd, a listening socket, a readable file)
NO_OPERATION: dict[int, frozenset[str]] = {
    _N["timerfd_gettime"]: frozenset({SHMEM, PIPE, UNIX_DGRAM}),
    _N["mq_timedreceive"]: frozenset({SHMEM, PIPE, UNIX_DGRAM}),
    _N["getsockopt"]: frozenset({SHMEM, PIPE}),
    _NR_WAITID: frozenset({SHMEM, PIPE, UNIX_DGRAM}),
    _N["accept"]: frozenset({UNIX_DGRAM}),
    _N["accept4"]: frozenset({UNIX_DGRAM}),
    **{nr: frozenset({UNREADABLE}) for nr in READS},
    _NR_IOCTL: frozenset({SHMEM}),         # (TCGETS alone: `stored`)
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
        return [] if args[1] & 0xFFFF_FFFF == _TCGETS else None
    if nr == _NR_WAITID:
        infop = args[2]
        return [(infop, infop + _SIGINFO)] if infop else []
    return []
