"""A pipe only the program writes to is a FIFO of its own writes.

A pipe returns the bytes its writers wrote, in the order they went in.  When the program
made the pipe (pipe2) and every write into it is one the Guardian sees -- write or
writev through a descriptor of its write end, by any process of the program -- the bytes
a read of its read end returns are the next ones the program wrote (the self-pipe trick:
"write the event's number, read it back, dispatch on it").  The Guardian keeps those
bytes per pipe (at a write's return, the first `ret` bytes the program passed) and a
read's bytes must be the next ones, and no more than were written (check
`return.pipe_fifo`); a read takes them.

It stops judging a pipe (for good) wherever it could miss a byte or its order: a call
that can move bytes into or out of a pipe in a way it does not follow (splice, tee,
vmsplice, sendfile, copy_file_range, pwritev2/preadv2, io_uring), an open that may
reopen a pipe (/proc/PID/fd/N, or a name the Guardian cannot resolve), an execve of a
process that keeps the write end open (the new image may be one it does not see), the
write end passed in an SCM_RIGHTS
message, two writes in flight at once, a read returning while a write is in flight, or
more than `_KEPT` bytes waiting.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.side_fds import rights
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, FileTable
    from guardian.user_memory import UserMemory

_NR_READ, _NR_READV = NUMBERS["read"], NUMBERS["readv"]
_NR_WRITE, _NR_WRITEV = NUMBERS["write"], NUMBERS["writev"]
_NR_PIPE2, _NR_SENDMSG = NUMBERS["pipe2"], NUMBERS["sendmsg"]
_OPENS = frozenset({NUMBERS["openat"], NUMBERS["openat2"]})
#: Names that may reopen a pipe the program holds (/proc/PID/fd/N: another open file of
#: the same pipe, whose writes no followed descriptor makes).
_REOPENING = ("/proc/", "/dev/fd/")
#: Calls that may move a pipe's bytes in ways the Guardian does not follow.
_UNFOLLOWED = frozenset(NUMBERS[n] for n in (
    "splice", "tee", "vmsplice", "sendfile", "copy_file_range", "pwritev2", "preadv2",
    "io_uring_enter") if n in NUMBERS)
#: Every call `PipeBytes` acts on.
CALLS = frozenset({_NR_READ, _NR_READV, _NR_WRITE, _NR_WRITEV, _NR_PIPE2, _NR_SENDMSG,
                   *_OPENS, *_UNFOLLOWED})
_KEPT = 1 << 20                              # bytes waiting kept per pipe
_MAX_IOV = 1024


@dataclass
class Fifo:
    """The bytes the program wrote into one pipe and no read took yet."""

    write_end: Description
    waiting: bytearray = field(default_factory=bytearray)


class PipeBytes:
    """The pipes the program made whose every write it saw, and the rule on their reads."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        self.fifos: dict[Description, Fifo] = {}      # read end ->

    def _fifo_of_write_end(self, desc: Description | None) -> Fifo | None:
        if desc is None:
            return None
        return next((f for f in self.fifos.values() if f.write_end is desc), None)

    def _in_flight(self, slot: Slot, fifo: Fifo, calls: frozenset[int]) -> bool:
        """Is another call of `calls` on the pipe's write end in flight?"""
        for other in self.files.admission.registry.slots.values():
            if other.id != slot.id and other.nr in calls and \
                    self.files.description_of(other, other.args[0]) is fifo.write_end:
                return True
        return False

    def _buffers(self, slot: Slot, count: int) -> bytes | None:
        """The first `count` bytes of the call's buffer (write, read) or iovecs."""
        a = slot.args
        if slot.nr in (_NR_READ, _NR_WRITE):
            return self.memory.read(a[1], count, slot.root) if count else b""
        iovcnt = min(a[2] & 0xFFFF_FFFF, _MAX_IOV)
        raw = self.memory.read(a[1], 16 * iovcnt, slot.root) if iovcnt else b""
        if raw is None:
            return None
        out, left = bytearray(), count
        for i in range(iovcnt):
            if left <= 0:
                break
            base, length = struct.unpack_from("<QQ", raw, 16 * i)
            n = min(length, left)
            part = self.memory.read(base, n, slot.root) if n else b""
            if part is None:
                return None
            out += part
            left -= n
        return bytes(out) if left <= 0 else None

    def check(self, slot: Slot, ret: int) -> None:
        """A read of a followed pipe returns the next bytes the program wrote."""
        if slot.nr not in (_NR_READ, _NR_READV) or ret >= ERRNO_FLOOR or ret == 0:
            return
        fifo = self.fifos.get(self.files.description_of(slot, slot.args[0]))  # type: ignore[arg-type]
        if fifo is None or self._in_flight(slot, fifo, frozenset({_NR_WRITE, _NR_WRITEV})):
            return
        got = self._buffers(slot, ret)
        if got is None:
            return
        if ret > len(fifo.waiting) or got != bytes(fifo.waiting[:ret]):
            refuse("return.pipe_fifo", Status.ERR_DENIED,
                   f"a read of the program's own pipe returns {ret} bytes that are not the "
                   f"next {ret} it wrote ({len(fifo.waiting)} waiting): a pipe only the "
                   "program writes to returns its writes, in order")

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that passed the rules did to the followed pipes."""
        nr, a = slot.nr, slot.args
        if nr in _UNFOLLOWED:
            self._drop_domain(slot)
            return
        if ret >= ERRNO_FLOOR:
            return
        if nr in _OPENS:
            f = self.files.table(slot.root, slot.thread).fds.get(ret & 0xFFFF_FFFF)
            if f is None or f.path is None or f.path.startswith(_REOPENING):
                self._drop_domain(slot)             # it may be one of the pipes, reopened
        elif nr == _NR_PIPE2:
            raw = self.memory.read(a[0], 8, slot.root)
            if raw is None:
                return
            rd, wr = struct.unpack("<ii", raw)
            read_end = self.files.description_of(slot, rd)
            write_end = self.files.description_of(slot, wr)
            if read_end is not None and write_end is not None:
                self.fifos[read_end] = Fifo(write_end)
        elif nr == _NR_SENDMSG:
            table = self.files.table(slot.root, slot.thread)
            for fd in rights(lambda va, n: self.memory.read(va, n, slot.root), a[1]):
                f = table.fds.get(fd)
                fifo = self._fifo_of_write_end(f.description if f is not None else None)
                if fifo is not None:
                    self._drop(fifo)                # another process may write now
        elif nr in (_NR_WRITE, _NR_WRITEV):
            fifo = self._fifo_of_write_end(self.files.description_of(slot, a[0]))
            if fifo is None:
                return
            data = self._buffers(slot, ret)
            if data is None or len(fifo.waiting) + len(data) > _KEPT or \
                    self._in_flight(slot, fifo, frozenset({_NR_WRITE, _NR_WRITEV})):
                self._drop(fifo)
            else:
                fifo.waiting += data
        elif nr in (_NR_READ, _NR_READV) and ret:
            fifo = self.fifos.get(self.files.description_of(slot, a[0]))  # type: ignore[arg-type]
            if fifo is None:
                return
            if self._in_flight(slot, fifo, frozenset({_NR_WRITE, _NR_WRITEV})) or \
                    ret > len(fifo.waiting):
                self._drop(fifo)                    # what it took is not known
            else:
                del fifo.waiting[:ret]

    def note_exec(self, table: FileTable) -> None:
        """A process execs with this table: a write end it keeps open goes on in an
        image whose writes the Guardian may not see."""
        kept = {id(f.description) for f in table.fds.values() if not f.cloexec}
        self.fifos = {r: f for r, f in self.fifos.items() if id(f.write_end) not in kept}

    def _drop(self, fifo: Fifo) -> None:
        self.fifos = {r: f for r, f in self.fifos.items() if f is not fifo}

    def _drop_domain(self, slot: Slot) -> None:
        """A call that may move bytes unseen: stop following the domain's pipes."""
        domain_roots = {r for r, d in self.files.admission.registry.root_domain.items()
                        if d == slot.domain}
        held = {id(f.description) for (root, _), table in self.files.tables.items()
                if root in domain_roots for f in table.fds.values()}
        self.fifos = {r: f for r, f in self.fifos.items()
                      if id(r) not in held and id(f.write_end) not in held}
