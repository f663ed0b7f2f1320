"""A page of a MAP_SHARED share is one page: every place of it maps the same frame.

A copy (COPY_PAGE, as a copy-on-write break makes), a fresh page or another frame never
takes one place while another place maps the page or holds it swapped out; KSM never
merges a share page; a share page swapped out before fork comes back as one frame for
every place.  Tree A is the program's, tree C its fork child (the scenes of
test_guardian_map_shared).
"""

from __future__ import annotations

from abi import Call, Status
from abi.layout import MAP_SHARED, NR_MMAP, NR_OPENAT
from emulator import descriptors as D
from guardian.checks import set_mutation
from tests.test_guardian_map_shared import AT, OTHER, RW, _finish, _map, _shared_area, _space, s
from tests.test_secure_mm import (
    CONTENT,
    FREE2,
    PAGE,
    PAGES_A,
    ROOT_A,
    ROOT_C,
    SWP,
    TABLE_FREE,
    VA,
    Scene,
    refuse,
    swap_in,
    swap_out,
)

__all__ = ["s"]                 # the fixture


def _forked(s: Scene, *, map_child: bool = True) -> int:
    """The program's share page is in tree A; C is its fork child (mapping it too)."""
    pa = _shared_area(s)
    s.g.conf.domains[1].spaces[s.b + ROOT_C] = _space(s).copy()
    s.g.state.fork_copy.open(s.b + ROOT_A, s.b + ROOT_C)      # FORK_DOMAIN: the copy begins
    if map_child:
        assert _map(s, AT, pa, ROOT_C) == Status.OK
    return pa


def _entry_of(s: Scene, root: int) -> tuple[int, int]:
    """(level-3 table, index) of AT in tree `root`."""
    l3 = s.tables[s.b + root][3] if root == ROOT_A else s.b + root + 3 * PAGE
    return l3, D.level_index(AT, 3)


def test_a_copy_never_takes_one_side_of_a_share_page(s: Scene) -> None:
    pa = _forked(s)
    s.ok(Call.COPY_PAGE, s.b + FREE2, pa)               # what a copy-on-write break makes
    l3, idx = _entry_of(s, ROOT_C)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3, idx,
           D.leaf_descriptor(s.b + FREE2, D.PagePerms(user=True, write=True)))
    assert s.g.decisions[-1].check == "set_pt.share_one_frame"


def test_a_copy_of_a_share_page_mapped_once_moves_the_whole_share(s: Scene) -> None:
    pa = _shared_area(s)
    s.ok(Call.COPY_PAGE, s.b + FREE2, pa)
    l3, idx = _entry_of(s, ROOT_A)
    s.ok(Call.SET_PT, l3, idx, D.leaf_descriptor(s.b + FREE2, D.PagePerms(user=True, write=True)))
    assert s.rec(s.b + FREE2).user_maps == 1


def test_a_fresh_page_never_takes_one_side_of_a_share_page(s: Scene) -> None:
    _forked(s, map_child=False)                         # the child has not touched it yet
    l3, idx = _entry_of(s, ROOT_C)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3, idx,
           D.leaf_descriptor(s.b + FREE2, D.PagePerms(user=True, write=True)))
    assert s.g.decisions[-1].check == "set_pt.share_one_frame"


def test_ksm_never_merges_a_share_page(s: Scene) -> None:
    pa = _shared_area(s)
    s.hw.ram.write(pa, CONTENT[2])                      # equal to tree A's private page 2
    root = s.b + ROOT_A
    for args in ((root, VA + 2 * PAGE, root, AT), (root, AT, root, VA + 2 * PAGE)):
        refuse(s, Status.ERR_DENIED, Call.KSM_MERGE, *args, 1)
        assert s.g.decisions[-1].check == "ksm.private_only"
    assert s.rec(s.b + PAGES_A + 2 * PAGE).user_maps == 1


