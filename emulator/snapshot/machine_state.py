"""The machine's part of a snapshot: RAM pages, core registers, clock, counters, and
the model's object graph pickled around the hardware.

Hardware objects (RAM, cores, EL1 faces, the clock, the bus, the tracer, host
streams) are never serialized: the pickler writes a name for each (a persistent
id) and loading binds the name to the corresponding object of a freshly built
machine.  The model's objects (kernel, Guardian, vector tables) are pickled by
cloudpickle, which also carries the small closures the kernel keeps (a pipe's
wake-up callback); the file format's version check pins its version.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import cloudpickle

from emulator import sysregs as S
from emulator.fastuc import UserContext

PAGE = 4096
_PAGE_HEADER = struct.Struct("<I")

# EL1 system registers a snapshot restores (at a slice boundary nothing else is live).
SAVED_SYSREGS: dict[str, S.SysReg] = {
    "SCTLR_EL1": S.SCTLR_EL1, "TCR_EL1": S.TCR_EL1, "TTBR0_EL1": S.TTBR0_EL1,
    "TTBR1_EL1": S.TTBR1_EL1, "MAIR_EL1": S.MAIR_EL1, "VBAR_EL1": S.VBAR_EL1,
    "CPACR_EL1": S.CPACR_EL1,
}


class Unrestorable(Exception):  # noqa: N818 - says what the snapshot cannot hold
    """The model holds something a snapshot cannot carry (an open host resource)."""


# --- RAM ------------------------------------------------------------------------------
def ram_pages(view: memoryview) -> bytes:
    """Every page that is not all zeros, as (page index, 4 KiB) records."""
    out = io.BytesIO()
    zero = bytes(PAGE)
    for i in range(len(view) // PAGE):
        page = view[i * PAGE:(i + 1) * PAGE]
        if page != zero:
            out.write(_PAGE_HEADER.pack(i))
            out.write(page)
    return out.getvalue()


def load_ram_pages(view: memoryview, data: bytes) -> int:
    view[:] = bytes(len(view))
    pos = 0
    n = 0
    step = _PAGE_HEADER.size
    while pos < len(data):
        (i,) = _PAGE_HEADER.unpack_from(data, pos)
        pos += step
        if (i + 1) * PAGE > len(view):
            raise ValueError("a RAM page lies outside this machine's RAM")
        view[i * PAGE:(i + 1) * PAGE] = data[pos:pos + PAGE]
        pos += PAGE
        n += 1
    return n


# --- the core -----------------------------------------------------------------------------
def core_state(cpu: Any) -> dict[str, Any]:
    return {"el": cpu.el, "exceptions_taken": cpu.exceptions_taken,
            "sysregs": {name: cpu.read_sysreg(reg) for name, reg in SAVED_SYSREGS.items()},
            "user": cpu.save_context(UserContext()).data[:]}


def restore_core(cpu: Any, state: Mapping[str, Any]) -> None:
    for name, value in state["sysregs"].items():
        cpu.write_sysreg(SAVED_SYSREGS[name], value)
    ctx = UserContext()
    for i, v in enumerate(state["user"]):
        ctx.data[i] = v
    cpu.restore_context(ctx)
    if state["el"] == 0:
        cpu.enter_el0()
    cpu.exceptions_taken = state["exceptions_taken"]
    cpu.flush_tlb()
    cpu.uc.ctl_flush_tb()


# --- the object graph ----------------------------------------------------------------------
class _Pickler(cloudpickle.Pickler):
    def __init__(self, file: io.BytesIO, hardware: Mapping[str, object],
                 refuse: Mapping[type, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(obj): name for name, obj in hardware.items()}
        self._keep = list(hardware.values())
        self._refuse = refuse

    def persistent_id(self, obj: object) -> str | None:  # noqa: D102
        name = self._names.get(id(obj))
        if name is not None:
            return name
        why = self._refuse.get(type(obj))
        if why is not None:
            raise Unrestorable(why)
        return None

    def reducer_override(self, obj: object) -> Any:  # noqa: D102
        if isinstance(obj, UserContext):
            return _load_context, (bytes(obj.data),)
        if isinstance(obj, MappingProxyType):       # frozen tables (costs in a machine)
            return MappingProxyType, (dict(obj),)
        return super().reducer_override(obj)


def _load_context(data: bytes) -> UserContext:
    ctx = UserContext()
    ctx.data[:] = list(struct.unpack(f"<{len(data) // 8}Q", data))
    return ctx


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, hardware: Mapping[str, object]) -> None:
        super().__init__(file)
        self._hardware = hardware

    def persistent_load(self, pid: Any) -> object:  # noqa: D102
        try:
            return self._hardware[pid]
        except KeyError:
            raise pickle.UnpicklingError(f"the snapshot names hardware {pid!r} this machine "
                                         "does not have") from None


def dump_graph(state: object, hardware: Mapping[str, object],
               refuse: Mapping[type, str] | None = None) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, hardware, refuse or {}).dump(state)
    return buf.getvalue()


def load_graph(data: bytes, hardware: Mapping[str, object]) -> Any:
    return _Unpickler(io.BytesIO(data), hardware).load()


def machine_hardware(machine: Any) -> dict[str, object]:
    """The hardware objects of a machine, by the names a snapshot uses for them."""
    hw: dict[str, object] = {"machine": machine, "ram": machine.ram, "clock": machine.clock,
                             "stats": machine.stats, "tracer": machine.tracer,
                             "walker": machine.walker, "bus": machine.bus,
                             "vectors": machine.vectors}
    for i, cpu in enumerate(machine.cpus):
        hw[f"cpu{i}"] = cpu
        hw[f"el1.{i}"] = machine.el1(i)
    for name, dev in machine.devices.items():
        hw[f"device.{name}"] = dev
    return hw
