"""No page appears where the program's own munmap left nothing.

Linux's munmap (do_vmi_munmap()), an mremap that moves or shrinks an area, a brk
shrink and shmdt remove the area: afterwards find_vma() finds no area covering those
addresses, and do_page_fault() answers an access there with SIGSEGV (SEGV_MAPERR).  No
fault ever maps a page there again until a call of the program's own maps the range
(mmap, mremap, brk, shmat, exec; a confidential program has no aio ring: no_aio.py).  A kernel that maps a fresh page
into such a hole lets a store complete that Linux would have stopped -- an Iago answer
to the program's own unmapping (check `set_pt.unmapped`).

The Guardian keeps the holes per address space (`Space.holes`: where an area it
recorded went -- munmap of addresses no area held leaves none --, cut by every area the
program's calls add, copied at fork, where a MADV_DONTFORK range is a hole of the child)
and refuses a leaf that gives EL0 any access inside one, except where Linux could still
put a page there:

- while a call of the address space that may map memory is in flight (its mapping may
  already be in place before its return reaches the Guardian);
- where the stack or a MAP_GROWSDOWN area of the program's may grow: inside the
  initial stack's reserve, and below such an area unless another area lies between
  (find_vma() stops there) or the hole is within stack_guard_gap (256 pages, Linux's
  default) above an accessible area that does not grow down (expand_downwards()).
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.syscalls import NUMBERS
from emulator import descriptors as D
from guardian import hole_list
from guardian.checks import refuse
from guardian.protections import PROT_MASK, protection_at
from guardian.slots import Slot, Space

_ERRNO_FLOOR = (1 << 64) - 4095
PAGE = 4096
MAP_GROWSDOWN = 0x100
#: Linux's stack_guard_gap as it boots by default (256 pages): no stack grows to within
#: it above another accessible area.
STACK_GUARD_GAP = 256 * PAGE
_NR_MMAP = NUMBERS["mmap"]
#: Calls that may map memory into a hole before their return is seen.
MAPPING_CALLS = frozenset({_NR_MMAP, NUMBERS["mremap"], NUMBERS["brk"], NUMBERS["shmat"],
                           NUMBERS["execve"], NUMBERS["execveat"]})
#: Calls whose success `note_call` records.
NOTED_CALLS = frozenset({_NR_MMAP})


def note_call(space: Space, slot: Slot, ret: int) -> None:
    """After an accepted mmap: a MAP_GROWSDOWN area is kept (it may grow down into a
    hole)."""
    if ret >= _ERRNO_FLOOR:
        return
    if slot.args[3] & MAP_GROWSDOWN:
        space.growsdown.append((ret, ret + ((slot.args[1] + PAGE - 1) & ~(PAGE - 1))))


def _may_grow_to(space: Space, va: int, start: int) -> bool:
    """May an area growing down from `start` (the stack's, a MAP_GROWSDOWN one) reach
    va?  expand_downwards() grows it only while no other area lies between (find_vma()
    stops there) and never to within stack_guard_gap above an accessible area that does
    not grow down itself."""
    if va >= start:
        return False
    page = va & ~(PAGE - 1)
    if any(page + PAGE <= s and e <= start for s, e in space.areas):
        return False
    below = max(((s, e) for s, e in space.areas if e <= page), default=None,
                key=lambda area: area[1])
    if below is None or page - below[1] >= STACK_GUARD_GAP:
        return True
    prot = protection_at(space, below[1] - 1)
    return (prot is not None and not prot & PROT_MASK) or \
        any(s == below[0] for s, _ in space.growsdown)


def _stack_may_reach(space: Space, va: int) -> bool:
    """May the stack (in its reserve, or growing below it) or a MAP_GROWSDOWN area of
    the program's reach va?"""
    lo, hi = space.stack
    if lo <= va < hi:
        return True
    if va < lo and _may_grow_to(space, va, lo):
        return True
    return any(_may_grow_to(space, va, s) for s, _ in space.growsdown
               if any(a == s for a, _ in space.areas))


#: Public name: may a stack or MAP_GROWSDOWN area grow to va (expand_stack())?
stack_may_reach = _stack_may_reach


def hole_at(space: Space, va: int) -> tuple[int, int] | None:
    """The hole the program's own unmapping left at va, where Linux maps nothing."""
    hole = hole_list.find(space.holes, va)
    if hole is None or _stack_may_reach(space, va):
        return None
    return hole


def check_leaf(space: Space, slots: Iterable[Slot], root: int, va: int, desc: int) -> None:
    """`set_pt.unmapped`: a leaf about to map va in `root`, a tree of `space`, gives EL0
    no access inside a hole the program's own unmapping left."""
    if not desc & D.AP_EL0 and desc & D.UXN:
        return                  # (EL0 can neither load, store nor run it)
    hole = hole_at(space, va)
    if hole is None or any(o.root == root and o.nr in MAPPING_CALLS for o in slots):
        return
    refuse("set_pt.unmapped", Status.ERR_DENIED,
           f"a page at {va:#x} would appear in [{hole[0]:#x}, {hole[1]:#x}), which the "
           "program's own munmap (or mremap, brk, shmdt) left without a mapping and no call "
           "of its own has mapped since: Linux's fault finds no area there (SEGV_MAPERR)")
