"""PULSE on a rack: SmartNICs in front of the memory blades, the switch's routing hook, and
the compute blades' side (install an iterator, submit a traversal, collect its result).

`Offloader.install` runs the offload compiler on an iterator's `next`: code that verifies and
whose estimate pays (t_c <= eta * t_d, see `estimate`) is loaded into every SmartNIC; otherwise
the iterator is marked for the CPU, with the reason kept in the statistics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emulator.rack.packets import Kind, Packet
from emulator.rack.pulse.compiler import Refusal, compile_next
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.estimate import Estimate, estimate
from emulator.rack.pulse.isa import SCRATCH_BYTES, Program
from emulator.rack.pulse.local import CpuIterator
from emulator.rack.pulse.smartnic import REQUEST_BYTES, OffloadRouter, SmartNic, TraversalPacket
from emulator.rack.rack import Rack


@dataclass(frozen=True)
class Decision:
    """What the offload analysis decided for one iterator."""

    name: str
    program_id: int
    program: Program | None
    offload: bool
    reason: str
    t_c_ns: float = 0.0
    t_d_ns: float = 0.0
    estimate: Estimate | None = None


@dataclass(frozen=True)
class Result:
    scratch: bytes
    iterations: int
    hops: int
    latency_ns: int
    status: str


class _ClientPort:
    """Sits in front of a compute blade's agent and takes traversal results."""

    def __init__(self, name: str, behind: object, offloader: Offloader) -> None:
        self.name = name
        self.agent = behind                          # the port it stands in front of
        self.offloader = offloader

    def receive(self, packet: Packet) -> None:
        if isinstance(packet, TraversalPacket) and packet.kind is Kind.TRAVERSE_DONE:
            self.offloader._done(packet)
        else:
            self.agent.receive(packet)               # type: ignore[attr-defined]


