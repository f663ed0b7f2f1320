"""`return.fd_never_opened`: the numbers a program's table is known not to hold because
nothing ever put a file there -- the launch's table as the user stated it, and every call
of the program's since.

The threat model fixes the launch as the README says: the program starts with descriptors
0, 1 and 2 (the console; a user's shell may have closed them, so they are only "maybe
open") and no other, unless the user states more (`blindfold run --launch-fds N,...`: a
shell's `900</dev/null`, systemd's LISTEN_FDS; LaunchFacts.fds).  Every other number is
free until a call of the program's installs a file there; Linux looks a number up with
fget_task() / files_lookup_fd_raw() (kcmp's get_file_raw_ptr(), pidfd_getfd's
__pidfd_fget(), perf_event_open's perf_fget_light()), which finds no file in a free
slot: -EBADF.

A table is "fresh" (FileTable.fresh) only from the launch's CREATE_DOMAIN on, and stays so
while each call that may install a descriptor is one whose numbers the Guardian records
(Descriptors.record: openat, dup*, fcntl F_DUPFD*, pipe2, socket*, accept*, memfd_create,
epoll_create1, eventfd2, signalfd4, timerfd_create, inotify_init1, perf_event_open,
io_uring_setup, userfaultfd, fanotify_init, open_tree, fsopen, fspick, fsmount,
pidfd_open, pidfd_getfd, memfd_secret, a clone's CLONE_PIDFD read back ...).  A call that
may install one it does not follow -- recvmsg's SCM_RIGHTS or SCM_PIDFD, io_uring_enter,
bpf, seccomp's listener, an ioctl, a read of a fanotify descriptor, getsockopt's
SO_PEERPIDFD (sk_getsockopt() -> pidfd_prepare(), 6.5+), a clone whose pidfd number was
not read back -- makes the table unknown for good (`forget`).  A fork child's table is a
copy (dup_fd(): the same facts); an exec's is not judged (its image may be one the
Guardian does not see; binfmt_misc may install an AT_EXECFD).  Another thread's call in
flight on the table is excluded by the callers (Descriptors.steady()).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from abi.descriptors import NR_RECVMSG
from abi.syscalls import NUMBERS
from guardian import checks

if TYPE_CHECKING:
    from guardian.launch_facts import LaunchFacts
    from guardian.open_files import FileTable

#: the console's numbers: open at the launch unless the user's shell closed them
MAYBE_OPEN = frozenset({0, 1, 2})
#: calls outside fd_lowest.UNSEEN_MAKERS that may install a descriptor the Guardian does
#: not follow: getsockopt(SO_PEERPIDFD) (sk_getsockopt() -> pidfd_prepare() + fd_install())
UNFOLLOWED = frozenset(NUMBERS[n] for n in ("getsockopt",) if n in NUMBERS)
SOL_SOCKET, SCM_RIGHTS, SCM_PIDFD = 1, 1, 4
_MSG_CONTROL = 32                            # struct msghdr on AArch64: msg_control, _len
_CMSG_HDR = struct.Struct("<QII")           # cmsg_len, cmsg_level, cmsg_type
#: the largest number any table may hold (sysctl_nr_open's ceiling, INT_MAX & -BITS_PER_LONG)
_NR_OPEN_MAX = (1 << 31) - 64


def parse(text: str) -> frozenset[int]:
    """`--launch-fds N[,N...]`: each N a descriptor number 3..NR_OPEN_MAX-1 (0..2 are
    the console's already); ValueError naming the bad one."""
    fds: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ValueError(f"{part!r} is no descriptor number (give N[,N...], each 3 or more)")
        fd = int(part)
        if fd < 3:
            raise ValueError(f"descriptor {fd} is the console's: 0, 1 and 2 are taken as "
                             f"passed already (give numbers 3 or more)")
        if fd >= _NR_OPEN_MAX:
            raise ValueError(f"descriptor {fd} is past any table (sysctl_nr_open's ceiling "
                             f"is {_NR_OPEN_MAX - 1})")
        fds.add(fd)
    return frozenset(fds)


def follows_recv(read: Callable[[int, int], bytes | None], nr: int, hdr: int, ret: int,
                 alone: bool) -> bool:
    """Are all the descriptors a recvmsg installed among the SCM_RIGHTS numbers the
    Guardian reads back (side_fds.rights())?  Only for a recvmsg that succeeded
    (___sys_recvmsg() may fail with -EFAULT after scm_detach_fds() installed some) in a
    space whose only thread is the caller (`alone`: no other thread may have written the
    control bytes since), whose control data as the kernel wrote it back
    (msg_controllen: what put_cmsg() used) parses whole and holds no SCM_PIDFD (6.5+:
    scm_pidfd_recv() installs a pidfd; not followed).  Else the table is unknown."""
    if nr != NR_RECVMSG or ret < 0 or not alone:
        return False
    raw = read(hdr + _MSG_CONTROL, 16)
    if raw is None:
        return False
    control, length = struct.unpack("<QQ", raw)
    if length == 0:
        return True
    data = read(control, length) if control and length <= 1 << 16 else None
    if data is None:
        return False
    pos = 0
    while pos + _CMSG_HDR.size <= len(data):
        cmsg_len, level, kind = _CMSG_HDR.unpack_from(data, pos)
        if cmsg_len < _CMSG_HDR.size or pos + cmsg_len > len(data):
            return False
        if level == SOL_SOCKET and kind == SCM_PIDFD:
            return False
        pos += (cmsg_len + 7) & ~7
    return pos >= len(data)         # (a fragment no header covers: not known)


def start(table: FileTable) -> None:
    """The user's launch's first table: fresh (what the launch holds is LaunchFacts')."""
    table.fresh = checks.enabled("return.fd_never_opened")


def forget(table: FileTable) -> None:
    """A call may have installed a number the Guardian does not know: none is known free
    by this rule again (fd_lowest's `free` may still know closed ones)."""
    table.fresh = False


def never_opened(table: FileTable | None, launch: LaunchFacts, fd: int) -> bool:
    """Is number `fd` (signed) known to name no file in `table`: fresh, not the console's
    nor a stated launch number, and not among the numbers the recorded calls put a file
    at and left open (`table.fds`: a number the program closed since is free again, as
    fd_lowest's `free` also says)?"""
    return table is not None and table.fresh and fd >= 0 and fd not in MAYBE_OPEN \
        and fd not in launch.fds and fd not in table.fds
