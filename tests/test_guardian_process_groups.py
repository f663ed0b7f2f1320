"""A wait for a process group reports only a child of that group (process_groups and the
value table's GroupChild term): the groups follow fork, setpgid by the process or its
parent, and outlive a child's address space; what is not known is not judged."""

from __future__ import annotations

from functools import partial

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.process_groups import group_of, inherit_group, note_group
from guardian.result_terms import Held, check_group_child
from guardian.slots import Domain, Slot, Space

PARENT, WORKER, OTHER = 0x1000, 0x2000, 0x3000
PARENT_PID, WORKER_PID, OTHER_PID = 5, 6, 7


def _slot(root: int, name: str = "wait4", *args: int, sid: int = 1) -> Slot:
    return Slot(sid, 1, UserContext(), 0x400000, NUMBERS[name],
                tuple(args) + (0,) * (6 - len(args)), root=root, thread=1)


@pytest.fixture
def reg() -> Registry:
    reg = Registry(None)  # type: ignore[arg-type]
    spaces = {PARENT: Space(pids={0: PARENT_PID}, pgids={0: PARENT_PID}),
              WORKER: Space(pids={0: WORKER_PID}), OTHER: Space(pids={0: OTHER_PID})}
    reg.domains[1] = Domain(1, spaces=spaces)
    for child in (WORKER, OTHER):                      # both forked by the parent
        inherit_group(reg, _slot(PARENT, "clone"), (PARENT, 0), (child, 0))
    # The shell's dance: the worker leads its own group (the parent's setpgid).
    note_group(reg, _slot(PARENT, "setpgid", WORKER_PID, WORKER_PID), 0, (PARENT, 0))
    return reg


def _held(reg: Registry) -> Held:
    return Held(*(None,) * 8, group=partial(group_of, reg), stated=None,  # type: ignore[arg-type]
                futex_waiters=None, futex_wakers=None, caps=None,  # type: ignore[arg-type]
                fork_thread=None, racing=None, forked=None,  # type: ignore[arg-type]
                own_pid=None)  # type: ignore[arg-type]


def test_groups_follow_fork_and_the_parent_s_setpgid(reg: Registry) -> None:
    slot = _slot(PARENT)
    assert group_of(reg, slot, 0) == PARENT_PID
    assert group_of(reg, slot, WORKER_PID) == WORKER_PID
    assert group_of(reg, slot, OTHER_PID) == PARENT_PID
    del reg.domains[1].spaces[OTHER]                  # the other child ended
    assert group_of(reg, slot, OTHER_PID) == PARENT_PID
    reg.slots[2] = _slot(WORKER, "setsid", sid=2)     # a group change in flight
    assert group_of(reg, slot, WORKER_PID) is None


def test_a_group_wait_reporting_a_child_of_another_group_is_refused(reg: Registry) -> None:
    slot, held = _slot(PARENT), _held(reg)
    check_group_child(slot, WORKER_PID, WORKER_PID, held)      # the worker: passes
    check_group_child(slot, 0, OTHER_PID, held)                # wait4(0): the caller's
    with pytest.raises(Refused) as e:
        check_group_child(slot, WORKER_PID, OTHER_PID, held)
    assert e.value.check == "return.range_table"
    with pytest.raises(Refused):
        check_group_child(slot, 0, WORKER_PID, held)
    checks.set_mutation("return.range_table")
    try:
        check_group_child(slot, WORKER_PID, OTHER_PID, held)
    finally:
        checks.set_mutation("")


def test_a_setpgid_naming_an_unknown_pid_forgets_every_group(reg: Registry) -> None:
    note_group(reg, _slot(PARENT, "setpgid", 4242, 0), 0, (PARENT, 0))
    held = _held(reg)
    check_group_child(_slot(PARENT), WORKER_PID, OTHER_PID, held)   # not known: passes
