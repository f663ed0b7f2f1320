"""An optional CPU on a memory blade, for the RPC baseline.

An RPC carries the same (program, process, cursor, scratchpad) as an offloaded traversal; the
blade's CPU runs the iterator's own AArch64 `next` (Unicorn, instructions counted) while the
cursor stays in its blade, then answers: the result, or "moved" with the cursor that another
blade owns, for the client to send a new RPC there.  Each core serves one RPC at a time
(FIFO).  A request pays the NIC crossing into the host (the rack's nic_ns, before `serve`),
the RPC stack, per iteration the instructions and, when the iteration's node is not the one
the previous iteration read (that one is still in the core's cache), a DRAM miss; then the
reply's crossing out.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from emulator.rack.costs import PAGE, RackCosts
from emulator.rack.memblade import MemoryBlade
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import VA_MASK, Kind, make_fva
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.isa import SCRATCH_BYTES
from emulator.rack.pulse.local import CpuIterator
from emulator.rack.switch import Switch


class MemoryCpu:
    def __init__(self, blade: MemoryBlade, switch: Switch, loop: EventLoop, network: Network,
                 rack_costs: RackCosts, costs: PulseCosts, code: dict[int, tuple[Path, str]],
                 cores: int = 1) -> None:
        self.blade = blade
        self.switch = switch
        self.loop = loop
        self.network = network
        self.rack_costs = rack_costs
        self.costs = costs
        self.code = code
        self._free = [0] * cores
        self._cpus: dict[tuple[int, int], CpuIterator] = {}
        self.counters: Counter[str] = Counter()
        self.busy_ns = 0                           # the cores' time serving RPCs

    def _local(self, pid: int, va: int) -> int | None:
        """The blade offset of `va`, or None when another blade holds it."""
        try:
            blade, addr = self.switch.translate(make_fva(pid, va))
        except LookupError:
            return None
        return addr if blade == self.blade.name else None

    def _reader(self, pid: int):  # noqa: ANN202 (a closure handed to Unicorn's fault hook)
        def read(va: int, length: int) -> bytes:
            addr = self._local(pid, va)
            if addr is None:
                raise LookupError(f"{va:#x} is not on {self.blade.name}")
            return self.blade.read_page(addr - addr % PAGE)[:length]
        return read

    def serve(self, p: object) -> None:
        from emulator.rack.pulse.smartnic import TraversalPacket
        assert isinstance(p, TraversalPacket)
        key = (p.program, p.pid)
        cpu = self._cpus.get(key)
        if cpu is None:
            elf, symbol = self.code[p.program]
            cpu = self._cpus[key] = CpuIterator(elf, symbol, self._reader(p.pid), count=True)
        cpu.load_scratch(p.scratch)
        cur, work, status, cached = p.fva, self.costs.rpc_stack_ns, "ok", 0
        while cur:
            if self._local(p.pid, cur) is None:
                status = "moved"
                break
            if cur != cached:
                work += self.costs.cpu_dram_ns
                self.counters["node_reads"] += 1
                cached = cur
            before = cpu.executed
            cur = cpu.call(cur) & VA_MASK
            steps = cpu.executed - before
            work += round(steps * self.costs.cpu_insn_ns)
            p.iterations += 1
            self.counters["iterations"] += 1
            self.counters["instructions"] += steps
        self.counters["rpcs"] += 1
        core = min(range(len(self._free)), key=lambda i: (self._free[i], i))
        start = max(self.loop.now, self._free[core])
        self._free[core] = start + work
        out = TraversalPacket(Kind.TRAVERSE_DONE, self.blade.name, p.requester, cur,
                              req_id=p.req_id, requester=p.requester,
                              size=self.rack_costs.header_bytes + SCRATCH_BYTES + 8,
                              program=p.program, pid=p.pid, scratch=cpu.scratch(),
                              iterations=p.iterations, hops=p.hops, status=status, rpc=True)
        self.busy_ns += work
        # The reply crosses PCIe to the NIC after the core is done; the core is free already.
        self.loop.at(self._free[core] + self.costs.rpc_reply_nic_ns, self.network.send, out,
                     self.blade.name, "switch")
