"""A name that opens one of the program's own descriptors again reaches the same file."""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_pipe_bytes import O_RDONLY, _io, _pipe, _reopen

CLONE_VM, CLONE_THREAD = 0x100, 0x10000


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


def test_a_link_to_a_proc_directory_is_followed_before_dotdot() -> None:
    """link_path_walk() follows /proc/self/fd/D (nd_jump_link()) before the ".." after
    it: with D a descriptor of /proc/self/fd, "/proc/self/fd/D/.." is /proc/self, and
    "/proc/self/fd/D/../fd" /proc/self/fd; past a link to no /proc directory the name is
    none the Guardian reads (a memfd: link_path_walk() answers -ENOTDIR)."""
    from guardian.fd_names import resolve_name
    from guardian.open_files import FileTable, OpenFile

    table = FileTable()
    table.fds[5] = OpenFile("/proc/self/fd")
    table.fds[6] = OpenFile("/dev/fd")
    table.fds[4] = OpenFile("/tmp/m", memfd=7)
    cwd = lambda: "/"               # noqa: E731 - the working directory
    assert resolve_name(table, cwd, -100, "/proc/self/fd/5/..") == "/proc/self"
    assert resolve_name(table, cwd, -100, "/proc/self/fd/5/../fd") == "/proc/self/fd"
    assert resolve_name(table, cwd, -100, "/dev/fd/6/../fd") == "/proc/self/fd"
    assert resolve_name(table, cwd, -100, "/proc/self/fd/5") == "/proc/self/fd"
    assert resolve_name(table, cwd, -100, "/proc/self/fd/4/..") is None


def test_proc_self_names_the_leaders_table_only_where_it_is_known() -> None:
    """/proc/self is the thread group leader (proc_fd_link() reads that task's files);
    /proc/thread-self the calling thread: where the caller's table may not be the
    leader's, /proc/self/fd/N (and /dev/fd/N, /proc/<pid>/fd/N) reaches nothing known."""
    from guardian.fd_names import Reach, reopened, resolve_name
    from guardian.open_files import FileTable, OpenFile

    table = FileTable()
    table.fds[4] = OpenFile("/tmp/x", memfd=7)
    table.pids.add(42)
    cwd = lambda: "/"               # noqa: E731 - the working directory
    apart = Reach(leader=False, own_pids=False)
    for name in ("/proc/self/fd/4", "/dev/fd/4", "/proc/42/fd/4"):
        assert reopened(table, cwd, -100, name, reach=apart) is None, name
        assert resolve_name(table, cwd, -100, name, reach=apart) is None, name
    f = reopened(table, cwd, -100, "/proc/thread-self/fd/4", reach=apart)
    assert f is not None and f.memfd == 7
    assert resolve_name(table, cwd, -100, "/proc/thread-self/fd/4", reach=apart) == "/tmp/x"
    shared = Reach(leader=True, own_pids=False)     # another process holds the table too
    assert reopened(table, cwd, -100, "/proc/42/fd/4", reach=shared) is None
    assert reopened(table, cwd, -100, "/proc/self/fd/4", reach=shared) is not None


def test_a_thread_with_a_table_of_its_own_reopens_the_leaders_pipe(prog: _Program) -> None:
    """Thread 2 was cloned without CLONE_FILES: its pipe and the leader's both hold fds
    3 and 4.  Its open of /proc/self/fd/3 is another reader of the leader's pipe, whose
    byte it reads: not judged against its own pipe.  /proc/thread-self/fd/3 is its own."""
    leader = prog
    files = leader.files
    files.note_clone(leader.root, 1, 0, 2, CLONE_VM | CLONE_THREAD)
    other = _Program(files, files.memory, leader.root, 2)  # type: ignore[arg-type]
    _pipe(leader)
    _io(leader, "write", 4, b"\x41")
    _pipe(other)
    _io(other, "write", 4, b"\x42")
    _reopen(other, 3, 5, O_RDONLY, name="/proc/thread-self/fd/3")
    with pytest.raises(Refused):
        _io(other, "read", 5, b"\x41")              # its own pipe holds 0x42
    _reopen(other, 3, 6, O_RDONLY)                  # a name that may reach any of them:
    _io(other, "read", 6, b"\x41")                  # the leader's byte, not judged
