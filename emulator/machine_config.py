"""Machine descriptions: a TOML file in, frozen, fully validated value objects out.

Everything that shapes a run's hardware (CPU model, RAM and its nodes, swap capacity, devices,
clock, event costs, the seed) comes from one file, so a run is reproducible from that file plus
the program, and :meth:`MachineConfig.digest` can stamp traces with it. Validation is strict and
happens before anything is built: a typo in a cost name would otherwise silently keep the default
and skew every number. Each problem is reported as one line naming the file, the key path, what is
wrong and what to write instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from emulator import toml_cache
from emulator.devices import DEVICE_TYPES
from emulator.errors import MachineConfigError
from emulator.machine_types import (  # noqa: F401  (re-exported: callers import them from here)
    AddressRegion,
    CpuConfig,
    DeviceConfig,
    MachineConfig,
    MemoryNode,
    RackConfig,
)

__all__ = ["CPU_MODELS", "DEFAULT_COSTS", "PAGE_SIZE", "AddressRegion", "CpuConfig", "DeviceConfig",
           "MachineConfig", "MemoryNode", "RackConfig", "bundled_machines", "format_size", "load_machine",
           "load_machine_text", "parse_size"]

from emulator.clock import DEFAULT_COSTS, DEFAULT_COUNTER_HZ
from emulator.cpu_models import CPU_MODELS

log = logging.getLogger(__name__)

PAGE_SIZE = 0x1000
PA_LIMIT = 1 << 48  # the largest physical address space the modelled CPUs implement
MAX_CPUS = 64
MACHINES_DIR = Path(__file__).parent / "machines"



_SIZE_UNITS = {"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_SIZE_RE = re.compile(r"^\s*(\d[\d_]*)\s*([A-Za-z]*)\s*$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_POS_RE = re.compile(r"^(.*) \(at (line \d+, column \d+|end of document)\)$", re.S)
_SIZE_HINT = 'write e.g. "256MiB" or 268435456'


def parse_size(value: Any) -> int:
    """An int, or a string such as ``"256MiB"`` (binary units only: ``MB`` is ambiguous)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("negative")
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m and m.group(2) in _SIZE_UNITS:
            return int(m.group(1).replace("_", "")) * _SIZE_UNITS[m.group(2)]
    raise ValueError("not a size")


def format_size(n: int) -> str:
    """The shortest exact rendering of ``n`` bytes (``"24MiB"``, ``"4097B"``)."""
    for unit in ("TiB", "GiB", "MiB", "KiB"):
        if n and n % _SIZE_UNITS[unit] == 0:
            return f"{n // _SIZE_UNITS[unit]}{unit}"
    return f"{n}B"


# --- validation -----------------------------------------------------------------------------

_REQUIRED = object()


def _close_matches(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6
                   ) -> list[str]:
    """difflib's suggestions for a mistyped name (imported only when there is a mistake)."""
    import difflib
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def _quoted(value: Any) -> str:
    """A value as TOML would spell it, for messages (json only loaded when one is shown)."""
    import json
    return json.dumps(value)


def _show(value: Any) -> str:
    """A value as it would be spelt in TOML, so the message matches what the user wrote."""
    return _quoted(value) if isinstance(value, (str, bool, int, float)) else repr(value)


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
            dict: "a table", list: "an array"}.get(type(value), type(value).__name__)


