"""`blindfold bench pulse`: PULSE against RPC to a CPU on the memory blade and against MIND's
cache-based path, on hash-table lookups (YCSB-C), B+-tree scans (YCSB-E) and time-series
aggregates, with the structure on one and on two memory blades (modelled time)."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from emulator.rack.pulse.costs import SOURCES, PulseCosts
from emulator.rack.pulse.evaluate import KEYS, evaluate

NAMES = {"pulse": "PULSE", "rpc": "RPC (memory-blade CPU)", "mind": "MIND (cache)"}


@click.command("pulse")
@click.option("--queries", type=click.IntRange(min=1, max=100_000), default=100,
              show_default=True, help="Operations per (workload, system, memory blades).")
@click.option("--window", type=click.IntRange(min=1, max=1024), default=32, show_default=True,
              help="Requests outstanding at once in the throughput runs.")
@click.option("--seed", default=1, show_default=True)
@click.option("--keys", type=click.IntRange(min=100, max=1_000_000), default=KEYS,
              show_default=True, help="Hash-table nodes or B+-tree records per structure.")
@click.option("--json", "as_json", is_flag=True, help="One row per (workload, system, memory "
                                                      "blades).")
@click.option("--force-offload", is_flag=True,
              help="A measurement tool: run iterators whose offload estimate does not pay on "
                   "the devices anyway (their rows say offload_forced).")
def bench_pulse(queries: int, window: int, seed: int, keys: int, as_json: bool,
                force_offload: bool) -> None:
    """PULSE vs RPC vs MIND: latency, throughput and energy per operation."""
    try:
        rows, extra = evaluate(queries=queries, seed=seed, window=window, keys=keys,
                               force_offload=force_offload)
    except RuntimeError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        click.echo(json.dumps({"rows": rows, "pulse": extra, "costs": PulseCosts().as_dict(),
                               "cost_sources": dict(SOURCES)}, indent=1))
        return
    t = Table(title=f"PULSE vs RPC vs MIND ({queries} operations over {keys} keys, {window} "
                    "outstanding for throughput, modelled time)")
    for col in ("workload", "mem blades", "system", "latency us", "x PULSE", "Mops/s",
                "PULSE x", "nJ/op", "x PULSE "):
        t.add_column(col, justify="left" if col in ("workload", "system") else "right")
    for r in rows:
        forced = " (forced)" if r.get("offload_forced") else ""
        t.add_row(r["workload"], str(r["memory_blades"]), NAMES[r["system"]] + forced,
                  f"{r['latency_ns'] / 1000:.2f}", f"{r['latency_vs_pulse']:.2f}",
                  f"{r['throughput_mops']:.3f}", f"{r['throughput_vs_pulse']:.2f}",
                  f"{r['energy_nj_per_op']:.1f}", f"{r['energy_vs_pulse']:.2f}")
    console = Console()
    console.print(t)
    for key, stats in extra.items():
        pays = stats["pulse.estimate.pays"]
        console.print(f"{key}: {stats['pulse.offloaded_iterations_pct']}% of "
                      f"{stats['pulse.iterations']} iterations offloaded, "
                      f"{stats.get('pulse.switch.routed_continue', 0)} continuations routed "
                      "by the switch; estimate: "
                      f"t_c {stats['pulse.estimate.t_c_ns']} ns "
                      f"({stats['pulse.estimate.logic_insns_max']} logic instructions at most) "
                      f"vs eta x t_d {stats['pulse.estimate.eta_x_t_d_ns']} ns: "
                      f"{'pays' if pays else 'does not pay (offload forced to measure it)'}; "
                      f"measured t_c/t_d {stats['pulse.measured_t_c_over_t_d_x100'] / 100:.2f}, "
                      f"{stats['pulse.iterations_per_op']} iterations per operation")
    console.print(PAPER)


PAPER = ("PULSE paper (ASPLOS'25, §6.1): 9-34x lower latency and 28-171x higher throughput "
         "than the cache-based system (Fastswap; here MIND), while RPC to a memory-node CPU "
         "has 1-1.4x lower latency than PULSE; t_c/t_d 0.06 (hash), 0.63 and 0.71 (B+-trees).")
