"""futex for a confidential program: the kernel touches only the words and the timeout
its command uses, and FUTEX_WAKE_OP stores exactly its operation's result."""

from __future__ import annotations

import struct

from guardian.capabilities import R, W, covered
from guardian.futex_caps import (
    FUTEX_CMP_REQUEUE,
    FUTEX_LOCK_PI,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
    FUTEX_WAKE,
    FUTEX_WAKE_OP,
    futex_ranges,
    wake_op_store,
    wake_op_store_ok,
)

WORD, TIMEOUT, WORD2 = 0x5000, 0x6000, 0x7000
PRIVATE = 128


def _ranges(cmd: int, per_command: bool = True) -> list[tuple[int, int, int]]:
    return futex_ranges((WORD, cmd | PRIVATE, 1, TIMEOUT, WORD2, 0), per_command)


def test_a_wait_reads_its_word_and_timeout_and_writes_nothing() -> None:
    for cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        ranges = _ranges(cmd)
        assert covered(ranges, WORD, 4, R) == 4
        assert covered(ranges, TIMEOUT, 16, R) == 16
        assert covered(ranges, WORD, 4, W) == 0
        assert covered(ranges, WORD2, 4, R) == 0


def test_a_wake_touches_no_user_memory() -> None:
    ranges = _ranges(FUTEX_WAKE)
    assert ranges == []
    # The build without the per-command check grants what one rule for the call would.
    assert covered(_ranges(FUTEX_WAKE, per_command=False), WORD, 4, W) == 4


def test_wake_op_owns_its_second_word_only_and_cmp_requeue_reads_its_first() -> None:
    assert covered(_ranges(FUTEX_WAKE_OP), WORD2, 4, W) == 4
    assert covered(_ranges(FUTEX_WAKE_OP), WORD, 4, R) == 0
    assert covered(_ranges(FUTEX_WAKE_OP), TIMEOUT, 1, R) == 0   # x3 is nr_wake2
    assert covered(_ranges(FUTEX_CMP_REQUEUE), WORD, 4, R) == 4
    assert covered(_ranges(FUTEX_LOCK_PI), WORD, 4, W) == 4


def test_wake_op_stores_exactly_its_operations_result() -> None:
    add_one = (1 << 28) | (1 << 12)              # FUTEX_OP_ADD, oparg 1
    args = (WORD, FUTEX_WAKE_OP, 1, 1, WORD2, add_one)
    old = struct.pack("<I", 41)
    assert wake_op_store(add_one, 41) == 42
    assert wake_op_store_ok(args, WORD2, struct.pack("<I", 42), old)
    assert not wake_op_store_ok(args, WORD2, struct.pack("<I", 0xFFFF_FFFC), old)
    assert not wake_op_store_ok(args, WORD2, struct.pack("<I", 42), None)
    # oparg is a signed 12-bit field; FUTEX_OP_OPARG_SHIFT makes it a bit.
    assert wake_op_store((1 << 28) | (0xFFF << 12), 5) == 4
    assert wake_op_store((1 << 31) | (2 << 28) | (3 << 12), 0) == 8
    assert wake_op_store(7 << 28, 0) == -1
    # Another command's stores are not this check's.
    assert wake_op_store_ok((WORD, FUTEX_LOCK_PI, 0, 0, 0, 0), WORD, b"\1\0\0\0", old)
