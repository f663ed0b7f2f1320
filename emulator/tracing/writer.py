"""Filling a trace file: events in, SQLite rows out.

`TraceWriter` owns the database while a trace is recorded.  It takes events in batches of plain
tuples (the fields of `TraceEvent`).  They arrive in seq order except for opened events: an
exception's event arrives after the events its handler emitted, under the smaller seq (and the
earlier time) it took when it opened, so it never breaks the order of times along seq.
Rows go to SQLite through `executemany`, and the query indexes are built once at `finish`
(building an index over a finished table is much cheaper than updating it per row) unless the
writer runs beside the guest with time to spare, which keeps them live instead.  Register files
arrive whole, as the CPU's raw register block or a sequence of values, and are stored as
per-thread deltas plus periodic snapshots.  Nothing here reads the wall clock or the host's
state, so the same events write the same rows.

The writer runs either in the recording process or in a writer process of its own
(`emulator.tracing.process`); the rows it writes are the same.
"""

from __future__ import annotations

import json
import json.encoder as json_encoder
import sqlite3
import struct
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from emulator.tracing import schema as S
from emulator.tracing.store import TraceFileError

_BATCH = 20_000     # rows held before an executemany (when not streaming)
_SIGN64 = 1 << 63
_WRAP64 = 1 << 64
_NREGS = len(S.REG_NAMES)
_INSN_TEXT = {n: f'{{"size":{n}}}' for n in (2, 4)}
_SPECIAL = S.REGS_KINDS | {"mem", "pte_write"}
# The CPU's register block: native-endian unsigned 64-bit values, read back signed for SQLite.
_NATIVE_SIGNED = struct.Struct(f"={_NREGS}q")
_RAW_SIZE = _NATIVE_SIGNED.size
_S64 = struct.Struct("=q")
_LITTLE_ENDIAN = sys.byteorder == "little"


def _json_default(obj: Any) -> Any:
    """Encode the odd values emitters pass (bytes, enums, sets) in a stable, readable form."""
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).hex()
    if isinstance(obj, Enum):
        return obj.name
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    return str(obj)


_PRIMITIVES = (bool, int, float, str, bytes, type(None))


def plain_value(value: Any) -> Any:
    """`value` in the plain types marshal carries, as `_json_default` would encode it.

    For the rare event carrying something else (an enum, a set): a writer in another process
    cannot import the emitter's classes, and must still write what this process would.
    """
    kind = type(value)
    if kind in _PRIMITIVES:
        return value
    if isinstance(value, dict):
        return {k if type(k) in (str, int) else str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, str):          # subclasses: JSON writes the plain value
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return plain_value(_json_default(value))


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


encode_json = _make_encoder()


def raw_registers(regs: bytes | Sequence[int]) -> bytes | None:
    """A register file as the CPU's raw block (native u64s); None if it is not a whole one."""
    if isinstance(regs, bytes | bytearray | memoryview):
        raw = bytes(regs)
        return raw if len(raw) == _RAW_SIZE else None
    if len(regs) != _NREGS:
        return None
    return struct.pack(f"={_NREGS}Q", *(int(v) & S.U64_MASK for v in regs))


def register_values(regs: bytes | Sequence[int]) -> list[int]:
    """A register file as unsigned values, whichever form an emitter gave it in."""
    if isinstance(regs, bytes | bytearray | memoryview):
        return [v & S.U64_MASK for v in _NATIVE_SIGNED.unpack(bytes(regs))]
    return [int(v) & S.U64_MASK for v in regs]


