"""return.kcmp_answer: kcmp's unknown types, KCMP_EPOLL_TFD's negative efd and one object
compared with itself (guardian/kcmp_answer.py); return.mrelease_live of an own pidfd."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.kcmp_answer import check
from guardian.mrelease_self import check as check_mrelease
from guardian.slots import Slot

M = 1 << 64


def _slot(args: tuple[int, ...], nr: str = "kcmp", sid: int = 1) -> Slot:
    return Slot(sid, 1, None, 0, NUMBERS[nr], args, 1, 1)


def _judge(args: tuple[int, ...], ret: int, own: int | None = 42, efd: int | None = None,
           others: tuple[Slot, ...] = ()) -> None:
    slot = _slot(args)
    check(own, slot, ret, (slot, *others), lambda _a: efd)


def test_kcmp_answers_linux_gives_pass() -> None:
    _judge((42, 42, 1, -1 % M, -1 % M, 0), 0)                 # KCMP_VM of its own pid
    _judge((42, 43, 1, 0, 0, 0), 1)                           # another process
    _judge((42, 42, 0, 3, 4, 0), 2)                           # two descriptors
    _judge((42, 42, 0, 3, 3, 0), 1, own=None)                 # own pid not known
    _judge((42, 42, 1, 0, 0, 0), 1, others=(_slot((0,) * 6, "read", 2),))   # in flight
    _judge((42, 42, 7, 3, 0x1000, 0), 1, efd=5)
    _judge((42, 42, 7, 3, 0x1000, 0), 1, efd=None)            # slot not quiet


@pytest.mark.parametrize("args,ret,efd", [
    ((42, 42, 8, -1 % M, -1 % M, 0), 0, None),               # KCMP_TYPES
    ((42, 42, -1 % M, 0, 0, 0), 0, None),
    ((42, 42, 7, 3, 0x1000, 0), 0, -10000 % (1 << 32)),       # the slot's efd
    ((42, 42, 0, 3, 3, 0), 1, None),                          # one file
    ((42, 42, 1, 0, 0, 0), 1, None),                          # one mm
    ((42, 42, 6, 0, 0, 0), 2, None),                          # one undo list
])
def test_kcmp_answers_linux_never_gives_are_refused(args: tuple[int, ...], ret: int,
                                                   efd: int | None) -> None:
    with pytest.raises(Refused):
        _judge(args, ret, efd=efd)


def test_mrelease_of_own_pidfd() -> None:
    slot = _slot((5, 0, 0, 0, 0, 0), "process_mrelease")
    check_mrelease(slot, 0, (slot,))                          # another process's pidfd
    check_mrelease(slot, 0, (slot, _slot((0,) * 6, "exit_group", 2)), own=True)
    with pytest.raises(Refused):
        check_mrelease(slot, 0, (slot,), own=True)


def test_kcmp_after_another_call_returned_passes() -> None:
    """Another thread's dup2, unshare, exit or ioprio_set that ran wholly inside the call
    may change what the two reads find (get_file_raw_ptr(), set_task_ioprio())."""
    slot = _slot((42, 42, 0, 3, 3, 0))
    check(42, slot, 1, (slot,), lambda _a: None, returned=True)
    slot = _slot((42, 42, 5, 0, 0, 0))                       # KCMP_IO
    check(42, slot, 2, (slot,), lambda _a: None, returned=True)


def test_mrelease_after_another_call_returned_passes() -> None:
    """A dup2 of the program's own pidfd onto the descriptor that returned during the
    call: pidfd_get_task() looked the old one up at the entry."""
    slot = _slot((5, 0, 0, 0, 0, 0), "process_mrelease")
    check_mrelease(slot, 0, (slot,), own=True, returned=True)


def test_registry_counts_calls_that_left() -> None:
    from guardian.confidential_registry import Registry
    reg = Registry(None)  # type: ignore[arg-type]
    a = reg.add_slot(1, None, 0, NUMBERS["kcmp"], (0,) * 6, root=1, thread=1)
    b = reg.add_slot(1, None, 0, NUMBERS["dup2"] if "dup2" in NUMBERS else NUMBERS["dup3"],
                     (0,) * 6, root=1, thread=2)
    reg.drop_slots(root=1)
    assert reg.returns == 2 and a.returns_at_start == b.returns_at_start == 0
