"""A call returns with the user memory it works on resident.

Linux copies a call's inputs in (copy_from_user) and its outputs out (copy_to_user)
while the call runs; what the program finds afterwards is what the call stored.  The
Guardian checks a result against those bytes -- a limit the call set, a timer's
arming, the bytes a read stored, a residency vector -- by reading them from the
program's memory at the return.  A page the kernel swapped out meanwhile cannot be
read there (its contents are sealed), and a check that then knew nothing would let
any result through.  So at the return every page of the user memory the call may
touch (its capabilities, and whatever it stored) that is swapped out is faulted back
in first: RESUME answers FAULT_IN for it and the kernel asks again
(`return.args_resident`).
"""

from __future__ import annotations

from collections.abc import Callable

from guardian import checks
from guardian.checks import FaultIn
from guardian.slots import PAGE, Slot
from guardian.user_memory import UserMemory

Ranges = list[tuple[int, int, int]]


def check(sealed_vas: Callable[[int], list[int]], call_ranges: Callable[[Slot], Ranges],
          memory: UserMemory, slot: Slot) -> None:
    """Raise FaultIn for the first swapped-out (absent) page of the memory the call in
    `slot` works on."""
    away = sealed_vas(slot.root)
    if not away:
        return
    spans = [(start, end) for start, end, _ in call_ranges(slot)] + slot.written
    for va in away:
        if any(start < va + PAGE and va < end for start, end in spans) \
                and memory.read(va, 1, slot.root) is None \
                and checks.enabled("return.args_resident"):
            raise FaultIn(va)
