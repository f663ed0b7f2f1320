"""The descriptors a recvmsg/recvmmsg installed: those its SCM_RIGHTS messages carry.

Linux installs a descriptor for each file an SCM_RIGHTS control message passes and
writes its number into the message's data, close-on-exec when the call's flags held
MSG_CMSG_CLOEXEC.  The Guardian reads them back from the program's memory once the call
has returned (the control data the kernel wrote there and the program acts on), so that
such a descriptor's close-on-exec mark is followed like any other's.  Only numbers the
table does not hold are entered: a received descriptor is a new one, and an answer that
names one the program holds gains nothing from being believed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.syscalls import NUMBERS

NR_RECVMSG, NR_RECVMMSG = NUMBERS["recvmsg"], NUMBERS["recvmmsg"]
RECEIVES = frozenset({NR_RECVMSG, NR_RECVMMSG})
SOL_SOCKET, SCM_RIGHTS = 1, 1
_MSG_CONTROL, _MSG_CONTROLLEN = 32, 40      # struct msghdr on AArch64
_MMSG = 64                                  # struct mmsghdr: msghdr, msg_len, padding
_CMSG_HDR = struct.Struct("<QII")           # cmsg_len, cmsg_level, cmsg_type
_MAX_MESSAGES = 1024                        # recvmmsg's vlen is capped at UIO_MAXIOV

Read = Callable[[int, int], "bytes | None"]


def _rights(read: Read, hdr: int) -> list[int]:
    raw = read(hdr + _MSG_CONTROL, 16)
    if raw is None:
        return []
    control, length = struct.unpack("<QQ", raw)
    data = read(control, length) if control and 0 < length <= 1 << 16 else None
    if data is None:
        return []
    fds: list[int] = []
    pos = 0
    while pos + _CMSG_HDR.size <= len(data):
        cmsg_len, level, kind = _CMSG_HDR.unpack_from(data, pos)
        if cmsg_len < _CMSG_HDR.size or pos + cmsg_len > len(data):
            break
        if (level, kind) == (SOL_SOCKET, SCM_RIGHTS):
            count = (cmsg_len - _CMSG_HDR.size) // 4
            fds += struct.unpack_from(f"<{count}i", data, pos + _CMSG_HDR.size)
        pos += (cmsg_len + 7) & ~7
    return fds


def received_fds(read: Read, nr: int, args: tuple[int, ...] | list[int], ret: int) -> list[int]:
    """The descriptor numbers a successful recvmsg (`ret` bytes) or recvmmsg (`ret`
    messages) reports in its SCM_RIGHTS messages; `read(va, n)` reads the program's
    memory (None: not there)."""
    if nr == NR_RECVMSG:
        return _rights(read, args[1])
    if nr == NR_RECVMMSG:
        return [fd for i in range(min(ret, _MAX_MESSAGES)) for fd in _rights(read, args[1] + i * _MMSG)]
    return []
