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
from typing import TYPE_CHECKING, Any

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


def _off(sole: SoleHeld, slot: Slot, pair: Pair, side: int) -> bool:
    """Is neither option surely set on end `side` (none ever set there by a call that
    succeeded, or its last such call cleared them), with no setsockopt on the pair in
    flight?"""
    return not pair.passcred.get(side) and not sole.busy(slot, pair, _SETSOCKOPT)


def note_send(sole: SoleHeld, slot: Slot, pair: Pair, peer: int, n: int, sender: object,
              plain: bool) -> None:
    """A stream send of `n` bytes by `sender` (root, thread group) went in at end `peer`
    (`plain`: no control data), with credentials attached surely (True), surely not
    (False: the option off on both ends, maybe_add_creds() adds none) or maybe (None).
    A run is [length, sender, attached, the pids the sender is known by]."""
    if not n:
        return
    if plain and (_on_since(sole, slot, pair, 0) or _on_since(sole, slot, pair, 1)):
        attached: bool | None = True
    elif plain and _off(sole, slot, pair, 0) and _off(sole, slot, pair, 1):
        attached = False
    else:
        attached = None
    runs = pair.writers.setdefault(peer, deque())
    # (the pids its process is known by now: a fork child reaped before the receive is
    # forgotten by then)
    known = _pids(sole, slot.domain, slot.root) if attached is True else set()
    if runs and runs[-1][1] == sender and runs[-1][2] is attached:
        runs[-1][0] += n
        runs[-1][3] |= known
    else:
        runs.append([n, sender, attached, known])


def _same(a: list[Any], b: list[Any]) -> bool | None:
    """Do two runs' skbs carry equal credentials (unix_skb_scm_eq())?  None: not known."""
    if a[2] is False and b[2] is False:
        return True                     # (no credentials on either: a NULL pid each)
    if a[2] is True and b[2] is True:
        return a[1] == b[1]
    if a[2] is not None and b[2] is not None:
        return False                    # (one with credentials, one without)
    return None


def stops(sole: SoleHeld, slot: Slot, pair: Pair, side: int) -> set[int]:
    """The counts at which a stream receive on end `side` may stop at a change of
    credentials: none where the reading end surely has neither option
    (unix_stream_read_generic() compares credentials only with it set), else each run
    boundary up to the first run whose credentials surely differ from the first run's
    (it compares every skb with the first one's)."""
    runs = pair.writers.get(side)
    if not runs or _off(sole, slot, pair, side):
        return set()
    out: set[int] = set()
    pos = runs[0][0]
    for run in list(runs)[1:]:
        same = _same(runs[0], run)
        if same is not True:
            out.add(pos)
            if same is False:
                break
        pos += run[0]
    return out


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
    if first[1] != second[1] and first[2] is True and second[2] is True:
        refuse("return.pair_glue", Status.ERR_DENIED,
               f"a receive on the program's own socketpair returns {ret} bytes, joining "
               f"{first[0]} bytes one process sent to bytes another sent, with SO_PASSCRED "
               "set: Linux's unix_stream_read_generic never glues bytes of different "
               "writers once credentials pass")


def _pids(sole: SoleHeld, domain: int, root: int) -> set[int]:
    """The pids the process of `root` is known by: what its getpid told it and what a
    fork of another process of the program returned for it (empty: not known)."""
    reg = sole.files.admission.registry
    space = reg.space_of(domain, root)
    told = {p for p in space.pids.values() if p} if space is not None else set()
    process = reg.process_of_root.get(root)
    if process:
        told |= {pid for (_, pid), proc in reg.child_pids.items() if proc == process}
    return told


def check_writer(sole: SoleHeld, slot: Slot, ret: int, pair: Pair, side: int,
                 got: tuple[int, int, int] | None) -> None:
    """`return.unix_creds`: SCM_CREDENTIALS a stream recvmsg reports name the writer of
    the first bytes it returns (scm_set_cred() takes the first skb's): for bytes another
    process of the program sent with credentials surely attached, a pid that process is
    known by; for bytes sent with none attached, pid 0 (a NULL pid)."""
    runs = pair.writers.get(side)
    if got is None or ret <= 0 or not runs or not _on_since(sole, slot, pair, side):
        return
    first = runs[0]
    known = first[3]
    if first[2] is False and got[0] != 0:
        why = f"pid {got[0]}, but its bytes were sent with no credentials attached (pid 0)"
    elif first[2] is True and known and got[0] not in known and got[0] != 0:
        # (0: a writer the reader's pid namespace does not see, pid_vnr())
        why = (f"pid {got[0]}, but the process that wrote its first bytes is known as "
               f"{sorted(known)}")
    else:
        return
    refuse("return.unix_creds", Status.ERR_DENIED,
           f"recvmsg on the program's own AF_UNIX connection reports SCM_CREDENTIALS with "
           f"{why}: unix_stream_read_generic() reports the first skb's credentials, which "
           "maybe_add_creds() gave it from its writer")
