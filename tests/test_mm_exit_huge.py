"""An address space with a 2 MiB huge page (a THP block) is torn down at exit.

Found by the Debian differential set: file(1) grows its heap past 4 MiB reading
magic.mgc, compaction collapses a 2 MiB run of it into a block, and exit_group then
freed that block's frames twice ("double free of frame"): the fast teardown
(`destroy`, entries left in a tree about to be freed whole) released the block's 512
frames once as a block and again as the pages its walk still saw.  Linux's
exit_mmap() -> unmap_vmas() -> zap_pmd_range() zaps a huge PMD once
(zap_huge_pmd()) and never walks page entries below it.
"""

from __future__ import annotations

from pathlib import Path

from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.thp import HUGE
from kernel_model.vma import PAGE, PROT_READ, PROT_WRITE, Vma

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"


def _kernel(tmp_path: Path) -> Kernel:
    hw = Machine(load_machine("small"))
    image = parse_elf(HELLO.read_bytes(), "/bin/hello")
    (tmp_path / "bin").mkdir(exist_ok=True)
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    k.spawn_init(image, "/bin/hello", [b"/bin/hello"])
    return k


def _collapsed_area(k: Kernel, start: int, length: int) -> None:
    mm = k.init.mm
    mm.map_area(Vma(start, start + length, PROT_READ | PROT_WRITE, name="[heap]"))
    for va in range(start, start + length, PAGE):
        k.uaccess.write(va, va.to_bytes(8, "little"))
    k.mmctx.memory.compactor.run(mm)
    assert mm.tables.blocks >= 1, "no block was collapsed"


def test_exit_frees_a_huge_page_once(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    frames = k.mmctx.frames
    start = 0x2000_0000
    free_before = frames.free_frames
    _collapsed_area(k, start, 2 * HUGE)
    k.init.mm.destroy()                 # exit_mmap(): no "double free of frame"
    assert frames.free_frames >= free_before


def test_exit_frees_a_huge_page_split_over_two_areas(tmp_path: Path) -> None:
    """A block whose 2 MiB the areas cover only in part (an mprotect split the area
    after the collapse) is released page by page, each page once."""
    k = _kernel(tmp_path)
    mm = k.init.mm
    start = 0x2000_0000
    _collapsed_area(k, start, HUGE)
    mm.vmas.remove_range(start + HUGE // 2, start + HUGE)   # two areas over one block
    mm.vmas.insert(Vma(start + HUGE // 2, start + HUGE, PROT_READ, name="[heap]"))
    mm.destroy()
