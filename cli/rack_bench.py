"""`blindfold bench rack`: MIND's evaluation on the modelled rack, by trace replay.

Two tables, in modelled time: normalized throughput for 1, 2, 4 and 8 compute blades on low-
and high-contention synthetic traces for MIND and the two baselines on the same rack (FastSwap-
like: one blade swapping to remote memory; GAM-like: a software directory run by the blades),
normalized to MIND on one blade; and bounded splitting against static region sizes from 16 KiB
to 2 MiB (false invalidations, false write-backs, directory entries) on a trace whose footprint
is large enough for region size to matter.  Sweeps run through Ray when it is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from emulator.rack.control import DYN_CACHE_TAR_DIR, SplitConfig
from emulator.rack.costs import SOURCES, RackCosts
from emulator.rack.replay import ReplayConfig, replay
from emulator.rack.tables import DIRECTORY_CAPACITY
from emulator.rack.trace_format import CONTENTION, from_recording, synthetic

BLADES = (1, 2, 4, 8)
SYSTEMS = ("mind", "fastswap", "gam")
STATIC = (16 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20)


@dataclass(frozen=True)
class Job:
    table: str
    workload: str
    system: str
    blades: int
    accesses: int
    footprint: int
    threads_per_blade: int
    region: int | None = None          # static size; None: bounded splitting
    initial_region: int = 16 << 10
    seed: int = 1
    recording: str = ""                # a trace recorded with --trace-level mem instead


def run_job(job: Job) -> dict[str, Any]:
    if job.recording:
        traces = from_recording(job.recording)
        threads = len(traces)
        per_blade = -(-threads // job.blades)
        job = Job(**{**job.__dict__, "threads_per_blade": per_blade})
    else:
        threads = job.threads_per_blade * job.blades
        traces = synthetic(threads, job.accesses, job.footprint, CONTENTION[job.workload],
                           job.seed)
    if job.region is None:
        split = SplitConfig(initial_region=job.initial_region, epoch_ns=200_000)
        capacity: int | None = DIRECTORY_CAPACITY
    else:
        split, capacity = SplitConfig(static_region=job.region), None
    cfg = ReplayConfig(system=job.system, blades=job.blades,
                       threads_per_blade=job.threads_per_blade, split=split,
                       directory_capacity=capacity, seed=job.seed)
    r = replay(traces, cfg)
    c = r.counters
    return {"table": job.table, "workload": job.workload, "system": job.system,
            "blades": job.blades, "threads": threads,
            "region": "bounded" if job.region is None else job.region,
            "initial_region": job.initial_region if job.region is None else None,
            "accesses": r.accesses, "makespan_ns": r.makespan_ns,
            "throughput": r.throughput,
            "false_invalidations": c["replay.false_invalidations"],
            "false_writebacks": c["replay.false_writebacks"],
            "invalidations": c["replay.invalidations"], "nacks": c["replay.nacks"],
            "directory_peak": c["replay.directory_peak"],
            "splits": c.get("rack.control.splits", 0), "merges": c.get("rack.control.merges", 0),
            "packets": {k.split(".")[-1]: v for k, v in c.items()
                        if k.startswith("rack.net.packets.")}}


def run_sweep(jobs: list[Job], quiet: bool) -> list[dict[str, Any]]:
    """Through Ray when installed (a cluster if one is configured, else local), otherwise one
    after another with a progress bar; the rows come back in job order either way."""
    try:
        import ray
    except ImportError:
        ray = None
    if ray is not None:
        ray.init(ignore_reinit_error=True, log_to_driver=False)
        remote = ray.remote(run_job)
        return list(ray.get([remote.remote(j) for j in jobs]))
    rows = []
    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task("replaying traces", total=len(jobs))
        for job in jobs:
            rows.append(run_job(job))
            progress.advance(task)
    return rows


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


@click.command("rack")
@click.option("--accesses", type=click.IntRange(min=100), default=3000, show_default=True,
              help="Accesses per thread in the scaling traces.")
@click.option("--threads-per-blade", type=click.IntRange(min=1, max=12), default=2,
              show_default=True)
@click.option("--split-footprint", default=1024, show_default=True, metavar="MIB",
              help="Footprint of the bounded-splitting trace, in MiB.")
@click.option("--split-accesses", type=click.IntRange(min=100), default=4000, show_default=True,
              help="Accesses per thread (16 threads on 8 blades) in the splitting trace.")
@click.option("--recorded", "recorded", type=click.Path(exists=True, dir_okay=False),
              metavar="TRACE", help="Also replay a trace recorded with `blindfold run "
                                    "--trace-level mem` (one thread per guest thread).")
@click.option("--programs/--no-programs", default=True, show_default=True,
              help="Also run real threaded programs on the blades' kernels (third table).")
@click.option("--json", "as_json", is_flag=True, help="One row per (workload, system, blades).")
def bench_rack(accesses: int, threads_per_blade: int, split_footprint: int,
               split_accesses: int, recorded: str | None, programs: bool, as_json: bool) -> None:
    """MIND on the modelled rack: scaling vs FastSwap-like and GAM-like baselines, and
    bounded splitting vs static regions (modelled time, trace replay)."""
    loads = ["low", "high"] + (["recorded"] if recorded else [])
    jobs = [Job("scaling", w, s, b, accesses, 64 << 20, threads_per_blade,
                recording=recorded if w == "recorded" else "")
            for w in loads for s in SYSTEMS for b in BLADES]
    foot = split_footprint << 20
    jobs += [Job("splitting", "high", "mind", 8, split_accesses, foot, 2, region=r)
             for r in STATIC]
    jobs += [Job("splitting", "high", "mind", 8, split_accesses, foot, 2, region=None,
                 initial_region=i) for i in (16 << 10, 2 << 20)]
    rows = run_sweep(jobs, quiet=as_json)
    if programs:
        from cli.rack_programs_bench import program_rows
        rows += program_rows()
    for w in loads:
        base = next(r for r in rows if r["table"] == "scaling" and r["workload"] == w
                    and r["system"] == "mind" and r["blades"] == 1)["throughput"]
        for r in rows:
            if r["table"] == "scaling" and r["workload"] == w:
                r["normalized"] = r["throughput"] / base
    if as_json:
        click.echo(json.dumps({"rows": rows, "costs": RackCosts().as_dict(),
                               "cost_sources": dict(SOURCES)}, indent=1))
        return
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)     # piped: room for every column, never truncated
    t = Table(title="Normalized throughput (MIND on 1 blade = 1.00; "
                    f"{threads_per_blade} threads per blade, modelled time)")
    t.add_column("load")
    t.add_column("system")
    for b in BLADES:
        t.add_column(f"{b} blade" + ("s" if b > 1 else ""), justify="right")
    for w in loads:
        for s in SYSTEMS:
            cells = [f"{r['normalized']:.2f}" for b in BLADES for r in rows
                     if r["table"] == "scaling" and r["workload"] == w and r["system"] == s
                     and r["blades"] == b]
            t.add_row(w, {"mind": "MIND", "fastswap": "FastSwap-like", "gam": "GAM-like"}[s],
                      *cells)
    console.print(t)
    t2 = Table(title=f"Bounded splitting vs static regions (8 blades, high contention, "
                     f"{split_footprint} MiB footprint; budget {DYN_CACHE_TAR_DIR:,})")
    for col in ("regions", "false invalidations", "false write-backs", "directory entries",
                "fits the switch"):
        t2.add_column(col, justify="left" if col == "regions" else "right", no_wrap=True)
    for r in rows:
        if r["table"] != "splitting":
            continue
        name = (f"static {_size(r['region'])}" if r["region"] != "bounded"
                else f"bounded, from {_size(r['initial_region'])}")
        fits = "yes" if r["directory_peak"] <= DIRECTORY_CAPACITY else "no"
        t2.add_row(name, f"{r['false_invalidations']:,}", f"{r['false_writebacks']:,}",
                   f"{r['directory_peak']:,}", fits)
    console.print(t2)
    if programs:
        t3 = Table(title="Real programs on the blades' own kernels (modelled time; calls and "
                         "wake-ups between a blade and the process's home are packets)")
        for col in ("program", "blades", "same out", "ms", "busiest blade ms", "calls fwd",
                    "wakes fwd", "kernel msgs", "msg KiB", "fetches", "invalidations"):
            t3.add_column(col, justify="left" if col == "program" else "right", no_wrap=True)
        for r in rows:
            if r["table"] == "programs":
                t3.add_row(r["workload"], str(r["blades"]),
                           "yes" if r["same_output"] and r["exit_code"] == 0 else "NO",
                           f"{r['modelled_ms']:.2f}", f"{r['busiest_blade_ms']:.2f}",
                           f"{r['remote_syscalls']:,}",
                           f"{r['remote_wakes']:,}", f"{r['kernel_packets']:,}",
                           f"{r['kernel_bytes'] / 1024:.1f}", f"{r['fetches']:,}",
                           f"{r['invalidations']:,}")
        console.print(t3)
