"""`blindfold bench gcs`: GCS against glibc's pthread_rwlock and an MCS lock on the rack.

Every number comes from running the real AArch64 workloads on the `rack` machine: the
key-value store (gcskv, YCSB A, B, C) and the lock micro-benchmark (lockbench, a range of read
ratios), each built three times from one source, with 1, 2, 4 and 8 compute blades and one
thread per blade.  Modelled time and rack packets are measured for the operations alone: a run
with zero operations per thread (same program, threads and blades) is subtracted.

Interleaving.  One Unicorn core executes every blade's threads in turn on the virtual clock.
With the machine's own quantum (100,000 instructions) a thread finishes dozens of critical
sections in one slice, so the lock word's page stays on one blade and contention between blades
all but vanishes.  The benchmark therefore runs in exact timing with a short quantum (100
instructions by default, a few per critical section), so threads of different blades interleave
inside each other's critical sections, and charges no context switch between them (each thread
has its own blade and core in the modelled rack; with --threads-per-blade above 1 the threads of
one blade share its core and this leaves out their switching cost).  The ratios depend on that
grain (a finer one moves the lock word's page more often): the contention check repeats one
configuration at 25 and 1,000 instructions and at the machine's quantum.  Modelled time is the
sum of the threads' work on the one core (serialized), so throughput here measures the cost of
each critical section, not parallel speed-up across blades.

Messages are link traversals (blade to switch and switch to blade or memory blade count one
each).  `--json` gives every row with its counters.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli.session import run_program
from emulator.machine_config import load_machine
from emulator.machine_types import MachineConfig
from workloads.lincheck import check_history, parse_gcskv

LOCKS = ("gcs", "pthread", "mcs")
LOCK_NAMES = {"gcs": "GCS", "pthread": "pthread_rwlock", "mcs": "MCS"}
BLADES = (1, 2, 4, 8)
KV_MIXES = ("A", "B", "C")
READ_RATIOS = (0, 50, 90, 100)
BENCH_QUANTUM = 100
CHECK_QUANTA = (25, 1000)


@dataclass(frozen=True)
class Setting:
    ops: int = 40                 # operations per thread
    keys: int = 16                # key-value store keys (few: contended buckets)
    cs_bytes: int = 64            # micro-benchmark critical-section bytes
    locks: int = 8                # micro-benchmark locks
    quantum: int = BENCH_QUANTUM
    seed: int = 1
    threads_per_blade: int = 1
    blades: tuple[int, ...] = BLADES
    mixes: tuple[str, ...] = KV_MIXES
    read_ratios: tuple[int, ...] = READ_RATIOS


@dataclass(frozen=True)
class Workload:
    family: str                   # "kv" or "micro"
    param: str                    # YCSB mix, or read percentage

    @property
    def label(self) -> str:
        return f"KV YCSB-{self.param}" if self.family == "kv" else f"micro {self.param}% rd"

    def program(self, lock: str) -> str:
        return f"{'gcskv' if self.family == 'kv' else 'lockbench'}_{lock}"

    def args(self, s: Setting, threads: int, ops: int) -> list[str]:
        if self.family == "kv":
            return [self.param, str(threads), str(ops), str(s.keys)]
        return [str(threads), str(ops), self.param, str(s.cs_bytes), str(s.locks)]


def bench_machine(quantum: int, seed: int) -> MachineConfig:
    """The rack machine with the benchmark's quantum and no charge for switching threads."""
    cfg = load_machine("rack")
    return replace(cfg, quantum_insns=quantum, seed=seed,
                   costs=MappingProxyType({**cfg.costs, "context_switch": 0}))


@dataclass(frozen=True)
class Sample:
    time_ns: int
    packets: int
    lock_packets: int
    bytes: int
    fetches: int
    gcs_waits: int
    slices: int

    def minus(self, base: Sample) -> Sample:
        return Sample(*(a - b for a, b in zip(asdict(self).values(), asdict(base).values(),
                                             strict=True)))


def run_sample(machine: MachineConfig, program: str, args: list[str], blades: int
               ) -> tuple[Sample, str]:
    out, err = io.BytesIO(), io.BytesIO()
    r = run_program(program, args, machine=machine, blades=blades, timing="exact",
                    stdout=out, stderr=err, stdin=io.BytesIO())
    text = out.getvalue().decode("utf-8", "replace")
    if r.exit_code != 0 or "FAILED" in text:
        last = (text.strip().splitlines() or ["no output"])[-1]
        raise click.ClickException(f"{program} {' '.join(args)} on {blades} blades failed "
                                   f"({r.summary}): {last}")
    s = r.stats
    kinds = {k: v for k, v in s.items() if k.startswith("rack.net.kinds.")}
    sample = Sample(
        time_ns=s["clock.cycles"] * 1_000_000_000 // machine.clock_hz,
        packets=sum(kinds.values()),
        lock_packets=sum(v for k, v in kinds.items() if k.startswith("rack.net.kinds.lock_")),
        bytes=sum(v for k, v in s.items() if k.startswith("rack.net.bytes.")),
        fetches=s.get("rack.kernel.fetches_read", 0) + s.get("rack.kernel.fetches_write", 0),
        gcs_waits=s.get("rack.kernel.gcs_waits", 0),
        slices=s.get("kernel.context_switches", 0))
    return sample, text


