"""name_to_handle_at's grant (guardian/handle_caps.py): do_sys_name_to_handle() reads the
struct file_handle header, writes it and the program's handle_bytes back, and the mount
id -- nothing where handle_bytes is past MAX_HANDLE_SZ (-EINVAL)."""

from __future__ import annotations

import struct

import pytest

from guardian.capabilities import NotPresent, R, W, covered
from guardian.handle_caps import handle_ranges

_H, _ID = 0x1000, 0x2000


def _caps(size: int, flags: int = 0) -> list[tuple[int, int, int]]:
    mem = {_H: struct.pack("<Ii", size, 0)}
    return handle_ranges((-100, 0x3000, _H, _ID, flags),
                         lambda va, n: mem[va][:n] if va in mem else None)


def test_header_handle_and_mount_id_writable() -> None:
    caps = _caps(12)
    assert covered(caps, _H, 8 + 12, W) == 20
    assert covered(caps, _H, 8, R) == 8
    assert covered(caps, _H, 21, W) == 20          # not past the handle_bytes passed
    assert covered(caps, _ID, 4, W) == 4
    assert covered(caps, _ID, 8, W) == 4
    assert covered(_caps(12, 1), _ID, 8, W) == 8   # AT_HANDLE_MNT_ID_UNIQUE: a u64


def test_oversized_handle_bytes_writes_nothing() -> None:
    caps = _caps(129)
    assert covered(caps, _H, 8, W) == 0
    assert covered(caps, _H, 8, R) == 8
    assert covered(caps, _ID, 4, W) == 0


def test_unread_header_asks_for_the_page() -> None:
    with pytest.raises(NotPresent):
        handle_ranges((-100, 0, 0x9000, _ID, 0), lambda va, n: None)


def test_unknown_flag_grants_nothing() -> None:
    # AL-017: a flag no 6.x name_to_handle_at takes (AT_SYMLINK_NOFOLLOW) -EINVAL first
    assert _caps(12, 0x100) == []
    assert _caps(12, 0x1000 | 0x400)               # AT_EMPTY_PATH | AT_SYMLINK_FOLLOW


def test_connectable_with_fid_or_empty_path_grants_nothing() -> None:
    # AT_HANDLE_CONNECTABLE with AT_HANDLE_FID or AT_EMPTY_PATH:
    # 6.13+ name_to_handle_at() -EINVAL before any copy, an unknown flag before 6.13
    assert _caps(12, 0x002 | 0x200) == []
    assert _caps(12, 0x002 | 0x1000) == []
    assert _caps(12, 0x002)                        # honest: AT_HANDLE_CONNECTABLE alone
    assert _caps(12, 0x200 | 0x001)                # AT_HANDLE_FID | _MNT_ID_UNIQUE


def test_null_mount_id_writes_no_handle() -> None:
    # put_user() of the mount id at 0 faults first: do_sys_name_to_
    # handle() skips the handle's copy_to_user() and answers -EFAULT
    mem = {_H: struct.pack("<Ii", 12, 0)}
    caps = handle_ranges((-100, 0x3000, _H, 0, 0),
                         lambda va, n: mem[va][:n] if va in mem else None)
    assert covered(caps, _H, 8, W) == 0
    assert covered(caps, _H, 8, R) == 8
