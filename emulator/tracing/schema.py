"""The on-disk layout of a trace file, shared by the recorder and the reader.

A trace is one SQLite database.  Events are rows keyed by their sequence number; register state
is kept apart from them as per-thread full snapshots (every `SNAPSHOT_EVERY` register records)
plus one row per register that changed, so any point can be rebuilt from the nearest snapshot with
a bounded number of rows while the common case (a few registers change between exceptions) stays
small.  Memory writes get their own table keyed by address so "who wrote this byte last" is an
index seek rather than a scan.

SQLite integers are signed 64-bit; guest values are unsigned, so every address or register value
is stored through `to_s64` and read back through `to_u64`.
"""

from __future__ import annotations

import struct
from pathlib import Path

FORMAT_NAME = "blindfold-trace"
SCHEMA_VERSION = 2
"""1: a register file was an event of its own ("regs") and a syscall two ("syscall" at entry,
"syscall_return"); 2: an exception or syscall event holds its entry registers, a syscall its
result, and both the cycles they took.  Tables are the same; readers take both."""

REG_NAMES: tuple[str, ...] = (
    *(f"x{i}" for i in range(31)), "sp", "pc", "nzcv", "tpidr_el0",
)
"""Order of the register tuple carried by "regs" and "insn" events (the CPU's gpr batch)."""

REG_INDEX: dict[str, int] = {name: i for i, name in enumerate(REG_NAMES)}
PC_INDEX = REG_INDEX["pc"]

REGS_STRUCT = struct.Struct(f"<{len(REG_NAMES)}Q")
"""A full register snapshot as a blob: compact, and unpacked in one call."""

SNAPSHOT_EVERY = 128
"""Register records per thread between two full snapshots: bounds the rows replayed by a query."""

REGS_KINDS = frozenset(("exception", "syscall", "insn", "regs"))
"""Event kinds that hold the register file (at an exception's entry, before an instruction):
the writer stores their `regs` field as snapshots and deltas, the reader gives it back."""

REGS_KINDS_V1 = frozenset(("insn", "regs"))
"""The same in traces of schema 1, where exceptions and syscalls held no registers."""

SPACE_VIRTUAL = 0    # guest stores seen by the memory hook (virtual addresses)
SPACE_PHYSICAL = 1   # translation-table entries written by the kernel (physical addresses)

U64_MASK = (1 << 64) - 1
_SIGN64 = 1 << 63


def to_s64(value: int) -> int:
    """Unsigned 64-bit guest value -> the signed form SQLite can store."""
    value &= U64_MASK
    return value - (1 << 64) if value & _SIGN64 else value


def to_u64(value: int) -> int:
    """Inverse of `to_s64`."""
    return value & U64_MASK


TABLES: tuple[str, ...] = (
    # Header: JSON-encoded values under plain keys (see TraceRecorder._header).
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Kind names are interned: ids in order of first appearance, so equal runs number them alike.
    "CREATE TABLE kinds (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " cpu INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL, pc INTEGER NOT NULL,"
    " addr INTEGER NOT NULL, data TEXT)",
    # One row per register that changed at a register record (all of them at a thread's first).
    "CREATE TABLE regwrites (tid INTEGER NOT NULL, seq INTEGER NOT NULL, reg INTEGER NOT NULL,"
    " value INTEGER NOT NULL, PRIMARY KEY (tid, seq, reg)) WITHOUT ROWID",
    "CREATE TABLE snapshots (tid INTEGER NOT NULL, seq INTEGER NOT NULL, regs BLOB NOT NULL,"
    " PRIMARY KEY (tid, seq)) WITHOUT ROWID",
    # Guest stores (virtual) and translation-table entries (physical), value little-endian.
    "CREATE TABLE writes (space INTEGER NOT NULL, addr INTEGER NOT NULL, size INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (space, addr, size, seq))"
    " WITHOUT ROWID",
    "CREATE TABLE bookmarks (seq INTEGER NOT NULL, note TEXT NOT NULL)",
)

INDEXES: tuple[str, ...] = (
    # Built once at the end of recording: cheaper than maintaining them row by row.  Time needs
    # no index while it never decreases along seq (a binary search over seq finds it), and most
    # events have no pc or address, so those indexes leave the zeros out.
    "CREATE INDEX events_kind ON events (kind)",
    "CREATE INDEX events_pid ON events (pid)",
    "CREATE INDEX events_pc ON events (pc) WHERE pc != 0",
    "CREATE INDEX events_addr ON events (addr) WHERE addr != 0",
    "CREATE INDEX regwrites_reg ON regwrites (tid, reg, seq)",
    "CREATE INDEX regwrites_value ON regwrites (value, seq)",
    "CREATE INDEX writes_value ON writes (value, seq)",
)

TIME_INDEX = "CREATE INDEX events_time ON events (time)"
"""Only for a trace whose times are not in seq order (events recorded from several clocks)."""

WRITE_SIZES: tuple[int, ...] = (1, 2, 4, 8)
"""Access sizes a write row may have (the memory hook reports at most 64 bits per access);
lookups probe each (base, size) pair by index."""


# --- recognising the file before SQLite sees it ---------------------------------------------
_SQLITE_MAGIC = b"SQLite format 3\x00"
_RECORD_HINT = "give the file written by `blindfold run --trace FILE`"


def _truncation(head: bytes, size: int) -> str | None:
    """Compare the file's length with the page count SQLite's own header promises."""
    page_size = int.from_bytes(head[16:18], "big")
    if page_size == 1:
        page_size = 65536
    if page_size < 512 or page_size & (page_size - 1):
        return "damaged SQLite header"
    if size % page_size:
        return f"truncated: {size} bytes is not a whole number of {page_size}-byte pages"
    pages = int.from_bytes(head[28:32], "big")
    # The in-header page count is valid only when its "version-valid-for" matches the change
    # counter (SQLite >= 3.7.0 keeps them in step).
    if head[92:96] == head[24:28] and pages and size < pages * page_size:
        return f"truncated: {size} of {pages * page_size} bytes"
    return None


def file_problem(path: Path) -> tuple[str, str] | None:
    """(what is wrong, what to do) when `path` cannot be a trace at all; None if it may be.

    Checked before SQLite opens the file: SQLite would happily create a missing file, and a
    truncated one often opens fine and fails only on the first query that reaches the cut.
    """
    if not path.exists():
        return "no such trace file", _RECORD_HINT
    if path.is_dir():
        return "is a directory, not a trace file", _RECORD_HINT
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        return f"cannot read: {exc.strerror}", "check the permissions"
    if size == 0:
        return "empty file, not a trace", _RECORD_HINT
    if not head.startswith(_SQLITE_MAGIC):
        return "not a Blindfold trace (not an SQLite file)", _RECORD_HINT
    if len(head) < 100:
        return f"truncated: {size} bytes, shorter than an SQLite header", _RECORD_HINT
    problem = _truncation(head, size)
    if problem:
        return problem, "the copy or the recording was cut short"
    return None