class _Table:
    """One TOML table being read, with its key path for error messages. Unknown keys are
    checked first, so a misspelt key is reported as a typo rather than as a missing one."""

    def __init__(self, source: str, path: str, data: Any, known: Iterable[str] | None = None) -> None:
        self.source, self.path = source, path
        if not isinstance(data, dict):
            self.fail("", f"expected a table, found {_type_name(data)}", f"write it as [{path}]")
        self.data: dict[str, Any] = data
        if known is not None:
            self.check_keys(known)

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str, hint: str) -> NoReturn:
        raise MachineConfigError(self.source, self.key(name) if name else self.path, problem, hint)

    def check_keys(self, known: Iterable[str]) -> None:
        allowed = sorted(set(known))
        for name in self.data:
            if name not in allowed:
                close = _close_matches(name, allowed, n=1, cutoff=0.6)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys here: {', '.join(allowed)}"
                self.fail(name, "unknown key", hint)

    def raw(self, name: str, default: Any = _REQUIRED) -> Any:
        if name in self.data:
            return self.data[name]
        if default is _REQUIRED:
            self.fail(name, "missing", f"add `{name} = ...` to [{self.path}]")
        return default

    def integer(self, name: str, default: Any = _REQUIRED, *, lo: int = 0, hi: int | None = None) -> int:
        value = self.raw(name, default)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(name, f"{_show(value)} is {_type_name(value)}, not an integer",
                      "write a whole number, e.g. 4096 or 0x1000")
        if value < lo or (hi is not None and value > hi):
            bound = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
            self.fail(name, f"{value} is out of range", f"use a value {bound}")
        return value

    def string(self, name: str, default: Any = _REQUIRED) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str):
            self.fail(name, f"{_show(value)} is {_type_name(value)}, not a string", f'quote it: {name} = "..."')
        return value

    def size(self, name: str, default: Any = _REQUIRED) -> int:
        """A byte count, which must be a whole number of 4KiB pages."""
        value = self.raw(name, default)
        try:
            n = parse_size(value)
        except ValueError:
            self.fail(name, f"{_show(value)} is not a size", _SIZE_HINT)
        if n % PAGE_SIZE:
            self.fail(name, f"{format_size(n)} is not a multiple of the 4KiB page size",
                      f"round it to {format_size(n - n % PAGE_SIZE or PAGE_SIZE)}")
        return n

    def addr(self, name: str, default: Any = _REQUIRED) -> int:
        value = self.integer(name, default, hi=PA_LIMIT - PAGE_SIZE)
        if value % PAGE_SIZE:
            self.fail(name, f"{value:#x} is not 4KiB-aligned",
                      f"use {value & ~(PAGE_SIZE - 1):#x} or another multiple of 0x1000")
        return value

    def sub(self, name: str, known: Iterable[str]) -> _Table:
        return _Table(self.source, self.key(name), self.raw(name, {}), known)

    def array(self, name: str) -> list[_Table]:
        items = self.raw(name, [])
        if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
            self.fail(name, f"expected an array of tables, found {_type_name(items)}",
                      f"write each entry under its own [[{self.key(name)}]] header")
        return [_Table(self.source, f"{self.key(name)}[{i}]", t) for i, t in enumerate(items)]


def _check_overlaps(source: str, regions: list[tuple[str, str, int, int]]) -> None:
    """``regions`` are (key path, label, base, size); report the first pair sharing an address."""
    ordered = sorted(regions, key=lambda r: r[2])
    for (_, lab_a, base_a, size_a), (key_b, lab_b, base_b, size_b) in pairwise(ordered):
        if base_b < base_a + size_a:
            raise MachineConfigError(
                source, key_b,
                f"{lab_b} [{base_b:#x}, {base_b + size_b:#x}) overlaps {lab_a} [{base_a:#x}, {base_a + size_a:#x})",
                "move one of them so their address ranges are disjoint")


def _read_nodes(mem: _Table, ram_base: int, ram_size: int) -> tuple[MemoryNode, ...]:
    tables = mem.array("node")
    if not tables:
        return (MemoryNode(0, ram_base, ram_size),)
    nodes: list[tuple[str, MemoryNode]] = []
    seen: set[int] = set()
    for t in tables:
        t.check_keys(("id", "base", "size"))
        node = MemoryNode(t.integer("id"), t.addr("base"), t.size("size"))
        if node.size == 0:
            t.fail("size", "a memory node cannot be empty", "give it a size or remove the node")
        if node.id in seen:
            t.fail("id", f"node id {node.id} is used twice", "give each [[memory.node]] its own id")
        seen.add(node.id)
        nodes.append((t.path, node))
    nodes.sort(key=lambda kn: kn[1].base)
    tile_hint = "nodes must tile RAM exactly: no gaps, no overlaps"
    expect = ram_base
    for key, node in nodes:
        if node.base != expect:
            after = "RAM starts" if expect == ram_base else "the previous node ends"
            raise MachineConfigError(mem.source, f"{key}.base",
                                     f"node {node.id} starts at {node.base:#x} but {after} at {expect:#x}", tile_hint)
        expect = node.end
    if expect != ram_base + ram_size:
        raise MachineConfigError(mem.source, f"{nodes[-1][0]}.size",
                                 f"nodes end at {expect:#x} but RAM ends at {ram_base + ram_size:#x}",
                                 "nodes must tile RAM exactly: make their sizes add up to memory.ram_size")
    return tuple(n for _, n in nodes)