class TraceWriter:
    """Writes events, register deltas and memory writes to a new trace file.

    The file is usable only after `finish`: that is when the indexes and the summary are written
    and the header is marked complete (a reader refuses a file whose recording did not finish).
    """

    def __init__(self, path: Path, header: dict[str, Any] | None = None, *,
                 streaming: bool = False, live_indexes: bool = False) -> None:
        """Create the file with `header`, or (header None) go on with one `create` made.

        `streaming`: the writer runs beside the guest (in a writer process), so work done as
        batches arrive is hidden and work left for `finish` is not.  It writes and commits
        every batch at once, and it may take fields out of the event dicts, which are its own
        copies.  `live_indexes`: keep the query indexes up to date row by row instead of
        building them at `finish`; dearer in all, so worth it only where the writer has time to
        spare while the guest runs (the events level, not the instruction levels).
        """
        self.path = Path(path)
        self.count = 0                  # events written so far (updated per batch)
        self._streaming = streaming
        self._live_indexes = live_indexes
        self._kind_ids: dict[str, int] = {}
        self._events: list[tuple[Any, ...]] = []
        self._regwrites: list[tuple[int, int, int, int]] = []
        self._snapshots: list[tuple[int, int, bytes]] = []
        self._writes: list[tuple[int, int, int, int, int]] = []
        self._last_raw: dict[int, bytes] = {}
        self._until_snapshot: dict[int, int] = {}
        self._max_seq = -1
        self._last_time = 0
        self._time_sorted = True
        self._finished = False
        if header is not None:
            self.create(self.path, header)
        self._db = self._open()

    # --- file ----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, header: dict[str, Any]) -> None:
        """Make a new, empty trace file at `path` with `header`, marked incomplete."""
        remove_stale(path)
        try:
            db = sqlite3.connect(path, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=OFF")
                db.execute("BEGIN")
                for ddl in S.TABLES:
                    db.execute(ddl)
                cls._write_meta(db, {**header, "complete": False})
                db.execute("COMMIT")
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise TraceFileError(f"{path}: cannot create the trace file: {exc}",
                                 "check that the directory exists and is writable") from exc

    def _open(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # The file is rebuilt from scratch on every run, so durability buys nothing:
            # an interrupted recording is detected by the missing "complete" mark instead.
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA cache_size=-65536")
            db.execute("BEGIN")
            if self._live_indexes:
                for ddl in S.INDEXES:
                    db.execute(ddl)
        except sqlite3.Error as exc:
            raise TraceFileError(f"{self.path}: cannot open the trace file for writing: {exc}",
                                 "check that the directory exists and is writable") from exc
        return db

    @staticmethod
    def _write_meta(db: sqlite3.Connection, values: dict[str, Any]) -> None:
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [(k, encode_json(v)) for k, v in values.items()])

    # --- events --------------------------------------------------------------------------
    def add(self, events: Iterable[Sequence[Any]]) -> None:
        """Take events as (seq, time, kind, cpu, pid, tid, pc, addr, data) tuples."""
        try:
            for event in events:
                self._add(*event)
            if self._streaming:
                self._flush()
                # Hand the pages to the OS as they fill, so the last commit has little to do.
                self._db.execute("COMMIT")
                self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise TraceFileError(f"{self.path}: cannot write the trace file: {exc}",
                                 "check free disk space") from exc

    def _add(self, seq: int, time: int, kind: str, cpu: int, pid: int, tid: int, pc: int,
             addr: int, data: dict[str, Any]) -> None:
        kid = self._kind_ids.get(kind) or self._intern(kind)
        text = None
        if data:
            if kind in _SPECIAL:
                data = self._side_tables(seq, tid, addr, kind, data)
            if data:
                # An instruction's remaining field is its size: one string for all of them.
                text = (_INSN_TEXT.get(data.get("size", 0)) if kind == "insn" and len(data) == 1
                        else None) or encode_json(data)
        if pc >= _SIGN64:
            pc -= _WRAP64
        if addr >= _SIGN64:
            addr -= _WRAP64
        if seq > self._max_seq:
            if time < self._last_time:
                self._time_sorted = False
            self._last_time = time
            self._max_seq = seq
        # An event arriving after larger seqs was opened before them (Tracer.open): its time
        # lies between its neighbours' by construction, so it cannot break the order.
        events = self._events
        events.append((seq, time, kid, cpu, pid, tid, pc, addr, text))
        if len(events) >= _BATCH:
            self._flush()

    def _intern(self, kind: str) -> int:
        kid = len(self._kind_ids) + 1
        self._kind_ids[kind] = kid
        self._db.execute("INSERT INTO kinds (id, name) VALUES (?, ?)", (kid, kind))
        return kid

    def _side_tables(self, seq: int, tid: int, addr: int, kind: str,
                     data: dict[str, Any]) -> dict[str, Any]:
        """Register files and writes go to their own tables; returns what goes into the JSON."""
        regs = data.get("regs")
        if regs is not None:
            raw = raw_registers(regs)
            if raw is not None:
                self._record_regs(seq, tid, raw)
                if self._streaming:     # its own copy of the dict
                    del data["regs"]
                    return data
                return {k: v for k, v in data.items() if k != "regs"}
        if kind == "mem":
            size = data.get("size", 0)
            if data.get("write") and size in S.WRITE_SIZES:
                space = S.SPACE_PHYSICAL if data.get("physical") else S.SPACE_VIRTUAL
                self._writes.append((space, S.to_s64(addr), size, seq,
                                     S.to_s64(data.get("value", 0))))
        elif kind == "pte_write":   # the entry's physical address, as the table walker reads it
            entry = data.get("table", 0) + 8 * data.get("index", 0)
            self._writes.append((S.SPACE_PHYSICAL, S.to_s64(entry), 8, seq,
                                 S.to_s64(data.get("new", 0))))
        return data

    def _record_regs(self, seq: int, tid: int, raw: bytes) -> None:
        """Store what changed since this thread's previous register file, plus a periodic full
        snapshot so rebuilding a state never replays more than SNAPSHOT_EVERY records."""
        prev = self._last_raw.get(tid)
        if prev is None:
            self._regwrites.extend((tid, seq, i, v) for i, v in enumerate(_NATIVE_SIGNED.unpack(raw)))
        elif raw != prev:       # equal blocks (a tight loop) cost one compare
            # The changed registers are the non-zero 64-bit lanes of the XOR of the two blocks,
            # found from the top: a few big-integer operations instead of a loop over all.
            # Read as little-endian integers, lane i is bytes 8i..8i+7: register i on any host.
            diff = int.from_bytes(raw, "little") ^ int.from_bytes(prev, "little")
            rows = self._regwrites
            while diff:
                i = (diff.bit_length() - 1) >> 6
                rows.append((tid, seq, i, _S64.unpack_from(raw, i << 3)[0]))
                diff &= (1 << (i << 6)) - 1
        self._last_raw[tid] = raw
        left = self._until_snapshot.get(tid, 0) - 1
        if prev is None or left <= 0:
            blob = raw if _LITTLE_ENDIAN else S.REGS_STRUCT.pack(
                *(v & S.U64_MASK for v in _NATIVE_SIGNED.unpack(raw)))
            self._snapshots.append((tid, seq, blob))
            left = S.SNAPSHOT_EVERY
        self._until_snapshot[tid] = left

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

    # --- the end -------------------------------------------------------------------------
    def finish(self) -> int:
        """Flush, index, write the summary and mark the file complete; returns the event count."""
        if self._finished:
            return self.count
        self._finished = True
        try:
            self._flush()
            db = self._db
            time_sorted = self._time_sorted
            indexes = () if self._live_indexes else S.INDEXES
            for ddl in indexes if time_sorted else (*indexes, S.TIME_INDEX):
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
                "time_sorted": time_sorted,
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
        return self.count

    def abandon(self) -> None:
        """Stop without marking the file complete (a reader will say the recording did not
        finish); keeps whatever rows were written."""
        if self._finished:
            return
        self._finished = True
        try:
            self._flush()
            self._db.execute("COMMIT")
            self._db.close()
        except sqlite3.Error:
            pass


def remove_stale(path: Path) -> None:
    """Delete an old trace (and SQLite's side files) at `path` before writing a new one."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        stale = Path(f"{path}{suffix}")
        try:
            if stale.is_file():
                stale.unlink()
        except OSError as exc:
            raise TraceFileError(f"{path}: cannot replace the existing file: {exc.strerror}",
                                 "choose another --trace path") from exc
