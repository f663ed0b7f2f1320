"""The frozen value objects a machine description loads into.

:class:`MachineConfig` and its parts (the CPU, RAM's memory nodes, the devices, the regions of the
address map) are plain immutable data with the few queries a run needs: which node holds an
address, a device by name, the sorted address map, and a canonical rendering whose SHA-256
:meth:`MachineConfig.digest` stamps traces with.  Parsing and validating the TOML that produces
them lives in :mod:`emulator.machine_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from emulator.clock import DEFAULT_COUNTER_HZ


class _Value:
    """``==``, ``hash`` and ``repr`` from the fields, as ``@dataclass(frozen=True)`` generates
    them (same fields, same order, same results), written once here: generating them for
    every class costs each start-up some milliseconds, for methods a run rarely calls."""

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))   # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()     # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}"
                          for f in fields(self) if f.repr)   # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"


@dataclass(frozen=True, eq=False, repr=False)
class CpuConfig(_Value):
    model: str
    count: int
    uc_model: int  # the unicorn.arm64_const.UC_CPU_ARM64_* value for Uc.ctl_set_cpu_model


@dataclass(frozen=True, eq=False, repr=False)
class MemoryNode(_Value):
    """A NUMA-like slice of RAM; nodes partition RAM exactly, in address order."""

    id: int
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True, eq=False, repr=False)
class DeviceConfig(_Value):
    name: str
    type: str
    base: int
    size: int
    params: Mapping[str, Any]

    def __hash__(self) -> int:  # params is a read-only mapping, which Python cannot hash itself
        return hash((self.name, self.type, self.base, self.size, tuple(sorted(self.params.items()))))


@dataclass(frozen=True, eq=False, repr=False)
class RackConfig(_Value):
    """The ``[rack]`` section: compute blades (each with its own DRAM used as a page cache),
    memory blades, and the switch's links; `costs` overrides `emulator.rack.costs.RackCosts`."""

    compute_blades: int
    cores_per_blade: int
    blade_dram: int
    memory_blades: int
    memory_blade_size: int
    placement: str            # how a process's threads are spread: round-robin | fill
    costs: Mapping[str, int]

    def __hash__(self) -> int:
        return hash((self.compute_blades, self.cores_per_blade, self.blade_dram,
                     self.memory_blades, self.memory_blade_size, self.placement,
                     tuple(sorted(self.costs.items()))))


@dataclass(frozen=True, eq=False, repr=False)
class AddressRegion(_Value):
    name: str
    kind: str  # "ram", "node" or "device"
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


_KIND_ORDER = {"ram": 0, "node": 1, "device": 2}


def _plain(obj: Any) -> Any:
    """Dataclasses, mappings and tuples as JSON-ready dicts and lists."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_plain(v) for v in obj]
    return obj


@dataclass(frozen=True, eq=False, repr=False)
class MachineConfig(_Value):
    name: str
    description: str
    cpu: CpuConfig
    ram_base: int
    ram_size: int
    nodes: tuple[MemoryNode, ...]
    swap_size: int
    devices: tuple[DeviceConfig, ...]
    clock_hz: int
    costs: Mapping[str, int]  # the full table: defaults with this file's overrides applied
    seed: int
    quantum_insns: int
    source: str
    rack: RackConfig | None = None
    #: The generic timer's counter frequency (CNTFRQ_EL0): what EL0 reads of the counter.
    counter_hz: int = DEFAULT_COUNTER_HZ

    def __hash__(self) -> int:  # equal configs have equal digests, so this agrees with ==
        return hash(self.digest())

    @property
    def ram_end(self) -> int:
        return self.ram_base + self.ram_size

    def node_of(self, pa: int) -> MemoryNode | None:
        """The memory node holding physical address ``pa``, or None outside RAM."""
        for node in self.nodes:
            if node.base <= pa < node.end:
                return node
        return None

    def device(self, name: str) -> DeviceConfig:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise KeyError(f"{self.source}: no device named {name!r}")

    def address_map(self) -> list[AddressRegion]:
        """RAM, its nodes and the devices, sorted by address (RAM before its first node)."""
        regions = [AddressRegion("ram", "ram", self.ram_base, self.ram_size)]
        regions += [AddressRegion(f"node{n.id}", "node", n.base, n.size) for n in self.nodes]
        regions += [AddressRegion(d.name, "device", d.base, d.size) for d in self.devices]
        return sorted(regions, key=lambda r: (r.base, _KIND_ORDER[r.kind], r.name))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` output and the digest; ``source`` is left out because the
        same machine loaded from another path is the same machine."""
        out = _plain(self)
        del out["source"]
        if out["rack"] is None:       # machines without a rack keep the digest they had
            del out["rack"]
        if out["counter_hz"] == DEFAULT_COUNTER_HZ:   # nor do machines on the default counter
            del out["counter_hz"]
        return out

    def digest(self) -> str:
        """SHA-256 of a canonical rendering: equal for equal machines however the file was
        written (key order, size spelling, comments)."""
        import hashlib
        import json
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
