"""vmsplice() into a pipe only the program holds: the pages it links in.

pipe_bytes.py follows a pipe's bytes; this module follows the pieces vmsplice() puts in
it, which are the program's pages as they are when a reader gets there, not a copy made
at the call (`splice_in`, `spliced_kept`; check `pipe.vmspliced`).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from emulator.mmu import TranslationFault
from guardian import checks, pipe_bytes
from guardian.quiet_ranges import quiet
from guardian.slots import PAGE

if TYPE_CHECKING:
    from guardian.open_files import Description
    from guardian.pipe_bytes import Fifo
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld


def splice_in(sole: SoleHeld, slot: Slot, ret: int, end: Description, fifo: Fifo) -> bool:
    """vmsplice() into the pipe's write end answered `ret` bytes: follow it (True) where
    the Guardian knows what it linked in, else leave the pipe to be dropped (False).

    fs/splice.c vmsplice_to_pipe() links the pages under the first `ret` bytes of the
    iovecs into the pipe's buffers (iter_to_pipe()), which pipe_read() copies from when
    a reader gets there: what the pipe holds is those pages -- their bytes as they are
    then, not a copy made at the call.  So the Guardian keeps the bytes and the frame of
    each piece as the call left them (read at a quiet return: quiet_ranges.py), and a
    read of them is judged only where the page still maps the same frame and holds the
    same bytes at a quiet return of the read (`_spliced_kept`): then a copy made at the
    call and the page read at the read agree (`pipe.vmspliced`)."""
    if not checks.enabled("pipe.vmspliced") or not fifo.writes(end) or not ret \
            or sole.busy(slot, fifo, pipe_bytes.WRITING):
        return False
    memory, a, root = sole.memory, slot.args, slot.root
    iovcnt = min(a[2] & 0xFFFF_FFFF, pipe_bytes.MAX_IOV)
    raw = memory.read(a[1], 16 * iovcnt, root) if iovcnt else b""
    if raw is None or len(fifo.waiting) + ret > sole.kept:
        return False
    pieces: list[tuple[int, int, int]] = []         # (va, length, frame)
    left = ret
    for i in range(iovcnt):
        base, length = struct.unpack_from("<QQ", raw, 16 * i)
        length = min(length, left)
        while length:
            n = min(length, PAGE - (base & (PAGE - 1)))
            pa = memory.translate(base, False, root)
            if isinstance(pa, TranslationFault):
                return False
            pieces.append((base, n, pa & ~(PAGE - 1)))
            base, length, left = base + n, length - n, left - n
        if not left:
            break
    data = [memory.read(va, n, root) for va, n, _ in pieces]
    if left or any(d is None for d in data) or not _quiet(
            sole, slot, [(root, a[1], a[1] + 16 * iovcnt)]
            + [(root, va, va + n) for va, n, _ in pieces]):
        return False
    pos = fifo.taken + len(fifo.waiting)
    for (va, n, frame), piece in zip(pieces, data, strict=True):
        fifo.spliced.append((pos, root, va, n, frame))
        fifo.put(piece, as_write=False)         # type: ignore[arg-type]
        pos += n
    pipe_bytes.filled(sole, fifo)
    return True


def _quiet(sole: SoleHeld, slot: Slot, ranges: list[tuple[int, int, int]]) -> bool:
    reg = sole.files.admission.registry
    dom = reg.domains.get(slot.domain)
    return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs, ranges)


def spliced_kept(sole: SoleHeld, slot: Slot, ret: int, fifo: Fifo) -> bool:
    """Do the spliced pieces a read of `ret` bytes takes hold, at this quiet return, the
    frames and bytes they held when they went in?"""
    lo, hi = fifo.taken, fifo.taken + ret
    ranges, kept = [], True
    for pos, root, va, n, frame in fifo.spliced:
        first, last = max(pos, lo), min(pos + n, hi)
        if first >= last:
            continue
        at = va + (first - pos)
        pa = sole.memory.translate(at, False, root)
        now = sole.memory.read(at, last - first, root)
        kept = kept and not isinstance(pa, TranslationFault) and \
            pa & ~(PAGE - 1) == frame and now == bytes(fifo.waiting[first - lo:last - lo])
        ranges.append((root, at, at + last - first))
    return kept and (not ranges or _quiet(sole, slot, ranges))
