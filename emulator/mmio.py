"""Memory-mapped devices: a register/field model and the bus that maps devices into Unicorn.

Devices describe their registers as data (:class:`Register`, :class:`Field`) and only write code
for the registers with side effects (``on_read_<reg>`` / ``on_write_<reg>`` methods). Keeping the
layout as data means access rules (read-only bits, write-1-to-clear, sub-word accesses) are
implemented once here instead of in every device, and the layout can be printed or checked.

Guest accesses the model does not understand (unknown offsets, misaligned or over-wide accesses)
never raise: real buses do not stop the CPU for a stray access either. Reads return 0, writes are
dropped, both are counted in ``bad_accesses`` and the first one per device is logged.

Unicorn hands devices at most 4 bytes at a time: a guest 8-byte load or store arrives as two
4-byte accesses, low half first. A 64-bit register therefore works (each half lands in its lanes),
but its write hook runs twice; registers whose writes have side effects should be 32-bit, or act
only on the upper half.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from unicorn import Uc, UcError

from emulator.errors import EmulatorFault

__all__ = ["ACCESS_MODES", "PAGE_SIZE", "Field", "MmioBus", "MmioDevice", "Register"]

log = logging.getLogger(__name__)

PAGE_SIZE = 0x1000
ACCESS_MODES = frozenset({"rw", "ro", "wo", "w1c"})
_ACCESS_SIZES = (1, 2, 4, 8)


def _ones(bits: int) -> int:
    return (1 << bits) - 1


@dataclass(frozen=True, eq=False, repr=False)
class Field:
    """A named bit range of a register; ``access`` overrides the register's rule for these bits."""

    name: str
    lsb: int
    width: int
    access: str = "rw"

    def __post_init__(self) -> None:
        if self.lsb < 0 or self.width < 1:
            raise ValueError(f"field {self.name}: bad bit range lsb={self.lsb} width={self.width}")
        if self.access not in ACCESS_MODES:
            raise ValueError(f"field {self.name}: access {self.access!r} not in {sorted(ACCESS_MODES)}")

    @property
    def mask(self) -> int:
        """The field's bits in place within the register."""
        return _ones(self.width) << self.lsb

    def get(self, value: int) -> int:
        """Extract this field from a register value."""
        return (value >> self.lsb) & _ones(self.width)

    def set(self, value: int, field_value: int) -> int:
        """Return ``value`` with this field replaced; refuses values that do not fit, since
        silently truncating them hides device-model bugs."""
        if not 0 <= field_value <= _ones(self.width):
            raise ValueError(f"field {self.name}: {field_value:#x} does not fit in {self.width} bits")
        return (value & ~self.mask) | (field_value << self.lsb)


@dataclass(frozen=True, eq=False, repr=False)
class Register:
    """A device register: where it is, how wide, its reset value and its access rules."""

    name: str
    offset: int
    width: int = 4
    fields: tuple[Field, ...] = ()
    access: str = "rw"
    reset: int = 0

    def __post_init__(self) -> None:
        if self.width not in _ACCESS_SIZES:
            raise ValueError(f"register {self.name}: width {self.width} not in {_ACCESS_SIZES}")
        if self.offset < 0 or self.offset % self.width:
            raise ValueError(f"register {self.name}: offset {self.offset:#x} not aligned to {self.width}")
        if self.access not in ACCESS_MODES:
            raise ValueError(f"register {self.name}: access {self.access!r} not in {sorted(ACCESS_MODES)}")
        if not 0 <= self.reset <= self.mask:
            raise ValueError(f"register {self.name}: reset {self.reset:#x} wider than the register")
        seen = 0
        for f in self.fields:
            if f.mask & ~self.mask:
                raise ValueError(f"register {self.name}: field {f.name} lies outside the register")
            if f.mask & seen:
                raise ValueError(f"register {self.name}: field {f.name} overlaps another field")
            seen |= f.mask

    @property
    def mask(self) -> int:
        return _ones(8 * self.width)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}")

    def _bits(self, access: str) -> int:
        if self.access == access:
            return self.mask
        if self.access != "rw":
            return 0  # a whole-register rule other than rw wins over its fields
        out = 0
        for f in self.fields:
            if f.access == access:
                out |= f.mask
        return out

    @property
    def read_mask(self) -> int:
        """Bits that read back what is stored; write-only bits read as zero."""
        return self.mask & ~self._bits("wo")

    def apply_write(self, old: int, written: int, lanes: int | None = None) -> int:
        """New stored value after writing ``written``; bits outside ``lanes`` (a sub-word access)
        keep their old value, so a byte store never clears w1c bits in the other bytes."""
        ro, w1c = self._bits("ro"), self._bits("w1c")
        new = (written & ~(ro | w1c)) | (old & ro) | (old & w1c & ~written)
        if lanes is not None:
            new = (new & lanes) | (old & ~lanes)
        return new & self.mask


