"""The cost table of PULSE's SmartNIC, of the RPC baseline's memory-blade CPU, and the energy
table of all three systems.

Nanoseconds of modelled time, watts and picojoules.  Every number says where it comes from (a
paper, a data sheet, PULSE's or MIND's code) or that it is assumed; `SOURCES` keeps that beside
the value for `blindfold bench pulse --json`.  "PULSE §..." cites Tang et al., "PULSE:
Accelerating Distributed Pointer-Traversals on Disaggregated Memory", ASPLOS'25 (arXiv
2305.02388v3; the same text is the PULSE chapter of Tang's Yale PhD thesis), numbered in the
paper's order: §3 programming model, §4.1 dispatch engine, §4.2 accelerator design (with the
Implementation paragraph), §5 distributed traversals, §6 evaluation (§6.1 applications, §6.2
understanding the performance).  The network, the switch and the memory blades' RDMA NICs are
the rack's (`emulator.rack.costs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class PulseCosts:
    # --- the SmartNIC (one PULSE accelerator per memory blade) ---
    logic_clock_mhz: int = 250          # logic and memory pipelines' clock
    logic_pipelines: int = 3            # m
    memory_pipelines: int = 4           # n; eta = m / n
    workspaces: int = 7                 # m + n: one per iterator in flight
    insn_cycles: int = 1                # t_i in cycles: one logic instruction a cycle
    max_load_bytes: int = 256           # the one aggregated LOAD per iteration
    scheduler_ns: int = 5               # a new request to a workspace and a memory pipeline
    memory_pipeline_ns: int = 132       # translation, protection and the DRAM read of a node
    nic_pipeline_ns: int = 430          # the network stack, per direction
    # --- the RPC baseline: a CPU core on the memory blade running the same AArch64 code ---
    rpc_stack_ns: int = 100             # the RPC library's receive, dispatch and reply per RPC
    rpc_reply_nic_ns: int = 1_000       # the reply crossing PCIe to the NIC and out
    cpu_insn_ns: float = 0.5            # per instruction of the iterator
    cpu_dram_ns: int = 100              # a node's cache miss, once per node visited
    # --- energy ---
    accelerator_w: float = 25.0         # the accelerator's power while the device serves
    cpu_core_w: float = 7.3             # one server core's share of its socket's power
    energy_dram_pj_per_byte: float = 160.0
    energy_nic_pj_per_byte: float = 50.0

    @property
    def cycle_ns(self) -> float:
        return 1000 / self.logic_clock_mhz

    @property
    def insn_ns(self) -> float:
        """t_i: the logic pipeline's time per instruction."""
        return self.insn_cycles * self.cycle_ns

    @property
    def eta(self) -> float:
        """PULSE's offload threshold: m logic over n memory pipelines (<= 1: only
        memory-bound iterators are offloaded)."""
        return self.logic_pipelines / self.memory_pipelines

    def loads(self, node_bytes: int) -> int:
        """Memory-pipeline LOADs one iteration needs for a node of `node_bytes`."""
        return max(1, -(-node_bytes // self.max_load_bytes))

    def fetch_ns(self, node_bytes: int) -> int:
        """t_d: the memory pipeline's time for one iteration's node (translation, protection,
        the DRAM read), one aggregated LOAD of up to `max_load_bytes` at a time."""
        return self.loads(node_bytes) * self.memory_pipeline_ns

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SOURCES: Mapping[str, str] = MappingProxyType({
    "logic_clock_mhz": "PULSE §4.2 (Implementation): the logic and memory pipelines run at "
                       "250 MHz on the Alveo U250 (the network stack at 322 MHz)",
    "logic_pipelines": "PULSE §4.2 (Implementation): eta is set to 0.75, three logic "
                       "pipelines per accelerator",
    "memory_pipelines": "PULSE §4.2 (Implementation): four memory pipelines per accelerator "
                        "(one accelerator per 100 GbE port and two DDR4 channels, i.e. per "
                        "memory node)",
    "workspaces": "PULSE §4.2 (Disaggregated accelerator design, Implementation): at most m+n "
                  "iterators in flight, one workspace each; 7 on the prototype",
    "insn_cycles": "assumed: one PULSE instruction per logic-pipeline cycle (PULSE §4.1 uses a "
                   "known time per instruction t_i but does not state it); consistent with "
                   "PULSE §6.2's measured 10 ns of logic per hash-table iteration (ours: 3 "
                   "instructions on the walking path)",
    "max_load_bytes": "PULSE §4.1 (Translating iterator code): the dispatch engine folds an "
                      "iteration's accesses around cur_ptr into one LOAD of up to 256 B",
    "scheduler_ns": "PULSE §6.2 (Latency breakdown): the scheduler hands a request to an idle "
                    "memory pipeline in 5.1 ns (measured, WebService)",
    "memory_pipeline_ns": "PULSE §6.2 (Latency breakdown): about 132 ns for address "
                          "translation, protection and the DRAM fetch (measured, WebService's "
                          "256-byte nodes)",
    "nic_pipeline_ns": "PULSE §6.2 (Latency breakdown): the network stack takes about 430 ns "
                       "to process a request, and the response path is symmetric (measured)",
    "rpc_stack_ns": "eRPC (Kalia et al., NSDI'19): one core handles up to 10 million small "
                    "RPCs per second, i.e. ~100 ns of server CPU per RPC; PULSE's RPC "
                    "baseline is eRPC",
    "rpc_reply_nic_ns": "assumed equal to the rack's nic_ns (a NIC crossing with PCIe DMA, "
                        "MIND-calibrated): the request pays it on the way in, the reply on "
                        "the way out",
    "cpu_insn_ns": "assumed: a 2 GHz server core at one instruction per cycle (PULSE §6.1 "
                   "credits its RPC baseline's lower latency to a clock 9x the "
                   "accelerator's 250 MHz, i.e. ~2.25 GHz)",
    "cpu_dram_ns": "assumed: one last-level-cache miss to local DRAM per node (the node's "
                   "other lines overlap with it)",
    "accelerator_w": "assumed: the traversal engine's share of an Alveo-class card (data sheet "
                     "maximum 225 W for the whole U250 card; PULSE §6.1 measures its power "
                     "with XRT but the text gives no watts)",
    "cpu_core_w": "Intel ARK, Xeon Platinum 8180: 205 W TDP over 28 cores = 7.3 W per core "
                  "(an RPC server core polls, so it draws this while serving)",
    "energy_dram_pj_per_byte": "assumed: ~20 pJ/bit for a DDR4 access (Horowitz, ISSCC'14, "
                               "gives 1.3-2.6 nJ per 64-bit DRAM access at 45 nm)",
    "energy_nic_pj_per_byte": "assumed: NIC and link energy per byte moved",
})
