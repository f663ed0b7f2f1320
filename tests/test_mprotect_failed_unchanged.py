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


NR_PKEY_MPROTECT = 288
GROWSDOWN, GROWSUP = 0x0100_0000, 0x0200_0000


def _fail_key(space: Space, args: tuple[int, ...], errno: int) -> None:
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NR_PKEY_MPROTECT, args=args, root=5,
                thread=2)
    protections.record(slot, space, (1 << 64) - errno)


def test_checks_before_the_walk_change_nothing() -> None:
    space = _space()
    _fail(space, (0x10000, (1 << 64) - 0x1000, 3), ENOMEM)      # end <= start
    _fail(space, (0x10000, 0x1000, 3 | GROWSUP), EINVAL)         # no VM_GROWSUP on arm64
    _fail(space, (0x10000, 0x1000, 3 | GROWSDOWN), EINVAL)       # no MAP_GROWSDOWN area
    _fail_key(space, (0x10000, 0x1000, 3, 9), EINVAL)            # past arch_max_pkey()
    assert protections.protection_at(space, 0x10000) == 1
    space.auxv = ((26, 0), (0, 0))                               # no HWCAP2_POE
    _fail_key(space, (0x10000, 0x1000, 3, 5), EINVAL)
    assert protections.protection_at(space, 0x10000) == 1


def test_start_in_a_hole_changes_nothing() -> None:
    space = _space()
    space.holes = [(0xF000, 0x10000)]
    _fail(space, (0xF000, 0x3000, 3), ENOMEM)
    assert protections.protection_at(space, 0x10000) == 1
    space.holes = []                     # (not known to be a hole: the walk may have begun)
    _fail(space, (0xF000, 0x3000, 3), ENOMEM)
    assert protections.protection_at(space, 0x10000) is None


def test_growsdown_or_allocated_key_may_have_changed() -> None:
    space = _space()
    space.growsdown = [(0x20000, 0x21000)]
    _fail(space, (0x10000, 0x1000, 3 | GROWSDOWN), EINVAL)
    assert protections.protection_at(space, 0x10000) is None
    space = _space()
    space.auxv = ((26, 1 << 63), (0, 0))                         # POE: key 5 may be allocated
    _fail_key(space, (0x10000, 0x1000, 3, 5), ENOMEM)
    assert protections.protection_at(space, 0x10000) is None


def test_first_area_without_maywrite() -> None:
    space = _space()
    space.origins = [(0x10000, 0x11000, 7, 0), (0x11000, 0x14000, 8, 0)]
    space.no_maywrite = {7}
    _fail(space, (0x10000, 0x3000, 3), EACCES)
    assert protections.protection_at(space, 0x12000) == 1
    space.no_maywrite = {8}              # the first area may change before the second's error
    _fail(space, (0x10000, 0x3000, 3), EACCES)
    assert protections.protection_at(space, 0x12000) is None


def test_no_maywrite_forgets_an_unmapped_area() -> None:
    """Space.no_maywrite holds area ids only while an area of that id is left: each
    read-only MAP_SHARED mmap and munmap would grow it for good."""
    from guardian.slots import Space
    s = Space()
    s.add_area(0x1000, 0x3000, 7)
    s.no_maywrite.add(7)
    s.remove_area(0x1000, 0x2000)
    assert s.no_maywrite == {7}
    s.remove_area(0x2000, 0x3000)
    assert not s.no_maywrite
