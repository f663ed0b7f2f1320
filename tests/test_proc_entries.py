"""/proc entries no number names (guardian/proc_entries.py) and /proc/self/cwd followed
to a known /proc working directory (guardian/fd_names.py, guardian/proc_cwds.py)."""

from __future__ import annotations

from guardian.fd_names import Reach, resolve_name
from guardian.open_files import FileTable
from guardian.proc_entries import absent_entry


def test_pid_entries_name_to_int_takes_for_none() -> None:
    assert absent_entry("/proc/0123/fd/3") == "0123"
    assert absent_entry(f"/proc/{(1 << 32) + 5}") == str((1 << 32) + 5)
    assert absent_entry("/proc/00") == "00"


def test_real_proc_entries_are_not_judged() -> None:
    for path in ("/proc/self/fd/3", "/proc/thread-self/fd/3", "/proc/sys/kernel",
                 "/proc/meminfo", "/proc/0", "/proc/123/fd/3", "/proc", "/proc/429496729",
                 "/tmp/0123", "/proc/self/fdinfo/3", "/proc/self/task/7/fdinfo/0",
                 "/proc/self/fdinfo", "/proc/self/fd/05"):
        assert absent_entry(path) is None, path


def test_fdinfo_entries_no_descriptor_number() -> None:
    assert absent_entry("/proc/self/fdinfo/03") == "03"
    assert absent_entry("/proc/thread-self/fdinfo/x") == "x"
    assert absent_entry("/proc/5/task/5/fdinfo/99999999999") == "99999999999"


def test_cwd_link_followed_to_a_known_proc_directory() -> None:
    table = FileTable()
    reach = Reach(self_cwd="/proc/self", thread_cwd="/proc/self/task")
    assert resolve_name(table, lambda: None, -100, "/proc/self/cwd/fd/03", reach=reach) \
        == "/proc/self/fd/03"
    assert resolve_name(table, lambda: None, -100, "/proc/thread-self/cwd/../fd/03",
                        reach=reach) == "/proc/self/fd/03"
    # not a /proc directory, or not known: the link's target stays the kernel's
    other = Reach(self_cwd="/tmp")
    assert resolve_name(table, lambda: None, -100, "/proc/self/cwd/../x", reach=other) is None
    assert resolve_name(table, lambda: None, -100, "/proc/self/cwd/fd/03") == \
        "/proc/self/cwd/fd/03"


def test_only_proc_and_its_directories_are_followed_working_directories() -> None:
    """proc_cwds._known: /proc and /proc/..., not a /procfoo directory."""
    from guardian.open_files import WorkDir
    from guardian.proc_cwds import _known

    assert _known(WorkDir("/proc"), False) and _known(WorkDir("/proc/self"), False)
    assert not _known(WorkDir("/procfoo"), False)
    assert _known(WorkDir("/"), True) and not _known(WorkDir("/"), False)