_DEVICE_KEYS = ("name", "type", "base", "size")


def _read_device(t: _Table) -> DeviceConfig:
    raw_type = t.data.get("type")
    cls = DEVICE_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if cls is not None or "type" not in t.data:
        t.check_keys(_DEVICE_KEYS + tuple(cls.PARAMS if cls else ()))
    name = t.string("name")
    if not _NAME_RE.match(name):
        t.fail("name", f"{_quoted(name)} is not a valid device name",
               "use lowercase letters, digits and _, starting with a letter (it prefixes stats: uart0.reads)")
    kind = t.string("type")
    if cls is None:
        close = _close_matches(kind, sorted(DEVICE_TYPES), n=1)
        did = f"did you mean {_quoted(close[0])}? " if close else ""
        t.fail("type", f"unknown device type {_quoted(kind)}", f"{did}known types: {', '.join(sorted(DEVICE_TYPES))}")
    base = t.addr("base")
    size = t.size("size", cls.default_size)
    if size == 0 or base + size > PA_LIMIT:
        t.fail("size", f"{size:#x} does not fit a device at {base:#x}",
               "use a non-zero size that ends below 2^48")
    params: dict[str, Any] = {}
    for pname, ptype in cls.PARAMS.items():
        if pname in t.data:
            value = t.data[pname]
            if not isinstance(value, ptype) or (ptype is int and isinstance(value, bool)):
                t.fail(pname, f"{_show(value)} is {_type_name(value)}", f"a {kind} expects {ptype.__name__} here")
            params[pname] = value
    return DeviceConfig(name, kind, base, size, MappingProxyType(params))


_SECTIONS = ("machine", "cpu", "memory", "swap", "device", "clock", "costs", "kernel", "rack")
RACK_PLACEMENTS = ("round-robin", "fill")


def _read_rack(top: _Table) -> RackConfig | None:
    if "rack" not in top.data:
        return None
    from emulator.rack.costs import RackCosts  # the rack's own cost names

    t = top.sub("rack", ("compute_blades", "cores_per_blade", "blade_dram", "memory_blades",
                         "memory_blade_size", "placement", "costs"))
    blades = t.integer("compute_blades", 8, lo=1, hi=16)
    cores = t.integer("cores_per_blade", 1, lo=1, hi=12)
    dram = t.size("blade_dram", "1MiB")
    if dram < 4 * PAGE_SIZE:
        t.fail("blade_dram", f"{format_size(dram)} is too small", "give each blade at least 16KiB")
    memory_blades = t.integer("memory_blades", 2, lo=1, hi=128)
    mb_size = t.size("memory_blade_size", "1GiB")
    if mb_size == 0 or mb_size > 1 << 40:
        t.fail("memory_blade_size", f"{format_size(mb_size)} does not fit a 1TiB partition",
               "use a size between 4KiB and 1TiB")
    placement = t.string("placement", "round-robin")
    if placement not in RACK_PLACEMENTS:
        t.fail("placement", f"unknown placement {_quoted(placement)}",
               f"use one of: {', '.join(RACK_PLACEMENTS)}")
    known = RackCosts().as_dict()
    ct = t.sub("costs", known)
    costs = {name: ct.integer(name) for name in known if name in ct.data}
    return RackConfig(blades, cores, dram, memory_blades, mb_size, placement,
                      MappingProxyType(costs))


