"""Writing a trace: a sink on the machine's event bus that fills the SQLite store.

Recording must stay cheap at the "events" level, so `record` only turns an event into a row tuple
and appends it to a batch; rows reach SQLite through `executemany` in large batches inside one
transaction, and the query indexes are built once at `close` (building an index over a finished
table is much faster than updating it per row).  Nothing here reads the wall clock or the host's
state, so the same run writes the same rows.
"""

from __future__ import annotations

import json
import json.encoder as json_encoder
import logging
import os
import platform
import sqlite3
import struct
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from importlib import metadata
from itertools import compress
from operator import ne
from pathlib import Path
from typing import Any

import unicorn

from emulator.errors import UsageError
from emulator.trace import LEVELS, TraceEvent
from emulator.tracing import schema as S
from emulator.tracing.hooks import InstalledHooks, install_hooks
from emulator.tracing.store import TraceFileError

log = logging.getLogger(__name__)

_BATCH = 20_000
_SIGN64 = 1 << 63
_WRAP64 = 1 << 64
_NREGS = len(S.REG_NAMES)
_REG_RANGE = range(_NREGS)
_SPECIAL = S.REGS_KINDS | {"mem", "pte_write"}
_INSN_TEXT = {n: f'{{"size":{n}}}' for n in (2, 4)}


