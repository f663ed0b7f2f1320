"""A name in the fd directory of a reaped process (guardian/dead_fd_dirs.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from guardian import dead_fd_dirs
from guardian.checks import Refused
from guardian.fd_names import Reach
from guardian.open_files import FileTable, OpenFile, WorkDir

ROOT, DEAD_ROOT, DEAD_PROC = 1, 2, 7
AT_FDCWD = (-100) & 0xFFFF_FFFF
OPENAT = 56


def _sole(monkeypatch: pytest.MonkeyPatch, name: str, reaped_at: int | None = 5,
          steady: bool = True) -> Any:
    monkeypatch.setattr(dead_fd_dirs, "read_name", lambda memory, slot, va: name)
    monkeypatch.setattr(dead_fd_dirs, "name_quiet", lambda sole, slot, length: True)
    dk = OpenFile("/proc/self/fd", opener=(DEAD_ROOT, 0), opened_by=DEAD_PROC)
    own = OpenFile("/proc/self/fd", opener=(ROOT, 0), opened_by=3)
    reg = SimpleNamespace(slots={}, reaped_process_at={} if reaped_at is None
                          else {DEAD_PROC: reaped_at}, exits=SimpleNamespace(pids={}))
    files = SimpleNamespace(
        admission=SimpleNamespace(registry=reg), memory=None,
        admitted_reads=SimpleNamespace(names_moved=False),
        tables={(ROOT, 1): FileTable({4: dk, 5: own})},
        workdirs={(ROOT, 1): WorkDir("/proc/self/fd", (DEAD_ROOT, 0), DEAD_PROC)},
        unchanged_since=lambda slot, table: steady,
        wd_steady=lambda slot: steady,
        reach=lambda slot: Reach(process=(ROOT, 0)))
    return SimpleNamespace(files=files)


def _slot(dirfd: int, at: int = 9) -> Any:
    return SimpleNamespace(root=ROOT, thread=1, id=at, nr=OPENAT, args=[dirfd, 0x1000, 0, 0])


@pytest.mark.parametrize("dirfd", [4, AT_FDCWD])
def test_reaped_openers_directory_opens_nothing(monkeypatch: pytest.MonkeyPatch,
                                                dirfd: int) -> None:
    # proc_lookupfd_common(): get_proc_task() of the reaped opener is NULL, -ENOENT.
    with pytest.raises(Refused):
        dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, "3"), _slot(dirfd))


@pytest.mark.parametrize("name", [".", "..", "../fd/3", "/proc/self/fd/3", "./3"])
def test_no_lookup_in_that_directory_not_judged(monkeypatch: pytest.MonkeyPatch,
                                                name: str) -> None:
    dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, name), _slot(4))


def test_not_known_dead_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    # the reap came after the open entered, or never; the caller's own directory; a
    # table that may have changed
    dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, "3", reaped_at=10), _slot(4))
    dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, "3", reaped_at=None), _slot(4))
    dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, "3"), _slot(5))
    dead_fd_dirs.check_dead_fd_dir(_sole(monkeypatch, "3", steady=False), _slot(4))


@pytest.mark.parametrize(("path", "opener", "named"), [
    ("/proc/self/fd", (DEAD_ROOT, 0), True),
    ("/proc/self", (DEAD_ROOT, 0), True),
    ("/proc/thread-self/fd", (DEAD_ROOT, -2), True),
    ("/proc/thread-self", (DEAD_ROOT, -2), True),
    ("/proc/self/task/41/fd", (DEAD_ROOT, 0), True),
    ("/proc/self/task/041/fd", (DEAD_ROOT, 0), False),     # (name_to_int(): no task)
    ("/proc/40/fd", None, True),                           # K's own pid
    ("/proc/40", None, True),
    ("/proc/39/fd", None, False),                          # another's pid
    ("/proc/040/fd", None, False),
    ("/proc/self/fd", (ROOT, 0), False),                   # the caller's own
    ("/proc/self/fdinfo", (DEAD_ROOT, 0), False),
    ("/tmp/self", None, False),
])
def test_names_of_the_openers_own_directories(path: str, opener: tuple[int, int] | None,
                                              named: bool) -> None:
    # proc_self_get_link(), proc_thread_self_get_link(), proc_task_lookup() and
    # /proc/<pid> (its pid as its parent was told) name the opener's task for good.
    base = OpenFile(path, opener=opener, opened_by=DEAD_PROC)
    reach = Reach(process=(ROOT, 0), thread=(ROOT, -2))
    assert dead_fd_dirs.names_opener(base, reach, {40: DEAD_PROC, 39: 8}) is named
    # opened by no process the Guardian knows: not judged
    assert not dead_fd_dirs.names_opener(OpenFile(path, opener=opener), reach,
                                         {40: DEAD_PROC})
