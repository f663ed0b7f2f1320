"""guardian/lone_thread.py: when no other thread of a tree may store to its memory."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS as NR
from guardian.lone_thread import held_still
from guardian.slots import Slot


def _slot(sid: int, thread: int, nr: int, runs: int) -> Slot:
    s = Slot(sid, 1, None, 0, nr, (0,) * 6, 1, thread)
    s.runs_at_start = runs
    return s


def test_thread_that_entered_after_the_faulting_call_may_have_stored() -> None:
    """A thread in user code when the faulting call began may store to the shared frame
    after wp_page_copy() copied it and only then enter the kernel (no return to user
    code counted): it is held now, but not since the copy."""
    reg = SimpleNamespace(user_runs={1: 3})
    read = _slot(5, 1, NR["read"], 3)
    later = _slot(6, 2, NR["getpid"], 3)
    assert not held_still(reg, [1], 1, set(), [read, later])   # type: ignore[arg-type]
    earlier = _slot(4, 2, NR["getpid"], 3)
    assert held_still(reg, [1], 1, set(), [read, earlier])     # type: ignore[arg-type]

