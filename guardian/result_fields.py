"""Check `return.field_range`: a result and the output fields the value table
(abi/value_ranges.py) bounds lie in Linux's range.

A program turns such a value straight into an index ("the lowest signal in the old mask
picks a label", "3 - seconds left picks a slot", "overruns pick a bucket"); a value
Linux never returns sends the index past its table.  Every row of the table is judged
here, in one place, once the call returned as the row's `when` says: the result's range,
and each field the program asked for (a NULL output is not judged).  The fields are
read from the program's memory as the kernel left them (a page swapped out since is
faulted in first).
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.output_terms import ANY, OK, POSITIVE
from abi.value_ranges import RANGES_BY_NR, Field, Result
from guardian.checks import FaultIn, refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: Every call `check_fields` acts on.
CALLS = frozenset(RANGES_BY_NR)


def _returned(when: str, ret: int) -> bool:
    if when == OK:
        return ret == 0
    if when == POSITIVE:
        return 0 < ret < ERRNO_FLOOR
    return when == ANY and ret < ERRNO_FLOOR


def _value(memory: UserMemory, slot: Slot, term: Field) -> int | None:
    va = slot.args[term.arg]
    if not va:
        return None                     # an output the program did not ask for
    size = struct.calcsize(term.fmt)
    raw = memory.read(va + term.offset, size, slot.root)
    if raw is None:
        missing = memory.first_missing(va + term.offset, size, False)
        raise FaultIn(va + term.offset if missing is None else missing)
    return int(struct.unpack(term.fmt, raw)[0])


def check_fields(memory: UserMemory, slot: Slot, ret: int) -> None:
    """Refuse a result, or an output field, outside what Linux returns for the call."""
    if slot.nr is None or ret >= ERRNO_FLOOR:
        return
    for term in RANGES_BY_NR.get(slot.nr, ()):
        if isinstance(term, Result):
            if not term.lo <= ret <= term.hi:
                refuse("return.field_range", Status.ERR_DENIED,
                       f"syscall {slot.nr} returned {ret:#x}, outside {term.lo}..{term.hi}: "
                       "Linux never returns it, and the program would index by it")
            continue
        if not _returned(term.when, ret):
            continue
        value = _value(memory, slot, term)
        if value is not None and not term.rule.allows(value, ret):
            refuse("return.field_range", Status.ERR_DENIED,
                   f"syscall {slot.nr} wrote {term.what} = {value:#x}, which is not "
                   f"{term.rule.name}: Linux never reports it, and the program would "
                   "index by it")
