"""return.epoll_item (guardian/epoll_items.py) where one Linux file reached the interest
list under two of the Guardian's identities: an item added, changed or deleted through a
descriptor the Guardian did not see made (received by SCM_RIGHTS, pidfd_getfd()'d, met
in use) may be the very item a later epoll_ctl names through the file's own identity."""

from __future__ import annotations

import pytest

from abi import Status
from tests.test_guardian_event_results import ADD, DEL, EPOLLIN, MOD, _ctl, _syscall, s
from tests.test_secure_mm import ROOT_A, Scene

__all__ = ["s"]


def _alias(s: Scene, fd: int) -> None:
    """Descriptor `fd` names an open file the Guardian did not see made (in Linux: the
    eventfd at 5, received back through an SCM_RIGHTS message or pidfd_getfd())."""
    from guardian.open_files import OpenFile
    s.g.conf.descriptors.table(s.b + ROOT_A, 1).fds[fd] = OpenFile(cloexec_known=False)


@pytest.mark.parametrize("op", [MOD, DEL])
def test_an_item_added_through_another_identity_is_the_file_s_own(s: Scene, op: int) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _alias(s, 7)
    _ctl(s, 3, ADD, 7, EPOLLIN, 0x70)           # Linux's item (eventfd, 7)
    # dup3 over 7: the eventfd stays open at 5, so Linux keeps the item (eventfd, 7)
    assert _syscall(s, "dup3", (5, 7, 0), 7) == Status.OK
    _ctl(s, 3, op, 7, EPOLLIN, 0x71)            # ep_find() finds it: 0


def test_an_item_deleted_through_another_identity_may_be_added_again(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    assert _syscall(s, "dup", (5,), 7) == Status.OK
    _ctl(s, 3, ADD, 7, EPOLLIN, 0x70)           # the item (eventfd, 7)
    _alias(s, 7)                                # 7 now names the eventfd received again
    _ctl(s, 3, DEL, 7)                          # Linux deletes (eventfd, 7)
    assert _syscall(s, "dup3", (5, 7, 0), 7) == Status.OK
    _ctl(s, 3, ADD, 7, EPOLLIN, 0x72)           # no item (eventfd, 7): 0


def test_a_sure_target_s_item_is_still_judged(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _alias(s, 7)
    _ctl(s, 3, ADD, 7, EPOLLIN, 0x70)
    _ctl(s, 3, ADD, 5, EPOLLIN, 0x50)
    assert _syscall(s, "epoll_ctl", (3, ADD, 5, 0), 0) == Status.ERR_DENIED     # -EEXIST
    assert s.g.decisions[-1].check == "return.epoll_item"
