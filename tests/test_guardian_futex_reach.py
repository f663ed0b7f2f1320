"""A futex wait answers 0 only when a wake that reaches it took it off its queue
(`return.futex_woken_by`); FUTEX_WAKE_OP stores into its second word once, the whole word
(`uaccess.futex_wake_op`), and its comparison tells whom it wakes there."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.futex_values import check_woken, note_reach, note_wake_op_store, wake_op_compare
from guardian.slots import Domain, Slot, Space

ROOT, OTHER_ROOT, WORD = 0x10_0000, 0x20_0000, 0x4A_00A0
SHARED = 0x7F00_0000_0000
PRIV = 128
WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP = 0, 1, 3, 4, 5
UNLOCK_PI, WAIT_BITSET, WAKE_BITSET = 7, 9, 10
ETIMEDOUT = (-110) & (1 << 64) - 1
FUTEX, EXIT = NUMBERS["futex"], NUMBERS["exit"]


def _op(op: int, arg: int, cmp: int, cmparg: int) -> int:
    """FUTEX_OP(op, oparg, cmp, cmparg)."""
    return (op & 15) << 28 | (cmp & 15) << 24 | (arg & 0xFFF) << 12 | cmparg & 0xFFF


def _call(nr: int, args: tuple[int, ...], slot_id: int, thread: int,
          root: int = ROOT) -> Slot:
    return Slot(slot_id, 1, UserContext(), 0, nr, args + (0,) * (6 - len(args)),
                root=root, thread=thread)


def _wait(op: int = WAIT | PRIV, word: int = WORD, bitset: int = 0) -> Slot:
    return _call(FUTEX, (word, op, 0, 0, 0, bitset), 1, 1)


def _world(word: int = WORD) -> tuple[Domain, Space]:
    dom, space = Domain(1), Space()
    dom.spaces[ROOT] = space
    space.anon_areas.append((word & ~0xFFF, (word & ~0xFFF) + 0x1000))
    return dom, space


class Memory:
    """The program's memory as the Guardian reads it: words (0 unless set)."""

    def __init__(self, words: dict[int, int] | None = None) -> None:
        self.words = words or {}

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        return struct.pack("<I", self.words.get(va, 0))


def _enter(dom: Domain, space: Space, slot: Slot, slots: list[Slot], runs: int = 5,
           memory: Memory | None = None) -> Slot:
    slots.append(slot)
    note_reach(memory or Memory(), dom, space, slot, slots, runs)  # type: ignore[arg-type]
    return slot


def _judged(wait: Slot, *, refused: bool, space: Space | None = None, runs: int = 5) -> None:
    if refused:
        with pytest.raises(Refused) as r:
            check_woken(wait, 0, runs, space)
        assert r.value.check == "return.futex_woken_by"
    else:
        check_woken(wait, 0, runs, space)
    check_woken(wait, ETIMEDOUT, runs, space)          # Linux's answer always passes


@pytest.mark.parametrize("wake, reaches", [
    ((WORD, WAKE | PRIV, 1), True),
    ((WORD + 4, WAKE | PRIV, 1), False),                   # the word next to it
    ((WORD, WAKE, 1), False),                              # a shared wake: another key
    ((WORD, WAKE_BITSET | PRIV, 1, 0, 0, 2), False),        # 1 & 2 == 0
    ((WORD, WAKE_BITSET | PRIV, 1, 0, 0, 3), True),
    ((WORD, WAKE_OP | PRIV, 1, 1, WORD + 4, _op(0, 0, 0, 5)), True),   # its first word
    ((WORD, UNLOCK_PI | PRIV), True),
])
def test_a_private_wait_is_woken_only_by_a_wake_that_reaches_it(
        wake: tuple[int, ...], reaches: bool) -> None:
    dom, space = _world()
    for waker_first in (False, True):
        slots: list[Slot] = []
        waker = _call(FUTEX, wake, 2, 2)
        if waker_first:                      # in progress at the wait's entry
            _enter(dom, space, waker, slots)
            wait = _enter(dom, space, _wait(WAIT_BITSET | PRIV, bitset=1), slots)
        else:                                # begun while it waits
            wait = _enter(dom, space, _wait(WAIT_BITSET | PRIV, bitset=1), slots)
            _enter(dom, space, waker, slots)
        _judged(wait, refused=not reaches)


