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
    "exception": ("cpu", "architectural entry: esr, ec (name), vector (owner), cycles handled, "
                  "regs at entry; addr is FAR"),
    "syscall": ("kernel", "an SVC the kernel handled: nr, name, args (x0-x5), result (or "
                "blocked=reason), esr, vector, cycles, regs at entry"),
    "page_fault": ("kernel", "fault handled: va, write, exec, result"),
    "pte_write": ("kernel", "translation-table write: table (PA), index, old, new, va"),
    "ttbr_switch": ("kernel", "TTBR/TCR/VBAR write: reg, value"),
    "tlb_flush": ("kernel", "TLB maintenance: scope (all|va), va"),
    "context_switch": ("kernel", "scheduler picks a thread: from_tid, to_tid"),
    "signal": ("kernel", "signal sent or delivered: signo, action, handler"),
    "process": ("kernel", "lifecycle: what (spawn|clone|exec|exit|stop|continue), child, status, path"),
    "mmio": ("device", "device register access: device, offset, size, value, write"),
    "doorbell": ("device", "guest doorbell mark: value"),
    "regs": ("cpu", "register file: regs (x0-x30, sp, pc, nzcv, tpidr); traces of schema 1"),
    "syscall_return": ("kernel", "syscall exit: nr, name, result; traces of schema 1"),
    "block": ("cpu", "basic block executed: pc, size"),
    "insn": ("cpu", "instruction executed: pc, size"),
    "mem": ("cpu", "memory access by guest code: addr, size, value, write"),
    "guardian_call": ("guardian", "monitor call: call, args, result"),
    "guardian_decision": ("guardian", "monitor decision: rule, allowed, reason"),
    "capability": ("guardian", "capability check: va, size, write, allowed, cap"),
    "dma": ("device", "device DMA: device, addr, size, write, allowed"),
    "mark": ("kernel", "free-form annotation: text"),
    "rack_packet": ("device", "a packet on the rack's network: device (the sending node: cbN, "
                    "mbN or switch), class, packet (its kind), to, fva, bytes, at_ns (network time)"),
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


OpenEvent = list
"""An event whose place (seq) and time are fixed when it starts and whose fields the code that
handles it completes (an exception entry becomes a syscall with its result, say); events emitted
meanwhile follow it in seq order.  A list of TraceEvent's fields, so that starting one costs no
more than building a list: index it with EV_KIND and EV_DATA."""

EV_TIME, EV_KIND, EV_DATA = 1, 2, 8


# Building the tuple through tuple.__new__ skips the NamedTuple's Python-level constructor:
# this runs for every event recorded.
_new_tuple = tuple.__new__


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
        self.open_events: list[OpenEvent] = []     # innermost last

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
        ev = _new_tuple(TraceEvent, (self.seq, self._clock.cycles, kind, self.cpu, self.pid,
                                     self.tid, pc, addr, data))
        for sink in self._sinks:
            sink.record(ev)

    def open(self, kind: str, pc: int, addr: int, data: dict[str, Any]) -> OpenEvent:
        """Start an event that `finish` records: it takes its seq and time now."""
        self.seq = seq = self.seq + 1
        ev = [seq, self._clock.cycles, kind, self.cpu, self.pid, self.tid, pc, addr, data]
        self.open_events.append(ev)
        return ev

    def finish(self, ev: OpenEvent) -> None:
        """Record `ev` with the cycles it spanned; it keeps the seq `open` gave it."""
        self.open_events.remove(ev)     # the innermost, as handlers nest
        ev[EV_DATA]["cycles"] = self._clock.cycles - ev[EV_TIME]
        out = _new_tuple(TraceEvent, ev)
        for sink in self._sinks:
            sink.record(out)

    def close(self) -> None:
        while self.open_events:     # a run stopped inside a handler: keep what was started
            self.finish(self.open_events[-1])
        for sink in self._sinks:
            sink.close()
        self._sinks.clear()
        self.enabled = False
