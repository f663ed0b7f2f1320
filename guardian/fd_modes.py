"""What a descriptor's open file lets a call do, and the arguments Linux refuses before a
move or a write begins, judged where the call answers success.

A read takes an open file opened for reading, a write (and ftruncate, which cuts) one
opened for writing, splice(), tee() and sendfile() their input opened for reading and
their output for writing, and no call reads, writes or cuts through an O_PATH handle:
Linux's vfs_read()/vfs_write()/do_splice()/do_tee()/do_sendfile() answer EBADF without
FMODE_READ/FMODE_WRITE, do_sys_ftruncate() EINVAL without FMODE_WRITE, fdget() EBADF for
FMODE_PATH (`return.fd_mode`).  For the descriptors whose open file the Guardian saw made
(its access mode known) and a table no other call changed since the call began
(`Descriptors.steady`).  sys_splice() and sys_tee() answer 0 for a zero length before
they look at an end.

copy_file_range() and the positioned reads and writes check their own arguments first
(`return.move_args`): copy_file_range's flags must be 0, both ends regular files (no
pipe: generic_file_rw_checks()) and a copy within one file may not overlap
(generic_copy_file_checks(): EINVAL), its output may not append (EBADF), and a copy from
at or past the end of a memfd whose size the Guardian follows copies nothing (and at most
what lies past its position), and no offset may wrap with the count (EOVERFLOW);
pread64/pwrite64/preadv/pwritev take no negative offset, preadv2/pwritev2 none below -1
(EINVAL), none an offset of a pipe, a socket or an anon-inode file (ESPIPE), and where
they move bytes their flags must be ones Linux knows -- RWF_ATOMIC and RWF_DONTCACHE not
on a memfd, a pipe or a socket (kiocb_set_rw_flags(): EOPNOTSUPP).  tee() takes no flag
past SPLICE_F_ALL and copies only from one pipe into another (EINVAL); fallocate() takes
no negative offset, no length below 1 (EINVAL) and no end past the largest loff_t (EFBIG).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR, UIO_MAXIOV
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.pipe_bytes import Fifo
from guardian.sole_files import V2, MemFile

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import OpenFile
    from guardian.slots import Slot

O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
_N = NUMBERS
_COPY, _PWRITEV2 = _N["copy_file_range"], _N["pwritev2"]
_FTRUNCATE = _N["ftruncate"]
#: Calls that read through args[0], write through args[0], and their one-off shapes.
READS_AT0 = frozenset(_N[n] for n in ("read", "pread64", "readv", "preadv", "preadv2"))
WRITES_AT0 = frozenset(_N[n] for n in ("write", "pwrite64", "writev", "pwritev", "pwritev2"))
_SPLICE, _FALLOCATE = _N["splice"], _N["fallocate"]
_TEE, _SENDFILE = _N["tee"], _N["sendfile"]
CALLS = READS_AT0 | WRITES_AT0 | {_FTRUNCATE, _COPY, _SPLICE, _FALLOCATE, _TEE, _SENDFILE}
#: SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, SPLICE_F_GIFT (SPLICE_F_ALL)
_SPLICE_F_ALL = 0xF
#: RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND, RWF_NOAPPEND, RWF_ATOMIC,
#: RWF_DONTCACHE, RWF_NOSIGNAL (6.15+): the flags a 6.x kernel knows (RWF_SUPPORTED; an
#: older one refuses the newer ones, EOPNOTSUPP); of them shmem takes neither RWF_ATOMIC
#: (no FMODE_CAN_ATOMIC_WRITE) nor RWF_DONTCACHE (no FOP_DONTCACHE), nor does a pipe or a
#: socket.
RWF_KNOWN = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100
_RWF_NOT_SHMEM = 0x40 | 0x80
_V2 = V2
#: calls at an offset argument (args[3])
_POSITIONED = frozenset(_N[n] for n in ("pread64", "pwrite64", "preadv", "pwritev")) | _V2
_ARGS_JUDGED = _POSITIONED | {_COPY, _SPLICE, _TEE, _FALLOCATE}
_PIPE2 = _N["pipe2"]
#: Makers of open files with no position: sockets and anon-inode files
#: (alloc_file_pseudo() sets no FMODE_PREAD/FMODE_PWRITE: ksys_pread64() answers ESPIPE).
_NO_POSITION = frozenset(_N[n] for n in (
    "socket", "socketpair", "accept", "accept4", "eventfd2", "timerfd_create", "signalfd4",
    "epoll_create1", "inotify_init1"))
_SOCKETS = frozenset(_N[n] for n in ("socket", "socketpair", "accept", "accept4"))
#: pidfd_open: a pidfs file (pidfs_file_operations: poll, ioctl and fdinfo only).
_PIDFD_OPEN = _N["pidfd_open"]
MASK64, S64_MAX = (1 << 64) - 1, (1 << 63) - 1
AT_FILE_POSITION = (1 << 64) - 1


def _file(files: Descriptors, slot: Slot, fd: int) -> OpenFile | None:
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    return f if f is not None and f.access is not None else None


def _refuse(slot: Slot, why: str) -> None:
    refuse("return.fd_mode", Status.ERR_DENIED,
           f"syscall {slot.nr} answered success {why}")


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    """`return.fd_mode` and `return.move_args` for a call that answered `ret`."""
    nr = slot.nr
    if nr not in CALLS or ret >= ERRNO_FLOOR or (nr == _FTRUNCATE and ret):
        return
    a = slot.args
    # (what the descriptors name counts only where the call met the table as it is now)
    steady = files.steady(slot)
    if nr in _ARGS_JUDGED:
        _check_args(files, slot, ret, steady)
    if not steady:
        return
    ends: list[tuple[int, bool]] = []      # (descriptor, written)
    if nr in READS_AT0:
        ends = [(a[0], False)]
    elif nr in WRITES_AT0 or nr == _FTRUNCATE or nr == _FALLOCATE:
        ends = [(a[0], True)]
    elif nr == _COPY:
        ends = [(a[0], False), (a[2], True)]
    elif nr == _SENDFILE:       # (do_sendfile() looks at both ends whatever the count)
        ends = [(a[1], False), (a[0], True)]
    elif nr == _SPLICE and a[4]:    # (a zero length answers 0 before any end is looked at)
        ends = [(a[0], False), (a[2], True)]
    elif nr == _TEE and a[2]:
        ends = [(a[0], False), (a[1], True)]
    for fd, written in ends:
        f = _file(files, slot, fd)
        if f is None:
            continue
        if f.path_only:
            _refuse(slot, f"through descriptor {fd & 0xFFFF_FFFF}, an O_PATH handle: "
                    "fdget() refuses FMODE_PATH (EBADF)")
        if written and f.access not in (O_WRONLY, O_RDWR):
            _refuse(slot, f"writing through descriptor {fd & 0xFFFF_FFFF}, opened "
                    f"with access mode {f.access}: Linux needs FMODE_WRITE (EBADF; "
                    "ftruncate EINVAL)")
        if not written and f.access not in (O_RDONLY, O_RDWR):
            _refuse(slot, f"reading through descriptor {fd & 0xFFFF_FFFF}, opened "
                    f"with access mode {f.access}: Linux needs FMODE_READ (EBADF)")
        if nr == _COPY and written and appends_throughout(files, slot, fd):
            refuse("return.move_args", Status.ERR_DENIED,
                   "copy_file_range() into an O_APPEND open file answered success: "
                   "generic_copy_file_checks() refuses it (EBADF)")


def _check_args(files: Descriptors, slot: Slot, ret: int, steady: bool) -> None:
    a, nr = slot.args, slot.nr
    if nr == _SPLICE:
        _check_splice(files, slot, steady)
        return
    if nr == _TEE:
        _check_tee(files, slot, steady)
        return
    if nr == _FALLOCATE:
        _check_fallocate(slot)
        return
    if nr in _POSITIONED and steady and no_position(files, slot, a[0]) and \
            not (nr in _V2 and a[3] == AT_FILE_POSITION):
        refuse("return.move_args", Status.ERR_DENIED,
               f"syscall {nr} at an offset of a pipe, a socket or an anon-inode file "
               "answered success: it has no position (FMODE_PREAD/FMODE_PWRITE unset: "
               "ESPIPE)")
    if nr in _POSITIONED:
        if a[3] >= 1 << 63 and not (nr in _V2 and a[3] == AT_FILE_POSITION):
            refuse("return.move_args", Status.ERR_DENIED,
                   f"syscall {nr} at the negative offset {a[3] - (1 << 64)} answered "
                   "success: ksys_pread64()/ksys_pwrite64()/do_preadv()/do_pwritev() refuse "
                   "it (EINVAL; preadv2/pwritev2 take -1 as the file position)")
    if nr in _V2:
        flags = a[5] & 0xFFFF_FFFF
        shmem = steady and (f := files.open_file(slot, a[0] & 0xFFFF_FFFF)) is not None \
            and bool(f.memfd)
        refusing = shmem or (steady and (is_pipe(files, slot, a[0]) or
                                         is_socket(files, slot, a[0])))  # (none takes these)
        unknown = flags & ~RWF_KNOWN | (flags & _RWF_NOT_SHMEM if refusing else 0)
        # (vfs_readv()/vfs_writev() answer 0 for vectors of no bytes before
        # kiocb_set_rw_flags() looks at the flags: a move of bytes, or vectors that hold
        # some as the program passed them, tells)
        if unknown and (ret > 0 or ret == 0 and vectors_hold_bytes(slot)):
            refuse("return.move_args", Status.ERR_DENIED,
                   f"syscall {nr} with flags {flags:#x} answered success: "
                   "kiocb_set_rw_flags() refuses a flag it does not know, and RWF_ATOMIC or "
                   "RWF_DONTCACHE where the file cannot take it (a memfd, a pipe, a "
                   "socket: EOPNOTSUPP)")
    if nr != _COPY:
        return
    if a[5] & 0xFFFF_FFFF:
        refuse("return.move_args", Status.ERR_DENIED,
               f"copy_file_range() with flags {a[5] & 0xFFFF_FFFF:#x} answered success: "
               "vfs_copy_file_range() refuses any flag (EINVAL)")
    # generic_copy_file_checks(): "Ensure offsets don't wrap" before the count is cut to
    # the source's end (EOVERFLOW); the sums are u64 (loff_t + size_t)
    for fd, at in ((a[0], a[1]), (a[2], a[3])):
        pos = _position(files, slot, at, files.sole.of(slot, fd) if steady else None)
        if pos is not None and (pos + a[4]) & MASK64 < pos & MASK64:
            refuse("return.move_args", Status.ERR_DENIED,
                   f"copy_file_range() of {a[4]} bytes at offset {pos} answered success: "
                   "the offset wraps, generic_copy_file_checks() refuses it (EOVERFLOW)")
    if not steady:
        return
    for fd in (a[0], a[2]):
        f = files.open_file(slot, fd & 0xFFFF_FFFF)
        held = files.sole.of(slot, fd)
        if (f is not None and f.maker == _PIPE2) or (held is not None and
                                                      isinstance(held[1], Fifo)):
            refuse("return.move_args", Status.ERR_DENIED,
                   "copy_file_range() with a pipe end answered success: "
                   "generic_file_rw_checks() takes regular files only (EINVAL)")
    if not ret:
        return
    sole = files.sole
    src, dst = sole.of(slot, a[0]), sole.of(slot, a[2])
    pos_in = _position(files, slot, a[1], src)
    pos_out = _position(files, slot, a[3], dst)
    size = src[1].size if src is not None and isinstance(src[1], MemFile) and \
        src[1].followed else None
    if pos_in is not None and size is not None and ret > max(0, size - pos_in):
        refuse("return.move_args", Status.ERR_DENIED,
               f"copy_file_range() copied {ret} bytes from offset {pos_in} of the "
               f"program's own {size}-byte memfd: Linux copies no more than lies past "
               "the position (nothing from at or past the end)")
    # generic_copy_file_checks() shortens the count to what lies past pos_in first, then
    # refuses overlapping ranges of one file (the size must be known to tell)
    count = min(a[4], max(0, size - pos_in)) if size is not None and pos_in is not None \
        else None
    if src is not None and dst is not None and src[1] is dst[1] and pos_in is not None \
            and pos_out is not None and count is not None and \
            pos_in < pos_out + count and pos_out < pos_in + count:
        refuse("return.move_args", Status.ERR_DENIED,
               "copy_file_range() within one memfd over overlapping ranges answered "
               "success: generic_copy_file_checks() refuses it (EINVAL)")


def _position(files: Descriptors, slot: Slot, at: int, held: tuple[object, object] | None
              ) -> int | None:
    """Where a move reads or writes: *at as the program passed it (read at the entry),
    or the file offset of the open file (None: not known)."""
    if at:
        raw = slot.asked.get(at)
        return struct.unpack("<q", raw)[0] if raw is not None else None
    if held is None or not isinstance(held[1], MemFile):
        return None
    return held[1].offset_of(held[0])


def appends_throughout(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Did descriptor `fd`'s open file, of a memfd the Guardian follows, append for the
    whole of the slot's call?  Linux tests f_flags once, somewhere inside the call: an
    F_SETFL (or other ordered call) on it in flight now, or one that returned since the
    call entered (in any table: a fork child shares the open file), may have gone either
    side of that test."""
    held = files.sole.of(slot, fd)
    return held is not None and isinstance(held[1], MemFile) and \
        slot.id >= files.flags_from and files.sole.settled(slot, fd) is held[1] and \
        held[1].appends(held[0])


