"""The cost table of PULSE's SmartNIC, of the RPC baseline's memory-blade CPU, and the energy
table of all three systems.

Nanoseconds of modelled time, watts and picojoules.  Every number says where it comes from (a
paper, a data sheet, PULSE's or MIND's code) or that it is assumed; `SOURCES` keeps that beside
the value for `blindfold bench pulse --json`.  The network, the switch and the memory blades'
RDMA NICs are the rack's (`emulator.rack.costs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class PulseCosts:
    # --- the SmartNIC (PULSE's accelerator) ---
    logic_clock_mhz: int = 250          # the accelerator's clock; one PULSE instruction a cycle
    logic_pipelines: int = 4            # logic pipelines per memory pipeline (sets eta)
    memory_pipelines: int = 1
    workspaces: int = 32                # concurrent requests the scheduler holds
    scheduler_cycles: int = 2           # assign a workspace, load code id and scratchpad
    translation_cycles: int = 2         # range check + protection lookup in on-chip SRAM
    nic_pipeline_ns: int = 300          # a packet from the port into the pipelines (no PCIe)
    dram_latency_ns: int = 100          # a random read in the blade's DRAM, first byte
    dram_gbps: float = 19.2             # one DDR4-2400 channel
    # --- the RPC baseline: a CPU core on the memory blade running the same AArch64 code ---
    rpc_stack_ns: int = 100             # the RPC library's receive, dispatch and reply per RPC
    rpc_reply_nic_ns: int = 1_000       # the reply crossing PCIe to the NIC and out
    cpu_insn_ns: float = 0.5            # per instruction of the iterator
    cpu_dram_ns: int = 100              # the node's cache miss, once per iteration
    # --- energy ---
    accelerator_w: float = 25.0         # the accelerator's power while the device serves
    cpu_core_w: float = 7.3             # one server core's share of its socket's power
    energy_dram_pj_per_byte: float = 160.0
    energy_nic_pj_per_byte: float = 50.0

    @property
    def cycle_ns(self) -> float:
        return 1000 / self.logic_clock_mhz

    @property
    def eta(self) -> float:
        """How much compute per iteration the logic pipelines hide behind one memory access."""
        return self.logic_pipelines / self.memory_pipelines

    def fetch_ns(self, node_bytes: int) -> int:
        """The memory pipeline's time for one node: translation, then the DRAM read."""
        burst = node_bytes / self.dram_gbps          # bytes / (GB/s) = ns
        return round(self.translation_cycles * self.cycle_ns + self.dram_latency_ns + burst)

    def fetch_interval_ns(self, node_bytes: int) -> int:
        """How soon the memory pipeline takes the next read: the node's burst on the channel
        (DRAM reads overlap; a DDR4 controller keeps many in flight)."""
        return max(1, round(max(self.cycle_ns, node_bytes / self.dram_gbps)))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SOURCES: Mapping[str, str] = MappingProxyType({
    "logic_clock_mhz": "assumed: a common kernel clock of Alveo-class FPGA designs; PULSE's "
                       "prototype clock is not known to us",
    "logic_pipelines": "assumed: PULSE provisions several logic pipelines per memory pipeline "
                       "and sets eta by that ratio; the prototype's count is not known to us",
    "memory_pipelines": "assumed: one per DRAM channel in use",
    "workspaces": "assumed equal to the 32 outstanding requests of PULSE's RPC baseline code "
                  "(eRPC kAppMaxConcurrency = 32)",
    "scheduler_cycles": "assumed",
    "translation_cycles": "assumed: one SRAM range lookup and one permission check",
    "nic_pipeline_ns": "assumed: 100 GbE MAC/PCS and header parsing in FPGA fabric; the request "
                       "reaches the pipelines without crossing PCIe (the rack's nic_ns, used "
                       "for RDMA NICs and the RPC server, includes PCIe DMA)",
    "dram_latency_ns": "assumed: DDR4 random read behind an FPGA memory controller",
    "dram_gbps": "DDR4-2400: 2400 MT/s x 8 bytes = 19.2 GB/s per channel (JEDEC data rate; "
                 "Alveo U250 data sheet: DDR4-2400 channels)",
    "rpc_stack_ns": "eRPC (Kalia et al., NSDI'19): one core handles up to 10 million small "
                    "RPCs per second, i.e. ~100 ns of server CPU per RPC; PULSE's RPC "
                    "baseline is eRPC",
    "rpc_reply_nic_ns": "assumed equal to the rack's nic_ns (a NIC crossing with PCIe DMA, "
                        "MIND-calibrated): the request pays it on the way in, the reply on "
                        "the way out",
    "cpu_insn_ns": "assumed: a 2 GHz server core at one instruction per cycle",
    "cpu_dram_ns": "assumed: one last-level-cache miss to local DRAM per node (the node's "
                   "other lines overlap with it)",
    "accelerator_w": "assumed: the traversal engine's share of an Alveo-class card (data sheet "
                     "maximum 225 W for the whole U250 card)",
    "cpu_core_w": "Intel ARK, Xeon Platinum 8180: 205 W TDP over 28 cores = 7.3 W per core "
                  "(an RPC server core polls, so it draws this while serving)",
    "energy_dram_pj_per_byte": "assumed: ~20 pJ/bit for a DDR4 access (Horowitz, ISSCC'14, "
                               "gives 1.3-2.6 nJ per 64-bit DRAM access at 45 nm)",
    "energy_nic_pj_per_byte": "assumed: NIC and link energy per byte moved",
})
