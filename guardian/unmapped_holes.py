"""No page appears where the program's own munmap left nothing.

Linux's munmap (do_vmi_munmap()), an mremap that moves or shrinks an area, a brk
shrink and shmdt remove the area: afterwards find_vma() finds no area covering those
addresses, and do_page_fault() answers an access there with SIGSEGV (SEGV_MAPERR).  No
fault ever maps a page there again until a call of the program's own maps the range
(mmap, mremap, brk, shmat, io_setup's ring, exec).  A kernel that maps a fresh page
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
  default) above an accessible area that does not grow down (expand_downwards());
- after an io_setup, inside its aio ring (aio_setup_ring() maps the ring at
  ctx->mmap_base, written to *ctxp as ctx->user_id): the ring is one area of its own
  (guardian/aio_rings.py), every other hole stays, and io_destroy() unmapping it leaves
  its span a hole again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from emulator import descriptors as D
from guardian import aio_rings, hole_list
from guardian.checks import refuse
from guardian.protections import PROT_MASK, protection_at
from guardian.slots import Slot, Space

if TYPE_CHECKING:
    from guardian.user_memory import UserMemory

_ERRNO_FLOOR = (1 << 64) - 4095
PAGE = 4096
MAP_GROWSDOWN = 0x100
#: Linux's stack_guard_gap as it boots by default (256 pages): no stack grows to within
#: it above another accessible area.
STACK_GUARD_GAP = 256 * PAGE
_NR_MMAP, _NR_IO_SETUP = NUMBERS["mmap"], NUMBERS["io_setup"]
_NR_IO_DESTROY = NUMBERS["io_destroy"]
#: Calls that may map memory into a hole before their return is seen.
MAPPING_CALLS = frozenset({_NR_MMAP, NUMBERS["mremap"], NUMBERS["brk"], NUMBERS["shmat"],
                           _NR_IO_SETUP, NUMBERS["execve"], NUMBERS["execveat"]})
#: Calls whose success `note_call` records.
NOTED_CALLS = frozenset({_NR_MMAP, _NR_IO_SETUP, _NR_IO_DESTROY})
#: Calls whose success `check_call` judges.
CHECKED_CALLS = frozenset({_NR_IO_SETUP})


def check_call(space: Space, slot: Slot, ret: int, memory: UserMemory | None,
               cpus: int) -> None:
    """Before an io_setup's success is recorded: its ring as aio_setup_ring() makes it
    (`return.aio_ring`)."""
    if slot.nr == _NR_IO_SETUP:
        aio_rings.check_setup(space, slot, ret, memory, cpus)


def note_call(space: Space, slot: Slot, ret: int, memory: UserMemory | None = None,
              cpus: int = 1, origin: int = 0) -> None:
    """After an accepted return: a MAP_GROWSDOWN area is kept (it may grow down into a
    hole); an aio ring is an area of `cpus` possible CPUs' size at the context io_setup()
    wrote back (put_user(ctx->user_id, ctxp)), until io_destroy(); an unreadable context
    ends the judgement."""
    if ret >= _ERRNO_FLOOR:
        return
    if slot.nr == _NR_IO_DESTROY:
        aio_rings.note_destroy(space, slot, ret)
    elif slot.nr == _NR_IO_SETUP:
        ctx = aio_rings.context_of(slot, memory)
        if ctx is None:
            space.holes.clear()
            return
        aio_rings.note_setup(space, slot, ctx & ~(PAGE - 1), cpus, origin)
    elif slot.args[3] & MAP_GROWSDOWN:
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
