"""`return.scm_control`: an AF_UNIX sendmsg (or a sendmmsg's messages sent) never
succeeds with control data Linux refuses before any descriptor is looked up (red-team
round 85):

* msg_controllen past INT_MAX: ____sys_sendmsg() `msg_controllen > INT_MAX`, -ENOBUFS.
  Not optmem_max: it is a sysctl (net.core.optmem_max; per network namespace from 6.9,
  which a user namespace's root may raise), so sock_kmalloc() may take any length below
  INT_MAX; a long control data is walked instead, header by header;
* control data over a hole the program's own munmap left (unmapped_holes.hole_at()),
  no call that may map in flight: ____sys_sendmsg() copy_from_user()s all ctl_len bytes
  before __scm_send(), -EFAULT (AJ-020: 24 bytes said 1 MiB long before a hole);
* a cmsg that fails CMSG_OK() (cmsg_len below sizeof(struct cmsghdr) or past the
  control data's end): __scm_send()'s for_each_cmsghdr() `goto error`, -EINVAL (AJ-008);
* a SOL_SOCKET cmsg of a type __scm_send()'s switch does not take: it has SCM_RIGHTS
  and SCM_CREDENTIALS alone on every version 6.1..6.18 (SCM_SECURITY and SCM_PIDFD are
  receive-only: scm_passec(), scm_pidfd_recv()), `default: goto error`, -EINVAL (AJ-009,
  AL-004, AL-005);
* an SCM_CREDENTIALS cmsg whose cmsg_len is not CMSG_LEN(sizeof(struct ucred)) = 28:
  __scm_send() `goto error`, -EINVAL -- on a stream or datagram socket, in any message
  a sendmmsg counts as sent (AL-003, AL-021, AL-022);
* more than SCM_MAX_FD (253) SCM_RIGHTS numbers in all: scm_fp_copy() `num >
  SCM_MAX_FD` or `fpl->count + num > fpl->max`, -EINVAL (AJ-010);
* a negative SCM_RIGHTS number: scm_fp_copy() `fd < 0`, -EBADF (AJ-021).

unix_stream_sendmsg() and unix_dgram_sendmsg() (SOCK_SEQPACKET's too) call scm_send()
for every message with control data; other families may ignore msg_control, and are left
alone.  The msghdr and its control data are read where the program left them quiet
through the call (`read` answers None otherwise: nothing judged).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_NR_SENDMSG = NUMBERS["sendmsg"]
_NR_SENDMMSG = NUMBERS["sendmmsg"]
#: the calls `scm_error` judges
CALLS = frozenset((_NR_SENDMSG, _NR_SENDMMSG))
AF_UNIX, SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS = 1, 1, 1, 2
#: the SOL_SOCKET types __scm_send() takes (SCM_RIGHTS, SCM_CREDENTIALS)
_KNOWN_TYPES = frozenset((SCM_RIGHTS, SCM_CREDENTIALS))
#: CMSG_LEN(sizeof(struct ucred)): the header and {pid, uid, gid}
_CREDS_LEN = 16 + 12
SCM_MAX_FD = 253
#: ____sys_sendmsg()'s bound on msg_controllen (-ENOBUFS past it)
INT_MAX = (1 << 31) - 1
_MSG_CONTROL = 32                           # struct msghdr on AArch64
_MMSG, _UIO_MAXIOV = 64, 1024               # struct mmsghdr; sendmmsg's vlen cap
_CMSG_HDR = struct.Struct("<QII")           # cmsg_len, cmsg_level, cmsg_type



def control_error(read: Callable[[int, int], bytes | None], hdr: int,
                  hole: Callable[[int], bool]) -> str:
    """Why __scm_send() (or ____sys_sendmsg()) refuses the control data of the struct
    msghdr at `hdr`; "" where it may not (or it is not read).  `hole(va)`: no page can
    be at va (the program's own munmap left it, nothing may map it during the call)."""
    raw = read(hdr + _MSG_CONTROL, 16)
    if raw is None or len(raw) != 16:
        return ""
    control, length = struct.unpack("<QQ", raw)
    if length > INT_MAX:
        return f"msg_controllen {length} (____sys_sendmsg(): past INT_MAX, -ENOBUFS)"
    if length < _CMSG_HDR.size:
        return ""                   # (CMSG_FIRSTHDR(): no header, nothing walked)
    pos, count = 0, 0
    # (for_each_cmsghdr(): a next header only where all of it lies in the data.  Each
    # header, and an SCM_RIGHTS body, is read where it lies: a long control data is not
    # read whole, and a page the Guardian cannot read ends the walk, nothing judged.)
    while pos + _CMSG_HDR.size <= length:
        raw = read(control + pos, _CMSG_HDR.size)
        if raw is None or len(raw) != _CMSG_HDR.size:
            return _fault(hole, control + pos, _CMSG_HDR.size)
        cmsg_len, level, kind = _CMSG_HDR.unpack(raw)
        if cmsg_len < _CMSG_HDR.size or cmsg_len > length - pos:
            return f"a cmsg of cmsg_len {cmsg_len} (__scm_send(): !CMSG_OK(), -EINVAL)"
        if level == SOL_SOCKET:
            if kind not in _KNOWN_TYPES:
                return f"a SOL_SOCKET cmsg of type {kind} (__scm_send(): -EINVAL)"
            if kind == SCM_CREDENTIALS and cmsg_len != _CREDS_LEN:
                return (f"SCM_CREDENTIALS of cmsg_len {cmsg_len} (__scm_send(): not "
                        "CMSG_LEN(sizeof(struct ucred)) = 28, -EINVAL)")
            if kind == SCM_RIGHTS:
                num = (cmsg_len - _CMSG_HDR.size) // 4
                count += num
                if count > SCM_MAX_FD:
                    return (f"{count} SCM_RIGHTS numbers (scm_fp_copy(): past "
                            "SCM_MAX_FD, -EINVAL)")
                body = read(control + pos + _CMSG_HDR.size, 4 * num) if num else b""
                if body is None or len(body) != 4 * num:
                    return _fault(hole, control + pos + _CMSG_HDR.size, 4 * num)
                fds = struct.unpack(f"<{num}i", body)
                if any(fd < 0 for fd in fds):
                    return (f"SCM_RIGHTS number {min(fds)} (scm_fp_copy(): fd < 0, "
                            "-EBADF)")
        pos += (cmsg_len + 7) & ~7
    return ""


def _fault(hole: Callable[[int], bool], va: int, n: int) -> str:
    """Bytes [va, va + n) the Guardian cannot read: ____sys_sendmsg() copied all ctl_len
    bytes before __scm_send() walked them (copy_from_user(): -EFAULT) where a page of
    them lies in a hole; "" where it may have copied them."""
    for page in range(va & ~4095, va + n, 4096):
        if hole(max(page, va)):
            return (f"control data over the unmapped {max(page, va):#x} (____sys_sendmsg() "
                    "-> copy_from_user(): -EFAULT)")
    return ""


def scm_error(files: Descriptors, slot: Slot, read: Callable[[int, int], bytes | None],
              sent: int, hole: Callable[[int], bool] = lambda va: False) -> str:
    """Why the sendmsg or sendmmsg in `slot` (one of CALLS), answered `sent` (a
    sendmmsg's count), cannot have succeeded on its AF_UNIX socket; "" where it may."""
    a = slot.args
    f = files.open_file(slot, a[0] & 0xFFFF_FFFF)
    if f is None or not (f.unix_accepted or f.sock is not None and f.sock[0] == AF_UNIX):
        return ""
    if slot.nr == _NR_SENDMSG:
        return control_error(read, a[1], hole)
    for i in range(min(sent, a[2] & 0xFFFF_FFFF, _UIO_MAXIOV)):
        why = control_error(read, a[1] + i * _MMSG, hole)
        if why:
            return f"message {i}'s {why}"
    return ""
