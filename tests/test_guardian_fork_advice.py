"""The Guardian's record of the program's fork advice (MADV_WIPEONFORK, MADV_DONTFORK).

The record lives on the Guardian's own list of the program's areas (`Space`): madvise
sets and clears it on exactly its range, munmap cuts it, mremap moves it, fork hands the
child the areas as Linux copies them (a dont-fork range is gone, a wipe-on-fork range is
there, empty, keeping its flag), and the child remembers what its fork left empty or out.
End to end, an honest kernel's run is never refused, confidential or not.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from abi import Call, Status
from abi.layout import MADV_DOFORK, MADV_DONTFORK, MADV_KEEPONFORK, MADV_WIPEONFORK
from cli.session import run_program
from guardian import checks
from guardian.slots import PAGE, Space
from tests.test_fork_advice import LINUX_OUTPUT

A = 0x10_0000


def _space() -> Space:
    sp = Space()
    sp.add_area(A, A + 4 * PAGE, 1)
    return sp


def test_advice_covers_exactly_its_range_and_is_undone() -> None:
    sp = _space()
    sp.advise_fork(A + PAGE, A + 3 * PAGE, MADV_WIPEONFORK)
    assert sp.wipe_on_fork == [(A + PAGE, A + 3 * PAGE)]
    sp.advise_fork(A + 2 * PAGE, A + 3 * PAGE, MADV_KEEPONFORK)
    assert sp.wipe_on_fork == [(A + PAGE, A + 2 * PAGE)]
    sp.advise_fork(A - PAGE, A + PAGE, MADV_DONTFORK)      # a hole before: the mapped part
    assert sp.dont_fork == [(A, A + PAGE)]
    sp.advise_fork(A, A + PAGE, MADV_DOFORK)
    assert sp.dont_fork == []


def test_fork_leaves_wiped_ranges_empty_and_dont_fork_ranges_out() -> None:
    sp = _space()
    sp.advise_fork(A, A + PAGE, MADV_DONTFORK)
    sp.advise_fork(A + 2 * PAGE, A + 3 * PAGE, MADV_WIPEONFORK)
    child = sp.forked()
    assert child.areas == [(A + PAGE, A + 4 * PAGE)]        # no dont-fork area in the child
    assert child.fork_fresh(A) == "dont" and child.fork_fresh(A + 2 * PAGE) == "wipe"
    assert child.fork_fresh(A + PAGE) == "" and child.fork_fresh(A + 3 * PAGE) == ""
    assert child.wipe_on_fork == [(A + 2 * PAGE, A + 3 * PAGE)]     # the flag stays
    assert child.dont_fork == []
    assert sp.fork_fresh(A + 2 * PAGE) == ""                 # the parent's own pages


def test_keeponfork_in_the_child_keeps_what_its_fork_left_empty() -> None:
    child = _space()
    child.advise_fork(A, A + PAGE, MADV_WIPEONFORK)
    child = child.forked()
    child.advise_fork(A, A + PAGE, MADV_KEEPONFORK)
    assert child.wipe_on_fork == [] and child.fork_fresh(A) == "wipe"
    grandchild = child.forked()
    assert grandchild.fork_fresh(A) == ""                    # the child's page, shared


def test_grandchild_inherits_the_flag_not_the_childs_record() -> None:
    sp = _space()
    sp.advise_fork(A, A + PAGE, MADV_WIPEONFORK)
    grandchild = sp.forked().forked()
    assert grandchild.fork_fresh(A) == "wipe"
    sp2 = _space()
    sp2.advise_fork(A, A + PAGE, MADV_DONTFORK)
    assert sp2.forked().forked().fork_fresh(A) == ""         # gone, not left out again


def test_munmap_cuts_and_mremap_moves_the_record() -> None:
    sp = _space()
    sp.advise_fork(A, A + 2 * PAGE, MADV_WIPEONFORK)
    sp.remove_area(A, A + PAGE)
    assert sp.wipe_on_fork == [(A + PAGE, A + 2 * PAGE)]
    new = 0x20_0000
    sp.move_area(A + PAGE, PAGE, new, 2 * PAGE, 9)           # moved and grown
    assert sp.wipe_on_fork == [(new, new + 2 * PAGE)]
    child = sp.forked()
    assert child.fork_fresh(new + PAGE) == "wipe" and child.fork_fresh(A + PAGE) == ""


def _run(program: str, args: list[str], rootfs: Path) -> tuple[int, bytes, list[str]]:
    out = io.BytesIO()
    r = run_program(program, args, rootfs=rootfs, stdout=out, stderr=io.BytesIO(),
                    stdin=io.BytesIO(), guardian="on", confidential=True)
    return r.exit_code, out.getvalue(), r.warnings


def test_honest_kernel_confidential_forkadvice_is_linux(tmp_path: Path) -> None:
    """Every step of forkadvice (KEEPONFORK and DOFORK included) runs under the Guardian
    as on Linux, with nothing refused."""
    code, out, warnings = _run("forkadvice", [], tmp_path)
    assert (code, warnings) == (0, [])
    assert out.decode().splitlines() == LINUX_OUTPUT.decode().splitlines()


def test_honest_kernel_confidential_victim_steps(tmp_path: Path) -> None:
    """The attack target's fork steps, with an honest kernel: nothing refused, nothing lost."""
    code, out, warnings = _run("secret_outputs", ["-w", "-D", "-K", "-r", "-g"], tmp_path)
    assert (code, warnings) == (0, [])
    assert out == b"secret: intact\n"


