"""The handles a scenario holds: the kernel's powers, behind facades that show nothing else.

A scenario's steps get an `Adversary`.  Its `el1` is a `KernelFace` and its
`kernel` a `KernelHandle`: each forwards a fixed list of operations that an
EL1 kernel really has (loads and stores through its own translation regime,
MSR/MRS, HVC, TLB and cache maintenance, the interrupted user registers; its
own processes, allocator, page-table writer, signal queue and timer) and
keeps the objects behind them in private slots.  Nothing public on either
leads to physical memory, the CPU or Unicorn, the monitor object or the
vector registry: `tests/test_attack_powers.py` walks every public attribute
(and every bound method's `__self__`) from an adversary to prove it, and
rejects scenario code that names a private attribute or a reflective helper.

Methods are forwarded as plain functions rather than bound methods, so that
`handle.method.__self__` is never the object behind the facade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.el1 import El1


def _forward(target: object, name: str) -> Callable[..., Any]:
    """A plain function calling `target.name` looked up at each call, so that whatever
    the object does to its own methods (the EL1 face shuts them while the core is the
    user's) binds the caller of the facade too."""
    if not callable(getattr(target, name)):
        raise TypeError(f"{name} is not an operation")

    def call(*args: Any, **kw: Any) -> Any:
        return getattr(target, name)(*args, **kw)
    call.__name__ = name
    call.__doc__ = getattr(getattr(type(target), name, None), "__doc__", None)
    return call


class KernelFace:
    """The kernel's EL1 face of the CPU, minus what only the hardware's wiring holds.

    Left out on purpose: the monitor's HVC and trap handlers (they are the
    Guardian), `register_vectors` (installing Python vector code is not a
    power EL1 code has: the kernel writes VBAR_EL1, which the Guardian
    checks), running EL0 and taking interrupts (the run loop's, not an
    attacker's step), and every private attribute.
    """

    OPS = ("read", "write", "read_u64", "write_u64", "read_u32", "write_u32", "fill",
           "copy_page", "translate", "msr", "mrs", "hvc", "hvc_data", "tlbi_all", "tlbi_va",
           "reg", "set_reg", "syscall_args", "gprs", "new_context", "save_context",
           "restore_context", "invalidate_code", "invalidate_all_code", "hwcaps")
    __slots__ = ("_ops",)

    def __init__(self, el1: El1) -> None:
        object.__setattr__(self, "_ops", {n: _forward(el1, n) for n in self.OPS})

    def __getattr__(self, name: str) -> Callable[..., Any]:
        ops = object.__getattribute__(self, "_ops")
        if name in ops:
            return ops[name]
        raise AttributeError(f"the kernel's EL1 face has no {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("the EL1 face cannot be rewired")

    def __dir__(self) -> list[str]:
        return sorted(self.OPS)


class Narrow:
    """A kernel service object reduced to the named operations (its back-references to
    the kernel and its EL1 face stay behind)."""

    __slots__ = ("_ops", "_what")

    def __init__(self, target: object, what: str, ops: tuple[str, ...]) -> None:
        object.__setattr__(self, "_ops", {n: _forward(target, n) for n in ops})
        object.__setattr__(self, "_what", what)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        ops = object.__getattribute__(self, "_ops")
        if name in ops:
            return ops[name]
        raise AttributeError(f"{object.__getattribute__(self, '_what')} has no {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a kernel service cannot be rewired")

    def __dir__(self) -> list[str]:
        return sorted(object.__getattribute__(self, "_ops"))


#: Kernel services whose objects hold the kernel or its raw EL1 face: the operations
#: a scenario may call on each.
NARROWED = {
    "mmctx": ("copy_frame", "zero_frame", "map_page", "unmap_page"),
    "signals": ("send_process", "send_thread"),
}


class KernelHandle:
    """The kernel's own state and services, as a compromised kernel holds them.

    Data attributes are the kernel's (its processes, threads, allocator,
    page-table writer, signal queue, scheduler, boot information); methods
    are forwarded as plain functions.  `el1` is the `KernelFace`.  The
    harness's seams and referee, which live on the hooked kernel, are not
    reachable.
    """

    DATA = ("frames", "writer", "mmctx", "processes", "threads", "init", "current", "signals",
            "uaccess", "sched", "boot_info", "idle_ttbr0", "kernel_ttbr1", "seed", "hwcap",
            "hwcap2", "insns", "clock")
    METHODS = ("alloc_id", "alloc_asid", "random_bytes", "now_ns", "switch_mm", "arm_itimer",
               "wake")
    __slots__ = ("_kernel", "_face", "_extra")

    def __init__(self, kernel: object, face: KernelFace,
                 extra: dict[str, Callable[..., Any]] | None = None) -> None:
        object.__setattr__(self, "_kernel", kernel)
        object.__setattr__(self, "_face", face)
        object.__setattr__(self, "_extra", dict(extra or {}))

    def __getattr__(self, name: str) -> Any:
        kernel = object.__getattribute__(self, "_kernel")
        if name == "el1":
            return object.__getattribute__(self, "_face")
        if name in NARROWED:
            target = getattr(kernel, name)
            ops = tuple(n for n in NARROWED[name] if hasattr(target, n))
            return Narrow(target, f"the kernel's {name}", ops)
        if name in self.DATA:
            return getattr(kernel, name)
        extra = object.__getattribute__(self, "_extra")
        if name in extra:
            return extra[name]
        if name in self.METHODS and hasattr(kernel, name):
            return _forward(kernel, name)
        raise AttributeError(f"the kernel handle has no {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("set kernel state through its own objects (e.g. a thread)")

    def __dir__(self) -> list[str]:
        return sorted({"el1", *self.DATA, *self.METHODS,
                       *object.__getattribute__(self, "_extra")})
