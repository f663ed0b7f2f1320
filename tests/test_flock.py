"""flock(2) in the kernel model, as Linux's fs/locks.c keeps it (SYSCALL_DEFINE2(flock),
flock_lock_inode(), flock_locks_conflict(), locks_remove_flock()).

Found by the Debian differential set (perl-errnos): perl opened a file twice and took
LOCK_EX|LOCK_NB on the first description, then on the second; Linux answers the second
EWOULDBLOCK, the model answered 0 to every flock.  A flock lock belongs to the open file
description: a dup'd (or inherited) descriptor shares it, another open() of the same file
is another owner; an exclusive lock conflicts with any lock of another description, a
shared one with an exclusive one; a conversion drops the old lock first (so a LOCK_NB one
that fails leaves none); the lock goes when the description's last descriptor closes.
flock locks and fcntl record locks never meet.
"""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path

import pytest

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel
from kernel_model.scheduler import Block
from tests.model_kernel import booted_kernel

AT_FDCWD = -100 & 0xFFFF_FFFF_FFFF_FFFF
BUF = 0x3000_0000
SH, EX, NB, UN = 1, 2, 4, 8


@pytest.fixture
def kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "f").write_text("0123456789")
    k = booted_kernel(tmp_path, BUF)
    return k


def _call(fn, k: Kernel, *args: int) -> int:  # noqa: ANN001
    try:
        return fn(k, k.current, (*args, 0, 0, 0, 0, 0, 0)[:6])
    except KernelError as exc:
        return -exc.errno


def _open(k: Kernel, flags: int = os.O_RDWR) -> int:
    from kernel_model.syscalls.fs import sys_openat

    k.uaccess.write(BUF, b"/f\0")
    fd = _call(sys_openat, k, AT_FDCWD, BUF, flags, 0)
    assert fd >= 0
    return fd


def _flock(k: Kernel, fd: int, cmd: int) -> int:
    from kernel_model.syscalls.fdtable import sys_flock

    return _call(sys_flock, k, fd, cmd)


def test_a_second_open_file_description_conflicts(kernel: Kernel) -> None:
    a, b = _open(kernel), _open(kernel, os.O_RDONLY)
    assert _flock(kernel, a, EX | NB) == 0
    assert _flock(kernel, a, EX | NB) == 0                 # the same lock again
    assert _flock(kernel, b, EX | NB) == -errno.EWOULDBLOCK
    assert _flock(kernel, b, SH | NB) == -errno.EWOULDBLOCK
    assert _flock(kernel, a, UN) == 0
    assert _flock(kernel, b, SH | NB) == 0
    assert _flock(kernel, a, SH | NB) == 0                 # shared with shared
    # a conversion drops the old lock before it tries: failing, it leaves none
    assert _flock(kernel, a, EX | NB) == -errno.EWOULDBLOCK
    assert _flock(kernel, b, EX | NB) == 0
    assert _flock(kernel, a, UN) == 0                      # LOCK_UN of no lock


def test_dup_shares_the_lock_and_the_last_close_drops_it(kernel: Kernel) -> None:
    from kernel_model.syscalls.fdtable import sys_close, sys_dup

    a, b = _open(kernel), _open(kernel)
    assert _flock(kernel, a, EX | NB) == 0
    a2 = _call(sys_dup, kernel, a)
    assert _flock(kernel, a2, SH | NB) == 0                # the same description: converts
    assert _flock(kernel, b, EX | NB) == -errno.EWOULDBLOCK
    assert _call(sys_close, kernel, a) == 0                # a2 still holds it
    assert _flock(kernel, b, EX | NB) == -errno.EWOULDBLOCK
    assert _call(sys_close, kernel, a2) == 0               # the last descriptor: gone
    assert _flock(kernel, b, EX | NB) == 0


def test_without_lock_nb_a_conflict_sleeps(kernel: Kernel) -> None:
    from kernel_model.syscalls.fdtable import sys_flock

    a, b = _open(kernel), _open(kernel)
    assert _flock(kernel, a, SH) == 0
    with pytest.raises(Block) as info:
        sys_flock(kernel, kernel.current, (b, EX, 0, 0, 0, 0))
    assert info.value.reason.what == "flock"


def test_flock_and_record_locks_do_not_meet(kernel: Kernel) -> None:
    from kernel_model.syscalls.fdtable import sys_fcntl

    a, b = _open(kernel), _open(kernel)
    assert _flock(kernel, a, EX | NB) == 0
    kernel.uaccess.write(BUF + 64, struct.pack("<hh4xqqi4x", ls.F_WRLCK, 0, 0, 0, 0))
    assert _call(sys_fcntl, kernel, b, ls.F_SETLK, BUF + 64) == 0


def test_the_answers_come_in_syscall_order(kernel: Kernel) -> None:
    a = _open(kernel)
    assert _flock(kernel, 99, 3) == -errno.EINVAL          # the command before the fd
    assert _flock(kernel, a, 0) == -errno.EINVAL
    assert _flock(kernel, a, NB) == -errno.EINVAL
    assert _flock(kernel, 99, EX) == -errno.EBADF
    assert _flock(kernel, 99, 32 | EX) == 0                # LOCK_MAND: ignored
    path = _open(kernel, ls.O_PATH)
    assert _flock(kernel, path, EX) == -errno.EBADF        # O_PATH: fdget() finds none
