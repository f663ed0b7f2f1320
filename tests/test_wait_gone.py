"""A wait on one child answering -ECHILD, and a report of an orphan taken in
(guardian/wait_reaped.py: gone_pid, adopted)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from abi.layout import NR_WAIT4, NR_WAITID
from guardian.wait_reaped import adopted, gone_pid

ROOT, OTHER, PID, PROC = 1, 2, 42, 7
ECHILD = (1 << 64) - 10
WALL, WCLONE, WNOTHREAD = 0x4000_0000, 0x8000_0000, 0x2000_0000


def _reg(signal: int | None = 17, vm: bool = False, maker: int = 0) -> Any:
    return SimpleNamespace(
        exits=SimpleNamespace(exit_signals={} if signal is None else {(ROOT, PID): signal}),
        child_pids={(ROOT, PID): PROC}, vm_children={(ROOT, 9): 3} if vm else {},
        forked_by={(ROOT, PID): maker}, group_of=lambda root, thread: 0)


def _wait4(pid: int, options: int = 0) -> Any:
    return SimpleNamespace(nr=NR_WAIT4, root=ROOT, thread=1, args=[pid, 0, options, 0])


def test_echild_for_a_sigchld_child_says_it_is_gone() -> None:
    # do_wait() -> eligible_child(): a SIGCHLD child lives or is a zombie among the
    # children until release_task(); -ECHILD: EXIT_DEAD (autoreap) or released.
    assert gone_pid(_reg(), _wait4(PID), ECHILD) == PID
    assert gone_pid(_reg(5), _wait4(PID, WALL), ECHILD) == PID
    assert gone_pid(_reg(5), _wait4(PID, WCLONE), ECHILD) == PID
    waitid = SimpleNamespace(nr=NR_WAITID, root=ROOT, thread=1, args=[1, PID, 0, 4])
    assert gone_pid(_reg(), waitid, ECHILD) == PID


@pytest.mark.parametrize(("reg", "slot", "ret"), [
    (_reg(), _wait4(PID), 0),                      # not -ECHILD
    (_reg(), _wait4(-1 & 0xFFFF_FFFF), ECHILD),     # any child
    (_reg(), _wait4(PID + 1), ECHILD),              # not a known child
    (_reg(None), _wait4(PID), ECHILD),              # exit signal not known (CLONE_PARENT)
    (_reg(5), _wait4(PID), ECHILD),                 # not SIGCHLD, no __WCLONE: not eligible
    (_reg(), _wait4(PID, WCLONE), ECHILD),          # __WCLONE only: a SIGCHLD child is not
    (_reg(), _wait4(PID, WNOTHREAD), ECHILD),       # only the caller thread's children
    (_reg(vm=True), _wait4(PID), ECHILD),           # a CLONE_VM process in the space
    # made by a CLONE_VM child process (a vfork child's fork), gone since: at its exit
    # find_new_reaper() took the child, no child of the caller
    (_reg(maker=3), _wait4(PID), ECHILD),
])
def test_echild_not_judged(reg: Any, slot: Any, ret: int) -> None:
    assert gone_pid(reg, slot, ret) == 0


def test_report_of_an_orphan_ends_it() -> None:
    # forget_original_parent() -> find_new_reaper(): the program (a child subreaper)
    # reaps the grandchild another process was told of by that pid.
    reg = SimpleNamespace(child_pids={(OTHER, PID): PROC})
    assert adopted(reg, ROOT, PID) == PROC and not reg.child_pids
    two = SimpleNamespace(child_pids={(OTHER, PID): PROC, (3, PID): 8})
    assert adopted(two, ROOT, PID) == 0
    assert adopted(SimpleNamespace(child_pids={}), ROOT, PID) == 0
