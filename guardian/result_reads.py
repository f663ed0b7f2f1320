"""What a result check reads: the program's memory after the call, and the writes the
kernel made during it, with the refusals every output rule shares.

A word the check needs but cannot read (a page not present) is faulted in first
(`FaultIn`), as for the program's own access; the room the program gave a buffer is
the write capability derived before the kernel touched anything.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from abi import Status
from guardian.capabilities import W
from guardian.checks import FaultIn, refuse
from guardian.result_bounds import unwritten
from guardian.slots import Slot
from guardian.user_memory import UserMemory


def read_or_fault(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def u32_at(memory: UserMemory, slot: Slot, va: int) -> int:
    return struct.unpack("<I", read_or_fault(memory, slot, va, 4))[0]


def u64_at(memory: UserMemory, slot: Slot, va: int) -> int:
    return struct.unpack("<Q", read_or_fault(memory, slot, va, 8))[0]


def room_passed(memory: UserMemory, slot: Slot, buf: int, len_word: int | None) -> int:
    """The length the program passed for `buf`: the write capability derived from it before
    the kernel touched anything (no capabilities yet: nothing was written, the word is
    still the program's own)."""
    if slot.caps is None:
        return u32_at(memory, slot, len_word) if len_word else 0
    return max((end - start for start, end, access in slot.caps
                if start == buf and access & W), default=0)


def need_written(slot: Slot, spans: Iterable[tuple[int, int]], what: str) -> None:
    gap = unwritten(slot.written, [(s, e) for s, e in spans if e > s])
    if gap is not None:
        refuse("return.output_written", Status.ERR_DENIED,
               f"syscall {slot.nr} answered {what}, but the kernel never wrote the "
               f"program's memory at {gap:#x}: the program would take the buffer's old "
               "contents for the result")


def _beyond(slot: Slot, what: str, value: int, limit: int) -> str:
    return (f"syscall {slot.nr} reports {value:#x} {what}, more than the {limit:#x} the "
            "program gave room for")


def count_within(slot: Slot, what: str, value: int, limit: int) -> None:
    if value > limit:
        refuse("return.count_bound", Status.ERR_DENIED, _beyond(slot, what, value, limit))


def length_within(slot: Slot, what: str, value: int, limit: int) -> None:
    if value > limit:
        refuse("return.value_length", Status.ERR_DENIED, _beyond(slot, what, value, limit))