class MmioDevice:
    """Base class of memory-mapped devices.

    Subclasses set ``registers`` (and ``type_name``, ``default_size``); they add behaviour with
    ``on_read_<reg>(self) -> int`` (replaces the stored value on reads) and
    ``on_write_<reg>(self, value) -> None`` (called after the store, with the full register value
    written). ``PARAMS`` lists the extra keys a machine description may give this device type,
    each with its Python type, so configuration errors are caught before any device exists.
    """

    type_name: ClassVar[str] = ""
    registers: ClassVar[tuple[Register, ...]] = ()
    default_size: ClassVar[int] = PAGE_SIZE
    PARAMS: ClassVar[Mapping[str, type]] = {}

    def __init__(self, name: str, size: int | None = None) -> None:
        self.name = name
        self.size = self.default_size if size is None else size
        self._by_name: dict[str, Register] = {}
        self._cover: dict[int, Register] = {}
        for reg in self.registers:
            if reg.name in self._by_name:
                raise ValueError(f"{type(self).__name__}: duplicate register {reg.name}")
            if reg.offset + reg.width > self.size:
                raise ValueError(f"{type(self).__name__}: register {reg.name} beyond size {self.size:#x}")
            self._by_name[reg.name] = reg
            for k in range(reg.width):
                if reg.offset + k in self._cover:
                    raise ValueError(f"{type(self).__name__}: register {reg.name} overlaps another")
                self._cover[reg.offset + k] = reg
        # Resolve hooks once: attribute lookups by formatted name on every access would be slow.
        self._read_hooks: dict[str, Callable[[], int]] = {}
        self._write_hooks: dict[str, Callable[[int], None]] = {}
        for reg in self.registers:
            rh = getattr(self, f"on_read_{reg.name.lower()}", None)
            wh = getattr(self, f"on_write_{reg.name.lower()}", None)
            if rh is not None:
                self._read_hooks[reg.name] = rh
            if wh is not None:
                self._write_hooks[reg.name] = wh
        self._values: dict[str, int] = {}
        self._reads = 0
        self._writes = 0
        self._bad = 0
        self._ignored = 0
        self._warned = False
        self.reset()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} size={self.size:#x}>"

    # --- guest-visible accesses -------------------------------------------------------------

    def _locate(self, offset: int, size: int) -> tuple[Register, int] | None:
        reg = self._cover.get(offset)
        if reg is None or size not in _ACCESS_SIZES or offset % size:
            return None
        shift = offset - reg.offset
        if shift + size > reg.width:
            return None
        return reg, shift

    def _bad_access(self, kind: str, offset: int, size: int) -> None:
        self._bad += 1
        level = logging.DEBUG if self._warned else logging.WARNING
        self._warned = True
        log.log(level, "%s: %s of %d byte(s) at offset %#x matches no register; "
                "reads return 0, writes are dropped (further ones logged at debug level)",
                self.name, kind, size, offset)

    def read(self, offset: int, size: int) -> int:
        """A guest load of ``size`` bytes at ``offset`` within the device."""
        self._reads += 1
        hit = self._locate(offset, size)
        if hit is None:
            self._bad_access("read", offset, size)
            return 0
        reg, shift = hit
        hook = self._read_hooks.get(reg.name)
        value = hook() if hook is not None else self._values[reg.name] & reg.read_mask
        return (value >> (8 * shift)) & _ones(8 * size)

    def write(self, offset: int, size: int, value: int) -> None:
        """A guest store of ``size`` bytes at ``offset`` within the device."""
        self._writes += 1
        hit = self._locate(offset, size)
        if hit is None:
            self._bad_access("write", offset, size)
            return
        reg, shift = hit
        if reg.access == "ro":
            self._ignored += 1
            return
        lanes = _ones(8 * size) << (8 * shift)
        written = ((value & _ones(8 * size)) << (8 * shift))
        old = self._values[reg.name]
        partial = size < reg.width
        self._values[reg.name] = reg.apply_write(old, written, lanes if partial else None)
        hook = self._write_hooks.get(reg.name)
        if hook is not None:
            # Hooks see the whole register as the guest meant it: other lanes keep their values.
            hook((old & ~lanes) | written if partial else written)

    # --- device-side helpers -------------------------------------------------------------

    def register(self, name: str) -> Register:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.name}: no register {name!r}") from None

    def value(self, reg: str) -> int:
        """The stored value, bypassing access rules and hooks (for the device's own logic)."""
        return self._values[self.register(reg).name]

    def set_value(self, reg: str, value: int) -> None:
        r = self.register(reg)
        self._values[r.name] = value & r.mask

    def get_field(self, reg: str, field: str) -> int:
        return self.register(reg).field(field).get(self.value(reg))

    def set_field(self, reg: str, field: str, field_value: int) -> None:
        r = self.register(reg)
        self._values[r.name] = r.field(field).set(self._values[r.name], field_value)

    def reset(self) -> None:
        """Put registers back to their reset values. Counters survive: they describe the run,
        not the device's state, and a guest-triggered reset should not hide earlier traffic."""
        self._values = {reg.name: reg.reset for reg in self.registers}

    def statistics(self) -> dict[str, int]:
        return {
            "reads": self._reads,
            "writes": self._writes,
            "bad_accesses": self._bad,
            "ignored_writes": self._ignored,
        }


