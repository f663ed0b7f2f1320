"""`return.pair_glue`: with credentials passing, a stream receive never glues two
processes' bytes.

Linux (net/unix/af_unix.c): a stream send's skbs carry the sending process's credentials
(its thread group's pid, uid, gid) whenever SO_PASSCRED or SO_PASSPIDFD is set on either
end (maybe_add_creds(), unix_passcred_enabled()).  A receive on an end that has the option
set takes the first skb's credentials and stops at the first skb whose credentials differ
(unix_stream_read_generic(): "never glue messages from different writers").  Two
processes' skbs always differ: their pids are two struct pids.

So on a stream pair only the program holds (pair_bytes.py follows each end's bytes), the
Guardian keeps who sent each run of waiting bytes and whether the option was surely set
on an end when it went in (a setsockopt that returned before the send entered, none in
flight, no control data: explicit SCM_CREDENTIALS would be taken as sent).  A receive on
an end whose option was surely set before the receive entered returns bytes of one
sender only where both runs it would join are such runs.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.pair_bytes import Pair
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_SETSOCKOPT = frozenset({NUMBERS["setsockopt"]})


def _on_since(sole: SoleHeld, slot: Slot, pair: Pair, side: int) -> bool:
    """Was SO_PASSCRED or SO_PASSPIDFD surely set on end `side` before the call entered,
    with no setsockopt on the pair in flight?"""
    return bool(pair.creds_on.get(side)) and pair.creds_on_at.get(side, 0) <= slot.id and \
        not sole.busy(slot, pair, _SETSOCKOPT)


def note_send(sole: SoleHeld, slot: Slot, pair: Pair, peer: int, n: int, sender: object,
              plain: bool) -> None:
    """A stream send of `n` bytes by `sender` (root, thread group) went in at end `peer`
    (`plain`: no control data)."""
    if not n:
        return
    sure = plain and (_on_since(sole, slot, pair, 0) or _on_since(sole, slot, pair, 1))
    runs = pair.writers.setdefault(peer, deque())
    if runs and runs[-1][1] == sender and runs[-1][2] == sure:
        runs[-1][0] += n
    else:
        runs.append([n, sender, sure])


def note_taken(pair: Pair, side: int, n: int) -> None:
    """A receive took the first `n` waiting bytes of end `side`."""
    runs = pair.writers.get(side)
    while runs and n > 0:
        if runs[0][0] > n:
            runs[0][0] -= n
            return
        n -= runs.popleft()[0]


def check(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int) -> None:
    """A stream receive of `ret` bytes (no more than wait; no send or other receive on the
    pair in flight) on end `side`."""
    runs = pair.writers.get(side)
    if not runs or ret <= runs[0][0] or len(runs) < 2 or not _on_since(sole, slot, pair, side):
        return
    first, second = runs[0], runs[1]
    if first[1] != second[1] and first[2] and second[2]:
        refuse("return.pair_glue", Status.ERR_DENIED,
               f"a receive on the program's own socketpair returns {ret} bytes, joining "
               f"{first[0]} bytes one process sent to bytes another sent, with SO_PASSCRED "
               "set: Linux's unix_stream_read_generic never glues bytes of different "
               "writers once credentials pass")