def test_wake_op_reaches_its_second_word_only_when_its_comparison_held() -> None:
    dom, space = _world()
    for old, cmparg, held in ((0, 5, False), (5, 5, True)):
        slots: list[Slot] = []
        wait = _enter(dom, space, _wait(WAIT | PRIV, WORD + 4), slots)
        op = _call(FUTEX, (WORD, WAKE_OP | PRIV, 1, 1, WORD + 4, _op(0, 0, 0, cmparg)), 2, 2)
        _enter(dom, space, op, slots)
        assert not note_wake_op_store(op, WORD + 4, 4, struct.pack("<I", old))
        assert op.wake_op_held is held
        _judged(wait, refused=not held)
    # no store seen (yet): it may have woken it
    slots = []
    wait = _enter(dom, space, _wait(WAIT | PRIV, WORD + 4), slots)
    _enter(dom, space, _call(FUTEX, (WORD, WAKE_OP | PRIV, 1, 1, WORD + 4, _op(0, 0, 0, 5)),
                             2, 2), slots)
    _judged(wait, refused=False)


def test_wake_op_compares_signed_with_a_sign_extended_cmparg() -> None:
    assert wake_op_compare(_op(0, 0, 2, -1), 0xFFFF_FFFE) is True      # -2 < -1
    assert wake_op_compare(_op(0, 0, 2, -1), 0) is False
    assert wake_op_compare(_op(0, 0, 9, 0), 0) is None                  # -ENOSYS


def test_exits_own_wait_requeues_and_other_spaces_do_not_count_or_judge() -> None:
    dom, space = _world()
    slots: list[Slot] = []
    wait = _enter(dom, space, _wait(), slots)
    _enter(dom, space, _call(EXIT, (0,), 2, 2), slots)          # its wakes are shared
    _enter(dom, space, _call(FUTEX, (WORD, WAKE | PRIV, 1), 3, 9, OTHER_ROOT), slots)
    _judged(wait, refused=True)
    _enter(dom, space, _call(FUTEX, (WORD, CMP_REQUEUE | PRIV, 1, 1, WORD + 8), 4, 3),
           slots)                                                 # may move it elsewhere
    assert wait.futex_reach < 0
    _judged(wait, refused=False)


def test_misaligned_and_zero_bitset_waits_are_left_to_their_own_checks() -> None:
    dom, space = _world()
    assert _enter(dom, space, _wait(WAIT | PRIV, WORD + 1), []).futex_reach < 0
    assert _enter(dom, space, _wait(WAIT_BITSET | PRIV, bitset=0), []).futex_reach < 0


def test_a_shared_wait_no_other_task_can_name_is_never_woken() -> None:
    dom, space = _world(SHARED)
    space.anon_areas.clear()
    space.shared_areas.append((SHARED, SHARED + 0x1000, 7, 0))
    dom.anon_shares.add(7)
    wait = _enter(dom, space, _wait(WAIT, SHARED + 64), [])
    _judged(wait, refused=True, space=space)
    _judged(wait, refused=False, space=space, runs=6)          # another thread ran
    space.futex_wakers += 1                                     # an exit or a wake began
    _judged(wait, refused=False, space=space)
    # another thread in the kernel, or another address space mapping the page: not judged
    other = _call(None, (), 2, 2)  # type: ignore[arg-type]
    assert _enter(dom, space, _wait(WAIT, SHARED + 64), [other]).futex_alone is None
    child = dom.spaces[OTHER_ROOT] = Space()
    child.shared_areas.append((SHARED, SHARED + 0x1000, 7, 0))
    assert _enter(dom, space, _wait(WAIT, SHARED + 64), []).futex_alone is None
    # a page others may name (a file's, or one the kernel's share list does not know)
    dom2, space2 = Domain(1), Space()
    assert _enter(dom2, space2, _wait(WAIT, SHARED + 64), []).futex_alone is None


def test_a_wait_whose_word_differed_is_left_to_futex_wait_value() -> None:
    dom, space = _world()
    wait = _enter(dom, space, _wait(), [], memory=Memory({WORD: 1}))
    assert wait.futex_reach < 0                 # never queued: return.futex_wait_value's


def test_wake_op_stores_into_its_second_word_once_and_whole() -> None:
    op = _call(FUTEX, (WORD, WAKE_OP | PRIV, 1, 1, WORD + 4, _op(1, 4, 0, 0)), 2, 2)
    assert not note_wake_op_store(op, WORD + 8, 4, b"\0" * 4)      # not its word
    assert note_wake_op_store(op, WORD + 6, 2, b"\0" * 2)          # part of it
    assert note_wake_op_store(op, WORD + 2, 4, b"\0" * 4)          # straddling it
    assert not note_wake_op_store(op, WORD + 4, 4, struct.pack("<I", 10))
    assert op.wake_op_held is False                                # 10 == 0 fails
    assert note_wake_op_store(op, WORD + 4, 4, struct.pack("<I", 14))   # applied twice
    wake = _call(FUTEX, (WORD + 4, WAKE | PRIV, 1), 3, 2)
    assert not note_wake_op_store(wake, WORD + 4, 4, b"\0" * 4)    # no FUTEX_WAKE_OP
