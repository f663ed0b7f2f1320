"""A pipe only the program holds is a FIFO of its own writes.

A pipe returns the bytes its writers wrote, in the order they went in.  For a pipe the
program made (pipe2) and alone holds (sole_held.py: when that stops), every write into
it is one the Guardian sees -- write or writev through a descriptor of its write end
(or of an open file the program's own open of /proc/self/fd/N made of the pipe:
fifo_open() joins the same pipe), by any process of the program, or a vmsplice() of its
own pages (`splice_in`) -- so the bytes a read of its read end returns are the
next ones the program wrote (the self-pipe trick: "write the event's number, read it
back, dispatch on it").  The Guardian keeps those bytes (at a write's return, the first
`ret` bytes the program passed):

* `return.pipe_fifo`: a read's bytes are the next ones written, and no more than were
  written; a read takes them;
* `return.pipe_count`: FIONREAD on either end reports the bytes waiting (pipe_ioctl
  sums the pipe's buffers, which hold exactly what was written and not read);
* `return.pipe_read_count`: a read that entered with bytes waiting returns
  min(count, waiting) of them (pipe_read() copies buffer after buffer until the count
  is met or the pipe is empty), fewer only where a copy could fault, never 0.

A packet-mode pipe (O_DIRECT on a write end: pipe2's flag or F_SETFL) reads up to the
end of the first packet buffer and drops the rest of a packet a read cuts
(PIPE_BUF_FLAG_PACKET): pipe_packets.py keeps where the packets are, and the rules above
hold with its counts.  A writer reopened by /proc/self/fd/N with O_DIRECT, a splice,
tee or vmsplice on a pipe that has packets, and an F_SETFL of a write end in flight
beside another call on the pipe are not followed.

A read answered while other reads of the pipe are in flight is judged as if they took
up to their counts first (a reader blocked on the empty pipe may be woken first); the
pipe then stops being followed, as it does where a byte or its order could be missed:
two writes in flight at once, a read or FIONREAD answered while a write is in flight, a
read taking more than the Guardian knows waiting, or more than `sole_held.KEPT` bytes
waiting.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import pipe_packets, pipe_room, pipe_splices, read_counts
from guardian.checks import refuse
from guardian.open_files import Description
from guardian.poll_open import close_in_flight
from guardian.result_reads import read_or_fault
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld
    from guardian.user_memory import UserMemory

_NR_READ, _NR_READV = NUMBERS["read"], NUMBERS["readv"]
_NR_WRITE, _NR_WRITEV = NUMBERS["write"], NUMBERS["writev"]
_NR_IOCTL, _NR_VMSPLICE = NUMBERS["ioctl"], NUMBERS["vmsplice"]
_WRITES = frozenset({_NR_WRITE, _NR_WRITEV, _NR_VMSPLICE})
_NR_PREADV2, _NR_PWRITEV2 = NUMBERS["preadv2"], NUMBERS["pwritev2"]
#: The calls that may move bytes in or out while another one is in flight.
_WRITING = _WRITES | {_NR_PWRITEV2}
WRITING = _WRITING
_READING = frozenset({_NR_READ, _NR_READV, _NR_PREADV2})
RESIZING = frozenset({NUMBERS["fcntl"]})      # (F_SETPIPE_SZ among them)
_EAGAIN = EAGAIN = (1 << 64) - 11
WRITES = frozenset({_NR_WRITE, _NR_WRITEV})
#: Every call that may move a pipe's bytes in or out (splice, tee: either way).
MOVING = _WRITING | _READING | {NUMBERS["splice"], NUMBERS["tee"]}
#: The RWF_ flags that change nothing of where or what a preadv2/pwritev2 moves: HIPRI,
#: DSYNC, SYNC, NOWAIT (a short count or EAGAIN still moves the bytes it counts).  With
#: only these, at the file position (-1), they are readv and writev (do_readv, do_writev).
V2_PLAIN_FLAGS = 0x1 | 0x2 | 0x4 | 0x8
AT_FILE_POSITION = (1 << 64) - 1        # preadv2/pwritev2's offset -1


def as_plain(slot: Slot) -> int | None:
    """The call's number as the pipe rules take it: a plain preadv2/pwritev2 at the file
    position is readv/writev."""
    nr = slot.nr
    if nr == _NR_PREADV2 or nr == _NR_PWRITEV2:
        a = slot.args
        if a[3] != AT_FILE_POSITION or a[5] & 0xFFFF_FFFF & ~V2_PLAIN_FLAGS:
            return None
        return _NR_READV if nr == _NR_PREADV2 else _NR_WRITEV
    return nr
FIONREAD = 0x541B
#: The calls on a pipe's descriptor the pipe rules act on.
CALLS = frozenset({_NR_READ, _NR_READV, _NR_WRITE, _NR_WRITEV, _NR_IOCTL})
_MAX_IOV = MAX_IOV = 1024
_NR_FCNTL, _F_SETFL, _F_SETPIPE_SZ = NUMBERS["fcntl"], 4, 1031
#: pipe2's flags a followed pipe may have (O_DIRECT makes a packet pipe, O_EXCL a
#: notification pipe: neither is a plain byte stream).
O_DIRECT, FOLLOWED_FLAGS = 0o200000, 0o2000000 | 0o4000     # O_CLOEXEC | O_NONBLOCK


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
    #: bytes of the stream reads took so far (`waiting` starts there)
    taken: int = 0
    #: the slot id the next call would have got when bytes last went in: a read whose
    #: slot id is at least this entered with every byte of `waiting` already there
    filled_at: int = 0
    #: the pieces vmsplice() linked into it, each inside one page: (stream position,
    #: root, va, length, the frame mapped there then)
    spliced: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    #: each run of bytes that went in at once and is not all taken yet: (stream position,
    #: length, whether its pipe buffers are laid out as pipe_write() lays a write's out)
    runs: deque[tuple[int, int, bool]] = field(default_factory=deque)
    #: the write ends in packet mode (O_DIRECT), and each packet buffer still waiting:
    #: (stream position, length) (pipe_packets.py)
    packet_ends: list[Description] = field(default_factory=list)
    packets: deque[tuple[int, int]] = field(default_factory=deque)
    #: the last buffer: where its bytes end in its page (None: not known) and whether a
    #: write's head may merge into it (PIPE_BUF_FLAG_CAN_MERGE), while the pipe is not
    #: empty (pipe_packets.write)
    tail_end: int | None = 0
    tail_merge: bool = False
    #: the bytes each of its pipe buffers (ring slots) holds, in order (None: not known),
    #: and the most slots its ring may have (pipe->max_usage: PIPE_DEF_BUFFERS at pipe2,
    #: what F_SETPIPE_SZ answered since; None: not known) (pipe_packets.room)
    bufs: deque[int] | None = field(default_factory=deque)
    max_slots: int | None = 16
    #: the fewest slots its ring may have: 1 at pipe2 (alloc_pipe_info() gives fewer
    #: than 16 past the user's soft limit or a small pipe-max-size), what F_SETPIPE_SZ
    #: answered since
    min_slots: int = 1
    #: the slot id the next call got when bytes last left it (a write that entered
    #: before then may have met more room)
    emptied_at: int = 0

    def in_packets(self) -> bool:
        """Does the pipe hold packets, or may a write put some in?"""
        return bool(self.packets or self.packet_ends)

    def put(self, data: bytes | bytearray, as_write: bool = True) -> None:
        """`data` went in at the end (a write: `as_write`; else buffers of any layout)."""
        if data:
            self.runs.append((self.taken + len(self.waiting), len(data), as_write))
            self.waiting += data
            if not as_write:
                self.tail_merge = False     # (spliced pages: never merged into)
                if self.bufs is not None:
                    self.bufs.append(len(data))     # (a piece: a buffer of its own)

    def buffer_end(self, pos: int) -> bool:
        """May a pipe buffer end at stream position `pos`?  A write's buffers end at its
        end, and within it a page after its start or after its merged head (its length %
        PAGE, where that merged into the buffer before); other runs anywhere."""
        for start, n, as_write in self.runs:
            if start < pos <= start + n:
                at = pos - start
                return not as_write or at == n or at % PAGE == 0 or (at - n % PAGE) % PAGE == 0
        return False

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
    nr = as_plain(slot)
    if packets_maybe(sole, slot, fifo):
        return                                  # (record drops it)
    if nr == _NR_IOCTL:
        if slot.args[1] & 0xFFFF_FFFF != FIONREAD or not slot.args[2] or \
                sole.busy(slot, fifo, _WRITING | _READING):
            return
        count = struct.unpack("<i", read_or_fault(sole.memory, slot, slot.args[2], 4))[0]
        if count != len(fifo.waiting):
            refuse("return.pipe_count", Status.ERR_DENIED,
                   f"FIONREAD of the program's own pipe reports another count than the "
                   f"{len(fifo.waiting)} bytes it wrote and did not read: a pipe only the "
                   "program holds holds what it wrote")
        return
    if nr in (_NR_WRITE, _NR_WRITEV) and fifo.writes(end):
        pipe_room.check_write(sole, slot, ret, fifo)
        return
    if nr == _NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == _F_SETPIPE_SZ:
        pipe_room.check_resize(sole, slot, ret, fifo)
        return
    if nr not in (_NR_READ, _NR_READV) or not fifo.reads(end) or \
            sole.busy(slot, fifo, _WRITING):
        return
    ahead = _taken_ahead(sole, slot, fifo)
    if ahead is None or (ahead and fifo.packets):
        return                  # (what reads ahead left of a packet: not followed)
    if ret and ret < ERRNO_FLOOR and not pipe_packets.fits(fifo, ret):
        refuse("return.pipe_fifo", Status.ERR_DENIED,
               f"a read of the program's own packet pipe returns {ret} bytes, past the end "
               "of the first packet waiting: Linux's pipe_read ends a read at a packet "
               "buffer (PIPE_BUF_FLAG_PACKET)")
    if fifo.waiting and fifo.filled_at <= slot.id:
        _check_count(sole, slot, ret, fifo, ahead)
    if ret == 0:
        return
    if fifo.spliced and (ahead or not pipe_splices.spliced_kept(sole, slot, ret, fifo)):
        sole.drop(fifo)                         # what the pages hold now is not known
        return
    got = buffers(sole.memory, slot, ret)
    if got is None:
        return
    waiting = fifo.waiting
    if not any(ret <= len(waiting) - k and got == bytes(waiting[k:k + ret])
               for k in range(min(ahead, len(waiting)) + 1)):
        refuse("return.pipe_fifo", Status.ERR_DENIED,
               f"a read of the program's own pipe returns {ret} bytes that are not the "
               f"next {ret} it wrote ({len(waiting)} waiting"
               f"{f', up to {ahead} of them maybe taken by reads in flight' if ahead else ''}"
               "): a pipe only the program writes to returns its writes, in order")


def _taken_ahead(sole: SoleHeld, slot: Slot, fifo: Fifo) -> int | None:
    """How many of the waiting bytes the other reads of the pipe in flight may have taken
    before this one (a reader blocked on the empty pipe may be woken first: each takes up
    to its count, under pipe->mutex, one after another); None: not bounded (a vector
    read in flight)."""
    ahead = 0
    for other in sole.files.admission.registry.slots.values():
        if other.id == slot.id or other.nr not in _READING or sole.by_file.get(
                sole.files.description_of(other, other.args[0])) is not fifo:  # type: ignore[arg-type]
            continue
        if other.nr != _NR_READ:
            return None
        ahead += other.args[2]
    return ahead


def _check_count(sole: SoleHeld, slot: Slot, ret: int, fifo: Fifo, ahead: int) -> None:
    """`return.pipe_read_count`: the read entered with `fifo.waiting` there (nothing went
    in since; reads in flight may have taken up to `ahead` of them first): it returns
    min(count, what they left), short only where a copy could fault (pipe_read() stops
    at a buffer whose copy comes up short, answering what it copied before it), and
    never 0 while bytes are left."""
    found = read_counts.requested_in(sole.memory, slot, sole.files.admission.registry)
    if found is None:
        return
    asked, others = found
    want = pipe_packets.expected(fifo, read_counts.asked(asked)) if fifo.packets else \
        min(read_counts.asked(asked), len(fifo.waiting) - min(ahead, len(fifo.waiting)))
    if ret >= want or (ret and (ahead or fifo.buffer_end(fifo.taken + ret)) and
                       not read_counts.cannot_fault(sole.memory, slot, others, asked)):
        return
    refuse("return.pipe_read_count", Status.ERR_DENIED,
           f"a read of {read_counts.asked(asked)} bytes of the program's own pipe answers "
           f"{ret} with {len(fifo.waiting)} bytes it wrote waiting: Linux's pipe_read copies "
           f"min(count, waiting) = {want}, short only where a copy faults (the buffer is "
           "mapped writable), and then only after whole pipe buffers")


def _sets_flags(slot: Slot) -> bool:
    return slot.nr == _NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == _F_SETFL


def packets_maybe(sole: SoleHeld, slot: Slot, fifo: Fifo) -> bool:
    """Is a write end's packet mode not known to this call: another call in flight is an
    F_SETFL on a descriptor that writes the pipe (is_packetized() asks the writing file
    at each write, so a write racing it may go either way; O_DIRECT on a reading end
    changes nothing)?  The call's own F_SETFL is recorded at its return."""
    for other in sole.files.admission.registry.slots.values():
        if other is not slot and _sets_flags(other):
            end = sole.files.description_of(other, other.args[0])
            if end is not None and sole.by_file.get(end) is fifo and fifo.writes(end):
                return True
    return False


