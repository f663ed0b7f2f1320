"""Rebuilding state from a trace: registers at any event, memory from recorded stores.

Register state comes from the nearest per-thread snapshot plus the deltas after it; memory from
the latest recorded write covering each byte.  Every question is a few index seeks or a bounded
replay.  A mixin of `TraceFile`, which owns the database and finds events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from emulator.trace import TraceEvent
from emulator.tracing import schema as S
from emulator.tracing.schema import REG_NAMES

_ROLL_LIMIT = 4 * S.SNAPSHOT_EVERY   # seq gap beyond which a fresh rebuild is cheaper


def _runs(seqs: list[int], gap: int) -> Iterator[list[int]]:
    """Split sorted seqs where two neighbours are more than `gap` apart."""
    start = 0
    for i in range(1, len(seqs) + 1):
        if i == len(seqs) or seqs[i] - seqs[i - 1] > gap:
            yield seqs[start:i]
            start = i



class StateQueries:
    """Registers and memory at a point of the trace (see `TraceFile` for the conventions)."""

    _db: sqlite3.Connection
    _regs_kinds: frozenset[str]

    if TYPE_CHECKING:
        def event(self, seq: int) -> TraceEvent | None: ...

    # --- registers ------------------------------------------------------------------------
    def _tid_of(self, seq: int) -> int | None:
        row = self._db.execute("SELECT tid FROM events WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    def _state_at(self, tid: int, seq: int) -> list[int] | None:
        """Register list of `tid` after its latest register record at or before `seq`."""
        db = self._db
        snap = db.execute("SELECT seq, regs FROM snapshots WHERE tid = ? AND seq <= ? "
                          "ORDER BY seq DESC LIMIT 1", (tid, seq)).fetchone()
        if snap is None:
            return None
        state = list(S.REGS_STRUCT.unpack(snap[1]))
        for reg, value in db.execute("SELECT reg, value FROM regwrites WHERE tid = ? AND seq > ? "
                                     "AND seq <= ? ORDER BY seq", (tid, snap[0], seq)):
            state[reg] = value & S.U64_MASK
        return state

    def _attach_regs(self, evs: list[TraceEvent]) -> list[TraceEvent]:
        """Put the register list back into the events that held one when they were emitted.

        Nearby events of one thread are rolled forward from one rebuilt state (a page of
        instructions costs one snapshot lookup and one delta scan); far-apart ones are rebuilt
        each from its own snapshot, so a sparse page never drags in the deltas between.
        """
        wanted: dict[int, list[int]] = {}
        for i, ev in enumerate(evs):
            if ev.kind in self._regs_kinds and "regs" not in ev.data:
                wanted.setdefault(ev.tid, []).append(i)
        for tid, idxs in wanted.items():
            states: dict[int, list[int] | None] = {}
            seqs = sorted({evs[i].seq for i in idxs})
            for run in _runs(seqs, _ROLL_LIMIT):
                state = self._state_at(tid, run[0])
                states[run[0]] = None if state is None else list(state)
                if state is None or len(run) == 1:
                    continue
                rows = self._db.execute(
                    "SELECT seq, reg, value FROM regwrites WHERE tid = ? AND seq > ? AND seq <= ? "
                    "ORDER BY seq", (tid, run[0], run[-1])).fetchall()
                pos = 0
                for s in run[1:]:
                    while pos < len(rows) and rows[pos][0] <= s:
                        state[rows[pos][1]] = rows[pos][2] & S.U64_MASK
                        pos += 1
                    states[s] = list(state)
            for i in idxs:
                ev = evs[i]
                regs = states[ev.seq]
                if regs is not None:
                    evs[i] = ev._replace(data={**ev.data, "regs": regs})
        return evs

    def registers_at(self, seq: int) -> dict[str, int] | None:
        """Registers of the thread of event `seq` after its latest register record at or
        before `seq`; None when that thread has none yet (or there is no such event)."""
        tid = self._tid_of(seq)
        if tid is None:
            return None
        state = self._state_at(tid, seq)
        return None if state is None else dict(zip(REG_NAMES, state, strict=True))

    def changed_registers(self, seq: int) -> set[str]:
        """Registers that event `seq` changed relative to its thread's previous known state
        (all of them at a thread's first register record; none for other events)."""
        tid = self._tid_of(seq)
        if tid is None:
            return set()
        return {REG_NAMES[r] for (r,) in self._db.execute(
            "SELECT reg FROM regwrites WHERE tid = ? AND seq = ?", (tid, seq))}

    def last_reg_write(self, seq: int, reg: str) -> TraceEvent | None:
        """The latest event before `seq` (same thread) at which `reg` changed."""
        index = S.REG_INDEX.get(reg.lower())
        if index is None:
            raise ValueError(f"unknown register {reg!r}; use one of {', '.join(REG_NAMES)}")
        tid = self._tid_of(seq)
        if tid is None:
            return None
        row = self._db.execute("SELECT seq FROM regwrites WHERE tid = ? AND reg = ? AND seq < ? "
                               "ORDER BY seq DESC LIMIT 1", (tid, index, seq)).fetchone()
        return self.event(row[0]) if row else None

    # --- memory --------------------------------------------------------------------------
    def _covering_writes(self, seq: int, addr: int, size: int, spaces: Sequence[int],
                         inclusive: bool) -> list[tuple[int, int, int, int]]:
        """(seq, base, size, value) of the latest write per (base, size) touching the range.

        One index seek per candidate (base, size): bounded work however hot the address is.
        """
        op = "<=" if inclusive else "<"
        sql = (f"SELECT seq, value FROM writes WHERE space = ? AND addr = ? AND size = ? "
               f"AND seq {op} ? ORDER BY seq DESC LIMIT 1")
        end = addr + size
        found: list[tuple[int, int, int, int]] = []
        biggest = max(S.WRITE_SIZES)
        for space in spaces:
            for base in range(max(addr - biggest + 1, 0), end):
                for wsize in S.WRITE_SIZES:
                    if base + wsize <= addr:
                        continue
                    row = self._db.execute(sql, (space, S.to_s64(base), wsize, seq)).fetchone()
                    if row:
                        found.append((row[0], base, wsize, row[1] & S.U64_MASK))
        found.sort(reverse=True)
        return found

    def memory_at(self, seq: int, addr: int, size: int) -> bytes | None:
        """Guest memory [addr, addr+size) after event `seq`, from recorded stores (mem level);
        None if any byte was never written in the trace up to then."""
        if size <= 0:
            return b""
        if self._db.execute("SELECT 1 FROM writes WHERE space = ? AND addr BETWEEN ? AND ? "
                            "AND seq <= ? LIMIT 1",
                            (S.SPACE_VIRTUAL, S.to_s64(max(addr - max(S.WRITE_SIZES) + 1, 0)),
                             S.to_s64(addr + size - 1), seq)).fetchone() is None:
            return None     # nothing ever stored near there: skip the per-address probes
        out: list[int | None] = [None] * size
        missing = size
        for _seq, base, wsize, value in self._covering_writes(seq, addr, size,
                                                              (S.SPACE_VIRTUAL,), True):
            raw = value.to_bytes(8, "little")
            for off in range(max(base, addr), min(base + wsize, addr + size)):
                if out[off - addr] is None:
                    out[off - addr] = raw[off - base]
                    missing -= 1
            if not missing:
                break
        if missing:
            return None
        return bytes(b for b in out if b is not None)

    def last_write(self, seq: int, addr: int) -> TraceEvent | None:
        """The latest event before `seq` that wrote the byte at `addr`: a guest store
        (virtual address) or a translation-table entry (physical address of the entry)."""
        found = self._covering_writes(seq, addr, 1, (S.SPACE_VIRTUAL, S.SPACE_PHYSICAL), False)
        return self.event(found[0][0]) if found else None

    def first_appearance(self, value: int, *, seq0: int = 0) -> TraceEvent | None:
        """The first event at or after `seq0` that put `value` in a register or stored it."""
        v = S.to_s64(value)
        db = self._db
        seqs = [row[0] for row in (
            db.execute("SELECT MIN(seq) FROM regwrites WHERE value = ? AND seq >= ?", (v, seq0))
            .fetchone(),
            db.execute("SELECT MIN(seq) FROM writes WHERE value = ? AND seq >= ?", (v, seq0))
            .fetchone(),
        ) if row and row[0] is not None]
        return self.event(min(seqs)) if seqs else None
