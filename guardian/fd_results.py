"""What a syscall's result says about the program's descriptors.

The descriptors a successful call made (its return value, or the pair pipe2 and
socketpair wrote into the program's memory; a clone's CLONE_PIDFD pidfd), and whether reading a descriptor may
install more (a fanotify descriptor, or one the Guardian does not know).  Descriptor
numbers are C ints: a 64-bit argument register is read as its low 32 bits, signed.
"""

from __future__ import annotations

import struct

from abi.descriptors import (
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    NEW_FD_PAIR,
    NEW_FD_RESULT,
    NR_DUP3,
    NR_FCNTL,
    NR_SIGNALFD4,
)
from abi.layout import NR_CLONE, NR_CLONE3
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn
from guardian.open_files import FileTable
from guardian.side_fds import side_fds
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_NR_LANDLOCK_CREATE_RULESET = NUMBERS["landlock_create_ruleset"]


def s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def reads_make_fds(table: FileTable, fd: int) -> bool:
    """Whether a read of `fd` may install descriptors: a fanotify one, or one the
    Guardian does not know (inherited)."""
    f = table.fds.get(s32(fd))
    return f is None or f.reads_make_fds


def new_fds(memory: UserMemory, slot: Slot, ret: int) -> list[int]:
    """The descriptors a successful call says it made (read from the program's memory
    for pipe2/socketpair)."""
    nr, a = slot.nr, slot.args
    if nr in (NR_CLONE, NR_CLONE3):
        # CLONE_PIDFD: the pidfd copy_process() installed, its number in the program's word
        return side_fds(lambda va, n: memory.read(va, n, slot.root), nr, a, ret)
    if nr == _NR_LANDLOCK_CREATE_RULESET and a[2] & 0xFFFF_FFFF:
        # SYSCALL_DEFINE3(landlock_create_ruleset): LANDLOCK_CREATE_RULESET_VERSION answers
        # the ABI version, _ERRATA (6.15) a bit mask, any other flag -EINVAL: no descriptor
        return []
    if nr in NEW_FD_RESULT or nr == NR_DUP3 or (nr == NR_SIGNALFD4 and s32(a[0]) == -1) \
            or (nr == NR_FCNTL and a[1] & 0xFFFF_FFFF in (F_DUPFD, F_DUPFD_CLOEXEC)):
        return [ret]
    if nr in NEW_FD_PAIR and ret == 0:
        va = a[NEW_FD_PAIR[nr]]
        raw = memory.read(va, 8, slot.root)
        if raw is None:
            missing = memory.first_missing(va, 8, False)
            raise FaultIn(va if missing is None else missing)
        return list(struct.unpack("<ii", raw))
    return []
