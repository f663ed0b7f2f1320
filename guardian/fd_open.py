"""`return.fd_open`: a call that needs an open descriptor succeeds only on one.

read(), write(), lseek() and their kin look the descriptor up with fdget()/fdget_pos(),
which finds no file for a number that is not open and refuses an O_PATH file (a handle
on a name only: FMODE_PATH), answering -EBADF.  So such a call cannot succeed on:

* a descriptor the program itself closed (close, close_range, FD_CLOEXEC at exec) before
  the call entered, with no descriptor made since (`FileTable.free`, as the lowest-free
  rule of fd_lowest.py keeps it) -- unless another thread sharing the table is in a call
  that may make one (the kernel may have handed it that number already);
* a descriptor the program opened with O_PATH (fstat and fcntl do take those);
* a negative number (AT_FDCWD, -1 ...): no table holds one (fdget() compares the number,
  as unsigned, with the table's size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_results import s32
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

#: Calls on the descriptor in their first argument that an O_PATH file refuses too.
_IO = frozenset(NUMBERS[n] for n in (
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
    "preadv2", "pwritev2", "lseek", "getdents64", "fsync", "fdatasync", "ftruncate",
    "fallocate", "ioctl") if n in NUMBERS)
#: ... and those an O_PATH file takes, but a closed number does not.
_ANY_FILE = frozenset(NUMBERS[n] for n in ("fstat", "fcntl", "fstatfs") if n in NUMBERS)
CALLS = _IO | _ANY_FILE


def check(files: Descriptors, slot: Slot, ret: int) -> None:
    if ret >= ERRNO_FLOOR or slot.nr not in CALLS:
        return
    fd = s32(slot.args[0])
    if fd < 0:
        refuse("return.fd_open", Status.ERR_DENIED,
               f"syscall {slot.nr} succeeds on descriptor {fd}: no descriptor is negative, "
               "Linux answers -EBADF")
        return                      # (a build without the check)
    table = files.table(slot.root, slot.thread)
    f = table.fds.get(fd)
    if f is not None:
        if f.path_only and slot.nr in _IO:
            refuse("return.fd_open", Status.ERR_DENIED,
                   f"syscall {slot.nr} succeeds on descriptor {fd}, which the program opened "
                   "with O_PATH: Linux answers -EBADF (a handle on a name only)")
        return
    freed_at = table.free.get(fd)
    if freed_at is not None and freed_at <= slot.id and not files.busy(slot, table):
        refuse("return.fd_open", Status.ERR_DENIED,
               f"syscall {slot.nr} succeeds on descriptor {fd}, which the program closed "
               "before the call and no call has made since: Linux answers -EBADF")
