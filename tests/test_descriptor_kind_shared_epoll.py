"""KCMP_EPOLL_TFD of an epoll another process may reach.

ep_find_tfd() counts the items whose ffd.fd is tfd, whoever added them: a process the
Guardian does not follow that holds the program's epoll (sent to it in an SCM_RIGHTS
message, or kept across an exec into an image the Guardian may not see) adds items of
its own numbers with EPOLL_CTL_ADD, and Linux's kcmp() finds them (0, 1 or 2).  The
program's own registrations are then not all the items.
"""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from tests.test_descriptor_kind_r79 import _epoll, _Files, _tfd


def test_an_epoll_sent_away_may_hold_other_items() -> None:
    files = _Files()
    _epoll(files)
    with pytest.raises(Refused):
        _tfd(files, 9, 0, 1)            # the program's own epoll: no item for 9
    files.may_pass = True               # sendmsg(SCM_RIGHTS) of it succeeded
    _tfd(files, 9, 0, 1)                # the receiver's EPOLL_CTL_ADD of its fd 9


def test_an_epoll_kept_across_an_exec_may_hold_other_items() -> None:
    files = _Files()
    _epoll(files)                       # (its open file is descriptor 4)
    files.exec_kept.add(files.table.fds[4].description)    # a child's exec kept it
    _tfd(files, 9, 0, 1)                # the new image's EPOLL_CTL_ADD of its fd 9
