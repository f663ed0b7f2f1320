"""The descriptors a call installs beside its main job: SCM_RIGHTS, a pidfd, a listener.

Linux installs a descriptor for each file an SCM_RIGHTS control message passes and
writes its number into the message's data (close-on-exec when recvmsg's flags held
MSG_CMSG_CLOEXEC); clone(CLONE_PIDFD) writes the child's pidfd where the program asked,
and seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) returns its listener (both always
close-on-exec).  The Guardian reads them back from the program's memory once the call
has returned (what the kernel wrote there and the program acts on), so that such a
descriptor's close-on-exec mark is followed like any other's.  Only numbers the table
does not hold are entered: such a descriptor is a new one, and an answer that names one
the program holds gains nothing from being believed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.descriptors import NR_RECVMMSG, NR_RECVMSG, NR_SECCOMP
from abi.layout import CLONE_PIDFD, NR_CLONE, NR_CLONE3

#: The calls `side_fds` reads descriptors of.
SIDE_MAKERS = frozenset({NR_RECVMSG, NR_RECVMMSG, NR_CLONE, NR_CLONE3, NR_SECCOMP})
SOL_SOCKET, SCM_RIGHTS = 1, 1
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 1 << 3
_MSG_CONTROL, _MSG_CONTROLLEN = 32, 40      # struct msghdr on AArch64
_MMSG = 64                                  # struct mmsghdr: msghdr, msg_len, padding
_CMSG_HDR = struct.Struct("<QII")           # cmsg_len, cmsg_level, cmsg_type
_MAX_CONTROL = 1 << 17                      # control bytes read at most (optmem_max)
_MAX_MESSAGES = 1024                        # recvmmsg's vlen is capped at UIO_MAXIOV

Read = Callable[[int, int], "bytes | None"]


def rights(read: Read, hdr: int) -> list[int]:
    """The descriptor numbers of the SCM_RIGHTS messages in the control data of the
    struct msghdr at `hdr`."""
    raw = read(hdr + _MSG_CONTROL, 16)
    if raw is None:
        return []
    control, length = struct.unpack("<QQ", raw)
    # (a send's control data is at most sysctl_optmem_max -- sock_kmalloc(): 20480 on
    # 6.1, 131072 on 6.9+ by default -- and a receive's what the kernel wrote of it)
    data = read(control, length) if control and 0 < length <= _MAX_CONTROL else None
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


def _int_at(read: Read, va: int) -> list[int]:
    raw = read(va, 4) if va else None
    return list(struct.unpack("<i", raw)) if raw is not None else []


def side_fds(read: Read, nr: int, args: tuple[int, ...] | list[int], ret: int) -> list[int]:
    """The descriptor numbers a successful call says it installed beside its result: a
    recvmsg's (`ret` bytes) or recvmmsg's (`ret` messages) SCM_RIGHTS messages, a clone's
    pidfd, seccomp's listener.  `read(va, n)` reads the program's memory (None: not there)."""
    if nr == NR_RECVMSG:
        return rights(read, args[1])
    if nr == NR_RECVMMSG:
        return [fd for i in range(min(ret, _MAX_MESSAGES))
                for fd in rights(read, args[1] + i * _MMSG)]
    if nr == NR_CLONE and args[0] & CLONE_PIDFD and ret > 0:
        return _int_at(read, args[2])                     # clone(flags, stack, pidfd, ...)
    if nr == NR_CLONE3 and ret > 0:
        raw = read(args[0], 16)                           # clone_args: flags, pidfd
        flags, pidfd = struct.unpack("<QQ", raw) if raw is not None else (0, 0)
        return _int_at(read, pidfd) if flags & CLONE_PIDFD else []
    if nr == NR_SECCOMP and args[0] == SECCOMP_SET_MODE_FILTER \
            and args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER and ret > 0:
        return [ret]
    return []


def pidfd_unsure(read: Read, nr: int, args: tuple[int, ...] | list[int]) -> bool:
    """Is a successful clone's CLONE_PIDFD number not read back at its return: its word
    (or clone3's struct) not present?"""
    if nr == NR_CLONE:
        flags = args[0]
    elif nr == NR_CLONE3:
        raw = read(args[0], 16)
        if raw is None:
            return True
        flags = struct.unpack_from("<Q", raw)[0]
    else:
        return False
    return bool(flags & CLONE_PIDFD) and not side_fds(read, nr, args, 1)
