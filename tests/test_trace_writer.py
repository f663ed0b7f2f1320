"""The trace writer: the same file from a writer process as from the recording process, and
failures of the writer process reported as one-line trace errors, never hangs or tracebacks."""

from __future__ import annotations

import enum
import io
import os
import signal
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from trace_rows import table_rows

from cli.session import run_program
from emulator.trace import TraceEvent
from emulator.tracing import TraceFile, TraceFileError
from emulator.tracing import schema as S
from emulator.tracing.process import ProcessWriter
from emulator.tracing.recorder import TraceRecorder
from emulator.tracing.writer import TraceWriter, raw_registers, register_values

HEADER = {"format": S.FORMAT_NAME, "schema_version": S.SCHEMA_VERSION, "level": "events",
          "reg_names": list(S.REG_NAMES)}


def _indexes(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index' "
                                         "AND name NOT LIKE 'sqlite_%'")}
    finally:
        db.close()


@pytest.mark.parametrize(("program", "args", "level"), [("forkexec", [], "events"),
                                                        ("busyloop", ["200"], "mem")])
def test_process_and_inline_writers_write_the_same_trace(tmp_path: Path, program: str,
                                                         args: list[str], level: str) -> None:
    paths = {}
    for mode in ("process", "inline"):
        paths[mode] = tmp_path / f"{mode}.trace"
        result = run_program(program, args, stdout=io.BytesIO(), stderr=io.BytesIO(),
                             trace=paths[mode], trace_level=level, trace_writer=mode)
        assert result.exit_code == 0
    process, inline = (table_rows(paths[m], statistics=False) for m in ("process", "inline"))
    assert process["events"] and process == inline
    assert _indexes(paths["process"]) == _indexes(paths["inline"])


class Colour(enum.Enum):
    RED = 1


def _event(seq: int, kind: str = "mark", **data: Any) -> tuple[Any, ...]:
    return tuple(TraceEvent(seq, seq * 10, kind, 0, 1, 1, 0x400000, 0, data))


def test_values_marshal_cannot_carry_go_by_pickle(tmp_path: Path) -> None:
    w = ProcessWriter(tmp_path / "p.trace", HEADER)
    w.add([_event(1, text="plain"), _event(2, colour=Colour.RED, tags={"b", "a"})])
    assert w.finish() == 2
    with TraceFile.open(tmp_path / "p.trace") as tf:
        assert tf.event(2).data == {"colour": "RED", "tags": ["a", "b"]}   # type: ignore[union-attr]


def test_late_event_keeps_its_place(tmp_path: Path) -> None:
    """An exception's event arrives after its handler's events but sorts before them."""
    regs = raw_registers([7] * len(S.REG_NAMES))
    w = ProcessWriter(tmp_path / "late.trace", HEADER)
    w.add([_event(1), _event(3, "pte_write", table=0x1000, index=2, old=0, new=5)])
    w.add([_event(2, "syscall", nr=172, name="getpid", args=[0] * 6, result=1, cycles=9,
                  regs=regs)])
    w.add([_event(4)])
    assert w.finish() == 4
    with TraceFile.open(tmp_path / "late.trace") as tf:
        assert [e.seq for e in tf.events()] == [1, 2, 3, 4]
        assert tf.header["time_sorted"] is True
        assert tf.registers_at(3) == dict.fromkeys(S.REG_NAMES, 7)
        assert tf.event(2).data["regs"] == [7] * len(S.REG_NAMES)  # type: ignore[union-attr]


def test_a_writer_that_dies_is_a_trace_error(tmp_path: Path) -> None:
    w = ProcessWriter(tmp_path / "dead.trace", HEADER)
    w.add([_event(1)])
    os.kill(w._proc.pid, signal.SIGKILL)
    w._proc.wait()
    with pytest.raises(TraceFileError, match="trace writer stopped unexpectedly"):
        for seq in range(2, 2000):                 # until the pipe says the reader is gone
            w.add([_event(seq, text="x" * 1000)])
        w.finish()
    with pytest.raises(TraceFileError, match="did not finish"):
        TraceFile.open(tmp_path / "dead.trace")


