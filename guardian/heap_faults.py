"""A fault Linux resolves is never reported as a signal: the brk heap and the program's
anonymous mappings, where their protection lets the access.

The brk heap, [the image's end, brk rounded up to a page), is private anonymous memory
Linux maps readable and writable (do_brk_flags).  A load or store there that takes a
translation, access-flag or permission fault is one Linux resolves (a first touch is
zero-filled, a fork's shared page is copied): it never reports it as SIGSEGV or SIGBUS.  A
kernel that does hands the program a handler run, and a si_code, it never earned (check
`signal.resolved_fault`).

A MAP_SHARED mapping of a memfd the program made is judged the same way for SIGBUS with
BUS_ADRERR on a page inside the size the program's calls gave the file
(`check_shared_file`, guardian/memfd_sizes.py): shmem maps any page below its size.

So is an anonymous area the program's own mmap made (private, or shared: shmem maps any
page of it; no MAP_GROWSDOWN, nor a shared MAP_NORESERVE one, whose pages are accounted at
the fault; a MAP_HUGETLB one for SIGSEGV only: its pool may run dry, a SIGBUS), with the protection its own
mmap and mprotect calls left (`anon_areas`: start, end, protection): a load where the
area is readable, a store where it is writable, is an access Linux's do_page_fault()
finds allowed (access_error() is false) and handle_mm_fault() resolves.  mremap moves
an area's protection with it, and a tail it grows gets the same.

What the program itself may have done to such memory ends the judgement there: a
successful munmap, mmap, madvise or shmat over the heap sets `heap_altered` (its heap
faults are no longer judged), over an anonymous area drops that part of it, and so do
a pkey_mprotect with a key and an mprotect with PROT_MTE (their faults are their own);
any userfaultfd (which may ask for SIGBUS on a missing page) ends both.  No fault is
judged while such a call of the address space is in flight (it may have taken effect
before the fault).
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.layout import MAP_ANONYMOUS, PROT_READ, PROT_WRITE
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.file_pages import SIZE_MOVERS
from guardian.protections import protection_at
from guardian.slots import Slot, Space, cut_valued, page_up

PAGE = 4096
SIGBUS, SIGSEGV = 7, 11
BUS_ADRERR = 2
EC_DABT_LOWER = 0x24
#: DFSC groups Linux's do_page_fault handles: translation, access flag, permission.
_RESOLVED_DFSC = frozenset({0b0001, 0b0010, 0b0011})
_NR_MMAP, _NR_MREMAP, _NR_SHMAT = NUMBERS["mmap"], NUMBERS["mremap"], NUMBERS["shmat"]
_NR_USERFAULTFD = NUMBERS["userfaultfd"]
#: The calls that may change what a heap address holds (`note_call`).
_NR_IOCTL, _NR_MADVISE = NUMBERS["ioctl"], NUMBERS["madvise"]
MADV_GUARD_INSTALL = 102
_UFFD_IOCTL_TYPE = 0xAA                 # UFFDIO_API, UFFDIO_REGISTER ... (_IOC_TYPE)
ALTERING_CALLS = frozenset({NUMBERS["mprotect"], NUMBERS["pkey_mprotect"], NUMBERS["munmap"],
                            _NR_MMAP, _NR_MREMAP, NUMBERS["madvise"], _NR_SHMAT,
                            _NR_USERFAULTFD, _NR_IOCTL})
_ERRNO_FLOOR = (1 << 64) - 4095
_EINVAL = (1 << 64) - 22
_PROT_MTE = 0x20
MAP_TYPE, MAP_PRIVATE = 0x0F, 0x02
_SHARED_TYPES = (0x01, 0x03)            # MAP_SHARED, MAP_SHARED_VALIDATE
MAP_GROWSDOWN, MAP_HUGETLB, MAP_NORESERVE = 0x100, 0x40000, 0x4000
_NR_MPROTECT, _NR_PKEY_MPROTECT = NUMBERS["mprotect"], NUMBERS["pkey_mprotect"]
_PROTECTS = frozenset({_NR_MPROTECT, _NR_PKEY_MPROTECT})
_PROT_MASK = PROT_READ | PROT_WRITE | 0x4       # | PROT_EXEC
_MREMAP_DONTUNMAP = 4
_ESR_WNR = 1 << 6                       # ISS.WnR: the abort was a write
_POOL = 1 << 31                         # (in an area's protection: a hugetlb pool behind it)
#: Calls that may change what an address maps, or a memfd's size, while a fault is taken.
_MOVING = ALTERING_CALLS | SIZE_MOVERS


def heap(space: Space) -> tuple[int, int]:
    """[start, end) of the space's brk heap (empty when brk never grew)."""
    return space.brk_start, (space.brk + PAGE - 1) & ~(PAGE - 1)


