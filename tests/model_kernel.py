"""A kernel model booted for a unit test of its system calls, without the Guardian."""

from __future__ import annotations

from pathlib import Path

from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.vma import PAGE, PROT_READ, PROT_WRITE, Vma

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"


def booted_kernel(rootfs: Path, buf: int) -> Kernel:
    """The kernel model on the small machine with workloads/bin/hello as its first
    process, rooted at `rootfs` (given a /bin), and one read-write anonymous page at `buf`
    for the test's arguments and outputs."""
    hw = Machine(load_machine("small"))
    image = parse_elf(HELLO.read_bytes(), "/bin/hello")
    (rootfs / "bin").mkdir(exist_ok=True)
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=rootfs))
    k.spawn_init(image, "/bin/hello", [b"/bin/hello"])
    k.init.mm.map_area(Vma(buf, buf + PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
    return k
