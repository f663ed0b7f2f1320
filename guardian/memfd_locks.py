"""fcntl record locks on a memfd only the program holds (`return.memfd_lock`).

A memfd sole_held.py follows has one open file, and only the program's processes hold
it (fork and dup share it; nothing outside the program opens it, sole_held.py).  Its
record locks are then the program's own:

* an OFD lock (F_OFD_SETLK, F_OFD_SETLKW) is owned by the open file (fcntl_setlk() sets
  fl_owner = filp), so every OFD lock on the memfd has the same owner, and none ever
  conflicts with another (posix_locks_conflict() skips posix_same_owner()); such a lock
  lives while the open file does -- which it does whenever a call reaches it -- and goes
  only by the program's own F_UNLCK or a lock of the same owner replacing it: the
  Guardian knows them exactly;
* a classic POSIX lock (F_SETLK, F_SETLKW) is owned by the caller's descriptor table
  (fl_owner = current->files: threads sharing it by CLONE_FILES are one owner, a fork child
  another); it goes by its owner's F_UNLCK, a replacing lock, or when that owner closes
  *any* descriptor of the file (filp_close() -> locks_remove_posix(), followed for close,
  dup3 and close_range here), and also when the owning process exits or execs -- which
  the Guardian may learn of only after another process's call saw it gone -- so the
  POSIX locks it keeps are the ones *possibly* held.

A lock of one owner and an overlapping one of another conflict when either is a write
lock (posix_locks_conflict()).  Hence:

* F_SETLK and F_OFD_SETLK fail with EAGAIN only where a lock of another owner that
  conflicts may be held (posix_lock_inode() fails with it only then; EACCES, which an
  LSM's file_lock hook may give, is not judged, nor is any error where a seccomp filter
  may answer the call);
* F_SETLK and F_SETLKW succeed only where no OFD lock that conflicts is held (a success
  past a conflict breaks mutual exclusion); an OFD lock's success is not judged (the only
  locks that may conflict with it are POSIX ones, never known surely held);
* F_GETLK answers F_UNLCK only where no OFD write lock overlaps (an OFD read lock
  conflicts only with a write request, and the answer's l_type overwrote the request's);
  it reads the request's range back from the answer, which fcntl_getlk() leaves as given
  when it answers F_UNLCK.  F_OFD_GETLK is not judged.

Each answer is judged only where its struct flock, read at the return, is the one the
call met (quiet_ranges.py), its l_whence resolves (SEEK_CUR and SEEK_END by the offset and
size sole_files.py keeps), no other call on the memfd (nor a close, close_range or dup3
anywhere) is in flight, and the call began after the locks last changed (a change that
overlapped it may have gone either side).  A lock taken whose range is not known ends the
judging of that memfd's locks.  flock() locks are another kind (they never conflict with
these) and are not judged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import (
    CLOSE_RANGE_CLOEXEC,
    CLOSE_RANGE_UNSHARE,
    NR_CLOSE,
    NR_CLOSE_RANGE,
    NR_DUP3,
    NR_FCNTL,
)
from abi.layout import ERRNO_FLOOR
from abi.output_commands import (
    F_GETLK,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_SETLK,
    F_SETLKW,
)
from guardian.checks import refuse
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.open_files import FileTable
    from guardian.slots import Slot
    from guardian.sole_files import MemFile
    from guardian.sole_held import SoleHeld

LOCK_COMMANDS = frozenset({F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
_SETS = frozenset({F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW})
_OFD_COMMANDS = frozenset({F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
_F_RDLCK, _F_WRLCK, _F_UNLCK = 0, 1, 2
_SEEK_SET, _SEEK_CUR, _SEEK_END = 0, 1, 2
_BUSY_ANYWHERE = frozenset({NR_CLOSE, NR_CLOSE_RANGE, NR_DUP3})
_REFUSED = frozenset({(-11) & 0xFFFF_FFFF_FFFF_FFFF})         # -EAGAIN
_FLOCK = 32                             # struct flock on arm64
_END = 1 << 63                          # OFFSET_MAX + 1: a lock to the end of the file
_MOST = 256                             # locks kept per memfd (past that: not judged)
#: The owner of every OFD lock on a memfd the program alone holds: its one open file.
OFD = "ofd"


@dataclass(frozen=True)
class Lock:
    """A lock on [start, end) of the memfd, of F_RDLCK or F_WRLCK, by `owner` (`OFD`,
    or the FileTable of a POSIX lock's owner)."""

    owner: object
    start: int
    end: int
    kind: int

    def conflicts(self, owner: object, kind: int, start: int, end: int) -> bool:
        return self.owner is not owner and self.start < end and start < self.end and \
            _F_WRLCK in (self.kind, kind)


def is_lock_call(slot: Slot) -> bool:
    return slot.nr == NR_FCNTL and slot.args[1] & 0xFFFF_FFFF in LOCK_COMMANDS


def _owner(sole: SoleHeld, slot: Slot) -> object:
    cmd = slot.args[1] & 0xFFFF_FFFF
    return OFD if cmd in _OFD_COMMANDS else sole.files.table(slot.root, slot.thread)


def flock_met(sole: SoleHeld, slot: Slot) -> bool:
    """Is the struct flock at args[2], read at the return, the one the call met?"""
    reg = sole.files.admission.registry
    dom = reg.domains.get(slot.domain)
    va = slot.args[2]
    return dom is not None and quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                     [(slot.root, va, va + _FLOCK)])


