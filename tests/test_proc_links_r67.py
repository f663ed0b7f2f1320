"""Round 67's names: links whose targets procfs and devtmpfs fix, followed before ".."
(/dev/fd, /proc/net, /proc/thread-self), and the root directory reached by
/proc/self/root, a working directory "/" and a descriptor of "/" (guardian/fd_names.py,
guardian/reopen_walks.py)."""

from __future__ import annotations

from guardian.fd_names import Reach, resolve_name
from guardian.open_files import FileTable, OpenFile
from guardian.proc_entries import absent_entry
from guardian.reopen_walks import walk_of


def _cwd() -> str:
    return "/"


def test_dev_fd_and_proc_net_up_are_proc_self() -> None:
    table = FileTable()
    assert resolve_name(table, _cwd, -100, "/dev/fd/../fdinfo/03") == "/proc/self/fdinfo/03"
    assert resolve_name(table, _cwd, -100, "/proc/net/../fdinfo/03") == "/proc/self/fdinfo/03"
    assert absent_entry("/proc/self/fdinfo/03") == "03"
    # /proc/<pid>/net is a real directory: its ".." is /proc/<pid>
    assert resolve_name(table, _cwd, -100, "/proc/7/net/../fd") == "/proc/7/fd"


def test_thread_self_up_up_walks_a_fd_directory() -> None:
    assert walk_of("/proc/thread-self/../../fd/05", None, False).entry == "05"
    assert walk_of("/proc/thread-self/../../fd/5", None, False).entry is None


def test_root_followed_only_where_known() -> None:
    table = FileTable({3: OpenFile("/"), 4: OpenFile("/tmp")}, {7})
    known = Reach(root=True, self_cwd="/", thread_cwd="/")
    for name in ("/proc/self/root/proc/05/fd/3", "/proc/thread-self/root/proc/05/fd/3",
                 "/proc/self/cwd/proc/05/fd/3", "/proc/thread-self/cwd/proc/05/fd/3",
                 "/proc/self/fd/3/proc/05/fd/3", "/proc/7/root/proc/05/fd/3"):
        assert resolve_name(table, _cwd, -100, name, reach=known) == "/proc/05/fd/3", name
    # a chroot or mount seen: the root stays the kernel's word
    unknown = Reach(self_cwd="/", thread_cwd="/")
    for name in ("/proc/self/root/proc/05/fd/3", "/proc/self/cwd/proc/05/fd/3",
                 "/proc/self/fd/3/proc/05/fd/3"):
        assert absent_entry(resolve_name(table, _cwd, -100, name, reach=unknown) or "/") \
            is None, name
    # another process's root, a descriptor of another directory
    assert resolve_name(table, _cwd, -100, "/proc/8/root/proc/05", reach=known) != "/proc/05"
    assert resolve_name(table, _cwd, -100, "/proc/self/fd/4/proc/05", reach=known) != \
        "/proc/05"
    assert walk_of("/proc/self/fd/3/proc/5/fd/3", None, False,
                   lambda link: "/" if link == "/proc/self/fd/3" else None).past is None


def test_fork_cwd_closed_is_a_check() -> None:
    from attacks.rules import RULES
    from guardian.checks import CHECKS
    assert "return.fd_dir_closed" in CHECKS
    assert any("return.fd_dir_closed" in r.checks for r in RULES)
