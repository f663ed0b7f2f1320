"""The guest's PULSE interface: pulse_submit() as a system call that offloads a traversal.

PULSE_SUBMIT takes (iterator, start, scratchpad) in x0..x2, the iterator being workloads/src
pulse.h's `struct pulse_iter` {name, next, node_bytes}.  The kernel finds `next` in the
program's ELF (its symbol table), runs the offload compiler and the estimate once per iterator,
and on a rack sends the traversal from the thread's compute blade through the switch to the
SmartNIC of the memory blade that holds `start`; continuations move between memory blades in
the switch, the result comes back to the blade, and the scratchpad is written back to the
guest.  The whole round trip runs on the rack's event loop and is charged to the thread.
Before the first packet the blades' dirty copies of the process's pages are written back (a
page whose bytes differ from its memory blade's), since the device reads memory, not caches.

The call returns the number of iterations the device ran.  -EOPNOTSUPP means "run it on the
CPU": no rack, a verifier refusal, an estimate that does not pay, or a device-side stop; the
reason is counted in the statistics (`pulse.cpu_reason.*`) and noted once per iterator.  The
library then runs the same `next` locally and reports its iterations with PULSE_LOCAL_DONE, so
the statistics split iterations into offloaded and CPU ones.
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernel_model.elf_loader import STATIC_PIE_BASE
from kernel_model.errors import KernelError
from kernel_model.process import Thread
from kernel_model.syscalls import SYSCALLS

if TYPE_CHECKING:
    from emulator.rack.pulse.offload import Decision, Offloader
    from kernel_model.blade import RackRuntime
    from kernel_model.kernel import Kernel

PULSE_SUBMIT, PULSE_LOCAL_DONE = 0x4710, 0x4711
ITER_BYTES = 24                       # struct pulse_iter: name, next, node_bytes (+ padding)


@dataclass
class IterInfo:
    """What the kernel decided for one iterator of one program."""

    symbol: str
    decision: Decision | None         # None: it runs on the CPU, `reason` says why
    reason: str
    kind: str                         # the reason's class: offloaded, no_rack, a refusal ...
    noted: bool = False
    device_noted: bool = False


class GuestPulse:
    """The kernel's PULSE state: iterators seen, the rack's offloader when there is one."""

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self.rt: RackRuntime | None = getattr(k, "rack_rt", None)
        self._offloader: Offloader | None = None
        self.iters: dict[tuple[str, int, int], IterInfo] = {}

    def offloader(self) -> Offloader:
        if self._offloader is None:
            from emulator.rack.pulse.offload import Offloader
            assert self.rt is not None
            self._offloader = Offloader(self.rt.rack)
        return self._offloader

    # --- deciding ------------------------------------------------------------------------------
    def _elf(self, t: Thread) -> Path:
        res = self.k.rootfs.resolve("/", os.fsencode(t.process.exe))
        return Path(res.host)

    def info(self, t: Thread, next_fn: int, node_bytes: int) -> IterInfo:
        try:
            elf = self._elf(t)
        except (KernelError, OSError) as exc:
            return IterInfo("?", None, f"the program's ELF cannot be read: {exc}", "no_elf")
        key = (str(elf), next_fn, node_bytes)
        found = self.iters.get(key)
        if found is None:
            found = self.iters[key] = self._decide(elf, next_fn, node_bytes)
        return found

    def _decide(self, elf: Path, next_fn: int, node_bytes: int) -> IterInfo:
        # The compiler (capstone) loads on the first submit, not with every kernel.
        from elftools.elf.elffile import ELFFile

        from emulator.rack.pulse.compiler import Refusal, compile_next, symbol_at
        try:
            with open(elf, "rb") as fh:
                dynamic = ELFFile(fh)["e_type"] == "ET_DYN"
            symbol = symbol_at(elf, next_fn - (STATIC_PIE_BASE if dynamic else 0))
        except (LookupError, OSError, ValueError) as exc:
            return IterInfo("?", None, f"next at {next_fn:#x}: {exc}", "no_symbol")
        if self.rt is None:
            return IterInfo(symbol, None, "the machine has no rack (no memory blades)",
                            "no_rack")
        off = self.offloader()
        try:
            compile_next(elf, symbol, node_bytes)
        except Refusal as refusal:                 # counted once here, reason kept per call
            off.counters[f"refused.{refusal.kind}"] += 1
            return IterInfo(symbol, None, str(refusal), refusal.kind)
        decision = off.install(elf, symbol, node_bytes)
        if decision.estimate is not None:
            for name, value in decision.estimate.as_stats(f"pulse.estimate.{symbol}").items():
                self.k.stats.set(name, value)
        if not decision.offload:
            return IterInfo(symbol, None, decision.reason, "does_not_pay")
        return IterInfo(symbol, decision, decision.reason, "offloaded")

    # --- running -------------------------------------------------------------------------------
    def submit(self, t: Thread, iter_va: int, start: int, scratch_va: int) -> int:
        # The rack's modules load on the first submit: every kernel registers this call.
        from emulator.rack.costs import PAGE
        from emulator.rack.pulse.isa import SCRATCH_BYTES
        k = self.k
        raw = k.uaccess.read(iter_va, ITER_BYTES)
        _name, next_fn, node_bytes = struct.unpack_from("<QQI", raw)
        scratch = k.uaccess.read(scratch_va, SCRATCH_BYTES)
        if not 0 < node_bytes <= PAGE:
            return -errno.EINVAL
        k.stats.inc("pulse.submits")
        if start == 0:
            return 0
        info = self.info(t, next_fn, node_bytes)
        if info.decision is None:
            return self._to_cpu(info, info.kind, info.reason)
        assert self.rt is not None
        rt = self.rt
        off = self.offloader()
        mm = t.process.mm
        begin = rt._sync()
        self._write_back(mm.rack_pid)
        blade = rt.rack.agents[rt.blade_of(t)].name
        result = off.result(off.submit(info.decision, mm.rack_pid, start, scratch, blade))
        rt._charge(begin, rt.rack.loop.now)
        k.stats.inc("pulse.time_ns", rt.rack.loop.now - begin)
        if result.status != "ok":
            return self._to_cpu(info, "device", f"the device stopped: {result.status}")
        k.uaccess.write(scratch_va, result.scratch)
        k.stats.inc("pulse.submits_offloaded")
        k.stats.inc("pulse.iterations_offloaded", result.iterations)
        k.stats.inc("pulse.continuations", result.hops)
        k.stats.inc("pulse.packets", 2 + result.hops)    # request, continuations, result
        for name, value in off.statistics().items():
            k.stats.set(name, value)
        return result.iterations

    def _to_cpu(self, info: IterInfo, kind: str, reason: str) -> int:
        k = self.k
        k.stats.inc("pulse.submits_cpu")
        k.stats.inc(f"pulse.cpu_reason.{kind}")
        if kind == "device":                  # this traversal only; the iterator stays
            if not info.device_noted:
                info.device_noted = True
                k.options.notes.append(f"pulse: a traversal of {info.symbol} ran on the CPU: "
                                       f"{reason}")
        elif not info.noted:
            info.noted = True
            k.options.notes.append(f"pulse: {info.symbol} runs on the CPU: {reason}")
        return -errno.EOPNOTSUPP

    def _write_back(self, pid: int) -> None:
        """Write the compute blades' dirty copies of the process's pages to their memory
        blades (pages whose bytes differ), and wait until they are there."""
        from emulator.rack.packets import Kind, Packet
        assert self.rt is not None
        rack = self.rt.rack
        blades = {mb.name: mb for mb in rack.memory_blades}
        sent = 0
        for agent in rack.agents:
            for fva, page in agent.pages.items():
                if fva >> 48 != pid or not page.writable:
                    continue
                data = agent.store.read(fva)
                owner, addr = rack.switch.translate(fva)
                if blades[owner].read_page(addr) == data:
                    continue
                agent.network.send(Packet(Kind.PUSH_OTHER, agent.name, "switch", fva,
                                          requester=agent.name, data=data,
                                          size=rack.costs.page_wire_bytes), agent.name, "switch")
                sent += 1
        if sent:
            rack.loop.run()
            self.k.stats.inc("pulse.pages_written_back", sent)

    def local_done(self, iterations: int) -> int:
        self.k.stats.inc("pulse.iterations_cpu", iterations)
        return 0


def _state(k: Kernel) -> GuestPulse:
    state = getattr(k, "guest_pulse", None)
    if state is None:
        state = k.guest_pulse = GuestPulse(k)      # type: ignore[attr-defined]
    return state


def _submit(k: Kernel, t: Thread, a: Any) -> int:
    if getattr(t.process.mm, "confidential", False):
        k.stats.inc("pulse.cpu_reason.confidential")   # its memory never leaves the domain
        return -errno.EOPNOTSUPP
    try:
        return _state(k).submit(t, a[0], a[1], a[2])
    except KernelError as exc:
        return -exc.errno


def _local_done(k: Kernel, t: Thread, a: Any) -> int:
    return _state(k).local_done(a[1])


SYSCALLS.setdefault(PULSE_SUBMIT, _submit)
SYSCALLS.setdefault(PULSE_LOCAL_DONE, _local_done)
