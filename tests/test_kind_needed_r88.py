"""Round 88's widening of return.kind_needed (guardian/kind_ops.py, kind_needed.py):
ioctls a kind does not serve, send/receive calls on a non-socket, a read of an epoll,
lseek of a pidfd, fcntl's pipe-size and seal commands on a file of another kind.  Each
refusal sits beside the answer Linux gives, which passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.kind_needed import check
from guardian.open_files import OpenFile
from guardian.slots import Slot

N = NUMBERS
TABLE = {
    3: OpenFile(path="/dev/null"),
    4: OpenFile(maker=N["epoll_create1"]),
    5: OpenFile(maker=N["memfd_create"]),
    6: OpenFile(maker=N["eventfd2"]),
    7: OpenFile(maker=N["pidfd_open"], pid=1),
    8: OpenFile(maker=N["socket"], sock=(1, 1, 0)),     # AF_UNIX SOCK_STREAM
    9: OpenFile(path="/tmp/fifo"),                      # a name: a FIFO, a tmpfs file ...
    10: OpenFile(),                                     # kind not known
    11: OpenFile(maker=N["pipe2"]),
}
FIOQSIZE, FIONREAD, TCGETS, TIOCGPTN = 0x5460, 0x541B, 0x5401, 0x80045430
FS_IOC_GETFLAGS, FS_IOC_FSGETXATTR, FIOASYNC, FIONBIO = 0x80086601, 0x801C581F, 0x5452, 0x5421
FIGETBSZ, EPIOCGPARAMS, PIDFD_GET_INFO = 0x2, 0x80088A02, 0xC040FF0B
F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS, F_GETFL = 1031, 1032, 1033, 1034, 3


def _check(nr: str, args: tuple[int, ...]) -> None:
    slot = Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)
    check(slot, 0, TABLE.get)


@pytest.mark.parametrize("nr,args", [
    ("ioctl", (5, FS_IOC_GETFLAGS, 0x100)),     # shmem_fileattr_get(), 6.0 on
    ("ioctl", (5, FIOQSIZE, 0x100)),            # S_ISREG
    ("ioctl", (3, FIOASYNC, 0x100)),            # ioctl_fioasync(): nothing to change
    ("ioctl", (6, FIONBIO, 0x100)),             # do_vfs_ioctl()'s own
    ("ioctl", (6, FIOQSIZE, 0x100)),            # 6.15.0..6.15.5: anon inodes S_IFREG
    ("ioctl", (4, FIONREAD, 0x100)),            # (the same)
    ("ioctl", (6, FIGETBSZ, 0x100)),            # pseudo fs s_blocksize PAGE_SIZE
    ("ioctl", (4, EPIOCGPARAMS, 0x100)),        # ep_eventpoll_ioctl(), 6.9 on
    ("ioctl", (7, PIDFD_GET_INFO, 0x100)),      # pidfd_ioctl(), 6.13 on
    ("ioctl", (3, FS_IOC_GETFLAGS, 0x100)),     # /dev's filesystem decides
    ("ioctl", (9, TIOCGPTN, 0x100)), ("ioctl", (10, TCGETS, 0x100)),
    ("recvfrom", (8, 0x100, 8, 0, 0, 0)), ("sendmsg", (8, 0x100, 0)),
    ("recvfrom", (10, 0x100, 8, 0, 0, 0)), ("sendmsg", (9, 0x100, 0)),
    ("read", (6, 0x100, 8)), ("read", (9, 0x100, 8)), ("write", (5, 0x100, 8)),
    ("lseek", (6, 0, 0)), ("lseek", (4, 0, 0)), ("lseek", (5, 5, 0)),
    ("fcntl", (11, F_GETPIPE_SZ)), ("fcntl", (9, F_GETPIPE_SZ)), ("fcntl", (10, F_SETPIPE_SZ, 4096)),
    ("fcntl", (5, F_GET_SEALS)), ("fcntl", (9, F_ADD_SEALS, 1)), ("fcntl", (6, F_GETFL)),
])
def test_kind_needed_r88_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    _check(nr, args)


@pytest.mark.parametrize("nr,args", [
    ("ioctl", (6, FS_IOC_GETFLAGS, 0x100)),     # AQ-002
    ("ioctl", (4, FS_IOC_FSGETXATTR, 0x100)),
    ("ioctl", (6, TIOCGPTN, 0x100)),            # AQ-003
    ("ioctl", (5, TIOCGPTN, 0x100)), ("ioctl", (6, 0x80086D00, 0x100)),
    ("ioctl", (7, TCGETS, 0x100)),              # AQ-021
    ("ioctl", (4, TCGETS, 0x100)),              # AQ-022
    ("ioctl", (3, FIOQSIZE, 0x100)),            # S_ISCHR
    ("recvfrom", (6, 0x100, 8, 0, 0, 0)),       # AQ-004
    ("sendmsg", (5, 0x100, 0)),                 # AQ-005
    ("recvmsg", (11, 0x100, 0)), ("sendto", (7, 0x100, 1, 0, 0, 0)),
    ("recvmmsg", (3, 0x100, 1, 0, 0)), ("sendmmsg", (4, 0x100, 1, 0)),
    ("read", (4, 0x100, 8)),                    # AQ-024
    ("readv", (7, 0x100, 1)), ("write", (4, 0x100, 8)), ("pread64", (4, 0x100, 8, 0)),
    ("lseek", (7, 5, 0)),                       # AQ-025
    ("fcntl", (6, F_GETPIPE_SZ)),               # AQ-029
    ("fcntl", (3, F_SETPIPE_SZ, 4096)), ("fcntl", (5, F_GETPIPE_SZ)),
    ("fcntl", (6, F_GET_SEALS)),                # AQ-030
    ("fcntl", (11, F_ADD_SEALS, 1)), ("fcntl", (3, F_GET_SEALS)),
])
def test_kind_needed_r88_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.kind_needed"):
        _check(nr, args)


def test_kind_needed_r88_not_steady_passes() -> None:
    # another thread may have dup3()ed a socket over the eventfd's number
    slot = Slot(9, 1, None, 0, N["recvfrom"], (6, 0x100, 8, 0, 0, 0), 1, 2)
    check(slot, 8, TABLE.get, steady=lambda: False)
    check(slot, 8, TABLE.get, filtered=lambda: True)
