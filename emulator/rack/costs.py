"""The rack's cost table: every latency and rate of the network, the switch and the blades.

All times are nanoseconds of modelled time.  Each number names where it comes from (MIND's
paper, slides or artifact; a data sheet) or says it is assumed; `SOURCES` keeps that next to the
value so `blindfold bench rack --json` can print it.  A machine description's ``[rack.costs]``
table overrides any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any

PAGE = 4096


@dataclass(frozen=True)
class RackCosts:
    link_gbps: int = 100                 # line rate of every link
    link_propagation_ns: int = 100       # one cable, NIC port to switch port
    switch_pass_ns: int = 400            # one pass through the ingress+egress pipeline
    recirculation_ns: int = 400          # back through the recirculation port (another pass)
    control_plane_ns: int = 20_000       # a packet punted to the switch CPU (directory miss)
    rule_update_ns: int = 2_000          # one BF-RT table/register write by the control plane
    nic_ns: int = 1_000                  # one RDMA NIC traversal (doorbell/DMA/completion)
    memory_dma_ns: int = 160             # a memory blade's DRAM reading/writing 4 KiB
    dram_access_ns: int = 50             # a compute blade's local DRAM (a cache hit)
    fault_handler_ns: int = 1_500        # a blade kernel taking and finishing a remote fault
    invalidation_handler_ns: int = 1_000 # a blade handling one invalidation (unmap, flush, FIN)
    nack_backoff_ns: int = 50_000        # the back-off step after a NACK
    nack_max_backoff: int = 4            # back-off multiplier limit
    software_directory_ns: int = 3_000   # GAM-like: the home blade's CPU serving one message
    swap_overhead_ns: int = 1_000        # FastSwap-like: the swap path's own cost per fault
    rpc_handler_ns: int = 1_000          # a blade kernel taking a kernel-to-kernel message in
    syscall_args_bytes: int = 64         # a forwarded call: number, six arguments, the tid
    header_bytes: int = 58               # Ethernet+IPv4+UDP+BTH+RETH (+ICRC) of a RoCE packet
    page_wire_bytes: int = 4144          # an RDMA page on the wire, headers included
    invalidation_bytes: int = 90         # a 32-byte invalidation record as an RDMA WRITE

    def serialization_ns(self, size_bytes: int) -> int:
        """Time to put `size_bytes` on a link at its line rate (rounded up)."""
        return -(-size_bytes * 8 // self.link_gbps)

    def with_overrides(self, table: Mapping[str, int]) -> RackCosts:
        known = {f.name for f in fields(self)}
        bad = sorted(set(table) - known)
        if bad:
            raise KeyError(f"unknown rack cost {bad[0]!r}; known: {', '.join(sorted(known))}")
        return replace(self, **dict(table))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SOURCES: Mapping[str, str] = MappingProxyType({
    "link_gbps": "MIND artifact readme: 100 Gbps links for all connections (ConnectX-5)",
    "link_propagation_ns": "assumed: ~20 m of cable at 5 ns/m",
    "switch_pass_ns": "assumed: Tofino port-to-port latency is below 1 us; 400 ns per pass",
    "recirculation_ns": "assumed: a recirculated packet pays one more pipeline pass",
    "control_plane_ns": "assumed: punt to the switch CPU (port 192), a C handler, a BF-RT insert",
    "rule_update_ns": "assumed: one BF-RT write from the switch CPU",
    "nic_ns": "assumed: calibrated so a remote 4 KiB fetch costs ~5 us end to end "
              "(MIND slides: network ~5 us per 4 KB)",
    "memory_dma_ns": "MIND slides: DDR4 at 25.6 GB/s per channel moves 4 KiB in "
                     "160 ns (PCIe DMA set-up is in nic_ns)",
    "dram_access_ns": "MIND slides: DDR4 < 50 ns",
    "fault_handler_ns": "assumed: Linux page-fault entry, PTE update and return",
    "invalidation_handler_ns": "assumed: unmap, TLB shootdown and FIN on the blade",
    "nack_backoff_ns": "MIND kernel: DISAGG_NACK_RETRY_IN_USEC = 50",
    "nack_max_backoff": "MIND kernel: DISAGG_NACK_MAX_BACKOFF = 4",
    "software_directory_ns": "assumed: a GAM home node's CPU handling one DSM message",
    "swap_overhead_ns": "assumed: FastSwap's frontswap path per fault",
    "rpc_handler_ns": "assumed: like an invalidation, a receive completion and a kernel "
                      "handler dispatch on the receiving blade",
    "syscall_args_bytes": "assumed: 8 bytes each for the number, six arguments and the tid",
    "header_bytes": "RoCEv2 framing: 14 Ethernet + 20 IPv4 + 8 UDP + 12 BTH + 16 RETH "
                    "- 12 (RETH absent on responses, ICRC added); assumed 58",
    "page_wire_bytes": "MIND P4 program: an RDMA page is 4144 B on the wire",
    "invalidation_bytes": "MIND P4 egress: a 32-byte invalidation record written by RDMA WRITE",
})
