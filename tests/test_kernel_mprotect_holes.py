"""The kernel model's mprotect() and pkey_mprotect() as do_mprotect_pkey(): the areas
before a hole change before -ENOMEM (Linux 6.18 x86_64 shows the first page ---p in
/proc/self/maps after mprotect() over a hole fails so), and a key past -1 is -EINVAL
(no arm64 POE); fchownat() copies its name."""

from __future__ import annotations

import errno
from pathlib import Path

from abi.syscalls import NUMBERS
from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.syscalls import SYSCALLS
from kernel_model.vma import PAGE, PROT_READ, PROT_WRITE

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"
MAP_PRIVATE_ANON = 0x22


def _kernel(tmp_path: Path) -> Kernel:
    (tmp_path / "bin").mkdir(exist_ok=True)
    hw = Machine(load_machine("small"))
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    k.spawn_init(parse_elf(HELLO.read_bytes(), "/bin/hello"), "/bin/hello", [b"/bin/hello"])
    return k


def _call(k: Kernel, name: str, *args: int) -> int:
    ret = SYSCALLS[NUMBERS[name]](k, k.init.threads[0], args + (0,) * (6 - len(args)))
    return ret - (1 << 64) if ret >= 1 << 63 else ret


def _prot(k: Kernel, va: int) -> int:
    vma = k.init.mm.vmas.find(va)
    assert vma is not None
    return vma.prot


def test_mprotect_over_a_hole_changes_the_areas_before_it(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    rw = PROT_READ | PROT_WRITE
    p = _call(k, "mmap", 0, 3 * PAGE, rw, MAP_PRIVATE_ANON, (1 << 64) - 1, 0)
    assert _call(k, "munmap", p + PAGE, PAGE) == 0
    assert _call(k, "mprotect", p, 3 * PAGE, 0) == -errno.ENOMEM
    assert _prot(k, p) == 0 and _prot(k, p + 2 * PAGE) == rw
    assert _call(k, "mprotect", p + PAGE, 2 * PAGE, 0) == -errno.ENOMEM   # hole first
    assert _prot(k, p + 2 * PAGE) == rw
    assert _call(k, "pkey_mprotect", p, PAGE, PROT_READ, (1 << 64) - 1) == 0
    assert _prot(k, p) == PROT_READ
    assert _call(k, "pkey_mprotect", p, PAGE, rw, 1) == -errno.EINVAL
    assert _call(k, "pkey_mprotect", p, 0, rw, 1) == 0                    # (!len first)
    assert _prot(k, p) == PROT_READ


def test_fchownat_copies_its_name(tmp_path: Path) -> None:
    """do_fchownat() -> user_path_at(): a NULL name faults even under AT_EMPTY_PATH."""
    k = _kernel(tmp_path)
    try:
        ret = _call(k, "fchownat", 0, 0, 0, 0, 0x1000)
    except KernelError as e:
        ret = -e.errno
    assert ret == -errno.EFAULT
    assert _call(k, "fchownat", 0, 0, 0, 0, 0x2) == -errno.EINVAL
