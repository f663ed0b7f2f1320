"""prctl's unused arguments (abi/value_ranges.py), PR_GET_TAGGED_ADDR_CTRL held to the
thread's flag (return.tagged_ctrl) and a child for a CLONE_PIDFD word without
PROT_WRITE (return.clone_pidfd_prot)."""

from __future__ import annotations

import pytest

from abi.value_ranges import ArgBits, ArgIn, success_row_for
from guardian.checks import Refused
from guardian.pidfd_protected import PidfdProtected
from guardian.slots import Slot, Space
from guardian.tagged_abi import TaggedAbi

NR_PRCTL, NR_CLONE3 = 167, 435


def _accepts(args: tuple[int, ...]) -> bool:
    """Whether return.range_table's argument terms let a success through."""
    row = success_row_for("prctl", args)
    for t in row:
        if isinstance(t, ArgIn) and args[t.arg] not in t.values:
            return False
        if isinstance(t, ArgBits) and args[t.arg] & ~t.allowed:
            return False
    return True


@pytest.mark.parametrize("args, ok", [
    ((38, 1, 0, 0, 0), True), ((38, 1, 1, 0, 0), False), ((38, 2, 0, 0, 0), False),
    ((39, 0, 0, 0, 0), True), ((39, 1, 0, 0, 0), False),
    ((42, 0, 0, 0, 0), True), ((42, 1, 0, 0, 0), False),
    ((34, 0, 0, 0, 0), True), ((34, 1, 0, 0, 0), False),
    ((53, 0, 2, 0, 0), True), ((53, 0, 2, 1, 0), False), ((53, 0, 0, 0, 0), False),
    ((52, 0, 0, 0, 0), True), ((52, 0, 1, 0, 0), False),
    ((66, 0, 0, 0, 0), True), ((66, 1, 0, 0, 0), False),
    ((65, 1, 0, 0, 0), True), ((65, 3, 0, 0, 0), True), ((65, 1, 1, 0, 0), False),
    ((65, 4, 0, 0, 0), False),
    ((68, 0, 0, 0, 0), True), ((68, 1, 0, 0, 0), False),
    ((47, 1, 40, 0, 0), True), ((47, 4, 0, 0, 0), True), ((47, 1, 0, 1, 0), False),
    ((47, 1, 41, 0, 0), False), ((47, 5, 0, 0, 0), False),
    ((23, 40, 1, 1, 1), True), ((23, 41, 0, 0, 0), False), ((23, 200, 0, 0, 0), False)])
def test_unused_arguments(args: tuple[int, ...], ok: bool) -> None:
    assert _accepts(args) is ok


def _prctl(*args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=NR_PRCTL, args=args, root=5, thread=2)


def test_tagged_ctrl_follows_the_flag() -> None:
    abi = TaggedAbi()
    get = _prctl(56, 0, 0, 0, 0)
    assert abi.ctrl_refused(get, 0) is None
    assert abi.ctrl_refused(get, 1) is not None
    assert abi.ctrl_refused(get, (1 << 64) - 22) is None
    abi.note_prctl(_prctl(55, 1, 0, 0, 0), 0)
    assert abi.ctrl_refused(get, 1) is None
    assert abi.ctrl_refused(get, 0) is not None


def _clone(sid: int = 3) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(0x5000, 88),
                root=5, thread=2)


def _space(prot: int) -> Space:
    space = Space(areas=[(0x10000, 0x12000)])
    space.set_protection(0x10000, 0x11000, prot)
    return space


def test_child_for_a_word_in_a_prot_none_page_is_refused() -> None:
    p, slot = PidfdProtected(), _clone()
    p.note(slot, _space(0), 0x10040, [slot], {5: 7})
    with pytest.raises(Refused):
        p.check(slot, _space(0), [slot], {5: 7})


def test_child_is_let_through_where_the_tree_ran_or_the_page_is_writable() -> None:
    p, slot = PidfdProtected(), _clone()
    p.note(slot, _space(0), 0x10040, [slot], {5: 7})
    p.check(slot, _space(0), [slot], {5: 8})       # a thread back in user code since
    p.note(slot, _space(0), 0x11040, [slot], {5: 7})  # the word's page not narrowed
    p.check(slot, _space(0), [slot], {5: 7})
    other = Slot(id=9, domain=1, saved=None, elr=0, nr=226, args=(0x10000, 4096, 3),
                 root=5, thread=3)                    # an mprotect in flight
    p.note(slot, _space(0), 0x10040, [slot, other], {5: 7})
    p.check(slot, _space(0), [slot], {5: 7})


def test_tagged_ctrl_not_judged_after_a_filtered_set() -> None:
    # A seccomp filter may answer PR_SET_TAGGED_ADDR_CTRL 0 without running it
    # (SECCOMP_RET_ERRNO | 0): the flag is then not known, either answer passes.
    abi = TaggedAbi()
    get = _prctl(56, 0, 0, 0, 0)
    abi.note_prctl(_prctl(55, 1, 0, 0, 0), 0, True)
    assert abi.ctrl_refused(get, 0) is None
    assert abi.ctrl_refused(get, 1) is None
    abi.note_clone(1, 2, 3)
    child = Slot(id=4, domain=1, saved=None, elr=0, nr=NR_PRCTL, args=(56, 0, 0, 0, 0),
                 root=5, thread=3)
    assert abi.ctrl_refused(child, 0) is None
    abi.note_prctl(_prctl(55, 0, 0, 0, 0), 0)          # unfiltered: known again
    assert abi.ctrl_refused(get, 1) is not None


def test_a_clone_that_never_returned_is_forgotten() -> None:
    p, gone, slot = PidfdProtected(), _clone(3), _clone(4)
    p.note(gone, _space(0), 0x10040, [gone], {5: 7})
    p.note(slot, _space(0), 0x10040, [slot], {5: 7})   # slot 3 no longer held
    assert set(p.words) == {4}
