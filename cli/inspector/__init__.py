"""`blindfold trace inspect`: step through a recorded trace in the terminal.

The package splits like Tenet's plugin: :mod:`~cli.inspector.model` is the cursor and the queries,
:mod:`~cli.inspector.disasm` finds and decodes code bytes, and :mod:`~cli.inspector.views` with
:mod:`~cli.inspector.app` are the Textual user interface. Everything but the last two imports
without Textual, so `blindfold trace query --json` and scripts share the model and the small
vocabulary defined here: how an event is summarised and serialised, how numbers are typed, and
the plain-data answers (register, memory and query views) that both frontends print.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.errors import UsageError
from emulator.trace import TraceEvent

__all__ = [
    "MemoryBytes",
    "MemoryView",
    "QueryError",
    "QueryResult",
    "RegisterView",
    "event_to_dict",
    "inspect_trace",
    "parse_int",
    "summarize",
]


class QueryError(UsageError):
    """A navigation or query request the trace cannot answer as asked (bad number, no match)."""


def parse_int(text: str) -> int:
    """An integer as people type it in a debugger: decimal, 0x hex, 0b binary, `_` separators."""
    cleaned = text.strip().replace("_", "")
    try:
        return int(cleaned, 0)
    except ValueError:
        raise QueryError(f"not a number: {text.strip()!r}", "use decimal or 0x-prefixed hex") from None


def _jsonable(value: Any) -> Any:
    """Event payloads hold tuples and bytes; JSON wants lists and strings."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def event_to_dict(ev: TraceEvent) -> dict[str, Any]:
    """One event as the JSON object `trace query --json` prints; field names match TraceEvent."""
    return {"seq": ev.seq, "time": ev.time, "kind": ev.kind, "cpu": ev.cpu, "pid": ev.pid,
            "tid": ev.tid, "pc": ev.pc, "addr": ev.addr, "data": _jsonable(ev.data)}


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return hex(value) if value > 9 or value < 0 else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _result(value: Any) -> str:
    """A syscall's result as strace shows it: an error as its errno name."""
    if isinstance(value, int) and -4096 < value < 0 and -value in errno.errorcode:
        return f"-{errno.errorcode[-value]}"
    return _fmt(value)


def summarize(ev: TraceEvent) -> str:
    """A one-line description of an event for lists; the kinds people scan for read naturally."""
    d = ev.data
    if ev.kind == "syscall":
        args = d.get("args") or ()
        call = f"{d.get('name', d.get('nr', '?'))}({', '.join(_fmt(a) for a in args)})"
        if "blocked" in d:
            return f"{call} blocks: {d['blocked']}"
        return f"{call} = {_result(d['result'])}" if "result" in d else call
    if ev.kind == "syscall_return":     # traces of schema 1
        res = "blocked" if d.get("blocked") else _fmt(d.get("result", "?"))
        return f"{d.get('name', d.get('nr', '?'))} -> {res}"
    if ev.kind == "guardian_decision":
        verdict = "allow" if d.get("allowed") else "DENY"
        return f"{verdict} {d.get('rule', '?')}: {d.get('reason', '')}"
    if ev.kind == "regs":               # traces of schema 1
        return f"register file at pc={ev.pc:#x}"
    if ev.kind == "mark":
        return str(d.get("text", ""))
    parts = [f"{k}={_fmt(v)}" for k, v in d.items() if k != "regs"]
    if ev.addr and "addr" not in d:
        parts.insert(0, f"addr={ev.addr:#x}")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class RegisterView:
    """The register file at an event; ``values`` is None where the trace holds none yet."""

    seq: int
    values: dict[str, int] | None
    changed: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "registers": self.values, "changed": sorted(self.changed)}


MemoryBytes = tuple[int | None, ...]
"""One entry per byte; None where the trace recorded no store to that byte up to that point."""


def _hex(data: MemoryBytes | None) -> str | None:
    return None if data is None else "".join("??" if b is None else f"{b:02x}" for b in data)


@dataclass(frozen=True, slots=True)
class MemoryView:
    """Bytes at an address at the cursor, and optionally at a second point to diff against.

    Memory is only known where the recording saw guest stores (the "mem" level), so bytes are
    kept individually known-or-unknown rather than making one unknown byte blank the view.
    """

    seq: int
    addr: int
    size: int
    data: MemoryBytes | None
    other_seq: int | None = None
    other_data: MemoryBytes | None = None

    def changed_offsets(self) -> set[int]:
        """Offsets whose byte differs from the other point (a first store counts as a change)."""
        if self.data is None or self.other_data is None:
            return set()
        return {i for i, (a, b) in enumerate(zip(self.data, self.other_data, strict=False))
                if a != b}

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "addr": self.addr, "size": self.size, "data": _hex(self.data),
                "against": self.other_seq, "against_data": _hex(self.other_data),
                "changed_offsets": sorted(self.changed_offsets())}


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The answer to a "why" question: the event that answers it, or None and the reason."""

    question: str
    event: TraceEvent | None
    answer: str

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer,
                "event": None if self.event is None else event_to_dict(self.event)}


def inspect_trace(path: Path) -> None:
    """Open ``path`` and run the interactive inspector until the user quits.

    Raises:
        TraceFileError: the file is missing, truncated, foreign or from a newer schema; the CLI
            prints it as one line.
        UsageError: Textual is not installed.
    """
    from emulator.tracing.store import TraceFile

    trace = TraceFile.open(path)
    try:
        try:
            from cli.inspector.app import InspectorApp
        except ImportError as exc:
            if not (exc.name or "").startswith("textual"):
                raise
            raise UsageError("the trace inspector needs Textual, which is not installed",
                             "pip install 'textual>=0.80', or use `blindfold trace query`") from exc
        InspectorApp(trace, path=Path(path)).run()
    finally:
        trace.close()
