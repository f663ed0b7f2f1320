"""Round 86's return.maker_args (guardian/maker_flags.py): each descriptor maker's own
argument test (inotify_init1, fanotify_init, fanotify_mark, epoll_create1, eventfd2,
timerfd_create, memfd_create, socket, accept4, signalfd4), epoll_pwait's maxevents,
inotify_add_watch's mask and open_by_handle_at's handle_bytes.  Each refusal sits beside
the answer Linux gives on some 6.1..6.18 version, which passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.maker_flags import check
from guardian.slots import Slot

M = 1 << 64
N = NUMBERS
CLOEXEC, NONBLOCK = 0o2000000, 0o4000
NAME, LONG, HANDLE0, HANDLE12, HANDLE129, GONE = 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000
MEMORY = {NAME: b"x\0" + b"a" * 300, LONG: b"a" * 300 + b"\0",
          HANDLE0: b"\0\0\0\0", HANDLE12: (12).to_bytes(4, "little"),
          HANDLE129: (129).to_bytes(4, "little")}


def _read(addr: int, n: int) -> bytes | None:
    data = MEMORY.get(addr)
    return None if data is None else data[:n]


def _slot(nr: str | int, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr] if isinstance(nr, str) else nr,
                args + (0,) * (6 - len(args)), 1, 2)


@pytest.mark.parametrize("nr,args", [
    ("inotify_init1", (0,)), ("inotify_init1", (CLOEXEC | NONBLOCK,)),
    ("fanotify_init", (0x4000 | 0x1, 0)),                 # FAN_REPORT_MNT (6.14+)
    ("fanotify_mark", (3, 0x111, 1, -100 % M, 0)),        # FAN_MARK_MNTNS (6.14+)
    ("epoll_create1", (CLOEXEC,)), ("eventfd2", (0, CLOEXEC | NONBLOCK | 1)),
    ("timerfd_create", (1, CLOEXEC)), ("timerfd_create", (9, 0)),   # BOOTTIME_ALARM
    ("memfd_create", (NAME, 0x1F)),                       # MFD_NOEXEC_SEAL, MFD_EXEC (6.3+)
    ("memfd_create", (NAME, 0x4 | 21 << 26)),             # MFD_HUGETLB | MFD_HUGE_2MB
    ("memfd_create", (GONE, 0)),                          # the name not read: not judged
    ("socket", (1, 1 | CLOEXEC | NONBLOCK, 0)), ("socket", (1, 1 | 1 << 40, 0)),
    ("accept4", (3, 0, 0, CLOEXEC)), ("signalfd4", (-1 % M, 0x100, 8, NONBLOCK)),
    ("epoll_pwait", (4, 0x100, 1, 0, 0, 8)), (441, (4, 0x100, 1 << 32 | 1, 0, 0, 8)),
    ("inotify_add_watch", (3, NAME, 0x100)), ("inotify_add_watch", (3, NAME, 0x8000_0000)),
    ("open_by_handle_at", (-100 % M, HANDLE12, 0)), ("open_by_handle_at", (-100 % M, GONE, 0)),
])
def test_maker_args_linux_gives_pass(nr: str | int, args: tuple[int, ...]) -> None:
    check(_slot(nr, args), 5, _read)


@pytest.mark.parametrize("nr,args", [
    ("inotify_init1", (1,)),                              # AL-015
    ("fanotify_init", (0x8000_0000, 0)),                  # AL-016
    ("fanotify_mark", (3, 0x8000_0000, 1, -100 % M, 0)),  # AL-028
    ("epoll_create1", (1,)), ("eventfd2", (0, 2)),        # AL-029, AL-030
    ("timerfd_create", (99, 0)), ("timerfd_create", (1, 1)),     # AL-032
    ("memfd_create", (NAME, 0x100)),                      # AL-033
    ("memfd_create", (NAME, 0x20 | 21 << 26)),            # huge bits without MFD_HUGETLB
    ("memfd_create", (LONG, 0)),                          # AL-041
    ("socket", (1, 1 | 0x10, 0)),                         # AL-035
    ("accept4", (3, 0, 0, 1)),                            # AL-036
    ("signalfd4", (-1 % M, 0x100, 8, 1)),                 # AL-039
    ("epoll_pwait", (4, 0x100, 0, 0, 0, 8)),              # AL-012
    ("epoll_pwait", (4, 0x100, -1 % M, 0, 0, 8)), (441, (4, 0x100, 1 << 27, 0, 0, 8)),
    ("inotify_add_watch", (3, NAME, 0)),                  # AL-014
    ("inotify_add_watch", (3, NAME, 0x3000_0001)),        # IN_MASK_ADD | IN_MASK_CREATE
    ("open_by_handle_at", (-100 % M, HANDLE0, 0)),        # AL-018
    ("open_by_handle_at", (-100 % M, HANDLE129, 0)),
])
def test_maker_args_refused(nr: str | int, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.maker_args|-EINVAL"):
        check(_slot(nr, args), 5, _read)
