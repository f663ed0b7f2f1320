"""A futex call answers what the words it found allow (guardian/futex_pi.py): PI locks
(`return.futex_pi_word`), compare-requeues (`return.futex_requeue_value`), requeue-PI's
arguments (`return.futex_requeue_pi`), an invalid timeout (`return.futex_timespec`),
futex_waitv's index (`return.futex_waitv_index`); and FUTEX_WAIT_REQUEUE_PI answers 0 only
once another thread could have requeued it (the value table's `Woken` term)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.futex_pi import check, note
from guardian.result_table import Held, check_table
from guardian.slots import Slot, Space

ROOT, WORD, WORD2, TS, VEC, SHARED = 0x10_0000, 0x4A_00A0, 0x4A_00A4, 0x4A_0100, 0x4A_0200, \
    0x7F00_0000_0000
TID, OTHER_TID = 77, 78
PRIV = 128
LOCK_PI, UNLOCK_PI, TRYLOCK_PI, LOCK_PI2 = 6, 7, 8, 13
CMP_REQUEUE, CMP_REQUEUE_PI, WAIT, WAIT_REQUEUE_PI = 4, 12, 0, 11
WAITERS, OWNER_DIED = 0x8000_0000, 0x4000_0000
MASK = (1 << 64) - 1
EAGAIN, EDEADLK, EPERM, EINVAL, ETIMEDOUT = (-11 & MASK, -35 & MASK, -1 & MASK, -22 & MASK,
                                             -110 & MASK)
RUNS = 5


class Memory:
    """The program's memory as the Guardian reads it: bytes by address."""

    def __init__(self, data: dict[int, bytes]) -> None:
        self.data = dict(data)

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        for start, raw in self.data.items():
            if start <= va and va + n <= start + len(raw):
                return raw[va - start:va - start + n]
        return None

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return va

    def put(self, va: int, value: int) -> None:
        self.data[va] = struct.pack("<I", value)


def _u32(v: int) -> bytes:
    return struct.pack("<I", v)


def _futex(op: int, word: int = WORD, val: int = 0, ts: int = 0, word2: int = 0,
           val3: int = 0, slot_id: int = 1, thread: int = 1) -> Slot:
    return Slot(slot_id, 1, UserContext(), 0, NUMBERS["futex"],
                (word, op, val, ts, word2, val3), root=ROOT, thread=thread)


def _space() -> Space:
    return Space(tids={1: TID})


def _entered(slot: Slot, memory: Memory, space: Space | None = None,
             others: tuple[Slot, ...] = ()) -> Slot:
    note(memory, space or _space(), slot, (slot, *others), RUNS, frozenset())   # type: ignore[arg-type]
    return slot


def _refused(slot: Slot, memory: Memory, ret: int, runs: int = RUNS) -> str | None:
    try:
        check(memory, slot, ret, runs)   # type: ignore[arg-type]
    except Refused as refused:
        return refused.check
    return None


# --- PI locks -------------------------------------------------------------------------------
def test_a_lock_the_caller_owns_answers_edeadlk() -> None:
    for op in (LOCK_PI, LOCK_PI2, TRYLOCK_PI, LOCK_PI | PRIV, TRYLOCK_PI | PRIV):
        for word in (TID, TID | WAITERS, TID | OWNER_DIED):
            memory = Memory({WORD: _u32(word)})
            slot = _entered(_futex(op), memory)
            assert _refused(slot, memory, 0) == "return.futex_pi_word"
            assert _refused(slot, memory, EDEADLK) is None          # Linux's answer


def test_a_trylock_of_a_lock_another_tid_owns_never_succeeds() -> None:
    memory = Memory({WORD: _u32(OTHER_TID | WAITERS)})
    slot = _entered(_futex(TRYLOCK_PI | PRIV), memory)
    memory.put(WORD, TID)                      # the kernel made the caller its owner
    assert _refused(slot, memory, 0) == "return.futex_pi_word"
    assert _refused(slot, memory, EAGAIN) is None
    # A blocking lock may be handed the lock when that owner (any task) exits: not judged.
    memory = Memory({WORD: _u32(OTHER_TID)})
    slot = _entered(_futex(LOCK_PI | PRIV), memory)
    memory.put(WORD, TID | WAITERS)
    assert _refused(slot, memory, 0) is None


