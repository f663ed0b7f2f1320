"""The programmable switch's data plane: translation, protection and the coherence directory.

A packet from a compute blade goes through the pipeline as in MIND's P4 program:

* pass 1: the directory LPM finds the region's entry; a control-plane lock makes a push
  recirculate and anything else NACK; the busy bit (`on_update`) makes the packet recirculate;
  otherwise the busy bit is set and the transition row is looked up (`TransitionTable`);
* pass 2 (after recirculation): the sharer set and state registers are written, the busy bit
  cleared, and the row's actions run: invalidations (multicast to the sharers, or to the
  owner with a data request), forwarded data, acknowledgements, NACKs;
* a request that goes on to memory is checked against the protection table (default deny) and
  translated: an exceptional translation first, then the memory blade's partition.

A directory miss is punted to the control plane, which installs an entry and re-injects the
packet.  Packets from memory blades are routed to the blade they answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.rack.costs import RackCosts
from emulator.rack.directory import Directory, Region
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import VA_MASK, Kind, Op, Packet, PacketClass, Perm
from emulator.rack.tables import EXCEPTION_CAPACITY, PARTITION_CAPACITY, LpmTable
from emulator.rack.transitions import (
    Ack,
    Action,
    Context,
    Event,
    Row,
    Sharers,
    State,
    TransitionTable,
)

if TYPE_CHECKING:
    from emulator.rack.control import ControlPlane


@dataclass(frozen=True)
class PartitionAction:
    """addrTrans: a memory blade's slice of the global virtual address space."""

    blade: str
    va_base: int
    mem_base: int


@dataclass(frozen=True)
class ExceptAction:
    """addrExceptTrans: a protection entry for (process, area), optionally with its own
    translation when the area does not live where its address says."""

    perm: int
    blade: str | None
    va_base: int      # FVA of the entry's first byte
    mem_base: int


_EVENTS = {Kind.PUSH_OTHER: Event.DP0, Kind.PUSH_DUMMY: Event.DPd, Kind.PUSH_TARGET: Event.DPt,
           Kind.FIN: Event.FIN, Kind.EVICT: Event.EV}
_WRITE_KINDS = frozenset(_EVENTS)


def event_of(packet: Packet) -> Event:
    if packet.kind is Kind.FETCH:
        return Event.W if packet.perm & Perm.WRITE_ONLY else Event.R
    return _EVENTS[packet.kind]


def op_of(packet: Packet) -> Op:
    return Op.WRITE if packet.kind in _WRITE_KINDS else Op.READ


