"""Typed trace events and the bus that carries them to recorders.

Every room reports what it does here (the CPU its exceptions, the kernel its
syscalls and page-table writes, devices their accesses, the monitor its
decisions).  Tracing is off unless a sink is attached; emitters guard with
`if tracer.enabled:` so the untraced path costs one attribute test.  Time
stamps come from the virtual clock only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

LEVELS = ("events", "blocks", "insns", "mem")

# kind -> (track, what its fields mean).  The track groups events for exporters
# (one Perfetto track per CPU, kernel, monitor and device).
EVENT_KINDS: Mapping[str, tuple[str, str]] = {
    "exception": ("cpu", "architectural entry: esr, far, elr, ec (name), vector (owner)"),
    "syscall": ("kernel", "syscall entry: nr, name, args (x0-x5)"),
    "syscall_return": ("kernel", "syscall exit: nr, name, result (or blocked=True)"),
    "page_fault": ("kernel", "fault handled: va, write, exec, result"),
    "pte_write": ("kernel", "translation-table write: table (PA), index, old, new, va"),
    "ttbr_switch": ("kernel", "TTBR/TCR/VBAR write: reg, value"),
    "tlb_flush": ("kernel", "TLB maintenance: scope (all|va), va"),
    "context_switch": ("kernel", "scheduler picks a thread: from_tid, to_tid"),
    "signal": ("kernel", "signal sent or delivered: signo, action, handler"),
    "process": ("kernel", "lifecycle: what (spawn|clone|exec|exit), child, status, path"),
    "mmio": ("device", "device register access: device, offset, size, value, write"),
    "doorbell": ("device", "guest doorbell mark: value"),
    "regs": ("cpu", "register file at an exception: regs (x0-x30, sp, pc, nzcv, tpidr)"),
    "block": ("cpu", "basic block executed: pc, size"),
    "insn": ("cpu", "instruction executed: pc, size"),
    "mem": ("cpu", "memory access by guest code: addr, size, value, write"),
    "guardian_call": ("guardian", "monitor call: call, args, result"),
    "guardian_decision": ("guardian", "monitor decision: rule, allowed, reason"),
    "capability": ("guardian", "capability check: va, size, write, allowed, cap"),
    "dma": ("device", "device DMA: device, addr, size, write, allowed"),
    "mark": ("kernel", "free-form annotation: text"),
}


class TraceEvent(NamedTuple):
    """One record; a named tuple because millions are made on the traced path."""

    seq: int
    time: int                 # virtual cycles
    kind: str
    cpu: int
    pid: int
    tid: int
    pc: int
    addr: int
    data: dict[str, Any] = {}


class TraceSink(Protocol):
    def record(self, event: TraceEvent) -> None: ...
    def close(self) -> None: ...


class Tracer:
    """Fans events out to the attached sinks, tagged with time and context."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._sinks: list[TraceSink] = []
        self.enabled = False
        self.level = "events"
        self.seq = 0
        self.pid = 0
        self.tid = 0
        self.cpu = 0

    def attach(self, sink: TraceSink, level: str = "events") -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown trace level {level!r}; use one of {', '.join(LEVELS)}")
        self._sinks.append(sink)
        self.level = level
        self.enabled = True

    def set_context(self, pid: int, tid: int, cpu: int = 0) -> None:
        """Who runs now; events are attributed to this thread until the next switch."""
        self.pid, self.tid, self.cpu = pid, tid, cpu

    def emit(self, kind: str, *, pc: int = 0, addr: int = 0, **data: Any) -> None:
        self.seq += 1
        ev = TraceEvent(self.seq, self._clock.cycles, kind, self.cpu, self.pid, self.tid,
                        pc, addr, data)
        for sink in self._sinks:
            sink.record(ev)

    def close(self) -> None:
        for sink in self._sinks:
            sink.close()
        self._sinks.clear()
        self.enabled = False
