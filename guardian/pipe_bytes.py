"""A pipe only the program holds is a FIFO of its own writes.

A pipe returns the bytes its writers wrote, in the order they went in.  For a pipe the
program made (pipe2) and alone holds (sole_held.py: when that stops), every write into
it is one the Guardian sees -- write or writev through a descriptor of its write end,
by any process of the program -- so the bytes a read of its read end returns are the
next ones the program wrote (the self-pipe trick: "write the event's number, read it
back, dispatch on it").  The Guardian keeps those bytes (at a write's return, the first
`ret` bytes the program passed):

* `return.pipe_fifo`: a read's bytes are the next ones written, and no more than were
  written; a read takes them;
* `return.pipe_count`: FIONREAD on either end reports the bytes waiting (pipe_ioctl
  sums the pipe's buffers, which hold exactly what was written and not read).

A pipe stops being judged where a byte or its order could be missed: two writes in
flight at once, a read or FIONREAD answered while a write is in flight, a read taking
more than the Guardian knows waiting, or more than `sole_held.KEPT` bytes waiting.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.open_files import Description
from guardian.result_reads import read_or_fault

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld
    from guardian.user_memory import UserMemory

_NR_READ, _NR_READV = NUMBERS["read"], NUMBERS["readv"]
_NR_WRITE, _NR_WRITEV = NUMBERS["write"], NUMBERS["writev"]
_NR_IOCTL = NUMBERS["ioctl"]
_WRITES = frozenset({_NR_WRITE, _NR_WRITEV})
FIONREAD = 0x541B
#: The calls on a pipe's descriptor the pipe rules act on.
CALLS = frozenset({_NR_READ, _NR_READV, _NR_WRITE, _NR_WRITEV, _NR_IOCTL})
_MAX_IOV = 1024


@dataclass(eq=False)
class Fifo:
    """A pipe: the bytes the program wrote into it that no read took yet."""

    read_end: Description
    write_end: Description
    waiting: bytearray = field(default_factory=bytearray)
    #: the open files the program's own open of /proc/self/fd/N made of it (fifo_open()
    #: on the pipe's inode: another reader, writer or both of the same pipe)
    more_readers: list[Description] = field(default_factory=list)
    more_writers: list[Description] = field(default_factory=list)

    def reads(self, end: Description) -> bool:
        """Does `end` read this pipe (its read end, or a reopening of it for reading)?"""
        return end is self.read_end or any(end is d for d in self.more_readers)

    def writes(self, end: Description) -> bool:
        """Does `end` write into this pipe?"""
        return end is self.write_end or any(end is d for d in self.more_writers)


def buffers(memory: UserMemory, slot: Slot, count: int) -> bytes | None:
    """The first `count` bytes of a read's or write's buffer (read, write, pread64,
    pwrite64: args[1]) or iovecs (readv, writev, preadv, pwritev); None: not readable."""
    a = slot.args
    if slot.nr not in _IOVEC_CALLS:
        return memory.read(a[1], count, slot.root) if count else b""
    iovcnt = min(a[2] & 0xFFFF_FFFF, _MAX_IOV)
    raw = memory.read(a[1], 16 * iovcnt, slot.root) if iovcnt else b""
    if raw is None:
        return None
    out, left = bytearray(), count
    for i in range(iovcnt):
        if left <= 0:
            break
        base, length = struct.unpack_from("<QQ", raw, 16 * i)
        n = min(length, left)
        part = memory.read(base, n, slot.root) if n else b""
        if part is None:
            return None
        out += part
        left -= n
    return bytes(out) if left <= 0 else None


_IOVEC_CALLS = frozenset(NUMBERS[n] for n in ("readv", "writev", "preadv", "pwritev",
                                               "preadv2", "pwritev2"))


def check(sole: SoleHeld, slot: Slot, ret: int, end: Description, fifo: Fifo) -> None:
    """A read of the pipe returns the next bytes the program wrote; FIONREAD counts the
    bytes waiting."""
    nr = slot.nr
    if nr == _NR_IOCTL:
        if slot.args[1] & 0xFFFF_FFFF != FIONREAD or not slot.args[2] or \
                sole.busy(slot, fifo, _WRITES | {_NR_READ, _NR_READV}):
            return
        count = struct.unpack("<i", read_or_fault(sole.memory, slot, slot.args[2], 4))[0]
        if count != len(fifo.waiting):
            refuse("return.pipe_count", Status.ERR_DENIED,
                   f"FIONREAD of the program's own pipe reports another count than the "
                   f"{len(fifo.waiting)} bytes it wrote and did not read: a pipe only the "
                   "program holds holds what it wrote")
        return
    if nr not in (_NR_READ, _NR_READV) or ret == 0 or not fifo.reads(end) or \
            sole.busy(slot, fifo, _WRITES):
        return
    got = buffers(sole.memory, slot, ret)
    if got is None:
        return
    if ret > len(fifo.waiting) or got != bytes(fifo.waiting[:ret]):
        refuse("return.pipe_fifo", Status.ERR_DENIED,
               f"a read of the program's own pipe returns {ret} bytes that are not the "
               f"next {ret} it wrote ({len(fifo.waiting)} waiting): a pipe only the "
               "program writes to returns its writes, in order")


def record(sole: SoleHeld, slot: Slot, ret: int, end: Description, fifo: Fifo) -> None:
    """What a write or read that passed the rules did to the pipe's bytes."""
    nr = slot.nr
    if nr in _WRITES and fifo.writes(end):
        data = buffers(sole.memory, slot, ret)
        if data is None or len(fifo.waiting) + len(data) > sole.kept or \
                sole.busy(slot, fifo, _WRITES):
            sole.drop(fifo)
        else:
            fifo.waiting += data
    elif nr in (_NR_READ, _NR_READV) and ret and fifo.reads(end):
        if sole.busy(slot, fifo, _WRITES) or ret > len(fifo.waiting):
            sole.drop(fifo)                     # what it took is not known
        else:
            del fifo.waiting[:ret]
