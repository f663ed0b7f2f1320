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
    # the root not known: a chroot may make /proc/self a plain directory, none counted
    assert followed_links(table, forty_two, Reach()) == 0
    assert followed_links(table, "proc/self/root/proc", reach) == 0


def test_links_counted_round_69() -> None:
    # /dev/fd/<R> (R of "/"): /dev/fd, /proc/self in its body, fd/<R>; /dev/stdin (fd 0
    # of "/"): /dev/stdin, /proc/self, fd/0 (pick_link() counts each)
    table, reach = FileTable({0: OpenFile("/"), 3: OpenFile("/"), 4: OpenFile("/x")}, {7}), \
        Reach(root=True)
    assert followed_links(table, "/dev/fd/3" * 14 + "/proc/self/fd/4", reach) == 43
    assert followed_links(table, "/dev/stdin/" * 14 + "proc/self/fd/4", reach) == 43
    assert followed_links(table, "/dev/stdin/" * 14 + "proc/self/fd/4", reach, True) == 44
    # the last component: counted only where the walk follows it
    last = "/proc/self/root" * 20 + "/proc/self"
    assert followed_links(table, last, reach) == 40
    assert followed_links(table, last, reach, True) == 41
    assert followed_links(table, "/dev/stdin", reach, True) == 3
    assert followed_links(table, "/dev/fd", reach, True) == 2
    # a descriptor not of "/": /dev/fd/<N> and what follows read lexically
    assert followed_links(table, "/dev/fd/4/proc/self/x", reach) == 3
    assert followed_links(table, "/proc/self/../self/x", reach) == 2


def test_root_moves() -> None:
    assert _root_itself("/") and _root_itself("//.") and _root_itself("/..")
    assert not _root_itself(".") and not _root_itself("/tmp") and not _root_itself(None)
    assert _in_tmp("/tmp/r68-1-a")
    assert not _in_tmp("/tmp/a/b") and not _in_tmp("/tmp/..") and not _in_tmp("/proc/x")


def test_root_moves_reads_only_names_left_quiet() -> None:
    """getname() copied chroot()'s and rename()'s names at the entry: a name another
    thread may have rewritten since proves nothing (the root may have moved)."""
    from types import SimpleNamespace

    from abi.syscalls import NUMBERS
    from guardian.root_moves import moves_root
    from guardian.slots import Slot

    name = b"/\0".ljust(4096, b"\0")
    memory = SimpleNamespace(read=lambda va, n, root=None: name[va - 0x10000:va - 0x10000 + n]
                             if 0x10000 <= va < 0x11000 else None)
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS["chroot"], args=(0x10000,) * 6)
    asked: list[list[tuple[int, int]]] = []
    assert not moves_root(memory, slot, lambda spans: asked.append(spans) or True)  # type: ignore[arg-type]
    assert asked == [[(0x10000, 0x10002)]]
    assert moves_root(memory, slot, lambda spans: False)  # type: ignore[arg-type]
