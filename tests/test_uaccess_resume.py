"""copy_to_user into pages not yet faulted in resumes where it faulted.

Found by the Debian differential set: file(1) read()s its 7 MB magic.mgc into a fresh
heap buffer; each of the 1792 page faults restarted the kernel model's copy from the
buffer's start (1.6 million page copies, 13 of the case's 14 seconds).  Linux's
copy_to_user() -> raw_copy_to_user() stops at the faulting page, the fault is handled,
and the copy goes on from there.
"""

from __future__ import annotations

from pathlib import Path

from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.vma import PAGE, PROT_READ, PROT_WRITE, Vma

HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"


def test_a_write_into_untouched_pages_copies_each_page_about_once(tmp_path: Path) -> None:
    hw = Machine(load_machine("small"))
    image = parse_elf(HELLO.read_bytes(), "/bin/hello")
    (tmp_path / "bin").mkdir()
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    k.spawn_init(image, "/bin/hello", [b"/bin/hello"])
    pages, start = 256, 0x3000_0000
    k.init.mm.map_area(Vma(start, start + pages * PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
    data = bytes(range(256)) * (pages * PAGE // 256 - 1) + b"tail" * 36
    el1 = k.uaccess.el1
    lookups = 0
    page_off = el1._page_off

    def counted(va: int, write: bool) -> int:
        nonlocal lookups
        lookups += 1
        return page_off(va, write)

    el1._page_off = counted                   # type: ignore[method-assign]
    k.uaccess.write(start + 100, data)        # (not page-aligned: the first page in part)
    del el1._page_off
    assert k.uaccess.read(start + 100, len(data)) == data
    assert lookups <= 8 * pages, lookups      # ~3.5 a page; restarted copies: ~pages**2 / 2
