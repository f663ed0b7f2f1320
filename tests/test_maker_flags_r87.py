"""Round 87's widening of return.maker_args (guardian/maker_flags.py): the flag and struct
tests userfaultfd, fspick, landlock_create_ruleset, fsopen, fsmount, open_tree, move_mount,
mount_setattr, pidfd_send_signal and timerfd_settime make before any look-up.  Each
refusal sits beside the answer Linux gives on some 6.1..6.18 version, which passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.maker_flags import check
from guardian.slots import Slot

M = 1 << 64
N = NUMBERS
CLOEXEC, NONBLOCK = 0o2000000, 0o4000
AT_FDCWD = -100 % M


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)


@pytest.mark.parametrize("nr,args", [
    ("userfaultfd", (CLOEXEC | NONBLOCK | 1,)),            # UFFD_USER_MODE_ONLY
    ("fspick", (AT_FDCWD, 0x100, 0xF)),
    ("landlock_create_ruleset", (0, 0, 2)),                # _ERRATA (6.15+)
    ("fsopen", (0x100, 1)), ("fsmount", (3, 1, 0x200000 | 0x100000 | 0xFF)),
    ("open_tree", (AT_FDCWD, 0x100, 0x8000 | 1 | CLOEXEC | 0x1000 | 0x800 | 0x100)),
    ("open_tree", (AT_FDCWD, 0x100, 0x8000 | 2)),          # a newer OPEN_TREE_* bit
    ("move_mount", (3, 0x100, 4, 0x100, 0x377)),           # MOVE_MOUNT_BENEATH (6.5+)
    ("mount_setattr", (AT_FDCWD, 0x100, 0x9900, 0x200, 32)),
    ("mount_setattr", (AT_FDCWD, 0x100, 0, 0x200, 0x10000)),    # a 64K-page kernel
    ("pidfd_send_signal", (3, 0, 0, 4)),                   # PIDFD_SIGNAL_PROCESS_GROUP
    ("timerfd_settime", (3, 3, 0x200, 0)),
])
def test_maker_args_r87_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    check(_slot(nr, args), 5, lambda a, n: None)


@pytest.mark.parametrize("nr,args", [
    ("userfaultfd", (0x100,)),                             # AO-001
    ("fspick", (AT_FDCWD, 0x100, 0x100)),                  # AO-002
    ("landlock_create_ruleset", (0, 0, 0x80)),             # AO-004
    ("fsopen", (0x100, 0x100)),                            # AO-006
    ("fsmount", (3, 0x100, 0)),                            # AO-007
    ("open_tree", (AT_FDCWD, 0x100, 0x4000000)),           # AO-008
    ("move_mount", (M - 1, 0x100, M - 1, 0x100, 0x10000)),  # AO-010
    ("mount_setattr", (AT_FDCWD, 0x100, 0x2, 0x200, 32)),  # AO-011
    ("pidfd_send_signal", (3, 0, 0, 0x10)),                # AO-012
    ("timerfd_settime", (3, 0x10, 0x200, 0)),              # AO-014
    ("mount_setattr", (AT_FDCWD, 0x100, 0, 0x200, 16)),    # AO-028
    ("mount_setattr", (AT_FDCWD, 0x100, 0, 0x200, 0x10001)),  # -E2BIG on every page size
    ("open_tree", (AT_FDCWD, 0x100, 0x8000)),              # AO-029
    ("fsmount", (3, 0, 0x40000000)),                       # AO-030
])
def test_maker_args_r87_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.maker_args|-EINVAL|-E2BIG"):
        check(_slot(nr, args), 5, lambda a, n: None)


def test_maker_args_r87_filter_may_answer() -> None:
    check(_slot("fsopen", (0x100, 0x100)), 5, lambda a, n: None, lambda: True)
