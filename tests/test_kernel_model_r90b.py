"""Kernel model, round 90b: where it answered as no Linux does.

- newfstatat with a flag outside vfs_statx()'s AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
  AT_EMPTY_PATH | AT_STATX_SYNC_TYPE: -EINVAL before cp_new_stat() (it stored a stat, 0);
- preadv/pwritev at a negative offset: do_preadv()/do_pwritev() `if (pos < 0) return
  -EINVAL;` first (the run ended with an OverflowError traceback);
- sched_getaffinity of a negative pid or one no task holds: find_process_by_pid()
  -ESRCH before the mask's copy_to_user() (the pid was ignored)."""

from __future__ import annotations

import errno
from types import SimpleNamespace

from kernel_model.syscalls.fileio import sys_preadv, sys_pwritev
from kernel_model.syscalls.fs import sys_newfstatat
from kernel_model.syscalls.misc import sys_sched_getaffinity

M = 1 << 64


def _k(writes: list[int]) -> SimpleNamespace:
    return SimpleNamespace(threads={7: object()},
                           uaccess=SimpleNamespace(write=lambda va, b: writes.append(va)))


def test_newfstatat_unknown_flag_is_einval() -> None:
    writes: list[int] = []
    for flags in (1, 0x8000, 0x1_0000):
        assert sys_newfstatat(_k(writes), None, (M - 100, 0x1000, 0x2000, flags)) == \
            -errno.EINVAL
    assert writes == []


def test_preadv_pwritev_negative_offset_is_einval() -> None:
    writes: list[int] = []
    for call in (sys_preadv, sys_pwritev):
        for pos in (M - 2, M - 1, 1 << 63):
            assert call(_k(writes), None, (3, 0x1000, 1, pos, 0)) == -errno.EINVAL
    assert writes == []


def test_sched_getaffinity_of_no_task_is_esrch() -> None:
    writes: list[int] = []
    k = _k(writes)
    for pid in (M - 1, 0xFFFF_FFFF, 0x8000_0000, 8, 4 * 1024 * 1024):
        assert sys_sched_getaffinity(k, None, (pid, 8, 0x1000)) == -errno.ESRCH
    assert writes == []
    # honest neighbours: the caller (0) and a task that exists store the mask
    assert sys_sched_getaffinity(k, object(), (0, 8, 0x1000)) == 8  # type: ignore[arg-type]
    assert sys_sched_getaffinity(k, None, (7, 8, 0x2000)) == 8
    assert writes == [0x1000, 0x2000]
