"""return.clone_set_tid: a clone3 with a set_tid array (no CLONE_NEWPID) that made a child
returns set_tid[0] (alloc_pid() gives the child that id in its creator's namespace or
makes none)."""

from __future__ import annotations

import errno
from unittest.mock import MagicMock

import pytest

from abi.layout import NR_CLONE3
from emulator.fastuc import UserContext
from guardian import result_arguments
from guardian.checks import Refused
from guardian.slots import Domain, Slot

ASKED = 30000


def _judge(ret: int, *, children: int = 1, set_tid: int = ASKED,
           new_namespace: bool = False) -> None:
    """The Guardian's argument rules for clone3 (as compiled for its number) on a clone3
    whose set_tid[0] is `set_tid`, answered `ret`."""
    rules = MagicMock()
    rules.ids.new_namespace.return_value = new_namespace
    rules.filtered.return_value = False
    slot = Slot(1, 1, UserContext(), 0x1000, NR_CLONE3, (0x4A_0000, 88, 0, 0, 0, 0),
                children=children, set_tid=set_tid)
    result_arguments.JUDGE_ARGUMENTS[NR_CLONE3](rules, slot, Domain(1), ret, NR_CLONE3)


@pytest.mark.parametrize("ret", [ASKED + 1, 11, 1])
def test_a_child_id_other_than_set_tid_is_refused(ret: int) -> None:
    with pytest.raises(Refused) as e:
        _judge(ret)
    assert e.value.check == "return.clone_set_tid"


def test_the_child_id_set_tid_asked_for_is_let_through() -> None:
    _judge(ASKED)


@pytest.mark.parametrize("err", [errno.EPERM, errno.EEXIST, errno.EINVAL])
def test_an_errno_with_no_child_is_let_through(err: int) -> None:
    _judge((1 << 64) - err, children=0)


def test_another_pid_namespace_or_no_set_tid_is_not_judged() -> None:
    _judge(ASKED + 1, new_namespace=True)          # CLONE_NEWPID: ids of another namespace
    _judge(ASKED + 1, set_tid=0)                   # no set_tid array
