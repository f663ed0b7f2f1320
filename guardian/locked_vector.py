"""`return.process_madvise_locked`: process_madvise() of the caller's own mm (a PIDFD_SELF_*
pidfd) applies each iovec's advice as madvise() does, so an advice Linux refuses on a
VM_LOCKED area (locked_ranges.LOCK_REFUSES) stops at the first iovec with a page the
program locked: vector_madvise() advances past an iovec only once do_madvise() (6.13+:
madvise_do_behavior()) succeeded on it, and answers the bytes of the iovecs before the
one that failed (or the error where none went through).

Judged only where the Guardian's record of the locks is sure (as `return.mm_area_refused`:
no call of the space that may map or unlock in flight, none returned since the entry) and
the iovec array lay as import_iovec() copied it through the call.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

from abi import Status
from abi.layout import UIO_MAXIOV, untagged_addr
from guardian.checks import refuse
from guardian.locked_ranges import LOCK_REFUSES, UNLOCKING
from guardian.slots import PAGE, Slot, Space
from guardian.unmapped_holes import MAPPING_CALLS
from guardian.user_memory import UserMemory

#: pidfd_get_task(): PIDFD_SELF_THREAD, PIDFD_SELF_THREAD_GROUP (6.15), -20000 (6.14)
_SELF = frozenset((-10000, -10001, -20000))
_IOVEC = 16
_U64 = 1 << 64
#: include/linux/fs.h: INT_MAX & PAGE_MASK, the most bytes import_iovec() keeps
MAX_RW_COUNT = 0x7FFF_FFFF & ~(PAGE - 1)


def bound(memory: UserMemory, space: Space, slot: Slot, others: Iterable[Slot],
          quiet: Callable[[list[tuple[int, int, int]]], bool]) -> int | None:
    """The most bytes Linux may answer for the process_madvise in `slot` (None: no bound
    known)."""
    a = slot.args
    advice, cnt = a[3] & 0xFFFF_FFFF, a[2]
    if (a[0] & 0xFFFF_FFFF) - (1 << 32) not in _SELF or advice not in LOCK_REFUSES \
            or not 0 < cnt <= UIO_MAXIOV or slot.id < space.area_mark or not space.locked:
        return None
    if any(o.id != slot.id and o.root == slot.root and (o.nr in MAPPING_CALLS or o.nr in
                                                         UNLOCKING) for o in others):
        return None
    raw = memory.read(a[1], cnt * _IOVEC, slot.root)
    if raw is None or not quiet([(slot.root, a[1], a[1] + cnt * _IOVEC)]):
        return None
    done = 0
    for i in range(cnt):
        base, length = struct.unpack_from("<QQ", raw, i * _IOVEC)
        if length >> 63:
            return None                 # (iovec_from_user(): -EINVAL)
        # iovec_from_user() cuts the lengths at MAX_RW_COUNT in all; the rest is dropped
        length = min(length, MAX_RW_COUNT - done)
        if not length:
            continue
        start = untagged_addr(base)
        end = min(start + ((length + PAGE - 1) & ~(PAGE - 1)), _U64)
        if any(s < end and start < e for s, e in space.locked):
            return done
        done += length
    return None


def check(memory: UserMemory, space: Space | None, slot: Slot, ret: int,
          others: Iterable[Slot],
          quiet: Callable[[list[tuple[int, int, int]]], bool]) -> None:
    """`return.process_madvise_locked`: no more bytes than the iovecs before the first
    with a locked page."""
    if space is None:
        return
    most = bound(memory, space, slot, list(others), quiet)
    if most is not None and ret > most:
        refuse("return.process_madvise_locked", Status.ERR_DENIED,
               f"process_madvise answered {ret:#x} for advice {slot.args[3] & 0xFFFF_FFFF} "
               f"past {most:#x} bytes: the next iovec holds a page the program locked "
               "(-EINVAL)")
