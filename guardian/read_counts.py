"""How many bytes a read returns where Linux fixes the count.

`return.device_count`: /dev/zero (drivers/char/mem.c: read_zero(), read_iter_zero())
clears the buffer a page at a time, /dev/urandom and /dev/random
(drivers/char/random.c: get_random_bytes_user()) fill it in 32-byte blocks.  Each stops
early only where a copy to the program's memory faults (answering what it copied,
-EFAULT if nothing) or, after a whole page, at a pending signal.  So a read of n bytes
answers n or a page multiple below it, and only a fault explains anything else; never 0.

/dev/null (read_null(), write_null()) reads nothing and takes every byte written;
/dev/zero takes every byte written too (write_zero()), and /dev/full reads as /dev/zero
and refuses every write with -ENOSPC (write_full()): counts no copy can cut (a write to
them reads nothing of the buffer).

`return.counter_size`: an eventfd's read and write and a timerfd's read of one buffer
move exactly one u64 (eventfd_read(), eventfd_write(), timerfd_read(): -EINVAL below 8
bytes, else 8); a timerfd has no write operation.

`return.pipe_atomic`: a write of at most PIPE_BUF bytes into a pipe (fs/pipe.c pipe_write())
either merges whole into the last buffer or fills one new buffer whole; a copy that
faults part-way, a full O_NONBLOCK pipe, a signal or no reader fails it before any byte
counts.  So it moves every byte or none, in packet mode too (POSIX's PIPE_BUF atomicity).
A longer write first merges its last count % PAGE bytes' worth into the last buffer (or
not), then fills new buffers a page at a time, and stops early (a signal, a full
O_NONBLOCK pipe, a fault, a failed page allocation) only between two of those steps:
it answers the whole count or a multiple of a page, plus count % PAGE where it merged.

`return.admitted_count`: a regular file's read (mm/filemap.c: filemap_read()) answers
min(count, size - position); it stops short only where a copy faults (a fatal signal
ends the program, which then sees nothing).  The admitted file's size and the open
file's position are the Guardian's (admitted_reads.py).

A copy cannot fault where every page of the buffer is mapped writable at the return
and no call of the domain that may unmap or protect one is in flight.  vfs_read() and
the vector reads take at most MAX_RW_COUNT bytes.  A vector read's iovec array is the
one the kernel copied only while nothing could store there since the entry
(quiet_ranges.py); otherwise its count is not judged.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.quiet_ranges import quiet
from guardian.slots import PAGE, Domain, Slot
from guardian.user_memory import UserMemory

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry

#: INT_MAX rounded down to a page (include/linux/fs.h): the most one read moves.
MAX_RW_COUNT = 0x7FFF_F000
_UIO_MAXIOV = 1024
#: The reads and writes of one buffer (fd, buf, count[, pos]) and of an iovec array
#: (fd, iov, iovcnt).
ONE_BUFFER = frozenset(NUMBERS[n] for n in ("read", "pread64", "write", "pwrite64"))
VECTOR = frozenset(NUMBERS[n] for n in ("readv", "preadv", "preadv2", "writev", "pwritev",
                                         "pwritev2"))
WRITES = frozenset(NUMBERS[n] for n in ("write", "pwrite64", "writev", "pwritev", "pwritev2"))
#: The calls whose count on a device or counter file these rules judge.
CALLS = ONE_BUFFER | VECTOR
ZERO, NULL, FULL = "/dev/zero", "/dev/null", "/dev/full"
#: The devices whose counts Linux fixes (the random ones fill as /dev/zero clears).
DEVICES = frozenset({ZERO, NULL, FULL, "/dev/urandom", "/dev/random"})
_NR_EVENTFD2, _NR_TIMERFD_CREATE = NUMBERS["eventfd2"], NUMBERS["timerfd_create"]
PIPE_MAKER = NUMBERS["pipe2"]
#: The most bytes a pipe write moves all at once (include/uapi/linux/limits.h).
PIPE_BUF = 4096
_U64 = 8
#: Calls that may take a page of a buffer away or make it read-only while a read copies.
_REMAPPING = frozenset(NUMBERS[n] for n in ("munmap", "mprotect", "pkey_mprotect", "mremap",
                                             "madvise", "mmap", "brk", "shmdt")
                       if n in NUMBERS)


def requested(memory: UserMemory, slot: Slot, dom: Domain, others: Iterable[Slot],
              runs: Mapping[int, int]) -> list[tuple[int, int]] | None:
    """The (va, length) buffers the read asked to fill, as the kernel took them (None:
    not known for sure)."""
    a = slot.args
    if slot.nr in ONE_BUFFER:
        return [(a[1], a[2])]
    if slot.nr not in VECTOR:
        return None
    count = a[2] & 0xFFFF_FFFF
    if not 0 < count <= _UIO_MAXIOV or \
            not quiet(slot, dom, others, runs, [(slot.root, a[1], a[1] + 16 * count)]):
        return None
    raw = memory.read(a[1], 16 * count, slot.root)
    if raw is None:
        return None
    return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]


def requested_in(memory: UserMemory, slot: Slot, reg: Registry
                 ) -> tuple[list[tuple[int, int]], list[Slot]] | None:
    """`requested` for a slot of `reg`: the buffers and the calls in flight (None: the
    buffers not known for sure)."""
    dom = reg.domains.get(slot.domain)
    others = list(reg.slots.values())
    buffers = requested(memory, slot, dom, others, reg.user_runs) if dom is not None else None
    return None if buffers is None else (buffers, others)


def asked(buffers: list[tuple[int, int]]) -> int:
    """How many bytes the read may move (vfs_read() and import_iovec() cap it)."""
    return min(sum(n for _, n in buffers), MAX_RW_COUNT)


def cannot_fault(memory: UserMemory, slot: Slot, others: Iterable[Slot],
                 buffers: list[tuple[int, int]]) -> bool:
    """Whether copying into every buffer succeeds: each page is mapped writable now, and
    no other call of the domain that may unmap or protect one is in flight."""
    if any(o.id != slot.id and o.domain == slot.domain and o.nr in _REMAPPING for o in others):
        return False
    left = MAX_RW_COUNT
    for va, n in buffers:
        n = min(n, left)
        if n and memory.first_missing(va, n, True) is not None:
            return False
        left -= n
    return True


def check_device(memory: UserMemory, slot: Slot, dom: Domain, others: Iterable[Slot],
                 runs: Mapping[int, int], ret: int, device: str) -> None:
    """`return.device_count` for a read or write of one of DEVICES that answered `ret`
    (not an error)."""
    write = slot.nr in WRITES
    if write and device == FULL:
        refuse("return.device_count", Status.ERR_DENIED,
               f"a write to /dev/full answers {ret}: Linux refuses every write there with "
               "-ENOSPC")
        return
    if write and device not in (NULL, ZERO):
        return                      # (a random device's write mixes in what it is given)
    others = list(others)
    buffers = requested(memory, slot, dom, others, runs)
    if buffers is None:
        return
    total = asked(buffers)
    if write or device == NULL:
        expected = total if write else 0
        if ret != expected:
            refuse("return.device_count", Status.ERR_DENIED,
                   f"a {'write' if write else 'read'} of {total} bytes of {device} answers "
                   f"{ret}: Linux's {device} {'takes every byte written' if write else 'reads nothing'}"
                   f" ({expected})")
        return
    if ret >= total or (ret and ret % PAGE == 0):
        return                      # whole, or a signal after a whole page
    if ret and not cannot_fault(memory, slot, others, buffers):
        return                      # a copy may have faulted there
    refuse("return.device_count", Status.ERR_DENIED,
           f"a read of {total} bytes of {device} answers {ret}: Linux fills the whole buffer, "
           "stopping early only at a fault (the buffer is mapped writable) or after a whole "
           "page at a signal, and never answers 0 to a non-empty read")


def check_file(memory: UserMemory, slot: Slot, dom: Domain, others: Iterable[Slot],
               runs: Mapping[int, int], ret: int, path: str, size: int, pos: int) -> None:
    """`return.admitted_count` for a read at `pos` of the admitted file `path` (`size`
    bytes) that answered `ret` (not an error)."""
    others = list(others)
    buffers = requested(memory, slot, dom, others, runs)
    if buffers is None:
        return
    want = max(0, min(asked(buffers), size - pos))
    if ret >= want or (ret and not cannot_fault(memory, slot, others, buffers)):
        return
    refuse("return.admitted_count", Status.ERR_DENIED,
           f"a read of {asked(buffers)} bytes at offset {pos} of the admitted file {path} "
           f"({size} bytes) answers {ret}: Linux reads a file up to min(count, size - "
           "offset), short only where a copy faults (the buffer is mapped writable)")


def check_counter(slot: Slot, ret: int, maker: int | None) -> None:
    """`return.counter_size` for a read or write of an eventfd or timerfd the program made
    (`maker`: the call that made the descriptor) that answered `ret` (not an error).

    One buffer only: where a file has a plain read or write operation and no iterator
    one (an eventfd's write; both, before Linux 5.12 and 6.9), readv and writev call it
    once per iovec (do_loop_readv_writev()), so they may move a count per iovec."""
    if slot.nr not in ONE_BUFFER:
        return
    if maker == _NR_EVENTFD2 or (maker == _NR_TIMERFD_CREATE and slot.nr not in WRITES):
        if ret != _U64:
            kind = "an eventfd" if maker == _NR_EVENTFD2 else "a timerfd"
            refuse("return.counter_size", Status.ERR_DENIED,
                   f"a {'write' if slot.nr in WRITES else 'read'} of {kind} answers {ret}: "
                   "Linux moves exactly one 8-byte count (or fails)")
    elif maker == _NR_TIMERFD_CREATE:
        refuse("return.counter_size", Status.ERR_DENIED,
               f"a write to a timerfd answers {ret}: a timerfd has no write operation, Linux "
               "answers -EINVAL")


def check_pipe_write(memory: UserMemory, slot: Slot, dom: Domain, others: Iterable[Slot],
                     runs: Mapping[int, int], ret: int) -> None:
    """`return.pipe_atomic` for a write into the write end of a pipe the program made
    (pipe2) that answered `ret` (not an error)."""
    if slot.nr not in WRITES:
        return
    buffers = requested(memory, slot, dom, others, runs)
    if buffers is None:
        return
    total = asked(buffers)
    if total <= PIPE_BUF and ret != total:
        refuse("return.pipe_atomic", Status.ERR_DENIED,
               f"a write of {total} bytes into a pipe answers {ret}: Linux writes at most "
               f"PIPE_BUF ({PIPE_BUF}) bytes into a pipe all at once or fails")
    elif ret != total and (ret == 0 or (ret % PAGE and (ret - total % PAGE) % PAGE)):
        refuse("return.pipe_atomic", Status.ERR_DENIED,
               f"a write of {total} bytes into a pipe answers {ret}: Linux's pipe_write stops "
               f"early only between whole pages (after a merged head of {total % PAGE} "
               "bytes, if it merged), never at 0")
