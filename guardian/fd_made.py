"""A descriptor a call makes: new, where it was asked for, the lowest free, below the limit.

Linux's alloc_fd hands out the lowest descriptor not open, at least the one asked for
(fcntl F_DUPFD), and fails with EMFILE rather than hand out one at or above the
process's soft RLIMIT_NOFILE (dup3's and F_DUPFD's asked-for descriptor past it is
EBADF/EINVAL; every other maker goes through alloc_fd).  A program sizes tables by that
limit ("a slot per descriptor below it").  The Guardian learns the limit from the
process's own calls: a setrlimit or prlimit64 on itself (pid 0, or its own pid) that
succeeded sets it, and the old value prlimit64 or getrlimit reads tells it; fork and
exec keep it, as Linux does (`FileTable.fd_limit`).  Checks `return.fd_asked`,
`return.fd_fresh`, `return.fd_lowest` (fd_lowest.py) and `return.fd_limit`.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import INT_MAX, NR_DUP3, NR_FCNTL, NR_RECVMMSG, NR_RECVMSG
from abi.layout import ERRNO_FLOOR, NR_CLONE, NR_CLONE3
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_lowest import check_lowest
from guardian.fd_results import new_fds, s32
from guardian.open_files import FileTable
from guardian.side_fds import side_fds
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.user_memory import UserMemory

RLIMIT_NOFILE = 7
_NR_GETRLIMIT, _NR_SETRLIMIT = NUMBERS["getrlimit"], NUMBERS["setrlimit"]
_NR_PRLIMIT64 = NUMBERS["prlimit64"]
_NR_IOCTL = NUMBERS["ioctl"]
#: PIDFD_GET_CGROUP_NAMESPACE .. PIDFD_GET_USER_NAMESPACE (_IO(0xFF, 1..10))
PIDFD_GET_NAMESPACES = frozenset(range(0xFF01, 0xFF0B))
_CLONES = frozenset({NR_CLONE, NR_CLONE3})
_RECEIVES = frozenset({NR_RECVMSG, NR_RECVMMSG})  # they install what SCM_RIGHTS passes
#: The calls that set or read a resource limit (`note_limit`).
LIMIT_CALLS = frozenset({_NR_GETRLIMIT, _NR_SETRLIMIT, _NR_PRLIMIT64})


def check_made(files: Descriptors, slot: Slot, ret: int) -> None:
    """A descriptor a call made is a new one: a non-negative int that is not open
    (dup3's, the one asked for; fcntl F_DUPFD's, at least the one asked for), below the
    process's soft RLIMIT_NOFILE where the Guardian knows it."""
    if ret >= ERRNO_FLOOR:
        return
    nr, a = slot.nr, slot.args
    if nr in _CLONES and files.pidfd_unsure(slot):
        return
    new = new_fds(files.memory, slot, ret)
    if nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF in PIDFD_GET_NAMESPACES and \
            files.pidfd_pid(slot, a[0]):
        # pidfd_ioctl() -> open_namespace(): get_unused_fd_flags(), a new descriptor
        # (6.11 on) -- on a pidfd the program's pidfd_open made, not a driver's number
        new = [ret]
    if not new:
        if nr in _RECEIVES:
            _check_passed(files, slot, ret)
        return
    table = files.table(slot.root, slot.thread)
    limit = table.fd_limit
    over = [fd for fd in new if limit is not None and fd >= limit]
    if over:
        refuse("return.fd_limit", Status.ERR_DENIED,
               f"syscall {nr} returned descriptor {over[0]} as a new one, at or above the "
               f"soft RLIMIT_NOFILE {limit} the program set: Linux fails the call "
               "(EMFILE) rather than hand out a descriptor past the limit")
    if nr == NR_DUP3:
        if a[0] & 0xFFFF_FFFF == a[1] & 0xFFFF_FFFF:
            refuse("return.fd_asked", Status.ERR_DENIED,
                   f"dup3({s32(a[0])}, {s32(a[1])}) returned {ret:#x}: dup3 of a descriptor "
                   "onto itself fails with EINVAL (ksys_dup3)")
        if ret != a[1] & 0xFFFF_FFFF or s32(a[1]) < 0:
            refuse("return.fd_asked", Status.ERR_DENIED,
                   f"dup3({s32(a[0])}, {s32(a[1])}) returned {ret:#x}, not the "
                   "descriptor asked for")
        return          # dup3 replaces whatever the asked-for descriptor was
    if nr == NR_FCNTL and ret < s32(a[2]):
        refuse("return.fd_asked", Status.ERR_DENIED,
               f"fcntl(F_DUPFD, {s32(a[2])}) returned descriptor {ret}, below the one "
               "asked for")
    for fd in new:
        if not 0 <= fd <= INT_MAX:
            refuse("return.fd_fresh", Status.ERR_DENIED,
                   f"syscall {nr} returned {fd:#x} as a new descriptor, which no "
                   "descriptor is")
        if fd in table.fds or new.count(fd) > 1:
            refuse("return.fd_fresh", Status.ERR_DENIED,
                   f"syscall {nr} returned descriptor {fd} as a new one, but the "
                   "program holds it open already")
        if fd < table.open_below and files.steady(slot):
            refuse("return.fd_fresh", Status.ERR_DENIED,
                   f"syscall {nr} returned descriptor {fd} as a new one, but descriptors "
                   f"0..{table.open_below - 1} are open (a call made descriptor "
                   f"{table.open_below} as the lowest free one, none closed since)")
    if table.free and not files.busy(slot, table):
        check_lowest(table.free, slot, new, max(0, s32(a[2])) if nr == NR_FCNTL else 0)