def filled(sole: SoleHeld, fifo: Fifo) -> None:
    """Bytes went into the pipe now (a read that enters from here on finds them)."""
    fifo.filled_at = sole.files.admission.registry.next_slot_id()


#: What pipe_read() may still answer with bytes buffered: -EFAULT (a copy that faults
#: before any byte), -EINVAL (a count beyond SSIZE_MAX, a bad iovec array) and -ENOMEM
#: (readv's iovec array copy); never -EAGAIN (it waits only for an empty pipe) nor
#: -ERESTARTSYS/-EINTR (only that wait checks signal_pending()).
READ_ERRORS_WITH_BYTES = frozenset({14, 22, 12})
READS = frozenset({_NR_READ, _NR_READV})


def check_failed_read(sole: SoleHeld, slot: Slot, ret: int, end: Description,
                      fifo: Fifo) -> None:
    """`return.pipe_read_waiting`: a read of the program's own pipe that entered with
    bytes waiting fails only as READ_ERRORS_WITH_BYTES says (fs/pipe.c pipe_read():
    with the pipe not empty it copies and returns before it would ever wait)."""
    errno = (1 << 64) - ret
    if slot.nr not in READS or not fifo.reads(end) or not fifo.waiting or \
            errno in READ_ERRORS_WITH_BYTES or fifo.filled_at > slot.id or \
            sole.busy(slot, fifo, _WRITING | _READING) or \
            close_in_flight(slot, sole.files.admission.registry.slots.values()):
        return
    refuse("return.pipe_read_waiting", Status.ERR_DENIED,
           f"a read of the program's own pipe answers -{errno}, yet {len(fifo.waiting)} "
           "bytes it wrote were waiting when the read entered: Linux's pipe_read copies "
           "buffered bytes and returns their count before it would ever wait")


