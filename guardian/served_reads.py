"""The bytes a confidential program reads from the Guardian, not the kernel: getrandom,
and reads of /dev/urandom, /dev/random (`return.urandom`) and /dev/zero
(`return.dev_zero`), by the name the program opened (read, pread64, readv, preadv,
preadv2): which buffers a read fills, then the bytes written there."""

from __future__ import annotations

import struct

from abi.layout import NR_PREAD64, NR_READ
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import FaultIn
from guardian.random_moves import RANDOM_DEVICES, ZERO_DEVICE
from guardian.slots import Slot
from guardian.state import MonitorState
from guardian.user_memory import UserMemory

#: The reads of one buffer (fd, buf, count); the others name an iovec array.
_BUFFER_READS = frozenset({NR_READ, NR_PREAD64})
_MAX_IOV = 1024                      # UIO_MAXIOV
#: Every read this module serves: those of one buffer and of an iovec array.
ENTROPY_READS = _BUFFER_READS | frozenset(NUMBERS[n] for n in ("readv", "preadv", "preadv2"))


def random_read_targets(memory: UserMemory, slot: Slot, path: str) -> list[tuple[int, int]] | None:
    """The buffers a read-family call that read something from `path` fills, where
    the program opened it as /dev/urandom or /dev/random ((va, length) in order), None
    for any other read; read before anything is committed (an iovec array not present
    is faulted in first).  (The caller asks only where the Guardian serves entropy.)"""
    if path not in RANDOM_DEVICES or not checks.enabled("return.urandom"):
        return None
    return _read_buffers(memory, slot)


def zero_read_targets(memory: UserMemory, slot: Slot, path: str) -> list[tuple[int, int]] | None:
    """The buffers a read-family call that read something from `path` fills, where the
    program opened it as /dev/zero: Linux's read_zero() clears them, so the Guardian
    writes the zeros (`return.dev_zero`); None for any other read."""
    if path != ZERO_DEVICE or not checks.enabled("return.dev_zero"):
        return None
    return _read_buffers(memory, slot)


def _read_buffers(memory: UserMemory, slot: Slot) -> list[tuple[int, int]]:
    """(va, length) of each buffer a read-family call names, in order."""
    if slot.nr in _BUFFER_READS:
        return [(slot.args[1], slot.args[2])]
    count = min(slot.args[2] & 0xFFFF_FFFF, _MAX_IOV)
    raw = memory.read(slot.args[1], 16 * count, slot.root) if count else b""
    if raw is None:
        missing = memory.first_missing(slot.args[1], 16 * count, False)
        raise FaultIn(slot.args[1] if missing is None else missing)
    return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]


def serve(state: MonitorState, memory: UserMemory, slot: Slot, ret: int,
          buffers: list[tuple[int, int]], zeros: bool = False) -> None:
    """getrandom, or a read of /dev/urandom or /dev/random (by the name the program
    opened; read, pread64, readv, preadv, preadv2): the bytes the program receives,
    buffer after buffer, are the Guardian's, not the kernel's (zeros for /dev/zero)."""
    left = ret if ret < (1 << 63) else 0
    for buf, length in buffers:
        n = min(left, length)
        if n <= 0:
            break
        data = bytes(n) if zeros else state.entropy.draw(n, b"getrandom")
        memory.write(buf, data, slot.root)
        left -= n
