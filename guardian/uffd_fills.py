"""What userfaultfd's UFFDIO_COPY and UFFDIO_ZEROPAGE leave in the program's memory.

mm/userfaultfd.c: UFFDIO_COPY (struct uffdio_copy: dst, src, len, mode, copy) copies
the source into each new page before it maps it (mfill_atomic_pte_copy():
copy_from_user into the folio, then mfill_atomic_install_pte()), and UFFDIO_ZEROPAGE
(struct uffdio_zeropage: start, len, mode, zeropage) maps the zero page
(mfill_atomic_pte_zeropage()).  userfaultfd_copy() and userfaultfd_zeropage() store in
`copy` / `zeropage` the bytes done (or a negative errno) and answer 0 only when that is
the whole length, -EAGAIN for a part (`ret = range.len == uffdio_copy.len ? 0 :
-EAGAIN`).

So once such an ioctl on a descriptor the program made with userfaultfd() answers 0 or
-EAGAIN with n bytes done, the first n bytes from dst hold the source's first n bytes
(`return.uffd_copied`) and the first n bytes from start read as zeros
(`return.uffd_zeroed`); and an answer of 0 reports the whole length.  The Guardian reads
both ranges of the program's memory at the return (a page of them that is not present
but lies in an area of the program is faulted in first) and judges them only while
nothing else could store there meanwhile (guardian/quiet_ranges.py): another thread
woken by the fill may write the page at once, as the program means it to.  A refusal
names lengths and offsets only, never the bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.quiet_ranges import UFFDIO_COPY, UFFDIO_ZEROPAGE, quiet
from guardian.result_reads import read_or_fault
from guardian.slots import PAGE, Domain, Slot, Space
from guardian.user_memory import UserMemory

_NR_IOCTL = NUMBERS["ioctl"]
_NR_USERFAULTFD = NUMBERS["userfaultfd"]
CALLS = frozenset({_NR_IOCTL})
_U64 = (1 << 64) - 1
_EAGAIN = (-11) & _U64



def _pages(memory: UserMemory, space: Space, slot: Slot, va: int, n: int
           ) -> Iterable[tuple[int, bytes | None]]:
    """(offset, bytes) of [va, va + n) page by page; a page not present is faulted in
    where an area of the program holds it, else None."""
    pos = 0
    while pos < n:
        take = min(n - pos, PAGE - ((va + pos) & (PAGE - 1)))
        raw = memory.read(va + pos, take, slot.root)
        if raw is None and any(s <= va + pos < e for s, e in space.areas):
            raw = read_or_fault(memory, slot, va + pos, take)
        yield pos, raw
        pos += take


def check(memory: UserMemory, dom: Domain, made_by: int | None, slot: Slot, ret: int,
          others: Iterable[Slot], runs: Mapping[int, int]) -> None:
    """UFFDIO_COPY / UFFDIO_ZEROPAGE on a userfaultfd answered 0 or -EAGAIN: the whole
    length on 0, and the bytes it reports done copied / zeroed."""
    req = slot.args[1] & 0xFFFF_FFFF
    if slot.nr != _NR_IOCTL or req not in (UFFDIO_COPY, UFFDIO_ZEROPAGE) \
            or made_by != _NR_USERFAULTFD or ret not in (0, _EAGAIN):
        return
    arg = slot.args[2]
    if req == UFFDIO_COPY:
        dst, src, length, _mode, done = struct.unpack("<QQQQq", read_or_fault(memory, slot, arg, 40))
        what, field = "UFFDIO_COPY", "copy"
    else:
        dst, length, _mode, done = struct.unpack("<QQQq", read_or_fault(memory, slot, arg, 32))
        src, what, field = 0, "UFFDIO_ZEROPAGE", "zeropage"
    if ret == 0 and done != length or done > length:
        why = (f"{what} of {length:#x} bytes at {dst:#x} answered "
               f"{'0' if ret == 0 else '-EAGAIN'} with {field} {done}: Linux reports at most "
               "the length asked, and answers 0 only when it is the whole length (-EAGAIN "
               "for a part)")
        if req == UFFDIO_COPY:
            refuse("return.uffd_copied", Status.ERR_DENIED, why)
        refuse("return.uffd_zeroed", Status.ERR_DENIED, why)
    space = dom.spaces.get(slot.root)
    if done <= 0 or space is None or dst + done > _U64:
        return
    ranges = [(slot.root, dst, dst + done)]
    if req == UFFDIO_COPY:
        if src < dst + done and dst < src + done:
            return                     # (overlapping: not judged)
        ranges.append((slot.root, src, src + done))
    if not quiet(slot, dom, others, runs, ranges):
        return
    for pos, got in _pages(memory, space, slot, dst, done):
        if got is None:
            continue
        if req == UFFDIO_COPY:
            want = memory.read(src + pos, len(got), slot.root)
            if want is None and any(s <= src + pos < e for s, e in space.areas):
                want = read_or_fault(memory, slot, src + pos, len(got))
            if want is not None and want != got:
                refuse("return.uffd_copied", Status.ERR_DENIED,
                       f"UFFDIO_COPY reports {done} bytes copied from {src:#x} to {dst:#x}, "
                       f"but the {len(got)} bytes at offset {pos:#x} differ from the "
                       "source's: Linux copies the source into each page before mapping it")
        elif any(got):
            refuse("return.uffd_zeroed", Status.ERR_DENIED,
                   f"UFFDIO_ZEROPAGE reports {done} bytes zeroed at {dst:#x}, but the "
                   f"{len(got)} bytes at offset {pos:#x} do not read as zeros: Linux maps "
                   "the zero page there")
