"""The ends and positions splice(), tee(), sendfile() and copy_file_range() take, judged
where the call answers success (`return.move_ends`).

- tee() copies only from one pipe into another: an end that is a device the program
  opened by name (/dev/null ...) fails as a memfd or a socket does (do_tee(): EINVAL).
- splice() of a nonzero length (sys_splice() answers 0 for none before anything else)
  needs a pipe at one end (do_splice(): EINVAL), takes an offset only for an end with a
  position (a socket or an anon-inode file has no FMODE_PREAD/FMODE_PWRITE: EINVAL), no
  O_APPEND output (EINVAL) and no negative offset of a memfd (rw_verify_area(): EINVAL);
  an anon-inode file (eventfd, timerfd, signalfd, epoll, inotify) or a pidfd at either
  end has no splice_read/splice_write (do_splice_read(), do_splice_from(): EINVAL).
- sendfile(), whatever its count, reads at an offset only from a file with a position
  (do_sendfile(): ESPIPE), at no negative one of a memfd (rw_verify_area(): EINVAL), and
  writes into no O_APPEND memfd (do_splice_direct_actor(): EINVAL); from an anon-inode
  file it moves nothing (do_splice_read(): EINVAL, 0 for a count of 0), into one no byte
  (do_splice_from(): EINVAL, 0 where nothing was read).
- copy_file_range(), whatever its count, copies between regular files only (a device
  opened by name or a socket: generic_file_rw_checks(), EINVAL) and at no negative
  offset of a memfd (rw_verify_area(): EINVAL); a pipe, a socket or an anon-inode file
  is no regular file either.  A pidfd (pidfs: S_ISREG, size 0, no copy_file_range)
  copies no byte, and nothing to or from a file of another super block
  (generic_copy_file_checks(): EXDEV; EINVAL for an anon-inode pidfd before pidfs);
  between two pidfds 6.18 answers 0.

A memfd's rw_verify_area() knows no FMODE_UNSIGNED_OFFSET (only /dev/mem and
/proc/PID/mem have it).  For the descriptors whose open file the Guardian saw made and a
table no other call changed since the call began (`Descriptors.steady`); the offsets as
the program passed them, read at the call's entry (sole_moves.note_entry).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_modes import appends_throughout, is_pidfd, is_pipe, is_socket, no_position
from guardian.read_counts import DEVICES
from guardian.sole_files import MemFile

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_SPLICE, _TEE = NUMBERS["splice"], NUMBERS["tee"]
_SENDFILE, _COPY = NUMBERS["sendfile"], NUMBERS["copy_file_range"]
CALLS = frozenset({_SPLICE, _TEE, _SENDFILE, _COPY})


def _refuse(slot: Slot, why: str) -> None:
    refuse("return.move_ends", Status.ERR_DENIED, f"syscall {slot.nr} answered success {why}")


def _device(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` a character device the program opened by name (/dev/null ...)?"""
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    return f is not None and not f.memfd and f.maker is None and f.path in DEVICES


def _memfd(files: Descriptors, slot: Slot, fd: int) -> bool:
    f = files.open_file(slot, fd & 0xFFFF_FFFF)
    held = files.sole.of(slot, fd)
    return (f is not None and bool(f.memfd)) or (held is not None and
                                                isinstance(held[1], MemFile))