def _check_passed(files: Descriptors, slot: Slot, ret: int) -> None:
    """The descriptors a recvmsg's (recvmmsg's) SCM_RIGHTS messages installed are each the
    lowest free one: scm_detach_fds() -> receive_fd() takes get_unused_fd_flags() for each
    file in turn, whoever sent it (`return.fd_lowest`)."""
    table = files.table(slot.root, slot.thread)
    if not table.free or files.busy(slot, table):
        return
    new = side_fds(lambda va, n: files.memory.read(va, n, slot.root), slot.nr, slot.args, ret)
    new = [fd for fd in new if 0 <= fd <= INT_MAX]
    if new:
        check_lowest(table.free, slot, new)


def _soft(memory: UserMemory, slot: Slot, va: int) -> int | None:
    raw = memory.read(va, 16, slot.root) if va else None
    if raw is None:
        return None
    soft = struct.unpack_from("<Q", raw)[0]
    return None if soft >= INT_MAX else soft        # RLIM_INFINITY and the like: no bound


def note_limit(memory: UserMemory, table: FileTable, slot: Slot, ret: int) -> None:
    """A getrlimit, setrlimit or prlimit64 of the calling process's own RLIMIT_NOFILE
    succeeded: the soft limit it read (the old value) or set (the new one)."""
    nr, a = slot.nr, slot.args
    if nr == _NR_PRLIMIT64:
        pid = s32(a[0])
        if pid != 0 and pid not in table.pids:
            return                          # another process's limit
        resource, new, old = a[1], a[2], a[3]
    elif nr == _NR_SETRLIMIT:
        resource, new, old = a[0], a[1], 0
    else:
        resource, new, old = a[0], 0, a[1]
    if resource & 0xFFFF_FFFF != RLIMIT_NOFILE:
        return
    if ret != 0:
        return                              # an error changed nothing
    if new and old and abs(new - old) < 16:
        table.fd_limit = None               # the old value overwrote the new one
        return
    if old:
        table.fd_limit = _soft(memory, slot, old)
    if new:
        table.fd_limit = _soft(memory, slot, new)
