"""Turning a trace into other tools' inputs: Perfetto timelines and Tenet instruction traces.

Both exporters stream: they walk the store in seq order and write as they go, so a trace of
millions of events never sits in memory as one list.

Perfetto (Chrome trace-event JSON) shows *when* things happened: one process per room (CPUs,
kernel, Guardian, devices) with one track per CPU, per device, and one for the kernel and the
Guardian.  Syscalls become slices from entry to return (the cycles the event records; traces of
schema 1 paired "syscall" with "syscall_return"), and each CPU track carries slices for the guest
thread running on it between context switches.  Register files are left out: they are state, not
timeline.

Tenet's text format shows *what* each instruction did, for IDA-based exploration: per line the
registers that changed since the previous line, the PC last, then the memory the previous
instruction touched (the layout of Tenet's reference tracers).  It exists only where
instructions were recorded, so a trace without them is refused with a hint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, TextIO

from emulator.errors import UsageError
from emulator.trace import EVENT_KINDS, TraceEvent
from emulator.tracing.schema import REG_NAMES
from emulator.tracing.store import TraceFile

log = logging.getLogger(__name__)

# Perfetto "processes" (one per room) and their fixed tracks.
_GROUPS: dict[str, tuple[int, str]] = {
    "cpu": (1, "CPUs"), "kernel": (2, "Kernel"), "guardian": (3, "Guardian"),
    "device": (4, "Devices"),
}
_HEX_KEYS = frozenset(("pc", "addr", "va", "pa", "table", "old", "new", "value", "esr", "far",
                       "elr", "handler"))
_SKIPPED = frozenset(("regs",))


def _hexify(data: dict[str, Any]) -> dict[str, Any]:
    """Addresses and descriptors read better in hex in Perfetto's argument panel."""
    return {k: (f"{v:#x}" if k in _HEX_KEYS and isinstance(v, int) and not isinstance(v, bool)
                else v) for k, v in data.items()}


class _PerfettoWriter:
    """Writes trace events and the metadata naming their tracks as they are first used."""

    def __init__(self, out: TextIO, clock_hz: int) -> None:
        self.out = out
        self.scale = 1e6 / clock_hz if clock_hz > 0 else 1e-3  # cycles -> microseconds
        self.count = 0
        self._named: set[tuple[int, int]] = set()
        self._groups: set[int] = set()
        self._device_tids: dict[str, int] = {}

    def ts(self, cycles: int) -> float:
        return round(cycles * self.scale, 3)

    def write(self, obj: dict[str, Any]) -> None:
        self.out.write(",\n" if self.count else "\n")
        self.out.write(json.dumps(obj, separators=(",", ":")))
        self.count += 1

    def track(self, group: str, tid: int, name: str) -> tuple[int, int]:
        pid, pname = _GROUPS[group]
        if pid not in self._groups:
            self._groups.add(pid)
            self.write({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                        "args": {"name": pname}})
            self.write({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                        "args": {"sort_index": pid}})
        if (pid, tid) not in self._named:
            self._named.add((pid, tid))
            self.write({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                        "args": {"name": name}})
        return pid, tid

    def device_track(self, device: str) -> tuple[int, int]:
        tid = self._device_tids.setdefault(device, len(self._device_tids) + 1)
        return self.track("device", tid, device)

    def instant(self, where: tuple[int, int], name: str, time: int, args: dict[str, Any]) -> None:
        self.write({"ph": "i", "s": "t", "name": name, "ts": self.ts(time), "pid": where[0],
                    "tid": where[1], "args": args})

    def slice(self, where: tuple[int, int], name: str, t0: int, t1: int,
              args: dict[str, Any]) -> None:
        self.write({"ph": "X", "name": name, "ts": self.ts(t0),
                    "dur": round(max(t1 - t0, 0) * self.scale, 3), "pid": where[0],
                    "tid": where[1], "args": args})


def _instant_name(ev: TraceEvent) -> str:
    d = ev.data
    if ev.kind == "exception":
        return str(d.get("ec", "exception"))
    if ev.kind == "mmio":
        return f"{'write' if d.get('write') else 'read'} +{d.get('offset', 0):#x}"
    if ev.kind == "guardian_decision":
        verdict = "allow" if d.get("allowed") else "deny"
        return f"{d.get('rule', 'decision')}: {verdict}"
    if ev.kind == "guardian_call":
        return str(d.get("call", "guardian_call"))
    if ev.kind == "rack_packet":
        return f"{d.get('class', 'packet')}: {d.get('packet', '')}"
    if ev.kind == "process":
        return f"{d.get('what', 'process')} {d.get('child', '')}".strip()
    return ev.kind


