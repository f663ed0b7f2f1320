"""/proc/thread-self/..: the link is followed before ".." (guardian/fd_names.py
`_self_up`; proc_thread_self_get_link(): "<tgid>/task/<tid>")."""

from __future__ import annotations

from guardian.fd_names import resolve_name
from guardian.open_files import FileTable, OpenFile


def test_thread_self_up_is_the_task_directory() -> None:
    table = FileTable({4: OpenFile("/x")}, {7})
    cwd = lambda: "/"  # noqa: E731
    assert resolve_name(table, cwd, -100, "/proc/thread-self/../task/7/fd/4") == \
        "/proc/self/task/task/7/fd/4"
    assert resolve_name(table, cwd, -100, "/proc/thread-self/../8/fd/4") == \
        "/proc/self/task/8/fd/4"
    # /proc/self/.. is /proc either way
    assert resolve_name(table, cwd, -100, "/proc/self/../7/fd") == "/proc/7/fd"
    assert resolve_name(table, cwd, -100, "/a/b/../c") == "/a/c"