def test_a_free_private_lock_becomes_the_caller_s_tid_with_owner_died_kept() -> None:
    for before, after in ((0, TID), (WAITERS, TID), (OWNER_DIED, OWNER_DIED | TID),
                          (OWNER_DIED | WAITERS, OWNER_DIED | TID)):
        for op in (LOCK_PI | PRIV, LOCK_PI2 | PRIV, TRYLOCK_PI | PRIV):
            memory = Memory({WORD: _u32(before)})
            slot = _entered(_futex(op), memory)
            memory.put(WORD, after)
            assert _refused(slot, memory, 0) is None
            for wrong in (after ^ OWNER_DIED, after | WAITERS, TID + 1):
                memory.put(WORD, wrong)
                assert _refused(slot, memory, 0) == "return.futex_pi_word", (before, wrong)


def test_a_shared_lock_s_word_after_is_not_judged() -> None:
    """Without FUTEX_PRIVATE_FLAG a waiter of another process may be queued (a file's key)."""
    memory = Memory({WORD: _u32(OWNER_DIED)})
    slot = _entered(_futex(LOCK_PI), memory)
    memory.put(WORD, TID | WAITERS)
    assert _refused(slot, memory, 0) is None


def test_an_unlock_of_a_lock_the_caller_does_not_own_answers_eperm() -> None:
    for word in (OTHER_TID, 0, OWNER_DIED, OTHER_TID | WAITERS):
        memory = Memory({WORD: _u32(word)})
        slot = _entered(_futex(UNLOCK_PI | PRIV), memory)
        memory.put(WORD, 0)
        assert _refused(slot, memory, 0) == "return.futex_pi_word"
        assert _refused(slot, memory, EPERM) is None


def test_an_unlock_with_nobody_queued_leaves_the_word_0() -> None:
    for word in (TID, TID | WAITERS, TID | OWNER_DIED | WAITERS):
        memory = Memory({WORD: _u32(word)})
        slot = _entered(_futex(UNLOCK_PI | PRIV), memory)
        assert _refused(slot, memory, 0) == "return.futex_pi_word"
        memory.put(WORD, 0)
        assert _refused(slot, memory, 0) is None
    # shared: a waiter may be queued elsewhere (the unlock hands the lock on): not judged
    memory = Memory({WORD: _u32(TID | WAITERS)})
    slot = _entered(_futex(UNLOCK_PI), memory)
    memory.put(WORD, OTHER_TID | WAITERS)
    assert _refused(slot, memory, 0) is None


def test_a_lock_word_someone_else_may_change_is_not_judged() -> None:
    memory = Memory({WORD: _u32(TID), SHARED: _u32(TID)})
    slot = _entered(_futex(LOCK_PI | PRIV), memory)
    assert _refused(slot, memory, 0, runs=RUNS + 1) is None     # another thread ran since
    busy = _futex(WAIT | PRIV, word=WORD2, slot_id=2, thread=2)
    assert _entered(_futex(LOCK_PI | PRIV), memory, others=(busy,)).futex_seen is None
    space = _space()
    space.shared_areas.append((SHARED, SHARED + 4096, 1, 0))
    assert _entered(_futex(LOCK_PI | PRIV, word=SHARED), memory, space).futex_seen is None
    assert _entered(_futex(LOCK_PI | PRIV, word=WORD + 8), memory).futex_seen is None
    # a thread whose TID the program was never told: the owner field is not judged
    slot = _entered(_futex(LOCK_PI | PRIV), memory, Space())
    assert _refused(slot, memory, 0) is None


# --- compare-requeue and requeue-PI ---------------------------------------------------------
def test_a_compare_requeue_on_a_word_that_differed_answers_eagain() -> None:
    for op in (CMP_REQUEUE, CMP_REQUEUE | PRIV, CMP_REQUEUE_PI | PRIV):
        memory = Memory({WORD: _u32(1)})
        slot = _entered(_futex(op, val=1, word2=WORD2, val3=2), memory)
        assert _refused(slot, memory, 0) == "return.futex_requeue_value"
        assert _refused(slot, memory, EAGAIN) is None
        slot = _entered(_futex(op, val=1, word2=WORD2, val3=(1 << 32) | 1), memory)
        assert _refused(slot, memory, 0) is None       # val3 is a u32: it matched


def test_requeue_pi_wakes_exactly_one_of_two_distinct_words() -> None:
    memory = Memory({})
    for val, word2 in ((2, WORD2), (0, WORD2), (-1 & MASK, WORD2), (1, WORD)):
        slot = _futex(CMP_REQUEUE_PI | PRIV, val=val, word2=word2)
        assert _refused(slot, memory, 0) == "return.futex_requeue_pi"
        assert _refused(slot, memory, EINVAL) is None
    assert _refused(_futex(CMP_REQUEUE_PI | PRIV, val=(1 << 32) | 1, word2=WORD2), memory,
                    1) is None                         # nr_wake is the low 32 bits


