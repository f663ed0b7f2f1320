"""The descriptor rules a call's return is judged by, before `record` follows it.

A descriptor a call made must be a new one below the limit (fd_made.py); F_GETFD answers
the close-on-exec flag the descriptor holds and F_GETFL the O_NONBLOCK its open file holds,
as the calls that made them and the program's own F_SETFD/F_SETFL/FIOCLEX/FIONBIO left
them (a memfd only the program holds: its O_APPEND too, sole_files.py).  `Descriptors`
(confidential_files.py) holds the state.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.descriptors import (
    FD_CLOEXEC,
    NR_FCNTL,
    NR_IOCTL,
    NR_PIPE2,
    NR_SENDMSG,
    NR_SOCKET,
    NR_SOCKETPAIR,
)
from abi.layout import ERRNO_FLOOR
from guardian.checks import refuse
from guardian.fd_made import check_made
from guardian.fd_results import new_fds, s32
from guardian.fd_tables import TableLifecycle
from guardian.slots import Slot
from guardian.sole_files import MemFile, check_flags
from guardian.user_memory import UserMemory

F_GETFD, F_GETFL, F_SETFL, FIONBIO, O_NONBLOCK = 1, 3, 4, 0x5421, 0o4000


class TableChecks(TableLifecycle):
    """`Descriptors`' checks of F_GETFD, F_GETFL and the descriptors a call made."""

    memory: UserMemory
    flags_from: int

    def check(self, slot: Slot, ret: int) -> None:
        """A descriptor a call made is a new one, below the limit (fd_made.py); F_GETFD
        answers the close-on-exec flag the descriptor holds."""
        check_made(self, slot, ret)
        if slot.nr == NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == F_GETFD and ret < ERRNO_FLOOR:
            self._check_getfd(slot, ret)
        if slot.nr == NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == F_GETFL and ret < ERRNO_FLOOR:
            self._check_getfl(slot, ret)

    def _check_getfl(self, slot: Slot, ret: int) -> None:
        """`return.fd_nonblock`: F_GETFL of a pipe or socket the program made reports
        O_NONBLOCK exactly when its making call (O_NONBLOCK, SOCK_NONBLOCK) and its own
        F_SETFL or FIONBIO since left it set: nothing else changes an open file's
        O_NONBLOCK.  `return.memfd_flags`: of a memfd only the program holds, O_APPEND
        and O_NONBLOCK as its own F_SETFL and FIONBIO left them (sole_files.py).
        Not judged while another call on the same table is in flight (it may move the
        descriptor), nor where a call that may change the open file's flags overlapped
        this one in any process (a fork child shares the open file from another table:
        an F_SETFL or FIONBIO there, or an SCM_RIGHTS send handing it on, that was in
        flight at this call's entry or since may have gone either side of it)."""
        table = self.table(slot.root, slot.thread)
        f = table.fds.get(s32(slot.args[0]))
        if f is None:
            return
        known = self.nonblock.get(f.description)
        mem = self.sole.by_file.get(f.description)
        if not isinstance(mem, MemFile):
            mem = None
        if (known is None and mem is None) or slot.id < self.flags_from or any(
                other.id != slot.id and other.nr is not None and (
                    self.tables.get((other.root, other.thread)) is table
                    or other.nr in (NR_IOCTL, NR_SENDMSG)
                    or (other.nr == NR_FCNTL and other.args[1] & 0xFFFF_FFFF == F_SETFL))
                for other in self.admission.registry.slots.values()):
            return
        if mem is not None:
            if not self.sole.unsettled(slot) and not mem.shared_open:
                check_flags(slot, ret, mem)
            return
        if bool(ret & O_NONBLOCK) != known:
            refuse("return.fd_nonblock", Status.ERR_DENIED,
                   f"fcntl(F_GETFL) of descriptor {s32(slot.args[0])} answers {ret:#o}, but "
                   f"its open file is {'' if known else 'not '}O_NONBLOCK: only the call "
                   "that made it and the program's own F_SETFL or FIONBIO set that")

    def note_nonblock(self, slot: Slot, ret: int) -> None:
        """What a call that succeeded did to the O_NONBLOCK of the open files it names
        (after `record`)."""
        nr, a = slot.nr, slot.args
        table = self.table(slot.root, slot.thread)
        if nr == NR_SENDMSG:
            self.nonblock.clear()               # another holder may set it from now on
            return
        if nr in (NR_SOCKET, NR_SOCKETPAIR, NR_PIPE2):
            flags = a[1]                        # SOCK_NONBLOCK is O_NONBLOCK; pipe2's flags
            fds = new_fds(self.memory, slot, ret)
            for fd in fds:
                f = table.fds.get(fd)
                if f is not None:
                    self.nonblock[f.description] = bool(flags & O_NONBLOCK)
            return
        f = table.fds.get(s32(a[0]))
        if f is None or f.description not in self.nonblock:
            return
        if nr == NR_FCNTL and a[1] & 0xFFFF_FFFF == F_SETFL:
            self.nonblock[f.description] = bool(a[2] & O_NONBLOCK)
        elif nr == NR_IOCTL and a[1] & 0xFFFF_FFFF == FIONBIO:
            raw = self.memory.read(a[2], 4, slot.root) if a[2] else None
            if raw is None:
                del self.nonblock[f.description]
            else:
                self.nonblock[f.description] = struct.unpack("<i", raw)[0] != 0

    def _check_getfd(self, slot: Slot, ret: int) -> None:
        """`return.fd_cloexec`: FD_CLOEXEC is what the call that made the descriptor set
        (O_CLOEXEC, SOCK_CLOEXEC, MSG_CMSG_CLOEXEC, F_DUPFD_CLOEXEC ...) and later
        F_SETFD, FIOCLEX, FIONCLEX or close_range(CLOSE_RANGE_CLOEXEC) changed; nothing else
        does.  Not judged while another call on the same table is in flight (it may be
        one that changes it)."""
        table = self.table(slot.root, slot.thread)
        f = table.fds.get(s32(slot.args[0]))
        if f is None or not f.cloexec_known or any(
                other.id != slot.id and other.nr is not None
                and self.tables.get((other.root, other.thread)) is table
                for other in self.admission.registry.slots.values()):
            return
        want = FD_CLOEXEC if f.cloexec else 0
        if ret != want:
            refuse("return.fd_cloexec", Status.ERR_DENIED,
                   f"fcntl(F_GETFD) of descriptor {s32(slot.args[0])} answers {ret}, but its "
                   f"close-on-exec flag is {want}: only the call that made it and the "
                   "program's own F_SETFD, FIOCLEX, FIONCLEX or close_range set it")
