"""Names through /proc/self, /proc/self/task/<tid> and a fork child's /proc/<pid>/fd
(guardian/fd_names.py)."""

from __future__ import annotations

from guardian.fd_names import Reach, opener_of, reopened, workdir_path
from guardian.open_files import FileTable, OpenFile, WorkDir

PARENT, CHILD = (1, 0), (2, 0)


def _table(opener: tuple[int, int] | None) -> FileTable:
    return FileTable({3: OpenFile("/proc/self/fd", opener=opener), 4: OpenFile("/x")}, {7})


def test_self_directory_is_the_openers() -> None:
    # proc_self_get_link() names the opener's pid at the open: a fork child's copy of D
    # reaches its parent's table, not its own.
    name = "/proc/self/fd/3/../fd/4"
    assert reopened(_table(PARENT), lambda: "/", -100, name, reach=Reach(process=PARENT)) \
        is not None
    assert reopened(_table(PARENT), lambda: "/", -100, name, reach=Reach(process=CHILD)) is None
    assert reopened(_table(PARENT), lambda: "/", 3, "4", reach=Reach(process=CHILD)) is None
    assert opener_of("/proc/self/fd", Reach(process=PARENT)) == PARENT
    assert opener_of("/dev/fd", Reach(process=PARENT)) == PARENT
    assert opener_of("/tmp", Reach(process=PARENT)) is None


def test_own_task_directory() -> None:
    # proc_task_lookup(): the caller's own tid under its own group is its own table.
    table = _table(None)
    assert reopened(table, lambda: "/", -100, "/proc/self/task/9/fd/4", reach=Reach(tid=9)) \
        is table.fds[4]
    assert reopened(table, lambda: "/", -100, "/proc/7/task/9/fd/4", reach=Reach(tid=9)) \
        is table.fds[4]
    assert reopened(table, lambda: "/", -100, "/proc/self/task/8/fd/4", reach=Reach(tid=9)) \
        is None
    assert reopened(table, lambda: "/", -100, "/proc/self/task/8/fd/4", reach=Reach()) is None


def test_child_directory() -> None:
    # proc_fd_link() of a fork child's pid reads the child's own table.
    child = FileTable({4: OpenFile("/y")})
    reach = Reach(child=lambda pid: child if pid == 12 else None)
    assert reopened(_table(None), lambda: "/", -100, "/proc/12/fd/4", reach=reach) \
        is child.fds[4]
    assert reopened(_table(None), lambda: "/", -100, "/proc/13/fd/4", reach=reach) is None
    assert reopened(_table(None), lambda: "/", -100, "/proc/12/fd/4") is None


def test_working_directory_is_the_openers() -> None:
    # fchdir(D) then fork: the child's working directory is its parent's /proc/<pid>/fd.
    wd = WorkDir("/proc/self/fd", PARENT)
    assert workdir_path(wd, Reach(process=PARENT)) == "/proc/self/fd"
    assert workdir_path(wd, Reach(process=CHILD)) == "/proc/?/fd"
    assert reopened(_table(None), lambda: workdir_path(wd, Reach(process=CHILD)), -100, "4",
                    reach=Reach(process=CHILD)) is None
