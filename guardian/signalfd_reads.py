"""What a signalfd read's count says of the records it copied and the signals it took.

signalfd_read_iter() dequeues one signal of the descriptor's mask, copies its record
(signalfd_copyinfo()), and goes on while room for another is left; a record whose copy
faults ends the loop -- its signal dequeued and lost -- and the read returns "total ?
total : ret": the records copied, or the error where there were none.  So:

- `return.signalfd_copied`: a read that wrote a whole first record at the buffer's start
  never fails; nor does one fail with -EFAULT where that first record's copy cannot fault
  (its 128 bytes mapped writable, nothing in flight that may unmap them, and the whole
  buffer below each TASK_SIZE_MAX its mapped first record allows: vfs_read()'s
  access_ok()) -- `check_failed_read`;
- a read that returned with room for one more record may have lost a signal of its mask
  that way: what pending_order.py knew pending of the mask ends (`forget_lost`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from abi import Status
from guardian.checks import refuse
from guardian.read_counts import cannot_fault

if TYPE_CHECKING:
    from guardian.pending_order import Pending
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

SIGINFO_SIZE = 128               # struct signalfd_siginfo
EFAULT_RESULT = (-14) & 0xFFFF_FFFF_FFFF_FFFF
#: arm64's VA_BITS choices: access_ok() holds a user range below 1 << VA_BITS
_VA_BITS = (36, 39, 42, 47, 48, 52)


def _task_size_floor(mapped_end: int) -> int:
    """The least 1 << VA_BITS of an arm64 kernel under which [.., mapped_end) can be user
    memory (each VA_BITS choice's TASK_SIZE_MAX)."""
    return min(1 << v for v in _VA_BITS if 1 << v >= mapped_end) if mapped_end <= 1 << 52 else 0


def check_failed_read(memory: UserMemory, others: Iterable[Slot], slot: Slot,
                      ret: int) -> None:
    """A read (buffer args[1], count args[2]) of a signalfd the program made failed with
    `ret`: refuse it where its first record was copied, or could not fault."""
    buf, count = slot.args[1], slot.args[2]
    if count < SIGINFO_SIZE:
        return
    end = buf
    for lo, hi in sorted(slot.written):
        if lo <= end < hi:
            end = hi
    if end - buf < SIGINFO_SIZE and not (
            ret == EFAULT_RESULT and buf + count <= _task_size_floor(buf + SIGINFO_SIZE)
            and cannot_fault(memory, slot, others, [(buf, SIGINFO_SIZE)])):
        return
    refuse("return.signalfd_copied", Status.ERR_DENIED,
           f"a read of the program's signalfd fails ({ret - (1 << 64)}) though its first "
           f"{SIGINFO_SIZE}-byte record was copied, or could not fault: "
           "signalfd_read_iter() returns the records it copied (\"total ? total : ret\")")


def forget_lost(view: dict[int, Pending], mask: int, ret: int, asked: int) -> None:
    """A read that took `ret` bytes of the `asked` room: with room for one more record,
    the signals of `mask` that `view` still knows pending may have lost one (which one
    is not known): they are known no more."""
    if ret + SIGINFO_SIZE <= asked:
        for signo in [n for n in view if mask >> (n - 1) & 1]:
            del view[signo]
