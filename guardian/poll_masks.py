"""The timeouts and signal masks of the polls, as the program passed them at the entry.

Two rules judge a poll's answer by them:

- `return.eintr_handler` (interrupted_waits.py): epoll_pwait with a zero timeout, and
  epoll_pwait2 with a zero timespec, never answer -EINTR -- ep_poll() sets timed_out
  and returns 0 when no event waits, before any signal_pending() check.  epoll_pwait2's
  timespec is user memory: `note_epoll_timeout` keeps it as the entry found it
  (do_epoll_pwait2() copies it once, before the wait).
- `signal.pending_order` (pending_order.py `check_zero_poll`): a poll whose mask
  unblocks a signal known pending at its entry never answers 0 where Linux looks at
  signal_pending() before the timeout can end it -- ppoll and pselect6 with a zero
  timeout (do_poll(), core_sys_select()), and epoll_pwait and epoll_pwait2 with none
  (ep_poll() with no timeout never sets timed_out: no event, signal_pending(): -EINTR).
  `poll_unblocked` names the signals such a mask leaves unblocked.
"""

from __future__ import annotations

import struct

from abi.layout import NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2
from abi.syscalls import NUMBERS
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_NR_PPOLL, _NR_PSELECT6 = NUMBERS["ppoll"], NUMBERS["pselect6"]
#: The polls `poll_unblocked` reads a mask for.
POLLS = frozenset({_NR_PPOLL, _NR_PSELECT6, NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2})
_ALL = (1 << 64) - 1
_TIMESPEC = 16


def note_epoll_timeout(memory: UserMemory, slot: Slot) -> None:
    """Keep epoll_pwait2's timespec as the program passed it (a page the Guardian cannot
    read now is judged without it)."""
    va = slot.args[3]
    if va and va not in slot.asked:
        raw = memory.read(va, _TIMESPEC, slot.root)
        if raw is not None:
            slot.asked[va] = raw


def zero_epoll_timeout(slot: Slot) -> bool:
    """Did this epoll_pwait or epoll_pwait2 ask for a zero timeout (0 ms; {0, 0} as the
    entry read it)?"""
    if slot.nr == NR_EPOLL_PWAIT:
        return slot.args[3] & 0xFFFF_FFFF == 0
    return bool(slot.args[3]) and slot.asked.get(slot.args[3]) == bytes(_TIMESPEC)


def _mask(memory: UserMemory, slot: Slot, ptr: int, size: int) -> int | None:
    """The signals the mask at `ptr` leaves unblocked (None: no mask, or not readable)."""
    raw = memory.read(ptr, 8, slot.root) if ptr and size == 8 else None
    return None if raw is None else ~struct.unpack("<Q", raw)[0] & _ALL


def poll_unblocked(memory: UserMemory, slot: Slot) -> int | None:
    """For a ppoll or pselect6 with a zero timeout, or an epoll_pwait or epoll_pwait2 with
    none, that installs a signal mask: the signals that mask leaves unblocked (None for
    any other call, or where not readable now)."""
    a = slot.args
    if slot.nr == NR_EPOLL_PWAIT:
        none = a[3] & 0xFFFF_FFFF >= 1 << 31      # a negative int: ep_timeout_to_timespec() NULL
        return _mask(memory, slot, a[4], a[5]) if none else None
    if slot.nr == NR_EPOLL_PWAIT2:
        return _mask(memory, slot, a[4], a[5]) if not a[3] else None
    if slot.nr == _NR_PPOLL:
        timeout, mask_ptr, size = a[2], a[3], a[4]
    elif slot.nr == _NR_PSELECT6 and a[5]:
        raw = memory.read(a[5], 16, slot.root)
        if raw is None:
            return None
        timeout, (mask_ptr, size) = a[4], struct.unpack("<QQ", raw)
    else:
        return None
    zero = memory.read(timeout, _TIMESPEC, slot.root) if timeout else None
    return _mask(memory, slot, mask_ptr, size) if zero == bytes(_TIMESPEC) else None


def installs_no_mask(memory: UserMemory, slot: Slot) -> bool:
    """Does this ppoll, pselect6, epoll_pwait or epoll_pwait2 install no signal mask
    (set_user_sigmask(NULL): a NULL sigmask, or pselect6's argument pack naming none, as
    the entry read it)?  It then takes and unblocks nothing: a blocked pending signal
    stays pending across it."""
    a = slot.args
    if slot.nr in (NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2):
        return not a[4]
    if slot.nr == _NR_PPOLL:
        return not a[3]
    if slot.nr != _NR_PSELECT6:
        return False
    if not a[5]:
        return True
    raw = memory.read(a[5], 8, slot.root)
    return raw == bytes(8)

