"""return.kind_needed's /dev/null target (guardian/kind_needed.py): epoll_ctl() of a
descriptor opened as "/dev/null" is -EPERM only where the name still names mem.c's
device.  In a user namespace any program may unshare(CLONE_NEWNS) and bind a FIFO over
/dev/null (or chroot into a tree whose /dev/null is one): fifo_poll() is a ->poll, so
Linux adds it and answers 0."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.kind_needed import check as check_kind_needed
from guardian.maker_flags import check as check_maker_args
from guardian.open_files import OpenFile
from guardian.result_arguments import judge_arguments
from guardian.slots import Slot

N = NUMBERS
TABLE = {4: OpenFile(maker=N["epoll_create1"]), 3: OpenFile(path="/dev/null"),
         5: OpenFile(maker=N["socket"], sock=(1, 1, 0))}
ADD = Slot(9, 1, None, 0, N["epoll_ctl"], (4, 1, 3, 0x100, 0, 0), root=1, thread=1)


def _rules(root_moved: bool, slots: tuple[Slot, ...] = ()) -> SimpleNamespace:
    registry = SimpleNamespace(slots={s.id: s for s in slots},
                               user_runs={})     # (round 88: epoll_ctl's event, quiet_ranges)
    files = SimpleNamespace(open_file=lambda slot, fd: TABLE.get(fd), tables={},
                            steady=lambda slot: True,
                            admitted_reads=SimpleNamespace(root_moved=root_moved),
                            admission=SimpleNamespace(registry=registry))
    return SimpleNamespace(registry=registry, files=files, filtered=lambda slot: False,
                           memory=None)


def _judge(rules: SimpleNamespace) -> None:
    judge_arguments(rules, ADD, SimpleNamespace(id=1), 0, ADD.nr)  # type: ignore[arg-type]


def test_epoll_ctl_of_dev_null_after_a_mount_passes() -> None:
    """unshare(CLONE_NEWNS) + mount(fifo, "/dev/null", MS_BIND) seen: Linux's 0 passes."""
    _judge(_rules(root_moved=True))


def test_epoll_ctl_of_dev_null_during_a_mount_passes() -> None:
    mount = Slot(10, 1, None, 0, N["mount"], (0, 0, 0, 0, 0, 0), root=1, thread=2)
    _judge(_rules(root_moved=False, slots=(ADD, mount)))


def test_epoll_ctl_of_the_boot_dev_null_refused() -> None:
    with pytest.raises(Refused, match="return.kind_needed"):
        _judge(_rules(root_moved=False, slots=(ADD,)))


def _counting_rules(filtered: bool) -> tuple[SimpleNamespace, list[Slot]]:
    asked: list[Slot] = []
    rules = _rules(root_moved=False, slots=(ADD,))

    def _filtered(slot: Slot) -> bool:
        asked.append(slot)
        return filtered
    rules.filtered = _filtered
    return rules, asked


def _no_walk() -> bool:
    raise AssertionError("rules.filtered() asked of an answer no rule refuses")


def test_an_honest_epoll_pwait_never_walks_for_a_filter() -> None:
    """epoll_pwait on the epoll with maxevents 16 is no answer either rule refuses:
    whether a filter may answer (rules.filtered(), a walk of every call in flight) is
    not asked by them (an event loop's every wait paid two more such walks)."""
    wait = Slot(9, 1, None, 0, N["epoll_pwait"], (4, 0x100, 16, 0, 0, 8), root=1, thread=1)
    check_maker_args(wait, 1, lambda addr, n: None, _no_walk)
    check_kind_needed(wait, 1, TABLE.get, _no_walk, _no_walk, _no_walk)
    # (listen on a stream socket(): listen on the epoll is -ENOTSOCK, refused since round 87)
    listen = Slot(9, 1, None, 0, N["listen"], (5, 1, 0, 0, 0, 0), root=1, thread=1)
    check_kind_needed(listen, 0, TABLE.get, _no_walk, _no_walk, _no_walk)


def test_a_filtered_caller_keeps_the_forged_answer() -> None:
    """Under a seccomp filter (SECCOMP_RET_ERRNO / TRACE may answer anything) the
    /dev/null epoll_ctl answer is not judged."""
    rules, asked = _counting_rules(True)
    _judge(rules)
    assert asked
