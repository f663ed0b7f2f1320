"""Iago results of the byte-moving syscalls: a count never exceeds what was asked.

read(fd, buf, n) returning more than n is outside the call's contract, and code that
trusts it (buf[ret] = 0, a write-all loop's `left -= ret`) turns the kernel's number
into a write past its buffer or a wrapped count that hands the kernel memory it was
never asked to send.  The bound is the program's own: the count argument, the total
of its iovec array (readv/writev/preadv/pwritev and their v2 forms, recvmsg/sendmsg
through their msghdr), read from its memory when the result comes back.  The one
exception is the program's own: recv with MSG_TRUNC asks for a datagram's real length.

A read-family result n also says that the kernel wrote n bytes into the buffer: a
program that reuses a buffer sends on what it takes for data read, so a count within
the bound that covers bytes nobody wrote passes the buffer's old contents (a secret)
off as input.  The Guardian records every write the kernel makes through the syscall's
capabilities (`Slot.written`) and requires [buf, buf + n) covered -- for the vector
forms, the first n bytes across the iovecs in order.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    COUNT_ARG,
    ERRNO_FLOOR,
    IOVEC_ARGS,
    MSG_TRUNC,
    MSGHDR_ARG,
    NR_PULSE_SUBMIT,
    READ_BUF_ARG,
    READ_VECTORS,
    RECV_FLAGS_ARG,
    UIO_MAXIOV,
)
from abi.syscalls import NUMBERS as _NR
from guardian.checks import FaultIn, refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_IOVEC = 16            # struct iovec: base, len
_MSG_IOV = 16          # struct msghdr: msg_iov at 16, msg_iovlen at 24
_U64 = (1 << 64) - 1


#: The calls whose results `check_count`, `check_written` and `check_offload` judge.
CALLS = frozenset({*COUNT_ARG, *IOVEC_ARGS, *MSGHDR_ARG, *READ_BUF_ARG, *READ_VECTORS,
                   NR_PULSE_SUBMIT})


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    """The program's bytes; the kernel faults a missing page in and asks again."""
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def _iovec_total(memory: UserMemory, slot: Slot, iov: int, count: int) -> int | None:
    """The summed lengths of `count` iovecs at `iov` (None: Linux fails the call first)."""
    if count > UIO_MAXIOV:
        return None
    if count == 0:
        return 0
    raw = _read(memory, slot, iov, count * _IOVEC)
    return min(sum(struct.unpack_from("<Q", raw, i * _IOVEC + 8)[0] for i in range(count)), _U64)


def asked(memory: UserMemory, slot: Slot) -> int | None:
    """The most bytes the slot's syscall may report (None: not a counting syscall, or one
    that can only fail)."""
    nr, a = slot.nr, slot.args
    if nr in COUNT_ARG:
        return a[COUNT_ARG[nr]]
    if nr in IOVEC_ARGS:
        iov, cnt = IOVEC_ARGS[nr]
        return _iovec_total(memory, slot, a[iov], a[cnt])
    if nr in MSGHDR_ARG:
        iov, cnt = struct.unpack("<QQ", _read(memory, slot, a[MSGHDR_ARG[nr]] + _MSG_IOV, 16))
        return _iovec_total(memory, slot, iov, cnt)
    return None


def check_count(memory: UserMemory, slot: Slot, ret: int) -> None:
    """Refuse a success result above the count the program asked for."""
    if slot.nr not in COUNT_ARG and slot.nr not in IOVEC_ARGS and slot.nr not in MSGHDR_ARG:
        return
    if ret >= ERRNO_FLOOR:
        return                                  # -errno: always within the contract
    if slot.nr in RECV_FLAGS_ARG and slot.args[RECV_FLAGS_ARG[slot.nr]] & MSG_TRUNC:
        return                                  # the program asked for the real length
    bound = asked(memory, slot)
    if bound is None or ret > bound:
        refuse("return.count_bound", Status.ERR_DENIED,
               f"syscall {slot.nr} returned {ret:#x} bytes, more than the "
               f"{'(invalid)' if bound is None else hex(bound)} the program asked for")


def _iovecs(memory: UserMemory, slot: Slot) -> list[tuple[int, int]]:
    """(base, len) of the iovecs a vector read names, in order."""
    a = slot.args
    if slot.nr in MSGHDR_ARG:
        iov, cnt = struct.unpack("<QQ", _read(memory, slot, a[MSGHDR_ARG[slot.nr]] + _MSG_IOV, 16))
    else:
        iov, cnt = a[IOVEC_ARGS[slot.nr][0]], a[IOVEC_ARGS[slot.nr][1]]
    if not cnt or cnt > UIO_MAXIOV:
        return []
    raw = _read(memory, slot, iov, cnt * _IOVEC)
    return [struct.unpack_from("<QQ", raw, i * _IOVEC) for i in range(cnt)]


