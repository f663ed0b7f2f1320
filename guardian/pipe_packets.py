"""Packet-mode pipes: what a read of a pipe written in packets takes.

A write end with O_DIRECT in its f_flags (pipe2's flag, or F_SETFL: setfl() lets a FIFO
take or drop O_DIRECT) writes packets: is_packetized() is asked at each pipe_write(),
which then puts each page of the write into a buffer of its own marked
PIPE_BUF_FLAG_PACKET, never merged into (it lacks PIPE_BUF_FLAG_CAN_MERGE).  pipe_read()
copies buffer after buffer; at a packet buffer it copies min(its length, the room
left), drops the rest of that buffer (buf->len = 0) and ends the read.  A copy that
faults ends the read before the buffer, taking nothing of it.

So the Guardian keeps, per followed pipe, which of its write ends are in packet mode
(`Fifo.packet_ends`, at pipe2 and at each F_SETFL that succeeded) and where each packet
buffer is in the stream (`Fifo.packets`).  A read that enters with the pipe's bytes
known answers, for a count c with N bytes waiting ahead of the first packet of length
L: c when c <= N, else N + min(L, c - N) (`expected`); the bytes it leaves the pipe with
are its own plus the dropped rest of that packet (`consumed`).  FIONREAD, the bytes a
read returns and the rest of pipe_bytes.py then hold as for any pipe.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from guardian.slots import PAGE

PIPE_BUF = 4096

if TYPE_CHECKING:
    from guardian.open_files import Description
    from guardian.pipe_bytes import Fifo

O_DIRECT = 0o200000


def note_setfl(fifo: Fifo, end: Description, flags: int) -> None:
    """F_SETFL of `end` succeeded with `flags`: a write end is in packet mode exactly
    when they carry O_DIRECT (setfl() sets the SETFL_MASK bits as asked)."""
    if not fifo.writes(end):
        return
    fifo.packet_ends = [d for d in fifo.packet_ends if d is not end]
    if flags & O_DIRECT:
        fifo.packet_ends.append(end)


def writes_packets(fifo: Fifo, end: Description) -> bool:
    return any(d is end for d in fifo.packet_ends)


def write(fifo: Fifo, data: bytes | bytearray, packets: bool) -> bool:
    """A write of `data` went in, as pipe_write() lays it out: its head (its length %
    PAGE) merges into the last buffer where that one may take merges
    (PIPE_BUF_FLAG_CAN_MERGE: a plain write's, never a packet's) and has the room, the
    rest goes into buffers of a page each from there -- each a packet in packet mode.
    False: where a packet write's head went is not known (the caller stops following
    the pipe)."""
    n = len(data)
    if not n:
        return True
    head = n % PAGE
    unknown = bool(fifo.waiting and head and fifo.tail_end is None)
    if unknown and packets:
        return False
    merged = head if (fifo.waiting and head and not unknown and fifo.tail_merge
                      and fifo.tail_end is not None and fifo.tail_end + head <= PAGE) else 0
    pos = fifo.taken + len(fifo.waiting)
    if packets:
        for off in range(merged, n, PAGE):
            fifo.packets.append((pos + off, min(PAGE, n - off)))
    if fifo.bufs is not None:
        if unknown:
            fifo.bufs = None            # (where its head went: not known)
        else:
            if merged and fifo.bufs:
                fifo.bufs[-1] += merged
            fifo.bufs.extend(min(PAGE, n - off) for off in range(merged, n, PAGE))
    if unknown:
        fifo.tail_end = None            # (a plain write's layout: buffer_end allows both)
    elif n == merged:
        fifo.tail_end = (fifo.tail_end or 0) + merged
    else:
        fifo.tail_end = (n - merged) % PAGE or PAGE
        fifo.tail_merge = not packets
    fifo.put(data, as_write=True)
    return True


def _first(fifo: Fifo) -> tuple[int, int] | None:
    """(start, length) in the stream of the first packet buffer still waiting."""
    return fifo.packets[0] if fifo.packets else None


def expected(fifo: Fifo, count: int) -> int:
    """What a read of `count` bytes copies from the waiting bytes."""
    waiting = len(fifo.waiting)
    first = _first(fifo)
    if first is None:
        return min(count, waiting)
    ahead = first[0] - fifo.taken
    if count <= ahead:
        return count
    return ahead + min(first[1], count - ahead)


def consumed(fifo: Fifo, ret: int) -> int:
    """How many waiting bytes leave the pipe with a read that copied `ret`: a read that
    reached a packet buffer drops the rest of it."""
    first = _first(fifo)
    if first is None or first[0] >= fifo.taken + ret:
        return ret
    return first[0] + first[1] - fifo.taken


def fits(fifo: Fifo, ret: int) -> bool:
    """Can a read have copied `ret` bytes: it never runs past the first packet buffer."""
    first = _first(fifo)
    return first is None or fifo.taken + ret <= first[0] + first[1]


def release(fifo: Fifo, n: int) -> None:
    """The first `n` bytes left the pipe: the buffers they emptied are free again (an
    empty pipe's buffers are known: none)."""
    bufs = fifo.bufs
    if bufs is None:
        if not fifo.waiting:
            fifo.bufs = deque()
        return
    while n > 0 and bufs:
        if bufs[0] <= n:
            n -= bufs.popleft()
        else:
            bufs[0] -= n
            n = 0


def room(fifo: Fifo, total: int, slots: int | None = None) -> int:
    """The most a write of `total` bytes can put in now, with a ring of `slots` (its
    most, by default): its head (total % PAGE) where it merges into the last buffer,
    and a page per free slot; at most PIPE_BUF goes whole or not at all (pipe_write()).
    With `slots` given, the least it surely can: a head merges only where the last
    buffer's end is known."""
    assert fifo.bufs is not None and fifo.max_slots is not None
    free = max(0, (fifo.max_slots if slots is None else slots) - len(fifo.bufs))
    chars = total % PAGE
    if not fifo.waiting or not chars:
        merged = 0
    elif fifo.tail_end is None:
        merged = chars if slots is None else 0      # (where it ends: not known)
    else:
        merged = chars if fifo.tail_merge and fifo.tail_end + chars <= PAGE else 0
    if total <= PIPE_BUF:
        return total if merged == total or free else 0
    return merged + min(total - merged, free * PAGE)
