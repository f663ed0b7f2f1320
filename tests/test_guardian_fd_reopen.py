"""A name that opens one of the program's own descriptors again reaches the same file."""

from __future__ import annotations


def test_proc_self_fd_opens_the_memfd_again() -> None:
    """/proc/self/fd/N (and /dev/fd/N, /proc/<own pid>/fd/N) reaches the descriptor's own
    file: a memfd opened again that way is the same memfd, whose mappings share its page."""
    from guardian.fd_names import reopened
    from guardian.open_files import FileTable, OpenFile

    table = FileTable()
    table.fds[4] = OpenFile(None, memfd=7)
    table.pids.add(42)
    cwd = lambda: "/proc/self"      # noqa: E731 - the working directory
    for name in ("/proc/self/fd/4", "/dev/fd/4", "/proc/42/fd/4", "fd/4", "/proc//self/fd/4"):
        f = reopened(table, cwd, -100, name)
        assert f is not None and f.memfd == 7, name
    for name in ("/proc/43/fd/4", "/proc/self/fd/5", "/proc/self/fd/4/x", "/tmp/fd/4"):
        assert reopened(table, cwd, -100, name) is None, name
