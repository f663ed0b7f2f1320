"""Round 89's rules (guardian/maker_kinds.py): return.fcntl_kind -- fcntl(F_NOTIFY) with
events of a file no directory (fcntl_dirnotify() -ENOTDIR) and fcntl(F_SETLEASE) of a file
no regular file (generic_setlease() -EINVAL), each on a file a fixed-kind maker made --
and return.maker_kind's fanotify_mark of no fanotify group (do_fanotify_mark() -EINVAL).
Each refusal sits beside the answer Linux gives, which passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.maker_kinds import check
from guardian.open_files import OpenFile
from guardian.slots import Slot

N = NUMBERS
F_SETLEASE, F_NOTIFY, F_GETFL, F_RDLCK = 1024, 1026, 3, 0
DN_MODIFY, DN_MULTISHOT = 0x2, 0x8000_0000
TABLE = {
    3: OpenFile(path="/tmp/dir"),                       # by name: may be a directory
    4: OpenFile(maker=N["eventfd2"]),
    5: OpenFile(maker=N["pipe2"]),
    6: OpenFile(maker=N["memfd_create"]),               # a shmem regular file
    7: OpenFile(maker=N["fanotify_init"]),
    8: OpenFile(),                                      # kind not known
    9: OpenFile(maker=N["socket"]),
    10: OpenFile(maker=N["pidfd_open"]),                # pidfs: S_IFREG from 6.9
    11: OpenFile(maker=N["timerfd_create"]),            # anon: S_IFREG on 6.15.0..6.15.5
}


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)


def _kind(nr: str, args: tuple[int, ...], steady: bool = True,
          filtered: bool = False) -> None:
    check(_slot(nr, args), 0, TABLE.get, lambda: steady, lambda: filtered)


@pytest.mark.parametrize("nr,args", [
    ("fcntl", (4, F_NOTIFY, 0)),                        # dnotify_flush(): 0 on any file
    ("fcntl", (4, F_NOTIFY, DN_MULTISHOT)),             # no events either
    ("fcntl", (4, F_NOTIFY, DN_MODIFY << 32)),          # high half only: an unsigned int arg, 0
    ("fcntl", (3, F_NOTIFY, DN_MODIFY)),                # a name may be a directory
    ("fcntl", (8, F_NOTIFY, DN_MODIFY)),
    ("fcntl", (3, F_SETLEASE, F_RDLCK)), ("fcntl", (8, F_SETLEASE, F_RDLCK)),
    ("fcntl", (6, F_SETLEASE, F_RDLCK)),                # a memfd is a regular file
    # a root caller's lease on a pidfs inode (6.9+: F_WRLCK, its one writer) or an anon
    # inode (6.15.0..6.15.5: F_RDLCK, no writer) -- vfs_setlease() finds S_IFREG, uid 0
    ("fcntl", (10, F_SETLEASE, 1)), ("fcntl", (4, F_SETLEASE, F_RDLCK)),
    ("fcntl", (11, F_SETLEASE, F_RDLCK)),
    ("fcntl", (4, F_GETFL, 0)), ("fcntl", (5, F_GETFL, 0)),
    ("fanotify_mark", (7, 1, 2, -100 % (1 << 64), 0)),
    ("fanotify_mark", (8, 1, 2, -100 % (1 << 64), 0)),
])
def test_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    _kind(nr, args)


@pytest.mark.parametrize("nr,args,name", [
    ("fcntl", (4, F_NOTIFY, DN_MODIFY), "return.fcntl_kind"),            # AT-016
    ("fcntl", (6, F_NOTIFY, DN_MODIFY | DN_MULTISHOT), "return.fcntl_kind"),
    ("fcntl", (5, F_SETLEASE, F_RDLCK), "return.fcntl_kind"),            # AT-017
    ("fcntl", (9, F_SETLEASE, 2), "return.fcntl_kind"),                  # F_UNLCK too
    ("fanotify_mark", (4, 1, 2, -100 % (1 << 64), 0), "return.maker_kind"),   # AT-023
    ("fanotify_mark", (3, 1, 2, -100 % (1 << 64), 0), "return.maker_kind"),
])
def test_refused(nr: str, args: tuple[int, ...], name: str) -> None:
    with pytest.raises(Refused) as err:
        _kind(nr, args)
    assert err.value.check == name
    _kind(nr, args, steady=False)                       # another thread may have dup2()ed
    _kind(nr, args, filtered=True)                      # a filter may have answered
