"""A cursor over a recorded trace: where we are, how to move, and what to ask there.

Both the Textual inspector and `blindfold trace query --json` drive this model, so every view on
the screen has a plain-data equivalent a script can assert on. That is why nothing here imports
Textual or renders text with styles: the model answers with events, dicts and small dataclasses,
and the views decide how they look.

The cursor is a sequence number. Navigation honours the active :class:`Filter` (kind, pid, tid,
text search), the same way the event list only shows matching events; jumps made by queries
("who wrote x3?") land wherever the answer is, filter or not, and can be undone with
:meth:`InspectorModel.back` like a browser's back button.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from typing import Any

from cli.inspector import (
    MemoryBytes,
    MemoryView,
    QueryError,
    QueryResult,
    RegisterView,
    event_to_dict,
    parse_int,
    summarize,
)
from emulator.trace import EVENT_KINDS, TraceEvent
from emulator.tracing.store import REG_NAMES, TraceFile

__all__ = [
    "Filter",
    "InspectorModel",
    "MemoryBytes",
    "MemoryView",
    "QueryError",
    "QueryResult",
    "RegisterView",
    "event_to_dict",
    "parse_int",
    "summarize",
]

_HISTORY_LIMIT = 256
_MEM_CHUNK = 8


def _opt_int(value: str) -> int | None:
    return None if value.strip() in ("", "*", "any") else parse_int(value)


@dataclass(frozen=True, slots=True)
class Filter:
    """Which events the list shows and stepping visits; empty fields match everything."""

    kind: str | None = None
    pid: int | None = None
    tid: int | None = None
    search: str | None = None

    @property
    def empty(self) -> bool:
        return self == Filter()

    def query_args(self) -> dict[str, Any]:
        """Keyword arguments for `TraceFile.events`, leaving out what is unset."""
        args = {"kind": self.kind, "pid": self.pid, "tid": self.tid, "search": self.search}
        return {k: v for k, v in args.items() if v is not None}

    def matches(self, ev: TraceEvent) -> bool:
        """Whether an event passes the kind/pid/tid parts (the store judges text search)."""
        return ((self.kind is None or ev.kind == self.kind)
                and (self.pid is None or ev.pid == self.pid)
                and (self.tid is None or ev.tid == self.tid))

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in (("kind", self.kind), ("pid", self.pid),
                                         ("tid", self.tid)) if v is not None]
        if self.search:
            parts.append(f"search={self.search!r}")
        return " ".join(parts) if parts else "none"

    @classmethod
    def parse(cls, text: str, base: Filter | None = None) -> Filter:
        """`syscall`, `kind=mmio pid=2`, `tid=*`: a bare word is a kind; empty text clears all.

        Fields not named keep their value from ``base``, so `pid=3` narrows the kind filter
        already in force instead of silently dropping it.
        """
        if not text.strip():
            return cls()
        out = base or cls()
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise QueryError(f"bad filter {text!r}: {exc}", "quote search text with spaces") from None
        for word in words:
            key, sep, value = word.partition("=")
            if not sep:
                key, value = "kind", word
            key = key.strip().lower()
            if key == "kind":
                kind = value.strip() or None
                if kind in ("*", "any"):
                    kind = None
                if kind is not None and kind not in EVENT_KINDS:
                    raise QueryError(f"unknown event kind {kind!r}",
                                     "kinds: " + ", ".join(EVENT_KINDS))
                out = replace(out, kind=kind)
            elif key == "pid":
                out = replace(out, pid=_opt_int(value))
            elif key == "tid":
                out = replace(out, tid=_opt_int(value))
            elif key in ("search", "text"):
                out = replace(out, search=value or None)
            else:
                raise QueryError(f"unknown filter field {key!r}", "use kind=, pid=, tid= or search=")
        return out


@dataclass
class InspectorModel:
    """Cursor, filter and jump history over one open :class:`TraceFile`."""

    trace: TraceFile
    filter: Filter = field(default_factory=Filter)
    cursor: int | None = None
    history: list[int] = field(default_factory=list)
    _decisions: list[TraceEvent] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cursor is None:
            first = self.trace.events(limit=1)
            self.cursor = first[0].seq if first else None

    # -- where we are ---------------------------------------------------------------------
    @property
    def current(self) -> TraceEvent | None:
        return None if self.cursor is None else self.trace.event(self.cursor)

    def _require_cursor(self) -> int:
        if self.cursor is None:
            raise QueryError("the trace holds no events", "record a longer run")
        return self.cursor

    def bounds(self) -> tuple[int, int] | None:
        """First and last sequence numbers in the trace (unfiltered), None when it is empty."""
        first = self.trace.events(limit=1)
        last = self.trace.events(limit=1, reverse=True)
        return (first[0].seq, last[0].seq) if first and last else None

    def fraction(self) -> float:
        """How far through the trace the cursor is, 0.0-1.0, for the timeline bar."""
        b = self.bounds()
        if b is None or self.cursor is None or b[1] == b[0]:
            return 0.0
        return (self.cursor - b[0]) / (b[1] - b[0])

    # -- moving ---------------------------------------------------------------------------
    def _move(self, ev: TraceEvent | None, *, jump: bool) -> TraceEvent | None:
        if ev is not None and ev.seq != self.cursor:
            if jump and self.cursor is not None:
                self.history.append(self.cursor)
                del self.history[:-_HISTORY_LIMIT]
            self.cursor = ev.seq
        return ev

    def _adjacent(self, seq: int, direction: int, flt: Filter) -> TraceEvent | None:
        # Ask for two and pick by seq, so the store's inclusive/exclusive bounds do not matter.
        if direction > 0:
            evs = self.trace.events(seq0=seq, limit=2, **flt.query_args())
            after = [e for e in evs if e.seq > seq]
            return min(after, key=lambda e: e.seq) if after else None
        evs = self.trace.events(seq1=seq, limit=2, reverse=True, **flt.query_args())
        before = [e for e in evs if e.seq < seq]
        return max(before, key=lambda e: e.seq) if before else None

    def step(self, n: int = 1) -> TraceEvent | None:
        """Move ``n`` matching events forward (negative: back); None if already at an end."""
        seq = self._require_cursor()
        moved: TraceEvent | None = None
        for _ in range(abs(n)):
            nxt = self._adjacent(seq, 1 if n > 0 else -1, self.filter)
            if nxt is None:
                break
            moved, seq = nxt, nxt.seq
        return self._move(moved, jump=False)

    def step_kind(self, direction: int = 1, kind: str | None = None) -> TraceEvent | None:
        """Next or previous event of ``kind`` (default: the current event's kind)."""
        seq = self._require_cursor()
        cur = self.current
        kind = kind or (cur.kind if cur else None)
        if kind is None:
            return None
        if kind not in EVENT_KINDS:
            raise QueryError(f"unknown event kind {kind!r}", "kinds: " + ", ".join(EVENT_KINDS))
        flt = replace(self.filter, kind=kind)
        if flt == Filter(kind=kind):
            ev = self.trace.neighbour(seq, kind=kind, direction=1 if direction > 0 else -1)
        else:
            ev = self._adjacent(seq, direction, flt)
        return self._move(ev, jump=False)

    def first(self) -> TraceEvent | None:
        evs = self.trace.events(limit=1, **self.filter.query_args())
        return self._move(evs[0] if evs else None, jump=True)

    def last(self) -> TraceEvent | None:
        evs = self.trace.events(limit=1, reverse=True, **self.filter.query_args())
        return self._move(evs[0] if evs else None, jump=True)

    def goto_seq(self, seq: int) -> TraceEvent:
        """Jump to event ``seq`` exactly, or to the first one after it if it is absent."""
        ev = self.trace.event(seq) or self._adjacent(seq, 1, Filter())
        if ev is None:
            raise QueryError(f"no event at or after seq {seq}", "press End for the last event")
        self._move(ev, jump=True)
        return ev

    def goto_time(self, time: int) -> TraceEvent:
        """Jump to the event in force at virtual time ``time`` (cycles)."""
        ev = self.trace.at_time(time)
        if ev is None:
            lo, hi = self.trace.time_range()
            raise QueryError(f"no event at time {time}", f"the trace spans cycles {lo}-{hi}")
        self._move(ev, jump=True)
        return ev

    def goto(self, text: str) -> TraceEvent:
        """Goto as typed: `1234` (seq), `40%` (of the trace), `#2` (bookmark 2), `start`, `end`."""
        t = text.strip().lower()
        if t in ("start", "first", "begin"):
            ev = self.first()
        elif t in ("end", "last"):
            ev = self.last()
        elif t.startswith("#"):
            marks = self.bookmarks()
            idx = parse_int(t[1:])
            if not 1 <= idx <= len(marks):
                raise QueryError(f"no bookmark #{idx}", f"there are {len(marks)} bookmarks")
            return self.goto_seq(marks[idx - 1][0])
        elif t.endswith("%"):
            b = self.bounds()
            try:
                pct = float(t[:-1])
            except ValueError:
                pct = -1.0
            if not 0.0 <= pct <= 100.0:
                raise QueryError(f"bad percentage {text.strip()!r}", "use 0% to 100%")
            if b is None:
                raise QueryError("the trace holds no events", "record a longer run")
            return self.goto_seq(b[0] + round((b[1] - b[0]) * pct / 100))
        else:
            return self.goto_seq(parse_int(t))
        if ev is None:
            raise QueryError("no event matches the filter", "press c to clear filters")
        return ev

    def back(self) -> TraceEvent | None:
        """Return to where the cursor was before the last jump."""
        while self.history:
            ev = self.trace.event(self.history.pop())
            if ev is not None:
                self.cursor = ev.seq
                return ev
        return None

    # -- filters --------------------------------------------------------------------------
    def set_filter(self, flt: Filter) -> TraceEvent | None:
        """Apply a filter, moving the cursor to the nearest match if the current event fails it."""
        self.filter = flt
        cur = self.current
        if cur is None or flt.empty or (flt.search is None and flt.matches(cur)):
            return cur
        ev = self._adjacent(cur.seq - 1, 1, flt) or self._adjacent(cur.seq, -1, flt)
        return self._move(ev, jump=True)

    def search(self, text: str) -> TraceEvent | None:
        """Show only events whose text contains ``text`` (empty clears) and go to the next one."""
        return self.set_filter(replace(self.filter, search=text.strip() or None))

    def window(self, before: int, after: int) -> list[TraceEvent]:
        """Matching events around the cursor for the list view; the cursor's own event always."""
        if self.cursor is None:
            return []
        args = self.filter.query_args()
        prev = self.trace.events(seq1=self.cursor, limit=before + 1, reverse=True, **args)
        nxt = self.trace.events(seq0=self.cursor, limit=after + 1, **args)
        by_seq = {e.seq: e for e in prev if e.seq < self.cursor}
        by_seq = dict(sorted(by_seq.items())[-before:]) if before > 0 else {}
        later = sorted((e for e in nxt if e.seq > self.cursor), key=lambda e: e.seq)[:after]
        cur = self.current
        mid = [cur] if cur is not None else []
        return list(by_seq.values()) + mid + later

    # -- state at the cursor --------------------------------------------------------------
    def registers(self, seq: int | None = None) -> RegisterView:
        s = self._require_cursor() if seq is None else seq
        values = self.trace.registers_at(s)
        changed = frozenset(self.trace.changed_registers(s)) if values is not None else frozenset()
        return RegisterView(s, values, changed)

    def resolve_address(self, text: str) -> int:
        """An address as typed: a number, a register name (its value here), or `reg+off`."""
        t = text.strip().lower()
        for op in ("+", "-"):
            base, sep, off = t.rpartition(op)
            if sep and base and base.strip() in REG_NAMES:
                delta = parse_int(off)
                return self.resolve_address(base) + (delta if op == "+" else -delta)
        if t in REG_NAMES:
            regs = self.registers().values
            if regs is None or t not in regs:
                raise QueryError(f"no value for {t} at this point", "step to an event with registers")
            return regs[t]
        return parse_int(t)

    def _read(self, seq: int, addr: int, size: int) -> MemoryBytes | None:
        # The store answers all-or-nothing per request; small chunks keep partly written
        # ranges (a stack frame, a half-filled buffer) visible.
        out: list[int | None] = []
        for off in range(0, size, _MEM_CHUNK):
            n = min(_MEM_CHUNK, size - off)
            chunk = self.trace.memory_at(seq, addr + off, n)
            out.extend(chunk if chunk is not None else [None] * n)
        return None if all(b is None for b in out) else tuple(out)

    def memory(self, addr: int, size: int = 128, against: int | None = None) -> MemoryView:
        """Memory after the cursor's event, and after event ``against`` for a diff."""
        seq = self._require_cursor()
        other = self._read(against, addr, size) if against is not None else None
        return MemoryView(seq, addr, size, self._read(seq, addr, size), against, other)

    def default_memory_address(self) -> int:
        """What the memory view shows before anyone asks: the event's address, else sp."""
        cur = self.current
        if cur is not None and cur.addr:
            return cur.addr
        regs = self.registers().values if cur is not None else None
        return (regs or {}).get("sp", 0)

    # -- questions ------------------------------------------------------------------------
    def who_wrote(self, target: str, *, jump: bool = True) -> QueryResult:
        """Who last wrote a register (`x3`, `sp`) or an address (`0x4000`, `x1+8`) before here."""
        seq = self._require_cursor()
        t = target.strip().lower()
        if t in REG_NAMES:
            ev = self.trace.last_reg_write(seq, t)
            what = t
        else:
            addr = self.resolve_address(t)
            ev = self.trace.last_write(seq, addr)
            what = f"{addr:#x}"
        question = f"who last wrote {what} before seq {seq}?"
        if ev is None:
            return QueryResult(question, None, f"no recorded write to {what} before seq {seq}")
        if jump:
            self._move(ev, jump=True)
        return QueryResult(question, ev, f"{ev.kind} at seq {ev.seq} (pc {ev.pc:#x})")

    def first_appearance(self, value_text: str, *, jump: bool = True) -> QueryResult:
        """Where a value first shows up in registers or memory, from the start of the trace."""
        value = parse_int(value_text)
        question = f"when did {value:#x} first appear?"
        ev = self.trace.first_appearance(value)
        if ev is None:
            return QueryResult(question, None, f"{value:#x} never appears in the recorded state")
        if jump:
            self._move(ev, jump=True)
        return QueryResult(question, ev, f"first seen in {ev.kind} at seq {ev.seq} (pc {ev.pc:#x})")

    def decisions(self) -> list[TraceEvent]:
        """Guardian decisions, read once: the trace is immutable and the timeline redraws often."""
        if self._decisions is None:
            self._decisions = self.trace.decisions()
        return self._decisions

    def add_bookmark(self, note: str = "") -> int:
        seq = self._require_cursor()
        self.trace.add_bookmark(seq, note.strip())
        return seq

    def bookmarks(self) -> list[tuple[int, str]]:
        return sorted(self.trace.bookmarks())

    def snapshot(self) -> dict[str, Any]:
        """Everything the main screen shows at the cursor, as one JSON-able dict."""
        cur = self.current
        return {"cursor": self.cursor, "filter": self.filter.describe(),
                "event": None if cur is None else event_to_dict(cur),
                "summary": None if cur is None else summarize(cur),
                "registers": None if cur is None else self.registers().to_dict(),
                "bookmarks": [{"seq": s, "note": n} for s, n in self.bookmarks()]}