def _no_pipe(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` known to be no pipe (a memfd, a socket, an anon-inode file, a
    device)?"""
    return not is_pipe(files, slot, fd) and (
        _memfd(files, slot, fd) or no_position(files, slot, fd) or _device(files, slot, fd))


def _anon(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` an anon-inode file the program made (eventfd, timerfd, signalfd,
    epoll, inotify) or a pidfd (pidfs_file_operations): no splice_read nor splice_write
    in its file_operations?"""
    return is_pidfd(files, slot, fd) or no_position(files, slot, fd) and \
        not is_pipe(files, slot, fd) and not is_socket(files, slot, fd)


def _other_sb(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Is descriptor `fd` known to lie on no pidfs super block (a memfd, a pipe, a socket,
    an anon-inode file, a device)?"""
    return _memfd(files, slot, fd) or no_position(files, slot, fd) or \
        _device(files, slot, fd)


def _negative(slot: Slot, at: int) -> bool:
    """Did the offset pointer `at` hold a negative loff_t at the call's entry?"""
    raw = slot.asked.get(at) if at else None
    return raw is not None and struct.unpack("<q", raw)[0] < 0


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    """`return.move_ends` for a move that answered `ret` (an errno: nothing to judge)."""
    nr, a = slot.nr, slot.args
    if nr not in CALLS or ret >= ERRNO_FLOOR or not files.steady(slot):
        return
    if nr == _TEE and a[2]:
        for fd in (a[0], a[1]):
            if _device(files, slot, fd):
                _refuse(slot, f"for tee() through descriptor {fd & 0xFFFF_FFFF}, a device "
                        "and no pipe: do_tee() copies between pipes only (EINVAL)")
    elif nr == _SPLICE and a[4]:
        _check_splice(files, slot)
    elif nr == _SENDFILE:
        if a[2] and no_position(files, slot, a[1]):
            _refuse(slot, "for sendfile() at an offset of a pipe, a socket or an anon-inode "
                    "file: do_sendfile() needs FMODE_PREAD (ESPIPE)")
        if _negative(slot, a[2]) and _memfd(files, slot, a[1]):
            _refuse(slot, "for sendfile() at a negative offset of a memfd: "
                    "rw_verify_area() refuses it (EINVAL)")
        if appends_throughout(files, slot, a[0]):
            _refuse(slot, "for sendfile() into an O_APPEND memfd: "
                    "do_splice_direct_actor() refuses an appending output (EINVAL)")
        if a[3] and _anon(files, slot, a[1]):
            _refuse(slot, f"for sendfile() of {a[3]} bytes from an anon-inode file or a pidfd: "
                    "do_splice_read() finds no splice_read (EINVAL)")
        if ret > 0 and _anon(files, slot, a[0]):
            _refuse(slot, f"of {ret} bytes for sendfile() into an anon-inode file or a pidfd: "
                    "do_splice_from() finds no splice_write (EINVAL)")
    elif nr == _COPY:
        for fd in (a[0], a[2]):
            if _device(files, slot, fd) or no_position(files, slot, fd):
                _refuse(slot, f"for copy_file_range() through descriptor {fd & 0xFFFF_FFFF}, "
                        "no regular file (a device, pipe, socket or anon-inode file): "
                        "generic_file_rw_checks() refuses it (EINVAL)")
        for fd, other in ((a[0], a[2]), (a[2], a[0])):
            if is_pidfd(files, slot, fd) and (ret > 0 or _other_sb(files, slot, other)):
                _refuse(slot, f"for copy_file_range() through descriptor {fd & 0xFFFF_FFFF}, "
                        "a pidfd: generic_copy_file_checks() copies nothing out of an "
                        "empty pidfs inode and nothing across super blocks (EXDEV; EINVAL "
                        "before pidfs)")
        for fd, at in ((a[0], a[1]), (a[2], a[3])):
            if _negative(slot, at) and _memfd(files, slot, fd):
                _refuse(slot, "for copy_file_range() at a negative offset of a memfd: "
                        "rw_verify_area() refuses it (EINVAL)")


def _check_splice(files: Descriptors, slot: Slot) -> None:
    """do_splice() of a nonzero length: a pipe at one end, an offset only where the end
    has a position, no O_APPEND output, no negative offset (rw_verify_area())."""
    a = slot.args
    if _no_pipe(files, slot, a[0]) and _no_pipe(files, slot, a[2]):
        _refuse(slot, "for splice() between two ends that are no pipes: do_splice() "
                "needs a pipe at one end (EINVAL)")
    for fd in (a[0], a[2]):
        if _anon(files, slot, fd):
            _refuse(slot, f"for splice() through descriptor {fd & 0xFFFF_FFFF}, an anon-inode "
                    "file or a pidfd: do_splice_read()/do_splice_from() find no splice_read/"
                    "splice_write (EINVAL)")
    for fd, at in ((a[0], a[1]), (a[2], a[3])):
        if at and not is_pipe(files, slot, fd) and no_position(files, slot, fd):
            _refuse(slot, f"for splice() at an offset of descriptor {fd & 0xFFFF_FFFF}, a "
                    "socket or an anon-inode file: do_splice() needs FMODE_PREAD/"
                    "FMODE_PWRITE (EINVAL)")
        if _negative(slot, at) and _memfd(files, slot, fd):
            _refuse(slot, "for splice() at a negative offset of a memfd: rw_verify_area() "
                    "refuses it (EINVAL)")
    if appends_throughout(files, slot, a[2]):
        _refuse(slot, "for splice() into an O_APPEND memfd: do_splice() refuses an "
                "appending output (EINVAL)")
