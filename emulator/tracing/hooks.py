"""Unicorn hooks behind the expensive trace levels (blocks, insns, mem).

The default level ("events") installs nothing here: guest code then runs with no Python callback
per block or instruction, which is what keeps an untraced or lightly traced run at full speed.
The richer levels register raw ctypes callbacks (as emulator.fastuc does for interrupts) because
Unicorn's convenience wrappers add several microseconds to every call, and these fire per block,
per instruction or per access.

Levels are cumulative from "insns" upwards: "insns" records every instruction with the register
file (the writer turns it into deltas), "mem" adds every guest load and store.  An instruction
stream subsumes the block stream, so "block" events are recorded only at the "blocks" level.

Unicorn reports memory accesses by *physical* address (its hooks run after the TLB lookup), while
a reader thinks in the program's virtual addresses.  `PageReverseMap` rebuilds the way back from
the kernel's own "pte_write" events (leaf descriptors: virtual page -> frame), so a "mem" event
carries the virtual address when the frame has a known user mapping, and the physical one (with
`physical=True`) when it has none.  A frame mapped at two virtual pages resolves to the latest.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unicorn import unicorn_const as U
from unicorn.unicorn_py3.unicorn import uc_hook_h, uclib  # type: ignore[attr-defined]

from emulator import descriptors as D
from emulator.trace import LEVELS, TraceEvent, Tracer

log = logging.getLogger(__name__)

# void cb(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)
_CODE_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32,
                               ctypes.c_void_p)
# void cb(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user)
_MEM_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_int,
                              ctypes.c_int64, ctypes.c_void_p)


def level_rank(level: str) -> int:
    """Position of `level` in LEVELS, so "at least insns" is one comparison."""
    return LEVELS.index(level)


@dataclass
class InstalledHooks:
    """Hooks registered on the cores; holds the ctypes callbacks alive until removed."""

    handles: list[tuple[Any, uc_hook_h]] = field(default_factory=list)   # (uc handle, hook)
    callbacks: list[object] = field(default_factory=list)

    def remove(self) -> None:
        """Unregister every hook so a closed recorder costs the guest nothing."""
        for handle, hh in self.handles:
            err = uclib.uc_hook_del(handle, hh)
            if err != U.UC_ERR_OK:
                log.debug("uc_hook_del failed: %s", err)
        self.handles.clear()
        self.callbacks.clear()


def _add(hooks: InstalledHooks, handle: Any, kind: int, cfunc: Any) -> None:
    hh = uc_hook_h()
    err = uclib.uc_hook_add(handle, ctypes.byref(hh), kind, ctypes.cast(cfunc, ctypes.c_void_p),
                            None, 1, 0)
    if err != U.UC_ERR_OK:
        raise RuntimeError(f"uc_hook_add({kind}) failed: {err}")
    hooks.handles.append((handle, hh))
    hooks.callbacks.append(cfunc)


class PageReverseMap:
    """Frame -> virtual page, kept current from "pte_write" events (a TraceSink)."""

    def __init__(self) -> None:
        self.pages: dict[int, int] = {}

    def record(self, event: TraceEvent) -> None:
        if event.kind != "pte_write":
            return
        va_page = event.addr & ~PAGE_MASK
        old = event.data.get("old", 0)
        new = event.data.get("new", 0)
        if old & D.VALID and self.pages.get(old & D.ADDR_MASK) == va_page:
            del self.pages[old & D.ADDR_MASK]
        if new & D.VALID:
            self.pages[new & D.ADDR_MASK] = va_page

    def close(self) -> None:
        self.pages.clear()


PAGE_MASK = 0xFFF


def _block_hook(tracer: Tracer) -> Callable[[int, int, int, int], None]:
    emit = tracer.emit

    def on_block(_uc: int, address: int, size: int, _user: int) -> None:
        emit("block", pc=address, size=size)

    return on_block


def _insn_hook(tracer: Tracer, read_regs: Callable[[], Any],
               last_pc: list[int]) -> Callable[[int, int, int, int], None]:
    emit = tracer.emit

    def on_insn(_uc: int, address: int, size: int, _user: int) -> None:
        # Read before the instruction runs: the tuple holds what the previous one left behind,
        # which is the delta convention Tenet's traces use.
        last_pc[0] = address
        # The raw register block: one copy, no int objects; the writer makes deltas of it.
        emit("insn", pc=address, size=size, regs=bytes(read_regs()))

    return on_insn


def _mem_hook(tracer: Tracer, last_pc: list[int], rmap: PageReverseMap,
              write: bool) -> Callable[..., None]:
    emit = tracer.emit
    pages = rmap.pages

    def on_mem(_uc: int, _type: int, address: int, size: int, value: int, _user: int) -> None:
        if size < 8:
            value &= (1 << (8 * size)) - 1
        else:
            value &= 0xFFFF_FFFF_FFFF_FFFF
        va_page = pages.get(address & ~PAGE_MASK)
        if va_page is None:
            emit("mem", pc=last_pc[0], addr=address, size=size, value=value, write=write,
                 physical=True)
        else:
            emit("mem", pc=last_pc[0], addr=va_page | (address & PAGE_MASK), size=size,
                 value=value, write=write, pa=address)

    return on_mem


def install_hooks(cpus: list[Any], tracer: Tracer, level: str) -> InstalledHooks:
    """Register the hooks `level` needs on every core (none at "events")."""
    rank = level_rank(level)
    hooks = InstalledHooks()
    if rank == 0:
        return hooks
    rmap: PageReverseMap | None = None
    if rank >= level_rank("mem"):
        rmap = PageReverseMap()
        tracer.attach(rmap, level)
    for cpu in cpus:
        handle = cpu.fast.handle
        if rank == level_rank("blocks"):
            _add(hooks, handle, U.UC_HOOK_BLOCK, _CODE_CFUNC(_block_hook(tracer)))
            continue
        last_pc = [0]
        batch = cpu.fast.gpr_batch
        _add(hooks, handle, U.UC_HOOK_CODE, _CODE_CFUNC(_insn_hook(tracer, batch.read, last_pc)))
        if rmap is not None:
            _add(hooks, handle, U.UC_HOOK_MEM_READ_AFTER,
                 _MEM_CFUNC(_mem_hook(tracer, last_pc, rmap, write=False)))
            _add(hooks, handle, U.UC_HOOK_MEM_WRITE,
                 _MEM_CFUNC(_mem_hook(tracer, last_pc, rmap, write=True)))
    log.debug("trace level %s: %d hooks on %d cores", level, len(hooks.handles), len(cpus))
    return hooks
