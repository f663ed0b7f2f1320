"""`return.epipe_reader`: a pipe write fails with EPIPE only once no reader is left.

fs/pipe.c pipe_write() answers -EPIPE (and raises SIGPIPE) only when pipe->readers is 0:
every open file of the pipe's read end has been released.  A read end one of the calling
thread's own descriptors names is open (its struct file holds a reader), so a write() or
writev() on that pipe's write end cannot answer -EPIPE.

Judged only where the Guardian knows: the pipe was made by the program's pipe2 (which
ends go together), the caller's table names both the written descriptor's write end and
a descriptor of its read end when the answer comes, and no other thread of the program is
in a call that may close descriptors (a close the Guardian has not seen yet may already
have dropped the reader).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_results import s32
from guardian.poll_open import close_in_flight
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors

EPIPE_RESULT = (1 << 64) - 32
#: The calls `check` judges (pwrite64/pwritev on a pipe are -ESPIPE first).
CALLS = frozenset({NUMBERS["write"], NUMBERS["writev"]})


def check(files: Descriptors, slot: Slot, ret: int, in_flight: Iterable[Slot]) -> None:
    """Refuse -EPIPE from a write on a pipe whose read end the caller holds open."""
    if ret != EPIPE_RESULT or slot.nr not in CALLS:
        return
    fd = s32(slot.args[0])
    write_end = files.description_of(slot, fd)
    if write_end is None:
        return
    read_ends = [r for r, w in files.pipe_writers.items() if w is write_end]
    if not read_ends:
        return
    table = files.table(slot.root, slot.thread)
    held = [n for n, f in table.fds.items() if f.description in read_ends]
    if not held or close_in_flight(slot, in_flight):
        return
    refuse("return.epipe_reader", Status.ERR_DENIED,
           f"syscall {slot.nr} on pipe descriptor {fd} answers -EPIPE, yet the caller holds "
           f"the pipe's read end open (descriptor {held[0]}): Linux's pipe_write answers "
           "-EPIPE only once no reader is left")
