"""Real programs on the blades' own kernels (`blindfold bench rack`'s third table).

Each program runs on 1, 2, 4 and 8 compute blades under the rack machine; the row says what the
spread cost in modelled time (all blades' turns on the one clock, and the busiest blade's own
share of it: a bound on what the blades running side by side would take) and in
kernel-to-kernel traffic: calls forwarded to the process's
home blade, wake-ups sent to sleepers on other blades, the bytes those messages carried, and the
pages the blades fetched.  The output must be the same on every blade count.
"""

from __future__ import annotations

import io
from typing import Any

PROGRAMS: tuple[tuple[str, tuple[str, ...]], ...] = (("threads", ()), ("gothreads", ()))
BLADES = (1, 2, 4, 8)


def program_rows() -> list[dict[str, Any]]:
    from cli.session import run_program
    from emulator.machine_config import load_machine

    ns_per_cycle = 1e9 / load_machine("rack").clock_hz
    rows: list[dict[str, Any]] = []
    for name, args in PROGRAMS:
        first: bytes | None = None
        for n in BLADES:
            out = io.BytesIO()
            r = run_program(name, list(args), machine="rack", blades=n, stdout=out,
                            stderr=io.BytesIO(), stdin=io.BytesIO())
            s = r.stats
            first = out.getvalue() if first is None else first
            rows.append({
                "table": "programs", "workload": name, "system": "mind", "blades": n,
                "exit_code": r.exit_code, "same_output": out.getvalue() == first,
                "modelled_ms": s.get("clock.cycles", 0) * ns_per_cycle / 1e6,
                "busiest_blade_ms": s.get("rack.kernel.busiest_blade_cycles", 0)
                * ns_per_cycle / 1e6,
                "remote_syscalls": s.get("rack.kernel.remote_syscalls", 0),
                "remote_wakes": s.get("rack.kernel.wakes_remote", 0),
                "kernel_packets": s.get("rack.net.packets.kernel", 0),
                "kernel_bytes": s.get("rack.net.bytes.kernel", 0),
                "fetches": s.get("rack.kernel.fetches_read", 0)
                + s.get("rack.kernel.fetches_write", 0),
                "invalidations": s.get("rack.net.packets.invalidation", 0),
            })
    return rows
