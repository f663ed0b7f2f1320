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

A splice out of such a pipe's read end into anything the Guardian does not follow (a
file, /dev/null, a socket) takes the pipe's first bytes, as a read would
(splice_pipe_to_pipe(), __splice_from_pipe() consume from the pipe's tail buffer on):
the Guardian takes them off what waits and keeps following the pipe (`splice_out`).
A splice or sendfile from anything it does not follow into such a memfd writes `ret`
bytes at the memfd's position (the offset the program passed, or its file offset,
which then moves on; its end where it appends): the memfd's size stays followed, its
bytes no longer (`into_memfd`).

tee() from such a pipe leaves it as it was and puts a copy of its first bytes into the
other pipe (`tee`): the Guardian keeps following both.

Whatever the objects, a move given an offset pointer (splice's off_in and off_out,
sendfile's offset, copy_file_range's) writes it back moved on by exactly the bytes it
moved (`return.move_offset`), judged against the value read at the call's entry.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import pipe_bytes, sole_files
from guardian.checks import refuse
from guardian.pipe_bytes import Fifo
from guardian.slots import PAGE
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld
    from guardian.user_memory import UserMemory

_SPLICE, _SENDFILE = NUMBERS["splice"], NUMBERS["sendfile"]
_COPY_RANGE, TEE = NUMBERS["copy_file_range"], NUMBERS["tee"]
#: The moves followed here (memfd -> pipe) and whose offsets are judged.
MOVES = frozenset({_SPLICE, _SENDFILE})
OFFSET_MOVES = MOVES | {_COPY_RANGE}
#: Moves between two files: copy_file_range() from a memfd into another one.
COPY_RANGE = _COPY_RANGE


def _parts(slot: Slot) -> tuple[int, int, int]:
    """(source descriptor, its offset pointer, destination descriptor) of the move."""
    a = slot.args
    if slot.nr == _SPLICE or slot.nr == _COPY_RANGE:
        return a[0], a[1], a[2]
    return a[1], a[2], a[0]


def _offsets(slot: Slot) -> tuple[int, ...]:
    """The offset pointers the move reads and writes back (splice's and
    copy_file_range's off_in and off_out, sendfile's offset)."""
    a = slot.args
    return (a[2],) if slot.nr == _SENDFILE else (a[1], a[3])


def note_entry(memory: UserMemory, slot: Slot) -> None:
    """At the move's entry: the offsets the program passed (before the kernel writes the
    moved-on ones back)."""
    for at in _offsets(slot):
        if at:
            raw = memory.read(at, 8, slot.root)
            if raw is not None:
                slot.asked[at] = raw


def check_offsets(memory: UserMemory, slot: Slot, ret: int) -> None:
    """`return.move_offset`: a move that answers `ret` bytes wrote each offset it was
    given back moved on by exactly `ret` (do_sendfile, splice_file_to_pipe,
    vfs_copy_file_range store the position they advanced by the bytes moved)."""
    if ret >= ERRNO_FLOOR:
        return
    for at in _offsets(slot):
        before = slot.asked.get(at) if at else None
        if before is None:
            continue
        raw = memory.read(at, 8, slot.root)
        if raw is None:
            continue
        was, now = struct.unpack("<q", before)[0], struct.unpack("<q", raw)[0]
        if now != was + ret:
            refuse("return.move_offset", Status.ERR_DENIED,
                   f"syscall {slot.nr} moved {ret} bytes from offset {was}, but wrote the "
                   f"offset back as {now}, not {was + ret}: the position it stores is the "
                   "one it advanced by the bytes moved")


def _position(slot: Slot, at: int, mem: MemFile, desc: object) -> int | None:
    """Where a move reads or writes the memfd: at the offset its pointer `at` held at the
    call's entry (note_entry), or, with none, at the file offset of its open file `desc`
    (None: not known)."""
    if not at:
        return mem.offset_of(desc)
    raw = slot.asked.get(at)
    return struct.unpack("<q", raw)[0] if raw is not None else None