def test_a_writer_error_comes_back_in_its_own_words(tmp_path: Path) -> None:
    path = tmp_path / "gone.trace"
    w = ProcessWriter(path, HEADER)
    db = sqlite3.connect(path)       # take the table away under the writer
    db.execute("DROP TABLE events")
    db.commit()
    db.close()
    w.add([_event(1)])
    with pytest.raises(TraceFileError, match="no such table: main.events"):
        w.finish()


def test_abandoned_recording_is_reported_as_unfinished(tmp_path: Path) -> None:
    rec = TraceRecorder(tmp_path / "cut.trace", HEADER, "process")
    rec.record(TraceEvent(1, 10, "mark", 0, 1, 1, 0, 0, {"text": "before the crash"}))
    rec._writer.abandon()
    with pytest.raises(TraceFileError, match="incomplete trace: the recording did not finish"):
        TraceFile.open(tmp_path / "cut.trace")


def test_bad_path_is_reported_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match="cannot create"):
        TraceRecorder(tmp_path / "no-such-dir" / "x.trace", HEADER, "process")


def test_unknown_writer_mode_is_a_usage_error(tmp_path: Path) -> None:
    from emulator.errors import UsageError
    with pytest.raises(UsageError, match="unknown trace writer"):
        TraceRecorder(tmp_path / "x.trace", HEADER, "threads")  # type: ignore[arg-type]


def test_register_forms_agree() -> None:
    values = [(i * 0x1234_5678_9ABC) & S.U64_MASK for i in range(len(S.REG_NAMES))]
    values[3] = S.U64_MASK                       # top bit set: stored signed, read unsigned
    raw = raw_registers(values)
    assert raw is not None and register_values(raw) == values
    assert raw == struct.pack(f"={len(values)}Q", *values)
    assert raw_registers(values[:-1]) is None and raw_registers(b"\0" * 8) is None


def test_deltas_name_exactly_the_changed_registers(tmp_path: Path) -> None:
    n = len(S.REG_NAMES)
    states = [[0] * n, [0] * n, [0] * n, [0] * n]
    states[1][0] = 1                     # lowest lane
    states[2][0] = 1
    states[2][n - 1] = 1 << 63           # highest lane, top bit
    states[3] = [v + 1 for v in states[2]]
    w = TraceWriter(tmp_path / "d.trace", HEADER)
    w.add([_event(i + 1, "syscall", regs=raw_registers(st)) for i, st in enumerate(states)])
    w.finish()
    with TraceFile.open(tmp_path / "d.trace") as tf:
        assert tf.changed_registers(1) == set(S.REG_NAMES)
        assert tf.changed_registers(2) == {"x0"}
        assert tf.changed_registers(3) == {S.REG_NAMES[-1]}
        assert tf.changed_registers(4) == set(S.REG_NAMES)
        for i, st in enumerate(states):
            assert tf.registers_at(i + 1) == dict(zip(S.REG_NAMES, st, strict=True))


def test_auto_falls_back_to_inline_when_no_writer_process_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import emulator.tracing.process as process
    monkeypatch.setattr(process.sys, "executable", str(tmp_path / "no-such-python"))
    monkeypatch.setattr(process, "available", lambda: True)
    with pytest.raises(TraceFileError, match="cannot start the trace writer process"):
        TraceRecorder(tmp_path / "p.trace", HEADER, "process")
    rec = TraceRecorder(tmp_path / "a.trace", HEADER, "auto")
    assert rec.writer_mode == "inline"
    rec.record(TraceEvent(1, 10, "mark", 0, 1, 1, 0, 0, {"text": "still recorded"}))
    rec.close()
    with TraceFile.open(tmp_path / "a.trace") as tf:
        assert tf.event(1).data == {"text": "still recorded"}   # type: ignore[union-attr]
