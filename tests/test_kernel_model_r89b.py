"""The kernel model fails three calls first as Linux does (red-team round 89b's side
finding: it stored at the output where Linux answers -EINVAL and stores nothing):

- readlinkat()'s bufsiz is an int (SYSCALL_DEFINE4(readlinkat), do_readlinkat() `if
  (bufsiz <= 0) return -EINVAL;`): 0x80000000 is negative;
- statx() with an AT_* flag outside AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
  AT_STATX_SYNC_TYPE (vfs_statx(): -EINVAL before the lookup and cp_statx());
- sigaltstack() with an unknown mode: do_sigaltstack() -EINVAL, and
  SYSCALL_DEFINE2(sigaltstack) copies the old stack out only `if (!err && uoss)`;
  SS_ONSTACK is a mode Linux takes (as 0).
"""

from __future__ import annotations

import errno
import io
import struct
import tempfile
from pathlib import Path

import pytest

from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import Kernel, KernelOptions
from tests.test_kernel_futex import _call
from workloads import find

U64 = (1 << 64) - 1
AT_FDCWD = -100
FILL = b"\xaa" * 256


@pytest.fixture(scope="module")
def kernel() -> Kernel:
    root = Path(tempfile.mkdtemp(prefix="blindfold-r89b-"))
    (root / "bin").mkdir()
    hw = Machine(load_machine("small"))
    opts = KernelOptions(rootfs=root, stdout=io.BytesIO(), stderr=io.BytesIO(),
                         stdin=io.BytesIO())
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    w = find("hello")
    assert w is not None
    k.spawn_init(parse_elf(w.binary.read_bytes()), "/bin/hello", [b"/bin/hello"])
    return k


def _page(k: Kernel) -> tuple[int, int]:
    """A fresh anonymous page: (a string area at its start, an output at +1024 filled)."""
    va = _call(k, "mmap", 0, 4096, 3, 0x22, U64, 0)
    assert va > 0
    k.uaccess.write(va + 1024, FILL)
    return va, va + 1024


def test_readlinkat_size_is_an_int(kernel: Kernel) -> None:
    va, out = _page(kernel)
    kernel.uaccess.write(va, b"/proc/self/exe\0")
    assert _call(kernel, "readlinkat", AT_FDCWD, va, out, 0x8000_0000) == -errno.EINVAL
    assert _call(kernel, "readlinkat", AT_FDCWD, va, out, 0x1_0000_0000) == -errno.EINVAL
    assert kernel.uaccess.read(out, 256) == FILL
    # honest neighbour: a size whose low 32 bits are positive reads the link
    n = _call(kernel, "readlinkat", AT_FDCWD, va, out, 0x1_0000_0040)
    assert 0 < n <= 64 and kernel.uaccess.read(out, n) != FILL[:n]


@pytest.mark.parametrize("flags", [0x1, 0x200, 0x8000, 0x8000_0000])
def test_statx_unknown_flag_stores_nothing(kernel: Kernel, flags: int) -> None:
    va, out = _page(kernel)
    kernel.uaccess.write(va, b"/\0")
    assert _call(kernel, "statx", AT_FDCWD, va, flags, 0x7FF, out) == -errno.EINVAL
    assert kernel.uaccess.read(out, 256) == FILL


@pytest.mark.parametrize("flags", [0, 0x100, 0x800, 0x2000, 0x4000, 0x100 | 0x800 | 0x2000])
def test_statx_known_flags_store(kernel: Kernel, flags: int) -> None:
    va, out = _page(kernel)
    kernel.uaccess.write(va, b"/\0")
    assert _call(kernel, "statx", AT_FDCWD, va, flags, 0x7FF, out) == 0
    assert kernel.uaccess.read(out, 256) != FILL


def _stack(k: Kernel, at: int, mode: int) -> None:
    k.uaccess.write(at, struct.pack("<QIiQ", at + 0x100000, mode, 0, 8192))


@pytest.mark.parametrize("mode", [3, 4, 7, 0x4000_0000])
def test_sigaltstack_unknown_mode_stores_nothing(kernel: Kernel, mode: int) -> None:
    va, out = _page(kernel)
    _stack(kernel, va, mode)
    assert _call(kernel, "sigaltstack", va, out) == -errno.EINVAL
    assert kernel.uaccess.read(out, 256) == FILL


def test_sigaltstack_autodisarm_is_not_modelled(kernel: Kernel) -> None:
    """SS_AUTODISARM would need the delivery to disarm the stack and rt_sigreturn to
    restore it: the model refuses the flag (as before), storing nothing."""
    va, out = _page(kernel)
    _stack(kernel, va, 0x8000_0000)
    assert _call(kernel, "sigaltstack", va, out) == -errno.EINVAL
    assert kernel.uaccess.read(out, 256) == FILL


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_sigaltstack_known_mode_stores_the_old(kernel: Kernel, mode: int) -> None:
    va, out = _page(kernel)
    _stack(kernel, va, mode)
    assert _call(kernel, "sigaltstack", va, out) == 0
    assert kernel.uaccess.read(out, 24) != FILL[:24]
    assert kernel.uaccess.read(out + 24, 8) == FILL[:8]
