"""KSM's questions only about memory the program opted in (`ksm.mergeable`).

Linux's ksmd scans only areas madvise(MADV_MERGEABLE) marked VM_MERGEABLE, or every
compatible area of an mm whose prctl(PR_SET_MEMORY_MERGE, 1) set MMF_VM_MERGE_ANY: the
Guardian answers PAGE_DIGEST and KSM_MERGE for those pages only, else a keyed digest or a
merge's answer is an equality test between a secret page and contents the kernel chose.
"""

from __future__ import annotations

import errno
import struct

import pytest

from abi import Call, Status
from abi.layout import NR_MADVISE, NR_MREMAP, NR_PRCTL, PR_SET_MEMORY_MERGE
from guardian.ksm_opt_in import follow, mergeable
from guardian.slots import Slot, Space
from tests.test_secure_mm import PAGE, ROOT_A, ROOT_B, VA, Scene, build, refuse

MERGEABLE, UNMERGEABLE = 12, 13
ENOMEM = (1 << 64) - errno.ENOMEM
EINVAL = (1 << 64) - errno.EINVAL
ROOT = 0x4000_0000


def _slot(nr: int, *args: int, root: int = ROOT, sid: int = 1) -> Slot:
    return Slot(sid, 1, None, 0, nr, tuple(args) + (0,) * (6 - len(args)), root)


def _space() -> Space:
    sp = Space()
    sp.areas = [(0x10000, 0x20000), (0x30000, 0x40000)]
    sp.shared_areas = [(0x38000, 0x40000, 7, 0)]
    return sp


def _ok(sp: Space, va: int, others: tuple[Slot, ...] = ()) -> bool:
    return mergeable(sp, ROOT, va, others)


# --- following the program's own calls --------------------------------------------------
def test_nothing_is_mergeable_until_the_program_asks() -> None:
    sp = _space()
    assert not any(_ok(sp, va) for va in range(0x10000, 0x40000, PAGE))
    assert not mergeable(None, ROOT, 0x10000, ())


def test_madvise_mergeable_marks_its_private_mapped_pages_only() -> None:
    sp = _space()
    follow(sp, _slot(NR_MADVISE, 0x18000, 0x28000, MERGEABLE), ENOMEM)     # a hole: ENOMEM
    assert _ok(sp, 0x18000) and _ok(sp, 0x1F000)
    assert not _ok(sp, 0x17000) and not _ok(sp, 0x20000)
    follow(sp, _slot(NR_MADVISE, 0x30000, 0x10000, MERGEABLE), 0)
    assert _ok(sp, 0x30000) and _ok(sp, 0x37000)
    assert not _ok(sp, 0x38000)                 # MAP_SHARED: vma_ksm_compatible() says no


def test_a_failed_madvise_mergeable_marks_nothing_and_unmergeable_always_unmarks() -> None:
    sp = _space()
    follow(sp, _slot(NR_MADVISE, 0x10000, 0x10000, MERGEABLE), EINVAL)
    assert not _ok(sp, 0x10000)
    follow(sp, _slot(NR_MADVISE, 0x10000, 0x10000, MERGEABLE), 0)
    follow(sp, _slot(NR_MADVISE, 0x14000, PAGE, UNMERGEABLE), EINVAL)
    assert _ok(sp, 0x13000) and not _ok(sp, 0x14000) and _ok(sp, 0x15000)


def test_prctl_memory_merge_makes_every_private_page_mergeable_and_zero_clears_all() -> None:
    sp = _space()
    follow(sp, _slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 1), EINVAL)
    follow(sp, _slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 1, 1), 0)      # Linux: -EINVAL
    assert not _ok(sp, 0x10000)
    follow(sp, _slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 1), 0)
    assert _ok(sp, 0x10000) and _ok(sp, 0x30000) and not _ok(sp, 0x38000)
    follow(sp, _slot(NR_MADVISE, 0x10000, PAGE, MERGEABLE), 0)
    follow(sp, _slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 0), EINVAL)
    assert not _ok(sp, 0x10000)                 # ksm_disable_merge_any(): every area too


def test_the_mark_goes_with_the_area_through_fork_unmap_and_mremap() -> None:
    sp = _space()
    follow(sp, _slot(NR_MADVISE, 0x10000, 0x10000, MERGEABLE), 0)
    child = sp.forked()
    assert _ok(child, 0x10000)                   # dup_mmap keeps VM_MERGEABLE
    sp.remove_area(0x10000, 0x12000)
    assert not _ok(sp, 0x10000) and _ok(sp, 0x12000)
    sp.add_area(0x10000, 0x12000, 9)             # a new area there is not marked
    assert not _ok(sp, 0x10000)
    sp.move_area(0x12000, 0x2000, 0x50000, 0x3000, 10)
    assert not _ok(sp, 0x12000) and _ok(sp, 0x50000) and _ok(sp, 0x52000)
    assert Space().mergeable == [] and not Space().merge_any   # exec: a new space


