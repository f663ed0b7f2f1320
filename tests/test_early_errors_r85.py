"""Red-team round 85's openat2 rules of `return.early_error` (guardian/early_errors.py):
sys_openat2()'s usize, copy_struct_from_user()'s zeroed tail, build_open_flags()'s tests of
open_how and follow_dotdot()'s '..' at the start under RESOLVE_BENEATH -- each with the
honest neighbour Linux gives."""

from __future__ import annotations

import struct

from tests.test_fd_never_r84 import AT_FDCWD, _early

_NAME, _HOW = 0x1000, 0x2000


def _open2(name: bytes, how: bytes, usize: int = 24) -> str:
    return _early("openat2", (AT_FDCWD, _NAME, _HOW, usize), {_NAME: name, _HOW: how})


def _how(flags: int = 0, mode: int = 0, resolve: int = 0) -> bytes:
    return struct.pack("<QQQ", flags, mode, resolve)


def test_openat2_usize_outside_what_sys_openat2_takes() -> None:
    # AJ-017: usize < OPEN_HOW_SIZE_VER0 -EINVAL; AJ-030: usize > PAGE_SIZE -E2BIG
    assert "below OPEN_HOW_SIZE_VER0" in _open2(b"/dev/null\0", _how(), 16)
    assert "past PAGE_SIZE" in _open2(b"/dev/null\0", _how(), 65537)
    assert not _open2(b"/dev/null\0", _how(), 24)
    # a 64 KiB-page kernel takes 65536 bytes of zeros: not judged
    assert not _open2(b"/dev/null\0", _how() + bytes(65536 - 24), 65536)


def test_openat2_bytes_past_the_kernels_struct_must_be_zero() -> None:
    # AJ-018: copy_struct_from_user() -> check_zeroed_user(): -E2BIG
    assert "past 24" in _open2(b"/dev/null\0", _how() + b"\1" + bytes(7), 32)
    assert not _open2(b"/dev/null\0", _how() + bytes(8), 32)


def test_openat2_open_how_build_open_flags_refuses() -> None:
    # AJ-012, AJ-027..029: build_open_flags() -EINVAL
    assert "RESOLVE_IN_ROOT" in _open2(b"x\0", _how(resolve=0x18))
    assert "VALID_OPEN_FLAGS" in _open2(b"/dev/null\0", _how(flags=1 << 30))
    assert "mode without O_CREAT" in _open2(b"/dev/null\0", _how(mode=0o644))
    assert "unknown bits" in _open2(b"/dev/null\0", _how(resolve=0x80))
    # honest: a mode with O_CREAT, every known resolve bit alone
    assert not _open2(b"/tmp/x\0", _how(flags=0o100 | 1, mode=0o644))
    assert not _open2(b"/dev/null\0", _how(resolve=0x01 | 0x02 | 0x04))


def test_openat2_leading_dotdot_under_resolve_beneath() -> None:
    # AJ-011: follow_dotdot() at nd->root (dfd's start) -EXDEV under LOOKUP_BENEATH
    beneath = _how(resolve=0x08)
    assert "'..'" in _open2(b"../x\0", beneath)
    assert "'..'" in _open2(b"..\0", beneath)
    # honest: '..' deeper down, a name that only begins with '..', RESOLVE_IN_ROOT
    assert not _open2(b"a/../x\0", beneath)
    assert not _open2(b"..x\0", beneath)
    assert not _open2(b"./x\0", beneath)
    assert not _open2(b"../x\0", _how(resolve=0x10))
    assert not _open2(b"../x\0", _how())


def test_openat2_fmode_nonotify_bit_is_stripped_before_6_14() -> None:
    # build_open_flags() on 6.1..6.13: `flags &= ~(__FMODE_NONOTIFY | O_CLOEXEC)` before
    # `flags & ~VALID_OPEN_FLAGS`: bit 26 opens there, so no version-wide refusal
    assert not _open2(b"/dev/null\0", _how(flags=1 << 26))
    assert not _open2(b"/dev/null\0", _how(flags=0o10000000 | 1 << 26))
    assert "VALID_OPEN_FLAGS" in _open2(b"/dev/null\0", _how(flags=1 << 26 | 1 << 27))


def test_flag_error_takes_a_struct_up_to_a_64k_page() -> None:
    # sys_openat2(): `usize > PAGE_SIZE` -E2BIG, PAGE_SIZE 16 or 64 KiB on such arm64
    # kernels: an 8 KiB struct of zeros opens there (open_faults.py, reopen checks)
    from guardian.reopen_flags import flag_error
    assert flag_error((0, 0, 0, 8192), True, every_version=True) is None
    assert flag_error((0, 0, 0, 65537), True, every_version=True)
