"""A deterministic discrete-event network on modelled time.

Events are callbacks in a heap ordered by (time, sequence number): two events at the same
nanosecond run in the order they were scheduled, so a run is a function of its inputs and seed.
The rack is a star: every blade has one full-duplex link to the switch.  A link direction sends
one packet at a time at line rate (serialization), and packets on it arrive in order after the
propagation delay.  Nothing here sleeps or uses threads.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.rack.costs import RackCosts
from emulator.rack.packets import Packet


class EventLoop:
    """Time in nanoseconds and the pending events."""

    def __init__(self) -> None:
        self.now = 0
        self._heap: list[tuple[int, int, bool, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._live = 0           # pending events that are not periodic housekeeping
        self.events_run = 0

    def at(self, when: int, fn: Callable[..., None], *args: Any, daemon: bool = False) -> None:
        """Run fn(*args) at `when`.  A daemon event (a periodic epoch) does not keep `run`
        going on its own."""
        if when < self.now:
            raise ValueError(f"event scheduled in the past ({when} < {self.now})")
        self._seq += 1
        if not daemon:
            self._live += 1
        heapq.heappush(self._heap, (when, self._seq, daemon, fn, args))

    def after(self, delay: int, fn: Callable[..., None], *args: Any, daemon: bool = False) -> None:
        self.at(self.now + delay, fn, *args, daemon=daemon)

    def step(self) -> bool:
        if not self._heap:
            return False
        when, _, daemon, fn, args = heapq.heappop(self._heap)
        if not daemon:
            self._live -= 1
        self.now = when
        self.events_run += 1
        fn(*args)
        return True

    def run(self, until: Callable[[], bool] | None = None, limit: int = 50_000_000) -> None:
        """Run events until `until()` holds (checked between events) or only daemon events
        are left."""
        for _ in range(limit):
            if until is not None and until():
                return
            if not self._live or not self.step():
                return
        raise RuntimeError("the network did not settle (event limit reached)")

    @property
    def idle(self) -> bool:
        return not self._live

    @property
    def next_time(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def advance_to(self, when: int) -> None:
        """Let time pass with nothing happening (the caller's clock moved)."""
        while self._heap and self._heap[0][0] <= when:
            self.step()            # housekeeping due before then runs first
        self.now = max(self.now, when)


class Node(Protocol):
    name: str

    def receive(self, packet: Packet) -> None: ...


@dataclass
class LinkDirection:
    busy_until: int = 0
    packets: int = 0
    bytes: int = 0


PacketObserver = Callable[[int, Packet, str, str], None]   # (time ns, packet, from, to)


class Network:
    """Links between the switch and every other node, and the packets on them."""

    def __init__(self, loop: EventLoop, costs: RackCosts) -> None:
        self.loop = loop
        self.costs = costs
        self.nodes: dict[str, Node] = {}
        self._links: dict[tuple[str, str], LinkDirection] = {}
        self.by_class: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.bytes_by_class: Counter[str] = Counter()
        self.observers: list[PacketObserver] = []

    def attach(self, node: Node) -> None:
        if node.name in self.nodes:
            raise ValueError(f"two rack nodes are named {node.name}")
        self.nodes[node.name] = node
        if node.name != "switch":
            self._links[(node.name, "switch")] = LinkDirection()
            self._links[("switch", node.name)] = LinkDirection()

    def send(self, packet: Packet, hop_from: str, hop_to: str) -> None:
        """Put a packet on the link hop_from -> hop_to (one end is always the switch)."""
        src, nxt = hop_from, hop_to
        if (src, nxt) not in self._links:
            raise ValueError(f"no link from {src} to {nxt}")
        link = self._links[(src, nxt)]
        costs = self.costs
        start = max(self.loop.now, link.busy_until)
        done = start + costs.serialization_ns(packet.size)
        link.busy_until = done
        link.packets += 1
        link.bytes += packet.size
        cls = packet.packet_class.value
        self.by_class[cls] += 1
        self.by_kind[packet.kind.value] += 1
        self.bytes_by_class[cls] += packet.size
        for obs in self.observers:
            obs(self.loop.now, packet, src, nxt)
        self.loop.at(done + costs.link_propagation_ns, self.nodes[nxt].receive, packet)

    def statistics(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for cls, n in sorted(self.by_class.items()):
            out[f"packets.{cls}"] = n
            out[f"bytes.{cls}"] = self.bytes_by_class[cls]
        for kind, n in sorted(self.by_kind.items()):
            out[f"kinds.{kind}"] = n
        return out
