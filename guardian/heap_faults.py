"""A fault Linux resolves is never reported as a signal: the brk heap.

The brk heap, [the image's end, brk rounded up to a page), is private anonymous memory
Linux maps readable and writable (do_brk_flags).  A load or store there that takes a
translation, access-flag or permission fault is one Linux resolves (a first touch is
zero-filled, a fork's shared page is copied): it never reports it as SIGSEGV or SIGBUS.  A
kernel that does hands the program a handler run, and a si_code, it never earned (check
`signal.resolved_fault`).

What the program itself may have done to the heap ends the judgement for that space: a
successful mprotect, pkey_mprotect, munmap, mmap, mremap, madvise or shmat over it, and
any userfaultfd (which may ask for SIGBUS on a missing page), are remembered on the space
(`heap_altered`), and its heap faults are no longer judged.
"""

from __future__ import annotations

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import Slot, Space

PAGE = 4096
SIGBUS, SIGSEGV = 7, 11
EC_DABT_LOWER = 0x24
#: DFSC groups Linux's do_page_fault handles: translation, access flag, permission.
_RESOLVED_DFSC = frozenset({0b0001, 0b0010, 0b0011})
_NR_MMAP, _NR_MREMAP, _NR_SHMAT = NUMBERS["mmap"], NUMBERS["mremap"], NUMBERS["shmat"]
_NR_USERFAULTFD = NUMBERS["userfaultfd"]
#: The calls that may change what a heap address holds (`note_call`).
ALTERING_CALLS = frozenset({NUMBERS["mprotect"], NUMBERS["pkey_mprotect"], NUMBERS["munmap"],
                            _NR_MMAP, _NR_MREMAP, NUMBERS["madvise"], _NR_SHMAT,
                            _NR_USERFAULTFD})
_ERRNO_FLOOR = (1 << 64) - 4095


def heap(space: Space) -> tuple[int, int]:
    """[start, end) of the space's brk heap (empty when brk never grew)."""
    return space.brk_start, (space.brk + PAGE - 1) & ~(PAGE - 1)


def note_call(space: Space, slot: Slot, ret: int) -> None:
    """After an accepted return: remember a call that changed the heap's mapping."""
    if ret >= _ERRNO_FLOOR or space.heap_altered:
        return
    nr, a = slot.nr, slot.args
    if nr == _NR_USERFAULTFD:
        space.heap_altered = True
        return
    start = ret if nr in (_NR_MMAP, _NR_SHMAT) else a[0]
    length = a[2] if nr == _NR_MREMAP else a[1]
    if nr == _NR_SHMAT:
        length = 1 << 47                       # (its size is the segment's: assume any)
    lo, hi = heap(space)
    ranges = [(start, start + length)]
    if nr == _NR_MREMAP:
        ranges.append((ret, ret + a[2]))
    if any(s < hi and lo < e for s, e in ranges):
        space.heap_altered = True


def check(space: Space | None, signo: int, esr: int, far: int) -> None:
    """`signal.resolved_fault`: a SIGSEGV/SIGBUS for a data abort Linux resolves."""
    if space is None or signo not in (SIGSEGV, SIGBUS) or space.heap_altered:
        return
    if (esr >> 26) & 0x3F != EC_DABT_LOWER or ((esr & 0x3F) >> 2) not in _RESOLVED_DFSC:
        return
    lo, hi = heap(space)
    if lo <= far < hi:
        refuse("signal.resolved_fault", Status.ERR_DENIED,
               f"signal {signo} reports a fault at {far:#x} in the brk heap "
               f"[{lo:#x}, {hi:#x}), which Linux maps readable and writable and resolves "
               "(a first touch is zero-filled): it never reports that fault")
