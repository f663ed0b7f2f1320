"""Replaying memory traces on the rack: MIND's own evaluation method.

Each thread replays its trace of 15-byte records on its compute blade: a hit in the blade's
DRAM costs a DRAM access, a miss is a fetch through the switch (or, for the baselines, straight
to memory, or through a software directory).  Between accesses a thread computes for a fixed
time; threads beyond a blade's cores share them.  Throughput is accesses per modelled second of
the slowest thread (MIND: 1 / time of the slowest thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.rack.agent import DictStore
from emulator.rack.control import SplitConfig
from emulator.rack.costs import RackCosts
from emulator.rack.packets import make_fva
from emulator.rack.rack import Rack, RackSpec
from emulator.rack.tables import DIRECTORY_CAPACITY
from emulator.rack.trace_format import OP_MMAP, OP_WRITE, decode

SYSTEMS = ("mind", "fastswap", "gam")
COMPUTE_NS = 100      # assumed: the work a thread does between two memory accesses
PID = 1


@dataclass(frozen=True)
class ReplayConfig:
    system: str = "mind"
    blades: int = 1
    threads_per_blade: int = 2
    cores_per_blade: int = 2
    blade_dram: int = 2 << 20
    memory_blades: int = 2
    split: SplitConfig = field(default_factory=lambda: SplitConfig(epoch_ns=1_000_000))
    directory_capacity: int | None = DIRECTORY_CAPACITY
    seed: int = 1
    costs: RackCosts = field(default_factory=RackCosts)


@dataclass
class ReplayResult:
    config: ReplayConfig
    accesses: int
    makespan_ns: int
    counters: dict[str, int]

    @property
    def throughput(self) -> float:
        """Accesses per modelled second."""
        return self.accesses * 1e9 / self.makespan_ns if self.makespan_ns else 0.0


def _parse(traces: list[bytes]) -> tuple[list[tuple[int, int]], list[list[tuple[int, bool]]]]:
    areas: list[tuple[int, int]] = []
    per_thread: list[list[tuple[int, bool]]] = []
    for data in traces:
        acc: list[tuple[int, bool]] = []
        for r in decode(data):
            if r.op == OP_MMAP:
                areas.append((r.addr, r.length))
            elif r.op in (OP_WRITE, ord("r")):
                acc.append((make_fva(PID, r.addr & ~0xFFF), r.op == OP_WRITE))
        per_thread.append(acc)
    return areas, per_thread


def replay(traces: list[bytes], cfg: ReplayConfig) -> ReplayResult:
    """Replay one trace per thread; thread t runs on blade t // threads_per_blade (FastSwap:
    every thread on the one blade)."""
    if cfg.system not in SYSTEMS:
        raise ValueError(f"unknown system {cfg.system!r}; use one of {', '.join(SYSTEMS)}")
    areas, per_thread = _parse(traces)
    blades = 1 if cfg.system == "fastswap" else cfg.blades
    split = cfg.split
    capacity = cfg.directory_capacity
    if cfg.system == "gam":           # a software directory at page granularity, in DRAM
        split, capacity = SplitConfig(static_region=4096), None
    spec = RackSpec(compute_blades=max(blades, 1), blade_dram=cfg.blade_dram,
                    memory_blades=cfg.memory_blades,
                    memory_blade_size=max(1 << 30, sum(n for _, n in areas) * 2),
                    costs=cfg.costs, seed=cfg.seed)
    rack = Rack(spec, split=split, directory_capacity=capacity,
                stores=lambda i: DictStore(keep_data=False), blades=blades)
    rack.switch.coherence = {"mind": "mind", "fastswap": "none", "gam": "software"}[cfg.system]
    for start, length in areas:
        rack.control.mmap(PID, length, fixed_va=start)
    loop, costs = rack.loop, cfg.costs
    placed = [min(t // cfg.threads_per_blade, blades - 1) for t in range(len(per_thread))]
    load = [placed.count(b) for b in range(blades)]
    finish = [0] * len(per_thread)

    def thread(t: int) -> Callable[[], None]:
        accesses = per_thread[t]
        agent = rack.agents[placed[t]]
        slow = max(1.0, load[placed[t]] / cfg.cores_per_blade)
        think = int(COMPUTE_NS * slow)
        index = 0

        def step() -> None:
            nonlocal index
            if index == len(accesses):
                finish[t] = loop.now
                return
            fva, write = accesses[index]
            index += 1
            if agent.holds(fva, write):
                agent.touch(fva, write)
                loop.after(costs.dram_access_ns + think, step)
                return

            def done(ok: bool) -> None:
                if ok and fva in agent.pages:
                    agent.touch(fva, write)
                loop.after(costs.fault_handler_ns + think, step)

            agent.fetch(fva, write, done)

        return step

    for t in range(len(per_thread)):
        loop.after(0, thread(t))
    loop.run()
    counters = rack.statistics()
    counters["replay.false_invalidations"] = sum(a.counters["false_invalidations"]
                                                 for a in rack.agents)
    counters["replay.false_writebacks"] = sum(a.counters["false_writebacks"] for a in rack.agents)
    counters["replay.invalidations"] = sum(a.counters["invalidations"] for a in rack.agents)
    counters["replay.nacks"] = sum(a.counters["nacks"] for a in rack.agents)
    counters["replay.directory_peak"] = rack.directory.slots.peak
    counters["replay.directory_entries"] = len(rack.directory.used)
    return ReplayResult(cfg, sum(len(a) for a in per_thread), max(finish), counters)