# --- an invalid timeout ----------------------------------------------------------------------
def test_an_invalid_timespec_answers_einval_before_any_wait() -> None:
    for sec, nsec in ((0, 1_000_000_000), (-1, 0), (0, -1 & MASK)):
        memory = Memory({WORD: _u32(0), TS: struct.pack("<qQ", sec, nsec)})
        for op in (WAIT | PRIV, 9, LOCK_PI | PRIV, WAIT_REQUEUE_PI | PRIV):
            slot = _entered(_futex(op, ts=TS, word2=WORD2, val3=1), memory)
            assert _refused(slot, memory, ETIMEDOUT) == "return.futex_timespec"
            assert _refused(slot, memory, 0) == "return.futex_timespec"
            assert _refused(slot, memory, EINVAL) is None
            assert _refused(slot, memory, EAGAIN) is None
    memory = Memory({WORD: _u32(0), TS: struct.pack("<qQ", 0, 999_999_999)})
    slot = _entered(_futex(WAIT | PRIV, ts=TS), memory)
    assert slot.futex_seen is None and _refused(slot, memory, ETIMEDOUT) is None


# --- futex_waitv -----------------------------------------------------------------------------
def _waitv(memory: Memory, entries: list[tuple[int, int, int]]) -> Slot:
    memory.data[VEC] = b"".join(struct.pack("<QQII", val, uaddr, flags, 0)
                                for val, uaddr, flags in entries)
    return Slot(1, 1, UserContext(), 0, NUMBERS["futex_waitv"],
                (VEC, len(entries), 0, 0, 1, 0), root=ROOT, thread=1)


def test_futex_waitv_answers_no_index_from_the_first_word_that_differed() -> None:
    memory = Memory({WORD: _u32(0), WORD2: _u32(1), WORD + 8: _u32(0)})
    slot = _entered(_waitv(memory, [(0, WORD, 2 | PRIV), (0, WORD2, 2 | PRIV),
                                    (0, WORD + 8, 2)]), memory)
    assert _refused(slot, memory, 1) == "return.futex_waitv_index"
    assert _refused(slot, memory, 2) == "return.futex_waitv_index"
    assert _refused(slot, memory, 0) is None       # queued before the mismatch: may be woken
    assert _refused(slot, memory, EAGAIN) is None
    # every word matched, an entry not judged, or a value wider than the word: not judged
    for entries in ([(0, WORD, 2), (1, WORD2, 2)], [(0, WORD, 3), (0, WORD2, 2)],
                    [(0, WORD, 2), ((1 << 32) | 1, WORD2, 2)]):
        assert _entered(_waitv(memory, entries), memory).futex_seen is None


# --- FUTEX_WAIT_REQUEUE_PI ------------------------------------------------------------------
def _held(wakers: int) -> Held:
    return Held(*(None,) * 2, tid=lambda slot: TID, auxv=None, seals=None,  # type: ignore[arg-type]
                pidfd=None, socket=None, owner_unset=None, group=None,  # type: ignore[arg-type]
                stated=None, own_pid=None, futex_waiters=None,  # type: ignore[arg-type]
                futex_wakers=lambda slot: wakers, caps=None, fork_thread=None,  # type: ignore[arg-type]
                racing=None, forked=None)  # type: ignore[arg-type]


def test_wait_requeue_pi_answers_0_only_once_another_thread_could_requeue_it() -> None:
    memory = Memory({WORD: _u32(0), WORD2: _u32(TID)})
    slot = _futex(WAIT_REQUEUE_PI | PRIV, ts=TS, word2=WORD2)
    with pytest.raises(Refused) as refused:
        check_table(memory, slot, 0, _held(0))     # type: ignore[arg-type]
    assert refused.value.check == "return.range_table"
    check_table(memory, slot, 0, _held(1))         # type: ignore[arg-type]
    check_table(memory, slot, ETIMEDOUT, _held(0))  # type: ignore[arg-type]


def test_the_checks_can_be_removed() -> None:
    memory = Memory({WORD: _u32(TID)})
    slot = _entered(_futex(LOCK_PI | PRIV), memory)
    checks.set_mutation("return.futex_pi_word")
    try:
        assert _refused(slot, memory, 0) is None
    finally:
        checks.set_mutation("")