class Offloader:
    def __init__(self, rack: Rack, costs: PulseCosts | None = None) -> None:
        self.rack = rack
        self.costs = costs or PulseCosts()
        self.programs: dict[int, Program] = {}
        self.decisions: dict[str, Decision] = {}
        self.nics = {mb.name: SmartNic(mb, rack.switch, rack.loop, rack.network, rack.costs,
                                       self.costs, self.programs)
                     for mb in rack.memory_blades}
        for name, nic in self.nics.items():
            nic.behind = rack.network.nodes[name]    # the blade, or a port already before it
            rack.network.nodes[name] = nic           # the NIC is the blade's network port
        self.router = OffloadRouter(rack.switch, rack.network)
        rack.switch.offload_router = self.router
        for agent in rack.agents:
            rack.network.nodes[agent.name] = _ClientPort(agent.name,
                                                         rack.network.nodes[agent.name], self)
        self._next_req = 1
        self._results: dict[int, Result] = {}
        self._sent_at: dict[int, int] = {}
        self.counters: Counter[str] = Counter()
        self._elf: dict[str, Path] = {}
        self._cpu: dict[str, CpuIterator] = {}
        self.rpc_code: dict[int, tuple[Path, str]] = {}
        self._rpc_sent: dict[int, tuple[str, int]] = {}

    def add_memory_cpus(self, cores: int = 1) -> None:
        """Give every memory blade a CPU (the RPC baseline's server)."""
        from emulator.rack.pulse.memcpu import MemoryCpu
        for nic in self.nics.values():
            nic.cpu = MemoryCpu(nic.blade, self.rack.switch, self.rack.loop, self.rack.network,
                                self.rack.costs, self.costs, self.rpc_code, cores)

    def install(self, elf: str | Path, symbol: str, node_bytes: int,
                force: bool = False) -> Decision:
        """Compile, verify and estimate `symbol`; load it on the SmartNICs if it pays (or,
        with `force`, whenever it verifies: the estimate is still recorded)."""
        pid = len(self.decisions) + 1
        t_d = float(self.costs.fetch_ns(node_bytes))
        try:
            prog = compile_next(elf, symbol, node_bytes)
        except Refusal as refusal:
            decision = Decision(symbol, pid, None, False, str(refusal), 0.0, t_d)
            self.counters[f"refused.{refusal.kind}"] += 1
        else:
            est = estimate(prog, self.costs)
            if est.pays or force:
                self.programs[pid] = prog
                reason = "offloaded" if est.pays else f"offload forced: {est.why()}"
                decision = Decision(symbol, pid, prog, True, reason, est.t_c_ns, est.t_d_ns, est)
            else:
                decision = Decision(symbol, pid, prog, False, f"does_not_pay: {est.why()}",
                                    est.t_c_ns, est.t_d_ns, est)
                self.counters["refused.does_not_pay"] += 1
        self.decisions[symbol] = decision
        self._elf[symbol] = Path(elf)
        self.rpc_code[pid] = (Path(elf), symbol)
        self.counters["offloadable" if decision.offload else "refused"] += 1
        return decision

    def submit(self, decision: Decision, pid: int, start: int, scratch: bytes,
               blade: str = "cb0") -> int:
        """Send a traversal from compute blade `blade`; returns its request id."""
        if not decision.offload:
            raise ValueError(f"{decision.name} runs on the CPU: {decision.reason}")
        if len(scratch) != SCRATCH_BYTES:
            raise ValueError(f"a scratchpad is {SCRATCH_BYTES} bytes, not {len(scratch)}")
        req = self._next_req
        self._next_req += 1
        p = TraversalPacket(Kind.TRAVERSE, blade, "switch", start, req_id=req, requester=blade,
                            size=self.rack.costs.header_bytes + REQUEST_BYTES,
                            program=decision.program_id, pid=pid, scratch=bytes(scratch))
        self._sent_at[req] = self.rack.loop.now
        self.rack.network.send(p, blade, "switch")
        return req

    def submit_rpc(self, decision: Decision, pid: int, start: int, scratch: bytes,
                   blade: str = "cb0") -> int:
        """Send the traversal as an RPC to the CPU of the memory blade holding `start`."""
        req = self._next_req
        self._next_req += 1
        self._sent_at[req] = self.rack.loop.now
        self._send_rpc(req, blade, decision.program_id, pid, start, scratch, 0, 0)
        return req

    def _send_rpc(self, req: int, blade: str, program: int, pid: int, cursor: int,
                  scratch: bytes, iterations: int, hops: int) -> None:
        p = TraversalPacket(Kind.TRAVERSE, blade, "switch", cursor, req_id=req, requester=blade,
                            size=self.rack.costs.header_bytes + REQUEST_BYTES, program=program,
                            pid=pid, scratch=scratch, iterations=iterations, hops=hops, rpc=True)
        self.counters["rpcs"] += 1
        self.rack.network.send(p, blade, "switch")

    def _done(self, p: TraversalPacket) -> None:
        if p.rpc and p.status == "moved":       # the client sends the next RPC to the owner
            self._send_rpc(p.req_id, p.requester, p.program, p.pid, p.fva, p.scratch,
                           p.iterations, p.hops + 1)
            return
        self._results[p.req_id] = Result(p.scratch, p.iterations, p.hops,
                                         self.rack.loop.now - self._sent_at.pop(p.req_id),
                                         p.status)
        self.counters["iterations"] += p.iterations
        self.counters["results"] += 1

    def result(self, req: int) -> Result:
        """Run the rack until request `req` is answered."""
        self.rack.loop.run(until=lambda: req in self._results)
        if req not in self._results:
            raise RuntimeError(f"traversal {req} got no answer")
        return self._results.pop(req)

    def run(self, decision: Decision, pid: int, start: int, scratch: bytes,
            blade: str = "cb0") -> Result:
        return self.result(self.submit(decision, pid, start, scratch, blade))

    def traverse(self, decision: Decision, pid: int, start: int, scratch: bytes,
                 read_memory: Callable[[int, int], bytes], blade: str = "cb0") -> Result:
        """Offload when the decision says so; otherwise run the same `next` on the CPU
        (`read_memory` gives it the structure) and count the iterations as CPU ones."""
        if decision.offload:
            return self.run(decision, pid, start, scratch, blade)
        cpu = self._cpu.get(decision.name)
        if cpu is None:
            cpu = self._cpu[decision.name] = CpuIterator(self._elf[decision.name],
                                                         decision.name, read_memory)
        local = cpu.run(start, scratch)
        self.counters["cpu_iterations"] += local.iterations
        return Result(local.scratch, local.iterations, 0, 0, f"cpu: {decision.reason}")

    def statistics(self) -> dict[str, int]:
        out = {f"pulse.{k}": v for k, v in sorted(self.counters.items())}
        for nic in self.nics.values():
            out.update(nic.statistics())
        out.update({f"pulse.switch.{k}": v for k, v in sorted(self.router.counters.items())})
        return out
