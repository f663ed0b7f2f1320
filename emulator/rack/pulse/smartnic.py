"""The SmartNIC in front of a memory blade, and the switch's routing of traversals.

A TRAVERSE packet carries (program id, process, cursor, scratchpad).  The device's scheduler
gives it a workspace (PULSE §4.2: m + n of them for m logic and n memory pipelines); then
iterations alternate between one of the memory pipelines (translation and protection against
the switch's tables for this blade's range, then the DRAM read of the node) and one of the
logic pipelines (the PULSE program on the node and the scratchpad).  Each pipeline serves one
iterator at a time, which is why m + n workspaces cover every schedule.  When the
program returns 0 the scratchpad goes back to the requester; when the next cursor belongs to
another memory blade the device sends a CONTINUE that the switch routes by its address-range
LPM to the owner's SmartNIC, with no trip back to the compute blade.  Other packets pass through
to the memory blade behind the NIC.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.rack.costs import RackCosts
from emulator.rack.memblade import MemoryBlade
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import VA_MASK, Kind, Packet, Perm, make_fva
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.isa import SCRATCH_BYTES, Interpreter, Program, PulseFault
from emulator.rack.switch import Switch

if TYPE_CHECKING:
    from emulator.rack.pulse.memcpu import MemoryCpu

REQUEST_BYTES = 8 + 8 + 8 + SCRATCH_BYTES      # program id, pid, cursor, scratchpad


@dataclass(slots=True)
class TraversalPacket(Packet):
    """A traversal in flight: TRAVERSE, CONTINUE or TRAVERSE_DONE."""

    program: int = 0
    pid: int = 0
    scratch: bytes = b""
    iterations: int = 0
    hops: int = 0                  # memory blades visited after the first
    status: str = "ok"             # TRAVERSE_DONE: ok, or why the device stopped
    rpc: bool = False              # for the memory blade's CPU (the RPC baseline), not the NIC


class SmartNic:
    """Takes the memory blade's place on the network; serves traversals, passes the rest on."""

    def __init__(self, blade: MemoryBlade, switch: Switch, loop: EventLoop, network: Network,
                 rack_costs: RackCosts, costs: PulseCosts, programs: dict[int, Program]) -> None:
        self.name = blade.name
        self.blade = blade
        self.switch = switch
        self.loop = loop
        self.network = network
        self.rack_costs = rack_costs
        self.costs = costs
        self.programs = programs
        self.interpreter = Interpreter()
        self._memory_free = [0] * costs.memory_pipelines
        self._logic_free = [0] * costs.logic_pipelines
        self._busy_workspaces = 0
        self._waiting: deque[TraversalPacket] = deque()
        self.counters: Counter[str] = Counter()
        self.cpu: MemoryCpu | None = None          # the blade's optional CPU (RPC baseline)
        self.behind: object = blade                # where packets that are not traversals go

    # --- the port ----------------------------------------------------------------------------
    def receive(self, packet: Packet) -> None:
        if isinstance(packet, TraversalPacket) and packet.rpc:
            if self.cpu is None:
                raise ValueError(f"{self.name} has no CPU to serve an RPC")
            self.loop.after(self.rack_costs.nic_ns, self.cpu.serve, packet)
        elif isinstance(packet, TraversalPacket):
            self.loop.after(self.costs.nic_pipeline_ns, self._admit, packet)
        else:
            self.behind.receive(packet)             # type: ignore[attr-defined]

    def _admit(self, p: TraversalPacket) -> None:
        if self._busy_workspaces >= self.costs.workspaces:
            self.counters["queued"] += 1
            self._waiting.append(p)
            return
        self._busy_workspaces += 1
        self.counters["requests"] += 1
        high = self.counters["workspaces_high_water"]
        self.counters["workspaces_high_water"] = max(high, self._busy_workspaces)
        self.loop.after(self.costs.scheduler_ns, self._fetch, p)

    def _release(self) -> None:
        self._busy_workspaces -= 1
        if self._waiting:
            self._admit(self._waiting.popleft())

    # --- the pipelines -----------------------------------------------------------------------
    def _fetch(self, p: TraversalPacket) -> None:
        """Memory pipeline: translate and protect, then read the node at the cursor."""
        prog = self.programs.get(p.program)
        if prog is None:
            self._finish(p, "unknown program")
            return
        fva = make_fva(p.pid, p.fva)
        if self.switch.permission(fva) & Perm.READ != Perm.READ:
            self.counters["denied"] += 1
            self._finish(p, f"no read permission at {p.fva:#x}")
            return
        try:
            blade, addr = self.switch.translate(fva)
        except LookupError:
            self._finish(p, f"no translation for {p.fva:#x}")
            return
        if blade != self.name:
            self._continue(p, blade)
            return
        # A node that runs into another range (another blade, or a non-adjacent area of this
        # one) is not one DRAM read: the device stops and the requester runs it on its CPU.
        try:
            tail = self.switch.translate(fva + prog.node_bytes - 1)
        except LookupError:
            tail = ("", -1)
        if tail != (blade, addr + prog.node_bytes - 1):
            self.counters["split_nodes"] += 1
            self._finish(p, f"the node at {p.fva:#x} crosses into another memory range")
            return
        # A memory pipeline holds one iterator's fetch from translation to data (PULSE §4.2).
        m = min(range(len(self._memory_free)), key=lambda i: (self._memory_free[i], i))
        start = max(self.loop.now, self._memory_free[m])
        t_d = self.costs.fetch_ns(prog.node_bytes)
        self._memory_free[m] = start + t_d
        self.counters["node_reads"] += 1
        self.counters["dram_bytes"] += prog.node_bytes
        self.counters["memory_ns"] += t_d
        self.loop.at(start + t_d, self._execute, p, prog, addr)

    def _read_node(self, addr: int, length: int) -> bytes:
        out = bytearray()
        while length:
            page = addr - addr % 4096
            n = min(length, page + 4096 - addr)
            out += self.blade.read_page(page)[addr - page:addr - page + n]
            addr, length = addr + n, length - n
        return bytes(out)

    def _execute(self, p: TraversalPacket, prog: Program, addr: int) -> None:
        """Logic pipeline: one iteration of the PULSE program."""
        node = self._read_node(addr, min(prog.node_bytes, self.blade.size - addr))
        scratch = bytearray(p.scratch)
        try:
            nxt, steps, cycles = self.interpreter.run_timed(prog, p.fva, node, scratch)
        except PulseFault as fault:
            self.counters["faults"] += 1
            self._finish(p, str(fault))
            return
        p.scratch = bytes(scratch)
        p.iterations += 1
        self.counters["iterations"] += 1
        self.counters["instructions"] += steps
        self.counters["logic_instructions"] += cycles
        t_c = round(cycles * self.costs.insn_ns)
        self.counters["logic_ns"] += t_c
        lp = min(range(len(self._logic_free)), key=lambda i: (self._logic_free[i], i))
        start = max(self.loop.now, self._logic_free[lp])
        self._logic_free[lp] = start + t_c
        nxt &= VA_MASK
        if nxt == 0:
            self.loop.at(self._logic_free[lp], self._finish, p, "ok")
        else:
            p.fva = nxt
            self.loop.at(self._logic_free[lp], self._fetch, p)

    # --- leaving the device ------------------------------------------------------------------
    def _continue(self, p: TraversalPacket, owner: str) -> None:
        self.counters["continuations"] += 1
        out = TraversalPacket(Kind.CONTINUE, self.name, owner, p.fva, req_id=p.req_id,
                              requester=p.requester, size=self.rack_costs.header_bytes +
                              REQUEST_BYTES, program=p.program, pid=p.pid, scratch=p.scratch,
                              iterations=p.iterations, hops=p.hops + 1)
        self._release()
        self._transmit(out)

    def _finish(self, p: TraversalPacket, status: str) -> None:
        out = TraversalPacket(Kind.TRAVERSE_DONE, self.name, p.requester, p.fva,
                              req_id=p.req_id, requester=p.requester,
                              size=self.rack_costs.header_bytes + SCRATCH_BYTES,
                              program=p.program, pid=p.pid, scratch=p.scratch,
                              iterations=p.iterations, hops=p.hops, status=status)
        self._release()
        self._transmit(out)

    def _transmit(self, out: TraversalPacket) -> None:
        """The network stack deparses the workspace into a packet: as long as parsing a
        request (PULSE §6.2 measures the response path symmetric to the request path)."""
        self.loop.after(self.costs.nic_pipeline_ns, self.network.send, out, self.name, "switch")

    def statistics(self) -> dict[str, int]:
        return {f"pulse.{self.name}.{k}": v for k, v in sorted(self.counters.items())}


class OffloadRouter:
    """The switch's routing of traversal packets: TRAVERSE and CONTINUE go to the memory blade
    whose range (the translation LPM: a process's exceptional ranges, then the partitions)
    holds the cursor, results to their requester."""

    def __init__(self, switch: Switch, network: Network) -> None:
        self.switch = switch
        self.network = network
        self.counters: Counter[str] = Counter()

    def __call__(self, p: Packet) -> bool:
        if not isinstance(p, TraversalPacket):
            return False
        if p.kind is Kind.TRAVERSE_DONE:
            self.counters["results"] += 1
            self.network.send(p, "switch", p.requester)
            return True
        try:        # the same range LPM (exceptions first, then partitions) as translation
            owner, _ = self.switch.translate(make_fva(p.pid, p.fva))
        except LookupError:
            self.counters["unroutable"] += 1
            p.kind, p.status = Kind.TRAVERSE_DONE, f"no memory blade holds {p.fva:#x}"
            self.network.send(p, "switch", p.requester)
            return True
        self.counters["routed_" + p.kind.value] += 1
        p.dst = owner
        self.network.send(p, "switch", owner)
        return True
