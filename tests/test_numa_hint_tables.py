"""A NUMA hint (guardian/numa_hints.py) lives and dies with its table: clearing the
level-2 entry that links a level-3 table gives up the hints in it (Linux zaps a range
before free_pgtables() frees its tables), and is judged like any discard of their pages.

Tree A (tests/test_secure_mm.py) maps four pages at VA in one level-3 table.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from emulator import descriptors as D
from guardian.descriptor_kinds import PROT_NONE
from tests.test_guardian_discard_windows import _enter, _resume
from tests.test_secure_mm import PAGE, ROOT_A, VA, Scene, build_translating


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _hint(s: Scene, va: int) -> tuple[int, int]:
    """change_prot_numa() hints the page at va: (its entry's PA, its frame)."""
    root = s.b + ROOT_A
    l3 = s.tables[root][3]
    desc = s.entry(root, va)
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), (desc & ~D.VALID) | PROT_NONE)
    return l3 + 8 * D.level_index(va, 3), desc & D.ADDR_MASK


def _held_at(s: Scene, pa: int, entry_pa: int) -> bool:
    return any(p[2] == entry_pa for p in s.g.frames.mappings(pa))


def test_clearing_the_table_of_a_hint_in_the_programs_munmap_releases_it(s: Scene) -> None:
    entry_pa, pa = _hint(s, VA)
    assert _held_at(s, pa, entry_pa)
    _enter(s, "munmap", (VA, 4 * PAGE))
    l2 = s.tables[s.b + ROOT_A][2]
    s.ok(Call.CLEAR_PT_RANGE, l2, D.level_index(VA, 2), 1)
    assert not _held_at(s, pa, entry_pa)             # no "restore" at the table's next place
    assert s.hw.ram.read_u64(entry_pa) == 0
    assert _resume(s, 0) == Status.OK


def test_clearing_the_table_of_a_hint_uncalled_is_refused(s: Scene) -> None:
    entry_pa, pa = _hint(s, VA)
    _enter(s, "munmap", (VA + PAGE, 3 * PAGE))
    l3 = s.tables[s.b + ROOT_A][3]
    s.ok(Call.CLEAR_PT_RANGE, l3, D.level_index(VA + PAGE, 3), 3)
    assert _resume(s, 0) == Status.OK
    l2 = s.tables[s.b + ROOT_A][2]
    assert s.call(Call.CLEAR_PT_RANGE, l2, D.level_index(VA, 2), 1)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.discard_subtree"
    assert _held_at(s, pa, entry_pa)


def test_a_hint_copied_during_the_programs_mremap_maps_its_frame_once(s: Scene) -> None:
    """move_ptes() moves a hint: the old entry is cleared before the new one is set.  A
    kernel that writes the hint at the new place and keeps the old one, then makes both
    valid, would map one confidential frame writable at two addresses: the copy is held
    like any moved hint, but making it valid beside the old one is refused
    (set_pt.shared_readonly), and so is the old one (set_pt.one_mapping)."""
    root = s.b + ROOT_A
    l3 = s.tables[root][3]
    entry_pa, pa = _hint(s, VA)
    hint = s.hw.ram.read_u64(entry_pa)
    far = VA + 8 * PAGE                                 # (an empty entry of the same table)
    _enter(s, "mremap", (VA, PAGE, PAGE, 1, 0))         # MREMAP_MAYMOVE
    steps = [(D.level_index(far, 3), hint),                             # the copy
             (D.level_index(far, 3), (hint & ~PROT_NONE) | D.VALID),    # made valid
             (D.level_index(VA, 3), (hint & ~PROT_NONE) | D.VALID)]     # the old one too
    statuses = [s.call(Call.SET_PT, l3, i, d)[0] for i, d in steps]
    assert statuses == [Status.OK, Status.ERR_DENIED, Status.ERR_DENIED], statuses
    held = [p for p in s.g.frames.mappings(pa)
            if s.hw.ram.read_u64(p[2]) & D.VALID and s.hw.ram.read_u64(p[2]) & D.ADDR_MASK == pa]
    assert len(held) <= 1