def _json_default(obj: Any) -> Any:
    """Encode the odd values emitters pass (bytes, enums, sets) in a stable, readable form."""
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).hex()
    if isinstance(obj, Enum):
        return obj.name
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    return str(obj)


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON, built once: `json.dumps` rebuilds its C encoder on every call, which
    doubles the cost of encoding the small dicts events carry."""
    c_make = getattr(json_encoder, "c_make_encoder", None)
    if c_make is None:
        return json.JSONEncoder(separators=(",", ":"), default=_json_default).encode
    c_encode = c_make(None, _json_default, json_encoder.encode_basestring_ascii, None, ":", ",",
                      False, False, True)

    def encode(obj: Any) -> str:
        return "".join(c_encode(obj, 0))

    return encode


_encode = _make_encoder()


class TraceRecorder:
    """A TraceSink that writes events, register deltas and memory writes to a trace file.

    The file is usable only after `close`: that is when the indexes and the summary are written
    and the header is marked complete (a reader refuses a file whose recording did not finish).
    """

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self.header = dict(header)
        self.hooks = InstalledHooks()
        self._closed = False
        self._kind_ids: dict[str, int] = {}
        self._events: list[tuple[Any, ...]] = []
        self._regwrites: list[tuple[int, int, int, int]] = []
        self._snapshots: list[tuple[int, int, bytes]] = []
        self._writes: list[tuple[int, int, int, int, int]] = []
        self._last_regs: dict[int, tuple[int, ...]] = {}
        self._until_snapshot: dict[int, int] = {}
        self.count = 0                  # events written so far (updated per batch)
        self._last_time = 0
        self._time_sorted = True
        self._db = self._create()

    # --- file ----------------------------------------------------------------------------
    def _create(self) -> sqlite3.Connection:
        for suffix in ("", "-journal", "-wal", "-shm"):
            stale = Path(f"{self.path}{suffix}")
            try:
                if stale.is_file():
                    stale.unlink()
            except OSError as exc:
                raise TraceFileError(f"{self.path}: cannot replace the existing file: "
                                     f"{exc.strerror}", "choose another --trace path") from exc
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # The file is rebuilt from scratch on every run, so durability buys nothing:
            # an interrupted recording is detected by the missing "complete" mark instead.
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA cache_size=-65536")
            db.execute("BEGIN")
            for ddl in S.TABLES:
                db.execute(ddl)
            self._write_meta(db, {**self.header, "complete": False})
            db.execute("COMMIT")
            db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise TraceFileError(f"{self.path}: cannot create the trace file: {exc}",
                                 "check that the directory exists and is writable") from exc
        return db

    @staticmethod
    def _write_meta(db: sqlite3.Connection, values: dict[str, Any]) -> None:
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [(k, _encode(v)) for k, v in values.items()])

    # --- the sink ----------------------------------------------------------------------
    def record(self, event: TraceEvent) -> None:
        kind = event.kind
        kid = self._kind_ids.get(kind) or self._intern(kind)
        data = event.data
        text = None
        if data:
            if kind in _SPECIAL:
                data = self._special(event, kind, data)
            if data:
                # An instruction's remaining field is its size: one string for all of them.
                text = (_INSN_TEXT.get(data.get("size", 0)) if kind == "insn" and len(data) == 1
                        else None) or _encode(data)
        pc = event.pc
        if pc >= _SIGN64:
            pc -= _WRAP64
        addr = event.addr
        if addr >= _SIGN64:
            addr -= _WRAP64
        time = event.time
        if time < self._last_time:
            self._time_sorted = False
        self._last_time = time
        events = self._events
        events.append((event.seq, time, kid, event.cpu, event.pid, event.tid, pc, addr, text))
        if len(events) >= _BATCH:
            self._flush()

    def _intern(self, kind: str) -> int:
        kid = len(self._kind_ids) + 1
        self._kind_ids[kind] = kid
        self._db.execute("INSERT INTO kinds (id, name) VALUES (?, ?)", (kid, kind))
        return kid

    def _special(self, event: TraceEvent, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Side tables for register files and writes; returns what goes into the JSON."""
        seq = event.seq
        if kind in S.REGS_KINDS:
            regs = data.get("regs")
            if regs is not None and len(regs) == _NREGS:
                self._record_regs(seq, event.tid, tuple(regs))
                return {k: v for k, v in data.items() if k != "regs"}
        elif kind == "mem":
            size = data.get("size", 0)
            if data.get("write") and size in S.WRITE_SIZES:
                space = S.SPACE_PHYSICAL if data.get("physical") else S.SPACE_VIRTUAL
                self._writes.append((space, S.to_s64(event.addr), size, seq,
                                     S.to_s64(data.get("value", 0))))
        else:   # pte_write: the entry's physical address, as the table walker reads it
            entry = data.get("table", 0) + 8 * data.get("index", 0)
            self._writes.append((S.SPACE_PHYSICAL, S.to_s64(entry), 8, seq,
                                 S.to_s64(data.get("new", 0))))
        return data

    def _record_regs(self, seq: int, tid: int, regs: tuple[int, ...]) -> None:
        """Store what changed since this thread's previous register record, plus a periodic
        full snapshot so rebuilding a state never replays more than SNAPSHOT_EVERY records."""
        prev = self._last_regs.get(tid)
        rows = self._regwrites
        if prev is None:
            rows.extend((tid, seq, i, v - _WRAP64 if v >= _SIGN64 else v)
                        for i, v in enumerate(regs))
        elif prev != regs:
            for i in compress(_REG_RANGE, map(ne, regs, prev)):    # C-speed comparison
                v = regs[i]
                rows.append((tid, seq, i, v - _WRAP64 if v >= _SIGN64 else v))
        left = self._until_snapshot.get(tid, 0) - 1
        if prev is None or left <= 0:
            try:
                blob = S.REGS_STRUCT.pack(*regs)
            except struct.error:
                blob = S.REGS_STRUCT.pack(*(v & S.U64_MASK for v in regs))
            self._snapshots.append((tid, seq, blob))
            left = S.SNAPSHOT_EVERY
        self._until_snapshot[tid] = left
        self._last_regs[tid] = regs

    def _flush(self) -> None:
        db = self._db
        if self._events:
            self.count += len(self._events)
            db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)", self._events)
            self._events.clear()
        if self._regwrites:
            db.executemany("INSERT INTO regwrites VALUES (?,?,?,?)", self._regwrites)
            self._regwrites.clear()
        if self._snapshots:
            db.executemany("INSERT INTO snapshots VALUES (?,?,?)", self._snapshots)
            self._snapshots.clear()
        if self._writes:
            # A store may repeat within one event only if the hook reports it twice; keep one.
            db.executemany("INSERT OR REPLACE INTO writes VALUES (?,?,?,?,?)", self._writes)
            self._writes.clear()

    def close(self) -> None:
        """Flush, index, write the summary and mark the file complete (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.hooks.remove()
        try:
            self._flush()
            db = self._db
            for ddl in S.INDEXES if self._time_sorted else (*S.INDEXES, S.TIME_INDEX):
                db.execute(ddl)
            names = {kid: name for name, kid in self._kind_ids.items()}
            counts = {names[kid]: n for kid, n in
                      db.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind")}
            first = db.execute("SELECT time FROM events ORDER BY seq LIMIT 1").fetchone()
            last = db.execute("SELECT time FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            self._write_meta(db, {
                "complete": True,
                "events": self.count,
                "first_time": first[0] if first else 0,
                "last_time": last[0] if last else 0,
                "time_sorted": self._time_sorted,
                "kind_counts": dict(sorted(counts.items())),
            })
            db.execute("COMMIT")
            # Planner statistics from a sample: enough to pick between the indexes.
            db.execute("PRAGMA analysis_limit=1000")
            db.execute("ANALYZE")
            db.close()
        except sqlite3.Error as exc:
            raise TraceFileError(f"{self.path}: cannot finish the trace file: {exc}",
                                 "check free disk space") from exc
        log.debug("trace %s: %d events", self.path, self.count)

    def __enter__(self) -> TraceRecorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def build_header(machine: Any, level: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The header: what produced the trace, and enough to reproduce it.

    Only inputs go in (versions, machine digest, seed, command line); no date or host name, so
    two identical runs on one host write identical headers.
    """
    config = machine.config
    header: dict[str, Any] = {
        "format": S.FORMAT_NAME,
        "schema_version": S.SCHEMA_VERSION,
        "level": level,
        "blindfold_version": _version("blindfold"),
        "unicorn_version": getattr(unicorn, "__version__", "unknown"),
        "python_version": platform.python_version(),
        "machine": config.name,
        "machine_digest": config.digest(),
        "seed": config.seed,
        "clock_hz": config.clock_hz,
        "cpus": len(machine.cpus),
        "reg_names": list(S.REG_NAMES),
    }
    header.update(extra)
    if "command" not in header:
        name = os.path.basename(sys.argv[0]) if sys.argv else ""
        if name in ("main.py", "__main__.py"):      # `python -m cli.main …` is `blindfold …`
            name = "blindfold"
        header["command"] = [name, *sys.argv[1:]]
    return header


def attach_recorder(machine: Any, path: Path, level: str,
                    header_extra: dict[str, Any] | None = None) -> TraceRecorder:
    """Record `machine`'s events to `path` at `level`; close via the tracer (or the recorder).

    Call before the kernel spawns the first program so the trace starts at the beginning.
    """
    if level not in LEVELS:
        raise UsageError(f"unknown trace level {level!r}", f"use one of {', '.join(LEVELS)}")
    recorder = TraceRecorder(Path(path), build_header(machine, level, dict(header_extra or {})))
    machine.tracer.attach(recorder, level)
    recorder.hooks = install_hooks(list(machine.cpus), machine.tracer, level)
    return recorder


def record_events(path: Path, events: Sequence[TraceEvent],
                  header: dict[str, Any] | None = None) -> None:
    """Write a trace from ready-made events (synthetic traces for tests and benchmarks)."""
    base = {"format": S.FORMAT_NAME, "schema_version": S.SCHEMA_VERSION, "level": "events",
            "reg_names": list(S.REG_NAMES)}
    with TraceRecorder(Path(path), {**base, **(header or {})}) as rec:
        for ev in events:
            rec.record(ev)