def export_perfetto(trace: TraceFile, out: TextIO) -> int:
    """Write Chrome/Perfetto trace-event JSON; returns the number of trace events written."""
    w = _PerfettoWriter(out, int(trace.header.get("clock_hz") or 1_000_000_000))
    header = {k: v for k, v in trace.header.items() if k not in ("reg_names", "kind_counts")}
    out.write('{"displayTimeUnit":"ns","otherData":')
    out.write(json.dumps(header, separators=(",", ":"), default=str))
    out.write(',"traceEvents":[')
    kernel = w.track("kernel", 1, "kernel")
    open_syscalls: dict[int, TraceEvent] = {}
    running: dict[int, tuple[int, int, int]] = {}       # cpu -> (since, pid, tid)
    last_time = trace.time_range()[1]
    for ev in trace.iter_events(with_regs=False):
        if ev.kind in _SKIPPED:
            continue
        args = {"seq": ev.seq, "guest_pid": ev.pid, "guest_tid": ev.tid,
                **_hexify({"pc": ev.pc, "addr": ev.addr} if ev.addr else {"pc": ev.pc}),
                **_hexify(ev.data)}
        cpu_track = w.track("cpu", ev.cpu + 1, f"cpu{ev.cpu}")
        if ev.kind == "syscall":
            cycles = ev.data.get("cycles")
            if cycles is None:          # schema 1: the return is an event of its own
                open_syscalls[ev.tid] = ev
            else:
                w.slice(kernel, str(ev.data.get("name", "syscall")), ev.time, ev.time + cycles,
                        args)
            continue
        if ev.kind == "syscall_return":
            start = open_syscalls.pop(ev.tid, None)
            if start is not None:
                merged = {**args, **_hexify(start.data), "entry_seq": start.seq}
                if "result" in ev.data:
                    merged["result"] = ev.data["result"]
                w.slice(kernel, str(start.data.get("name", "syscall")), start.time, ev.time,
                        merged)
                continue
        if ev.kind == "context_switch":
            prev = running.pop(ev.cpu, None)
            if prev is not None:
                w.slice(cpu_track, f"pid {prev[1]} tid {prev[2]}", prev[0], ev.time, {})
            running[ev.cpu] = (ev.time, ev.pid, int(ev.data.get("to_tid", ev.tid)))
        group = EVENT_KINDS.get(ev.kind, ("kernel", ""))[0]
        if group == "cpu":
            where = cpu_track
        elif group == "device":
            where = w.device_track(str(ev.data.get("device", ev.kind)))
        elif group == "guardian":
            where = w.track("guardian", 1, "guardian")
        else:
            where = kernel
        w.instant(where, _instant_name(ev), ev.time, args)
    for ev in open_syscalls.values():       # never returned (exit, exit_group, end of trace)
        w.slice(kernel, str(ev.data.get("name", "syscall")), ev.time, last_time,
                {"seq": ev.seq, "guest_pid": ev.pid, "guest_tid": ev.tid, "unfinished": True,
                 **_hexify(ev.data)})
    for cpu, (since, pid, tid) in sorted(running.items()):
        w.slice(w.track("cpu", cpu + 1, f"cpu{cpu}"), f"pid {pid} tid {tid}", since, last_time,
                {})
    out.write("\n]}\n")
    return w.count


# --- Tenet -------------------------------------------------------------------------------
_TENET_REGS: tuple[int, ...] = tuple(range(REG_NAMES.index("sp") + 1))   # x0-x30, sp
_PC = REG_NAMES.index("pc")


def require_instructions(trace: TraceFile) -> None:
    """Refuse, with the way out, a trace that holds no instruction events."""
    if not trace.kinds().get("insn"):
        level = trace.header.get("level", "events")
        raise UsageError(f"{trace.path}: recorded at level {level!r}, which has no instruction "
                         "events; Tenet export needs them",
                         "record with `run --trace FILE --trace-level insns` (or mem)")


def tenet_lines(trace: TraceFile, tid: int | None = None) -> Iterator[str]:
    """Tenet lines for one thread (default: the one that executed most instructions)."""
    require_instructions(trace)
    if tid is None:
        tid = next(iter(trace.threads("insn")))
    elif tid not in trace.threads("insn"):
        raise UsageError(f"{trace.path}: thread {tid} executed no recorded instructions",
                         f"pick one of {', '.join(map(str, trace.threads('insn')))}")
    prev: list[int] | None = None
    pending: list[str] = []
    for ev in trace.iter_events(kind=("insn", "mem"), tid=tid):
        if ev.kind == "mem":
            d = ev.data
            size = int(d.get("size", 0))
            if prev is not None and not d.get("physical") and 0 < size <= 8:
                raw = int(d.get("value", 0)).to_bytes(8, "little")[:size]
                pending.append(f"{'mw' if d.get('write') else 'mr'}={ev.addr:#x}:{raw.hex()}")
            continue
        regs = ev.data.get("regs")
        if regs is None:
            continue
        parts = [f"{REG_NAMES[i]}={regs[i]:#x}" for i in _TENET_REGS
                 if prev is None or regs[i] != prev[i]]
        parts.append(f"pc={ev.pc:#x}")
        parts += pending
        pending = []
        prev = list(regs)
        yield ",".join(parts)


def export_tenet(trace: TraceFile, out: TextIO, tid: int | None = None) -> int:
    """Write a Tenet text trace; returns the number of lines (instructions) written."""
    n = 0
    for line in tenet_lines(trace, tid):
        out.write(line)
        out.write("\n")
        n += 1
    return n
