"""`return.pipe_room`: a write of a pipe only the program holds takes no more than its
ring's room, and F_SETPIPE_SZ never shrinks the ring below its buffers in use.

pipe_write() merges a write's head into the last buffer where it fits and takes a slot
per page after that, stopping (EAGAIN, or a wait) when the ring is full; the Guardian
keeps the buffers and the slots (pipe_packets.py) and judges a write's answer where no
other call moves the pipe's bytes or resizes it, and no byte left it since the write
entered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from guardian import pipe_bytes, pipe_packets, read_counts
from guardian.checks import refuse
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.pipe_bytes import Fifo
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld


def check_write(sole: SoleHeld, slot: Slot, ret: int, fifo: Fifo) -> None:
    """`return.pipe_room`: a write of the program's own pipe, with no other call moving
    its bytes or resizing it in flight and no byte leaving it since the write entered,
    answers no more than the room its ring had (pipe_packets.room)."""
    if not (0 < ret < ERRNO_FLOOR or ret == pipe_bytes.EAGAIN) or fifo.bufs is None or \
            fifo.max_slots is None or fifo.emptied_at > slot.id or \
            sole.busy(slot, fifo, pipe_bytes.MOVING | pipe_bytes.RESIZING):
        return
    found = read_counts.requested_in(sole.memory, slot, sole.files.admission.registry)
    if found is None:
        return
    asked = read_counts.asked(found[0])
    if ret == pipe_bytes.EAGAIN:
        least = pipe_packets.room(fifo, asked, fifo.min_slots)
        if asked and least:
            refuse("return.pipe_room", Status.ERR_DENIED,
                   f"a write of {asked} bytes to the program's own pipe fails with EAGAIN "
                   f"while its ring has room for {least} ({len(fifo.bufs)} of at least "
                   f"{fifo.min_slots} slots in use, no reader since): pipe_write() fails "
                   "with EAGAIN only when nothing it could write fits")
        return
    room = pipe_packets.room(fifo, asked)
    if ret > room:
        refuse("return.pipe_room", Status.ERR_DENIED,
               f"a write of {asked} bytes to the program's own pipe answers {ret}, but its "
               f"ring had room for {room} ({len(fifo.bufs)} of at most {fifo.max_slots} "
               "slots in use, no reader since): pipe_write() merges a write's head into "
               "the last buffer where it fits and takes a slot per page, stopping (EAGAIN "
               "or a wait) when the ring is full")


def check_resize(sole: SoleHeld, slot: Slot, ret: int, fifo: Fifo) -> None:
    """`return.pipe_room`: F_SETPIPE_SZ never leaves the ring fewer slots than its
    buffers hold (pipe_resize_ring(): -EBUSY), judged where no byte left the pipe since
    the call entered and nothing moves its bytes in flight."""
    if not 0 < ret < ERRNO_FLOOR or fifo.bufs is None or fifo.emptied_at > slot.id or \
            sole.busy(slot, fifo, pipe_bytes.MOVING):
        return
    if ret // PAGE < len(fifo.bufs):
        refuse("return.pipe_room", Status.ERR_DENIED,
               f"F_SETPIPE_SZ of the program's own pipe answers {ret} bytes ({ret // PAGE} "
               f"slots) while {len(fifo.bufs)} of its buffers hold bytes: "
               "pipe_resize_ring() refuses fewer slots than are in use (EBUSY)")