# --- calls in flight ------------------------------------------------------------------
def test_calls_in_flight_count_as_the_kernel_may_have_acted() -> None:
    sp = _space()
    flying = (_slot(NR_MADVISE, 0x10000, 0x2000, MERGEABLE, sid=5),)
    assert _ok(sp, 0x11000, flying) and not _ok(sp, 0x12000, flying)
    other_tree = (_slot(NR_MADVISE, 0x10000, 0x2000, MERGEABLE, root=ROOT + PAGE, sid=5),)
    assert not _ok(sp, 0x11000, other_tree)
    assert _ok(sp, 0x30000, (_slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 1, sid=6),))
    follow(sp, _slot(NR_MADVISE, 0x10000, 0x10000, MERGEABLE), 0)
    assert not _ok(sp, 0x11000, (_slot(NR_MADVISE, 0x11000, PAGE, UNMERGEABLE, sid=7),))
    assert not _ok(sp, 0x11000, (_slot(NR_PRCTL, PR_SET_MEMORY_MERGE, 0, sid=8),))


def test_an_mremap_in_flight_counts_only_where_no_area_of_the_program_is() -> None:
    sp = _space()
    follow(sp, _slot(NR_MADVISE, 0x10000, 0x10000, MERGEABLE), 0)
    moving = (_slot(NR_MREMAP, 0x10000, 0x10000, 0x10000, 1, 0, sid=9),)
    assert _ok(sp, 0x60000, moving)              # wherever the kernel placed it
    assert not _ok(sp, 0x30000, moving)          # an area the program holds
    fixed = (_slot(NR_MREMAP, 0x10000, 0x10000, 0x10000, 3, 0x70000, sid=9),)
    assert _ok(sp, 0x70000, fixed) and not _ok(sp, 0x60000, fixed)
    unmarked = (_slot(NR_MREMAP, 0x30000, 0x8000, 0x8000, 1, 0, sid=9),)
    assert not _ok(sp, 0x60000, unmarked)


# --- the secure calls ------------------------------------------------------------------
@pytest.fixture
def s() -> Scene:
    """Tree A's program and tree B's made nothing mergeable."""
    built = build()
    reg = built.g.conf.registry
    for root, dom in ((ROOT_A, 1), (ROOT_B, 2)):
        reg.space(reg.domains[dom], built.b + root).merge_any = False
    return built


def test_page_digest_of_a_page_not_made_mergeable_is_refused(s: Scene) -> None:
    refuse(s, Status.ERR_DENIED, Call.PAGE_DIGEST, s.b + ROOT_A, VA)
    assert s.g.decisions[-1].check == "ksm.mergeable"
    refuse(s, Status.ERR_DENIED, Call.PAGE_DIGEST, s.b + ROOT_A, VA, 4)
    assert s.g.decisions[-1].check == "ksm.mergeable"


def test_ksm_merge_of_identical_pages_not_made_mergeable_is_refused(s: Scene) -> None:
    refuse(s, Status.ERR_DENIED, Call.KSM_MERGE, s.b + ROOT_A, VA + 2 * PAGE,
           s.b + ROOT_A, VA + 3 * PAGE, 1)
    assert s.g.decisions[-1].check == "ksm.mergeable"
    reg = s.g.conf.registry
    reg.space(reg.domains[1], s.b + ROOT_A).mergeable = [(VA + 2 * PAGE, VA + 3 * PAGE)]
    refuse(s, Status.ERR_DENIED, Call.KSM_MERGE, s.b + ROOT_A, VA + 2 * PAGE,
           s.b + ROOT_A, VA + 3 * PAGE, 1)         # both pages must be
    assert s.g.decisions[-1].check == "ksm.mergeable"
    reg.space(reg.domains[1], s.b + ROOT_A).mergeable = [(VA + 2 * PAGE, VA + 4 * PAGE)]
    s.ok(Call.KSM_MERGE, s.b + ROOT_A, VA + 2 * PAGE, s.b + ROOT_A, VA + 3 * PAGE, 1)


def test_a_digest_run_ends_at_the_first_page_not_made_mergeable(s: Scene) -> None:
    reg = s.g.conf.registry
    reg.space(reg.domains[1], s.b + ROOT_A).mergeable = [(VA, VA + 2 * PAGE)]
    n, data = s.ok(Call.PAGE_DIGEST, s.b + ROOT_A, VA, 4)
    assert n == 2 and struct.unpack("<Q", data[8:])[0] == \
        s.ok(Call.PAGE_DIGEST, s.b + ROOT_A, VA + PAGE)[0]


def test_a_madvise_mergeable_in_flight_lets_the_kernel_ask(s: Scene) -> None:
    reg = s.g.conf.registry
    slot = _slot(NR_MADVISE, VA, 4 * PAGE, MERGEABLE, root=s.b + ROOT_A, sid=900)
    reg.slots[slot.id] = slot
    try:
        s.ok(Call.PAGE_DIGEST, s.b + ROOT_A, VA + PAGE)
    finally:
        del reg.slots[slot.id]
    refuse(s, Status.ERR_DENIED, Call.PAGE_DIGEST, s.b + ROOT_A, VA + PAGE)