def load_machine_text(text: str, source: str, remember: bool = False) -> MachineConfig:
    """Parse and validate a machine description; ``source`` names it in error messages.
    ``remember``: keep the parsed text between runs (the bundled descriptions)."""
    try:
        data = toml_cache.loads(text, source) if remember else toml_cache.parse(text)
    except ValueError as exc:       # tomllib.TOMLDecodeError
        m = _TOML_POS_RE.match(str(exc))
        what, where = (m.group(1), m.group(2)) if m else (str(exc), "")
        raise MachineConfigError(source, where, f"invalid TOML: {what}",
                                 'fix the syntax there (sizes such as "256MiB" need quotes)') from None
    top = _Table(source, "", data, _SECTIONS)

    mach = top.sub("machine", ("name", "description"))
    name, description = mach.string("name"), mach.string("description", "")

    cpu_t = top.sub("cpu", ("model", "count"))
    model = cpu_t.string("model", "cortex-a72")
    if model not in CPU_MODELS:
        close = _close_matches(model, list(CPU_MODELS), n=1)
        did = f"did you mean {_quoted(close[0])}? " if close else ""
        cpu_t.fail("model", f"unknown CPU model {_quoted(model)}", f"{did}use one of: {', '.join(CPU_MODELS)}")
    cpu = CpuConfig(model, cpu_t.integer("count", 1, lo=1, hi=MAX_CPUS), CPU_MODELS[model])

    mem = top.sub("memory", ("ram_base", "ram_size", "node"))
    ram_base = mem.addr("ram_base", 0x4000_0000)
    ram_size = mem.size("ram_size")
    if ram_size == 0 or ram_base + ram_size > PA_LIMIT:
        mem.fail("ram_size", f"{format_size(ram_size)} at {ram_base:#x} does not fit",
                 "use a non-zero size that ends below 2^48")
    nodes = _read_nodes(mem, ram_base, ram_size)

    swap_size = top.sub("swap", ("size",)).size("size", 0)

    devices = tuple(_read_device(t) for t in top.array("device"))
    first_use: dict[str, int] = {}
    for i, dev in enumerate(devices):
        if dev.name in first_use:
            raise MachineConfigError(source, f"device[{i}].name",
                                     f"device name {_quoted(dev.name)} is already used by device[{first_use[dev.name]}]",
                                     "give every device a distinct name")
        first_use[dev.name] = i
    _check_overlaps(source, [("memory.ram_size", "RAM", ram_base, ram_size)]
                    + [(f"device[{i}].base", f'device "{d.name}"', d.base, d.size)   # (a checked name)
                       for i, d in enumerate(devices)])

    clock_t = top.sub("clock", ("frequency_hz", "counter_frequency_hz"))
    clock_hz = clock_t.integer("frequency_hz", 1_000_000_000, lo=1)
    counter_hz = clock_t.integer("counter_frequency_hz", DEFAULT_COUNTER_HZ, lo=1,
                                 hi=1_000_000_000)

    costs_t = top.sub("costs", DEFAULT_COSTS)
    costs = {cname: costs_t.integer(cname, default) for cname, default in DEFAULT_COSTS.items()}

    kern = top.sub("kernel", ("seed", "quantum_insns"))
    seed = kern.integer("seed", 1, hi=(1 << 64) - 1)
    quantum = kern.integer("quantum_insns", 100_000, lo=1)

    return MachineConfig(name=name, description=description, cpu=cpu, ram_base=ram_base,
                         ram_size=ram_size, nodes=nodes, swap_size=swap_size, devices=devices,
                         clock_hz=clock_hz, costs=MappingProxyType(costs), seed=seed,
                         quantum_insns=quantum, source=source, rack=_read_rack(top),
                         counter_hz=counter_hz)


def bundled_machines() -> dict[str, Path]:
    """The machine descriptions shipped with the emulator, by name (``--machine small``)."""
    return {p.stem: p for p in sorted(MACHINES_DIR.glob("*.toml"))}


def load_machine(path: str | Path | None = None) -> MachineConfig:
    """Load a machine by file path, or by bundled name; ``None`` means the bundled default."""
    bundled = bundled_machines()
    if path is None:
        path = bundled["default"]
    elif str(path) in bundled and not Path(path).exists():
        path = bundled[str(path)]
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise MachineConfigError(source, "", "no such file",
                                 f"give a path to a .toml file or a bundled machine: {', '.join(bundled)}") from None
    except UnicodeDecodeError as exc:
        raise MachineConfigError(source, "", f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8") from None
    except OSError as exc:
        raise MachineConfigError(source, "", f"cannot read: {exc.strerror or exc}", "check the path and its permissions") from None
    config = load_machine_text(text, source, remember=Path(path) in bundled.values())
    if log.isEnabledFor(logging.DEBUG):          # the digest is work: only when shown
        log.debug("loaded machine %s from %s (digest %s)", config.name, source,
                  config.digest()[:12])
    return config