def measure_row(machine: MachineConfig, s: Setting, w: Workload, lock: str, blades: int,
                baselines: dict[tuple[str, int], Sample]) -> dict[str, Any]:
    program = w.program(lock)
    key = (program, blades)
    threads = blades * s.threads_per_blade
    if key not in baselines:
        baselines[key] = run_sample(machine, program, w.args(s, threads, 0), blades)[0]
    full, _ = run_sample(machine, program, w.args(s, threads, s.ops), blades)
    d = full.minus(baselines[key])
    ops = threads * s.ops
    return {"workload": w.label, "family": w.family, "param": w.param, "lock": lock,
            "blades": blades, "threads": threads, "ops": ops, "time_ns": d.time_ns,
            "throughput_mops": round(ops * 1000 / d.time_ns, 4) if d.time_ns > 0 else 0.0,
            "ns_per_cs": round(d.time_ns / ops, 1),
            "messages_per_cs": round(d.packets / ops, 2),
            "lock_messages_per_cs": round(d.lock_packets / ops, 2),
            "page_fetches_per_cs": round(d.fetches / ops, 2),
            "bytes_per_cs": round(d.bytes / ops, 1),
            "gcs_waits_per_cs": round(d.gcs_waits / ops, 3),
            # From the whole run: setup has few slices, and a difference could go negative.
            "slices_per_cs": round(full.slices / ops, 2)}


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """Each row's throughput over pthread_rwlock's and MCS's on the same workload and blades."""
    by = {(r["workload"], r["blades"], r["lock"]): r for r in rows}
    for r in rows:
        for other in ("pthread", "mcs"):
            o = by.get((r["workload"], r["blades"], other))
            r[f"vs_{other}"] = round(r["throughput_mops"] / o["throughput_mops"], 3) \
                if o and o["throughput_mops"] else None


def workloads(s: Setting) -> list[Workload]:
    return [Workload("kv", m) for m in s.mixes] + [Workload("micro", str(p))
                                                    for p in s.read_ratios]


def contention_check(s: Setting, default_quantum: int) -> list[dict[str, Any]]:
    """The micro-benchmark at 50% reads on the most blades, GCS and pthread_rwlock, from a
    finer quantum than the benchmark's to the machine's own: how the grain of interleaving
    decides how often the lock word's page moves."""
    w = Workload("micro", "50")
    blades = max(s.blades)
    out = []
    for quantum in sorted({*CHECK_QUANTA, s.quantum, default_quantum}):
        machine = bench_machine(quantum, s.seed)
        rows = [measure_row(machine, s, w, lock, blades, {}) for lock in ("gcs", "pthread")]
        add_ratios(rows)
        out.append({"quantum": quantum, "blades": blades,
                    "gcs_vs_pthread": rows[0]["vs_pthread"],
                    **{f"{r['lock']}_{k}": r[k] for r in rows
                       for k in ("slices_per_cs", "page_fetches_per_cs", "gcs_waits_per_cs")}})
    return out


def check_histories(s: Setting) -> list[dict[str, Any]]:
    """gcskv with ordinary (blind-write) YCSB-A updates on the most blades, every lock, its
    recorded history checked for linearizability."""
    machine = bench_machine(s.quantum, s.seed)
    blades = max(s.blades)
    threads = blades * s.threads_per_blade
    out = []
    for lock in LOCKS:
        _, text = run_sample(machine, f"gcskv_{lock}",
                             ["A", str(threads), str(s.ops), str(s.keys), "history"], blades)
        result = check_history(parse_gcskv(text))
        out.append({"lock": lock, "blades": blades, "threads": threads,
                    "operations": result.operations,
                    "keys": len(result.keys), "linearizable": result.linearizable,
                    "states_explored": sum(k.states_explored for k in result.keys)})
    return out


def run_bench(s: Setting, progress: Progress | None = None) -> dict[str, Any]:
    machine = bench_machine(s.quantum, s.seed)
    todo = [(w, lock, b) for w in workloads(s) for b in s.blades for lock in LOCKS]
    task = progress.add_task("bench gcs", total=len(todo) + 2) if progress else None
    baselines: dict[tuple[str, int], Sample] = {}
    rows = []
    for w, lock, blades in todo:
        rows.append(measure_row(machine, s, w, lock, blades, baselines))
        if progress is not None and task is not None:
            progress.advance(task)
    add_ratios(rows)
    check = contention_check(s, load_machine("rack").quantum_insns)
    if progress is not None and task is not None:
        progress.advance(task)
    histories = check_histories(s)
    if progress is not None and task is not None:
        progress.advance(task)
    return {"setting": asdict(s), "rows": rows, "contention_check": check,
            "histories": histories}


