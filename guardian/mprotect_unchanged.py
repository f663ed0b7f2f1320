"""Failed mprotect() and pkey_mprotect() calls that Linux rejects before any area changes.

do_mprotect_pkey() (mm/mprotect.c) checks, in order, before its walk over the areas
(mprotect_fixup() area by area, where a later area's error leaves the earlier ones
changed):

- PROT_GROWSDOWN and PROT_GROWSUP together, a start not page aligned, `end <= start`
  (a length that wraps: -ENOMEM), arch_validate_prot() (a bit arm64 does not know);
- mm_pkey_is_allocated() for a key other than -1 (-EINVAL): arm64 allows keys only with
  POE (arch_max_pkey() is 1 without it: only key 0), and never one past 7;
- vma_find(): no area in the range, or (without PROT_GROWSDOWN) a first area that starts
  past `start` -- a start in a hole (-ENOMEM);
- PROT_GROWSUP: arm64 has no VM_GROWSUP (VM_NONE), -EINVAL whatever the area;
- PROT_GROWSDOWN: the first area lacks VM_GROWSDOWN (-EINVAL);
- then, in the walk, the first area's own checks before its mprotect_fixup(): PROT_WRITE
  where it lacks VM_MAYWRITE (a MAP_SHARED view of a file not open for writing: do_mmap()
  cleared it) is -EACCES.

Every one of these is answered before the walk, so any failure of such a call leaves the
protection the Guardian recorded.  A call that passes them all may fail after changing a
prefix of the range: guardian/protections.py keeps "either" there.
"""

from __future__ import annotations

from abi.hwcaps import AT_HWCAP2, HWCAP2_MTE, HWCAP2_NAMES, HWCAP2_POE
from abi.layout import PROT_WRITE
from guardian import hole_list
from guardian.slots import PAGE, Space

_GROWSDOWN, _GROWSUP = 0x0100_0000, 0x0200_0000
_U64 = 1 << 64
#: arm64 with POE: keys 0..7 (arch_max_pkey())
_POE_KEYS = 8
_PROT_BASE = 0x1 | 0x2 | 0x4 | 0x8              # READ | WRITE | EXEC | SEM
PROT_BTI, PROT_MTE = 0x10, 0x20
HWCAP2_BTI = 1 << HWCAP2_NAMES.index("bti")


def valid_prot(space: Space, prot: int) -> bool:
    """arm64's arch_validate_prot(): PROT_BTI and PROT_MTE only where the CPU has them
    (the auxiliary vector's AT_HWCAP2; not known: taken as valid)."""
    hwcap2 = dict(space.auxv).get(AT_HWCAP2)
    ok = _PROT_BASE
    if hwcap2 is None or hwcap2 & HWCAP2_BTI:
        ok |= PROT_BTI
    if hwcap2 is None or hwcap2 & HWCAP2_MTE:
        ok |= PROT_MTE
    return not prot & ~(ok | _GROWSDOWN | _GROWSUP)


def key_unallocated(space: Space, pkey: int) -> bool:
    """mm_pkey_is_allocated() is false for `pkey` (a 32-bit int, not -1) whatever the
    program's pkey_alloc() calls got: past arch_max_pkey(), or any key but 0 where the
    auxiliary vector shows no POE."""
    if pkey < 0 or pkey >= _POE_KEYS:
        return True
    hwcap2 = dict(space.auxv).get(AT_HWCAP2)
    return pkey != 0 and hwcap2 is not None and not hwcap2 & HWCAP2_POE


def _in_hole(space: Space, va: int) -> bool:
    """No area holds va: the program's own call unmapped it and none mapped it since, and
    neither the stack nor a MAP_GROWSDOWN area may have grown into it."""
    from guardian.unmapped_holes import stack_may_reach  # (it imports protections.py)
    return hole_list.find(space.holes, va) is not None and \
        not any(s <= va < e for s, e in space.areas) and not stack_may_reach(space, va)


def _first_not_growsdown(space: Space, va: int) -> bool:
    """The area holding va has no VM_GROWSDOWN: an area the Guardian knows, outside the
    stack's reserve, in a space where the program never made a MAP_GROWSDOWN area (one
    may have moved since: mremap keeps the flag)."""
    lo, hi = space.stack
    return not space.growsdown and not lo <= va < hi and \
        any(s <= va < e for s, e in space.areas)


def before_any_area(space: Space, a: tuple[int, ...], pkey: int | None) -> bool:
    """Does every failure of mprotect(a[0], a[1], a[2]) (pkey_mprotect() with `pkey`, a
    32-bit signed key; None: mprotect()) come before do_mprotect_pkey() changes any
    area?"""
    start, length, prot = a[0], a[1], a[2]
    grows = prot & (_GROWSDOWN | _GROWSUP)
    if grows == _GROWSDOWN | _GROWSUP:
        return True
    if not valid_prot(space, prot):
        return True                     # (arch_validate_prot(): -EINVAL before the walk)
    if length and (start + ((length + PAGE - 1) & ~(PAGE - 1))) % _U64 <= start:
        return True                                 # end <= start: -ENOMEM
    if pkey is not None and pkey != -1 and key_unallocated(space, pkey):
        return True
    if grows == _GROWSUP:
        return True
    if grows == _GROWSDOWN:
        return _first_not_growsdown(space, start)
    return _in_hole(space, start) or _first_read_only(space, start, prot)


def _first_read_only(space: Space, va: int, prot: int) -> bool:
    """PROT_WRITE where the area holding va lacks VM_MAYWRITE: the first area's check
    ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) fails before any mprotect_fixup()."""
    at = space.origin_at(va) if prot & PROT_WRITE and space.no_maywrite else None
    return at is not None and at[0] in space.no_maywrite


def growsdown_from(space: Space, va: int) -> tuple[int, int]:
    """mprotect(va, ..., prot|PROT_GROWSDOWN) changes its area from vma->vm_start
    (do_mprotect_pkey(): start = vma->vm_start), not from va: (the lowest address known
    to be changed, the lowest that may be).  A MAP_GROWSDOWN area of the program's own
    mmap holding va starts at its mmap's start or below it (grown, or merged with an
    adjacent area of the same flags: another such mmap); in the stack's reserve or an
    area the Guardian cannot name the start is anywhere down to the run of areas."""
    known = next((s for s, e in space.growsdown if s <= va < e), None)
    if known is not None:
        low = known
        while (below := next((s for s, e in space.growsdown if e == low and s < low),
                             None)) is not None:
            low = below
        return known, low
    lo, hi = space.stack
    if lo <= va < hi:
        return va, lo
    low = va
    while (below := next((s for s, e in space.areas if s < low <= e), None)) is not None:
        low = below
    return va, low
