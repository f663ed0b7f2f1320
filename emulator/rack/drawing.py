"""A text drawing of a rack for `blindfold machine show`."""

from __future__ import annotations

from emulator.machine_types import RackConfig
from emulator.rack.costs import RackCosts
from emulator.rack.tables import (
    DIRECTORY_CAPACITY,
    EXCEPTION_CAPACITY,
    PARTITION_CAPACITY,
    TRANSITION_CAPACITY,
)


def _size(n: int) -> str:
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} B"


def _boxes(labels: list[list[str]], width: int) -> list[str]:
    top = " ".join("+" + "-" * width + "+" for _ in labels)
    rows = [" ".join("|" + line[i].center(width) + "|" for line in labels)
            for i in range(len(labels[0]))]
    return [top, *rows, top]


def draw_rack(rack: RackConfig) -> str:
    costs = RackCosts().with_overrides(rack.costs)
    width = 9
    compute = [[f"cb{i}", f"{rack.cores_per_blade} core" + ("s" if rack.cores_per_blade > 1 else ""),
                _size(rack.blade_dram)] for i in range(rack.compute_blades)]
    memory = [[f"mb{i}", "memory", _size(rack.memory_blade_size)]
              for i in range(rack.memory_blades)]
    lower = _boxes(compute + memory, width)
    span = len(lower[0])
    switch_lines = [
        "programmable switch",
        f"translation LPM {PARTITION_CAPACITY} | protection LPM {EXCEPTION_CAPACITY}",
        f"directory {DIRECTORY_CAPACITY} entries | {TRANSITION_CAPACITY}-row MSI table",
    ]
    inner = max(span - 2, max(len(s) for s in switch_lines) + 4)
    out = ["+" + "-" * inner + "+"]
    out += ["|" + s.center(inner) + "|" for s in switch_lines]
    out.append("+" + "-" * inner + "+")
    ports = "".join(" " * (width // 2 + 1) + "|" + " " * (width - width // 2)
                    for _ in compute + memory)
    out.append(ports.rstrip())
    out.append(f"  links: {costs.link_gbps} Gbps, {costs.link_propagation_ns} ns each way; "
               f"switch pass {costs.switch_pass_ns} ns")
    out.append(ports.rstrip())
    out += lower
    out.append(f"compute blades: {rack.compute_blades} (threads placed {rack.placement}); "
               f"memory blades: {rack.memory_blades}")
    return "\n".join(out)
