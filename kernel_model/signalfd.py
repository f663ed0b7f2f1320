"""signalfd: a file that reads the caller's pending signals as signalfd_siginfo records.

The signals stay ordinary pending signals until read, so the usual pattern
(block them with sigprocmask, then read them here) works; which thread's
pending set is read is the reader's, as on Linux.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from errno import EINVAL
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import signals as sig
from kernel_model.anonfile import AnonFile
from kernel_model.errors import err
from kernel_model.waitq import WaitQueue

if TYPE_CHECKING:
    from kernel_model.process import Thread

SFD_NONBLOCK = ls.O_NONBLOCK
SFD_CLOEXEC = ls.O_CLOEXEC
#: sizeof(struct signalfd_siginfo)
SIGNALFD_SIGINFO_SIZE = 128
_FAULTS = (sig.SIGSEGV, sig.SIGBUS, sig.SIGILL, sig.SIGFPE, sig.SIGTRAP)


def signalfd_siginfo(info: bytes, signo: int) -> bytes:
    """struct signalfd_siginfo from a 128-byte siginfo_t (as Linux's signalfd_copyinfo)."""
    if len(info) < 48:
        info = sig.pack_siginfo(signo, sig.SI_USER)
    _, errno_, code = struct.unpack_from("<iii", info, 0)
    pid = uid = status = 0
    ptr = utime = stime = addr = 0
    if signo in _FAULTS and code > 0:
        addr = struct.unpack_from("<Q", info, 16)[0]
    elif signo == sig.SIGCHLD:
        pid, uid, status = struct.unpack_from("<iIi", info, 16)
        utime, stime = struct.unpack_from("<QQ", info, 32)
    else:
        pid, uid, ptr = struct.unpack_from("<iIQ", info, 16)
    ssi_int = (ptr & 0xFFFF_FFFF) - ((ptr & 0x8000_0000) << 1)   # si_int: a signed int
    head = struct.pack("<IiiIIiIIIIiiQQQQH", signo, errno_, code, pid & 0xFFFF_FFFF, uid, 0, 0,
                       0, 0, 0, status, ssi_int, ptr, utime, stime, addr, 0)
    return head.ljust(SIGNALFD_SIGINFO_SIZE, b"\0")


class SignalFd(AnonFile):
    """Reads signals in ``mask`` from the current thread's (then its process's) pending set."""

    anon_name = "signalfd"

    def __init__(self, mask: int, flags: int, current: Callable[[], Thread | None],
                 signal_queue: WaitQueue) -> None:
        super().__init__(flags & ls.O_NONBLOCK)
        self.mask = mask & ~sig.UNBLOCKABLE
        self._current = current
        # Every signal sent anywhere notifies this one kernel-wide queue.
        self.queue = signal_queue

    def _pending(self, t: Thread) -> int:
        return (t.pending.mask | t.process.pending.mask) & self.mask

    def read(self, n: int) -> bytes | None:
        if n < SIGNALFD_SIGINFO_SIZE:
            raise err(EINVAL)
        t = self._current()
        if t is None:
            return None
        out = bytearray()
        while len(out) + SIGNALFD_SIGINFO_SIZE <= n:
            pending = self._pending(t)
            if not pending:
                break
            signo, info = sig.dequeue(t.pending, t.process.pending, pending)
            out += signalfd_siginfo(info, signo)
        return bytes(out) if out else None

    def write(self, data: bytes) -> int | None:
        raise err(EINVAL)

    def poll_mask(self) -> int:
        t = self._current()
        return ls.POLLIN | ls.POLLRDNORM if t is not None and self._pending(t) else 0

    def fdinfo(self) -> str:
        return f"sigmask:\t{self.mask:016x}\n"
