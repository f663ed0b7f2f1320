"""The assembled rack: compute-blade agents, memory blades, the switch and its control plane on
one network and one event loop.

`RackSpec` is what a machine description's ``[rack]`` section says; `Rack` builds it.  The
directory's transition table is data and may be swapped (`transitions=`) for experiments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.rack.agent import BladeAgent, DictStore, PageStore
from emulator.rack.control import ControlPlane, SplitConfig
from emulator.rack.costs import PAGE, RackCosts
from emulator.rack.directory import MAX_BLADES, Directory
from emulator.rack.memblade import MemoryBlade
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import Packet
from emulator.rack.switch import Switch
from emulator.rack.tables import DIRECTORY_CAPACITY
from emulator.rack.transitions import TransitionTable, load_transitions


@dataclass(frozen=True)
class RackSpec:
    compute_blades: int = 8
    cores_per_blade: int = 1
    blade_dram: int = 8 << 20            # each compute blade's local DRAM (its page cache)
    memory_blades: int = 2
    memory_blade_size: int = 1 << 30
    costs: RackCosts = field(default_factory=RackCosts)
    seed: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.compute_blades <= MAX_BLADES:
            raise ValueError(f"a rack has 1..{MAX_BLADES} compute blades (the sharer bitmap "
                             f"is 16 bits), not {self.compute_blades}")
        if self.memory_blades < 1:
            raise ValueError("a rack needs at least one memory blade")
        if self.blade_dram < 4 * PAGE:
            raise ValueError("a compute blade needs at least 16 KiB of DRAM")


class Rack:
    def __init__(self, spec: RackSpec, *, split: SplitConfig | None = None,
                 transitions: TransitionTable | None = None,
                 directory_capacity: int | None = DIRECTORY_CAPACITY,
                 stores: Callable[[int], PageStore] | None = None,
                 blades: int | None = None) -> None:
        self.spec = spec
        self.costs = spec.costs
        self.loop = EventLoop()
        self.network = Network(self.loop, self.costs)
        n = blades if blades is not None else spec.compute_blades
        names = [f"cb{i}" for i in range(n)]
        self.directory = Directory(directory_capacity)
        self.switch = Switch(self.loop, self.network, self.costs,
                             transitions or load_transitions(), self.directory, names)
        self.network.attach(self.switch)
        self.memory_blades = [MemoryBlade(f"mb{i}", i, spec.memory_blade_size, self.loop,
                                          self.network, self.costs)
                              for i in range(spec.memory_blades)]
        for mb in self.memory_blades:
            self.network.attach(mb)
        self.control = ControlPlane(self.loop, self.switch, self.memory_blades,
                                    split or SplitConfig())
        make_store = stores or (lambda i: DictStore())
        self.agents = [BladeAgent(name, self.loop, self.network, self.costs, make_store(i),
                                  spec.blade_dram // PAGE, spec.seed * 1000 + i)
                       for i, name in enumerate(names)]
        for agent in self.agents:
            self.network.attach(agent)

    def observe(self, fn: Callable[[int, Packet, str, str], None]) -> None:
        """Call fn(time_ns, packet, hop_from, hop_to) for every packet put on a link."""
        self.network.observers.append(fn)

    def memory_page(self, fva: int) -> bytes:
        """The memory blades' copy of a page (what a blade would fetch from memory)."""
        blade, addr = self.switch.translate(fva)
        for mb in self.memory_blades:
            if mb.name == blade:
                return mb.read_page(addr)
        raise LookupError(blade)

    def statistics(self) -> dict[str, int]:
        out: dict[str, int] = {}
        out.update({f"rack.net.{k}": v for k, v in self.network.statistics().items()})
        out.update({f"rack.{k}": v for k, v in self.switch.statistics().items()})
        out.update({f"rack.{k}": v for k, v in self.control.statistics().items()})
        for mb in self.memory_blades:
            out.update({f"rack.{mb.name}.{k}": v for k, v in mb.statistics().items()})
        for agent in self.agents:
            out.update({f"rack.{k}": v for k, v in agent.statistics().items()})
        out["rack.time_ns"] = self.loop.now
        return out
