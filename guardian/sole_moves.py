"""Bytes the kernel moves between two objects only the program holds.

splice and sendfile copy a file's bytes into a pipe inside the kernel.  From a memfd the
program alone holds, whose bytes the Guardian keeps (sole_files.py), into a pipe it
alone holds (pipe_bytes.py), the bytes that arrive in the pipe are the memfd's at the
position read: the offset the program passed (read at the call's entry, before the
kernel writes the new one back) or, with none, the memfd's file offset, which then moves
on.  The Guardian follows that move -- the pipe's next bytes are those -- instead of
ending the judging of every object of the domain, as it does for any other move
(sole_held.py).  A move it cannot follow that way (another pair of objects, a position
or bytes not known, more than the memfd holds) ends it as before.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.pipe_bytes import Fifo
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld
    from guardian.user_memory import UserMemory

_SPLICE, _SENDFILE = NUMBERS["splice"], NUMBERS["sendfile"]
#: The moves followed here.
MOVES = frozenset({_SPLICE, _SENDFILE})


def _parts(slot: Slot) -> tuple[int, int, int]:
    """(source descriptor, its offset pointer, destination descriptor) of the move."""
    a = slot.args
    if slot.nr == _SPLICE:
        return a[0], a[1], a[2]
    return a[1], a[2], a[0]


def note_entry(memory: UserMemory, slot: Slot) -> None:
    """At the move's entry: the source offset the program passed (before the kernel
    writes the moved-on one back)."""
    _, at, _ = _parts(slot)
    if at:
        raw = memory.read(at, 8, slot.root)
        if raw is not None:
            slot.asked[at] = raw


def follow(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """A move that succeeded with `ret` bytes: put the memfd's bytes into the pipe, if
    that is what it moved (False: not followed)."""
    if slot.nr == _SPLICE and slot.args[3]:
        return False            # an offset into the pipe (Linux refuses it: ESPIPE)
    src_fd, at, dst_fd = _parts(slot)
    source, target = sole.of(slot, src_fd), sole.of(slot, dst_fd)
    if source is None or target is None:
        return False
    mem, fifo = source[1], target[1]
    if not isinstance(mem, MemFile) or not isinstance(fifo, Fifo) or \
            target[0] is not fifo.write_end or mem.data is None:
        return False
    if sole.busy(slot, mem, frozenset(NUMBERS[n] for n in ("read", "write", "lseek"))) or \
            sole.busy(slot, fifo, frozenset(NUMBERS[n] for n in ("read", "write"))):
        return False
    if at:
        raw = slot.asked.get(at)
        pos = struct.unpack("<q", raw)[0] if raw is not None else None
    else:
        pos = mem.offset
    if pos is None or pos < 0 or ret > mem.size - pos or \
            len(fifo.waiting) + ret > sole.kept:
        return False
    fifo.waiting += mem.data[pos:pos + ret]
    if not at:
        mem.offset = pos + ret
    return True
