"""The protection the program asked for, held against the leaves the kernel writes.

Linux's mprotect() and mmap() set an area's protection: after mprotect(PROT_NONE)
returns 0 every access to the range faults (a SIGSEGV handler that fills pages lazily
runs first), after mprotect(PROT_READ) every store does (a write barrier counts each),
and copy_from_user / copy_to_user of such a page fail with EFAULT.  The Guardian keeps
each address space's ranges whose protection the program narrowed below read-write
(`Space.protections`, recorded when its own mmap or mprotect returns success, cut by
its unmapping, moved by its mremap, copied at fork) and holds the kernel to them:

- a leaf the kernel writes into the tree gives EL0 no more than that protection
  (`set_pt.protection`; a page swapped back in, `swap_in.protection`): no EL0 access to a PROT_NONE page, no store to a page without
  PROT_WRITE, no execution without PROT_EXEC;
- an mprotect() that answers success has every page present in its range within the
  protection asked (`return.protection_applied`).

The Guardian's own copies of user memory walk the tree as EL0 would (UserMemory), so
with the leaves bounded they fault, and the call fails with EFAULT, where Linux's would.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from abi import Status
from abi.layout import (
    ERRNO_FLOOR,
    MAP_FIXED,
    NR_MMAP,
    NR_MREMAP,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
)
from abi.syscalls import NUMBERS
from emulator import descriptors as D
from emulator.mmu import TranslationFault
from guardian.checks import refuse
from guardian.given_back import PagesIn
from guardian.mprotect_unchanged import before_any_area, growsdown_from
from guardian.slots import PAGE, Slot, Space, page_up
from guardian.user_memory import UserMemory

_NR_MPROTECT = NUMBERS["mprotect"]
#: mprotect() and pkey_mprotect(): both do_mprotect_pkey(), which sets the range's
#: protection whatever the key
_MPROTECTS = frozenset({_NR_MPROTECT, NUMBERS["pkey_mprotect"]})
PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC
_NO_PKEY = 0xFFFF_FFFF               # (pkey -1: do_mprotect_pkey() as mprotect())
#: The calls whose success records a protection (munmap, mremap and brk act through
#: Space.remove_area and Space.move_area).
CALLS = frozenset({NR_MMAP}) | _MPROTECTS



def narrowed(prot: int) -> bool:
    """Is `prot` narrower than read-write (the only protections worth keeping)?"""
    return prot & (PROT_READ | PROT_WRITE) != PROT_READ | PROT_WRITE


def protection_at(space: Space, va: int) -> int | None:
    """The protection the program asked for at va, where it narrowed it (None: not)."""
    for start, end, prot, _ in reversed(space.protections):
        if start <= va < end:
            return prot
    return None


def leaf_beyond(desc: int, prot: int) -> str:
    """What a leaf lets EL0 do that `prot` forbids ('' if nothing)."""
    if not desc & D.AP_EL0:
        return "" if desc & D.UXN or prot & PROT_EXEC else "execute"
    if not prot & PROT_MASK:
        return "access"
    if not desc & D.AP_RO and not prot & PROT_WRITE:
        return "write"
    if not desc & D.UXN and not prot & PROT_EXEC:
        return "execute"
    return ""


_IN_PROGRESS = _MPROTECTS | {NR_MMAP, NR_MREMAP}
_GROWSDOWN = 0x0100_0000


def _in_progress(slots: Iterable[Slot], root: int, va: int, prot: int) -> int | None:
    """The protection a leaf at va may have while calls of the program are in progress:
    an mprotect or mmap(MAP_FIXED) over va may already give what it asks (the kernel
    rewrites the leaves before it returns), an mremap's pages keep theirs as they move
    (None: no bound)."""
    for slot in slots:
        if slot.root != root or slot.nr not in _IN_PROGRESS:
            continue
        a = slot.args
        if slot.nr == NR_MREMAP:
            if a[4] <= va < a[4] + page_up(a[2]) or a[0] <= va < a[0] + page_up(a[1]):
                return None
            continue
        if slot.nr == NR_MMAP and not a[3] & MAP_FIXED:
            continue
        # (PROT_GROWSDOWN: the area from its start below a[0], do_mprotect_pkey())
        if (a[0] <= va or slot.nr != NR_MMAP and a[2] & _GROWSDOWN) and \
                va < a[0] + page_up(a[1]):
            asked = a[2] & PROT_MASK
            prot = prot | asked if narrowed(asked) else -1
    return None if prot < 0 else prot


def leaf_excess(space: Space | None, slots: Iterable[Slot], root: int, va: int,
                desc: int) -> str:
    """Why a leaf about to map va in `root`, a tree of `space`, exceeds the program's
    protection there ('' when it does not)."""
    if space is None or not space.protections:
        return ""
    prot = protection_at(space, va)
    if prot is None:
        return ""
    bound = _in_progress(slots, root, va, prot)
    beyond = leaf_beyond(desc, bound) if bound is not None else ""
    return (f"the program made {va:#x} PROT {prot:#x}: a leaf that lets EL0 {beyond} it "
            "is refused (Linux faults every such access)") if beyond else ""


def check_leaf(space: Space | None, slots: Iterable[Slot], root: int, va: int,
               desc: int) -> None:
    """A leaf is about to map va in `root`, a tree of `space`: within the program's
    protection."""
    excess = leaf_excess(space, slots, root, va, desc)
    if excess:
        refuse("set_pt.protection", Status.ERR_DENIED, excess)


def _either(space: Space, start: int, end: int, prot: int) -> None:
    """[start, end) has its old protection or `prot`, the Guardian cannot tell which: keep
    the union of both where it is still narrowed."""
    cuts = sorted({start, end} | {x for s, e, _, _ in space.protections
                                  for x in (s, e) if start < x < end})
    pieces = [(a, b, old | prot) for a, b in pairwise(cuts)
              if (old := protection_at(space, a)) is not None]
    space.set_protection(start, end, None)
    for a, b, both in pieces:
        if narrowed(both):
            space.set_protection(a, b, both)


EINVAL, EACCES = 22, 13
#: PROT_READ | WRITE | EXEC | SEM | BTI | MTE and PROT_GROWSDOWN | PROT_GROWSUP: any other
#: bit fails arch_validate_prot() (arm64) before any vma is looked at.
_PROT_KNOWN = 0x3F | 0x0300_0000
_GROWS_BOTH = 0x0300_0000


def _within_one(rows: list[tuple[int, int, int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e, _, _ in rows)


def _unchanged(space: Space, a: tuple[int, ...], errno: int) -> bool:
    """Did do_mprotect_pkey() fail before it changed any vma?  -EINVAL for a bit
    arch_validate_prot() refuses, or both PROT_GROWSDOWN and PROT_GROWSUP, comes before
    the walk; -EACCES for PROT_WRITE without PROT_EXEC over one MAP_SHARED mmap's range
    comes from the first vma (VM_MAYWRITE, fixed at mmap for the file, and
    security_file_mprotect() judge every vma of that mmap alike; map_deny_write_exec()
    needs PROT_EXEC), before mprotect_fixup() of any.  Otherwise unknown: False."""
    prot = a[2]
    if errno == EINVAL:
        return bool(prot & ~_PROT_KNOWN) or prot & _GROWS_BOTH == _GROWS_BOTH
    if errno == EACCES and prot & PROT_WRITE and not prot & (PROT_EXEC | _GROWS_BOTH):
        start, end = a[0], a[0] + page_up(a[1])
        return _within_one(space.origins, start, end) and \
            _within_one(space.shared_areas, start, end)
    return False


def record(slot: Slot, space: Space, ret: int) -> None:
    """The program's mmap or mprotect returned `ret`: keep the range's protection."""
    a = slot.args
    if slot.nr in _MPROTECTS and a[0] % PAGE == 0:
        start, end, prot = a[0], a[0] + page_up(a[1]), a[2] & PROT_MASK
        # (PROT_GROWSDOWN: from the area's start, do_mprotect_pkey())
        known, low = growsdown_from(space, start) if a[2] & _GROWSDOWN else (start, start)
        key = None if slot.nr == _NR_MPROTECT else a[3] & 0xFFFF_FFFF
        if ret >= ERRNO_FLOOR and before_any_area(
                space, a, None if key is None else key - (key >> 31 << 32)):
            return                      # (do_mprotect_pkey() changed nothing)
        # (key 0 is always allocated, as -1: mm_pkey_is_allocated(); do_mprotect_pkey()
        # is mprotect() there)
        if slot.nr != _NR_MPROTECT and a[3] & 0xFFFF_FFFF not in (_NO_PKEY, 0):
            # (a key past -1: -EINVAL without arm64 POE; with it the key only narrows
            # access, by a register the Guardian does not follow: unknown, never judged)
            if ret == 0 or ret >= ERRNO_FLOOR:
                space.set_protection(low, end, None)
        elif ret == 0:
            space.set_protection(known, end, prot if narrowed(prot) else None)
            if low < known:
                _either(space, low, known, prot)
        elif ret >= ERRNO_FLOOR and not _unchanged(space, a, (1 << 64) - ret):
            # (do_mprotect_pkey(): mprotect_fixup() vma by vma, then -ENOMEM at a hole,
            # -EACCES, -EINVAL (arch_validate_flags()) or a fixup's error: the vmas before
            # it already changed)
            _either(space, low, end, prot)
        return
    if ret >= ERRNO_FLOOR:
        return
    if slot.nr == NR_MMAP:
        start, prot = ret, a[2] & PROT_MASK
        if not a[3] & MAP_FIXED and not narrowed(prot):
            return                     # a fresh range: nothing narrowed there to cut
    else:
        return
    space.set_protection(start, start + page_up(a[1]), prot if narrowed(prot) else None)


def check_mprotect_return(memory: UserMemory, pages_in: PagesIn, slot: Slot,
                          ret: int) -> None:
    """mprotect answered 0: every page present in its range is within the protection."""
    a = slot.args
    if slot.nr != _NR_MPROTECT or ret != 0 or a[0] % PAGE:
        return
    prot = a[2] & PROT_MASK
    if not narrowed(prot):
        return
    for va, _pa in pages_in(slot.root, 0, 0, a[0], a[0] + page_up(a[1])):
        for write in (False, True):
            allowed = not isinstance(memory.translate(va, write, slot.root), TranslationFault)
            if allowed and (not prot & PROT_MASK or (write and not prot & PROT_WRITE)):
                refuse("return.protection_applied", Status.ERR_DENIED,
                       f"mprotect({a[0]:#x}, {a[1]:#x}, {prot:#x}) answered 0, but EL0 may "
                       f"still {'write' if write else 'read'} {va:#x}: Linux faults every "
                       "such access once the call returned")
