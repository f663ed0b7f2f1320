"""A frame mapped in more than one tree is read-only everywhere until a copy separates them.

Tree C is domain 1's forked child (tests/test_secure_mm.py builds it); the parent's tree A
maps PAGES_A at VA writable.  SET_PT is the kernel's only way to change either entry.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from emulator import descriptors as D
from guardian.checks import set_mutation
from tests.test_secure_mm import FREE, PAGES_A, ROOT_A, ROOT_C, VA, Scene, build, refuse

RO = D.PagePerms(user=True, write=False)
RW = D.PagePerms(user=True, write=True)
IDX = D.level_index(VA, 3)


@pytest.fixture
def s() -> Scene:
    scene = build()
    scene.g.check_invariants_after_every_call()
    return scene


def _l3(s: Scene, root: int) -> int:
    return (s.tables[root][3] if root in s.tables else root + 3 * 4096)


def _set(s: Scene, root: int, desc: int) -> None:
    s.ok(Call.SET_PT, _l3(s, root), IDX, desc)


def _share(s: Scene) -> int:
    """Fork's copy-on-write share: the parent's entry goes read-only, then the child's."""
    pa = s.b + PAGES_A
    _set(s, s.b + ROOT_A, D.leaf_descriptor(pa, RO))
    _set(s, s.b + ROOT_C, D.leaf_descriptor(pa, RO))
    assert s.rec(pa).user_maps == 2
    return pa


def _refused(s: Scene, root: int, desc: int) -> None:
    refuse(s, Status.ERR_DENIED, Call.SET_PT, _l3(s, root), IDX, desc)
    assert s.g.decisions[-1].check == "set_pt.shared_writable"


@pytest.mark.parametrize("side", ["child", "parent"])
@pytest.mark.parametrize("how", ["ap", "dbm"])
def test_a_fork_share_cannot_be_made_writable_in_place(s: Scene, side: str, how: str) -> None:
    pa = _share(s)
    desc = D.leaf_descriptor(pa, RW) if how == "ap" else D.leaf_descriptor(pa, RO) | D.DBM
    _refused(s, s.b + (ROOT_C if side == "child" else ROOT_A), desc)


def test_a_writable_frame_is_not_shared_before_it_is_downgraded(s: Scene) -> None:
    pa = s.b + PAGES_A                                   # still writable in tree A
    _refused(s, s.b + ROOT_C, D.leaf_descriptor(pa, RO))
    _share(s)                                            # downgrade first: accepted


def test_the_copy_separates_them_and_the_last_mapping_may_write(s: Scene) -> None:
    pa = _share(s)
    s.ok(Call.COPY_PAGE, s.b + FREE, pa)                 # the child's write fault: copy
    _set(s, s.b + ROOT_C, D.leaf_descriptor(s.b + FREE, RW))
    assert s.rec(pa).user_maps == 1
    _set(s, s.b + ROOT_A, D.leaf_descriptor(pa, RW))     # the parent alone: reuse in place
    assert not s.g.invariants.violations()


def test_the_program_s_own_map_shared_area_may_be_writable_in_both(s: Scene) -> None:
    conf = s.g.conf
    dom = conf.domains[1]
    share = dom.new_share()                  # one share, inherited by the child at fork
    for root in (ROOT_A, ROOT_C):
        conf.space(dom, s.b + root).shared_areas.append((VA, VA + 4096, share, 0))
    pa = s.b + PAGES_A
    _set(s, s.b + ROOT_C, D.leaf_descriptor(pa, RW))
    assert s.rec(pa).user_maps == 2 and not s.g.invariants.violations()


def test_two_shares_at_the_same_address_are_not_one(s: Scene) -> None:
    conf = s.g.conf
    dom = conf.domains[1]
    for root in (ROOT_A, ROOT_C):            # each tree mapped a MAP_SHARED area of its own
        conf.space(dom, s.b + root).shared_areas.append((VA, VA + 4096, dom.new_share(), 0))
    _refused(s, s.b + ROOT_C, D.leaf_descriptor(s.b + PAGES_A, RW))


def test_the_invariant_sees_a_writable_share_the_check_let_through(s: Scene) -> None:
    pa = _share(s)
    s.g.check_invariants_after_every_call(False)
    set_mutation("set_pt.shared_writable")
    try:
        _set(s, s.b + ROOT_C, D.leaf_descriptor(pa, RW))
    finally:
        set_mutation("")
    assert any("writable" in v and f"{pa:#x}" in v for v in s.g.invariants.shared_read_only())
