"""Descriptors the program passes itself with SCM_RIGHTS over its own socketpair.

A unix socket delivers what its peer sent: a socketpair's two ends are each other's only
peer, so an SCM_RIGHTS message one end's sendmsg queued is what a recvmsg of the other
end receives, in order, each descriptor installed naming the very open file that was
sent (Linux passes the struct file itself; MSG_CTRUNC may drop the message's later
descriptors, never change one).  The Guardian keeps, per socketpair end the program
made, the SCM_RIGHTS messages its peer's sendmsg succeeded with (the open files the
program's own descriptors named at that call), and a recvmsg of that end enters the
descriptors it installed as copies of those open files: their maker, their memfd, what
the open file holds (`OpenFile.copied`), so every rule on the sent descriptor holds for
the received one (an eventfd's counter read through it, `return.value_range`).  A
message whose sender the Guardian did not see (the end passed to another process, a
pair not made by the program) is not mapped: its descriptors are entered with no maker,
as before.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import TYPE_CHECKING

from abi.descriptors import NR_RECVMSG
from guardian.fd_results import s32
from guardian.open_files import Description, OpenFile
from guardian.side_fds import Read, rights
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import FileTable
    from guardian.user_memory import UserMemory

_MSG_CONTROL = 32                           # struct msghdr's msg_control, msg_controllen
_MSG_FLAGS = 48                             # struct msghdr's msg_flags on AArch64
MSG_CTRUNC = 0x8
_KEPT = 64                                  # messages kept per end (older ones dropped)
#: open files kept in Descriptors.sent_files; past it any file may sit in a message
SENT_KEPT = 1024


class PassedFds:
    """Each socketpair end's peer, and the SCM_RIGHTS messages queued for each end."""

    def __init__(self) -> None:
        self.peers: dict[Description, Description] = {}
        self.queued: dict[Description, deque[list[OpenFile]]] = {}

    def note_pair(self, first: Description, second: Description) -> None:
        """socketpair made these two ends: each is the other's only peer."""
        self.peers[first], self.peers[second] = second, first

    def note_sent(self, memory: UserMemory, table: FileTable, slot: Slot) -> None:
        """sendmsg on a socketpair end succeeded: queue its SCM_RIGHTS message (the open
        files its descriptors name now) for the peer."""
        f = table.fds.get(s32(slot.args[0]))
        peer = self.peers.get(f.description) if f is not None else None
        if peer is None:
            return
        fds = rights(lambda va, n: memory.read(va, n, slot.root), slot.args[1])
        if not fds:
            return
        sent = [table.fds.get(fd) for fd in fds]
        queue = self.queued.setdefault(peer, deque(maxlen=_KEPT))
        if any(s is None for s in sent):
            queue.append([])               # a descriptor the Guardian does not know
        else:
            queue.append([s for s in sent if s is not None])

    def received(self, memory: UserMemory, table: FileTable, slot: Slot, fds: list[int]
                 ) -> list[OpenFile | None]:
        """recvmsg installed `fds`: the open file each names, where the message is one
        the program's own peer end queued (None: not known)."""
        f = table.fds.get(s32(slot.args[0]))
        queue = self.queued.get(f.description) if f is not None and slot.nr == NR_RECVMSG \
            else None
        if not queue:
            return [None] * len(fds)
        if not fds:
            raw = memory.read(slot.args[1] + _MSG_FLAGS, 4, slot.root)
            if raw is not None and int.from_bytes(raw, "little") & MSG_CTRUNC:
                queue.popleft()            # the message's descriptors were dropped
            return []
        sent = queue.popleft()
        if len(fds) > len(sent) or not sent:
            return [None] * len(fds)
        return [sent[i] for i in range(len(fds))]

    def forget(self, description: Description) -> None:
        self.queued.pop(description, None)


def sent_files(read: Read, table: FileTable, hdr: int) -> set[Description] | None:
    """The open files a sendmsg's SCM_RIGHTS messages (struct msghdr at `hdr`) named,
    each a number of `table` the Guardian knows; None where any byte of the header or
    its control data could not be read (`read` gives None) or a number is not known:
    the message may then hold any file.  (scm_fp_copy() -> fget_raw() takes a reference
    of each; the skb keeps it until a recvmsg installs it or the socket is released.)"""
    raw = read(hdr + _MSG_CONTROL, 16)
    if raw is None:
        return None
    control, length = struct.unpack("<QQ", raw)
    if length and (not control or length > 1 << 16):
        return None     # (rights() reads no more than 64 KiB: 6.9+'s optmem_max is 128)
    failed = False

    def reading(va: int, n: int) -> bytes | None:
        nonlocal failed
        raw = read(va, n)
        failed = failed or raw is None
        return raw

    fds = rights(reading, hdr)
    files = [table.fds.get(fd) for fd in fds]
    if failed or any(f is None for f in files):
        return None
    return {f.description for f in files if f is not None}


def note_sent(files: Descriptors, sent: set[Description] | None) -> None:
    """A sendmsg or sendmmsg succeeded, whose SCM_RIGHTS named the open files `sent`
    (None: not known).  Where not known, or where Descriptors.sent_files would pass
    SENT_KEPT, any file may sit in a message from now on (`may_pass`, never undone):
    sent_files, which only `may_pass` False asks, is dropped then -- no receive is seen
    to take a file back out, so it would grow with every file a program ever passed."""
    if files.may_pass:
        return
    if sent is not None and len(files.sent_files) + len(sent - files.sent_files) <= SENT_KEPT:
        files.sent_files |= sent
    else:
        files.may_pass = True
        files.sent_files.clear()
