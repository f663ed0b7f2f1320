"""vfork: the child borrows the parent's memory and stack, and Linux holds the parent
until the child has execed or exited.  The Guardian holds the kernel to the outcome: once
the parent has returned to user code, the child never returns to user code in that
address space again, so the two never run interleaved.

Tree A (tests/test_secure_mm.py) is domain 1's live address space.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import CLONE_VFORK, CLONE_VM, NR_CLONE, NR_GETPID
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import ROOT_A, Scene, build_translating

ELR = 0x400104
VFORK = CLONE_VM | CLONE_VFORK | 17
CHILD_TID = 77


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _vfork(s: Scene, flags: int = VFORK) -> tuple[int, int]:
    """Thread 1 calls clone(flags); FORK_DOMAIN yields the child. (parent slot, child slot)"""
    sid = 690
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_CLONE, (flags, 0, 0, 0, 0, 0),
                               root=s.b + ROOT_A, thread=1)
    status, child, _ = s.call(Call.FORK_DOMAIN, 0, sid, flags & (CLONE_VM | CLONE_VFORK))
    assert status == Status.OK
    return sid, child


def _resume(s: Scene, sid: int, ret: int = 0) -> int:
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    return status


def _syscall(s: Scene, thread: int) -> int:
    """The thread enters the kernel again (getpid); its slot."""
    sid = 700 + len(s.g.decisions) + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_GETPID, (0,) * 6,
                               root=s.b + ROOT_A, thread=thread)
    return sid


def test_the_child_runs_until_it_is_done_then_the_parent(s: Scene) -> None:
    parent, child = _vfork(s)
    thread = s.g.conf.slots[child].thread
    assert _resume(s, child) == Status.OK               # the child runs first
    assert _resume(s, _syscall(s, thread), CHILD_TID) == Status.OK   # its getpid
    assert _resume(s, parent, CHILD_TID) == Status.OK     # it execed or exited: released


def test_a_child_never_runs_again_once_its_parent_has(s: Scene) -> None:
    parent, child = _vfork(s)
    thread = s.g.conf.slots[child].thread
    assert _resume(s, child) == Status.OK
    later = _syscall(s, thread)                          # the child is in the kernel ...
    assert _resume(s, parent, CHILD_TID) == Status.OK     # ... and the parent is let go
    assert _resume(s, later, 42) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.vfork_held"


def test_a_child_the_parent_ran_before_never_starts(s: Scene) -> None:
    parent, child = _vfork(s)
    assert _resume(s, parent, CHILD_TID) == Status.OK
    assert _resume(s, child) == Status.ERR_DENIED


def test_a_plain_thread_clone_is_not_held(s: Scene) -> None:
    parent, child = _vfork(s, CLONE_VM | 17)
    assert _resume(s, parent, CHILD_TID) == Status.OK
    assert _resume(s, child) == Status.OK
