"""Registry of device types by the name a machine description uses (``type = "uart"``).

A registry rather than imports at the use site lets the machine loader validate ``type`` and the
per-type parameters before anything is built, and lets later device families (memory blades, the
switch, SmartNICs) join by registering themselves without the loader knowing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.devices.doorbell import Doorbell, DoorbellMark
from emulator.devices.uart import UART
from emulator.mmio import MmioDevice

if TYPE_CHECKING:
    from emulator.machine_config import DeviceConfig

__all__ = ["DEVICE_TYPES", "UART", "Doorbell", "DoorbellMark", "make_device", "register_device_type"]

DEVICE_TYPES: dict[str, type[MmioDevice]] = {
    "uart": UART,
    "doorbell": Doorbell,
}


def register_device_type(type_name: str, cls: type[MmioDevice]) -> None:
    """Make ``cls`` available to machine descriptions as ``type = "<type_name>"``."""
    existing = DEVICE_TYPES.get(type_name)
    if existing is not None and existing is not cls:
        raise ValueError(f"device type {type_name!r} is already registered to {existing.__name__}")
    DEVICE_TYPES[type_name] = cls


def make_device(cfg: DeviceConfig) -> MmioDevice:
    """Build the device a machine description asks for. The loader has already checked the type
    and parameters, so a failure here is a bug, not a user error."""
    cls = DEVICE_TYPES[cfg.type]
    return cls(cfg.name, cfg.size, **dict(cfg.params))  # type: ignore[call-arg]
