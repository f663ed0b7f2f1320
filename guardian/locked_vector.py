"""`return.process_madvise_locked`: process_madvise() of the caller's own mm (a PIDFD_SELF_*
pidfd, or a pidfd pidfd_open() made for the caller's own pid: pidfd_get_task()) applies each iovec's advice as madvise() does (6.13+: any advice
madvise_behavior_valid() takes; before, process_madvise_behavior_valid()'s few, a
subset), so it stops at the first iovec madvise() fails: for its arguments (an advice
no version knows, an unaligned start -- a leading empty iovec's too, which no advance
stepped over: refused_args.mm_refused()) or its areas (a hole,
an advice Linux refuses on a VM_LOCKED area (locked_ranges.LOCK_REFUSES) over a page the
program locked, MADV_FREE of a shared area: area_state.refused()).  vector_madvise()
advances past an iovec only once do_madvise() (6.13+: madvise_do_behavior()) succeeded
on it, and answers the bytes of the iovecs before the one that failed (or the error
where none went through).

Judged only where the Guardian's record of the areas is sure (as `return.mm_area_refused`:
no call of the space that may map or unlock in flight, none returned since the entry) and
the iovec array lay as import_iovec() copied it through the call.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import replace

from abi import Status
from abi.layout import UIO_MAXIOV
from abi.syscalls import NUMBERS
from guardian.area_state import refused
from guardian.checks import refuse
from guardian.refused_args import mm_refused
from guardian.slots import PAGE, Slot, Space
from guardian.unmapped_holes import MAPPING_CALLS
from guardian.user_memory import UserMemory

#: pidfd_get_task(): PIDFD_SELF_THREAD, PIDFD_SELF_THREAD_GROUP (6.15), -20000 (6.14)
_SELF = frozenset((-10000, -10001, -20000))
_IOVEC = 16
#: include/linux/fs.h: INT_MAX & PAGE_MASK, the most bytes import_iovec() keeps
MAX_RW_COUNT = 0x7FFF_FFFF & ~(PAGE - 1)
_MADVISE = NUMBERS["madvise"]


def _refused(space: Space, slot: Slot, others: list[Slot], base: int, length: int,
             advice: int) -> str:
    """Why madvise(base, length, advice) of the caller's mm fails ('': it may succeed):
    do_madvise()'s own argument rules (refused_args.mm_refused()), then its areas'
    (area_state.refused(): a hole, a locked page, MADV_FREE of a shared area)."""
    args = (base, length, advice, 0, 0, 0)
    return mm_refused(space, _MADVISE, args) or \
        refused(space, replace(slot, nr=_MADVISE, args=args), others)


def bound(memory: UserMemory, space: Space, slot: Slot, others: Iterable[Slot],
          quiet: Callable[[list[tuple[int, int, int]]], bool],
          own: bool = False) -> tuple[int, str] | None:
    """The most bytes Linux may answer for the process_madvise in `slot`, and why the
    iovec after them fails (None: no bound known); `own`: its pidfd is one pidfd_open()
    made for the caller's own pid (pidfd_get_task() -> the caller's mm)."""
    a = slot.args
    advice, cnt = a[3] & 0xFFFF_FFFF, a[2]
    if not own and (a[0] & 0xFFFF_FFFF) - (1 << 32) not in _SELF or not 0 < cnt <= UIO_MAXIOV \
            or slot.id < space.area_mark:
        return None
    others = list(others)
    if any(o.id != slot.id and o.root == slot.root and o.nr in MAPPING_CALLS
           for o in others):
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
        if not length and i == 0 and base % PAGE:
            # no advance before the first iovec: vector_madvise() hands it to madvise as
            # it stands, and do_madvise() (6.15: madvise_should_skip()) checks the start
            return 0, f"the leading empty iovec's unaligned start {base:#x} (-EINVAL)"
        if not length:      # (iov_iter_advance() steps over it; at the start: aligned)
            continue
        why = _refused(space, slot, others, base, length, advice)
        if why:
            return done, why
        done += length
    return None


def check(memory: UserMemory, space: Space | None, slot: Slot, ret: int,
          others: Iterable[Slot],
          quiet: Callable[[list[tuple[int, int, int]]], bool], own: bool = False) -> None:
    """`return.process_madvise_locked`: no more bytes than the iovecs before the first
    madvise fails (`own`: as bound()'s)."""
    if space is None:
        return
    found = bound(memory, space, slot, list(others), quiet, own)
    if found is not None and ret > found[0]:
        refuse("return.process_madvise_locked", Status.ERR_DENIED,
               f"process_madvise answered {ret:#x} for advice {slot.args[3] & 0xFFFF_FFFF} "
               f"past {found[0]:#x} bytes: madvise fails the next iovec for {found[1]}")
