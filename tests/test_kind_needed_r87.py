"""Round 87's widening of return.kind_needed (guardian/kind_needed.py): epoll_ctl of a
memfd, socket calls on a file that is no socket, tty ioctls on a file with no
unlocked_ioctl, listen/accept on an AF_UNIX datagram socket.  Each refusal sits beside
the answer Linux gives, which passes."""

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
    7: OpenFile(maker=N["socket"], sock=(1, 2, 0)),     # AF_UNIX SOCK_DGRAM
    8: OpenFile(maker=N["socket"], sock=(1, 1, 0)),     # AF_UNIX SOCK_STREAM
    9: OpenFile(path="/etc/passwd"),                    # a regular file by name
    10: OpenFile(),                                     # kind not known
    11: OpenFile(maker=N["pipe2"]),
    12: OpenFile(maker=N["socket"], sock=(2, 2, 0)),    # AF_INET SOCK_DGRAM
}
FIONREAD, TCGETS, FIONBIO, FIOCLEX = 0x541B, 0x5401, 0x5421, 0x5451


def _check(nr: str, args: tuple[int, ...], dev_names: bool = True) -> None:
    slot = Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)
    check(slot, 0, TABLE.get, dev_names=lambda: dev_names)


@pytest.mark.parametrize("nr,args", [
    ("epoll_ctl", (4, 1, 11, 0x100)),           # a pipe polls
    ("ioctl", (5, FIONREAD, 0x100)),            # file_ioctl(): a memfd is a regular file
    ("ioctl", (9, FIONREAD, 0x100)), ("ioctl", (10, TCGETS, 0x100)),
    ("ioctl", (11, FIONREAD, 0x100)),           # pipe_ioctl()
    ("ioctl", (6, FIONBIO, 0x100)), ("ioctl", (3, FIOCLEX, 0)),   # do_vfs_ioctl()'s own
    # an eventfd's FIONREAD: 6.15.0..6.15.5's S_IFREG anon inode answers 0, storing 0 (AO-021)
    ("ioctl", (6, FIONREAD, 0x100)),
    ("ioctl", (5, 0x40086602, 0x100)),          # FS_IOC_SETFLAGS: shmem_fileattr_set()
    ("listen", (8, 1)), ("accept4", (8, 0, 0, 0)), ("getsockopt", (8, 1, 3, 0x100, 0x200)),
    ("getsockopt", (10, 1, 3, 0x100, 0x200)), ("listen", (9, 1)),
    ("bind", (12, 0x100, 16)), ("connect", (7, 0x100, 16)),
])
def test_kind_needed_r87_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    _check(nr, args)


def test_kind_needed_r87_dev_names_moved_pass() -> None:
    # /dev's names may no longer be the boot's: /dev/null may be anything
    _check("listen", (3, 1), dev_names=False)
    _check("ioctl", (3, FIONREAD, 0x100), dev_names=False)


@pytest.mark.parametrize("nr,args", [
    ("epoll_ctl", (4, 1, 5, 0x100)),            # AO-018: shmem has no ->poll
    ("listen", (6, 1)),                         # AO-019
    ("accept4", (5, 0, 0, 0)),                  # AO-020
    ("getsockopt", (6, 1, 3, 0x100, 0x200)),    # AO-023
    ("ioctl", (5, TCGETS, 0x100)),              # AO-022
    ("ioctl", (3, FIONREAD, 0x100)),            # AO-033
    ("listen", (3, 1)),                         # AO-034
    ("listen", (7, 1)), ("accept", (7, 0, 0)),  # AO-035
    ("setsockopt", (11, 1, 3, 0x100, 4)), ("shutdown", (4, 2)),
])
def test_kind_needed_r87_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.kind_needed"):
        _check(nr, args)
