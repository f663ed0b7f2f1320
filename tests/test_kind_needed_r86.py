"""Round 86's return.kind_needed (guardian/kind_needed.py): epoll_pwait, epoll_ctl,
inotify_add_watch, listen and accept4 on a descriptor the Guardian knows is of another
kind.  Each refusal sits beside the answer Linux gives, which passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.kind_needed import check
from guardian.open_files import OpenFile
from guardian.slots import Slot

N = NUMBERS
EP = OpenFile(maker=N["epoll_create1"])
TABLE = {
    3: OpenFile(path="/dev/null"),
    4: EP, 5: OpenFile(description=EP.description, maker=N["epoll_create1"]),  # a dup of 4
    6: OpenFile(maker=N["inotify_init1"]),
    7: OpenFile(maker=N["socketpair"], sock=(1, 1, 100)),
    8: OpenFile(maker=N["socket"], sock=(1, 1, 0)),
    9: OpenFile(maker=N["pipe2"]),
    10: OpenFile(path="/proc/self/fd/4"),       # a magic link: any kind
    11: OpenFile(),                             # received or inherited: kind not known
    12: OpenFile(maker=N["socketpair"], sock=(1, 2, 100)),      # a datagram pair end
}


def _slot(nr: str | int, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr] if isinstance(nr, str) else nr,
                args + (0,) * (6 - len(args)), 1, 2)


def _check(nr: str | int, args: tuple[int, ...]) -> None:
    check(_slot(nr, args), 0, TABLE.get)


@pytest.mark.parametrize("nr,args", [
    ("epoll_pwait", (4, 0x100, 1, 0, 0, 8)), (441, (4, 0x100, 1, 0, 0, 8)),
    ("epoll_pwait", (10, 0x100, 1, 0, 0, 8)), ("epoll_pwait", (11, 0x100, 1, 0, 0, 8)),
    ("epoll_ctl", (4, 1, 9, 0x100)),            # a pipe end: pipe_poll
    ("epoll_ctl", (4, 1, 6, 0x100)), ("epoll_ctl", (4, 1, 11, 0x100)),
    ("epoll_ctl", (4, 1, 10, 0x100)),           # /proc/self/fd/4 may be anything
    ("epoll_ctl", (11, 1, 9, 0x100)),
    ("inotify_add_watch", (6, 0x100, 0x100)), ("inotify_add_watch", (11, 0x100, 0x100)),
    ("listen", (8, 1)), ("accept4", (8, 0, 0, 0)), ("accept", (11, 0, 0)),
])
def test_kind_needed_linux_gives_pass(nr: str | int, args: tuple[int, ...]) -> None:
    _check(nr, args)


@pytest.mark.parametrize("nr,args", [
    ("epoll_pwait", (3, 0x100, 1, 0, 0, 8)),    # AL-025
    (441, (9, 0x100, 1, 0, 0, 8)),
    ("epoll_ctl", (4, 1, 4, 0x100)),            # AL-013
    ("epoll_ctl", (4, 1, 5, 0x100)),            # a dup: one struct file
    ("epoll_ctl", (4, 1, 3, 0x100)),            # AL-024: /dev/null has no ->poll
    ("epoll_ctl", (4, 2, 3, 0)),                # EPOLL_CTL_DEL too
    ("epoll_ctl", (9, 1, 6, 0x100)),            # a pipe is no epoll
    ("inotify_add_watch", (3, 0x100, 0xFFF)),   # AL-026
    ("inotify_add_watch", (4, 0x100, 0xFFF)),
    ("accept4", (7, 0, 0, 0)), ("accept", (12, 0, 0)),      # AL-042
    ("listen", (7, 1)), ("listen", (12, 1)),                # AL-043
])
def test_kind_needed_refused(nr: str | int, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.kind_needed|-EINVAL|-EPERM"):
        _check(nr, args)


def test_kind_needed_not_steady_passes() -> None:
    """Another thread may have closed and reopened the number during the call: the file
    Linux looked up is not known, so nothing is refused."""
    check(_slot("epoll_ctl", (4, 1, 3, 0x100)), 0, TABLE.get, lambda: False)
    check(_slot("listen", (7, 1)), 0, TABLE.get, lambda: False)