def test_a_share_page_swapped_out_before_fork_comes_back_as_one_frame(s: Scene) -> None:
    b = s.b
    _forked(s, map_child=False)
    version, sealed = swap_out(s, b + ROOT_A, AT)
    l3c, idx = _entry_of(s, ROOT_C)
    s.ok(Call.SET_PT, l3c, idx, SWP)                    # fork copies the swap entry...
    s.ok(Call.SWAP_SHARE, b + ROOT_A, b + ROOT_C, AT, version)     # ... and the claim
    assert swap_in(s, b + ROOT_C, AT, b + FREE2, sealed) == Status.OK
    # The parent's claim ended with it: no copy of its own ...
    assert swap_in(s, b + ROOT_A, AT, b + TABLE_FREE, sealed) == Status.ERR_STALE
    assert s.g.decisions[-1].check == "swap_in.share_one_frame"
    # ... nor a fresh page; the one frame the child swapped in is the parent's page.
    l3a, _ = _entry_of(s, ROOT_A)
    rw = D.PagePerms(user=True, write=True)
    assert s.call(Call.SET_PT, l3a, idx, D.leaf_descriptor(b + TABLE_FREE, rw))[0] \
        == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.share_one_frame"
    s.ok(Call.SET_PT, l3a, idx, D.leaf_descriptor(b + FREE2, rw))
    assert s.rec(b + FREE2).user_maps == 2 and not s.g.invariants.violations()


def test_a_share_page_held_swapped_out_gets_no_fresh_page_elsewhere(s: Scene) -> None:
    b = s.b
    _forked(s, map_child=False)
    swap_out(s, b + ROOT_A, AT)
    l3c, idx = _entry_of(s, ROOT_C)
    refuse(s, Status.ERR_DENIED, Call.SET_PT, l3c, idx,
           D.leaf_descriptor(b + FREE2, D.PagePerms(user=True, write=True)))
    assert s.g.decisions[-1].check == "set_pt.share_one_frame"


def test_the_invariant_sees_two_frames_for_one_share_page(s: Scene) -> None:
    pa = _forked(s, map_child=False)
    s.g.check_invariants_after_every_call(False)
    set_mutation("set_pt.share_one_frame")
    try:
        assert _map(s, AT, s.b + FREE2, ROOT_C) == Status.OK
    finally:
        set_mutation("")
    found = s.g.invariants.share_pages()
    assert len(found) == 1 and f"{pa:#x}" in found[0] and f"{s.b + FREE2:#x}" in found[0]


def test_two_mmaps_of_an_admitted_file_are_two_pages(s: Scene) -> None:
    """The kernel keeps no page cache across mmaps of a file: each mmap's page is its own
    (the same frame may still be shown at both, as the file's share)."""
    b = s.b
    s.g.conf.admit_file("/data/table.bin", bytes(2 * PAGE))
    s.hw.ram.write(b + PAGES_A, b"/data/table.bin\0")
    assert _finish(s, NR_OPENAT, (0xFFFF_FF9C, VA, 2, 0, 0, 0), 3) == Status.OK
    assert _finish(s, NR_MMAP, (0, PAGE, RW, MAP_SHARED, 3, 0), AT) == Status.OK
    assert _finish(s, NR_MMAP, (0, PAGE, RW, MAP_SHARED, 3, 0), OTHER) == Status.OK
    assert _map(s, AT, b + FREE2) == Status.OK
    assert _map(s, OTHER, b + TABLE_FREE) == Status.OK


# --- any sequence of the kernel's memory-management calls keeps one frame per share page -----

import os  # noqa: E402 - the property test's own imports

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.test_secure_mm import build  # noqa: E402

