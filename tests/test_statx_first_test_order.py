"""Kernel model: statx's mask and sync-bit tests come before the name's own error.

sys_statx() (6.1 .. 6.18) calls getname_flags()/getname_uflags() and hands even an
ERR_PTR name to do_statx() (or, 6.11+, a NULL one under AT_EMPTY_PATH to
do_statx_fd()), whose first lines are `if (mask & STATX__RESERVED) return -EINVAL;` and
`if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -EINVAL;`: a faulting
name with such a mask or flags answers -EINVAL, never -EFAULT."""

from __future__ import annotations

import errno

import pytest

import kernel_model.syscalls.fs as fs

AT_FDCWD = -100 % (1 << 64)


def _no_name(k: object, va: int) -> bytes:
    raise AssertionError("the name was read before do_statx()'s first tests")


@pytest.mark.parametrize(("flags", "mask"), [(0, 0x8000_0000), (0x6000, 0x7FF)])
def test_statx_first_tests_precede_the_name(monkeypatch: pytest.MonkeyPatch,
                                            flags: int, mask: int) -> None:
    monkeypatch.setattr(fs, "guest_path", _no_name)
    assert fs.sys_statx(None, None, (AT_FDCWD, 0, flags, mask, 0x1000)) == -errno.EINVAL
