"""`blindfold bench`: modeled costs, measured side by side in one run.

`lmbench` runs each LMbench-style operation of the `lmbench` workload under the
four configurations the Blindfold papers compare — native (Guardian off), the
Guardian on with an ordinary process ("non"), the Guardian on with a
confidential process ("sen"), and the predecessor design ("mprotect") — and
reports modeled cycles per operation from the virtual clock.  Each operation
runs N and 2N times; the difference divided by N removes start-up and exit.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cli.session import run_program

CONFIGS: dict[str, dict[str, Any]] = {
    "off": {"guardian": "off", "confidential": False},
    "on-non": {"guardian": "on", "confidential": False},
    "on-sen": {"guardian": "on", "confidential": True},
    "mprotect": {"guardian": "mprotect", "confidential": True},
}
OPS: dict[str, int] = {       # op -> N (2N runs too)
    "null": 200, "read": 200, "write": 200, "stat": 100, "openclose": 100, "pagefault": 100,
    "forkexit": 10, "forkexec": 5, "pipe": 50, "siginstall": 200, "sigcatch": 100,
}
PER_OP = ("guardian.entries", "mmu.ttbr0_switches", "mmu.tlb_flushes", "guardian.tlb_flushes")


@dataclass
class Cell:
    cycles: float | None = None       # modeled cycles per operation
    counters: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0                 # host seconds for the 2N run
    error: str = ""


def _run(op: str, n: int, cfg: dict[str, Any]) -> tuple[dict[str, int], float, str]:
    out, err = io.BytesIO(), io.BytesIO()
    start = time.perf_counter()
    r = run_program("lmbench", [op, str(n)], timing="exact", stdout=out, stderr=err,
                    stdin=io.BytesIO(), **cfg)
    wall = time.perf_counter() - start
    problem = "" if r.exit_code == 0 else (r.crash or err.getvalue().decode(errors="replace")
                                           .strip().splitlines()[-1:] or [r.summary])[0]
    return r.stats, wall, problem


def measure(ops: dict[str, int], configs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Cell]]:
    table: dict[str, dict[str, Cell]] = {}
    for op, n in ops.items():
        row: dict[str, Cell] = {}
        for name, cfg in configs.items():
            cell = Cell()
            s1, _, e1 = _run(op, n, cfg)
            s2, wall, e2 = _run(op, 2 * n, cfg)
            cell.wall = wall
            if e1 or e2:
                cell.error = e1 or e2
            else:
                cell.cycles = (s2["clock.cycles"] - s1["clock.cycles"]) / n
                cell.counters = {k: (s2.get(k, 0) - s1.get(k, 0)) / n for k in PER_OP}
            row[name] = cell
        table[op] = row
    return table


def render(table: dict[str, dict[str, Cell]], console: Console) -> None:
    names = list(CONFIGS)
    t = Table(title="modeled cycles per operation (exact timing)", show_edge=False)
    t.add_column("op")
    for name in names:
        t.add_column(name, justify="right")
    for name in names[1:]:
        t.add_column(f"{name}/off", justify="right")
    t.add_column("entries/op (sen)", justify="right")
    t.add_column("TTBR0 sw/op (sen)", justify="right")
    t.add_column("TLB flush/op (sen)", justify="right")
    t.add_column("wall sen/off", justify="right")
    for op, row in table.items():
        base = row["off"].cycles
        cells = [f"{row[n].cycles:,.0f}" if row[n].cycles is not None else f"fails: {row[n].error[:28]}"
                 for n in names]
        ratios = [f"{row[n].cycles / base:.2f}x" if row[n].cycles and base else "-"
                  for n in names[1:]]
        sen = row["on-sen"]
        flushes = sen.counters.get("mmu.tlb_flushes", 0) + sen.counters.get("guardian.tlb_flushes", 0)
        t.add_row(op, *cells, *ratios,
                  f"{sen.counters.get('guardian.entries', 0):.1f}" if sen.cycles else "-",
                  f"{sen.counters.get('mmu.ttbr0_switches', 0):.1f}" if sen.cycles else "-",
                  f"{flushes:.1f}" if sen.cycles else "-",
                  f"{sen.wall / row['off'].wall:.2f}x" if row["off"].wall else "-")
    console.print(t)


@click.group()
def bench() -> None:
    """Measurements reported as ratios taken side by side in one run."""


@bench.command("lmbench")
@click.option("--ops", default=",".join(OPS), show_default=True,
              help="Comma-separated operations of the lmbench workload.")
@click.option("--scale", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Multiply every N (smaller is faster, noisier per-op counters).")
@click.option("--json", "as_json", is_flag=True)
def bench_lmbench(ops: str, scale: float, as_json: bool) -> None:
    """Cycles per operation for off / on-non / on-sen / mprotect, and their ratios."""
    chosen = {op: max(2, int(OPS[op] * scale)) for op in ops.split(",") if op in OPS}
    unknown = [op for op in ops.split(",") if op not in OPS]
    if unknown:
        raise click.UsageError(f"unknown operation(s): {', '.join(unknown)}; "
                               f"choose from {', '.join(OPS)}")
    table = measure(chosen, CONFIGS)
    if as_json:
        click.echo(json.dumps({op: {n: {"cycles_per_op": c.cycles, "per_op": c.counters,
                                        "wall_seconds": c.wall, "error": c.error}
                                    for n, c in row.items()} for op, row in table.items()},
                              indent=2))
        return
    render(table, Console())


def _add_rack() -> None:
    from cli.rack_bench import bench_rack
    bench.add_command(bench_rack)


_add_rack()


def _add_llm() -> None:
    # Their modules import click and rich only; torch loads when they run.
    from cli.bench_asynclm import asynclm_bench
    from cli.bench_promptcache import promptcache
    bench.add_command(promptcache)
    bench.add_command(asynclm_bench)


_add_llm()
def _add_pulse() -> None:
    from cli.pulse_bench import bench_pulse
    bench.add_command(bench_pulse)


_add_pulse()


def _add_gcs() -> None:
    from cli.gcs_bench import bench_gcs
    bench.add_command(bench_gcs)


_add_gcs()
