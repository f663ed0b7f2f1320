"""Reading a trace: validation on open, and the queries the inspector and the CLI ask.

Every question is answered by an index seek or a bounded replay, never by loading the trace,
so a trace of millions of events answers as fast as a small one.  Anything wrong with the file
itself (missing, truncated, not SQLite, not a trace, from a newer Blindfold, unfinished) becomes
a one-line `TraceFileError` at `open`, never a traceback later.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from emulator.errors import BlindfoldError
from emulator.trace import TraceEvent
from emulator.tracing import schema as S
from emulator.tracing.schema import REG_NAMES
from emulator.tracing.state import StateQueries

__all__ = ["REG_NAMES", "TraceFile", "TraceFileError"]

log = logging.getLogger(__name__)

_EVENT_COLS = "seq, time, kind, cpu, pid, tid, pc, addr, data"


class TraceFileError(BlindfoldError):
    """A trace file cannot be read (missing, truncated, foreign, newer, unfinished) or written."""

    exit_code: ClassVar[int] = 3


def _decode_row(row: tuple[Any, ...], kinds: dict[int, str]) -> TraceEvent:
    seq, time, kind, cpu, pid, tid, pc, addr, data = row
    return TraceEvent(seq, time, kinds.get(kind, f"kind{kind}"), cpu, pid, tid, pc & S.U64_MASK,
                      addr & S.U64_MASK, json.loads(data) if data else {})


class TraceFile(StateQueries):
    """A recorded trace, open for queries.  Positions are event sequence numbers (`seq`).

    Conventions: "at seq" includes the event's own effects (registers_at, memory_at);
    "before seq" excludes them (last_write, last_reg_write).  Register queries follow the
    thread of the event at `seq`, since register state is per thread.
    """

    def __init__(self, path: Path, db: sqlite3.Connection, header: dict[str, Any],
                 writable: bool) -> None:
        self.path = path
        self.header = header
        self._db = db
        self._writable = writable
        self._kinds: dict[int, str] = dict(db.execute("SELECT id, name FROM kinds"))
        self._kind_ids: dict[str, int] = {name: kid for kid, name in self._kinds.items()}
        # Two queries: SQLite answers MIN or MAX of the key alone from the b-tree's ends, but
        # scans the table for both at once.
        lo = db.execute("SELECT MIN(seq) FROM events").fetchone()[0]
        hi = db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        self._seq_lo: int = lo or 0
        self._seq_hi: int = hi or -1
        # Times never decrease along seq in a recorded run, so a binary search over seq replaces
        # an index on time; a trace that broke the rule was given the index instead.
        self._time_sorted = bool(header.get("time_sorted", True))
        self._regs_kinds = (S.REGS_KINDS if header.get("schema_version", 1) >= 2
                            else S.REGS_KINDS_V1)

    # --- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TraceFile:
        """Validate and open; every problem with the file is a TraceFileError."""
        p = Path(path)
        problem = S.file_problem(p)
        if problem is not None:
            raise TraceFileError(f"{p}: {problem[0]}", problem[1])
        writable = os.access(p, os.W_OK) and os.access(p.parent, os.W_OK)
        uri = f"{p.resolve().as_uri()}?mode={'rw' if writable else 'ro'}"
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" not in tables:
                db.close()
                raise TraceFileError(f"{p}: an SQLite database, but not a Blindfold trace")
            header = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        except sqlite3.DatabaseError as exc:
            raise TraceFileError(f"{p}: damaged or not a trace: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise TraceFileError(f"{p}: an SQLite database, but not a Blindfold trace") from exc
        if header.get("format") != S.FORMAT_NAME:
            db.close()
            raise TraceFileError(f"{p}: an SQLite database, but not a Blindfold trace")
        version = header.get("schema_version")
        if not isinstance(version, int) or version < 1:
            db.close()
            raise TraceFileError(f"{p}: damaged trace: schema version {version!r}")
        if version > S.SCHEMA_VERSION:
            db.close()
            raise TraceFileError(
                f"{p}: trace schema version {version} is newer than this Blindfold reads "
                f"(up to {S.SCHEMA_VERSION})", "upgrade Blindfold to read it")
        missing = {"kinds", "events", "regwrites", "snapshots", "writes", "bookmarks"} - tables
        if missing:
            db.close()
            raise TraceFileError(f"{p}: damaged trace: missing table(s) {', '.join(sorted(missing))}")
        if not header.get("complete"):
            db.close()
            raise TraceFileError(f"{p}: incomplete trace: the recording did not finish",
                                 "rerun the program with --trace")
        try:
            return cls(p, db, header, writable)
        except sqlite3.DatabaseError as exc:
            raise TraceFileError(f"{p}: damaged trace: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TraceFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- summary -----------------------------------------------------------------------
    def count(self) -> int:
        return int(self.header.get("events", 0))

    def time_range(self) -> tuple[int, int]:
        return int(self.header.get("first_time", 0)), int(self.header.get("last_time", 0))

    def kinds(self) -> dict[str, int]:
        """Kind -> number of events, from the summary written at the end of recording."""
        return dict(self.header.get("kind_counts", {}))

    # --- events ------------------------------------------------------------------------
    def _where(self, kind: str | Sequence[str] | None, pid: int | None, tid: int | None,
               addr: int | None, pc: int | None, t0: int | None, t1: int | None,
               seq0: int | None, seq1: int | None, search: str | None,
               ) -> tuple[str, list[Any]] | None:
        """SQL condition and parameters; None when no event can match (an unknown kind)."""
        conds: list[str] = []
        params: list[Any] = []
        if kind is not None:
            names = [kind] if isinstance(kind, str) else list(kind)
            ids = [self._kind_ids[n] for n in names if n in self._kind_ids]
            if not ids:
                return None
            conds.append(f"kind IN ({','.join('?' * len(ids))})")
            params += ids
        for col, value in (("pid", pid), ("tid", tid)):
            if value is not None:
                conds.append(f"{col} = ?")
                params.append(value)
        for col, value in (("addr", addr), ("pc", pc)):
            if value is not None:
                # A literal (an int, so safe to inline) lets SQLite use the partial index,
                # which leaves out the zeros; a bound parameter would not.
                conds.append(f"{col} = {S.to_s64(int(value))}")
        if self._time_sorted:
            if t0 is not None:
                seq0 = max(seq0 or 0, self._seq_of_time(t0, after=False))
            if t1 is not None:
                last = self._seq_of_time(t1, after=True) - 1
                seq1 = last if seq1 is None else min(seq1, last)
            t0 = t1 = None
        for cond, value in (("time >= ?", t0), ("time <= ?", t1), ("seq >= ?", seq0),
                            ("seq <= ?", seq1)):
            if value is not None:
                conds.append(cond)
                params.append(value)
        if search:
            conds.append(self._search_condition(search, params))
        return (" WHERE " + " AND ".join(conds)) if conds else "", params

    def _search_condition(self, search: str, params: list[Any]) -> str:
        """Free text matches the kind name or the data; a number also matches pc and addr."""
        terms = ["instr(data, ?) > 0"]
        params.append(search)
        kind_ids = [kid for name, kid in self._kind_ids.items() if search.lower() in name]
        if kind_ids:
            terms.append(f"kind IN ({','.join(str(k) for k in kind_ids)})")
        try:
            number = int(search, 0)
        except ValueError:
            number = None
        if number is not None and 0 <= number < (1 << 64):
            terms += ["pc = ?", "addr = ?", "instr(data, ?) > 0"]
            params += [S.to_s64(number), S.to_s64(number), str(number)]
        return "(" + " OR ".join(terms) + ")"

    def events(self, *, kind: str | Sequence[str] | None = None, pid: int | None = None,
               tid: int | None = None, addr: int | None = None, pc: int | None = None,
               t0: int | None = None, t1: int | None = None, seq0: int | None = None,
               seq1: int | None = None, search: str | None = None, limit: int | None = None,
               offset: int = 0, reverse: bool = False) -> list[TraceEvent]:
        """Events matching every given filter (time and seq bounds inclusive), in seq order."""
        return list(self.iter_events(kind=kind, pid=pid, tid=tid, addr=addr, pc=pc, t0=t0, t1=t1,
                                     seq0=seq0, seq1=seq1, search=search, limit=limit,
                                     offset=offset, reverse=reverse))

    def iter_events(self, *, kind: str | Sequence[str] | None = None, pid: int | None = None,
                    tid: int | None = None, addr: int | None = None, pc: int | None = None,
                    t0: int | None = None, t1: int | None = None, seq0: int | None = None,
                    seq1: int | None = None, search: str | None = None, limit: int | None = None,
                    offset: int = 0, reverse: bool = False,
                    with_regs: bool = True) -> Iterator[TraceEvent]:
        """Like `events`, streamed in chunks (exporters walk millions of events this way).

        `with_regs=False` leaves the register list out of the events that hold one (exceptions,
        syscalls, instructions), which saves rebuilding register state when the caller does not
        look at it.
        """
        where = self._where(kind, pid, tid, addr, pc, t0, t1, seq0, seq1, search)
        if where is None:
            return
        cond, params = where
        sql = (f"SELECT {_EVENT_COLS} FROM events{cond} ORDER BY seq"
               f"{' DESC' if reverse else ''} LIMIT ? OFFSET ?")
        cur = self._db.execute(sql, [*params, -1 if limit is None else limit, max(offset, 0)])
        kinds = self._kinds
        while True:
            rows = cur.fetchmany(2048)
            if not rows:
                return
            evs = [_decode_row(r, kinds) for r in rows]
            yield from (self._attach_regs(evs) if with_regs else evs)

    def event(self, seq: int) -> TraceEvent | None:
        row = self._db.execute(f"SELECT {_EVENT_COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
        return self._attach_regs([_decode_row(row, self._kinds)])[0] if row else None

    def neighbour(self, seq: int, *, kind: str | None = None,
                  direction: int = +1) -> TraceEvent | None:
        """The next (direction > 0) or previous event after/before `seq`, optionally of a kind."""
        if direction >= 0:
            found = self.events(kind=kind, seq0=seq + 1, limit=1)
        else:
            found = self.events(kind=kind, seq1=seq - 1, limit=1, reverse=True)
        return found[0] if found else None

    def _seq_of_time(self, time: int, *, after: bool) -> int:
        """Smallest seq whose time is >= `time` (> with `after`); one past the end if none.

        A binary search over seq: about twenty primary-key lookups for a million events.
        """
        lo, hi = self._seq_lo, self._seq_hi + 1
        probe = "SELECT time FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"
        while lo < hi:
            mid = (lo + hi) // 2
            t = self._db.execute(probe, (mid,)).fetchone()[0]
            if t > time or (not after and t == time):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def at_time(self, time: int) -> TraceEvent | None:
        """The first event at or after virtual time `time`."""
        if self._time_sorted:
            found = self.events(seq0=self._seq_of_time(time, after=False), limit=1)
            return found[0] if found else None
        row = self._db.execute(f"SELECT {_EVENT_COLS} FROM events WHERE time >= ? "
                               "ORDER BY time, seq LIMIT 1", (time,)).fetchone()
        return self._attach_regs([_decode_row(row, self._kinds)])[0] if row else None

    def threads(self, kind: str | None = None) -> dict[int, int]:
        """Thread id -> number of events (of `kind`, when given), busiest first."""
        if kind is not None and kind not in self._kind_ids:
            return {}
        cond, params = ("WHERE kind = ?", [self._kind_ids[kind]]) if kind else ("", [])
        return dict(self._db.execute(f"SELECT tid, COUNT(*) AS n FROM events {cond} "
                                     "GROUP BY tid ORDER BY n DESC, tid", params))

    def decisions(self) -> list[TraceEvent]:
        return self.events(kind="guardian_decision")

    # --- bookmarks and statistics -----------------------------------------------------------
    def add_bookmark(self, seq: int, note: str) -> None:
        if not self._writable:
            raise TraceFileError(f"{self.path}: read-only, cannot store a bookmark")
        try:
            self._db.execute("INSERT INTO bookmarks (seq, note) VALUES (?, ?)", (seq, note))
        except sqlite3.Error as exc:
            raise TraceFileError(f"{self.path}: cannot store a bookmark: {exc}") from exc

    def bookmarks(self) -> list[tuple[int, str]]:
        return [(s, n) for s, n in self._db.execute(
            "SELECT seq, note FROM bookmarks ORDER BY seq, rowid")]

    def stats(self) -> dict[str, Any]:
        """Counts a reader wants first: per kind, per process, syscalls, exceptions, faults."""
        db = self._db
        t0, t1 = self.time_range()
        out: dict[str, Any] = {
            "events": self.count(), "first_time": t0, "last_time": t1,
            "level": self.header.get("level"), "file_bytes": self.path.stat().st_size,
            "kinds": self.kinds(),
            "processes": {str(pid): n for pid, n in db.execute(
                "SELECT pid, COUNT(*) FROM events GROUP BY pid ORDER BY pid")},
            "threads": db.execute("SELECT COUNT(DISTINCT tid) FROM events").fetchone()[0],
        }
        for key, kind, field in (("syscalls", "syscall", "$.name"),
                                 ("exceptions", "exception", "$.ec"),
                                 ("page_faults", "page_fault", "$.result")):
            kid = self._kind_ids.get(kind)
            out[key] = {} if kid is None else {str(name): n for name, n in db.execute(
                "SELECT json_extract(data, ?) AS k, COUNT(*) FROM events WHERE kind = ? "
                "GROUP BY k ORDER BY COUNT(*) DESC, k", (field, kid))}
        out["register_snapshots"] = db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
        out["memory_writes"] = db.execute("SELECT COUNT(*) FROM writes").fetchone()[0]
        return out
