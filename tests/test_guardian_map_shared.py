"""Shares the program makes itself (MAP_SHARED): a confidential frame may be mapped at a
second place, writable, only where both places are the same page of one recorded share;
and at the same address in two trees (fork) only where both hold the same area.

The Guardian records a share from the program's own requests: mmap(MAP_SHARED) makes one
(an admitted file has one per domain), mremap moves or grows it (old size 0 maps it again),
munmap ends it where it unmaps, fork hands it to the child at the same addresses.  Tree A
(domain 1) is the live address space; tree C is a second tree of domain 1 (a fork child).
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_SHARED,
    NR_MMAP,
    NR_MREMAP,
    NR_MUNMAP,
    NR_OPENAT,
)
from abi.syscalls import NUMBERS
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot, Space
from tests.test_secure_mm import FREE, FREE2, PAGE, PAGES_A, ROOT_A, ROOT_C, USER_RW, VA, Scene
from tests.test_secure_mm import build as build_scene

SHARED_ANON = MAP_SHARED | MAP_ANONYMOUS
AT = VA + 8 * PAGE          # where the program's first MAP_SHARED area lands
AGAIN = VA + 16 * PAGE      # a second mapping of it
OTHER = VA + 24 * PAGE      # another share of its own
RW = 3
MREMAP_MAYMOVE = 1
READ_ONLY = D.PagePerms(user=True, write=False)


@pytest.fixture
def s() -> Scene:
    scene = build_scene()
    scene.g.check_invariants_after_every_call()
    return scene


def _finish(s: Scene, nr: int, args: tuple[int, ...], ret: int, root: int = ROOT_A) -> int:
    """The program's syscall `nr` in tree `root` completes with `ret` (RESUME's status)."""
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, s.b + root)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    sid = 900 + len(s.g.decisions) + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, nr, args, root=s.b + root)
    status = s.call(Call.RESUME, sid, ret, 0x400104)[0]
    s.g.lock_el1(False)                 # the program's next exception: the kernel runs
    s.g.conf.slots.pop(sid, None)
    return status


def _map(s: Scene, va: int, frame: int, root: int = ROOT_A) -> int:
    l3 = s.tables[s.b + root][3] if s.b + root in s.tables else s.b + root + 3 * PAGE
    return s.call(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(frame, USER_RW))[0]


def _space(s: Scene, root: int = ROOT_A) -> Space:
    return s.g.conf.domains[1].spaces[s.b + root]


def _shared_area(s: Scene) -> int:
    """mmap(NULL, 2 pages, RW, MAP_SHARED|MAP_ANONYMOUS) returned AT; its first page is in."""
    assert _finish(s, NR_MMAP, (0, 2 * PAGE, RW, SHARED_ANON, 2**64 - 1, 0), AT) == Status.OK
    assert _map(s, AT, s.b + FREE) == Status.OK
    return s.b + FREE


def test_a_second_mapping_of_the_same_share_page_is_allowed_and_writable(s: Scene) -> None:
    pa = _shared_area(s)
    # mremap(AT, 0, 2 pages, MAYMOVE): the program maps its share a second time.
    assert _finish(s, NR_MREMAP, (AT, 0, 2 * PAGE, MREMAP_MAYMOVE, 0, 0), AGAIN) == Status.OK
    assert _space(s).share_at(AGAIN) == _space(s).share_at(AT)
    assert _map(s, AGAIN, pa) == Status.OK
    assert s.rec(pa).user_maps == 2 and not s.g.invariants.violations()


def test_a_frame_at_another_page_of_the_share_or_another_share_is_refused(s: Scene) -> None:
    pa = _shared_area(s)
    assert _finish(s, NR_MREMAP, (AT, 0, 2 * PAGE, MREMAP_MAYMOVE, 0, 0), AGAIN) == Status.OK
    assert _finish(s, NR_MMAP, (0, PAGE, RW, SHARED_ANON, 2**64 - 1, 0), OTHER) == Status.OK
    for va in (AGAIN + PAGE, OTHER, VA + 40 * PAGE):     # other offset, other share, no share
        assert _map(s, va, pa) == Status.ERR_DENIED
        assert s.g.decisions[-1].check == "set_pt.one_mapping"
    assert s.rec(pa).user_maps == 1


def test_two_anonymous_shares_never_alias(s: Scene) -> None:
    _shared_area(s)
    assert _finish(s, NR_MMAP, (0, 2 * PAGE, RW, SHARED_ANON, 2**64 - 1, 0), OTHER) == Status.OK
    first, second = _space(s).share_at(AT), _space(s).share_at(OTHER)
    assert first is not None and second is not None and first[0] != second[0]


def test_munmap_ends_the_share_where_it_unmaps(s: Scene) -> None:
    pa = _shared_area(s)
    assert _finish(s, NR_MREMAP, (AT, 0, 2 * PAGE, MREMAP_MAYMOVE, 0, 0), AGAIN) == Status.OK
    assert _map(s, AGAIN, pa) == Status.OK
    # munmap(AGAIN, 2 pages): inside its window the kernel removes the entry; then it is done.
    s.g.conf.slots[999] = Slot(999, 1, UserContext(), 0, NR_MUNMAP, (AGAIN, 2 * PAGE, 0, 0, 0, 0),
                               root=s.b + ROOT_A)
    assert s.call(Call.SET_PT, s.tables[s.b + ROOT_A][3], D.level_index(AGAIN, 3), 0)[0] \
        == Status.OK
    del s.g.conf.slots[999]
    assert _finish(s, NR_MUNMAP, (AGAIN, 2 * PAGE, 0, 0, 0, 0), 0) == Status.OK
    assert _space(s).share_at(AGAIN) is None
    assert _map(s, AGAIN, pa) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.unmapped"       # (a hole the munmap left)
    # With an mmap of the program's in flight (it may map the hole again) the share is
    # still over: the frame cannot come back at another address.
    s.g.conf.slots[998] = Slot(998, 1, UserContext(), 0, NUMBERS["mmap"],
                               (0, PAGE, 3, 0x22, (1 << 64) - 1, 0), root=s.b + ROOT_A)
    assert _map(s, AGAIN, pa) == Status.ERR_DENIED
    del s.g.conf.slots[998]
    assert s.g.decisions[-1].check == "set_pt.one_mapping"


def test_mremap_moves_the_share_with_the_pages(s: Scene) -> None:
    pa = _shared_area(s)
    assert _finish(s, NR_MREMAP, (AT, 0, 2 * PAGE, MREMAP_MAYMOVE, 0, 0), AGAIN) == Status.OK
    at = _space(s).share_at(AGAIN)
    # mremap(AGAIN, 2 pages, 3 pages, MAYMOVE) -> OTHER: moved and grown (nothing mapped yet).
    assert _finish(s, NR_MREMAP, (AGAIN, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0), OTHER) \
        == Status.OK
    assert _space(s).share_at(AGAIN) is None and _space(s).share_at(OTHER) == at
    assert at is not None and _space(s).share_at(OTHER + 2 * PAGE) == (at[0], at[1] + 2 * PAGE)
    assert _map(s, AGAIN, pa) == Status.ERR_DENIED
    assert _map(s, OTHER, pa) == Status.OK


def test_a_fork_child_shares_writably_only_the_share_it_inherited(s: Scene) -> None:
    pa = _shared_area(s)
    dom = s.g.conf.domains[1]
    dom.spaces[s.b + ROOT_C] = _space(s).copy()            # what FORK_DOMAIN gives the child
    assert _map(s, AT, pa, ROOT_C) == Status.OK            # the same page of the same share
    assert s.rec(pa).user_maps == 2 and not s.g.invariants.violations()


@pytest.mark.parametrize("flags", [SHARED_ANON, MAP_ANONYMOUS | 2])
def test_a_new_area_at_the_same_address_gets_none_of_the_old_pages(s: Scene,
                                                                   flags: int) -> None:
    """Fork shares are recorded too: the same address in two trees shares a page only
    where the child inherited the area, not where either tree mapped a new one since."""
    pa = _shared_area(s)
    dom = s.g.conf.domains[1]
    dom.spaces[s.b + ROOT_C] = _space(s).copy()
    # The child maps a new area of its own over the inherited one (shared or private).
    assert _finish(s, NR_MMAP, (AT, 2 * PAGE, RW, flags | MAP_FIXED, 2**64 - 1, 0), AT,
                   root=ROOT_C) == Status.OK
    assert _space(s, ROOT_C).origin_at(AT) != _space(s).origin_at(AT)
    for desc in (D.leaf_descriptor(pa, USER_RW), D.leaf_descriptor(pa, READ_ONLY)):
        l3 = s.b + ROOT_C + 3 * PAGE
        assert s.call(Call.SET_PT, l3, D.level_index(AT, 3), desc)[0] == Status.ERR_DENIED
        assert s.g.decisions[-1].check == "set_pt.one_mapping"


def test_a_private_area_the_child_inherited_is_shared_read_only(s: Scene) -> None:
    b = s.b
    assert _finish(s, NR_MMAP, (0, PAGE, RW, MAP_ANONYMOUS | 2, 2**64 - 1, 0), AT) == Status.OK
    assert _map(s, AT, b + FREE) == Status.OK
    s.g.conf.domains[1].spaces[b + ROOT_C] = _space(s).copy()
    s.g.state.fork_copy.open(b + ROOT_A, b + ROOT_C)          # FORK_DOMAIN: the copy begins
    l3a, l3c = s.tables[b + ROOT_A][3], b + ROOT_C + 3 * PAGE
    ro = D.leaf_descriptor(b + FREE, READ_ONLY)
    s.ok(Call.SET_PT, l3a, D.level_index(AT, 3), ro)        # fork: copy-on-write, both RO
    s.ok(Call.SET_PT, l3c, D.level_index(AT, 3), ro)
    assert s.rec(b + FREE).user_maps == 2 and not s.g.invariants.violations()


def test_the_invariant_sees_a_fork_share_of_another_area(s: Scene) -> None:
    from guardian.checks import set_mutation
    pa = _shared_area(s)
    s.g.conf.domains[1].spaces[s.b + ROOT_C] = _space(s).copy()
    assert _finish(s, NR_MMAP, (AT, 2 * PAGE, RW, MAP_ANONYMOUS | 2 | MAP_FIXED, 2**64 - 1, 0),
                   AT, root=ROOT_C) == Status.OK
    s.g.check_invariants_after_every_call(False)
    set_mutation("set_pt.one_mapping")
    try:
        l3c = s.b + ROOT_C + 3 * PAGE
        s.call(Call.SET_PT, l3c, D.level_index(AT, 3), D.leaf_descriptor(pa, READ_ONLY))
    finally:
        set_mutation("")
    assert s.rec(pa).user_maps == 2
    assert any(f"{pa:#x}" in v for v in s.g.invariants.fork_shares())


def test_an_admitted_file_has_one_share_per_domain_at_its_file_offsets(s: Scene) -> None:
    b = s.b
    s.g.conf.admit_file("/data/table.bin", bytes(3 * PAGE))
    s.hw.ram.write(b + PAGES_A, b"/data/table.bin\0")       # the program's path string
    assert _finish(s, NR_OPENAT, (0xFFFF_FF9C, VA, 2, 0, 0, 0), 3) == Status.OK
    assert _finish(s, NR_MMAP, (0, 2 * PAGE, RW, MAP_SHARED, 3, 0), AT) == Status.OK
    assert _finish(s, NR_MMAP, (0, 2 * PAGE, RW, MAP_SHARED, 3, PAGE), OTHER) == Status.OK
    assert _map(s, AT + PAGE, b + FREE) == Status.OK        # file offset PAGE, measured
    s.hw.ram.write(b + FREE, b"the program wrote its shared table")
    assert _map(s, OTHER, b + FREE) == Status.OK            # the same file offset: one page
    assert _map(s, OTHER + PAGE, b + FREE) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.one_mapping"
    # A MAP_FIXED mmap of the file over its own mapping may show the share as it is now...
    assert _finish(s, NR_MMAP, (OTHER, PAGE, RW, MAP_SHARED | MAP_FIXED, 3, PAGE), OTHER) \
        == Status.OK
    # ... but an anonymous one there is new memory: the old page may not stay.
    assert _finish(s, NR_MMAP, (OTHER, PAGE, RW, SHARED_ANON | MAP_FIXED, 2**64 - 1, 0),
                   OTHER) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.mmap_fresh"
    assert _map(s, VA + 40 * PAGE, b + FREE2) == Status.OK  # unrelated: still one mapping each


# --- the Space's record of areas, on its own -------------------------------------------------
def test_unmapping_part_of_a_share_keeps_the_rest_at_its_offsets() -> None:
    sp = Space(shared_areas=[(0x10000, 0x14000, 7, 0x3000)])
    sp.remove_area(0x11000, 0x12000)
    assert sp.shared_areas == [(0x10000, 0x11000, 7, 0x3000), (0x12000, 0x14000, 7, 0x5000)]
    assert sp.share_at(0x13000) == (7, 0x6000) and sp.share_at(0x11000) is None


def test_mremap_shrinks_moves_and_grows_every_kind_of_area() -> None:
    sp = Space(areas=[(0x10000, 0x13000)], shared_areas=[(0x10000, 0x13000, 2, 0)],
               file_areas=[(0x20000, 0x22000, "/f", 0x1000)], input_areas=[(0x30000, 0x31000)])
    sp.move_area(0x10000, 0x3000, 0x50000, 0x2000, 90)      # moved and cut to two pages
    assert sp.shared_areas == [(0x50000, 0x52000, 2, 0)] and (0x50000, 0x52000) in sp.areas
    sp.origins = [(0x20000, 0x22000, 5, 0)]
    sp.move_area(0x20000, 0x2000, 0x20000, 0x4000, 91)      # grown in place
    assert sp.file_areas == [(0x20000, 0x24000, "/f", 0x1000)]
    assert sp.file_page(0x23000) == ("/f", 0x4000)
    # The old pages keep their origin; the new ones are of a new one in each tree.
    assert sp.origin_at(0x21000) == (5, 0x1000) and sp.origin_at(0x23000) == (91, 0x1000)
    sp.move_area(0x30000, 0x1000, 0x60000, 0x1000, 92)
    assert sp.input_areas == [(0x60000, 0x61000)] and sp.input_page(0x60000)