ClockHook = Callable[[str], None]


class MmioBus:
    """Maps devices into one or more Unicorn CPUs and routes host-side accesses to them.

    Several CPUs are several ``Uc`` instances (see the design notes), so a bus may be attached to
    more than one; each device is mapped into all of them and shares one state. ``clock_hook`` is
    called with ``"mmio_access"`` on every access so the virtual clock can charge its cost without
    the bus knowing about the cost model.
    """

    def __init__(self, uc: Uc | None = None, clock_hook: ClockHook | None = None) -> None:
        self._ucs: list[Uc] = []
        self._clock_hook = clock_hook
        #: Told about every guest access (device, offset, size, value, is_write), for tracing.
        self.observer: Callable[[MmioDevice, int, int, int, bool], None] | None = None
        self._bases: list[int] = []
        self._devs: list[MmioDevice] = []
        if uc is not None:
            self.attach(uc)

    def attach(self, uc: Uc) -> None:
        """Map every device (present and future) into another CPU instance."""
        self._ucs.append(uc)
        for base, dev in zip(self._bases, self._devs, strict=True):
            self._map_into(uc, base, dev)

    def _map_into(self, uc: Uc, base: int, dev: MmioDevice) -> None:
        charge = self._clock_hook
        bus = self
        raw_read, raw_write = dev.read, dev.write

        def read(offset: int, size: int) -> int:
            value = raw_read(offset, size)
            if bus.observer is not None:
                bus.observer(dev, offset, size, value, False)
            return value

        def write(offset: int, size: int, value: int) -> None:
            if bus.observer is not None:
                bus.observer(dev, offset, size, value, True)
            raw_write(offset, size, value)

        if charge is None:
            def read_cb(_uc: Uc, offset: int, size: int, _ud: Any) -> int:
                return read(offset, size)

            def write_cb(_uc: Uc, offset: int, size: int, value: int, _ud: Any) -> None:
                write(offset, size, value)
        else:
            def read_cb(_uc: Uc, offset: int, size: int, _ud: Any) -> int:
                charge("mmio_access")
                return read(offset, size)

            def write_cb(_uc: Uc, offset: int, size: int, value: int, _ud: Any) -> None:
                charge("mmio_access")
                write(offset, size, value)
        try:
            uc.mmio_map(base, dev.size, read_cb, None, write_cb, None)
        except UcError as exc:
            raise EmulatorFault(
                f"cannot map device {dev.name} at {base:#x} (size {dev.size:#x}): {exc}",
                "check the machine description for a region overlapping this device",
            ) from exc

    def mmio_map(self, base: int, device: MmioDevice) -> None:
        """Place ``device`` at physical address ``base`` on every attached CPU."""
        if base % PAGE_SIZE or device.size % PAGE_SIZE or device.size <= 0:
            raise ValueError(f"{device.name}: base {base:#x} and size {device.size:#x} must be "
                             f"non-empty multiples of {PAGE_SIZE:#x}")
        if any(d.name == device.name for d in self._devs):
            raise ValueError(f"a device named {device.name!r} is already on the bus")
        i = bisect.bisect_left(self._bases, base)
        if i > 0 and self._bases[i - 1] + self._devs[i - 1].size > base:
            raise ValueError(f"{device.name} at {base:#x} overlaps {self._devs[i - 1].name}")
        if i < len(self._bases) and base + device.size > self._bases[i]:
            raise ValueError(f"{device.name} at {base:#x} overlaps {self._devs[i].name}")
        for uc in self._ucs:
            self._map_into(uc, base, device)
        self._bases.insert(i, base)
        self._devs.insert(i, device)
        log.debug("mapped %s (%s) at %#x, size %#x", device.name, type(device).__name__, base, device.size)

    def devices(self) -> list[tuple[int, MmioDevice]]:
        """``(base, device)`` pairs in address order."""
        return list(zip(self._bases, self._devs, strict=True))

    def find(self, name: str) -> MmioDevice:
        for dev in self._devs:
            if dev.name == name:
                return dev
        known = ", ".join(d.name for d in self._devs) or "none"
        raise KeyError(f"no device named {name!r} on the bus (devices: {known})")

    def device_at(self, addr: int) -> tuple[int, MmioDevice] | None:
        """The device whose window holds physical address ``addr``, if any."""
        i = bisect.bisect_right(self._bases, addr) - 1
        if i >= 0 and addr < self._bases[i] + self._devs[i].size:
            return self._bases[i], self._devs[i]
        return None

    def read(self, addr: int, size: int) -> int:
        """Host-side load (e.g. a software page walk or a model component touching a device).
        Charged like a guest access; an address with no device reads 0, as on the guest bus."""
        if self._clock_hook is not None:
            self._clock_hook("mmio_access")
        hit = self.device_at(addr)
        return 0 if hit is None else hit[1].read(addr - hit[0], size)

    def write(self, addr: int, size: int, value: int) -> None:
        """Host-side store; see :meth:`read`."""
        if self._clock_hook is not None:
            self._clock_hook("mmio_access")
        hit = self.device_at(addr)
        if hit is not None:
            hit[1].write(addr - hit[0], size, value)

    def reset(self) -> None:
        for dev in self._devs:
            dev.reset()

    def statistics(self) -> dict[str, int]:
        """Per-device counters under dotted names (``uart0.reads``), in address order."""
        out: dict[str, int] = {}
        for dev in self._devs:
            for key, val in dev.statistics().items():
                out[f"{dev.name}.{key}"] = val
        return out