POOL = (FREE2, TABLE_FREE, 0x63000, 0x64000, 0x65000)      # frames the kernel may hand out
ROOTS = (ROOT_A, ROOT_C)
OPS = st.one_of(
    st.tuples(st.just("map"), st.sampled_from(ROOTS), st.integers(0, 1),
              st.integers(0, len(POOL) + 1), st.booleans()),
    st.tuples(st.just("copy"), st.sampled_from(ROOTS), st.integers(0, 1),
              st.integers(0, len(POOL) - 1)),
    # Page 0 is mapped in both trees (never alone: never swapped out); page 1 is A's alone.
    st.tuples(st.just("swap_out"), st.sampled_from(ROOTS), st.just(1)),
    st.tuples(st.just("swap_share"), st.sampled_from(ROOTS), st.integers(0, 1)),
    st.tuples(st.just("swap_in"), st.sampled_from(ROOTS), st.integers(0, 1),
              st.integers(0, len(POOL) - 1)),
    st.tuples(st.just("migrate"), st.sampled_from(ROOTS), st.integers(0, 1),
              st.integers(0, len(POOL) - 1)),
    st.tuples(st.just("ksm"), st.sampled_from(ROOTS), st.integers(0, 1)),
)


@settings(max_examples=int(os.environ.get("SHARE_EXAMPLES", "100")), derandomize=True, deadline=None)
@given(st.lists(OPS, min_size=3, max_size=14))
def test_the_kernels_calls_never_give_a_share_page_two_frames(ops: list[tuple]) -> None:
    """The invariants (one frame per share page among them) hold after every call."""
    s = build()
    s.g.check_invariants_after_every_call()
    b = s.b
    pa = _forked(s)                         # page 0 of the share: in A and C
    s.hw.ram.write(pa, CONTENT[2])          # equal to tree A's private page 2 (KSM's bait)
    assert _map(s, AT + PAGE, b + 0x66000) == Status.OK      # page 1: in A only
    rw = D.PagePerms(user=True, write=True)
    sealed: dict[tuple[int, int], tuple[int, bytes]] = {}     # (root, page) -> last seal
    for op in ops:
        kind, root, page = op[0], b + op[1], AT + op[2] * PAGE
        l3 = s.tables[root][3] if op[1] == ROOT_A else root + 3 * PAGE
        idx = D.level_index(page, 3)
        if kind == "map":
            frames = (pa, b + PAGES_A + 2 * PAGE, *(b + f for f in POOL))
            desc = D.leaf_descriptor(frames[op[3]], rw if op[4] else D.PagePerms(user=True))
            s.call(Call.SET_PT, l3, idx, desc)
        elif kind == "copy":
            now = s.entry(root, page)
            if now & D.VALID:
                s.call(Call.COPY_PAGE, b + POOL[op[3]], now & D.ADDR_MASK)
        elif kind == "swap_out":
            status, version, data = s.call(Call.SWAP_OUT, root, page, SWP)
            if status == Status.OK:
                sealed[(root, page)] = (version, data)
        elif kind == "swap_share" and sealed:
            # A seal the kernel holds (any of them) is claimed by the other tree too.
            (src, at), (version, data) = sorted(sealed.items())[op[2] % len(sealed)]
            other = b + ROOT_C if src == b + ROOT_A else b + ROOT_A
            if s.call(Call.SWAP_SHARE, src, other, at, version)[0] == Status.OK:
                sealed[(other, at)] = (version, data)
        elif kind == "swap_in" and sealed:
            # The kernel brings a seal it holds back into a frame of its choice, in either
            # tree that claims it (or not: the Guardian decides).
            (src, at), (_, data) = sorted(sealed.items())[op[2] % len(sealed)]
            target = src if op[1] == ROOT_A else (b + ROOT_C if src == b + ROOT_A else b + ROOT_A)
            frame = b + POOL[op[3]]
            s.call(Call.SWAP_IN, target, at, frame, D.leaf_descriptor(frame, rw), payload=data)
        elif kind == "migrate":
            s.call(Call.MIGRATE_PAGE, root, page, b + POOL[op[3]])
        else:
            s.call(Call.KSM_MERGE, b + ROOT_A, VA + 2 * PAGE, root, page, 1)
    assert not s.g.invariants.violations()
