"""A private futex's wake wakes (or moves) only threads of the caller's address space in a
futex wait: those waiting at its entry and those that began waiting since."""

from __future__ import annotations

import pytest

from abi import Status
from emulator.fastuc import UserContext
from guardian.futex_caps import FUTEX_CALLS, note_entry
from guardian.slots import Slot
from tests.test_guardian_result_outputs import ELR, NR, VA, _refused_by, return_to_user
from tests.test_secure_mm import ROOT_A, Scene, build_translating

FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, FUTEX_WAKE_SHARED = 128, 129, 1
WORD = VA + 256


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _enter(s: Scene, sid: int, thread: int, op: int, count: int = 0x7FFF_FFFF) -> Slot:
    slot = Slot(sid, 1, UserContext(), ELR, NR["futex"], (WORD, op, count, 0, 0, 0),
                root=s.b + ROOT_A, thread=thread)
    conf = s.g.conf
    conf.slots[sid] = slot
    if slot.nr in FUTEX_CALLS:
        dom = conf.domains[1]
        note_entry(slot, conf.space(dom, slot.root), conf.slots.values(), dom)
    return slot


def _return(s: Scene, slot: Slot, ret: int) -> int:
    status = return_to_user(s, slot.id, ret)
    s.g.lock_el1(False)
    s.g.conf.slots.pop(slot.id, None)
    return status


def test_a_wake_with_nobody_waiting_wakes_nobody(s: Scene) -> None:
    wake = _enter(s, 801, 1, FUTEX_WAKE_PRIVATE)
    assert _return(s, wake, 4) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
    assert _return(s, _enter(s, 802, 1, FUTEX_WAKE_PRIVATE), 0) == Status.OK
    # A shared futex's waiters may be in any process: not judged.
    assert _return(s, _enter(s, 803, 1, FUTEX_WAKE_SHARED), 4) == Status.OK


def test_a_shared_wake_on_the_programs_own_anonymous_share_counts_its_waiters(
        s: Scene) -> None:
    """A MAP_SHARED anonymous page is reachable only through fork: a shared wake there
    wakes only the program's waiting threads (return.shared_futex_waiters)."""
    conf = s.g.conf
    dom = conf.domains[1]
    space = conf.space(dom, s.b + ROOT_A)
    page = WORD & ~0xFFF
    share = dom.new_share()
    space.shared_areas.append((page, page + 0x1000, share, 0))
    dom.anon_shares.add(share)
    assert _return(s, _enter(s, 830, 1, FUTEX_WAKE_SHARED), 4) == Status.ERR_DENIED
    assert _refused_by(s, "return.shared_futex_waiters")
    waiter = _enter(s, 831, 2, FUTEX_WAIT_PRIVATE)
    assert _return(s, _enter(s, 832, 1, FUTEX_WAKE_SHARED), 1) == Status.OK
    s.g.conf.slots.pop(waiter.id, None)


def test_waiters_at_entry_and_waits_begun_since_may_be_woken(s: Scene) -> None:
    waiters = [_enter(s, 810 + t, t, FUTEX_WAIT_PRIVATE) for t in (2, 3)]
    wake = _enter(s, 820, 1, FUTEX_WAKE_PRIVATE)
    late = _enter(s, 821, 4, FUTEX_WAIT_PRIVATE)          # began after the wake's entry
    assert _return(s, wake, 3) == Status.OK
    wake = _enter(s, 822, 1, FUTEX_WAKE_PRIVATE)
    assert _return(s, wake, 4) == Status.ERR_DENIED       # only three can wait
    for slot in (*waiters, late):
        s.g.conf.slots.pop(slot.id, None)


def test_a_private_wait_answers_0_only_once_another_thread_could_wake_it(s: Scene) -> None:
    wait = _enter(s, 830, 1, FUTEX_WAIT_PRIVATE, 0)
    assert _return(s, wait, 0) == Status.ERR_DENIED          # nobody could have woken it
    assert _refused_by(s, "return.range_table")
    assert _return(s, _enter(s, 831, 1, FUTEX_WAIT_PRIVATE, 0), (1 << 64) - 11) == Status.OK
    wait = _enter(s, 832, 1, FUTEX_WAIT_PRIVATE, 0)
    wake = _enter(s, 833, 2, FUTEX_WAKE_PRIVATE, 1)          # a wake began since
    assert _return(s, wake, 1) == Status.OK
    assert _return(s, wait, 0) == Status.OK
