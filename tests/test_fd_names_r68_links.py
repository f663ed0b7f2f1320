"""Round 68: /proc/<pid>/task/<tid>/cwd and root, links counted toward MAXSYMLINKS, and
the calls that end Reach.root (guardian/fd_names.py, guardian/root_moves.py)."""

from __future__ import annotations

from guardian.fd_names import Reach, followed_links, resolve_name
from guardian.open_files import FileTable, OpenFile
from guardian.root_moves import _in_tmp, _root_itself


def _table() -> FileTable:
    return FileTable({4: OpenFile("/x")}, {7})


def test_task_cwd_and_root_links() -> None:
    table = _table()
    reach = Reach(root=True, tid=9, self_cwd="/proc/self/fdinfo",
                  thread_cwd="/proc/self/fd")
    # the leader's tid: /proc/self/cwd; the caller's: /proc/thread-self/cwd
    assert resolve_name(table, lambda: "/", -100, "/proc/self/task/7/cwd/04",
                        reach=reach) == "/proc/self/fdinfo/04"
    assert resolve_name(table, lambda: "/", -100, "/proc/7/task/9/cwd/4",
                        reach=reach) == "/x"
    assert resolve_name(table, lambda: "/", -100, "/proc/7/task/7/root/proc/07/fd/4",
                        reach=reach) == "/proc/07/fd/4"
    # another thread's: not followed (read lexically)
    assert resolve_name(table, lambda: "/", -100, "/proc/self/task/8/root/proc",
                        reach=reach) == "/proc/self/task/8/root/proc"
    # the root not known: not followed
    assert resolve_name(table, lambda: "/", -100, "/proc/self/task/9/root/proc",
                        reach=Reach(tid=9)) == "/proc/self/task/9/root/proc"


def test_links_counted() -> None:
    table, reach = _table(), Reach(root=True)
    forty_two = "/proc/self/root" * 20 + "/proc/self/fd/4"
    assert followed_links(table, forty_two, reach) == 41
    assert followed_links(table, "/proc/self/root" * 19 + "/proc/self/fd/4", reach) == 39
    # the root not known: only the first two links are known followed
    assert followed_links(table, forty_two, Reach()) == 2
    assert followed_links(table, "proc/self/root/proc", reach) == 0


def test_root_moves() -> None:
    assert _root_itself("/") and _root_itself("//.") and _root_itself("/..")
    assert not _root_itself(".") and not _root_itself("/tmp") and not _root_itself(None)
    assert _in_tmp("/tmp/r68-1-a")
    assert not _in_tmp("/tmp/a/b") and not _in_tmp("/tmp/..") and not _in_tmp("/proc/x")
