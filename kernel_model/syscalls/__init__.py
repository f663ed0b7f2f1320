"""The syscall table: number -> handler, filled by the modules of this package.

A handler is `handler(kernel, thread, args) -> int | None` where `args[0..5]`
are x0-x5 (and args[9] the PC after the SVC).  It returns the value for x0
(negative errno on failure), raises KernelError, or raises Block to sleep;
None leaves x0 untouched (rt_sigreturn, execve).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernel_model.syscalls.numbers import NUMBERS, SYSCALL_NAMES

Handler = Callable[[Any, Any, Any], "int | None"]
SYSCALLS: dict[int, Handler] = {}


def syscall(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under the syscall's name (its number comes from the table)."""
    nr = NUMBERS[name]

    def register(fn: Handler) -> Handler:
        if nr in SYSCALLS:
            raise RuntimeError(f"syscall {name} registered twice")
        SYSCALLS[nr] = fn
        return fn

    return register


def syscall_name(nr: int) -> str:
    return SYSCALL_NAMES.get(nr, f"syscall_{nr}")


def s32(value: int) -> int:
    """An int argument (fd, pid, flags) as the signed 32-bit value the guest passed."""
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def s64(value: int) -> int:
    return value - (1 << 64) if value & (1 << 63) else value


# Importing the modules registers their handlers.
# GCS lock calls: handled on a rack, -ENOSYS (without a warning) elsewhere.
import kernel_model.gcs_calls  # noqa: E402,F401
import kernel_model.pulse_calls  # noqa: E402,F401  (PULSE offload calls)
from kernel_model.syscalls import (  # noqa: E402,F401
    events,
    fdtable,
    fileio,
    fs,
    futex,
    mem,
    misc,
    net,
    netio,
    proc,
    select,
    signal,
    timers,
)
