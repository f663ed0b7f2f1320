"""return.epoll_released and KCMP_EPOLL_TFD's released items where one Linux file has two
of the Guardian's identities: an eventfd the program made is an epoll's target at 5, a
copy of the same struct file arrives at 8 by a way the Guardian cannot tie to it
(pidfd_getfd() of a fork child's inherited copy, SCM_RIGHTS, met in use), then close(5).
No descriptor names the eventfd's `Description`, but Linux holds the file through 8: the
item lives (eventpoll_release_file() runs at __fput() alone) and its events come.  A file
open before the target was made (the launch's 0..2, one taken before) is not it."""

from __future__ import annotations

import pytest

from abi import Status
from abi.syscalls import NUMBERS as N
from guardian import launch_fds
from guardian.checks import Refused
from guardian.open_files import OpenFile
from tests.test_descriptor_kind_r79 import _epoll, _Files, _tfd
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_event_results import ADD, EPOLLIN, _ctl, _last_check, _syscall, _wait, s
from tests.test_guardian_passed_fds import AF_UNIX, PAIR_VA, SOCK_STREAM, _message
from tests.test_secure_mm import ROOT_A, Scene

__all__ = ["s"]
CHILD = 1234        # a fork child's pid: its table holds a copy of the eventfd


def _taken(s: Scene, fd: int, ret: int) -> None:
    """pidfd_getfd() of the child's descriptor `fd` (its copy of the parent's file at
    `fd`, inherited at fork) answers `ret`: the very struct file, an identity the
    Guardian cannot tie to it."""
    assert _syscall(s, "pidfd_getfd", (4, fd, 0), ret) == Status.OK


def _made(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "pidfd_open", (CHILD, 0), 4) == Status.OK


def test_an_event_of_a_target_closed_while_a_copy_taken_since_lives_passes(s: Scene) -> None:
    _made(s)
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLIN, 0x50)           # Linux's item (eventfd, 5)
    _taken(s, 5, 8)                             # the same eventfd, at 8
    assert _syscall(s, "close", (5,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x50)) == Status.OK        # 8 holds the file: it lives
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLIN, 0x51)           # an epoll_ctl keeps the maybe-live item
    assert _wait(s, 3, (EPOLLIN, 0x50), (EPOLLIN, 0x51)) == Status.OK
    assert _syscall(s, "close", (8,), 0) == Status.OK       # the last copy: released
    assert _wait(s, 3, (EPOLLIN, 0x50)) == Status.ERR_DENIED
    assert _last_check(s) == "return.epoll_released"


def test_a_copy_taken_before_the_target_was_made_is_not_it(s: Scene) -> None:
    _made(s)
    _taken(s, 9, 8)                             # taken before the eventfd existed
    assert _syscall(s, "eventfd2", (0, 0), 9) == Status.OK
    _ctl(s, 3, ADD, 9, EPOLLIN, 0x90)
    assert _syscall(s, "close", (9,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x90)) == Status.ERR_DENIED
    assert _last_check(s) == "return.epoll_released"


def test_the_launch_s_files_met_in_use_are_not_it(s: Scene) -> None:
    launch_fds.start(s.g.conf.descriptors.table(s.b + ROOT_A, 1))   # as CREATE_DOMAIN
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLIN, 0x50)
    _ctl(s, 3, ADD, 0, EPOLLIN, 0x0)            # stdin, met in use after the eventfd
    assert _syscall(s, "dup", (1,), 6) == Status.OK         # stdout's file, met so too
    assert _syscall(s, "close", (5,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x50)) == Status.ERR_DENIED
    assert _last_check(s) == "return.epoll_released"


def test_a_target_taken_may_be_any_file_open_then(s: Scene) -> None:
    """The target itself a copy the Guardian cannot tie: a file made before it was taken
    may be its file, one made after may not."""
    assert _syscall(s, "pidfd_open", (CHILD, 0), 4) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _taken(s, 5, 8)
    assert _syscall(s, "epoll_create1", (0,), 9) == Status.OK
    _ctl(s, 9, ADD, 8, EPOLLIN, 0x80)           # Linux's item (eventfd, 8)
    assert _syscall(s, "close", (8,), 0) == Status.OK
    assert _wait(s, 9, (EPOLLIN, 0x80)) == Status.OK        # 5 (or 4) may hold the file
    assert _syscall(s, "close", (5,), 0) == Status.OK
    assert _wait(s, 9, (EPOLLIN, 0x80)) == Status.OK        # 4 may yet
    assert _syscall(s, "close", (4,), 0) == Status.OK       # the epoll, made since: not it
    assert _wait(s, 9, (EPOLLIN, 0x80)) == Status.ERR_DENIED
    assert _last_check(s) == "return.epoll_released"


def test_kcmp_epoll_tfd_counts_an_item_a_copy_taken_since_may_hold() -> None:
    files = _Files()
    _epoll(files)                               # the pipe end at 6, watched
    files.table.fds[0] = OpenFile(path="/dev/null")
    pr = files.table.fds[6]
    pr.description.made = 5
    files.table.fds[8] = copy = OpenFile(maker=N["pidfd_getfd"])
    copy.description.met = 7                    # taken after the pipe was made
    del files.table.fds[6]
    _tfd(files, 6, 0)                           # Linux's 0: 8 may hold the pipe end
    copy.description.met = 3                    # taken before it: another file
    with pytest.raises(Refused):
        _tfd(files, 6, 0)
    copy.description.met = None                 # met at no known time: any file
    _tfd(files, 6, 0)


def test_may_be() -> None:
    made, other = OpenFile(maker=N["eventfd2"]).description, OpenFile(path="/x").description
    made.made, other.made = 5, 2
    taken, launch = OpenFile().description, OpenFile().description
    taken.met, launch.met = 6, 0
    assert not made.may_be(other) and made.may_be(made)
    assert made.may_be(taken) and taken.may_be(made) and taken.may_be(launch)
    assert not made.may_be(launch) and not launch.may_be(other)
    taken.met = 5                               # met as the maker entered: before it
    assert not made.may_be(taken) and other.may_be(taken)
    assert OpenFile().description.may_be(made)  # not known when: any


def test_a_file_received_unseen_may_be_one_made_before_it(prog: _Program) -> None:
    """SCM_RIGHTS of a message the Guardian did not see sent: any file open then."""
    _message(prog, 7)
    prog.call("socketpair", AF_UNIX, SOCK_STREAM, 0, PAIR_VA, ret=0)    # 3 and 4
    prog.call("eventfd2", 0, 0, ret=5)
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)
    prog.call("eventfd2", 0, 0, ret=8)
    fds = prog.files.table(prog.root, prog.thread).fds
    before, got, after = (fds[n].description for n in (5, 7, 8))
    assert got.may_be(before) and before.may_be(got)
    assert not got.may_be(after) and not before.may_be(after)