def follow(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """A move that succeeded with `ret` bytes: put the memfd's bytes into the pipe, if
    that is what it moved (False: not followed)."""
    if (slot.nr == _SPLICE and slot.args[3]) or slot.nr == _COPY_RANGE:
        return False            # an offset into the pipe (Linux refuses it: ESPIPE)
    src_fd, at, dst_fd = _parts(slot)
    source, target = sole.of(slot, src_fd), sole.of(slot, dst_fd)
    if source is None or target is None:
        return False
    mem, fifo = source[1], target[1]
    if not isinstance(mem, MemFile) or not isinstance(fifo, Fifo) or \
            not fifo.writes(target[0]) or mem.data is None or fifo.in_packets():
        return False
    if sole.busy(slot, mem, frozenset(NUMBERS[n] for n in ("read", "write", "lseek"))) or \
            sole.busy(slot, fifo, pipe_bytes.MOVING):
        return False
    pos = _position(slot, at, mem, source[0])
    if pos is None or pos < 0 or ret > mem.size - pos or \
            len(fifo.waiting) + ret > sole.kept:
        return False
    if not ret:
        return True             # (nothing moved: the pipe's buffers stay known)
    moved = mem.known(pos, ret)
    if moved is None:
        return False            # a page of it the program's stores may have changed
    fifo.put(moved, as_write=False)         # (page-cache pages: their own buffers)
    fifo.bufs = None                        # (how many: a folio's each, not known)
    pipe_bytes.filled(sole, fifo)
    if not at:
        mem.set_offset(source[0], pos + ret)
    return True


def splice_out(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """splice() from the read end of a pipe only the program holds, with no offset for
    it, into a descriptor of nothing the Guardian follows, answered `ret` bytes: its
    first `ret` bytes left it (True: followed)."""
    a = slot.args
    if slot.nr != _SPLICE or a[1]:
        return False            # (an offset into a pipe: Linux refuses it, ESPIPE)
    source = sole.of(slot, a[0])
    if source is None or sole.of(slot, a[2]) is not None:
        return False            # (into one of the program's objects: not followed here)
    end, fifo = source
    if not isinstance(fifo, Fifo) or not fifo.reads(end) or fifo.spliced or fifo.packets or \
            sole.busy(slot, fifo, pipe_bytes.MOVING) or ret > len(fifo.waiting):
        return False
    pipe_bytes.take(fifo, ret, sole)
    return True


#: The moves out of a pipe whose count `check_source` bounds.
PIPE_MOVES = frozenset({_SPLICE, TEE})


def check_source(sole: SoleHeld, slot: Slot, ret: int, end: object, fifo: Fifo) -> None:
    """`return.pipe_count`: a tee() or splice() out of the read end of a pipe only the
    program holds (no offset for it, no packets or vmspliced pages in it, nothing else of
    the program's on it in flight) moves at most the bytes waiting there: link_pipe(),
    splice_pipe_to_pipe() and splice_to_socket()/iter_file_splice_write() stop at the
    pipe's head."""
    if (slot.nr == _SPLICE and slot.args[1]) or not fifo.reads(end) or fifo.spliced or \
            fifo.in_packets() or ret <= len(fifo.waiting) or \
            sole.busy(slot, fifo, pipe_bytes.MOVING):
        return
    refuse("return.pipe_count", Status.ERR_DENIED,
           f"a {'tee' if slot.nr == TEE else 'splice'} out of the program's own pipe moved "
           f"{ret} bytes, but only {len(fifo.waiting)} wait there: Linux moves no more than "
           "the pipe holds")


def splice_pipes(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """splice() from the read end of a pipe only the program holds into the write end of
    another one it holds answered `ret`: splice_pipe_to_pipe() moved the first pipe's
    first `ret` bytes to the end of the second (True: followed)."""
    a = slot.args
    if slot.nr != _SPLICE or a[1] or a[3]:
        return False            # (an offset into a pipe: Linux refuses it, ESPIPE)
    source, target = sole.of(slot, a[0]), sole.of(slot, a[2])
    if source is None or target is None:
        return False
    (end, fifo), (out_end, out) = source, target
    if not isinstance(fifo, Fifo) or not isinstance(out, Fifo) or out is fifo or \
            not fifo.reads(end) or not out.writes(out_end) or fifo.spliced or \
            fifo.in_packets() or out.in_packets() or ret > len(fifo.waiting) or \
            len(out.waiting) + ret > sole.kept or sole.busy(slot, fifo, pipe_bytes.MOVING) or \
            sole.busy(slot, out, pipe_bytes.MOVING):
        return False
    if not ret:
        return True             # (nothing moved: the target's tail stays its own)
    moved = bytes(fifo.waiting[:ret])
    src_bufs = list(fifo.bufs) if fifo.bufs is not None else None
    whole, tail = ret == len(fifo.waiting), (fifo.tail_end, fifo.tail_merge)
    out_bufs = list(out.bufs) if out.bufs is not None else None
    pipe_bytes.take(fifo, ret, sole)
    out.put(moved, as_write=False)          # (whole or split buffers: no merges)
    if src_bufs is None or out_bufs is None:
        out.bufs = None                     # (how many: as the source's were cut)
    else:
        # splice_pipe_to_pipe(): each buffer it reaches goes across as it is (a whole
        # one with its flags, CAN_MERGE included), the one it cuts short as a piece that
        # may not merge.
        pieces, left = [], ret
        for size in src_bufs:
            if left <= 0:
                break
            pieces.append(min(size, left))
            left -= size
        out.bufs = deque(out_bufs + pieces)
        out.tail_end, out.tail_merge = tail if whole else (None, False)
    pipe_bytes.filled(sole, out)
    return True


def tee(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """tee() answered `ret`: from the read end of a pipe only the program holds, with no
    packets or vmspliced pages in it, link_pipe() linked its first `ret` bytes into the
    other pipe and took nothing: the first pipe stays as it was, and the other one, if
    only the program holds it too, has those bytes next (True: followed).  A failed tee
    moved nothing."""
    if ret >= ERRNO_FLOOR or not ret:
        return True             # (nothing linked: both pipes stay as they were)
    a = slot.args
    source, target = sole.of(slot, a[0]), sole.of(slot, a[1])
    if source is None or not isinstance(source[1], Fifo):
        return False            # (bytes the Guardian does not know, into the other pipe)
    end, fifo = source
    if not fifo.reads(end) or fifo.in_packets() or fifo.spliced or ret > len(fifo.waiting) \
            or sole.busy(slot, fifo, pipe_bytes.MOVING):
        return False
    if target is None:
        return True             # (into a pipe not followed: the source keeps its bytes)
    out_end, out = target
    if not isinstance(out, Fifo) or out is fifo or not out.writes(out_end) or \
            sole.busy(slot, out, pipe_bytes.MOVING) or len(out.waiting) + ret > sole.kept:
        return False
    out.put(bytes(fifo.waiting[:ret]), as_write=False)     # (linked buffers: no merges)
    if out.bufs is not None:
        out.bufs.pop()
        if fifo.bufs is None:
            out.bufs = None
        else:                           # (link_pipe(): a copy of each buffer it reached)
            left = ret
            for size in list(fifo.bufs):
                if left <= 0:
                    break
                out.bufs.append(min(size, left))
                left -= size
    pipe_bytes.filled(sole, out)
    return True


def into_memfd(sole: SoleHeld, slot: Slot, ret: int) -> bool:
    """A splice, sendfile or copy_file_range into a memfd only the program holds
    answered `ret` bytes:
    the memfd grew to cover them at its position, and the source gave them up (True:
    followed).  From the program's own pipe (splice, no offset for it) they are the
    pipe's first bytes, which leave it; from its own memfd (sendfile, copy_file_range) the
    bytes at the source's position, which moves on where no offset was given; from
    anything else, bytes the Guardian does not know.  (copy_file_range() with flags, or
    into an O_APPEND file, fails: generic_copy_file_checks(); not followed.)"""
    src_fd, src_at, dst_fd = _parts(slot)
    at = slot.args[3] if slot.nr != _SENDFILE else 0
    target = sole.of(slot, dst_fd)
    if target is None or not isinstance(target[1], MemFile):
        return False
    mem = target[1]
    if slot.nr == _COPY_RANGE and (mem.appends(target[0]) or slot.args[5]):
        return False            # (generic_copy_file_checks(): EBADF, EINVAL -- not followed)
    if not mem.followed or sole.busy(slot, mem, sole_files.ORDERED | MOVES):
        return False
    source = sole.of(slot, src_fd)
    moved: bytes | None = None
    src_mem: MemFile | None = None
    src_pos: int | None = None
    if source is not None:
        end, obj = source
        if isinstance(obj, Fifo) and obj.packets:
            return False        # (how a splice takes packets: not followed)
        if isinstance(obj, Fifo) and slot.nr == _SPLICE and not src_at and obj.reads(end) \
                and not obj.spliced and ret <= len(obj.waiting) and \
                not sole.busy(slot, obj, pipe_bytes.MOVING):
            moved = bytes(obj.waiting[:ret])
        elif isinstance(obj, MemFile) and slot.nr != _SPLICE and \
                (obj is not mem or slot.nr == _COPY_RANGE) and \
                obj.followed and not sole.busy(slot, obj, sole_files.ORDERED | MOVES):
            src_mem = obj
            src_pos = _position(slot, src_at, obj, end)
            if src_pos is None or src_pos < 0 or ret > obj.size - src_pos:
                return False
            moved = obj.known(src_pos, ret)
        else:
            return False
    pos = mem.size if mem.appends(target[0]) else _position(slot, at, mem, target[0])
    if pos is None or pos < 0:
        return False
    if source is not None and isinstance(source[1], Fifo):
        pipe_bytes.take(source[1], ret, sole)
    if src_mem is not None and not src_at and src_pos is not None:
        src_mem.set_offset(end, src_pos + ret)
    mem.version += 1
    grown = max(mem.size, pos + ret)
    if mem.data is not None and moved is not None and grown <= sole.kept:
        if len(mem.data) < grown:
            mem.data += bytes(grown - len(mem.data))
        mem.data[pos:pos + ret] = moved
    else:
        mem.data = None                         # (what it wrote: not known)
    if grown > sole.kept:
        mem.data_pages = None                   # (past what the Guardian keeps)
    elif mem.data_pages is not None and ret:
        mem.data_pages.update(range(pos // PAGE, (pos + ret - 1) // PAGE + 1))
    mem.size = grown
    if not at:
        mem.set_offset(target[0], pos + ret if not mem.appends(target[0]) or
                       mem.offset_of(target[0]) is not None else None)
    if ret and mem.data is not None:
        # the page cache folio the bytes land in is a clean private page's (clean_pages.py)
        sole_files.show_write(sole, mem, pos, pos + ret)
    return True
