"""/sys: the few entries programs probe, answered from the machine description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.layout import NR_CPUS_DEFCONFIG
from kernel_model.synthfs import Node, SynthDir, SynthFile

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

#: The PMD block size of the 4 KiB granule (what THP collapses into).
HPAGE_PMD_SIZE = 2 << 20


def _text(value: str) -> SynthFile:
    return SynthFile(lambda: value.encode())


def sys_tree(k: Kernel) -> SynthDir:
    # The kernel model schedules every thread on one core.
    cpus = "0\n"

    def thp() -> dict[str, Node]:
        return {"hpage_pmd_size": _text(f"{HPAGE_PMD_SIZE}\n"),
                "enabled": _text("always [madvise] never\n"),
                "defrag": _text("always defer defer+madvise [madvise] never\n"),
                "shmem_enabled": _text("always within_size advise [never] deny force\n")}

    def cpu() -> dict[str, Node]:
        return {"online": _text(cpus), "possible": _text(cpus), "present": _text(cpus),
                # NR_CPUS - 1 (print_cpus_kernel_max()): arm64's defconfig NR_CPUS is 512.
                "kernel_max": _text(f"{NR_CPUS_DEFCONFIG - 1}\n"),
                "cpu0": SynthDir(lambda: {"online": _text("1\n")})}

    def node() -> dict[str, Node]:
        return {"online": _text("0\n"), "possible": _text("0\n")}

    return SynthDir(lambda: {
        "kernel": SynthDir(lambda: {
            "mm": SynthDir(lambda: {"transparent_hugepage": SynthDir(thp)}),
        }),
        "devices": SynthDir(lambda: {
            "system": SynthDir(lambda: {"cpu": SynthDir(cpu), "node": SynthDir(node)}),
        }),
        "fs": SynthDir(lambda: {"cgroup": SynthDir(lambda: {})}),
        "class": SynthDir(lambda: {"net": SynthDir(lambda: {"lo": SynthDir(lambda: {
            "mtu": _text("65536\n"), "operstate": _text("unknown\n"),
            "address": _text("00:00:00:00:00:00\n")})})}),
    })
