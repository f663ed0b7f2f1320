"""Recording a trace: a sink on the machine's event bus that hands events to a writer.

Recording must stay cheap at the "events" level, so `record` only appends the event's fields to
a batch.  Full batches go to a `TraceWriter`: in a writer process of its own when one can run
(`emulator.tracing.process`), so JSON, register deltas and SQLite run on another core beside the
guest, or in this process otherwise.  Both write the same file.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, Protocol

import unicorn

from emulator.errors import UsageError
from emulator.trace import LEVELS, TraceEvent
from emulator.tracing import process
from emulator.tracing import schema as S
from emulator.tracing.hooks import InstalledHooks, install_hooks
from emulator.tracing.writer import TraceWriter

log = logging.getLogger(__name__)

WriterMode = Literal["auto", "process", "inline"]
WRITER_MODES: tuple[str, ...] = ("auto", "process", "inline")
_BATCH = 256        # events per hand-over: the writer keeps up closely, so it ends soon after


class _Writer(Protocol):
    def add(self, events: list[tuple[Any, ...]]) -> None: ...
    def finish(self) -> int: ...
    def abandon(self) -> None: ...


class TraceRecorder:
    """A TraceSink that batches events for a trace writer; `close` finishes the file.

    `writer` picks where the file is written: "process" (a forked writer process), "inline"
    (here), or "auto" (a process when fork and a second CPU are available).
    """

    def __init__(self, path: Path, header: dict[str, Any], writer: WriterMode = "auto") -> None:
        if writer not in WRITER_MODES:
            raise UsageError(f"unknown trace writer {writer!r}", f"use one of {', '.join(WRITER_MODES)}")
        self.path = Path(path)
        self.header = dict(header)
        self.hooks = InstalledHooks()
        self.count = 0
        self._closed = False
        self._batch: list[tuple[Any, ...]] = []
        self._writer: _Writer
        self.writer_mode = "inline"
        if writer == "process" or (writer == "auto" and process.available()):
            try:
                self._writer = process.ProcessWriter(self.path, self.header)
                self.writer_mode = "process"
                return
            except process.WriterStartError as exc:
                if writer == "process":
                    raise
                log.debug("%s; writing the trace inline", exc)
        self._writer = TraceWriter(self.path, self.header)

    def record(self, event: TraceEvent) -> None:
        batch = self._batch
        batch.append(tuple(event))
        if len(batch) >= _BATCH:
            self._writer.add(batch)
            self._batch = []

    def close(self) -> None:
        """Hand over the last batch, let the writer index and finish (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.hooks.remove()
        try:
            if self._batch:
                self._writer.add(self._batch)
                self._batch = []
            self.count = self._writer.finish()
        except BaseException:
            self._writer.abandon()
            raise
        log.debug("trace %s: %d events (%s writer)", self.path, self.count, self.writer_mode)

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
                    header_extra: dict[str, Any] | None = None,
                    writer: WriterMode = "auto") -> TraceRecorder:
    """Record `machine`'s events to `path` at `level`; close via the tracer (or the recorder).

    Call before the kernel spawns the first program so the trace starts at the beginning.
    """
    if level not in LEVELS:
        raise UsageError(f"unknown trace level {level!r}", f"use one of {', '.join(LEVELS)}")
    recorder = TraceRecorder(Path(path), build_header(machine, level, dict(header_extra or {})),
                             writer)
    machine.tracer.attach(recorder, level)
    recorder.hooks = install_hooks(list(machine.cpus), machine.tracer, level)
    return recorder


def record_events(path: Path, events: Sequence[TraceEvent],
                  header: dict[str, Any] | None = None) -> None:
    """Write a trace from ready-made events (synthetic traces for tests and benchmarks)."""
    base = {"format": S.FORMAT_NAME, "schema_version": S.SCHEMA_VERSION, "level": "events",
            "reg_names": list(S.REG_NAMES)}
    with TraceRecorder(Path(path), {**base, **(header or {})}, "inline") as rec:
        for ev in events:
            rec.record(ev)


def annotate(path: Path, values: dict[str, Any]) -> None:
    """Add header entries to a finished trace: what is known only at the end of a run
    (the host inputs it consumed, whether an interrupt ended it)."""
    import sqlite3

    if not Path(path).is_file():
        return          # nothing was recorded (no recorder was attached)
    db = sqlite3.connect(path)
    try:
        with db:
            TraceWriter._write_meta(db, values)
    finally:
        db.close()
