"""`return.scm_control` (guardian/scm_control.py, red-team round 85: AJ-008, AJ-009,
AJ-010, AJ-020, AJ-021) and round 85's negative numbers, NULL optval and negative n under
`return.early_error` (AJ-016, AJ-022, AJ-023, AJ-031) -- each with the honest neighbour
Linux gives."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS as N
from guardian import scm_control as sc
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_fd_never_r84 import _early
from tests.test_launch_fds import _Launch

_HDR, _CTL = 0x3000, 0x4000


def _msghdr(controllen: int) -> bytes:
    return struct.pack("<QI4xQQQQi4x", 0, 0, 0x5000, 1, _CTL, controllen, 0)


def _cmsg(length: int, level: int, kind: int, body: bytes = b"") -> bytes:
    raw = struct.pack("<QII", length, level, kind) + body
    return raw + bytes(-len(raw) % 8)


def _send(control: bytes, controllen: int | None = None, fd: int = 6,
          hole: int | None = None) -> str:
    files = _Launch()
    files.table.fds[6] = OpenFile(maker=N["socketpair"], sock=(1, 1, 0))
    files.table.fds[7] = OpenFile(maker=N["socket"], sock=(2, 1, 0))
    n = len(control) if controllen is None else controllen
    mem = {_HDR + 32: _msghdr(n)[32:48], _CTL: control}
    slot = Slot(9, 1, None, 0, N["sendmsg"], (fd, _HDR, 0, 0, 0, 0), 1, 2)

    def read(addr: int, k: int) -> bytes | None:
        for base, raw in mem.items():
            if base <= addr and addr + k <= base + len(raw):
                return raw[addr - base:addr - base + k]
        return None
    return sc.scm_error(files, slot, read, 1,  # type: ignore[arg-type]
                        lambda va: hole is not None and va >= hole)


def test_control_data_scm_send_refuses() -> None:
    rights = _cmsg(20, 1, 1, struct.pack("<i", 3))
    assert not _send(rights)                                         # honest
    assert not _send(_cmsg(28, 1, 2, bytes(12)) + rights)            # SCM_CREDENTIALS
    assert not _send(_cmsg(20, 41, 99, bytes(4)))                    # another level
    assert "CMSG_OK" in _send(_cmsg(8, 1, 1) + bytes(8))            # AJ-008
    assert "CMSG_OK" in _send(_cmsg(40, 1, 1, bytes(4)))            # past the data
    assert "type 99" in _send(_cmsg(20, 1, 99, bytes(4)))           # AJ-009
    many = _cmsg(16 + 4 * 254, 1, 1, struct.pack("<254i", *[3] * 254))
    assert "SCM_MAX_FD" in _send(many)                               # AJ-010
    assert not _send(_cmsg(16 + 4 * 253, 1, 1, struct.pack("<253i", *[3] * 253)))
    assert "-ENOBUFS" in _send(rights, 1 << 31)
    # AJ-020: 1 MiB of control data, zeros past its first cmsg: CMSG_OK() fails
    assert "CMSG_OK" in _send(rights + bytes((1 << 20) - 24), 1 << 20)
    big = rights + _cmsg(131072 - 24, 41, 1, bytes(131072 - 40))
    assert not _send(big, 131072)                                    # the 6.9+ default
    assert "fd < 0" in _send(_cmsg(20, 1, 1, struct.pack("<i", -1)))  # AJ-021
    # a socket not AF_UNIX may ignore msg_control: not judged
    assert not _send(_cmsg(8, 1, 1) + bytes(8), fd=7)


def test_negative_numbers_null_optval_and_negative_n() -> None:
    minus = struct.pack("<i", -1)
    # AJ-023, AJ-031: SO_ATTACH_BPF
    assert "-EBADF" in _early("setsockopt", (3, 1, 50, 0x1000, 4), {0x1000: minus})
    assert "address 0" in _early("setsockopt", (3, 1, 50, 0, 4), {})
    assert not _early("setsockopt", (3, 1, 50, 0x1000, 4), {0x1000: b"\3\0\0\0"})
    assert not _early("setsockopt", (3, 1, 7, 0, 4), {})               # SO_SNDBUF
    # AJ-022: FICLONERANGE's src_fd, an s64 of which fdget() takes the low half
    rng = 0x4020940D
    assert "-EBADF" in _early("ioctl", (3, rng, 0x1000), {0x1000: minus})
    assert not _early("ioctl", (3, rng, 0x1000), {0x1000: b"\3\0\0\0"})
    assert not _early("ioctl", (3, 0x5421, 0x1000), {0x1000: minus})   # FIONBIO
    # AJ-016: pselect6's n
    assert "n < 0" in _early("pselect6", (-1, 0, 0, 0, 0x2000, 0), {})
    assert not _early("pselect6", (0, 0, 0, 0, 0x2000, 0), {})
    assert not _early("pselect6", (1 << 32, 0, 0, 0, 0x2000, 0), {})   # upper half unread


def test_the_rule_is_wired_with_its_check() -> None:
    from attacks.rules import RULES
    from guardian.checks import CHECKS
    from guardian.result_arguments import ARGUMENT_CALLS
    assert "return.scm_control" in CHECKS
    assert sc.CALLS <= ARGUMENT_CALLS
    assert any("return.scm_control" in r.checks for r in RULES)


def test_control_data_past_the_default_optmem_max_is_linux() -> None:
    # sock_kmalloc() bounds ctl_len by sysctl net.core.optmem_max, which root (from 6.9 a
    # user namespace's root, per network namespace) may raise: 256 KiB of control data,
    # SCM_RIGHTS then another level's cmsg, is sent there
    rights = _cmsg(20, 1, 1, struct.pack("<i", 3))
    n = 1 << 18
    assert not _send(rights + _cmsg(n - 24, 41, 1, bytes(n - 40)), n)

    # AJ-020: 24 bytes said 1 MiB long, the page after them the program's own hole:
    # copy_from_user() faults (-EFAULT); a page that is merely unread is not judged
    assert "-EFAULT" in _send(rights, n, hole=_CTL + 24)
    assert not _send(rights, n)


def test_round86_credentials_length_and_receive_only_types() -> None:
    creds = _cmsg(28, 1, 2, bytes(12))
    # AL-003, AL-021: __scm_send() `cmsg_len != CMSG_LEN(sizeof(struct ucred))` -EINVAL
    assert "cmsg_len 32" in _send(_cmsg(32, 1, 2, bytes(16)))
    assert "cmsg_len 24" in _send(creds + _cmsg(24, 1, 2, bytes(8)))
    assert not _send(creds)                                          # honest: 28
    assert not _send(_cmsg(32, 41, 2, bytes(16)))                    # another level
    # AL-004, AL-005: SCM_SECURITY and SCM_PIDFD are receive-only on every 6.x
    assert "type 3" in _send(_cmsg(20, 1, 3, bytes(4)))
    assert "type 4" in _send(_cmsg(20, 1, 4, struct.pack("<i", 3)))