# --- SET_PT in a fork child, and the invariant -------------------------------------------

def _scene_forked(advice: int):  # noqa: ANN202 - the secure-MM test scene
    """Tree A of domain 1 marks its page at VA with `advice`; tree C is its fork child
    (as FORK_DOMAIN records it); A's frame is made read-only, as fork shares a page."""
    from emulator import descriptors as D
    from tests.test_secure_mm import PAGES_A, ROOT_A, ROOT_C, VA
    from tests.test_secure_mm import build as build_scene
    s = build_scene()
    dom = s.g.conf.domains[1]
    parent = dom.spaces[s.b + ROOT_A]
    parent.add_area(VA, VA + 4 * PAGE, dom.new_origin())
    parent.advise_fork(VA, VA + PAGE, advice)
    child = dom.spaces[s.b + ROOT_C] = parent.forked()
    child.fork_parent = s.b + ROOT_A
    ro = D.leaf_descriptor(s.b + PAGES_A, D.PagePerms(user=True, write=False))
    s.ok(Call.SET_PT, s.tables[s.b + ROOT_A][3], D.level_index(VA, 3), ro)
    return s, s.b + ROOT_C + 3 * PAGE, D.level_index(VA, 3), ro


@pytest.mark.parametrize(("advice", "check"), [(MADV_WIPEONFORK, "set_pt.wipe_on_fork"),
                                               (MADV_DONTFORK, "set_pt.dont_fork")])
def test_parent_frame_refused_in_the_child(advice: int, check: str) -> None:
    s, l3, index, ro = _scene_forked(advice)
    s.g.check_invariants_after_every_call()
    status, _, _ = s.call(Call.SET_PT, l3, index, ro)
    assert status == Status.ERR_DENIED and s.g.decisions[-1].check == check
    assert s.g.invariants.fork_advice() == []


def test_invariant_sees_the_parent_frame_when_the_check_is_removed() -> None:
    s, l3, index, ro = _scene_forked(MADV_WIPEONFORK)
    checks.set_mutation("set_pt.wipe_on_fork")
    try:
        status, _, _ = s.call(Call.SET_PT, l3, index, ro)
    finally:
        checks.set_mutation("")
    assert status == Status.OK                  # nothing else stops it: same area, read-only
    bad = s.g.invariants.fork_advice()
    assert len(bad) == 1 and "parent's tree" in bad[0]


def test_keeponfork_parent_shares_with_a_later_child() -> None:
    """After the parent's KEEPONFORK a later child shares the page as usual."""
    s, l3, index, ro = _scene_forked(MADV_WIPEONFORK)
    dom = s.g.conf.domains[1]
    from tests.test_secure_mm import ROOT_A, ROOT_C, VA
    parent = dom.spaces[s.b + ROOT_A]
    parent.advise_fork(VA, VA + PAGE, MADV_KEEPONFORK)
    dom.spaces[s.b + ROOT_C] = parent.forked()
    s.g.check_invariants_after_every_call()
    assert s.call(Call.SET_PT, l3, index, ro)[0] == Status.OK


def test_sealed_parent_page_not_shared_into_a_wiped_range() -> None:
    """SWAP_SHARE, fork's way of giving the child a swapped-out page, is refused there."""
    from tests.test_secure_mm import ROOT_A, ROOT_C, VA, swap_out
    s, _, _, _ = _scene_forked(MADV_WIPEONFORK)
    version, _ = swap_out(s, s.b + ROOT_A, VA)
    status, _, _ = s.call(Call.SWAP_SHARE, s.b + ROOT_A, s.b + ROOT_C, VA, version)
    assert status == Status.ERR_DENIED and s.g.decisions[-1].check == "swap_share.fork_advice"
    assert s.call(Call.SWAP_SHARE, s.b + ROOT_A, s.b + ROOT_C, VA + PAGE, version)[0] \
        == Status.ERR_STALE             # (elsewhere the ordinary rules answer)
