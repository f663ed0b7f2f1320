"""A failed mprotect() that do_mprotect_pkey() refused before changing any vma leaves the
Guardian's protection record as it was (guardian/protections.py)."""

from __future__ import annotations

from guardian import protections
from guardian.slots import Slot, Space

NR_MPROTECT = 226
EACCES, EINVAL, ENOMEM = 13, 22, 12


def _space() -> Space:
    space = Space(areas=[(0x10000, 0x14000)])
    space.origins = [(0x10000, 0x14000, 7, 0)]
    space.shared_areas = [(0x10000, 0x12000, 3, 0)]
    space.set_protection(0x10000, 0x14000, 1)
    return space


def _fail(space: Space, args: tuple[int, ...], errno: int) -> None:
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NR_MPROTECT, args=args, root=5,
                thread=2)
    protections.record(slot, space, (1 << 64) - errno)


def test_first_vma_refusals_change_nothing() -> None:
    space = _space()
    _fail(space, (0x10000, 0x1000, 3), EACCES)          # one MAP_SHARED mmap's range
    assert protections.protection_at(space, 0x10000) == 1
    _fail(space, (0x12000, 0x1000, 0x43), EINVAL)       # a bit arch_validate_prot() refuses
    assert protections.protection_at(space, 0x12000) == 1


def test_other_failures_may_have_changed_the_range() -> None:
    space = _space()
    _fail(space, (0x10000, 0x3000, 3), EACCES)          # past the shared part
    assert protections.protection_at(space, 0x10000) is None
    space = _space()
    _fail(space, (0x10000, 0x1000, 3), ENOMEM)
    assert protections.protection_at(space, 0x10000) is None
    space = _space()
    _fail(space, (0x10000, 0x1000, 7), EACCES)          # PROT_EXEC: MDWE, a later vma
    assert protections.protection_at(space, 0x10000) is None
