"""Iago results made of named records: each record whole, each name ended inside it.

A program walks what getdents64() and an inotify read return record by record, by the
length each record states, and takes each name up to its NUL.  The count the call
reports bounds the bytes (`return.count_bound`) and says the kernel wrote them
(`return.count_written`); that is not enough: a record whose length steps past the count,
or a name with no NUL inside its record, sends the program's walk or its strlen() on past
the count into whatever the buffer held before (a secret).  So the layout within the
count is checked as Linux makes it (check `return.record_layout`):

* getdents64: struct linux_dirent64 records (d_ino, d_off, d_reclen, d_type, d_name)
  that tile the count exactly, each d_reclen at least the 19-byte head and a NUL,
  a multiple of 8, and its d_name NUL-terminated inside the record.
* an inotify read (read, or readv piece by piece as Linux's loop over the iovecs reads
  them) of a descriptor the program made with inotify_init1: struct inotify_event
  records (wd, mask, cookie, len, name[len]) that tile each piece exactly, each name
  (len > 0) a string NUL-padded to the end of len.  An inotify descriptor the Guardian
  did not see made (inherited from before the launch, received by SCM_RIGHTS) is, to
  it, a file: its reads are data, as a signalfd's are (confidential_events.py).

The xattr name lists are not among them: no capability lets the kernel write them for a
confidential program (guardian/capabilities.py), so their calls fail with EFAULT.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from abi import Status
from abi.layout import (
    ERRNO_FLOOR,
    NR_GETDENTS64,
    NR_INOTIFY_ADD_WATCH,
    NR_INOTIFY_INIT1,
    NR_READ,
    NR_READV,
    UIO_MAXIOV,
)
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.confidential_files import Descriptors
from guardian.inotify_events import event_fault
from guardian.inotify_watches import check_events, check_rm
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_RM_WATCH = NUMBERS["inotify_rm_watch"]
#: Every call `check_records` and `record` act on.
CALLS = frozenset({NR_GETDENTS64, NR_INOTIFY_INIT1, NR_INOTIFY_ADD_WATCH, NR_READ, NR_READV,
                   _RM_WATCH})
IN_IGNORED, IN_Q_OVERFLOW = 0x8000, 0x4000

DIRENT_HEAD = 19                    # d_ino, d_off, d_reclen, d_type
DIRENT_ALIGN = 8
INOTIFY_HEAD = struct.Struct("<iIII")   # wd, mask, cookie, len


@dataclass(eq=False)
class InotifyQueue:
    """What an inotify descriptor's open file is to the Guardian: a queue of events whose
    reads are records, not data, each naming a watch inotify_add_watch gave on it."""

    #: The watch descriptors inotify_add_watch answered on this instance, live.
    watches: set[int] = field(default_factory=set)
    #: The watches whose IN_IGNORED (rm_watch, or the inode gone) was read.  Their events
    #: may still follow in any later read:
    #: inotify_handle_inode_event() reads i_mark->wd, then kmalloc()s (it may sleep) and
    #: queues, so a handler that read the wd before inotify_ignored_and_remove_idr()
    #: queued IN_IGNORED and set it to -1 queues its event after that IN_IGNORED.
    gone: set[int] = field(default_factory=set)
    #: Every wd an add answered on it, ever, and the union of the masks (IN_ALL_EVENTS
    #: bits) each was answered for (inotify_watches.py: judged while every holder's add
    #: is seen)
    given: set[int] = field(default_factory=set)
    masks: dict[int, int] = field(default_factory=dict)
    #: The highest wd `given` holds (kept as adds come: no walk of `given` per read).
    top: int = 0
    #: An INOTIFY_IOC_SETNEXTWD succeeded on it: a removed wd may be handed out again.
    renumbered: bool = False

    def names_watch(self, wd: int, mask: int, slot: Slot, adding: bool) -> bool:
        """Whether an event of this queue may carry `wd` (-1: only the queue's
        overflow); `adding`: an inotify_add_watch is in flight, its watch not seen yet."""
        if wd == -1:
            return bool(mask & IN_Q_OVERFLOW)
        return wd in self.watches or wd in self.gone or adding


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def dirent_fault(raw: bytes) -> str:
    """'' when `raw` is whole linux_dirent64 records; else what is wrong."""
    off = 0
    while off < len(raw):
        if len(raw) - off < DIRENT_HEAD + 1:
            return f"a record at byte {off} is cut off by the count {len(raw)}"
        reclen = struct.unpack_from("<H", raw, off + 16)[0]
        if reclen < DIRENT_HEAD + 1 or reclen % DIRENT_ALIGN or off + reclen > len(raw):
            return (f"the record at byte {off} has d_reclen {reclen}: not a multiple of "
                    f"{DIRENT_ALIGN} of at least {DIRENT_HEAD + 1} inside the count "
                    f"{len(raw)}")
        if b"\0" not in raw[off + DIRENT_HEAD:off + reclen]:
            return f"the record at byte {off} has a d_name with no NUL inside its d_reclen"
        off += reclen
    return ""


def inotify_fault(raw: bytes) -> str:
    """'' when `raw` is whole inotify_event records; else what is wrong."""
    off = 0
    while off < len(raw):
        if len(raw) - off < INOTIFY_HEAD.size:
            return f"an event at byte {off} is cut off by the count {len(raw)}"
        length = INOTIFY_HEAD.unpack_from(raw, off)[3]
        end = off + INOTIFY_HEAD.size + length
        if end > len(raw):
            return f"the event at byte {off} has len {length}, past the count {len(raw)}"
        name = raw[off + INOTIFY_HEAD.size:end]
        nul = name.find(b"\0")
        if length and (nul < 0 or name[nul:] != bytes(length - nul)):
            return (f"the event at byte {off} has a name that is not NUL-padded inside its "
                    f"len {length}")
        off = end
    return ""


def _pieces(memory: UserMemory, slot: Slot, ret: int) -> list[tuple[int, int]]:
    """What read or readv put where: (va, n) per buffer, in order, n summing to ret.
    An empty iovec past the first is skipped, as Linux skips it: do_loop_readv_writev()
    moves on by iov_iter_advance(), which steps over every segment of 0 bytes after a
    full one (only an empty first iovec is read, as 0 bytes: inotify_events.py)."""
    if slot.nr == NR_READ:
        return [(slot.args[1], ret)]
    count = min(slot.args[2] & 0xFFFF_FFFF, UIO_MAXIOV)
    raw = _read(memory, slot, slot.args[1], 16 * count) if count else b""
    out, left = [], ret
    for i in range(count):
        va, length = struct.unpack_from("<QQ", raw, 16 * i)
        if length == 0 and i and left > 0:
            continue
        n = min(left, length)
        if n <= 0:
            break
        out.append((va, n))
        left -= n
    return out


def check_records(memory: UserMemory, files: Descriptors, slot: Slot, ret: int) -> None:
    """Refuse a record-list result whose records are not whole inside the count (after
    the count checks: ret is within the room and was written)."""
    nr, a = slot.nr, slot.args
    if nr == _RM_WATCH:
        f = files.open_file(slot, a[0]) if ret == 0 else None
        if f is not None and isinstance(f.events, InotifyQueue):
            check_rm(files, slot, f.events)     # (inotify_watches.py)
        return
    if ret >= ERRNO_FLOOR or ret == 0 or nr in (NR_INOTIFY_INIT1, NR_INOTIFY_ADD_WATCH):
        return
    if nr in (NR_READ, NR_READV):
        f = files.open_file(slot, a[0])
        if f is None or not isinstance(f.events, InotifyQueue):
            return
        adding = any(s.nr == NR_INOTIFY_ADD_WATCH and s.id != slot.id
                     for s in files.admission.registry.slots.values())
        for va, n in _pieces(memory, slot, ret):
            raw = _read(memory, slot, va, n)
            why = inotify_fault(raw)
            if why:
                refuse("return.record_layout", Status.ERR_DENIED,
                       f"an inotify read returned {ret} bytes, but {why}")
                continue
            why = event_fault(raw)      # (inotify_events.py: what each event may carry)
            if why and files.steady(slot) and not files.sole.filtered(slot):
                refuse("return.inotify_event", Status.ERR_DENIED,
                       f"an inotify read returned {ret} bytes, but {why}")
            events = _inotify_events(raw)
            check_events(files, slot, f.events, events)     # (inotify_watches.py)
            for wd, mask in events:
                if not f.events.names_watch(wd, mask, slot, adding):
                    refuse("return.inotify_wd", Status.ERR_DENIED,
                           f"an inotify event (mask {mask:#x}) names watch {wd}, which "
                           "inotify_add_watch never gave on that descriptor (or whose "
                           "IN_IGNORED was read)" if wd != -1 else
                           f"an inotify event with mask {mask:#x} names watch -1, which "
                           "only the queue's overflow event does")
        return
    why = dirent_fault(_read(memory, slot, a[1], ret))
    if why:
        refuse("return.record_layout", Status.ERR_DENIED,
               f"getdents64 returned {ret} bytes of records, but {why}")


def _inotify_events(raw: bytes) -> list[tuple[int, int]]:
    """(wd, mask) of each event of whole inotify_event records."""
    out, off = [], 0
    while off + INOTIFY_HEAD.size <= len(raw):
        wd, mask, _, length = INOTIFY_HEAD.unpack_from(raw, off)
        out.append((wd, mask))
        off += INOTIFY_HEAD.size + length
    return out


def record(memory: UserMemory, files: Descriptors, slot: Slot, ret: int) -> None:
    """inotify_init1 made a queue of events (after Descriptors.record entered the fd);
    inotify_add_watch gave a watch on it; a read took a watch's last event."""
    if ret >= ERRNO_FLOOR:
        return
    if slot.nr == NR_INOTIFY_INIT1:
        f = files.open_file(slot, ret)
        if f is not None:
            f.events = InotifyQueue()
        return
    f = files.open_file(slot, slot.args[0])
    if f is None or not isinstance(f.events, InotifyQueue):
        return
    queue = f.events
    if slot.nr == NR_INOTIFY_ADD_WATCH:
        wd = _s32(ret)
        queue.watches.add(wd)
        queue.gone.discard(wd)
        queue.given.add(wd)
        queue.top = max(queue.top, wd)
        queue.masks[wd] = queue.masks.get(wd, 0) | slot.args[2] & 0xFFF   # IN_ALL_EVENTS
        return
    if slot.nr in (NR_READ, NR_READV) and ret:
        for va, n in _pieces(memory, slot, ret):
            for wd, mask in _inotify_events(memory.read(va, n, slot.root) or b""):
                if mask & IN_IGNORED and wd in queue.watches:
                    queue.watches.discard(wd)
                    queue.gone.add(wd)