def _region(sole: SoleHeld, slot: Slot, mem: MemFile) -> tuple[int, int, int] | None:
    """(l_type, start, end) of the struct flock at args[2] where it is the one the call
    met, its l_whence resolved as flock_to_posix_lock() does (None: not known, or one
    Linux refuses with EINVAL)."""
    if not flock_met(sole, slot):
        return None
    raw = sole.memory.read(slot.args[2], 24, slot.root)
    if raw is None or len(raw) != 24:
        return None
    kind, whence, start, length = struct.unpack("<hh4xqq", raw)
    here = mem.offset_of(sole.files.description_of(slot, slot.args[0]) if mem.reopens
                         else None)
    base = {_SEEK_SET: 0, _SEEK_CUR: here, _SEEK_END: mem.size}.get(whence)
    if base is None or kind not in (_F_RDLCK, _F_WRLCK, _F_UNLCK):
        return None
    start += base
    if length > 0:
        end = start + length
    elif length < 0:
        start, end = start + length, start
    else:
        end = _END
    if start < 0 or end > _END or start >= end:
        return None
    return kind, start, end


def _judged(sole: SoleHeld, slot: Slot, mem: MemFile) -> bool:
    return mem.locks is not None and slot.id >= mem.locks_from and not any(
        o.id != slot.id and o.nr in _BUSY_ANYWHERE
        for o in sole.files.admission.registry.slots.values())


def check(sole: SoleHeld, slot: Slot, ret: int, mem: MemFile) -> None:
    """The rules on a lock call's answer (the caller saw no other ordered call on the
    memfd in flight, nor an unfollowed mover)."""
    cmd = slot.args[1] & 0xFFFF_FFFF
    if cmd == F_OFD_GETLK or not _judged(sole, slot, mem):
        return
    if cmd in _SETS and not (ret in _REFUSED and cmd in (F_SETLK, F_OFD_SETLK)) and \
            not (ret == 0 and cmd in (F_SETLK, F_SETLKW)):
        return
    if cmd == F_GETLK and ret != 0:
        return
    region = _region(sole, slot, mem)
    if region is None:
        return
    kind, start, end = region
    owner, locks = _owner(sole, slot), mem.locks or []
    span = f"[{start}, {'end' if end == _END else end})"
    if cmd == F_GETLK:
        if kind == _F_UNLCK and any(lk.owner is OFD and lk.kind == _F_WRLCK and
                                    lk.conflicts(owner, _F_WRLCK, start, end) for lk in locks):
            refuse("return.memfd_lock", Status.ERR_DENIED,
                   f"F_GETLK over {span} of the program's own memfd answers F_UNLCK while "
                   "its open file holds an OFD write lock there: posix_test_lock() "
                   "reports that conflicting lock")
        return
    if kind == _F_UNLCK:
        return
    if ret in _REFUSED:
        if not sole.filtered(slot) and not any(lk.conflicts(owner, kind, start, end) for lk in locks):
            refuse("return.memfd_lock", Status.ERR_DENIED,
                   f"a lock of {span} of the program's own memfd is refused (EAGAIN) "
                   "though no lock of another owner that conflicts may be held there: "
                   "an OFD lock's owner is the open file the program's processes share, "
                   "a POSIX lock's the descriptor table, and only the program locks it")
    elif any(lk.owner is OFD and lk.conflicts(owner, kind, start, end) for lk in locks):
        refuse("return.memfd_lock", Status.ERR_DENIED,
               f"a POSIX lock of {span} of the program's own memfd is granted while its "
               "open file holds an OFD lock there that conflicts: posix_lock_inode() "
               "grants no lock past a conflicting one")


def record(sole: SoleHeld, slot: Slot, mem: MemFile) -> None:
    """A lock call succeeded (none other on the memfd in flight): the locks it left."""
    cmd = slot.args[1] & 0xFFFF_FFFF
    if cmd not in _SETS or mem.locks is None:
        return
    mem.locks_from = sole.files.admission.registry.next_slot_id()
    region = _region(sole, slot, mem)
    if region is None:
        mem.locks = None                        # which range it locked is not known
        return
    kind, start, end = region
    owner = _owner(sole, slot)
    kept: list[Lock] = []
    for lk in mem.locks:                        # the owner's own range is replaced
        if lk.owner is not owner or lk.end <= start or end <= lk.start:
            kept.append(lk)
            continue
        if lk.start < start:
            kept.append(Lock(owner, lk.start, start, lk.kind))
        if end < lk.end:
            kept.append(Lock(owner, end, lk.end, lk.kind))
    if kind != _F_UNLCK:
        kept.append(Lock(owner, start, end, kind))
    mem.locks = kept if len(kept) <= _MOST else None


def closing(sole: SoleHeld, slot: Slot, ret: int, table: FileTable) -> None:
    """Before the table records close, dup3 or close_range: each descriptor of a followed
    memfd they close releases every POSIX lock its table holds on it (filp_close() ->
    locks_remove_posix(), whatever other descriptors of the file remain)."""
    nr, a = slot.nr, slot.args
    if nr == NR_CLOSE:
        fds = [a[0] & 0xFFFF_FFFF]
    elif nr == NR_DUP3:
        fds = [a[1] & 0xFFFF_FFFF] if ret < ERRNO_FLOOR else []
    elif ret < ERRNO_FLOOR and not a[2] & (CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE):
        first, last = a[0] & 0xFFFF_FFFF, a[1] & 0xFFFF_FFFF
        fds = [fd for fd in table.fds if first <= fd <= last]
    else:
        fds = []                # (UNSHARE: the old table keeps its locks; kept: a superset)
    for fd in fds:
        f = table.fds.get(fd)
        mem = sole.by_file.get(f.description) if f is not None else None
        locks = getattr(mem, "locks", None)
        if locks and any(lk.owner is table for lk in locks):
            mem.locks = [lk for lk in locks if lk.owner is not table]   # type: ignore[union-attr]
            mem.locks_from = sole.files.admission.registry.next_slot_id()  # type: ignore[union-attr]
