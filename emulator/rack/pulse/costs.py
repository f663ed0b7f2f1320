"""The SmartNIC's cost table (PULSE's accelerator beside a memory blade).

Nanoseconds of modelled time and picojoules.  Every number says where it comes from or that it
is assumed; `SOURCES` keeps that beside the value for `blindfold bench pulse --json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class PulseCosts:
    logic_clock_mhz: int = 250          # the accelerator's clock
    logic_pipelines: int = 4            # logic pipelines per memory pipeline (sets eta)
    memory_pipelines: int = 1
    workspaces: int = 32                # concurrent requests the scheduler holds
    scheduler_cycles: int = 2           # assign a workspace, load code id and scratchpad
    translation_cycles: int = 2         # range check + protection lookup in on-chip SRAM
    dram_latency_ns: int = 100          # a random read in the blade's DRAM, first byte
    dram_gbps: float = 19.2             # one DDR4-2400 channel
    cpu_insn_ns: float = 0.5            # RPC baseline: the memory blade's CPU per instruction
    cpu_dram_ns: int = 100              # RPC baseline: a cache-missing load on that CPU
    rpc_server_ns: int = 2_000          # RPC baseline: receive, dispatch and reply on that CPU
    energy_logic_pj: float = 20.0       # per PULSE instruction on the accelerator
    energy_dram_pj_per_byte: float = 20.0
    energy_cpu_insn_pj: float = 500.0   # per instruction on a server core
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

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SOURCES: Mapping[str, str] = MappingProxyType({
    "logic_clock_mhz": "assumed: a common kernel clock for Alveo-class FPGA designs",
    "logic_pipelines": "assumed: PULSE provisions several logic pipelines per memory pipeline; "
                       "their ratio is eta",
    "memory_pipelines": "assumed: one per DRAM channel",
    "workspaces": "assumed: matches the RPC client's 32 outstanding requests (eRPC "
                  "kAppMaxConcurrency in PULSE's baseline code)",
    "scheduler_cycles": "assumed",
    "translation_cycles": "assumed: one SRAM range lookup and one permission check",
    "dram_latency_ns": "assumed: DDR4 random read behind an FPGA memory controller",
    "dram_gbps": "DDR4-2400: 2400 MT/s x 8 bytes = 19.2 GB/s per channel (JEDEC data rate)",
    "cpu_insn_ns": "assumed: a 2 GHz server core at one instruction per cycle",
    "cpu_dram_ns": "assumed: a last-level-cache miss to local DRAM",
    "rpc_server_ns": "assumed: eRPC-class request handling on the memory blade's CPU "
                     "(receive, dispatch, reply), a few microseconds",
    "energy_logic_pj": "assumed: FPGA logic per simple operation",
    "energy_dram_pj_per_byte": "assumed: DDR4 access energy, order of 20 pJ/B",
    "energy_cpu_insn_pj": "assumed: an out-of-order server core, order of 0.5 nJ per "
                          "instruction including its share of static power",
    "energy_nic_pj_per_byte": "assumed: NIC and link energy per byte moved",
})
