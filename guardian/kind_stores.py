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

Round 90b (AY-003 .. AY-030):

- a descriptor register no file table can hold (NO_TABLE: as an unsigned int at or past
  sysctl_nr_open_max, -1 above all): fdget()/fdget_pos() -EBADF first for every call
  judged here (waitid's siginfo aside);
- a timerfd_create() file (TIMERFD): timerfd_read() (timerfd_read_iter() from 6.12) `if
  (count < sizeof(ticks)) return -EINVAL;` first -- read/pread64 below 8 bytes;
- an epoll_create1() file (EPOLL): eventpoll_fops has no ->read nor ->read_iter, so
  vfs_read()/vfs_readv() `if (!(file->f_mode & FMODE_CAN_READ)) return -EINVAL;`;
- either of those, or a file opened by path (UNREADABLE), given a socket call
  (sockfd_lookup_light(): -ENOTSOCK) or getdents64 (iterate_dir(): no ->iterate_shared,
  -ENOTDIR; a file opened O_WRONLY is no directory: may_open() -EISDIR);
- a pipe2() read end given pread64/preadv (preadv2 at an offset but -1): ksys_pread64() /
  do_preadv() -ESPIPE (stream_open() cleared FMODE_PREAD);
- recvmsg with MSG_CMSG_COMPAT (CONFIG_COMPAT, arm64's defconfig): __sys_recvmsg() `if
  (forbid_cmsg_compat && (flags & MSG_CMSG_COMPAT)) return -EINVAL;` first, any kind;
- (not judged: recvfrom/recvmsg with MSG_OOB on an AF_UNIX datagram socket --
  __unix_dgram_recvmsg() refuses it first, but once a privileged process put the socket
  in a sockmap (sock_replace_proto()), unix_bpf_recvmsg() -> sk_msg_recvmsg() copies a
  redirected message whatever the flags, 6.1 .. 6.18);
- clock_gettime/clock_getres of a CLOCKFD id (kind_fd(): CLOCKID_TO_FD()) whose file is
  one of FILES, an AF_UNIX datagram socket, an O_PATH one, a timerfd or an epoll:
  pc_clock_gettime()/pc_clock_getres() -> get_clock_desc() `if (fp->f_op->open !=
  posix_clock_open ...)` -EINVAL before put_timespec64() (a file opened by path may be
  /dev/ptp*: not judged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.first_failures import FD_NUMBER_LIMIT

if TYPE_CHECKING:
    from guardian.open_files import OpenFile

_N = NUMBERS
#: the descriptor kinds answer_stores.read_kind() names
SHMEM, PIPE, UNREADABLE, UNIX_DGRAM = "shmem", "pipe", "unreadable", "unix_dgram"
#: and those finer_kind() names (round 88b)
PATH, PIPE_WRITE, EVENTFD, SIGNALFD = "o_path", "pipe_write", "eventfd", "signalfd"
#: round 90b: a timerfd, an epoll file (finer_kind()), a descriptor no table holds
TIMERFD, EPOLL, NO_TABLE = "timerfd", "epoll", "no_table"
#: files that are no socket, epoll, directory, timerfd, mqueue or pidfd (and open: not
#: O_PATH)
FILES = frozenset({SHMEM, PIPE, PIPE_WRITE, EVENTFD, SIGNALFD})
_NR_PIPE2, _NR_EVENTFD2, _NR_SIGNALFD4 = _N["pipe2"], _N["eventfd2"], _N["signalfd4"]
_NR_TIMERFD_CREATE, _NR_EPOLL_CREATE1 = _N["timerfd_create"], _N["epoll_create1"]
#: files that are no socket and no directory (round 90b: the socket calls, getdents64)
_NO_SOCKET = FILES | {PATH, UNREADABLE, NO_TABLE, TIMERFD, EPOLL}
_U32 = 0xFFFF_FFFF
#: recvmsg: MSG_CMSG_COMPAT (CONFIG_COMPAT) in its flags register
_NR_RECVMSG, _MSG_CMSG_COMPAT = _N["recvmsg"], 0x8000_0000
#: clock_gettime, clock_getres: clockid_to_kclock()'s CLOCKFD form (CLOCKFD_MASK, CLOCKFD)
_NR_CLOCKS = frozenset({_N["clock_gettime"], _N["clock_getres"]})
_CLOCKFD_MASK, _CLOCKFD = 7, 3
#: pread64, preadv (and preadv2 at an offset but -1): -ESPIPE on a pipe (FMODE_PREAD)
_NR_PREADV2 = _N["preadv2"]
_PREADS = frozenset({_N["pread64"], _N["preadv"], _NR_PREADV2})
_O_WRONLY = 1
#: read and pread64 (their count in x2): the least count an eventfd's or a signalfd's
#: read takes (sizeof(u64), sizeof(struct signalfd_siginfo))
_COUNTED = frozenset({_N["read"], _N["pread64"]})
_MINIMUM = {EVENTFD: 8, SIGNALFD: 128, TIMERFD: 8}
_NR_WAITID = _N["waitid"]
_P_PIDFD = 3
_SIGINFO = 128
_NR_IOCTL, _TCGETS = _N["ioctl"], 0x5401
#: read, pread64, readv, preadv, preadv2
READS = frozenset(_N[n] for n in ("read", "pread64", "readv", "preadv", "preadv2"))
#: (call) -> the kinds on which it fails before any store (none of them is a timerfd,
#: an mqueue, a socket, a pidfd, a listening socket, a readable file)
NO_OPERATION: dict[int, frozenset[str]] = {
    _N["timerfd_gettime"]: FILES | {UNIX_DGRAM, PATH, NO_TABLE},
    _N["mq_timedreceive"]: FILES | {UNIX_DGRAM, PATH, NO_TABLE},
    _N["getsockopt"]: _NO_SOCKET,
    _NR_WAITID: FILES | {UNIX_DGRAM, PATH, NO_TABLE},
    _N["accept"]: FILES | {UNIX_DGRAM, PATH, NO_TABLE},
    _N["accept4"]: FILES | {UNIX_DGRAM, PATH, NO_TABLE},
    # (an eventfd's, a signalfd's and a timerfd's below their least count alone, a pipe
    # read end's pread64/preadv(2) alone: `stored`)
    **{nr: frozenset({UNREADABLE, PIPE_WRITE, PATH, EVENTFD, SIGNALFD, NO_TABLE, TIMERFD,
                      EPOLL} | ({PIPE} if nr in _PREADS else set())) for nr in READS},
    _NR_IOCTL: frozenset({SHMEM, PATH, NO_TABLE}),   # (a memfd's TCGETS alone: `stored`)
    **{_N[n]: _NO_SOCKET for n in ("recvfrom", "recvmsg", "recvmmsg")},
    **{_N[n]: _NO_SOCKET for n in ("getsockname", "getpeername")},
    **{_N[n]: FILES | {UNIX_DGRAM, PATH, NO_TABLE, TIMERFD}
       for n in ("epoll_pwait", "epoll_pwait2")},
    _N["getdents64"]: _NO_SOCKET | {UNIX_DGRAM},
    # (a CLOCKFD id's file, never a posix clock; not UNREADABLE: /dev/ptp* opens so)
    **{nr: FILES | {UNIX_DGRAM, PATH, TIMERFD, EPOLL} for nr in _NR_CLOCKS},
}
#: the calls `stored` judges
CALLS = frozenset(NO_OPERATION)


def kind_fd(nr: int, args: Sequence[int]) -> int | None:
    """The descriptor whose kind decides the call `nr`'s first test (None: none)."""
    if nr == _NR_WAITID:
        return args[1] if args[0] & 0xFFFF_FFFF == _P_PIDFD else None
    if nr in _NR_CLOCKS:
        # clockid_to_kclock(): a negative id with CLOCKFD bits names the file of
        # CLOCKID_TO_FD() = (unsigned int) ~(id >> 3); any other id names none
        cid = args[0] & _U32
        cid = cid - (1 << 32) if cid & 0x8000_0000 else cid
        return ~(cid >> 3) & _U32 if cid < 0 and cid & _CLOCKFD_MASK == _CLOCKFD else None
    return args[0]


def stored(nr: int, args: Sequence[int], ret: int,
           kind: str | None) -> list[tuple[int, int]] | None:
    """[start, end) ranges call `nr` on a descriptor of `kind` stored to, answered `ret`
    (unsigned); None: the kind does not decide it."""
    if nr == _NR_RECVMSG and args[2] & _MSG_CMSG_COMPAT:
        # __sys_recvmsg() `if (forbid_cmsg_compat && (flags & MSG_CMSG_COMPAT)) return
        # -EINVAL;` first, before the socket's lookup and the msghdr's copy (any kind)
        return []
    fd = kind_fd(nr, args)
    if fd is not None and fd & _U32 >= FD_NUMBER_LIMIT:
        kind = NO_TABLE                 # (fdget(): no table holds it, -EBADF first)
    if kind is None or kind not in NO_OPERATION.get(nr, ()):
        return None
    if nr == _NR_IOCTL:
        return [] if kind in (PATH, NO_TABLE) or args[1] & 0xFFFF_FFFF == _TCGETS else None
    if kind in _MINIMUM and nr in READS:
        return [] if nr in _COUNTED and args[2] < _MINIMUM[kind] else None
    if kind == PIPE:
        # ksys_pread64()/do_preadv(): -ESPIPE without FMODE_PREAD; preadv2 at -1 reads
        return [] if nr != _NR_PREADV2 or args[3] != (1 << 64) - 1 else None
    if nr == _NR_WAITID:
        infop = args[2]
        return [(infop, infop + _SIGINFO)] if infop else []
    return []


def finer_kind(f: OpenFile) -> str | None:
    """PATH, PIPE_WRITE, EVENTFD, SIGNALFD, TIMERFD or EPOLL for an open file the program
    made so (answer_stores.read_kind() asks it once the table is steady); None: none."""
    if f.path_only:
        return PATH                     # (FMODE_PATH: do_dentry_open() for O_PATH)
    maker = f.maker
    if maker is None:
        return None
    if maker == _NR_PIPE2:
        return PIPE_WRITE if f.access == _O_WRONLY else None
    if maker == _NR_EVENTFD2:
        return EVENTFD
    if maker == _NR_TIMERFD_CREATE:
        return TIMERFD
    if maker == _NR_EPOLL_CREATE1:
        return EPOLL
    return SIGNALFD if maker == _NR_SIGNALFD4 else None
