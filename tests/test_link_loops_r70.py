"""return.link_loop as round 70 asked (guardian/link_loops.py, fd_names.py, root_moves.py):
the last component where LOOKUP_FOLLOW, /proc/net and /proc/mounts, the other calls that
look a name up, calls in flight that change nothing, a dirfd of /proc/self/root, and a new
link in /tmp keeping Reach.root."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian import link_loops
from guardian.fd_names import Reach, followed_links, root_dir
from guardian.open_files import FileTable, OpenFile
from guardian.root_moves import moves_root
from guardian.slots import PAGE, Slot

O_CREAT, O_EXCL, O_NOFOLLOW, O_TMPFILE = 0o100, 0o200, 0o100000, 0o20040000
AT_SYMLINK_NOFOLLOW = 0x100
ROOT = Reach(root=True, thread_cwd="/")


def _slot(call: str, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS[call], args=args, root=7)


@pytest.mark.parametrize(("call", "args", "name", "follows"), [
    ("openat", (0, 0, 2), "/proc/self", True),
    ("openat", (0, 0, 2 | O_CREAT), "/proc/self", True),             # YQ-001
    ("openat", (0, 0, 2 | O_TMPFILE), "/proc/self", True),           # YQ-002
    ("openat", (0, 0, 2 | O_CREAT | O_EXCL), "/proc/self", False),
    ("openat", (0, 0, O_NOFOLLOW), "/proc/self", False),
    ("openat", (0, 0, O_NOFOLLOW), "/proc/self/", True),             # YQ-012
    ("openat", (0, 0, O_CREAT), "/proc/self/", False),               # (-EISDIR first)
    ("faccessat", (0, 0, 0), "/proc/self", True),
    ("faccessat2", (0, 0, 0, AT_SYMLINK_NOFOLLOW), "/proc/self", False),
    ("faccessat2", (0, 0, 0, AT_SYMLINK_NOFOLLOW), "/proc/self/", True),
    ("newfstatat", (0, 0, 0, AT_SYMLINK_NOFOLLOW), "/proc/self", False),
    ("statx", (0, 0, 0, 0), "/proc/self", True),
    ("fchownat", (0, 0, 0, 0, AT_SYMLINK_NOFOLLOW), "/proc/self", False),
    ("chroot", (0,), "/proc/self", True),
    ("truncate", (0, 0), "/proc/self", True),
    ("mkdirat", (0, 0, 0), "/proc/self/", False),
])
def test_last_component_followed_as_lookup_follow_asks(
        call: str, args: tuple[int, ...], name: str, follows: bool) -> None:
    slot = _slot(call, *args)
    assert link_loops._follows_last(SimpleNamespace(), slot, name) is follows  # type: ignore[arg-type]


def test_proc_net_and_mounts_are_two_links() -> None:
    """proc_symlink("net", "self/net"), ("mounts", "self/mounts"): it and /proc/self."""
    t = FileTable()
    assert followed_links(t, "/proc" + "/net/../.." * 19 + "/self/fd/3", ROOT, True) == 40
    assert followed_links(t, "/proc" + "/net/../.." * 21 + "/self/fd/3", ROOT, True) == 44
    assert followed_links(t, "/proc/mounts", ROOT, True) == 2
    assert followed_links(t, "/proc/mounts", ROOT, False) == 0
    assert followed_links(t, "/proc/net", Reach(), True) == 0       # (the root not known)


def test_dirfd_of_proc_self_root_is_the_root() -> None:
    assert root_dir(OpenFile(path="/proc/self/root"), ROOT)
    assert root_dir(OpenFile(path="/"), ROOT)
    assert not root_dir(OpenFile(path="/proc/self/root"), Reach())
    assert not root_dir(OpenFile(path="/proc/self/cwd"), ROOT)
    assert not root_dir(OpenFile(path="/proc/self"), ROOT)
    assert not root_dir(None, ROOT)


def test_dirfd_of_proc_self_cwd_is_not_the_root_the_cwd_is_now() -> None:
    """/proc/self/cwd opened while the working directory was /tmp names /tmp, whatever a
    later chdir("/") made the working directory (proc_cwd_link() ran at the open)."""
    now_root = Reach(root=True, thread_cwd="/", self_cwd="/")
    for path in ("/proc/self/cwd", "/proc/thread-self/cwd"):
        assert not root_dir(OpenFile(path=path), now_root)
    assert root_dir(OpenFile(path="/proc/thread-self/root"), now_root)


def test_calls_in_flight_that_change_nothing() -> None:
    ranges = [(7, 0x10000, 0x10100)]
    assert link_loops._still(_slot("read", 3, 0x20000, 64), ranges)
    assert not link_loops._still(_slot("read", 3, 0x100F0, 64), ranges)
    assert link_loops._still(_slot("futex", 0x30000, 128, 0, 0), ranges)   # FUTEX_WAIT
    assert not link_loops._still(_slot("futex", 0x30000, 5, 0, 0), ranges)  # FUTEX_WAKE_OP
    assert link_loops._still(_slot("nanosleep", 0x30000, 0), ranges)
    assert not link_loops._still(_slot("nanosleep", 0x30000, 0x10000), ranges)
    assert not link_loops._still(_slot("dup3", 3, 4, 0), ranges)
    assert not link_loops._still(_slot("chdir", 0x30000), ranges)


class _Memory:
    def __init__(self, names: dict[int, str]) -> None:
        self.names = names

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        base = va & ~(PAGE - 1)
        if base not in self.names:
            return None
        page = self.names[base].encode().ljust(PAGE, b"\0")
        return page[va % PAGE:va % PAGE + n]


@pytest.mark.parametrize(("call", "new", "moves"), [
    ("symlinkat", "/tmp/r70-link", False),                # YQ-023
    ("linkat", "/tmp/r70-link", False),
    ("symlinkat", "/proc/x", True),
    ("symlinkat", "/tmp/a/b", True),
    ("symlinkat", "/tmp/..", True),
    ("symlinkat", "tmp/r70-link", True),
])
def test_new_link_in_tmp_keeps_the_root(call: str, new: str, moves: bool) -> None:
    memory = _Memory({0x10000: "/", 0x20000: new})
    args = (0x10000, 0, 0x20000) if call == "symlinkat" else (0, 0x10000, 0, 0x20000, 0)
    slot = _slot(call, *args)
    assert moves_root(memory, slot, lambda spans: True) is moves  # type: ignore[arg-type]
    assert moves_root(memory, slot, lambda spans: False)          # type: ignore[arg-type]


def test_rename_into_root_still_moves() -> None:
    memory = _Memory({0x10000: "/tmp/a", 0x20000: "/proc"})
    slot = _slot("renameat", 0, 0x10000, 0, 0x20000)
    assert moves_root(memory, slot, lambda spans: True)  # type: ignore[arg-type]
