"""/proc names as Linux reads them: fs/proc/util.c's name_to_int() (guardian/proc_numbers.py)
and the links a ".." leaves for their target (guardian/proc_links.py, guardian/fd_names.py)."""

from __future__ import annotations

from guardian.fd_names import Reach, reopened, resolve_name
from guardian.open_files import FileTable, OpenFile
from guardian.proc_links import lexical, magic_link
from guardian.proc_numbers import is_number, name_to_int


def test_name_to_int_is_linux_s() -> None:
    assert name_to_int("0") == 0
    assert name_to_int("7") == 7
    assert name_to_int("4294967289") is None        # (n >= (~0U - 9) / 10 before the last digit)
    assert name_to_int("429496728") == 429496728
    for bad in ("", "07", "00", "+7", " 7", "7 ", "1_0", "\u0667", "7\n", "-1", "4294967303"):
        assert name_to_int(bad) is None, bad
        assert not is_number(bad)


def test_task_entries_that_are_no_number_are_not_the_caller() -> None:
    table = FileTable({4: OpenFile("/x")}, {7})
    cwd = lambda: "/"  # noqa: E731
    reach = Reach(tid=9)
    assert resolve_name(table, cwd, -100, "/proc/self/task/9/fd/4", reach=reach) == "/x"
    for tid in ("09", str(9 + (1 << 32)), "\u0669", "+9"):
        name = f"/proc/self/task/{tid}/fd/4"
        assert resolve_name(table, cwd, -100, name, reach=reach) == name, tid
    for fd in ("04", str(4 + (1 << 32)), "\u0664"):
        assert reopened(table, cwd, -100, f"/proc/self/fd/{fd}") is None, fd
    assert reopened(table, cwd, -100, "/proc/07/fd/4") is None
    assert reopened(table, cwd, -100, "/proc/7/fd/4") is table.fds[4]


def test_dotdot_after_a_proc_link_leaves_its_target() -> None:
    table = FileTable({4: OpenFile("/x"), 5: OpenFile("/proc/self/cwd")}, {7})
    cwd = lambda: "/"  # noqa: E731
    for name in ("/proc/self/cwd/../task/foo", "/proc/7/root/../task/foo",
                 "/proc/self/task/7/cwd/../fd/4", "/proc/self/fd/4/../task/foo",
                 "/dev/fd/4/../x", "/proc/self/exe/.."):
        assert resolve_name(table, cwd, -100, name) is None, name
    assert resolve_name(table, cwd, 5, "../task/foo") is None
    # a ".." below the link's target stays there; /proc/self and /proc/thread-self are
    # /proc directories
    assert resolve_name(table, cwd, -100, "/proc/self/cwd/a/../b") == "/proc/self/cwd/b"
    assert resolve_name(table, cwd, -100, "/proc/self/../7/fd") == "/proc/7/fd"
    assert lexical("/proc/self/cwd/../fd/5") is None
    assert lexical("/proc/self/../self/fd/5") == "/proc/self/fd/5"
    assert magic_link(["proc", "7", "task", "7", "ns", "mnt"])
    assert not magic_link(["proc", "self", "fd"])