def note_call(space: Space, slot: Slot, ret: int) -> None:
    """After an accepted return: remember a call that changed the heap's mapping or an
    anonymous area's, and the anonymous areas the program's mmap made."""
    nr, a = slot.nr, slot.args
    if ret >= _ERRNO_FLOOR:
        # do_mprotect_pkey() may have changed the first areas before a later one's error
        # (-ENOMEM, -EACCES; -EINVAL only from arch_validate_flags(): PROT_MTE)
        if nr in _PROTECTS and (ret != _EINVAL or a[2] & _PROT_MTE):
            start, end = a[0], a[0] + page_up(a[1])
            space.anon_areas[:] = cut_valued(space.anon_areas, start, end)
            lo, hi = heap(space)
            if start < hi and lo < end:
                space.heap_altered = True
        return
    if nr == _NR_IOCTL and (a[1] >> 8) & 0xFF != _UFFD_IOCTL_TYPE:
        return
    if nr == _NR_USERFAULTFD or nr == _NR_IOCTL:    # (/dev/userfaultfd makes one too)
        space.heap_altered = True
        space.anon_areas.clear()
        return
    areas = space.anon_areas
    if nr == _NR_MADVISE and a[2] & 0xFFFF_FFFF == MADV_GUARD_INSTALL:
        space.guarded.append((a[0], a[0] + page_up(a[1])))
    if nr in _PROTECTS:
        start, end, prot = a[0], a[0] + page_up(a[1]), a[2] & 0xFFFF_FFFF
        plain = nr == _NR_MPROTECT or a[3] & 0xFFFF_FFFF == 0
        inside = [(max(s0, start), min(e0, end), p0) for s0, e0, p0 in areas
                  if s0 < end and start < e0]
        areas[:] = cut_valued(areas, start, end)
        if plain and not prot & ~_PROT_MASK:    # (PROT_MTE, PROT_BTI...: not judged)
            areas.extend((s0, e0, prot | p0 & _POOL) for s0, e0, p0 in inside)
        lo, hi = heap(space)
        if start < hi and lo < end:
            space.heap_altered = True
        return
    moved: list[tuple[int, int, int]] = []
    if nr == _NR_SHMAT:
        ranges = [(ret, ret + (1 << 47))]      # (its size is the segment's: assume any)
    elif nr == _NR_MREMAP:
        old, old_size, new_size = a[0], page_up(a[1]), page_up(a[2])
        whole = [(s0, e0, p) for s0, e0, p in areas if s0 <= old and old + old_size <= e0]
        if whole and old_size and not a[3] & _MREMAP_DONTUNMAP:
            moved = [(ret, ret + new_size, whole[0][2])]     # (a grown tail: the same)
        ranges = [(old, old + max(old_size, new_size)), (ret, ret + new_size)]
    else:
        start = ret if nr == _NR_MMAP else a[0]
        ranges = [(start, start + page_up(a[1]))]
    lo, hi = heap(space)
    if any(s < hi and lo < e for s, e in ranges):
        space.heap_altered = True
    for s, e in ranges:
        areas[:] = cut_valued(areas, s, e)
    areas.extend(moved)
    if nr == _NR_MMAP and a[3] & MAP_ANONYMOUS and not a[3] & MAP_GROWSDOWN \
            and (a[3] & MAP_TYPE == MAP_PRIVATE or (a[3] & MAP_TYPE in _SHARED_TYPES
                                                   and not a[3] & MAP_NORESERVE)):
        # A hugetlb area's pool may run dry: SIGBUS there is Linux's (hugetlb_no_page()),
        # SIGSEGV never.
        pool = _POOL if a[3] & MAP_HUGETLB else 0
        areas.append((ret, ret + page_up(a[1]), a[2] & _PROT_MASK | pool))


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


def _private_memfd_page(space: Space, far: int, need: int) -> tuple[int, int]:
    """[start, end) of the page at `far` where a MAP_PRIVATE mapping of a memfd the
    program made and alone holds (file_pages.py) maps a page that starts below the file's
    size, with the protection the access needs (the mmap's, as protections.py keeps it);
    else (0, 0).  shmem_fault() maps any such page (do_cow_fault() copies it for a
    store): no signal."""
    found = space.sole_view(far) if space.sole_views else None
    if found is None:
        return 0, 0
    view, offset = found
    mem = getattr(view, "file", None)
    if getattr(view, "private_at", None) is None or mem is None or not mem.shmem or \
            mem.hugetlb or \
            not mem.followed or offset & ~(PAGE - 1) >= mem.size:
        return 0, 0
    prot = protection_at(space, far)
    if prot is not None and not prot & need:
        return 0, 0
    page = far & ~(PAGE - 1)
    return page, page + PAGE


def guarded(space: Space, far: int) -> bool:
    """May a guard marker the program installed be at far (MADV_GUARD_INSTALL: its access
    is SIGSEGV SEGV_MAPERR inside an area, madvise_guard_install())?"""
    return any(s <= far < e for s, e in space.guarded)


def check(space: Space | None, signo: int, esr: int, far: int, slot: Slot | None = None,
          others: Iterable[Slot] = ()) -> None:
    """`signal.resolved_fault`: a SIGSEGV/SIGBUS for a data abort Linux resolves."""
    if space is None or signo not in (SIGSEGV, SIGBUS):
        return
    if (esr >> 26) & 0x3F != EC_DABT_LOWER or ((esr & 0x3F) >> 2) not in _RESOLVED_DFSC:
        return
    write = bool(esr & _ESR_WNR)
    need = PROT_WRITE if write else PROT_READ
    lo, hi = heap(space)
    if not (lo <= far < hi and not space.heap_altered):
        lo, hi = next(((s, e) for s, e, prot in space.anon_areas
                       if s <= far < e and prot & need
                       and not (signo == SIGBUS and prot & _POOL)), (0, 0))
    if not lo <= far < hi:
        lo, hi = _private_memfd_page(space, far, need)
    if lo <= far < hi and not any(slot is not None and o.root == slot.root and o is not slot
                                  and o.nr in _MOVING for o in others):
        refuse("signal.resolved_fault", Status.ERR_DENIED,
               f"signal {signo} reports a {'store' if write else 'load'} fault at {far:#x} "
               f"in [{lo:#x}, {hi:#x}), the brk heap or an anonymous area the program mapped "
               f"{'writable' if write else 'readable'}, which Linux resolves (a first touch "
               "is zero-filled): it never reports that fault")