def is_pipe(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` an end of a pipe the program made (pipe2)?"""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    held = files.sole.of(slot, fd)
    return (f is not None and f.maker == _PIPE2) or (held is not None and
                                                      isinstance(held[1], Fifo))


def vectors_hold_bytes(slot: Slot) -> bool:
    """Do the iovecs of the preadv2/pwritev2 in `slot`, as the Guardian read them at the
    entry (import_iovec() copies them before any byte moves), hold a byte?  False where
    they were not kept or Linux refuses them before the flags (more than UIO_MAXIOV, a
    length past SSIZE_MAX: EINVAL)."""
    a = slot.args
    iovcnt = a[2] & 0xFFFF_FFFF
    raw = slot.asked.get(a[1])
    if not 0 < iovcnt <= UIO_MAXIOV or raw is None or len(raw) < 16 * iovcnt:
        return False
    lengths = [struct.unpack_from("<Q", raw, 16 * i + 8)[0] for i in range(iovcnt)]
    return all(n < 1 << 63 for n in lengths) and any(lengths)


def no_position(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` a pipe end, a socket or an anon-inode file the program made
    (no FMODE_PREAD/FMODE_PWRITE)?"""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    return is_pipe(files, slot, fd) or (f is not None and f.maker in _NO_POSITION)


def is_socket(files: Descriptors, slot: Slot, fd: int) -> bool:
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    return f is not None and (f.sock is not None or f.maker in _SOCKETS)


def is_pidfd(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` a pidfd the program made by pidfd_open(), a copy of one, or an
    open of /proc/self/fd/N (/dev/fd/N) of one (pidfs: the same inode, whose i_fop is
    pidfs_file_operations)?"""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    return f is not None and f.maker == _PIDFD_OPEN


def _check_fallocate(slot: Slot) -> None:
    """vfs_fallocate(): "if (offset < 0 || len <= 0) return -EINVAL", and an end past
    s_maxbytes or wrapping the loff_t -EFBIG -- whatever the file and the mode."""
    off, length = _s64(slot.args[2]), _s64(slot.args[3])
    if off < 0 or length <= 0 or off + length > S64_MAX:
        refuse("return.move_args", Status.ERR_DENIED,
               f"fallocate() at offset {off} of length {length} answered success: "
               "vfs_fallocate() refuses a negative offset, a length not above 0 (EINVAL) "
               "and an end past the largest loff_t (EFBIG)")


def _s64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def _check_tee(files: Descriptors, slot: Slot, steady: bool) -> None:
    """sys_tee() refuses flags past SPLICE_F_ALL (EINVAL) before it looks at the length,
    answers 0 for a zero length, and do_tee() copies only from one pipe into another
    (EINVAL: a pipe into itself, or an end that is no pipe)."""
    a = slot.args
    if a[3] & 0xFFFF_FFFF & ~_SPLICE_F_ALL:
        refuse("return.move_args", Status.ERR_DENIED,
               f"tee() with flags {a[3] & 0xFFFF_FFFF:#x} answered success: sys_tee() "
               "refuses flags past SPLICE_F_ALL (EINVAL)")
    if not a[2] or not steady:
        return
    src, dst = files.sole.of(slot, a[0]), files.sole.of(slot, a[1])
    if src is not None and dst is not None and src[1] is dst[1] and isinstance(src[1], Fifo):
        refuse("return.move_args", Status.ERR_DENIED,
               "tee() of a pipe into itself answered success: do_tee() refuses it (EINVAL)")
    for fd in (a[0], a[1]):
        f = files.open_file(slot, fd & 0xFFFF_FFFF)
        if f is not None and (f.memfd or f.maker in _NO_POSITION) and \
                not is_pipe(files, slot, fd):
            refuse("return.move_args", Status.ERR_DENIED,
                   f"tee() through descriptor {fd & 0xFFFF_FFFF}, no pipe, answered "
                   "success: do_tee() copies between pipes only (EINVAL)")


def _check_splice(files: Descriptors, slot: Slot, steady: bool) -> None:
    """splice() checks its flags, its offsets and its ends before it moves a byte
    (do_splice()): flags past SPLICE_F_ALL EINVAL, an offset for a pipe end ESPIPE, and a
    pipe into itself EINVAL (splice_pipe_to_pipe()).  A zero length answers 0 before
    any of them (sys_splice())."""
    a = slot.args
    if not a[4]:
        return
    if a[5] & 0xFFFF_FFFF & ~_SPLICE_F_ALL:
        refuse("return.move_args", Status.ERR_DENIED,
               f"splice() with flags {a[5] & 0xFFFF_FFFF:#x} answered success: do_splice() "
               "refuses flags past SPLICE_F_ALL (EINVAL)")
    if not steady:
        return
    for fd, off in ((a[0], a[1]), (a[2], a[3])):
        if off and is_pipe(files, slot, fd):
            refuse("return.move_args", Status.ERR_DENIED,
                   "splice() with an offset for a pipe end answered success: do_splice() "
                   "refuses it (ESPIPE)")
    src, dst = files.sole.of(slot, a[0]), files.sole.of(slot, a[2])
    if src is not None and dst is not None and src[1] is dst[1] and isinstance(src[1], Fifo):
        refuse("return.move_args", Status.ERR_DENIED,
               "splice() of a pipe into itself answered success: splice_pipe_to_pipe() "
               "refuses it (EINVAL)")
