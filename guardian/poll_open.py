"""Check `return.pollnval_open`: ppoll reports POLLNVAL only for a descriptor that is not
open.

Linux's do_pollfd sets POLLNVAL exactly where fdget() finds no open file; a program
counts on it ("POLLNVAL: that descriptor is gone, drop its slot").  The Guardian knows
the descriptors the program holds (its table, guardian/confidential_files.py): a pollfd
naming one of them, reported POLLNVAL, is refused -- unless a call that may close it
(close, close_range, dup3) is in flight on another thread sharing the table, which may
have closed it while the poll ran.
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
POLLNVAL = 0x20
_MAX_NFDS = 1 << 20


def check_pollnval(memory: UserMemory, files: Descriptors, slot: Slot, ret: int,
                   in_flight: Iterable[Slot]) -> None:
    """Refuse POLLNVAL on a descriptor the program holds open."""
    base, nfds = slot.args[0], slot.args[1] & 0xFFFF_FFFF
    if ret >= ERRNO_FLOOR or not ret or not base or not nfds or nfds > _MAX_NFDS:
        return
    size = nfds * _POLLFD.size
    raw = memory.read(base, size, slot.root)
    if raw is None:
        missing = memory.first_missing(base, size, False)
        raise FaultIn(base if missing is None else missing)
    table = files.table(slot.root, slot.thread)
    for i in range(nfds):
        fd, _, revents = _POLLFD.unpack_from(raw, i * _POLLFD.size)
        if fd < 0 or not revents & POLLNVAL or s32(fd) not in table.fds:
            continue
        if any(other.id != slot.id and other.nr in _CLOSING
               and files.table(other.root, other.thread) is table for other in in_flight):
            return                      # another thread may have closed it meanwhile
        refuse("return.pollnval_open", Status.ERR_DENIED,
               f"ppoll reports POLLNVAL for descriptor {fd}, which the program holds open: "
               "Linux reports POLLNVAL only for a descriptor that is not open")
