"""`return.ready_uninterrupted`: ppoll and pselect6 with a descriptor surely ready answer
its count, never -EINTR.

do_poll() and do_select() poll every descriptor asked on their first pass, before they
look at signal_pending(): do_poll() turns a pending signal into -ERESTARTNOHAND only
"if (!count)", and core_sys_select() only where do_select() found nothing ready
(retval 0).  So a pending signal the call's mask unblocks, even one set_user_sigmask()
made pending, never ends a poll that finds a descriptor ready on that first pass: it
answers the count and restore_saved_sigmask_unless(false) puts the old mask back.

The Guardian knows a descriptor ready only where it follows the object behind it
(sole_held.py): the read end (or a reopening for reading) of a pipe only the program
holds, or an end of its own socketpair, asked for POLLIN (ppoll) or in the read set
(pselect6) as the entry read them, with bytes waiting that went in before the call
entered and none taken since (pipe_poll() and unix_poll() report EPOLLIN for a
non-empty pipe or receive queue) -- and no other call on that object, no unfollowed
mover of the domain, no close in flight.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import EINTR_RESULT
from abi.syscalls import NUMBERS
from guardian import pipe_bytes, sole_streams
from guardian.checks import refuse
from guardian.pipe_bytes import Fifo
from guardian.poll_open import close_in_flight

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR_PPOLL, _NR_PSELECT6 = NUMBERS["ppoll"], NUMBERS["pselect6"]
#: The calls `check` judges.
CALLS = frozenset({_NR_PPOLL, _NR_PSELECT6})
_POLLIN_ASKED = sole_streams.POLLIN | sole_streams.POLLRDNORM
_MAX_NFDS = 1 << 20
_POLLFD = struct.Struct("<ihh")             # struct pollfd: fd, events, revents


def _asked_readable(slot: Slot) -> list[int]:
    """The descriptors the call asked to be readable, as its entry read them."""
    a = slot.args
    if slot.nr == _NR_PPOLL:
        nfds = a[1] & 0xFFFF_FFFF
        raw = slot.asked.get(a[0]) if a[0] and 0 < nfds <= _MAX_NFDS else None
        if raw is None:
            return []
        fds = (_POLLFD.unpack_from(raw, i * _POLLFD.size)
               for i in range(len(raw) // _POLLFD.size))
        return [fd for fd, events, _ in fds if fd >= 0 and events & _POLLIN_ASKED]
    nfds = a[0] & 0xFFFF_FFFF
    raw = slot.asked.get(a[1]) if a[1] and 0 < nfds <= _MAX_NFDS else None
    if raw is None:
        return []
    bits = int.from_bytes(raw, "little") & ((1 << nfds) - 1)
    return [fd for fd in range(nfds) if bits >> fd & 1]


def _surely_readable(sole: SoleHeld, slot: Slot, fd: int) -> bool:
    end = sole.files.description_of(slot, fd)
    obj = sole.by_file.get(end) if end is not None else None
    if isinstance(obj, Fifo):
        return obj.reads(end) and bool(obj.waiting) and obj.filled_at <= slot.id and \
            obj.emptied_at <= slot.id and not sole.busy(slot, obj, pipe_bytes.MOVING | pipe_bytes.CALLS)
    return obj is not None and sole_streams.waiting_throughout(sole, slot, end)[0]


def check(sole: SoleHeld, slot: Slot, ret: int) -> None:
    """A ppoll or pselect6 answered -EINTR: no descriptor it asked to be readable was
    surely readable throughout."""
    if ret != EINTR_RESULT or slot.nr not in CALLS or not sole.by_file or \
            sole.unsettled(slot) or \
            close_in_flight(slot, sole.files.admission.registry.slots.values()):
        return
    for fd in _asked_readable(slot):
        if _surely_readable(sole, slot, fd):
            refuse("return.ready_uninterrupted", Status.ERR_DENIED,
                   f"syscall {slot.nr} answers -EINTR though descriptor {fd}, asked to be "
                   "readable, had bytes waiting from before it entered until it returned: "
                   "do_poll()/do_select() count it on their first pass and look at "
                   "signal_pending() only when nothing is ready")
