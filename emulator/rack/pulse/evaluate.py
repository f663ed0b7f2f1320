"""PULSE against RPC to a CPU on the memory blade and against MIND's cache-based path.

One rack per (workload, memory blades): the structure is built in the memory blades, then
* PULSE: traversals offloaded to the SmartNICs on the event-driven rack (measured);
* RPC: the memory blade's optional CPU runs the same AArch64 `next` (Unicorn, instructions
  counted) behind an RPC server, on the same rack network; a cursor on another blade goes back
  to the client, which sends a new RPC there (measured);
* MIND: the compute blade runs the same code itself; every page a node touches goes through its
  page cache (1/8 of the structure) and MIND's coherence protocol on the rack (measured).
  One core on each side: the RPC server has one core per memory blade, the compute blade one
  core whose walks overlap only while they wait for pages.
Latency: one request at a time.  Throughput: `window` requests outstanding at once.  Energy
per operation: each system's processors (accelerators, or the server or compute core) at their
power over the throughput run, plus DRAM and network bytes.  PULSE offloads an iterator only
when the offload estimate says it pays; one that does not makes the PULSE run fail, unless
`force_offload` (a measurement tool, marked in the rows) puts it on the devices anyway.
The answers of the three systems must be identical; a difference raises.
A CPU re-reading the node of the previous iteration finds it in its cache (no DRAM miss, no
page touch); the device has no cache and fetches the node at the cursor every iteration.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.rack.control import SplitConfig
from emulator.rack.costs import PAGE
from emulator.rack.packets import make_fva
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.local import CpuIterator, LocalRun
from emulator.rack.pulse.offload import Decision, Offloader
from emulator.rack.pulse.smartnic import REQUEST_BYTES
from emulator.rack.pulse.structures import (
    BT_NODE,
    HT_NODE,
    TS_NODE,
    GuestHeap,
    build_btree,
    build_hash_table,
    build_series,
)
from emulator.rack.rack import Rack, RackSpec

ELF = Path(__file__).resolve().parents[3] / "workloads" / "bin" / "pulse_iters"
PID = 9
U64 = (1 << 64) - 1
# The structures are much larger than the compute blade's cache in the MIND runs (1/8 of the
# structure), so a traversal misses there as in PULSE's evaluation; chains of 16 nodes on
# average (PULSE's baseline lets a bucket grow to 200).
KEYS = 32_000
LOAD_FACTOR = 16
WORKLOADS = ("hash-lookup", "btree-scan", "ts-aggregate")
NODE_BYTES = {"hash-lookup": HT_NODE, "btree-scan": BT_NODE, "ts-aggregate": TS_NODE}
# The aggregate's kind is fixed per query, so each kind has its own iterator (SUM, COUNT, MAX,
# MIN in the scratchpad's kind order).
TS_SYMBOLS = ("ts_sum_next", "ts_count_next", "ts_max_next", "ts_min_next")


@dataclass(frozen=True)
class Query:
    start: int
    scratch: bytes
    symbol: str


def _pack(*words: int) -> bytes:
    return struct.pack("<8Q", *(list(words) + [0] * (8 - len(words))))


def build(workload: str, rack: Rack, queries: int, seed: int,
          keys: int = KEYS) -> tuple[GuestHeap, list[Query], int]:
    """The structure (`keys` hash nodes or B+-tree records) in the rack's memory and the
    queries; returns (heap, queries, the structure's bytes)."""
    rng = random.Random(seed)
    blades = len(rack.memory_blades)
    if workload == "hash-lookup":                     # nodes interleaved over the blades
        size = structure_bytes(workload, keys)
        heap = GuestHeap(rack, PID, blades, _area(size // blades))
        ht = build_hash_table(heap, keys, max(1, keys // LOAD_FACTOR), rng)
        # YCSB-C: reads of existing keys
        qs = [Query(ht.head(k), _pack(k), "ht_next")
              for k in (rng.choice(ht.keys) for _ in range(queries))]
        return heap, qs, size
    size = structure_bytes(workload, keys)             # leaves of 5..9 keys, inner nodes
    heap = GuestHeap(rack, PID, blades, _area(size // blades),   # key ranges split by blade
                     partition_bytes=-(-size // blades))
    items = [(k, rng.randint(0, 1000)) if workload == "btree-scan" else (k * 10, k * 7 + 3)
             for k in range(keys)]
    if workload == "btree-scan":                      # YCSB-E: SCAN(key, 1..100)
        tree = build_btree(heap, items, rng)
        return heap, [Query(tree.root, _pack(rng.randrange(keys), rng.randint(1, 100)),
                            "bt_scan_next") for _ in range(queries)], size
    tree = build_series(heap, items, rng)
    out = []
    for i in range(queries):                          # SUM/COUNT/MAX/MIN over ~200 points
        t0 = rng.randrange(max(1, keys * 10 - 2000))
        kind = i % 4
        out.append(Query(tree.root, _pack(t0, t0 + 2000, kind, U64 if kind == 3 else 0),
                         TS_SYMBOLS[kind]))
    return heap, out, size


def structure_bytes(workload: str, keys: int = KEYS) -> int:
    if workload == "hash-lookup":
        return keys * HT_NODE
    if workload == "btree-scan":
        return (keys // 7 + keys // 60 + 2) * BT_NODE
    return (keys // 7 + keys // 21 + 2) * TS_NODE       # leaves of ~7, summaries of 4


def _area(nbytes: int) -> int:
    """A heap area with room for `nbytes` (whole 2 MiB units, one spare)."""
    return (nbytes // (2 << 20) + 2) * (2 << 20)


def _row(workload: str, system: str, blades: int, lat: list[int], total_ns: int, n: int,
         energy_pj: float, answers: list[bytes]) -> dict[str, Any]:
    return {"workload": workload, "system": system, "memory_blades": blades,
            "latency_ns": round(sum(lat) / len(lat)), "throughput_mops": round(n / total_ns * 1e3, 4),
            "energy_nj_per_op": round(energy_pj / n / 1000, 2), "_answers": answers}


def _install(off: Offloader, qs: list[Query], node: int, force: bool) -> dict[str, Decision]:
    """The offload decision for every iterator the queries use."""
    decisions = {}
    for symbol in sorted({q.symbol for q in qs}):
        decision = decisions[symbol] = off.install(ELF, symbol, node, force=force)
        if not decision.offload:
            raise RuntimeError(f"{symbol} is not offloaded ({decision.reason}); the PULSE "
                               "row cannot be measured without forcing the offload")
    return decisions


def _estimates(decisions: dict[str, Decision]) -> dict[str, int]:
    """Every iterator's estimate, and the workload's: its worst iterator, which pays only if
    all do."""
    out: dict[str, int] = {}
    worst = None
    for symbol, decision in decisions.items():
        assert decision.estimate is not None
        out.update(decision.estimate.as_stats(f"pulse.estimate.{symbol}"))
        if worst is None or decision.estimate.logic_max > worst.logic_max:
            worst = decision.estimate
    assert worst is not None
    out.update(worst.as_stats("pulse.estimate"))
    out["pulse.estimate.pays"] = int(all(d.estimate is not None and d.estimate.pays
                                         for d in decisions.values()))
    return out


def run_pulse(workload: str, blades: int, queries: int, seed: int, window: int,
              costs: PulseCosts, keys: int = KEYS,
              force: bool = False) -> tuple[dict[str, Any], dict[str, int]]:
    rack = _rack(blades, 64 << 20)
    off = Offloader(rack, costs)
    heap, qs, _ = build(workload, rack, queries, seed, keys)
    node = NODE_BYTES[workload]
    decisions = _install(off, qs, node, force)
    net0 = rack.network.statistics().get("bytes.offload", 0)
    lat, answers = [], []
    for q in qs:
        r = off.run(decisions[q.symbol], PID, q.start, q.scratch)
        if r.status != "ok":
            raise RuntimeError(f"{q.symbol}: {r.status}")
        lat.append(r.latency_ns)
        answers.append(r.scratch)
    stats = off.statistics()
    stats.update(_estimates(decisions))
    stats["pulse.offloaded_iterations_pct"] = round(
        100 * sum(nic.counters["iterations"] for nic in off.nics.values())
        / max(1, stats["pulse.iterations"]), 1)
    # The device's own t_c / t_d over the iterations it ran (PULSE §6 Table 2 reports 0.06 for
    # its hash table, 0.63 and 0.71 for its B+-tree workloads), in hundredths.
    logic_ns = sum(nic.counters["logic_ns"] for nic in off.nics.values())
    memory_ns = sum(nic.counters["memory_ns"] for nic in off.nics.values())
    stats["pulse.measured_t_c_over_t_d_x100"] = round(100 * logic_ns / max(1, memory_ns))
    net_bytes = rack.network.statistics().get("bytes.offload", 0) - net0
    insns = sum(nic.counters["instructions"] for nic in off.nics.values())
    dram = sum(nic.counters["dram_bytes"] for nic in off.nics.values())
    moved_pj = dram * costs.energy_dram_pj_per_byte + net_bytes * costs.energy_nic_pj_per_byte
    start = rack.loop.now
    reqs = [off.submit(decisions[q.symbol], PID, q.start, q.scratch) for q in qs[:window]]
    pending = list(qs[window:])
    while reqs:
        off.result(reqs.pop(0))
        if pending:
            q = pending.pop(0)
            reqs.append(off.submit(decisions[q.symbol], PID, q.start, q.scratch))
    makespan = rack.loop.now - start
    # Energy per operation: the devices' power over the throughput run, plus bytes moved.
    energy = moved_pj + costs.accelerator_w * blades * makespan * 1000
    row = _row(workload, "pulse", blades, lat, makespan, len(qs), energy, answers)
    row["instructions_per_iteration"] = round(insns / max(1, stats["pulse.iterations"]), 1)
    row["iterations_per_op"] = round(stats["pulse.iterations"] / len(qs), 1)
    row["offload_forced"] = force and not stats["pulse.estimate.pays"]
    return row, stats


def run_rpc(workload: str, blades: int, queries: int, seed: int, window: int,
            costs: PulseCosts, keys: int = KEYS) -> dict[str, Any]:
    rack = _rack(blades, 64 << 20)
    off = Offloader(rack, costs)
    off.add_memory_cpus()
    _, qs, _ = build(workload, rack, queries, seed, keys)
    node = NODE_BYTES[workload]
    # RPC runs the iterator on the server's CPU whatever the estimate says.
    decisions = {s: off.install(ELF, s, node) for s in sorted({q.symbol for q in qs})}
    lat, answers = [], []
    for q in qs:
        r = off.result(off.submit_rpc(decisions[q.symbol], PID, q.start, q.scratch))
        if r.status != "ok":
            raise RuntimeError(f"{q.symbol} over RPC: {r.status}")
        lat.append(r.latency_ns)
        answers.append(r.scratch)
    cpus = [nic.cpu for nic in off.nics.values() if nic.cpu is not None]
    insns = sum(cpu.counters["instructions"] for cpu in cpus)
    iterations = sum(cpu.counters["iterations"] for cpu in cpus)
    node_reads = sum(cpu.counters["node_reads"] for cpu in cpus)
    rpcs = off.counters["rpcs"]
    c = rack.costs
    moved_pj = (node_reads * node * costs.energy_dram_pj_per_byte
                + rpcs * (2 * c.header_bytes + REQUEST_BYTES + 72) * costs.energy_nic_pj_per_byte)
    start = rack.loop.now
    reqs = [off.submit_rpc(decisions[q.symbol], PID, q.start, q.scratch) for q in qs[:window]]
    pending = list(qs[window:])
    while reqs:
        off.result(reqs.pop(0))
        if pending:
            q = pending.pop(0)
            reqs.append(off.submit_rpc(decisions[q.symbol], PID, q.start, q.scratch))
    makespan = rack.loop.now - start
    # A polling server core draws its power the whole time (one core per memory blade).
    energy = moved_pj + costs.cpu_core_w * blades * makespan * 1000
    row = _row(workload, "rpc", blades, lat, makespan, len(qs), energy, answers)
    row["instructions_per_iteration"] = round(insns / max(1, iterations), 1)
    row["rpcs_per_op"] = round(rpcs / len(qs), 2)         # counted over the latency run
    return row


def run_mind(workload: str, blades: int, queries: int, seed: int, window: int,
             costs: PulseCosts, keys: int = KEYS) -> dict[str, Any]:
    size = structure_bytes(workload, keys)
    cache = max(16 << 10, (size // 8) // PAGE * PAGE)    # the compute blade's DRAM cache
    rack = _rack(blades, cache)
    heap, qs, _ = build(workload, rack, queries, seed, keys)
    node = NODE_BYTES[workload]
    cpus = {s: CpuIterator(ELF, s, heap.read, count=True) for s in sorted({q.symbol for q in qs})}
    runs = [cpus[q.symbol].run(q.start, q.scratch) for q in qs]
    agent = rack.agents[0]
    c = rack.costs
    loop = rack.loop

    core_free = [0]         # one compute core: walks overlap only while waiting for pages

    def on_core(busy_ns: int, then: Callable[[], None]) -> None:
        start = max(loop.now, core_free[0])
        core_free[0] = start + busy_ns
        loop.at(core_free[0], then)

    def walk(run: LocalRun, finished: Callable[[], None]) -> Callable[[], None]:
        touches: list[tuple[int, int]] = []           # (page FVA or 0: cached, compute ns)
        previous = 0
        for cur, steps in zip(run.nodes, run.steps, strict=True):
            if cur == previous:                       # the node is in the core's cache
                touches.append((0, round(steps * costs.cpu_insn_ns)))
                continue
            previous = cur
            pages = range(cur - cur % PAGE, cur + node, PAGE)
            for i, page in enumerate(pages):
                work = round(steps * costs.cpu_insn_ns) if i == len(pages) - 1 else 0
                touches.append((make_fva(PID, page), work))
        index = 0

        def step() -> None:
            nonlocal index
            if index == len(touches):
                finished()
                return
            fva, work = touches[index]
            index += 1
            if fva == 0:
                on_core(work, step)
                return
            if agent.holds(fva, False):
                agent.touch(fva, False)
                on_core(c.dram_access_ns + work, step)
                return

            def done(ok: bool) -> None:
                if not ok:
                    raise RuntimeError(f"MIND refused a read at {fva:#x}")
                if fva in agent.pages:
                    agent.touch(fva, False)
                on_core(c.fault_handler_ns + work, step)

            agent.fetch(fva, False, done)

        return step

    fetch0 = agent.counters["fetches"]
    lat = []
    ends: list[int] = []
    for run in runs:
        t0, before = loop.now, len(ends)
        loop.after(0, walk(run, lambda: ends.append(loop.now)))
        loop.run(until=lambda: len(ends) > before)   # noqa: B023 (used before the next trip)
        lat.append(ends[-1] - t0)
    fetches = agent.counters["fetches"] - fetch0
    start = loop.now
    left = list(runs)
    finished: list[int] = []

    def launch() -> None:
        if left:
            loop.after(0, walk(left.pop(0), lambda: (finished.append(loop.now), launch())))

    for _ in range(window):
        launch()
    loop.run(until=lambda: len(finished) == len(runs))
    insns = sum(sum(r.steps) for r in runs)
    makespan = max(finished) - start
    # The compute blade's core over the throughput run, plus the pages moved (latency run).
    energy = (costs.cpu_core_w * makespan * 1000
              + fetches * PAGE * (costs.energy_dram_pj_per_byte + costs.energy_nic_pj_per_byte))
    row = _row(workload, "mind", blades, lat, makespan, len(qs), energy,
               [r.scratch for r in runs])
    row["instructions_per_iteration"] = round(insns / max(1, sum(len(r.steps) for r in runs)), 1)
    row["page_fetches_per_op"] = round(fetches / len(qs), 2)
    return row


def _rack(blades: int, blade_dram: int) -> Rack:
    return Rack(RackSpec(compute_blades=1, memory_blades=blades, memory_blade_size=256 << 20,
                         blade_dram=blade_dram), split=SplitConfig(enabled=False))


def evaluate(queries: int = 100, seed: int = 1, window: int = 32,
             costs: PulseCosts | None = None,
             workloads: tuple[str, ...] = WORKLOADS,
             blade_counts: tuple[int, ...] = (1, 2),
             keys: int = KEYS,
             force_offload: bool = False) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows (one per workload, system, memory blades) and the PULSE statistics.
    `force_offload` measures on the devices iterators whose estimate does not pay."""
    costs = costs or PulseCosts()
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for workload in workloads:
        for blades in blade_counts:
            pulse, stats = run_pulse(workload, blades, queries, seed, window, costs, keys,
                                     force_offload)
            rpc = run_rpc(workload, blades, queries, seed, window, costs, keys)
            mind = run_mind(workload, blades, queries, seed, window, costs, keys)
            if not pulse["_answers"] == rpc["_answers"] == mind["_answers"]:
                raise RuntimeError(f"{workload}: PULSE, RPC and MIND disagree")
            for row in (pulse, rpc, mind):
                row.pop("_answers")
                row["latency_vs_pulse"] = round(row["latency_ns"] / pulse["latency_ns"], 2)
                row["throughput_vs_pulse"] = round(pulse["throughput_mops"]
                                                   / row["throughput_mops"], 2)
                row["energy_vs_pulse"] = round(row["energy_nj_per_op"]
                                               / pulse["energy_nj_per_op"], 2)
                rows.append(row)
            pulse["estimate_pays"] = bool(stats["pulse.estimate.pays"])
            stats["pulse.iterations_per_op"] = pulse["iterations_per_op"]
            extra[f"{workload}/{blades}"] = {
                k: v for k, v in stats.items()
                if k in ("pulse.iterations", "pulse.offloaded_iterations_pct",
                         "pulse.iterations_per_op",
                         "pulse.measured_t_c_over_t_d_x100")
                or k.startswith("pulse.estimate")
                or k.endswith("continuations") or k.startswith("pulse.switch")}
    return rows, extra
