"""Red-team round 86's rules of `return.early_error` (guardian/early_errors.py): '.'
components before a '..' under RESOLVE_BENEATH (follow_dotdot()), the waits' timeout
(poll_select_set_timeout()) and pselect6's sigset size (set_user_sigmask()) -- each with
the honest neighbour Linux gives; and `return.value_range` taking Linux's -EINVAL for a
negative timeout (no time left written)."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS as N
from guardian import early_errors as ee
from guardian.slots import Slot
from tests.test_fd_never_r84 import AT_FDCWD, _early

_NAME, _HOW, _TMO, _PACK = 0x1000, 0x2000, 0x3000, 0x4000


def _name(name: bytes, resolve: int = 0x08) -> str:
    mem = {_NAME: name, _HOW: struct.pack("<QQQ", 0, 0, resolve)}
    return _early("openat2", (AT_FDCWD, _NAME, _HOW, 24), mem)


def test_dot_components_before_dotdot_under_resolve_beneath() -> None:
    # AL-001: handle_dots() leaves '.' where it is; follow_dotdot() at nd->root -EXDEV
    assert "'..'" in _name(b"./../x\0")
    assert "'..'" in _name(b".//./..\0")
    # honest: '..' below a real component, '..x', '.' alone, no RESOLVE_BENEATH
    assert not _name(b"./x/../y\0")
    assert not _name(b"./.")                 # the name goes on past what was read
    assert not _name(b"./..x\0")
    assert not _name(b"./.\0")
    assert not _name(b"./../x\0", 0)
    assert not _name(b"./../x\0", 0x10)


def _wait(nr: str, args: tuple[int, ...], tmo: bytes, pack: bytes | None = None,
          written: bool = False) -> str:
    slot = Slot(9, 1, None, 0, N[nr], args, 1, 2)
    assert slot.nr in ee.CALLS
    arg = ee.TIMEOUT_ARG[slot.nr]
    mem = {args[arg]: tmo if nr == "epoll_pwait2" else b"\0" * 16}
    if nr != "epoll_pwait2":
        slot.asked[args[arg]] = tmo          # the time left is written over it
    if pack is not None:
        mem[_PACK] = pack
    return ee.early_error(slot, lambda addr, n: mem[addr][:n] if addr in mem else None)


def _ts(sec: int, nsec: int) -> bytes:
    return struct.pack("<qq", sec, nsec)


def test_wait_timeouts_poll_select_set_timeout_refuses() -> None:
    # AL-009, AL-011, AL-023, AL-038: !timespec64_valid() -EINVAL
    assert "timeout" in _wait("pselect6", (0, 0, 0, 0, _TMO, 0), _ts(0, 10 ** 9))
    assert "timeout" in _wait("pselect6", (0, 0, 0, 0, _TMO, 0), _ts(-1, 0))
    assert "timeout" in _wait("ppoll", (0, 0, _TMO, 0, 8), _ts(-1, 0))
    assert "timeout" in _wait("ppoll", (0, 0, _TMO, 0, 8), _ts(0, -1))
    assert "timeout" in _wait("epoll_pwait2", (3, 0x5000, 1, _TMO, 0, 8), _ts(0, 10 ** 9))
    # honest: the largest valid nsec, a zero timeout, no timeout
    assert not _wait("pselect6", (0, 0, 0, 0, _TMO, 0), _ts(0, 10 ** 9 - 1))
    assert not _wait("ppoll", (0, 0, _TMO, 0, 8), _ts(0, 0))
    assert not _wait("epoll_pwait2", (3, 0x5000, 1, _TMO, 0, 8), _ts(5, 0))
    assert not _wait("ppoll", (0, 0, 0, 0, 8), _ts(-1, 0))


def test_pselect6_sigset_size() -> None:
    # AL-010: set_user_sigmask() `sigsetsize != sizeof(sigset_t)` -EINVAL
    args = (0, 0, 0, 0, _TMO, _PACK)
    assert "sigset size 4" in _wait("pselect6", args, _ts(0, 0), struct.pack("<QQ", 0x6000, 4))
    # honest: size 8, or no mask at all (any size)
    assert not _wait("pselect6", args, _ts(0, 0), struct.pack("<QQ", 0x6000, 8))
    assert not _wait("pselect6", args, _ts(0, 0), struct.pack("<QQ", 0, 4))


def test_invalid_timeout_leaves_value_range_alone() -> None:
    # the false refusal: a {-1, 0} timeout is -EINVAL with nothing written back
    assert ee.invalid_timeout(_ts(-1, 0))
    assert not ee.invalid_timeout(_ts(0, 0))
    assert not ee.invalid_timeout(None)


def test_null_structs_are_efault() -> None:
    # AL-002: copy_struct_from_user() of address 0; AL-008: FICLONERANGE's copy_from_user()
    assert "address 0" in _early("openat2", (AT_FDCWD, _NAME, 0, 24), {_NAME: b"/dev/null\0"})
    assert "address 0" in _early("ioctl", (3, 0x4020940D, 0), {})
    # honest: a struct the program passed (usize tests still come first)
    assert not _early("openat2", (AT_FDCWD, _NAME, _HOW, 24),
                      {_NAME: b"/dev/null\0", _HOW: bytes(24)})
    assert "below OPEN_HOW_SIZE_VER0" in _early("openat2", (AT_FDCWD, _NAME, 0, 16), {})
    assert not _early("ioctl", (3, 0x4020940D, _HOW), {_HOW: struct.pack("<i", 4)})


def test_ficlone_negative_source() -> None:
    # AL-006: ioctl_file_clone() -> fdget((unsigned int)-1) -EBADF
    assert "-EBADF" in _early("ioctl", (3, 0x40049409, -1), {})
    assert "-EBADF" in _early("ioctl", (3, 0x40049409, 0x8000_0000), {})
    assert not _early("ioctl", (3, 0x40049409, 4), {})                   # honest
    assert not _early("ioctl", (3, 0x40049409, 0xFFFF_FFFF_0000_0004), {})  # low half 4


def test_set_only_getsockopt_and_empty_filter() -> None:
    # AL-019: sk_getsockopt() has no case SO_ATTACH_BPF: -ENOPROTOOPT
    assert "set-only" in _early("getsockopt", (3, 1, 50, 0x1000, 0x2000), {})
    assert not _early("getsockopt", (3, 1, 26, 0x1000, 0x2000), {})   # SO_GET_FILTER
    assert not _early("getsockopt", (3, 6, 50, 0x1000, 0x2000), {})   # another level
    # AL-020: __get_filter() -> bpf_check_basics_ok(): len 0 or a NULL filter
    fprog = {0x1000: struct.pack("<H6xQ", 0, 0)}
    assert "bpf_check_basics_ok" in _early("setsockopt", (3, 1, 26, 0x1000, 16), fprog)
    assert "bpf_check_basics_ok" in _early(
        "setsockopt", (3, 1, 51, 0x1000, 16), {0x1000: struct.pack("<H6xQ", 1, 0)})
    assert "not 16" in _early("setsockopt", (3, 1, 26, 0x1000, 8), fprog)
    # honest: a one-instruction program
    assert not _early("setsockopt", (3, 1, 26, 0x1000, 16),
                      {0x1000: struct.pack("<H6xQ", 1, 0x5000)})
