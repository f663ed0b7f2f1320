"""Iago results about the values inside outputs: the ranges and layouts Linux keeps.

`guardian/result_outputs.py` judges *whether* the kernel wrote what a result says it
wrote.  A program also trusts *what* it wrote, as far as Linux's contract goes, and uses
it as an index or a length: a tv_nsec picks a bucket, a CPU number of an affinity mask a
per-CPU slot, a descriptor select() reports ready a record of a table sized by nfds, a
control message's cmsg_len how much it copies.  A value outside the contract sends the
program's index or copy past its table into whatever lies behind it.  What each output
holds is stated in the output contract (abi/outputs: `Fixed.times`, `CpuMask`,
`ReadySets`, `ReadyPolls`, `Message`); the checks are derived from it:

- `return.time_normal`: every time value a call writes as an output is normalised: a
  timespec's tv_nsec (a statx timestamp's too) in [0, 10^9), a timeval's tv_usec in
  [0, 10^6);
- `return.cpu_mask`: the mask sched_getaffinity writes names only the machine's CPUs
  (Linux's mask is of nr_cpu_ids bits; the Guardian knows the machine's CPUs);
- `return.ready_sets`: pselect6's fd_sets written back hold only bits below nfds that
  the program set on entry, and the result is the number of bits set; ppoll's revents
  stay within the events asked (plus POLLERR, POLLHUP, POLLNVAL), a negative fd gets
  none, fd and events are left as they were, and the result counts the entries with
  revents;
- `return.cmsg_layout`: the control messages recvmsg writes back tile the msg_controllen
  it writes back, as put_cmsg lays them out: each header inside it, each cmsg_len at
  least a header and inside it, the next message at the aligned length.

The inputs the ready sets are judged against are read when the call enters
(`note_asked`), before the kernel can write them.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.outputs import SUBSECOND, CpuMask, Fixed, ReadyPolls, ReadySets
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_CMSG_HDR = 16                 # struct cmsghdr: cmsg_len (8), cmsg_level, cmsg_type
_POLLFD = struct.Struct("<ihh")            # struct pollfd: fd, events, revents
_POLL_ALWAYS = 0x8 | 0x10 | 0x20           # POLLERR, POLLHUP, POLLNVAL: never asked for
_MAX_NFDS = 1 << 20                        # past any RLIMIT_NOFILE: Linux answers EINVAL
_NR_PSELECT6, _NR_PPOLL = NUMBERS["pselect6"], NUMBERS["ppoll"]
#: The calls whose inputs `note_asked` keeps for the return.
ASKED_CALLS = frozenset({_NR_PSELECT6, _NR_PPOLL})


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def fdset_bytes(nfds: int) -> int:
    """The bytes of an fd_set of `nfds` bits as Linux copies it: whole longs."""
    return (nfds + 63) // 64 * 8


def _asked_ranges(slot: Slot) -> list[tuple[int, int]]:
    nfds = slot.args[0 if slot.nr == _NR_PSELECT6 else 1] & 0xFFFF_FFFF
    if nfds > _MAX_NFDS:
        return []
    if slot.nr == _NR_PSELECT6:
        n = fdset_bytes(nfds)
        return [(va, n) for va in slot.args[1:4] if va and n]
    return [(slot.args[0], nfds * _POLLFD.size)] if slot.args[0] and nfds else []


def note_asked(memory: UserMemory, slot: Slot) -> None:
    """Keep the fd_sets or pollfds (and pselect6's and ppoll's timeout) as the program
    passed them (a page the Guardian cannot read now -- swapped out -- is judged without
    its inputs)."""
    for va, n in _asked_ranges(slot):
        raw = memory.read(va, n, slot.root)
        if raw is not None:
            slot.asked[va] = raw
    tmo = slot.args[4] if slot.nr == _NR_PSELECT6 else slot.args[2]
    if tmo and tmo not in slot.asked:          # the timeout, before the time left replaces it
        raw = memory.read(tmo, 16, slot.root)
        if raw is not None:
            slot.asked[tmo] = raw


# --- the checks ------------------------------------------------------------------------


def check_times(memory: UserMemory, slot: Slot, held: list[Fixed]) -> None:
    """`return.time_normal` for the outputs the result says were written (`held`)."""
    for term in held:
        base = slot.args[term.arg]
        for off, kind in term.times:
            at, size, bound = SUBSECOND[kind]
            value = int.from_bytes(_read(memory, slot, base + off + at, size), "little")
            if value >= bound:
                refuse("return.time_normal", Status.ERR_DENIED,
                       f"syscall {slot.nr} wrote a {kind} at {base + off:#x} whose sub-second "
                       f"field is {value:#x}, not in [0, {bound}): the program would index "
                       "or divide by a value Linux never writes")


def check_cpu_mask(memory: UserMemory, slot: Slot, ret: int, term: CpuMask, cpus: int) -> None:
    """`return.cpu_mask`: the `ret` bytes of the mask name only CPUs below `cpus`."""
    if not ret or not slot.args[term.arg]:
        return
    mask = int.from_bytes(_read(memory, slot, slot.args[term.arg], ret), "little")
    extra = mask >> cpus
    if extra:
        cpu = cpus + (extra & -extra).bit_length() - 1
        refuse("return.cpu_mask", Status.ERR_DENIED,
               f"sched_getaffinity names CPU {cpu}, but the machine has {cpus} "
               f"CPU{'s' if cpus != 1 else ''} (numbered from 0): the program would index "
               "its per-CPU data past its end")


def _ready_refused(slot: Slot, why: str) -> None:
    refuse("return.ready_sets", Status.ERR_DENIED,
           f"syscall {slot.nr} {why}: the program indexes its own tables by what it is told "
           "is ready")


def check_ready_sets(memory: UserMemory, slot: Slot, ret: int, term: ReadySets) -> None:
    """`return.ready_sets` for pselect6."""
    nfds = slot.args[term.nfds_arg] & 0xFFFF_FFFF
    n = fdset_bytes(nfds)
    if nfds > _MAX_NFDS or not n:
        return
    below = (1 << nfds) - 1
    count = 0
    for arg in term.set_args:
        va = slot.args[arg]
        if not va:
            continue
        now = int.from_bytes(_read(memory, slot, va, n), "little")
        asked = slot.asked.get(va)
        allowed = below & (int.from_bytes(asked, "little") if asked is not None else below)
        stray = now & ~allowed
        if stray:
            fd = (stray & -stray).bit_length() - 1
            _ready_refused(slot, f"reports descriptor {fd} ready in the set at {va:#x}, "
                                 f"which the program did not ask about (nfds {nfds})")
        count += now.bit_count()
    if count != ret:
        _ready_refused(slot, f"answers {ret} ready, but its sets name {count}")


def check_ready_polls(memory: UserMemory, slot: Slot, ret: int, term: ReadyPolls) -> None:
    """`return.ready_sets` for ppoll."""
    base, nfds = slot.args[term.arg], slot.args[term.nfds_arg]
    if not base or not nfds or nfds > _MAX_NFDS:
        return
    raw = _read(memory, slot, base, nfds * _POLLFD.size)
    asked = slot.asked.get(base)
    count = 0
    for i in range(nfds):
        fd, events, revents = _POLLFD.unpack_from(raw, _POLLFD.size * i)
        if asked is not None and _POLLFD.unpack_from(asked, _POLLFD.size * i)[:2] != (fd, events):
            _ready_refused(slot, f"changed pollfd {i}'s fd or events (the kernel writes only "
                                 "revents)")
        revents &= 0xFFFF
        if revents & ~((events & 0xFFFF) | _POLL_ALWAYS) or (fd < 0 and revents):
            _ready_refused(slot, f"reports revents {revents:#x} for pollfd {i} (fd {fd}, "
                                 f"events {events & 0xFFFF:#x}), beyond what it asked")
        count += revents != 0
    if count != ret:
        _ready_refused(slot, f"answers {ret} ready, but {count} pollfds have revents")


def check_cmsg_layout(memory: UserMemory, slot: Slot, control: int, controllen: int) -> None:
    """`return.cmsg_layout`: the control messages tile `controllen` as put_cmsg writes
    them (the last one may be cut short at controllen, never run past it)."""
    pos = 0
    while pos < controllen:
        if pos + _CMSG_HDR > controllen:
            why = f"leaves {controllen - pos} bytes at {pos}, less than a header"
        else:
            cmsg_len = int.from_bytes(_read(memory, slot, control + pos, 8), "little")
            if _CMSG_HDR <= cmsg_len <= controllen - pos:
                pos += (cmsg_len + 7) & ~7
                continue
            why = f"has a control message at {pos} with cmsg_len {cmsg_len:#x}"
        refuse("return.cmsg_layout", Status.ERR_DENIED,
               f"recvmsg writes back msg_controllen {controllen:#x} but {why}: each message "
               "lies inside the control data, so the program would copy past what the "
               "kernel wrote")
        return                 # (a build without the check: nothing further to walk)


def check_values(memory: UserMemory, slot: Slot, ret: int, terms: list[object],
                 held: list[Fixed], cpus: int | None) -> None:
    """Every range the output contract states for this call's result (`held`: the fixed
    outputs the result says were written; `cpus`: the machine's count of CPUs, None where
    not known)."""
    check_times(memory, slot, [t for t in held if t.times])   # an EINTR's remaining time too
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if isinstance(term, CpuMask) and cpus is not None:
            check_cpu_mask(memory, slot, ret, term, cpus)
        elif isinstance(term, ReadySets):
            check_ready_sets(memory, slot, ret, term)
        elif isinstance(term, ReadyPolls):
            check_ready_polls(memory, slot, ret, term)
