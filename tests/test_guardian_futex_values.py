"""FUTEX_WAIT answers 0 only for a caller Linux could queue, which it does only while the
word holds the value expected (`return.futex_wait_value`)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.futex_values import check, note_wait
from guardian.slots import Slot, Space

ROOT, WORD, SHARED = 0x10_0000, 0x4A_00A0, 0x7F00_0000_0000
FUTEX_WAIT, FUTEX_WAIT_PRIVATE, FUTEX_WAKE = 0, 128, 1
EAGAIN = (-11) & (1 << 64) - 1


class Memory:
    """The program's memory as the Guardian reads it: one word."""

    def __init__(self, words: dict[int, int]) -> None:
        self.words = words

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        return struct.pack("<I", self.words[va]) if va in self.words else None


def _wait(word: int, expected: int, op: int = FUTEX_WAIT, slot_id: int = 1,
          thread: int = 1) -> Slot:
    return Slot(slot_id, 1, UserContext(), 0, NUMBERS["futex"],
                (word, op, expected, 0, 0, 0), root=ROOT, thread=thread)


def _entered(slot: Slot, memory: Memory, space: Space | None = None,
             others: tuple[Slot, ...] = (), runs: int = 5,
             cleared: frozenset[tuple[int, int]] = frozenset()) -> Slot:
    note_wait(memory, space or Space(), slot, (slot, *others), runs, cleared)   # type: ignore[arg-type]
    return slot


def test_a_wait_on_a_word_that_differed_is_never_woken() -> None:
    for op in (FUTEX_WAIT, FUTEX_WAIT_PRIVATE):
        slot = _entered(_wait(WORD, 0, op), Memory({WORD: 1}))
        with pytest.raises(Refused) as refused:
            check(slot, 0, 5)
        assert refused.value.check == "return.futex_wait_value"
        check(slot, EAGAIN, 5)                    # Linux's answer


def test_a_word_that_held_the_value_may_be_woken() -> None:
    slot = _entered(_wait(WORD, 1), Memory({WORD: 1}))
    assert slot.word_differed < 0
    check(slot, 0, 5)


def test_a_word_someone_else_may_have_changed_is_not_judged() -> None:
    memory = Memory({WORD: 1, SHARED: 1})
    slot = _entered(_wait(WORD, 0), memory)
    check(slot, 0, 6)                             # another thread ran user code meanwhile
    busy = _wait(WORD + 8, 0, FUTEX_WAKE, slot_id=2, thread=2)
    assert _entered(_wait(WORD, 0), memory, others=(busy,)).word_differed < 0
    space = Space()
    space.shared_areas.append((SHARED, SHARED + 4096, 1, 0))
    assert _entered(_wait(SHARED, 0), memory, space).word_differed < 0
    assert _entered(_wait(WORD + 4, 0), memory).word_differed < 0   # not present: unknown


def test_threads_that_cannot_store_do_not_count() -> None:
    memory, space = Memory({WORD: 1}), Space()
    interrupted = Slot(2, 1, UserContext(), 0, None, root=ROOT, thread=2)
    exited = Slot(3, 1, UserContext(), 0, NUMBERS["exit"], (0,) * 6, root=ROOT, thread=3)
    space.tid_words[3] = WORD + 64
    slot = _entered(_wait(WORD, 0), memory, space, (interrupted, exited),
                    cleared=frozenset({(ROOT, 3)}))           # its clear was granted
    assert slot.word_differed == 5
    slot = _entered(_wait(WORD, 0), memory, space, (exited,))  # its clear is still to come
    assert slot.word_differed < 0


def test_the_check_can_be_removed() -> None:
    checks.set_mutation("return.futex_wait_value")
    try:
        slot = _entered(_wait(WORD, 0), Memory({WORD: 1}))
        check(slot, 0, 5)
    finally:
        checks.set_mutation("")
