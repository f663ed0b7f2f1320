"""eventfd: a 64-bit counter that write() adds to and read() takes from."""

from __future__ import annotations

import struct
from errno import EINVAL

from kernel_model import linux_structs as ls
from kernel_model.anonfile import AnonFile
from kernel_model.errors import err

EFD_SEMAPHORE = 1
EFD_NONBLOCK = ls.O_NONBLOCK
EFD_CLOEXEC = ls.O_CLOEXEC
#: The counter never exceeds this (a write that would is refused or waits).
EVENTFD_MAX = 0xFFFF_FFFF_FFFF_FFFE


class EventFd(AnonFile):
    """The counter; with EFD_SEMAPHORE each read takes exactly 1."""

    anon_name = "eventfd"

    def __init__(self, initval: int, flags: int) -> None:
        super().__init__(flags & ls.O_NONBLOCK)
        self.count = initval
        self.semaphore = bool(flags & EFD_SEMAPHORE)

    def read(self, n: int) -> bytes | None:
        if n < 8:
            raise err(EINVAL)
        if self.count == 0:
            return None
        taken = 1 if self.semaphore else self.count
        self.count -= taken
        self.queue.notify(ls.POLLOUT | ls.POLLWRNORM)
        return struct.pack("<Q", taken)

    def write(self, data: bytes) -> int | None:
        if len(data) < 8:
            raise err(EINVAL)
        value = struct.unpack_from("<Q", data)[0]
        if value == 0xFFFF_FFFF_FFFF_FFFF:
            raise err(EINVAL)
        if EVENTFD_MAX - self.count < value:
            return None
        if value:
            self.count += value
            self.queue.notify(ls.POLLIN | ls.POLLRDNORM)
        return 8

    def poll_mask(self) -> int:
        mask = ls.POLLIN | ls.POLLRDNORM if self.count else 0
        if self.count < EVENTFD_MAX:
            mask |= ls.POLLOUT | ls.POLLWRNORM
        return mask

    def fdinfo(self) -> str:
        """The eventfd-count line of /proc/PID/fdinfo."""
        return f"eventfd-count: {self.count:16x}\n"
