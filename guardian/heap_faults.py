"""A fault Linux resolves is never reported as a signal: the brk heap and the program's
private anonymous read-write mappings.

The brk heap, [the image's end, brk rounded up to a page), is private anonymous memory
Linux maps readable and writable (do_brk_flags).  A load or store there that takes a
translation, access-flag or permission fault is one Linux resolves (a first touch is
zero-filled, a fork's shared page is copied): it never reports it as SIGSEGV or SIGBUS.  A
kernel that does hands the program a handler run, and a si_code, it never earned (check
`signal.resolved_fault`).

A MAP_SHARED mapping of a memfd the program made is judged the same way for SIGBUS with
BUS_ADRERR on a page inside the size the program's calls gave the file
(`check_shared_file`, guardian/memfd_sizes.py): shmem maps any page below its size.

So is an area the program's own mmap made private, anonymous, readable and writable
(no MAP_HUGETLB, whose pool may run dry, nor MAP_GROWSDOWN): `note_call` keeps it in
`anon_areas`.

What the program itself may have done to such memory ends the judgement there: a
successful mprotect, pkey_mprotect, munmap, mmap, mremap, madvise or shmat over the heap
sets `heap_altered` (its heap faults are no longer judged), over an anonymous area drops
that area, and any userfaultfd (which may ask for SIGBUS on a missing page) ends both.
"""

from __future__ import annotations

from abi import Status
from abi.layout import MAP_ANONYMOUS, PROT_READ, PROT_WRITE
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import Slot, Space

PAGE = 4096
SIGBUS, SIGSEGV = 7, 11
BUS_ADRERR = 2
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
MAP_TYPE, MAP_PRIVATE = 0x0F, 0x02
MAP_GROWSDOWN, MAP_HUGETLB = 0x100, 0x40000


def heap(space: Space) -> tuple[int, int]:
    """[start, end) of the space's brk heap (empty when brk never grew)."""
    return space.brk_start, (space.brk + PAGE - 1) & ~(PAGE - 1)


def note_call(space: Space, slot: Slot, ret: int) -> None:
    """After an accepted return: remember a call that changed the heap's mapping or an
    anonymous area's, and the anonymous read-write areas the program's mmap made."""
    if ret >= _ERRNO_FLOOR:
        return
    nr, a = slot.nr, slot.args
    if nr == _NR_USERFAULTFD:
        space.heap_altered = True
        space.anon_areas.clear()
        return
    if nr == _NR_SHMAT:
        ranges = [(ret, ret + (1 << 47))]      # (its size is the segment's: assume any)
    elif nr == _NR_MREMAP:
        ranges = [(a[0], a[0] + max(a[1], a[2])), (ret, ret + a[2])]
    else:
        start = ret if nr == _NR_MMAP else a[0]
        ranges = [(start, start + a[1])]
    lo, hi = heap(space)
    if any(s < hi and lo < e for s, e in ranges):
        space.heap_altered = True
    space.anon_areas[:] = [(s0, e0) for s0, e0 in space.anon_areas
                           if not any(s < e0 and s0 < e for s, e in ranges)]
    if nr == _NR_MMAP and a[2] & (PROT_READ | PROT_WRITE) == PROT_READ | PROT_WRITE \
            and a[3] & MAP_TYPE == MAP_PRIVATE and a[3] & MAP_ANONYMOUS \
            and not a[3] & (MAP_GROWSDOWN | MAP_HUGETLB):
        space.anon_areas.append((ret, ret + ((a[1] + PAGE - 1) & ~(PAGE - 1))))


def check_shared_file(signo: int, code: int, esr: int, far: int,
                      inside: tuple[int, int] | None) -> None:
    """`signal.resolved_fault` for a MAP_SHARED memfd mapping: SIGBUS with BUS_ADRERR
    reports an access past the file's end, never one on a page that starts below the size
    the program's calls gave it (`inside`: (file offset, size), guardian/memfd_sizes.py)."""
    if signo != SIGBUS or code != BUS_ADRERR or inside is None:
        return
    if (esr >> 26) & 0x3F != EC_DABT_LOWER or ((esr & 0x3F) >> 2) not in _RESOLVED_DFSC:
        return
    offset, size = inside
    refuse("signal.resolved_fault", Status.ERR_DENIED,
           f"SIGBUS (BUS_ADRERR) reports a fault at {far:#x}, offset {offset:#x} of a memfd "
           f"the program sized to {size:#x} bytes: Linux's shmem fault maps every page inside "
           "the file's size and raises BUS_ADRERR only past its end")


def check(space: Space | None, signo: int, esr: int, far: int) -> None:
    """`signal.resolved_fault`: a SIGSEGV/SIGBUS for a data abort Linux resolves."""
    if space is None or signo not in (SIGSEGV, SIGBUS):
        return
    if (esr >> 26) & 0x3F != EC_DABT_LOWER or ((esr & 0x3F) >> 2) not in _RESOLVED_DFSC:
        return
    lo, hi = heap(space)
    if not (lo <= far < hi and not space.heap_altered):
        lo, hi = next(((s, e) for s, e in space.anon_areas if s <= far < e), (0, 0))
    if lo <= far < hi:
        refuse("signal.resolved_fault", Status.ERR_DENIED,
               f"signal {signo} reports a fault at {far:#x} in [{lo:#x}, {hi:#x}), the brk "
               "heap or an anonymous area the program mapped readable and writable, which "
               "Linux resolves (a first touch is zero-filled): it never reports that fault")
