"""Checks `return.pollnval_open` and `return.pollhup_writer`: what ppoll reports of a
descriptor the program holds.

Linux's do_pollfd sets POLLNVAL exactly where fdget() finds no open file, and pipe_poll
sets POLLHUP on a pipe's read end only once no writer is left (pipe->writers 0); a
program counts on both ("POLLNVAL: that descriptor is gone", "POLLHUP: the writer hung
up").  The Guardian knows the descriptors the program holds (its tables,
guardian/confidential_files.py) and which pipe2 ends belong together: POLLNVAL on a
descriptor the calling thread's table holds, or POLLHUP on a pipe's read end whose write
end a table of the program holds, is refused -- unless a call that may close descriptors
(close, close_range, dup3, exec, unshare) is in flight on another thread of the program,
which may have closed it while the poll ran.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.fd_results import s32
from guardian.slots import Slot
from guardian.user_memory import UserMemory

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

_NR_PPOLL = NUMBERS["ppoll"]
#: Every call `check_pollnval` acts on.
CALLS = frozenset({_NR_PPOLL})
_CLOSING = frozenset(NUMBERS[n] for n in ("close", "close_range", "dup3", "execve",
                                          "execveat", "unshare"))
_POLLFD = struct.Struct("<ihh")
POLLHUP, POLLNVAL = 0x10, 0x20
_MAX_NFDS = 1 << 20


def close_in_flight(slot: Slot, in_flight: Iterable[Slot]) -> bool:
    """Whether another thread of the slot's program is in a call that may close
    descriptors (so a descriptor the tables name may be gone already)."""
    return any(other.id != slot.id and other.nr in _CLOSING and other.domain == slot.domain
               for other in in_flight)


def check_pollnval(memory: UserMemory, files: Descriptors, slot: Slot, ret: int,
                   in_flight: Iterable[Slot]) -> None:
    """Refuse POLLNVAL on a descriptor the program holds open, POLLHUP on a pipe's read
    end whose writer it holds."""
    base, nfds = slot.args[0], slot.args[1] & 0xFFFF_FFFF
    if ret >= ERRNO_FLOOR or not ret or not base or not nfds or nfds > _MAX_NFDS:
        return
    size = nfds * _POLLFD.size
    raw = memory.read(base, size, slot.root)
    if raw is None:
        missing = memory.first_missing(base, size, False)
        raise FaultIn(base if missing is None else missing)
    table = files.table(slot.root, slot.thread)
    closing = None
    for i in range(nfds):
        fd, _, revents = _POLLFD.unpack_from(raw, i * _POLLFD.size)
        if fd < 0 or not revents & (POLLNVAL | POLLHUP):
            continue
        nval = bool(revents & POLLNVAL) and s32(fd) in table.fds
        hup = bool(revents & POLLHUP) and not nval and \
            files.writer_held(slot, files.description_of(slot, fd))
        if not (nval or hup):
            continue
        if closing is None:             # another thread may have closed it meanwhile
            closing = close_in_flight(slot, in_flight)
        if closing:
            return
        if nval:
            refuse("return.pollnval_open", Status.ERR_DENIED,
                   f"ppoll reports POLLNVAL for descriptor {fd}, which the program holds "
                   "open: Linux reports POLLNVAL only for a descriptor that is not open")
        else:
            refuse("return.pollhup_writer", Status.ERR_DENIED,
                   f"ppoll reports POLLHUP for descriptor {fd}, a pipe's read end whose "
                   "write end the program holds open: Linux reports it only once no "
                   "writer is left")
