"""One rule on one call of the scene's program (`tests.test_guardian_descriptors._Program`):
the slot made as the Guardian makes it at the entry, judged, and dropped again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused

#: a rule on a call's result, as the result rules call it: (files, slot, ret)
Check = Callable[[Any, Any, int], None]


def judge(check: Check, prog: Any, name: str, args: tuple[int, ...], ret: int,
          asked: dict[int, bytes] | None = None) -> None:
    """`check` of the program's call `name`(args) answered `ret`, with what the Guardian
    read at the entry (`asked`)."""
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    slot.asked.update(asked or {})
    try:
        check(prog.files, slot, ret)
    finally:
        del registry.slots[slot.id]


def refused(check: Check, prog: Any, name: str, args: tuple[int, ...], ret: int,
            asked: dict[int, bytes] | None = None) -> str:
    """The name of the rule that refuses it (it must be refused)."""
    with pytest.raises(Refused) as e:
        judge(check, prog, name, args, ret, asked)
    return e.value.check
