"""Where each Linux call that makes a descriptor takes its close-on-exec mark.

execve() closes every descriptor whose FD_CLOEXEC is set, however it was set: by the
call that made it (a flag of its own in one of its arguments, each call with its own
name and bit value), or later (fcntl F_SETFD, ioctl FIOCLEX, close_range
CLOSE_RANGE_CLOEXEC).  Some calls always make close-on-exec descriptors (pidfd_open,
pidfd_getfd, io_uring_setup, mq_open, landlock_create_ruleset, a clone pidfd, a seccomp
listener, bpf objects); dup and accept never do.  Values are Linux's generic/AArch64
ones: O_CLOEXEC is 0o2000000 there, and SOCK_, EFD_, TFD_, SFD_, IN_, EPOLL_, UFFD_,
OPEN_TREE_CLOEXEC equal it; MFD_, FAN_, FSOPEN_, FSPICK_, FSMOUNT_CLOEXEC are bit 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from abi.descriptors import (
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    NEW_FD_PAIR,
    NEW_FD_RESULT,
    NR_DUP3,
    NR_FCNTL,
    NR_SIGNALFD4,
    O_CLOEXEC,
)
from abi.syscalls import NUMBERS as _NR

SOCK_CLOEXEC = EFD_CLOEXEC = TFD_CLOEXEC = SFD_CLOEXEC = IN_CLOEXEC = O_CLOEXEC
EPOLL_CLOEXEC = UFFD_CLOEXEC = OPEN_TREE_CLOEXEC = O_CLOEXEC
MFD_CLOEXEC = FAN_CLOEXEC = FSOPEN_CLOEXEC = FSPICK_CLOEXEC = FSMOUNT_CLOEXEC = 1
PERF_FLAG_FD_CLOEXEC = 1 << 3
MSG_CMSG_CLOEXEC = 0x4000_0000          # recvmsg/recvmmsg: SCM_RIGHTS descriptors


@dataclass(frozen=True)
class CloexecMark:
    """How one call marks the descriptors it makes close-on-exec: bit `bit` of argument
    `arg` (`indirect`: of the first 64-bit word of the struct that argument points at,
    openat2's open_how.flags); arg None: always (`bit` 1) or never (`bit` 0)."""

    arg: int | None
    bit: int
    indirect: bool = False


ALWAYS = CloexecMark(None, 1)
NEVER = CloexecMark(None, 0)


def _flag(arg: int, bit: int) -> CloexecMark:
    return CloexecMark(arg, bit)


#: Calls that make descriptors, by name -> where their close-on-exec mark comes from.
#: fcntl is by command (`FCNTL_MAKES`); the calls past the first block make descriptors
#: the Guardian does not see made (fd_lowest.UNSEEN_MAKERS) but their rule is the same.
_BY_NAME: dict[str, CloexecMark] = {
    "openat": _flag(2, O_CLOEXEC),
    "openat2": CloexecMark(2, O_CLOEXEC, indirect=True),
    "open_by_handle_at": _flag(2, O_CLOEXEC),
    "dup": NEVER,
    "dup3": _flag(2, O_CLOEXEC),
    "socket": _flag(1, SOCK_CLOEXEC),
    "socketpair": _flag(1, SOCK_CLOEXEC),
    "accept": NEVER,
    "accept4": _flag(3, SOCK_CLOEXEC),
    "pipe2": _flag(1, O_CLOEXEC),
    "eventfd2": _flag(1, EFD_CLOEXEC),
    "epoll_create1": _flag(0, EPOLL_CLOEXEC),
    "timerfd_create": _flag(1, TFD_CLOEXEC),
    "signalfd4": _flag(3, SFD_CLOEXEC),
    "inotify_init1": _flag(0, IN_CLOEXEC),
    "fanotify_init": _flag(0, FAN_CLOEXEC),
    "memfd_create": _flag(1, MFD_CLOEXEC),
    "memfd_secret": _flag(0, O_CLOEXEC),
    "userfaultfd": _flag(0, UFFD_CLOEXEC),
    "perf_event_open": _flag(4, PERF_FLAG_FD_CLOEXEC),
    "open_tree": _flag(2, OPEN_TREE_CLOEXEC),
    "fsopen": _flag(1, FSOPEN_CLOEXEC),
    "fspick": _flag(2, FSPICK_CLOEXEC),
    "fsmount": _flag(1, FSMOUNT_CLOEXEC),
    "pidfd_open": ALWAYS,
    "pidfd_getfd": ALWAYS,
    "io_uring_setup": ALWAYS,
    "mq_open": ALWAYS,
    "landlock_create_ruleset": ALWAYS,
    # Descriptors made on the side of another job.
    "recvmsg": _flag(2, MSG_CMSG_CLOEXEC),
    "recvmmsg": _flag(3, MSG_CMSG_CLOEXEC),
    "clone": ALWAYS,                     # CLONE_PIDFD's pidfd
    "clone3": ALWAYS,
    "seccomp": ALWAYS,                   # SECCOMP_FILTER_FLAG_NEW_LISTENER's listener
    "bpf": ALWAYS,                       # maps, programs, links, BTF, iterators, tokens
}
CLOEXEC_MARKS: dict[int, CloexecMark] = {_NR[n]: m for n, m in _BY_NAME.items() if n in _NR}
#: Calls that make descriptors each by an operation's own flag (an io_uring submission's
#: open or accept flags, an ioctl request's): no one rule per call.
PER_OPERATION = frozenset(_NR[n] for n in ("io_uring_enter", "io_uring_register", "ioctl")
                          if n in _NR)
#: fcntl's commands that make a descriptor -> whether it is close-on-exec.
FCNTL_MAKES = {F_DUPFD: False, F_DUPFD_CLOEXEC: True}
#: Every call the descriptor-table contract says makes a descriptor the Guardian follows.
FOLLOWED_MAKERS = frozenset({*NEW_FD_RESULT, *NEW_FD_PAIR, NR_SIGNALFD4, NR_DUP3, NR_FCNTL})


def made_cloexec(nr: int, args: tuple[int, ...] | list[int],
                 read_u64: Callable[[int], int | None]) -> bool | None:
    """Whether the descriptors call `nr` made with `args` are close-on-exec (None: the
    call makes none, or its mark could not be read).  `read_u64(va)` reads the program's
    memory for a mark kept in a struct."""
    if nr == NR_FCNTL:
        return FCNTL_MAKES.get(args[1] & 0xFFFF_FFFF)
    mark = CLOEXEC_MARKS.get(nr)
    if mark is None:
        return None
    if mark.arg is None:
        return bool(mark.bit)
    word = read_u64(args[mark.arg]) if mark.indirect else args[mark.arg]
    return None if word is None else bool(word & mark.bit)
