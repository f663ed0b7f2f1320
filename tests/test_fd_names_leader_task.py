"""/proc/self/task/<pid>/fd and /proc/<pid>/task/<pid>/fd: the thread group leader's table
(guardian/fd_names.py `_leader_task`)."""

from __future__ import annotations

from guardian.fd_names import Reach, reopened
from guardian.open_files import FileTable, OpenFile


def _table() -> FileTable:
    return FileTable({3: OpenFile("/proc/self/task/7", opener=(1, 0)), 4: OpenFile("/x")}, {7})


def test_leader_task_is_the_fd_directory() -> None:
    # proc_task_lookup(): the leader's tid is the tgid getpid() told; no gettid() needed.
    table = _table()
    for name in ("/proc/self/task/7/fd/4", "/proc/7/task/7/fd/4"):
        assert reopened(table, lambda: "/", -100, name) is table.fds[4]
    assert reopened(table, lambda: "/", 3, "fd/4", reach=Reach(process=(1, 0))) \
        is table.fds[4]
    # another tid, another thread's table: not known
    assert reopened(table, lambda: "/", -100, "/proc/self/task/8/fd/4") is None
    assert reopened(table, lambda: "/", -100, "/proc/7/task/8/fd/4") is None
    # a table another process holds too: its pids are not all the caller's
    assert reopened(table, lambda: "/", -100, "/proc/self/task/7/fd/4",
                    reach=Reach(own_pids=False)) is None
    # a thread of the group that holds a table of its own: /proc/self/fd is not its
    assert reopened(table, lambda: "/", -100, "/proc/self/task/7/fd/4",
                    reach=Reach(leader=False)) is None


def test_child_leader_task() -> None:
    # /proc/<child>/task/<child> is the task /proc/<child> is (proc_pid_lookup()).
    child = FileTable({4: OpenFile("/y")})
    reach = Reach(child=lambda pid: child if pid == 12 else None)
    assert reopened(_table(), lambda: "/", -100, "/proc/12/task/12/fd/4", reach=reach) \
        is child.fds[4]
    assert reopened(_table(), lambda: "/", -100, "/proc/12/task/13/fd/4", reach=reach) is None