class Switch:
    name = "switch"

    def __init__(self, loop: EventLoop, network: Network, costs: RackCosts,
                 table: TransitionTable, directory: Directory, compute_blades: list[str]) -> None:
        self.loop = loop
        self.network = network
        self.costs = costs
        self.table = table
        self.directory = directory
        self.compute_blades = compute_blades
        self.bit_of = {name: 1 << i for i, name in enumerate(compute_blades)}
        self.partitions: LpmTable[PartitionAction] = LpmTable("addrTrans", 48, PARTITION_CAPACITY)
        self.exceptions: LpmTable[ExceptAction] = LpmTable("addrExceptTrans", 64,
                                                           EXCEPTION_CAPACITY)
        self.control: ControlPlane | None = None
        # Offload routing (PULSE): a hook that takes the packets it routes and returns True.
        self.offload_router: Callable[[Packet], bool] | None = None
        # Baselines on the same rack: "mind" (the directory in the switch), "none" (no
        # coherence: one blade swapping to remote memory, FastSwap-like), "software" (the
        # directory run by the blades' CPUs, GAM-like: each directory step costs a software
        # handler at a home blade and two more hops, invalidations are sent one by one).
        self.coherence = "mind"
        self.counters: Counter[str] = Counter()
        self.rows_used: Counter[int] = Counter()
        self._row_index = {id(row): i for i, row in enumerate(table.rows)}

    # --- ingress ---------------------------------------------------------------------------
    def receive(self, packet: Packet) -> None:
        self.loop.after(self.costs.switch_pass_ns, self._ingress, packet)

    def _ingress(self, p: Packet) -> None:
        self.counters["passes"] += 1
        if self.offload_router is not None and self.offload_router(p):
            return
        if p.kind in (Kind.DATA, Kind.WRITE_ACK) or p.kind.packet_class is PacketClass.KERNEL:
            self.network.send(p, "switch", p.dst)       # routed by destination, no directory
            return
        if p.kind is Kind.FETCH and self.permission(p.fva) & p.perm != p.perm:
            self.counters["denied"] += 1
            self._reply(p, Kind.DENY)
            return
        if self.coherence == "none":
            if p.kind is Kind.FETCH:
                self._to_memory(p, Kind.MEM_READ, p.src)
            elif p.kind is Kind.PUSH_OTHER and p.data is not None:
                self._to_memory(p, Kind.MEM_WRITE, p.src, p.data)
            return
        self._directory_pass1(p)

    # --- translation and protection ---------------------------------------------------------
    def permission(self, fva: int) -> int:
        hit = self.exceptions.lookup(fva)
        return hit[1].perm if hit is not None else 0          # default deny

    def translate(self, fva: int) -> tuple[str, int]:
        hit = self.exceptions.lookup(fva)
        if hit is not None and hit[1].blade is not None:
            act = hit[1]
            return act.blade, act.mem_base + (fva - act.va_base)
        part = self.partitions.lookup(fva & VA_MASK)
        if part is None:
            raise LookupError(f"no translation for {fva:#x}")
        pa = part[1]
        return pa.blade, pa.mem_base + ((fva & VA_MASK) - pa.va_base)

    def _to_memory(self, p: Packet, kind: Kind, requester: str, data: bytes | None = None) -> None:
        try:
            blade, addr = self.translate(p.fva)
        except LookupError:
            self.counters["untranslated"] += 1
            if kind is Kind.MEM_READ:
                self._reply(p, Kind.DENY, to=requester)
            return
        size = self.costs.page_wire_bytes if data is not None else self.costs.header_bytes
        out = Packet(kind, "switch", blade, p.fva, req_id=p.req_id, requester=requester,
                     data=data, mem_addr=addr, region=p.region, size=size)
        self.network.send(out, "switch", blade)

    def _reply(self, p: Packet, kind: Kind, to: str | None = None,
               region: tuple[int, int] = (0, 0)) -> None:
        dst = to or p.src
        out = Packet(kind, "switch", dst, p.fva, req_id=p.req_id, requester=dst, region=region,
                     size=self.costs.header_bytes)
        self.network.send(out, "switch", dst)

    # --- the directory ------------------------------------------------------------------------
    def _recirculate(self, p: Packet) -> None:
        self.counters["recirculations"] += 1
        self.loop.after(self.costs.recirculation_ns, self._directory_pass1, p)

    def _directory_pass1(self, p: Packet) -> None:
        d = self.directory
        region = d.lookup(p.fva)
        event = event_of(p)
        if region is None:
            if p.kind is Kind.FETCH and self.control is not None:
                self.counters["directory_misses"] += 1
                self.control.directory_miss(p)
                return
            # No entry (an area being torn down, a push after a merge raced): the idle rows.
            row = self.table.match(State.I, event, Context(self.bit_of.get(p.src, 0), 0))
            self._act(p, row, None, 0, 0)
            return
        i = region.index
        if d.lock[i]:
            self.counters["locked"] += 1
            if op_of(p) is Op.WRITE:
                self._recirculate(p)
            else:
                self.counters["nacks"] += 1
                self._reply(p, Kind.NACK)
            return
        if d.on_update[i]:
            self._recirculate(p)
            return
        d.on_update[i] = 1
        bit = self.bit_of.get(p.src, 0)
        sharers = d.sharers[i]
        row = self.table.match(State(d.state[i]), event, Context(bit, sharers))
        self.loop.after(self._step_ns(), self._directory_pass2, p, region, row)

    def _step_ns(self) -> int:
        c = self.costs
        if self.coherence == "software":
            hop = c.serialization_ns(c.header_bytes) + c.link_propagation_ns + c.nic_ns
            return c.software_directory_ns + 2 * hop
        return c.recirculation_ns

    def _directory_pass2(self, p: Packet, region: Region, row: Row) -> None:
        d = self.directory
        i = region.index
        bit = self.bit_of.get(p.src, 0)
        old = d.sharers[i]
        new = {Sharers.RESET: bit, Sharers.ADD: old | bit, Sharers.DEL: old & ~bit,
               Sharers.SAME: old}[row.sharers]
        state = row.next
        if state is State.I:
            new = 0
        elif state is State.MD and new & ~bit == 0:
            state = State.M          # nobody left to acknowledge: the upgrade is complete
        d.sharers[i] = new
        d.state[i] = int(state)
        d.on_update[i] = 0
        if p.kind is Kind.FIN:
            d.inv_cnt[i] += p.false_pages
        self.rows_used[self._row_index[id(row)]] += 1
        self._act(p, row, region, old, bit)

    def _act(self, p: Packet, row: Row, region: Region | None, old_sharers: int, bit: int) -> None:
        costs = self.costs
        reg = (region.base, region.size) if region is not None else (p.fva, 4096)
        action = row.action
        if action is Action.MULTI_INVAL or action is Action.SINGLE_INVAL:
            mask = old_sharers & ~bit
            self.counters["invalidation_requests"] += 1
            serial = 0
            for name in self.compute_blades:
                if mask & self.bit_of[name]:
                    inv = Packet(Kind.INVALIDATE, "switch", name, p.fva, req_id=p.req_id,
                                 requester=p.src, region=reg, data_req=row.data_req,
                                 downgrade=row.next is State.SD,
                                 size=costs.invalidation_bytes)
                    if self.coherence == "software":   # unicast, one after another
                        serial += costs.software_directory_ns
                        self.loop.after(serial, self.network.send, inv, "switch", name)
                    else:                              # one multicast, copied at egress
                        self.network.send(inv, "switch", name)
        elif action is Action.FORWARD_DATA_CPU:
            out = Packet(Kind.DATA, "switch", p.requester, p.fva, req_id=p.req_id,
                         requester=p.requester, data=p.data, region=reg,
                         size=costs.page_wire_bytes)
            self.network.send(out, "switch", p.requester)
        elif action is Action.FORWARD_DATA_MEM:
            self._to_memory(p, Kind.MEM_READ, p.requester)
        elif action is Action.RETURN_WRITE_ACK:
            self._reply(p, Kind.WRITE_ACK)
        elif action is Action.RETURN_READ_NACK:
            self.counters["nacks"] += 1
            self._reply(p, Kind.NACK)
        elif action is Action.COUNT_FLUSH and region is not None:
            self.directory.inv_cnt[region.index] += 1
        if row.ack is Ack.ACK:
            self._reply(p, Kind.GRANT, region=reg)
        if row.forward_to_memory:
            if p.kind is Kind.FETCH:
                self._to_memory(p, Kind.MEM_READ, p.src)
            elif p.data is not None:
                self._to_memory(p, Kind.MEM_WRITE, p.src, p.data)

    def statistics(self) -> dict[str, int]:
        out = {f"switch.{k}": v for k, v in sorted(self.counters.items())}
        for name, table in (("partitions", self.partitions), ("exceptions", self.exceptions),
                            ("directory", self.directory.slots)):
            for k, v in table.statistics().items():
                out[f"switch.{name}.{k}"] = v
        return out