def record(sole: SoleHeld, slot: Slot, ret: int, end: Description, fifo: Fifo) -> None:
    """What a write or read that passed the rules did to the pipe's bytes."""
    nr = as_plain(slot)
    if packets_maybe(sole, slot, fifo):
        sole.drop(fifo)
    elif slot.nr == _NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == _F_SETPIPE_SZ:
        # pipe_set_size() answers the ring's new size: that many pages of slots.
        fifo.max_slots = ret // PAGE if ret and not ret % PAGE and ret < ERRNO_FLOOR else None
        fifo.min_slots = fifo.max_slots or 1
    elif _sets_flags(slot):
        if ret == 0 and sole.busy(slot, fifo, _WRITING):
            sole.drop(fifo)                     # a write beside it: either mode
        elif ret == 0:
            pipe_packets.note_setfl(fifo, end, slot.args[2])
    elif nr in _WRITES and fifo.writes(end):
        data = buffers(sole.memory, slot, ret)
        packets = pipe_packets.writes_packets(fifo, end)
        if data is None or len(fifo.waiting) + len(data) > sole.kept or \
                sole.busy(slot, fifo, _WRITING) or (packets and nr == _NR_VMSPLICE):
            sole.drop(fifo)
        else:
            if pipe_packets.write(fifo, data, packets):
                filled(sole, fifo)
            else:
                sole.drop(fifo)
    elif nr in (_NR_READ, _NR_READV) and ret and fifo.reads(end):
        if sole.busy(slot, fifo, _WRITING | _READING) or ret > len(fifo.waiting) or \
                not pipe_packets.fits(fifo, ret):
            sole.drop(fifo)                     # what it took is not known
        else:
            take(fifo, pipe_packets.consumed(fifo, ret), sole)


def take(fifo: Fifo, n: int, sole: SoleHeld | None = None) -> None:
    """The pipe's first `n` waiting bytes left it (a read, a splice out)."""
    del fifo.waiting[:n]
    fifo.taken += n
    if sole is not None:
        fifo.emptied_at = sole.files.admission.registry.next_slot_id()
    pipe_packets.release(fifo, n)
    runs = fifo.runs
    while runs and runs[0][0] + runs[0][1] <= fifo.taken:
        runs.popleft()
    packets = fifo.packets
    while packets and packets[0][0] + packets[0][1] <= fifo.taken:
        packets.popleft()
    fifo.spliced = [c for c in fifo.spliced if c[0] + c[3] > fifo.taken]
