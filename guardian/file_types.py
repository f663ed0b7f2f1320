"""What a descriptor's kind of file lets fallocate(), ftruncate() and the RWF flags of
preadv2()/pwritev2() do, judged where the call answers success (`return.file_type`).

fallocate() allocates only in a regular file or a block device: vfs_fallocate() answers
ESPIPE for a FIFO and ENODEV for anything else that is no regular file (a character
device such as /dev/null, a socket, an anon-inode file; a pidfd on pidfs is S_ISREG but
has no fallocate: EOPNOTSUPP).  ftruncate() cuts only a regular
file and never to a negative length: do_sys_ftruncate() answers EINVAL for a length below
0 before it looks up the descriptor, do_ftruncate() EINVAL for a file that is not S_ISREG
(a pidfd before pidfs; on pidfs, pidfs_setattr() answers EOPNOTSUPP).
A preadv2()/pwritev2() that moves bytes takes its flags through kiocb_set_rw_flags(),
which refuses RWF_ATOMIC for a read and, for a write, without FMODE_CAN_ATOMIC_WRITE
(a character device has none), and RWF_DONTCACHE without FOP_DONTCACHE (EOPNOTSUPP);
a file with no write_iter (an eventfd, /dev/full) writes through do_loop_readv_writev(),
which takes RWF_HIPRI only (EOPNOTSUPP).  The kinds are known for the descriptors the
Guardian saw made and a table no other call changed since the call began
(`Descriptors.steady`); the negative length needs no descriptor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_modes import is_pidfd, is_pipe, is_socket, no_position, vectors_hold_bytes

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_N = NUMBERS
_FALLOCATE, _FTRUNCATE = _N["fallocate"], _N["ftruncate"]
_PREADV2, _PWRITEV2 = _N["preadv2"], _N["pwritev2"]
CALLS = frozenset({_FALLOCATE, _FTRUNCATE, _PREADV2, _PWRITEV2})
#: The character devices the program names by their own names (drivers/char/mem.c,
#: random.c): none regular, none with FMODE_CAN_ATOMIC_WRITE or FOP_DONTCACHE.
CHAR_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                          "/dev/urandom"})
#: Of them, /dev/full has no write_iter (full_fops: .write only).
_NO_WRITE_ITER_DEVICES = frozenset({"/dev/full"})
#: Makers of files whose write goes through .write, not .write_iter (eventfd_fops); the
#: other anon-inode files (timerfd, signalfd, epoll, inotify) take no write at all.
_NO_WRITE_ITER_MAKERS = frozenset(_N[n] for n in (
    "eventfd2", "timerfd_create", "signalfd4", "epoll_create1", "inotify_init1"))
#: vfs_fallocate()'s errno by kind (a pidfd: S_ISREG on pidfs, no f_op->fallocate).
_FALLOCATE_ERRNO = {"a pipe": "ESPIPE", "a pidfd": "EOPNOTSUPP"}
RWF_HIPRI, RWF_ATOMIC, RWF_DONTCACHE = 0x1, 0x40, 0x80
_SIGN = 1 << 63


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    """`return.file_type` for a fallocate, ftruncate, preadv2 or pwritev2 that answered
    `ret`."""
    nr, a = slot.nr, slot.args
    if nr not in CALLS or ret >= ERRNO_FLOOR:
        return
    if nr == _FTRUNCATE and a[1] & _SIGN:
        _refuse(f"ftruncate() to the length {a[1] - (1 << 64)} answered success: "
                "do_sys_ftruncate() refuses a negative length (EINVAL)")
    if not files.steady(slot):
        return
    kind = _kind(files, slot, a[0])
    fd = a[0] & 0xFFFF_FFFF
    if nr == _FALLOCATE and kind is not None:
        _refuse(f"fallocate() of descriptor {fd}, {kind}, answered success: "
                "vfs_fallocate() allocates in regular files and block devices only "
                f"({_FALLOCATE_ERRNO.get(kind, 'ENODEV')})")
    if nr == _FTRUNCATE and kind is not None:
        _refuse(f"ftruncate() of descriptor {fd}, {kind}, answered success: "
                "do_ftruncate() cuts regular files only (EINVAL; a pidfd: "
                "pidfs_setattr() EOPNOTSUPP)")
    if nr in (_PREADV2, _PWRITEV2):
        _check_flags(files, slot, ret, kind)


def _check_flags(files: Descriptors, slot: Slot, ret: int, kind: str | None) -> None:
    """kiocb_set_rw_flags() and do_loop_readv_writev() by the kind of file; a move of
    bytes, or vectors that hold some, tells the flags were looked at (vfs_readv() and
    vfs_writev() answer 0 for vectors of no bytes first)."""
    a, nr = slot.args, slot.nr
    flags = a[5] & 0xFFFF_FFFF
    if not flags or not (ret > 0 or ret == 0 and vectors_hold_bytes(slot)):
        return
    why = None
    if nr == _PREADV2 and flags & RWF_ATOMIC:
        why = "kiocb_set_rw_flags() takes RWF_ATOMIC for a write only"
    elif nr == _PWRITEV2 and kind is not None:
        f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
        loop = f is not None and (f.maker in _NO_WRITE_ITER_MAKERS and not
                                  is_socket(files, slot, a[0])
                                  or f.path in _NO_WRITE_ITER_DEVICES)
        if loop and flags & ~RWF_HIPRI:
            why = (f"{kind} has no write_iter: do_loop_readv_writev() takes RWF_HIPRI "
                   "only")
        elif kind == "a character device" and flags & (RWF_ATOMIC | RWF_DONTCACHE):
            why = ("a character device has no FMODE_CAN_ATOMIC_WRITE nor FOP_DONTCACHE: "
                   "kiocb_set_rw_flags() refuses RWF_ATOMIC and RWF_DONTCACHE")
    if why is not None:
        _refuse(f"syscall {nr} of descriptor {a[0] & 0xFFFF_FFFF} with flags {flags:#x} "
                f"answered success: {why} (EOPNOTSUPP)")


def _kind(files: Descriptors, slot: Slot, fd: int) -> str | None:
    """The kind of descriptor `fd`'s file where it is known to be no regular file: a pipe,
    a socket, an anon-inode file or a character device; None: regular or not known."""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    if is_pipe(files, slot, fd):
        return "a pipe"
    if f is None or f.memfd or f.path_only:
        return None
    if f.fifo:
        return "a pipe"             # (a pipe's end opened again by name: S_ISFIFO)
    if is_pidfd(files, slot, fd):
        return "a pidfd"            # (pidfs: no fallocate, pidfs_setattr(): EOPNOTSUPP)
    if is_socket(files, slot, fd):
        return "a socket"
    if no_position(files, slot, fd):
        return "an anon-inode file"
    if f.maker is None and f.path in CHAR_DEVICES:
        return "a character device"
    return None


def no_directory(files: Descriptors, slot: Slot, fd: int) -> str | None:
    """The kind of descriptor `fd`'s file where it is known to be no directory (a memfd
    too); None: not known.  Only for a table `files.steady(slot)` holds."""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    if f is not None and f.memfd and not f.path_only:
        return "a memfd"
    return _kind(files, slot, fd)


def _refuse(why: str) -> None:
    refuse("return.file_type", Status.ERR_DENIED, why)
