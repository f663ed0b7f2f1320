"""`return.pidfd_args`: pidfd_open() and pidfd_getfd() never succeed with arguments their
SYSCALL_DEFINE refuses before looking anything up.

kernel/pid.c, every 6.x version:
- SYSCALL_DEFINE2(pidfd_open): flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD) -EINVAL (6.1-6.8
  know PIDFD_NONBLOCK alone: a stricter rule, so PIDFD_THREAD is let through), then pid <= 0
  -EINVAL; flags is an unsigned int, pid a pid_t (the low 32 bits of each register).
- SYSCALL_DEFINE3(pidfd_getfd): flags != 0 -EINVAL, first of all (an unsigned int).
The arguments are registers: nothing another thread does changes them.
"""

from __future__ import annotations

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.slots import Slot

_NR_PIDFD_OPEN = NUMBERS["pidfd_open"]
_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
CALLS = frozenset((_NR_PIDFD_OPEN, _NR_PIDFD_GETFD))
#: PIDFD_NONBLOCK (O_NONBLOCK, 04000 on arm64) | PIDFD_THREAD (O_EXCL, 0200; 6.9+)
_PIDFD_OPEN_FLAGS = 0o4000 | 0o200


def check(slot: Slot, ret: int) -> None:
    """The program's pidfd_open / pidfd_getfd in `slot` answered `ret` (not an error)."""
    a, why = slot.args, ""
    if slot.nr == _NR_PIDFD_GETFD and a[2] & 0xFFFF_FFFF:
        why = f"pidfd_getfd with flags {a[2] & 0xFFFF_FFFF:#x} (flags != 0: -EINVAL)"
    elif slot.nr == _NR_PIDFD_OPEN and a[1] & 0xFFFF_FFFF & ~_PIDFD_OPEN_FLAGS:
        why = (f"pidfd_open with flags {a[1] & 0xFFFF_FFFF:#x} (past PIDFD_NONBLOCK | "
               "PIDFD_THREAD: -EINVAL)")
    elif slot.nr == _NR_PIDFD_OPEN and (a[0] & 0xFFFF_FFFF == 0 or a[0] & 0x8000_0000):
        pid = (a[0] & 0xFFFF_FFFF) - ((a[0] & 0x8000_0000) << 1)
        why = f"pidfd_open of pid {pid} (pid <= 0: -EINVAL)"
    if why:
        refuse("return.pidfd_args", Status.ERR_DENIED, f"{why} answered {ret:#x}")
