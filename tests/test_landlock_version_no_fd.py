"""landlock_create_ruleset() with a flag makes no descriptor: LANDLOCK_CREATE_RULESET_VERSION
answers the ABI version (1 on 6.1 .. 7 on 6.15+) and, from 6.15,
LANDLOCK_CREATE_RULESET_ERRATA a bit mask (security/landlock/syscalls.c:
SYSCALL_DEFINE3(landlock_create_ruleset) returns before landlock_create_ruleset() and
anon_inode_getfd()).  Taken as a new descriptor, the honest answer 4 was refused as a
number the program holds open (return.fd_fresh), below a proven-open prefix or past a
free one (return.fd_lowest); and a forged answer 77 entered 77 in the table as open,
so a forged read(77) passed return.fd_never_opened (fd_never_args.py)."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS as N
from guardian.fd_made import check_made
from guardian.fd_results import new_fds
from guardian.slots import Slot
from tests.test_launch_fds import _Launch

VERSION, ERRATA = 1, 2      # LANDLOCK_CREATE_RULESET_VERSION, _ERRATA (6.15)


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args, 1, 2)


def test_a_version_query_makes_no_descriptor() -> None:
    memory = SimpleNamespace(read=lambda *_a: None)
    for flags, ret in ((VERSION, 6), (ERRATA, 1)):
        assert new_fds(memory, _slot("landlock_create_ruleset", (0, 0, flags)), ret) == []
    # (a ruleset, flags 0: a descriptor)
    assert new_fds(memory, _slot("landlock_create_ruleset", (0x1000, 16, 0)), 7) == [7]


def test_the_honest_version_is_no_descriptor_held_open() -> None:
    files = _Launch()               # 3, 4 and 5 open
    files.memory = SimpleNamespace(read=lambda *_a: None)
    table = files.table
    table.fd_limit, table.open_below = None, 6           # 0..5 proven open
    table.free = {2: 0}                                  # the program closed 2
    files.table = lambda _root, _thread: table           # type: ignore[assignment]
    files.busy = lambda _s, _t: False
    files.pidfd_unsure = lambda _s: False
    check_made(files, _slot("landlock_create_ruleset", (0, 0, VERSION)), 4)   # ABI v4, 6.7