def render(result: dict[str, Any], console: Console) -> None:
    s = result["setting"]
    t = Table(title=f"GCS vs pthread_rwlock vs MCS on the rack ({s['ops']} operations per "
                    f"thread, {s['threads_per_blade']} thread(s) per blade; exact timing, "
                    f"{s['quantum']}-instruction quantum; modelled time, serialized on one core)")
    for col in ("workload", "blades", "threads", "lock", "Mops/s", "x pthread", "x MCS", "ns/CS",
                "msgs/CS", "lock msgs/CS", "fetches/CS", "KiB/CS", "waits/CS", "slices/CS"):
        t.add_column(col, justify="left" if col in ("workload", "lock") else "right")
    last = None
    for r in result["rows"]:
        if last is not None and r["workload"] != last:
            t.add_section()
        last = r["workload"]
        t.add_row(r["workload"], str(r["blades"]), str(r["threads"]), LOCK_NAMES[r["lock"]],
                  f"{r['throughput_mops']:.3f}", _ratio(r["vs_pthread"]), _ratio(r["vs_mcs"]),
                  f"{r['ns_per_cs']:.0f}", f"{r['messages_per_cs']:.1f}",
                  f"{r['lock_messages_per_cs']:.1f}", f"{r['page_fetches_per_cs']:.2f}",
                  f"{r['bytes_per_cs'] / 1024:.1f}", f"{r['gcs_waits_per_cs']:.2f}",
                  f"{r['slices_per_cs']:.1f}")
    console.print(t)
    for c in result["contention_check"]:
        console.print(f"contention check, micro 50% reads on {c['blades']} blades, quantum "
                      f"{c['quantum']}: GCS x{_ratio(c['gcs_vs_pthread'])} pthread_rwlock; "
                      f"slices/CS {c['pthread_slices_per_cs']} (pthread), page fetches/CS "
                      f"{c['pthread_page_fetches_per_cs']} (pthread) and "
                      f"{c['gcs_page_fetches_per_cs']} (GCS), GCS waits/CS "
                      f"{c['gcs_gcs_waits_per_cs']}")
    for h in result["histories"]:
        verdict = "linearizable" if h["linearizable"] else "NOT linearizable"
        console.print(f"history, KV YCSB-A blind writes, {LOCK_NAMES[h['lock']]} on "
                      f"{h['blades']} blades: {h['operations']} operations on {h['keys']} keys "
                      f"{verdict} ({h['states_explored']} search states)")


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _ints(text: str, what: str, lo: int, hi: int) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers",
                                 param_hint=what) from None
    if not values or any(not lo <= v <= hi for v in values):
        raise click.BadParameter(f"each value must be from {lo} to {hi}", param_hint=what)
    return values


@click.command("gcs")
@click.option("--ops", type=click.IntRange(1, 10_000), default=40, show_default=True,
              help="Operations per thread.")
@click.option("--blades", "blades_text", default="1,2,4,8", show_default=True,
              help="Compute blade counts (one thread each).")
@click.option("--read-ratios", "ratios_text", default="0,50,90,100", show_default=True,
              help="Micro-benchmark read percentages.")
@click.option("--mixes", default="ABC", show_default=True, help="YCSB mixes for the KV store.")
@click.option("--cs-bytes", type=click.IntRange(8, 65536), default=64, show_default=True,
              help="Micro-benchmark critical-section bytes (a multiple of 8).")
@click.option("--locks", type=click.IntRange(1, 4096), default=8, show_default=True,
              help="Micro-benchmark locks.")
@click.option("--keys", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="KV store keys.")
@click.option("--quantum", type=click.IntRange(1, 10_000_000), default=BENCH_QUANTUM,
              show_default=True, help="Instructions per scheduling quantum (exact timing).")
@click.option("--threads-per-blade", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Threads on each blade (they share its one core).")
@click.option("--seed", type=click.IntRange(0, 2**63), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Rows, contention check and histories.")
def bench_gcs(ops: int, blades_text: str, ratios_text: str, mixes: str, cs_bytes: int,
              locks: int, keys: int, quantum: int, threads_per_blade: int, seed: int,
              as_json: bool) -> None:
    """GCS vs pthread_rwlock vs MCS: throughput and messages per critical section."""
    if cs_bytes % 8:
        raise click.BadParameter("must be a multiple of 8", param_hint="--cs-bytes")
    mix_list = tuple(m.upper() for m in mixes if m.strip(", "))
    if any(m not in KV_MIXES for m in mix_list):
        raise click.BadParameter("YCSB mixes are A, B and C", param_hint="--mixes")
    s = Setting(ops=ops, keys=keys, cs_bytes=cs_bytes, locks=locks, quantum=quantum, seed=seed,
                threads_per_blade=threads_per_blade,
                blades=_ints(blades_text, "--blades", 1, 8), mixes=mix_list,
                read_ratios=_ints(ratios_text, "--read-ratios", 0, 100))
    with Progress(console=Console(stderr=True), transient=True) as progress:
        result = run_bench(s, progress)
    if as_json:
        click.echo(json.dumps(result, indent=1))
        return
    render(result, Console(width=None if sys.stdout.isatty() else 180))
