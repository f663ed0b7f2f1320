"""The assembled machine: RAM, cores, the vector registry, MMIO devices and the clock.

Built from a MachineConfig.  This object holds every hardware power; it hands
the kernel only an `El1` face and a `BootInfo` (what firmware would describe),
and keeps the raw RAM for the monitor level and the devices.
"""

from __future__ import annotations

from collections.abc import ValuesView
from dataclasses import dataclass
from typing import Protocol

from emulator import descriptors as D
from emulator.bus_filter import BusFilter, BusPort
from emulator.clock import Stats, VirtualClock
from emulator.cpu import Cpu
from emulator.devices import Doorbell, make_device
from emulator.el1 import El1
from emulator.exceptions import VectorRegistry
from emulator.machine_config import MachineConfig, MemoryNode
from emulator.mmio import MmioBus, MmioDevice
from emulator.mmu import Walker
from emulator.physmem import PhysicalMemory
from emulator.trace import Tracer


class Monitor(Protocol):
    """What the machine needs of an EL2 monitor (the Guardian)."""

    reserved_base: int
    kernel_ttbr1: int       # a tree the monitor built once: fixed above its leaves

    def hvc(self, call: int, args: tuple[int, ...]) -> tuple[int, int]: ...
    def hvc_data(self, call: int, args: tuple[int, ...], payload: bytes
                 ) -> tuple[int, int, bytes]: ...
    def check_sysreg(self, reg: tuple[int, int, int, int, int], value: int) -> bool: ...


@dataclass(frozen=True, eq=False, repr=False)
class BootInfo:
    """What the kernel learns about the machine at boot (a device-tree in spirit)."""

    ram_base: int
    ram_size: int
    nodes: tuple[MemoryNode, ...]
    swap_size: int
    devices: tuple[tuple[str, str, int, int], ...]   # (name, type, base, size)
    seed: int
    quantum_insns: int
    cpu_model: str
    reserved: tuple[tuple[int, int], ...] = ()   # (base, size) of RAM the kernel must not use
    kernel_ttbr1: int = 0                         # a linear map provided by the monitor (0: build one)
    monitor: str = ""                             # name of the EL2 monitor, if one is installed


class Machine:
    def __init__(self, config: MachineConfig) -> None:
        self.config = config
        self.ram = PhysicalMemory(config.ram_base, config.ram_size)
        self.clock = VirtualClock(config.clock_hz, config.costs, config.counter_hz)
        self.stats = Stats()
        self.tracer = Tracer(self.clock)
        self.vectors = VectorRegistry()
        self.walker = Walker(self.ram)
        self.cpus = [Cpu(i, config.cpu.model, self.ram, self.vectors)
                     for i in range(config.cpu.count)]
        for cpu in self.cpus:
            cpu.tracer = self.tracer
        self.bus = MmioBus(clock_hook=self.clock.charge)
        for cpu in self.cpus:
            self.bus.attach(cpu.uc)
        self.devices: dict[str, MmioDevice] = {}
        for dev_cfg in config.devices:
            dev = make_device(dev_cfg)
            self.bus.mmio_map(dev_cfg.base, dev)
            self.devices[dev_cfg.name] = dev
            if isinstance(dev, Doorbell):
                dev.time_source = lambda: self.clock.cycles
                dev.on_mark = self._doorbell_mark
        self.bus.observer = self._mmio_access
        self._el1: dict[int, El1] = {}
        self.monitor: Monitor | None = None
        #: The DMA filter in front of RAM (programmed by the monitor, if any).
        self.bus_filter = BusFilter(self.ram.base, self.ram.size)

    def install_monitor(self, monitor: Monitor) -> None:
        """Put an EL2 monitor in place: HVC calls and trapped EL1 sysreg writes go to it."""
        self.monitor = monitor
        for i in range(len(self.cpus)):
            face = self.el1(i)
            face.hvc_handler = monitor.hvc
            face.hvc_data_handler = monitor.hvc_data
            face.sysreg_trap = monitor.check_sysreg
            # The monitor's TTBR1 tree is built once and never changes above its leaves.
            face.fixed_upper_root = monitor.kernel_ttbr1 & D.ADDR_MASK

    def _mmio_access(self, dev: MmioDevice, offset: int, size: int, value: int,
                     write: bool) -> None:
        if self.tracer.enabled:
            self.tracer.emit("mmio", device=dev.name, offset=offset, size=size, value=value,
                             write=write)

    def _doorbell_mark(self, value: int) -> None:
        if self.tracer.enabled:
            self.tracer.emit("doorbell", value=value)

    def dma_port(self) -> BusPort:
        """A bus-master device's port to RAM, behind the DMA filter."""
        return BusPort(self.ram, self.bus_filter)

    def el1(self, index: int = 0) -> El1:
        """The EL1 face of core `index` (one per core, created on first use)."""
        face = self._el1.get(index)
        if face is None:
            face = El1(self.cpus[index], self.walker, self.clock, self.stats, self.tracer)
            self._el1[index] = face
        return face

    def el1_faces(self) -> ValuesView[El1]:
        """The EL1 faces created so far (the monitor invalidates their TLBs)."""
        return self._el1.values()

    def boot_info(self) -> BootInfo:
        c = self.config
        m = self.monitor
        return BootInfo(
            reserved=((m.reserved_base, self.ram.end - m.reserved_base),) if m else (),
            kernel_ttbr1=m.kernel_ttbr1 if m else 0,
            monitor=type(m).__name__ if m else "",
            ram_base=c.ram_base, ram_size=c.ram_size, nodes=c.nodes, swap_size=c.swap_size,
            devices=tuple((d.name, d.type, d.base, d.size) for d in c.devices),
            seed=c.seed, quantum_insns=c.quantum_insns, cpu_model=c.cpu.model,
        )

    def statistics(self) -> dict[str, int]:
        """Hardware counters merged into the machine's stats."""
        s = self.stats
        s.set("mmu.walks", self.walker.walks)
        s.set("mmu.descriptor_reads", self.walker.descriptor_reads)
        s.set("clock.cycles", self.clock.cycles)
        for cpu in self.cpus:
            s.set(f"cpu{cpu.index}.exceptions", cpu.exceptions_taken)
        for name, dev in self.devices.items():
            for key, value in dev.statistics().items():
                s.set(f"{name}.{key}", value)
        return s.snapshot()
