"""`return.fd_never_opened` carried to every call that looks a descriptor up
(guardian/fd_never_args.py) and to a living fork child's copied table (red-team round 82:
AB-001..004, 006..008, 010, 012, 016, 017)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS as N
from guardian import fd_never_args as fna
from guardian.checks import Refused
from guardian.descriptor_args import FD_CALLS
from guardian.open_files import FileTable, OpenFile
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN, _judge
from tests.test_launch_fds import _Launch

NEVER, CHILD, M = 77, 4242, (1 << 64) - 1
AT_FDCWD = -100 % M

#: (call, args, a forged success): each looks NEVER up in the caller's own table
OWN_CALLS = [
    ("close", (NEVER,), 0),                                     # AB-001
    ("dup", (NEVER,), 5),                                       # AB-002
    ("dup3", (NEVER, 9, 0), 9),
    ("fcntl", (NEVER, 1, 0), 0),                                # AB-003 (F_GETFD)
    ("fcntl", (NEVER, 0, 3), 6),                                # F_DUPFD
    ("pidfd_send_signal", (NEVER, 0, 0, 0), 0),                 # AB-004
    ("process_madvise", (NEVER, 0x1000, 1, 20, 0), 4096),       # AB-006
    ("epoll_ctl", (5, 1, NEVER, 0x1000), 0),                    # AB-007 (target)
    ("epoll_ctl", (NEVER, 1, 3, 0x1000), 0),                    # (epfd)
    ("fchdir", (NEVER,), 0),                                    # AB-012
    ("read", (NEVER, 0x1000, 8), 8),
    ("ioctl", (NEVER, 0x5401, 0x1000), 0),
    ("mmap", (0, 4096, 1, 2, NEVER, 0), 0x10000),               # MAP_PRIVATE of a file
    ("waitid", (3, NEVER, 0x1000, 4, 0), 0),                    # P_PIDFD
    ("signalfd4", (NEVER, 0x1000, 8, 0), NEVER),
    ("openat", (NEVER, 0x1000, 0, 0), 5),                       # AB-016: "null"
    ("newfstatat", (NEVER, 0x1000, 0x2000, 0), 0),
    ("unlinkat", (NEVER, 0x1000, 0), 0),
]


def _own(files: _Launch, nr: str, args: tuple[int, ...], names: dict[int, bytes]) -> str:
    slot = Slot(9, 1, None, 0, N[nr], tuple(a % (1 << 64) for a in args), 1, 2)
    assert slot.nr in fna.CALLS
    return fna.own_never(files, slot, lambda addr, n: names.get(addr))  # type: ignore[arg-type]


_RELATIVE = {0x1000: b"n"}


@pytest.mark.parametrize("call", range(len(OWN_CALLS)))
def test_a_number_never_opened_is_found(call: int) -> None:
    nr, args, _ret = OWN_CALLS[call]
    assert str(NEVER) in _own(_Launch(), nr, args, _RELATIVE)


@pytest.mark.parametrize("call", range(len(OWN_CALLS)))
def test_honest_neighbours_pass(call: int) -> None:
    nr, args, _ret = OWN_CALLS[call]
    assert not _own(_Launch(frozenset({NEVER})), nr, args, _RELATIVE)    # --launch-fds 77
    made = _Launch()
    made.table.fds[NEVER] = OpenFile(path="/dev/null")       # a call of the program's made it
    assert not _own(made, nr, args, _RELATIVE)
    unknown = _Launch()
    unknown.table.fresh = False                              # an unfollowed call may have
    assert not _own(unknown, nr, args, _RELATIVE)
    assert not _own(_Launch(steady=False), nr, args, _RELATIVE)   # another thread's call
    console = tuple(2 if a == NEVER else a for a in args)    # maybe open (the shell's)
    assert not _own(_Launch(), nr, console, _RELATIVE)


def test_what_is_no_lookup_in_the_own_table_passes() -> None:
    files = _Launch()
    assert not _own(files, "dup3", (3, NEVER, 0), {})              # newfd: a target
    assert not _own(files, "mmap", (0, 4096, 3, 0x22, NEVER, 0), {})   # MAP_ANONYMOUS
    assert not _own(files, "waitid", (1, NEVER, 0x1000, 4, 0), {})     # P_PID
    assert not _own(files, "signalfd4", (-1, 0x1000, 8, 0), {})        # a new signalfd
    assert not _own(files, "io_uring_enter", (NEVER, 1, 0, 0x10, 0, 0), {})  # registered ring
    assert _own(files, "io_uring_enter", (NEVER, 1, 0, 0, 0, 0), {})
    # an absolute name never looks at dfd; an unreadable one is left alone (an empty one
    # is AT_EMPTY_PATH's fdget_raw(dfd) or -ENOENT: round 83's AD-001)
    for names in ({0x1000: b"/"}, {}):
        assert not _own(files, "openat", (NEVER, 0x1000, 0, 0), names)
    assert not _own(files, "openat", (AT_FDCWD, 0x1000, 0, 0), _RELATIVE)
    # pidfd_getfd's target is another task's table (fd_kind_answer.py)
    assert not _own(files, "pidfd_getfd", (4, NEVER, 0), {})


def test_the_table_is_driven_by_descriptor_args() -> None:
    for nr in FD_CALLS:
        assert nr in fna.CALLS


def _child(files: _Launch, table: FileTable | None) -> _Launch:
    if table is not None:
        files.children[CHILD] = table
    files.table.fds[6] = OpenFile(maker=N["pidfd_open"], pid=CHILD)
    return files


def _kind(files: _Launch, nr: str, args: tuple[int, ...], ret: int) -> None:
    _judge(files, Slot(9, 1, None, 0, N[nr], tuple(a % (1 << 64) for a in args), 1, 2), ret)


#: (call, args, a forged success) looking NEVER up in fork child CHILD's table
CHILD_CALLS = [
    ("kcmp", (OWN, CHILD, 0, 3, NEVER), 0),                   # AB-008, AB-017
    ("kcmp", (CHILD, OWN, 0, NEVER, 3), 0),
    ("pidfd_getfd", (6, NEVER, 0), 8),                        # AB-010
]


@pytest.mark.parametrize("call", range(len(CHILD_CALLS)))
def test_a_number_a_fork_childs_copy_never_held_is_refused(call: int) -> None:
    nr, args, ret = CHILD_CALLS[call]
    files = _Launch()
    with pytest.raises(Refused) as e:
        _kind(_child(files, files.table.copy()), nr, args, ret)
    assert e.value.check == "return.fd_never_opened"


@pytest.mark.parametrize("call", range(len(CHILD_CALLS)))
def test_a_fork_childs_honest_neighbours_pass(call: int) -> None:
    nr, args, ret = CHILD_CALLS[call]
    files = _Launch()
    copy = files.table.copy()
    copy.fds[NEVER] = OpenFile(path="/dev/null")             # the child's own open
    _kind(_child(files, copy), nr, args, ret)
    files = _Launch()
    copy = files.table.copy()
    copy.fresh = False                                        # the child's unfollowed call
    _kind(_child(files, copy), nr, args, ret)
    _kind(_child(_Launch(), None), nr, args, ret)             # not living, changed, unknown
    files = _Launch(frozenset({NEVER}))                       # --launch-fds 77: inherited
    _kind(_child(files, files.table.copy()), nr, args, ret)


def test_a_read_of_an_open_number_makes_no_further_call() -> None:
    """Every successful read() and write() reaches own_never(): a number the table holds
    (the common case) is passed over with no Python call past own_never() itself
    (benchmarks/call_count.py: it cost 8 Python and 9 C calls a read() before)."""
    import sys

    made = _Launch()
    made.table.fds[NEVER] = OpenFile(path="/dev/zero")
    slot = Slot(9, 1, None, 0, N["read"], (NEVER, 0x1000, 1), 1, 2)
    calls: list[str] = []

    def profile(frame: object, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)  # type: ignore[attr-defined]

    sys.setprofile(profile)
    try:
        why = fna.own_never(made, slot, lambda addr, n: None)  # type: ignore[arg-type]
    finally:
        sys.setprofile(None)
    assert not why
    assert calls == ["own_never"], calls
