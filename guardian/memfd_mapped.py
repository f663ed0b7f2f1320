"""`return.memfd_mapped`: a memfd's read and write move the bytes of the page its
MAP_SHARED mappings map.

Linux: a memfd is one shmem inode.  read() and write() go through its page cache --
shmem_file_read_iter() copies out of the folio shmem_get_folio() finds at each index,
shmem_write_begin() hands generic_perform_write() that same folio -- and a MAP_SHARED
mapping maps those very folios (shmem_fault()).  A store through the mapping is what a
later read returns, and a write shows through the mapping at once.

Under confidentiality a page of the memfd that entered the domain is a confidential frame
(mapped in a tree of the domain, or held by the Guardian between mappings:
confidential_shares.py).  The kernel can neither read nor write it: its own copy of the
file misses the program's stores, and its writes miss the page.  So for a memfd only the
program holds (sole_held.py: its file offset known, no other call on it and no unfollowed
mover in flight) whose pages only this domain holds, the Guardian moves the bytes of each
page of the range the call moved that is such a frame itself -- a copy between that frame
and the program's buffer, both the domain's -- as it serves getrandom.  The kernel answers
the count only, held to the file's end and to the room given (return.memfd_bytes,
return.count_bound).  A page that never entered the domain is the kernel's to serve (its
copy is the file's page); a page swapped out (sealed) is neither: not served.  A
vectored call's buffers are the iovecs as the program passed them at its entry
(`note_iovecs`: import_iovec() copies them then; another thread may change the array
before the return): a call whose iovecs were not kept is not served.  A hole fallocate()
punches (PUNCH_HOLE | KEEP_SIZE) reads as zeros in every mapping (shmem_fallocate():
unmap_mapping_range() and shmem_truncate_range() drop or zero the folios): on such a
frame the Guardian writes the zeros (`serve_punch`), as it does a write's bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import FrameKind
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian import checks, sole_files
from guardian.slots import PAGE
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Domain, Slot
    from guardian.state import MonitorState
    from guardian.user_memory import UserMemory

_NR = NUMBERS
_READS = frozenset(_NR[n] for n in ("read", "readv", "pread64", "preadv", "preadv2"))
_WRITES = frozenset(_NR[n] for n in ("write", "writev", "pwrite64", "pwritev", "pwritev2"))
_FALLOCATE = _NR["fallocate"]
_PUNCH = 0x03                           # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
#: The calls whose bytes the Guardian moves itself on a mapped page of a memfd.
CALLS = _READS | _WRITES
#: The calls whose iovec array the Guardian keeps at their entry on a memfd (`note_iovecs`).
IOVEC_CALLS = frozenset(_NR[n] for n in ("readv", "writev", "preadv", "pwritev", "preadv2",
                                          "pwritev2"))
_MAX_IOV = 1024                         # UIO_MAXIOV


@dataclass(frozen=True)
class Move:
    """A read or write of a memfd the program alone holds: which memfd, the file offset
    it moved from, and whether the bytes go from the file into the buffer (a read)."""

    memfd: int
    pos: int
    reading: bool


def plan(files: Descriptors, slot: Slot, ret: int) -> Move | None:
    """Before the call's effect is recorded (the file offset it started at): the move to
    serve, where the call moved bytes of a memfd only the program holds (None: not such a
    call, or not followed)."""
    nr = slot.nr
    if nr not in CALLS or not 0 < ret < ERRNO_FLOOR:
        return None
    memfd = files.memfd(slot, slot.args[0])
    if not memfd:
        return None
    mem = files.sole.settled(slot, slot.args[0])
    if not isinstance(mem, MemFile) or not mem.followed or \
            (nr in sole_files.V2 and not sole_files.v2_followed(slot)) or \
            not checks.enabled("return.memfd_mapped"):
        return None
    desc = sole_files.opened(files.sole, slot, mem)
    if nr in _WRITES and sole_files.appends(mem, desc, slot):
        pos: int | None = mem.size
    else:
        pos = slot.args[3] if sole_files.positioned(nr, slot.args) else mem.offset_of(desc)
    return Move(memfd, pos, nr in _READS) if pos is not None else None


def plan_punch(files: Descriptors, slot: Slot, ret: int) -> tuple[int, int, int] | None:
    """(the memfd, the offset, the end) of the hole a successful fallocate(PUNCH_HOLE |
    KEEP_SIZE) punched in a memfd only the program holds (None: another call, or a memfd
    not followed)."""
    a = slot.args
    if slot.nr != _FALLOCATE or ret != 0 or a[1] & 0xFFFF_FFFF != _PUNCH:
        return None
    off, length = a[2], a[3]
    memfd = files.memfd(slot, a[0])
    if not memfd or off >= 1 << 63 or not 0 < length < 1 << 63:
        return None
    mem = files.sole.settled(slot, a[0])
    if not isinstance(mem, MemFile) or not mem.followed or \
            not checks.enabled("return.memfd_mapped"):
        return None
    # (no page of the memfd past its size: a cut dropped them, shmem_setattr())
    return memfd, off, min(off + length, -(-mem.size // PAGE) * PAGE)


def serve_punch(state: MonitorState, registry: Registry, dom: Domain,
                hole: tuple[int, int, int]) -> int:
    """Zero the bytes of the hole on each page of it that is a confidential frame of the
    domain (and its copies in flight); returns how many bytes it zeroed."""
    memfd, at, end = hole
    if memfd not in dom.memfd_shares:
        return 0                                # never mapped MAP_SHARED: the kernel's
    ram, zeroed = state.ram, 0
    while at < end:
        chunk = min(end - at, PAGE - at % PAGE)
        pa = page_frame(state, registry, dom, memfd, at - at % PAGE)
        if pa is not None:
            for frame in (pa, *_copies(state, dom, pa)):
                ram.write(frame + at % PAGE, bytes(chunk))
            zeroed += chunk
        at += chunk
    return zeroed


def page_frame(state: MonitorState, registry: Registry, dom: Domain, memfd: int,
               offset: int) -> int | None:
    """The confidential frame that is page `offset` (page aligned) of the memfd in the
    domain: held between mappings, or mapped at a place of its share (None: the page is
    not in the domain -- never entered, or swapped out -- or another domain holds pages
    of the memfd too)."""
    share = dom.memfd_shares.get(memfd)
    if share is None or memfd in dom.memfds_elsewhere or any(
            d is not dom and memfd in d.memfd_shares for d in registry.domains.values()):
        return None
    key = (share, offset, 0)
    pa = state.frames.held_at.get((dom.id, key))
    if pa is None:
        for root, va in state.shares.places_of(dom.id, key):
            pa = state.shares.frame_at(root, va)
            if pa is not None:
                break
    if pa is None:
        # (mapped only by private views' read-only entries of the folio: folio_alias.py)
        found = list(state.frames.folio_at.get(key, ()))
        pa = found[0] if len(found) == 1 else None
    if pa is None:
        return None
    rec = state.frames.record(pa)
    return pa if rec.kind == FrameKind.CONFIDENTIAL and rec.owner == dom.id else None


def note_iovecs(memory: UserMemory, slot: Slot) -> None:
    """At the entry of a vectored read or write of a memfd: its iovec array as the
    program passed it, which import_iovec() copies in before any byte moves (read at the
    return, another thread may have changed it since)."""
    a = slot.args
    iovcnt = min(a[2] & 0xFFFF_FFFF, _MAX_IOV)
    raw = memory.read(a[1], 16 * iovcnt, slot.root) if iovcnt else None
    if raw is not None:
        slot.asked[a[1]] = raw


def buffers(slot: Slot, count: int) -> list[tuple[int, int]] | None:
    """The call's buffer as (va, length) pieces covering its first `count` bytes (None:
    its iovecs were not kept at the entry)."""
    a = slot.args
    if slot.nr not in IOVEC_CALLS:
        return [(a[1], count)]
    iovcnt = min(a[2] & 0xFFFF_FFFF, _MAX_IOV)
    raw = slot.asked.get(a[1]) if iovcnt else b""
    if raw is None or len(raw) < 16 * iovcnt:
        return None
    out, left = [], count
    for i in range(iovcnt):
        if left <= 0:
            break
        base, length = struct.unpack_from("<QQ", raw, 16 * i)
        n = min(length, left)
        if n:
            out.append((base, n))
        left -= n
    return out if left <= 0 else None


def _pieces(bufs: list[tuple[int, int]], start: int, n: int) -> list[tuple[int, int]]:
    """Bytes [start, start+n) of the buffer (its pieces one after another) as (va, length)."""
    out = []
    for va, length in bufs:
        if n <= 0:
            break
        if start >= length:
            start -= length
            continue
        take = min(length - start, n)
        out.append((va + start, take))
        n -= take
        start = 0
    return out


def serve(state: MonitorState, registry: Registry, memory: UserMemory, dom: Domain,
          slot: Slot, ret: int, move: Move) -> int:
    """The call returned `ret` (accepted): for each page of [pos, pos+ret) of the memfd
    that is a confidential frame of the domain, copy its bytes into the buffer (a read)
    or the buffer's bytes into it (a write).  Returns how many bytes it moved."""
    if move.memfd not in dom.memfd_shares:
        return 0                                # never mapped MAP_SHARED: the kernel's
    bufs = buffers(slot, ret)
    if bufs is None:
        return 0
    ram, moved, done = state.ram, 0, 0
    while done < ret:
        at = move.pos + done
        chunk = min(ret - done, PAGE - at % PAGE)
        pa = page_frame(state, registry, dom, move.memfd, at - at % PAGE)
        if pa is not None:
            where = _pieces(bufs, done, chunk)
            if move.reading:
                data, o = ram.read(pa + at % PAGE, chunk), 0
                for va, n in where:
                    memory.write(va, data[o:o + n], slot.root)
                    o += n
                moved += chunk
            else:
                parts = [memory.read(va, n, slot.root) for va, n in where]
                if all(p is not None for p in parts):
                    data = b"".join(p for p in parts if p is not None)
                    for frame in (pa, *_copies(state, dom, pa)):
                        ram.write(frame + at % PAGE, data)
                    moved += chunk
        done += chunk
    return moved


def _copies(state: MonitorState, dom: Domain, pa: int) -> list[int]:
    """The COPY_PAGE copies of frame `pa` not yet mapped in its place (a migration in
    progress): written alike, so that a copy still holds what its source holds when it
    takes the source's place (set_pt.copy_binding) and no write is lost with the source."""
    frames = state.frames
    out = []
    for copy, source in frames.copy_binding.items():
        if source == pa:
            rec = frames.record(copy)
            if rec.kind == FrameKind.CONFIDENTIAL and rec.owner == dom.id:
                out.append(copy)
    return out
