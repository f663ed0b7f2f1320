"""`return.process_madvise_iovec`: process_madvise() iovec arrays import_iovec() fails.

mm/madvise.c, SYSCALL_DEFINE5(process_madvise) (every 6.x version) imports the iovec
array before it looks the pidfd up: lib/iov_iter.c, iovec_from_user() fails a
negative (ssize_t) length with -EINVAL, and __import_iovec() checks access_ok() of each
iovec (arm64: an address and length past TASK_SIZE_MAX -- at most 1 << 52 -- after
untagged_addr() only under TIF_TAGGED_ADDR) before any advice, -EFAULT; a lone iovec
(6.4+: __import_iovec_ubuf() -> import_ubuf()) is cut to MAX_RW_COUNT before its
access_ok(), so only its start past the limit fails for every version.  Judged where
the array lay as the kernel copied it (quiet through the call).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Status
from abi.layout import UIO_MAXIOV
from guardian.checks import refuse
from guardian.slots import Slot

#: arm64's largest TASK_SIZE_MAX (52-bit VA): access_ok() refuses anything past it
LIMIT = 1 << 52
_IOVEC = 16
#: fs/read_write.c's MAX_RW_COUNT (INT_MAX & PAGE_MASK)
MAX_RW_COUNT = 0x7FFF_FFFF & ~0xFFF


def check(slot: Slot, ret: int, read: Callable[[int, int], bytes | None],
          untag: Callable[[int], int]) -> None:
    """process_madvise in `slot` answered `ret` (not an error); `read(addr, n)`: the
    bytes as the kernel read them (None: unknown or not quiet); `untag(va)`: va as
    the caller's access_ok() takes it."""
    a = slot.args
    cnt = a[2]
    if not 0 < cnt <= UIO_MAXIOV:
        return
    raw = read(a[1], cnt * _IOVEC)
    if raw is None:
        return
    why = ""
    for i in range(cnt):
        base, length = struct.unpack_from("<QQ", raw, i * _IOVEC)
        if length >> 63:
            why = f"iovec {i}'s negative length (iovec_from_user(): -EINVAL)"
            break
        addr = untag(base)
        if cnt == 1:                    # (import_ubuf(): len cut before access_ok())
            length = min(length, MAX_RW_COUNT)
        if addr > LIMIT or length > LIMIT - addr:
            why = f"iovec {i} at {base:#x} (__import_iovec(): !access_ok(), -EFAULT)"
    if why:
        refuse("return.process_madvise_iovec", Status.ERR_DENIED,
               f"process_madvise answered {ret:#x} for {why}")
