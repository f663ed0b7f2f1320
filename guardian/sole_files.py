"""A memfd and an eventfd only the program holds: what its own calls made of them.

For an object sole_held.py follows (made by the program, no other holder, no mover it
does not see), Linux changes it only through the program's calls, so the Guardian keeps
what they did and holds a later answer to it:

* a memfd's size: a write past the end, ftruncate and fallocate (mode 0) set it; fstat,
  and newfstatat and statx of the descriptor itself (AT_EMPTY_PATH), report it
  (`return.memfd_size`);
* a memfd's bytes: those its writes put there, zeros elsewhere (ftruncate's and
  fallocate's new room, a punched hole); a read returns the bytes at its position and
  never reads past the end (`return.memfd_bytes`);
* the memfd's file offset (its one open file's f_pos): read, readv, write and writev (and
  preadv2 and pwritev2 at offset -1) move it by what they returned (an O_APPEND write to the end first), lseek sets it, and
  lseek(SEEK_SET, SEEK_CUR, SEEK_END) answers where it lands (`return.file_offset`);
* the memfd's open file's status flags O_APPEND and O_NONBLOCK: its making call's, then
  as F_SETFL and FIONBIO set them, in whichever process shares the open file; F_GETFL
  reports them (`return.memfd_flags`); and its fcntl record locks (memfd_locks.py,
  `return.memfd_lock`);
* an eventfd's counter: its initial value plus what the program's writes added, minus
  what its reads took; a read hands out the whole counter, and only when it is not 0
  (`return.eventfd_sum`; that an EFD_SEMAPHORE one hands out 1 is `return.counter_read`).

Where a step cannot be followed the part it touches stops being judged: an offset not
known (SEEK_DATA, SEEK_HOLE) until the next SEEK_SET or SEEK_END; the bytes past
`SoleHeld.kept`, and those of a page a MAP_SHARED mapping may store into (file_pages.py); a fallocate mode other
than plain allocation, KEEP_SIZE or a punched hole, readv or writev of an eventfd, or a
write while the offset is not known: the whole object.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian import memfd_locks, read_counts, timer_states
from guardian.checks import refuse
from guardian.memfd_locks import Lock
from guardian.pipe_bytes import AT_FILE_POSITION, V2_PLAIN_FLAGS, buffers
from guardian.result_reads import read_or_fault

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.sole_held import SoleHeld

_NR = NUMBERS
_READ, _READV, _PREAD, _PREADV = _NR["read"], _NR["readv"], _NR["pread64"], _NR["preadv"]
_WRITE, _WRITEV, _PWRITE, _PWRITEV = (_NR["write"], _NR["writev"], _NR["pwrite64"],
                                      _NR["pwritev"])
_LSEEK, _FTRUNCATE, _FALLOCATE, _FCNTL = (_NR["lseek"], _NR["ftruncate"], _NR["fallocate"],
                                          _NR["fcntl"])
_FSTAT, _NEWFSTATAT, _STATX = _NR["fstat"], _NR["newfstatat"], _NR["statx"]
_PREADV2, _PWRITEV2 = _NR["preadv2"], _NR["pwritev2"]
#: preadv2 and pwritev2: at args[3] (pos_l; pos_h adds nothing on a 64-bit kernel,
#: pos_from_hilo()), or at the file position when that is -1 (do_readv, do_writev).
V2 = frozenset({_PREADV2, _PWRITEV2})
_READS = frozenset({_READ, _READV, _PREAD, _PREADV, _PREADV2})
_WRITES = frozenset({_WRITE, _WRITEV, _PWRITE, _PWRITEV, _PWRITEV2})
_POSITIONED = frozenset({_PREAD, _PREADV, _PWRITE, _PWRITEV})     # at args[3]; f_pos stays
RWF_NOWAIT = 0x8                        # (one of pipe_bytes.V2_PLAIN_FLAGS)
RWF_APPEND = 0x10
MFD_HUGETLB = 4                         # memfd_create: a hugetlbfs file, not shmem
_STATS = frozenset({_FSTAT, _NEWFSTATAT, _STATX})
#: Every call on a memfd's or eventfd's descriptor this module acts on.
CALLS = frozenset({*_READS, *_WRITES, *_STATS, _LSEEK, _FTRUNCATE, _FALLOCATE, _FCNTL})
#: The calls whose order on one object matters: two in flight at once are not followed.
_ORDERED = _READS | _WRITES | {_LSEEK, _FTRUNCATE, _FALLOCATE, _FCNTL}
EFD_SEMAPHORE = 1
SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE = 0, 1, 2, 3, 4
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 0x01, 0x02
F_SETFL, O_APPEND, AT_EMPTY_PATH, STATX_SIZE = 4, 0o2000, 0x1000, 0x200
O_NONBLOCK, FIONBIO = 0o4000, 0x5421
_IOCTL = _NR["ioctl"]
ST_SIZE, STX_MASK, STX_SIZE = 48, 0, 40
_PAGE = 4096
COUNTER_MAX = (1 << 64) - 2             # an eventfd's counter never passes ULLONG_MAX - 1
#: The fallocate modes shmem_fallocate() (and hugetlbfs_fallocate()) take.
SHMEM_FALLOCATE = frozenset({0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE})
_BUSY = ORDERED = _ORDERED


@dataclass(eq=False)
class MemFile:
    """A memfd: its size, its bytes (None: no longer judged) and its one open file's
    offset (None: not known), and the status flags of that open file that F_SETFL (and
    FIONBIO) change and F_GETFL reports: O_APPEND, O_NONBLOCK (None: not known)."""

    size: int = 0
    data: bytearray | None = field(default_factory=bytearray)
    offset: int | None = 0
    append: bool = False
    nonblock: bool | None = False
    #: its fcntl record locks (memfd_locks.py; None: not judged), and the first slot id
    #: that began after they last changed
    locks: list[Lock] | None = field(default_factory=list)
    locks_from: int = 0
    #: how many times the program's calls changed its size or bytes (file_pages.py)
    version: int = 0
    #: the first slot id that began after such a call last returned
    changed_from: int = 0
    #: the pages (file offset // PAGE) a writable MAP_SHARED mapping of it brought into
    #: the program's domain: the program's stores may have changed their bytes since, so
    #: they are not judged (file_pages.py)
    loose: set[int] = field(default_factory=set)
    #: still followed (False: dropped, its size no longer known either)
    followed: bool = True
    #: the pages the program's own writes put bytes in since a hole, a cut or
    #: MADV_REMOVE last dropped them: the page cache holds them, so lseek's SEEK_HOLE and
    #: SEEK_DATA find data there (None: not kept, past `SoleHeld.kept`)
    data_pages: set[int] | None = field(default_factory=set)
    #: its page cache may hold pages no write of the program filled: a mapping faulted
    #: them in, fallocate() allocated them, or a hole, a cut or MADV_REMOVE may have left
    #: part of a large folio (lseek's SEEK_DATA is then not judged)
    populated: bool = False
    #: opened again by /proc/self/fd/N (sole_held.py): more than one open file, each with
    #: its own offset and status flags; the flags are not followed from then on
    shared_open: bool = False
    #: the offset of each open file such a reopen made (its description -> f_pos, None:
    #: not known); the first open file's is `offset`
    reopens: dict[object, int | None] = field(default_factory=dict)
    #: those of `reopens` that append (O_APPEND at the reopen or by F_SETFL since); the
    #: first open file's is `append`
    appending: set[object] = field(default_factory=set)
    #: made by memfd_create (shmem or hugetlbfs: fallocate has only plain allocation,
    #: KEEP_SIZE and a punched hole), not an O_TMPFILE file of some file system
    shmem: bool = False
    #: made with MFD_HUGETLB: its pages come from a pool that may run dry (SIGBUS)
    hugetlb: bool = False
    #: an ioctl other than the plain ones reached it: its inode flags (FS_IOC_SETFLAGS'
    #: append-only, immutable) are not known (sole_reopens.py)
    flagged: bool = False
    def offset_of(self, desc: object) -> int | None:
        """The file offset of open file `desc` (None: not known)."""
        return self.reopens[desc] if desc in self.reopens else self.offset

    def appends(self, desc: object) -> bool:
        """Does open file `desc` append (each write lands at the end, generic_write_checks())?"""
        return desc in self.appending if desc in self.reopens else self.append

    def set_append(self, desc: object, value: bool) -> None:
        """Open file `desc` appends from now on (or no longer)."""
        if desc not in self.reopens:
            self.append = value
        elif value:
            self.appending.add(desc)
        else:
            self.appending.discard(desc)

    def set_offset(self, desc: object, value: int | None) -> None:
        """Open file `desc` is at `value` now."""
        if desc in self.reopens:
            self.reopens[desc] = value
        else:
            self.offset = value

    def forget_pages(self, start: int, end: int) -> None:
        """[start, end) was punched or cut: no page it touches is known to hold data."""
        if start < end:
            self.populated = True       # (a large folio may outlive part of the range)
        if self.data_pages and start < end:
            self.data_pages.difference_update(range(start // _PAGE, (end - 1) // _PAGE + 1))

    def known(self, pos: int, n: int) -> bytes | None:
        """The `n` bytes at `pos` its calls left, where they are judged (None: not kept,
        or on a page the program's stores may have changed)."""
        if self.data is None or (self.loose and any(
                p in self.loose for p in range(pos // _PAGE, (pos + max(n, 1) - 1) // _PAGE + 1))):
            return None
        return bytes(self.data[pos:pos + n])


@dataclass(eq=False)
class Counter:
    """An eventfd: its counter, and whether it was made EFD_SEMAPHORE; or a timerfd never
    armed (`timer`: its tick count, 0 -- timerfd_read() -EAGAIN or blocks)."""

    value: int
    semaphore: bool
    timer: bool = False
    #: a timerfd's arming (timer_states.py: IDLE, ONE_SHOT, PERIODIC), and whether any
    #: timerfd_settime ran on it
    armed: int = 0
    was_armed: bool = False


def positioned(nr: int | None, a: tuple[int, ...]) -> bool:
    """Does the call read or write at args[3], leaving the file offset alone?"""
    return nr in _POSITIONED or (nr in V2 and a[3] != AT_FILE_POSITION)


def v2_followed(slot: Slot) -> bool:
    """Is this preadv2/pwritev2 one whose move the Guardian follows (plain flags, and a
    pwritev2's RWF_APPEND)?"""
    plain = V2_PLAIN_FLAGS | (RWF_APPEND if slot.nr == _PWRITEV2 else 0)
    return not slot.args[5] & 0xFFFF_FFFF & ~plain


def appends(mem: MemFile, desc: object, slot: Slot) -> bool:
    """Does the write in `slot` append: its open file has O_APPEND, or it is a pwritev2
    with RWF_APPEND (kiocb_set_rw_flags() sets IOCB_APPEND; generic_write_checks() then
    starts it at i_size, whatever its offset argument)?"""
    return mem.appends(desc) or (slot.nr == _PWRITEV2 and bool(slot.args[5] & RWF_APPEND))


def _s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def check(sole: SoleHeld, slot: Slot, ret: int, obj: MemFile | Counter) -> None:
    """The rules on an answer about a memfd or eventfd only the program holds."""
    if slot.nr not in CALLS or sole.busy(slot, obj, _BUSY):
        return
    if isinstance(obj, MemFile):
        _check_memfd(sole, slot, ret, obj)
    elif slot.nr == _READ:
        _check_counter(sole, slot, ret, obj)


def opened(sole: SoleHeld, slot: Slot, mem: MemFile) -> object:
    """The open file the slot's descriptor (args[0]) names, where it matters: the memfd
    was opened again, so its open files have offsets of their own (None: it was not)."""
    return sole.files.description_of(slot, slot.args[0]) if mem.reopens else None


def _check_memfd(sole: SoleHeld, slot: Slot, ret: int, mem: MemFile) -> None:
    nr, a = slot.nr, slot.args
    if nr in _STATS:
        size = _reported_size(sole, slot)
        if size is not None and size != mem.size:
            refuse("return.memfd_size", Status.ERR_DENIED,
                   f"syscall {nr} reports another size than the {mem.size} bytes the "
                   "program's own writes, ftruncate and fallocate gave its memfd: a file "
                   "only the program holds changes size only by its calls")
    elif nr == _LSEEK:
        whence, off = a[2] & 0xFFFF_FFFF, _s64(a[1])
        base = {SEEK_SET: 0, SEEK_CUR: mem.offset_of(opened(sole, slot, mem)),
                SEEK_END: mem.size}.get(whence)
        if base is not None and ret != base + off:
            refuse("return.file_offset", Status.ERR_DENIED,
                   f"lseek({off}, whence {whence}) of the program's own memfd answers "
                   f"{ret}, not {base + off}: its offset moves only by the program's "
                   "reads, writes and seeks")
        if whence in (SEEK_DATA, SEEK_HOLE) and mem.followed and mem.data_pages is not None:
            _check_seek_data(mem, whence, off, ret)
    elif memfd_locks.is_lock_call(slot):
        memfd_locks.check(sole, slot, ret, mem)
    elif nr == _FALLOCATE:
        if mem.shmem and a[1] & 0xFFFF_FFFF not in SHMEM_FALLOCATE:
            refuse("return.memfd_fallocate", Status.ERR_DENIED,
                   f"fallocate(mode {a[1] & 0xFFFF_FFFF:#x}) of the program's own memfd "
                   "succeeds: shmem_fallocate() takes plain allocation, KEEP_SIZE and a "
                   "punched hole only, and fails every other mode with EOPNOTSUPP")
    elif nr in _WRITES and ret == 0:
        found = read_counts.requested_in(sole.memory, slot, sole.files.admission.registry)
        if found is not None and read_counts.asked(found[0]):
            refuse("return.memfd_count", Status.ERR_DENIED,
                   f"a write of {read_counts.asked(found[0])} bytes to the program's own "
                   "memfd answers 0: Linux's generic_perform_write() returns the bytes it "
                   "wrote or an error (EPERM for a seal, EFAULT for the buffer), never 0 "
                   "for a write of any bytes")
    elif nr in _READS:
        if nr in V2 and not v2_followed(slot):
            return
        pos = a[3] if positioned(nr, a) else mem.offset_of(opened(sole, slot, mem))
        if pos is not None and mem.followed and not (nr in V2 and a[5] & RWF_NOWAIT):
            _check_count(sole, slot, ret, mem, pos)
        if pos is None or not ret:
            return
        if ret > mem.size - pos:
            refuse("return.memfd_bytes", Status.ERR_DENIED,
                   f"a read of {ret} bytes at offset {pos} of the program's own memfd "
                   f"runs past its end ({mem.size} bytes): Linux reads up to the end only")
        owed = mem.known(pos, ret)
        got = buffers(sole.memory, slot, ret) if owed is not None else None
        if got is not None and got != owed:
            refuse("return.memfd_bytes", Status.ERR_DENIED,
                   f"a read of {ret} bytes at offset {pos} of the program's own memfd "
                   "returns other bytes than the program put there: a file only the "
                   "program holds reads back what it wrote")


def _check_count(sole: SoleHeld, slot: Slot, ret: int, mem: MemFile, pos: int) -> None:
    """`return.memfd_count`: shmem_file_read_iter() copies page after page up to
    min(count, size - pos), stopping short only where a copy faults (answering what it
    copied).  (RWF_NOWAIT is left out: whether shmem takes it differs by version.)"""
    found = read_counts.requested_in(sole.memory, slot, sole.files.admission.registry)
    if found is None:
        return
    asked, others = found
    want = max(0, min(read_counts.asked(asked), mem.size - pos))
    if ret >= want or (ret and not read_counts.cannot_fault(sole.memory, slot, others, asked)):
        return
    refuse("return.memfd_count", Status.ERR_DENIED,
           f"a read of {read_counts.asked(asked)} bytes at offset {pos} of the program's own "
           f"memfd ({mem.size} bytes) answers {ret}: Linux reads min(count, size - offset) = "
           f"{want}, short only where a copy faults (the buffer is mapped writable)")


def _check_seek_data(mem: MemFile, whence: int, off: int, ret: int) -> None:
    """lseek(SEEK_DATA or SEEK_HOLE) succeeded with `ret`: shmem_file_llseek() ->
    mapping_seek_hole_data() (any file system's llseek alike) fails with ENXIO from the
    end on, finds a hole (SEEK_HOLE) at or after `off` and at most at the end, never on a
    page the program's own writes filled, and data (SEEK_DATA) at or after `off`, before
    the end, with none of those pages between."""
    pages = mem.data_pages or set()
    name = "SEEK_HOLE" if whence == SEEK_HOLE else "SEEK_DATA"
    why = ""
    if off < 0 or off >= mem.size:
        why = f"from offset {off}, outside the file ({mem.size} bytes): ENXIO"
    elif whence == SEEK_HOLE and not off <= ret <= mem.size:
        why = f"at {ret}, outside [{off}, {mem.size}]"
    elif whence == SEEK_HOLE and ret < mem.size and ret // _PAGE in pages:
        why = f"at {ret}, on a page the program's own writes filled"
    elif whence == SEEK_DATA and not off <= ret < mem.size:
        why = f"at {ret}, outside [{off}, {mem.size})"
    elif whence == SEEK_DATA and any(off // _PAGE <= p and max(off, p * _PAGE) < ret
                                     for p in pages):     # (data from max(off, its start))
        why = f"at {ret}, past a page between {off} and it that the program's writes filled"
    elif whence == SEEK_DATA and not mem.populated and mem.data_pages is not None and \
            not (ret == off and _in_folio_with_data(pages, off)) and \
            not _folio_with_data_starts(pages, ret):
        why = (f"at {ret}, where no folio holding a page the program's writes filled can "
               "begin (the only pages its page cache holds)")
    if why:
        refuse("return.seek_hole", Status.ERR_DENIED,
               f"lseek({name}) of the program's own memfd answers {why}: its page cache "
               "holds what the program wrote until a hole, a cut or MADV_REMOVE drops it")


#: The largest folio shmem gives a file, in pages (a PMD: 2 MiB).
_LARGEST_FOLIO = 512


def _in_folio_with_data(pages: set[int], pos: int) -> bool:
    """May `pos` lie in a folio that holds a page the program wrote (a folio of 2^k pages
    is aligned to its size, at most a PMD)?"""
    block = pos // _PAGE // _LARGEST_FOLIO
    return any(p // _LARGEST_FOLIO == block for p in pages)


def _folio_with_data_starts(pages: set[int], pos: int) -> bool:
    """May a folio holding a page the program wrote begin at `pos`?"""
    if pos % _PAGE:
        return False
    page, size = pos // _PAGE, 1
    while size <= _LARGEST_FOLIO:
        if page % size == 0 and any(page <= p < page + size for p in pages):
            return True
        size *= 2
    return False


def _reported_size(sole: SoleHeld, slot: Slot) -> int | None:
    """The size an fstat-like call wrote about the descriptor itself (None: it names
    another file by a path, or reports no size)."""
    nr, a, m = slot.nr, slot.args, sole.memory
    if nr == _FSTAT:
        buf = a[1]
    elif not (a[3] if nr == _NEWFSTATAT else a[2]) & AT_EMPTY_PATH or not a[1] or \
            read_or_fault(m, slot, a[1], 1) != b"\0":
        return None
    else:
        buf = a[2] if nr == _NEWFSTATAT else a[4]
    if not buf:
        return None
    if nr == _STATX:
        if not struct.unpack("<I", read_or_fault(m, slot, buf + STX_MASK, 4))[0] & STATX_SIZE:
            return None
        return struct.unpack("<Q", read_or_fault(m, slot, buf + STX_SIZE, 8))[0]
    return struct.unpack("<q", read_or_fault(m, slot, buf + ST_SIZE, 8))[0]


def _check_counter(sole: SoleHeld, slot: Slot, ret: int, counter: Counter) -> None:
    if ret != 8 or not slot.args[1]:
        return
    if counter.timer and counter.was_armed:
        timer_states.check_read(counter)        # (armed: its ticks are not known)
        return
    if counter.value == 0 and counter.timer:
        refuse("return.eventfd_sum", Status.ERR_DENIED,
               "a read of the program's own timerfd, never armed (no timerfd_settime nor "
               "TFD_IOC_SET_TICKS on it), hands out a tick count: timerfd_read() finds "
               "ctx->ticks 0 and blocks or fails with EAGAIN")
    if counter.value == 0:
        refuse("return.eventfd_sum", Status.ERR_DENIED,
               "a read of the program's own eventfd hands out a count while its counter is "
               "0 (Linux blocks or fails with EAGAIN): its counter is what the program's "
               "writes added and its reads did not take")
    if counter.semaphore:
        return                  # it hands out 1: return.counter_read (counter_files.py)
    got = struct.unpack("<Q", read_or_fault(sole.memory, slot, slot.args[1], 8))[0]
    if got != counter.value:
        refuse("return.eventfd_sum", Status.ERR_DENIED,
               f"a read of the program's own eventfd hands out another count than "
               f"{counter.value}: its counter is what the program's writes added and its "
               "reads did not take")


def check_flags(slot: Slot, ret: int, mem: MemFile) -> None:
    """`return.memfd_flags`: F_GETFL returns filp->f_flags of the open file (fcntl.c),
    and only setfl() (F_SETFL: O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME) and
    ioctl_fionbio() (FIONBIO: O_NONBLOCK) change its O_APPEND and O_NONBLOCK after
    memfd_create() (O_RDWR | O_LARGEFILE) or an O_TMPFILE open (its own flags) made it.
    Every holder of the memfd's one open file is a process of the program (fork and dup
    share it, sole_held.py), so its F_GETFL reports those two bits as the program's own
    calls left them.  (O_DIRECT and O_NOATIME are not judged: whether setfl() takes them
    depends on the file system and the caller's rights.)  The caller judges only where no
    call that may change them overlapped this one (confidential_files.py)."""
    for bit, name, known in ((O_APPEND, "O_APPEND", mem.append),
                             (O_NONBLOCK, "O_NONBLOCK", mem.nonblock)):
        if known is not None and bool(ret & bit) != known:
            refuse("return.memfd_flags", Status.ERR_DENIED,
                   f"fcntl(F_GETFL) of the program's own memfd answers {ret:#o}, but its "
                   f"open file is {'' if known else 'not '}{name}: only the program's own "
                   "F_SETFL (or FIONBIO), in whichever process shares that open file, "
                   "changes it")


def record(sole: SoleHeld, slot: Slot, ret: int, obj: MemFile | Counter) -> None:
    """What a call that passed the rules did to the memfd or eventfd."""
    if slot.nr == _IOCTL:
        if isinstance(obj, MemFile) and slot.args[1] & 0xFFFF_FFFF == FIONBIO:
            raw = sole.memory.read(slot.args[2], 4, slot.root) if slot.args[2] else None
            obj.nonblock = None if raw is None or obj.shared_open else \
                struct.unpack("<i", raw)[0] != 0
        return
    if slot.nr not in CALLS or slot.nr in _STATS:
        return
    if sole.busy(slot, obj, _ORDERED):
        sole.drop(obj)                          # the order of the two is not known
    elif isinstance(obj, MemFile):
        _record_memfd(sole, slot, ret, obj)
    else:
        _record_counter(sole, slot, ret, obj)


def _record_memfd(sole: SoleHeld, slot: Slot, ret: int, mem: MemFile) -> None:
    nr, a = slot.nr, slot.args
    if nr in _WRITES or nr in (_FTRUNCATE, _FALLOCATE):
        mem.version += 1
        mem.changed_from = sole.files.admission.registry.next_slot_id()
    desc = opened(sole, slot, mem)
    if nr in _READS:
        at = mem.offset_of(desc)
        if not positioned(nr, a) and at is not None:
            mem.set_offset(desc, at + ret)
    elif nr in _WRITES:
        pos = mem.size if appends(mem, desc, slot) else a[3] if positioned(nr, a) else \
            mem.offset_of(desc)
        if pos is None:
            sole.drop(mem)                      # where it wrote is not known
            return
        data = buffers(sole.memory, slot, ret) if mem.data is not None else None
        _resize(sole, mem, max(mem.size, pos + ret))
        if mem.data_pages is not None and ret:
            mem.data_pages.update(range(pos // _PAGE, (pos + ret - 1) // _PAGE + 1))
        if mem.data is not None:
            if data is None:
                mem.data = None
            else:
                mem.data[pos:pos + ret] = data
        if not positioned(nr, a):
            mem.set_offset(desc, pos + ret)
        if ret and mem.data is not None:
            show_write(sole, mem, pos, pos + ret)
    elif nr == _LSEEK:
        whence = a[2] & 0xFFFF_FFFF
        known = whence in (SEEK_SET, SEEK_END) or (whence == SEEK_CUR and
                                                   mem.offset_of(desc) is not None)
        # (SEEK_DATA, SEEK_HOLE: not followed)
        mem.set_offset(desc, ret if known else None)
    elif nr == _FTRUNCATE:
        _resize(sole, mem, a[1], cut=True)
    elif nr == _FALLOCATE:
        mode, off, length = a[1] & 0xFFFF_FFFF, a[2], a[3]
        if mode == 0:
            _resize(sole, mem, max(mem.size, off + length))
        elif mode == FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE:
            mem.forget_pages(off, off + length)
            if mem.data is not None:
                end = min(off + length, mem.size)
                if off < end:
                    mem.data[off:end] = bytes(end - off)
                    show_write(sole, mem, off, end)
        elif mode != FALLOC_FL_KEEP_SIZE:
            sole.drop(mem)                      # a range moved or zeroed: not followed
        if mode in (0, FALLOC_FL_KEEP_SIZE):
            mem.populated = True                # (allocated pages: SEEK_DATA finds them)
    elif nr == _FCNTL and a[1] & 0xFFFF_FFFF == F_SETFL:
        mem.set_append(desc, bool(a[2] & O_APPEND))  # setfl(): SETFL_MASK bits as asked
        if not mem.shared_open:                 # (each open file's own: not followed)
            mem.nonblock = bool(a[2] & O_NONBLOCK)
    elif memfd_locks.is_lock_call(slot):
        memfd_locks.record(sole, slot, mem)


def show_write(sole: SoleHeld, mem: MemFile, start: int, end: int) -> None:
    """The clean private pages of the written range show the write (clean_pages.py): a
    write, copy_file_range(), sendfile() or splice() into the file, or a punched hole
    (shmem_fallocate() -> unmap_mapping_range() drops the clean folio's entries: the
    refault reads the hole)."""
    adm = sole.files.admission
    if adm.clean.entered:
        adm.clean.show_write(adm.s, adm.registry, mem, start, end, lambda off: (
            None if (b := mem.known(off, _PAGE)) is None else b.ljust(_PAGE, b"\0")))


def cut(sole: SoleHeld, mem: MemFile, size: int) -> None:
    """A call other than ftruncate (an open with O_TRUNC) cut the memfd to `size` bytes."""
    mem.version += 1
    mem.changed_from = sole.files.admission.registry.next_slot_id()
    _resize(sole, mem, size, cut=True)


def _resize(sole: SoleHeld, mem: MemFile, size: int, cut: bool = False) -> None:
    """The memfd is `size` bytes now (grown with zeros; shrunk only by ftruncate)."""
    if size > sole.kept:
        mem.data_pages = None
    elif cut:
        mem.forget_pages(size, mem.size)
    if mem.data is not None:
        if size > sole.kept:
            mem.data = None                     # past what the Guardian keeps
        elif size > len(mem.data):
            mem.data += bytes(size - len(mem.data))
        elif cut:
            del mem.data[size:]
    mem.size = size


def _record_counter(sole: SoleHeld, slot: Slot, ret: int, counter: Counter) -> None:
    nr, a = slot.nr, slot.args
    if nr in (_READV, _WRITEV, _PREAD, _PREADV, _PWRITE, _PWRITEV):
        sole.drop(counter)
    elif nr == _READ and ret == 8 and counter.timer and sole.filtered(slot):
        sole.drop(counter)                      # (a filter's answer took no tick)
    elif nr == _READ and ret == 8:
        counter.value = counter.value - 1 if counter.semaphore else 0
        timer_states.record_read(counter)
    elif nr == _WRITE and ret == 8:
        raw = sole.memory.read(a[1], 8, slot.root)
        added = struct.unpack("<Q", raw)[0] if raw is not None else None
        if added is None or counter.value + added > COUNTER_MAX:
            sole.drop(counter)
        else:
            counter.value += added