def reported(memory: UserMemory, slot: Slot, ret: int) -> list[tuple[int, int]]:
    """[start, end) of the bytes a read-family result says the kernel wrote."""
    n = ret
    if slot.nr in READ_BUF_ARG:
        buf = slot.args[READ_BUF_ARG[slot.nr]]
        return [(buf, buf + min(n, slot.args[COUNT_ARG[slot.nr]]))] if n else []
    out: list[tuple[int, int]] = []
    for base, length in _iovecs(memory, slot):
        if n <= 0:
            break
        take = min(n, length)
        if take:
            out.append((base, base + take))
        n -= take
    return out


def _untop(va: int) -> int:
    """va with its top byte cleared where bit 55 is clear (untagged_addr())."""
    return va if va & 1 << 55 else va & ~(0xFF << 56)


def unwritten(written: list[tuple[int, int]], want: list[tuple[int, int]]) -> int | None:
    """The first address in `want` no interval of `written` covers (None: all covered).
    A buffer passed through a tagged pointer is written at its untagged address (the
    kernel reaches it so only under TIF_TAGGED_ADDR: access_ok() untags, top-byte-ignore
    maps the same page; guardian/confidential_uaccess.py's capabilities)."""
    spans = sorted((_untop(s), _untop(s) + e - s) for s, e in written)
    for start, end in want:
        pos = _untop(start)
        end = pos + end - start
        for s, e in spans:
            if s <= pos < e:
                pos = e
            if pos >= end:
                break
        if pos < end:
            return pos
    return None


#: The reads whose only output is the buffer: Linux copies exactly the bytes it returns.
_PLAIN_READS = frozenset(_NR[n] for n in ("read", "pread64", "readv", "preadv", "preadv2")
                         if n in _NR)


def check_written(memory: UserMemory, slot: Slot, ret: int) -> None:
    """Refuse a read-family success whose count covers bytes the kernel never wrote, and a
    plain read that wrote past the count it returns."""
    if slot.nr not in READ_BUF_ARG and slot.nr not in READ_VECTORS:
        return
    if ret >= ERRNO_FLOOR:
        return
    spans = reported(memory, slot, ret) if ret else []     # (read once for both rules)
    if len(spans) == 1 and slot.written == spans:
        return          # (most reads: the kernel wrote exactly the bytes it reports)
    if slot.nr in _PLAIN_READS and slot.written:
        _check_within_count(slot, ret, spans)
    if ret == 0:
        return
    gap = unwritten(slot.written, spans)
    if gap is not None:
        refuse("return.count_written", Status.ERR_DENIED,
               f"syscall {slot.nr} reports {ret:#x} bytes read, but the kernel never wrote "
               f"the program's buffer at {gap:#x}: those bytes are the buffer's old contents")


def _check_within_count(slot: Slot, ret: int, spans: list[tuple[int, int]]) -> None:
    """`return.read_within_count`: read, pread64 and the readv family copy exactly the n
    bytes they return into the buffer (copy_to_user / copy_page_to_iter of n bytes): the
    rest of the buffer is as the program left it, so no write of the call lies past them.
    `spans`: what the result reports written (`reported`)."""
    for start, end in slot.written:
        past = unwritten(spans, [(start, end)])
        if past is not None:
            refuse("return.read_within_count", Status.ERR_DENIED,
                   f"syscall {slot.nr} returns {ret} bytes read, but the kernel wrote the "
                   f"program's buffer at {past:#x}, past them: a read copies only the bytes "
                   "it returns")


def check_offload(slot: Slot, ret: int) -> None:
    """pulse_submit(iter, start, scratchpad) answers how many iterations a rack device ran
    over the program's list, whose scratchpad it wrote back; a program that gets a count
    skips its CPU run and takes the scratchpad as the result.  A device never reads or
    writes confidential memory (DMA and the rack see only the kernel's frames), and a
    confidential program has no memory outside its domain to share with one, so the only
    answer within the contract is an error (-EOPNOTSUPP: run it on the CPU)."""
    if slot.nr == NR_PULSE_SUBMIT and ret < ERRNO_FLOOR:
        refuse("return.offload_error", Status.ERR_DENIED,
               f"pulse_submit answered {ret} iterations, but no device can read a "
               "confidential program's nodes or write its scratchpad: only an error "
               "(run it on the CPU) is possible")
