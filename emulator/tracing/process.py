"""A writer process: the trace file is filled on another core while the guest runs.

Recording at the "events" level must stay cheap next to a syscall-heavy guest, and most of what
a recorded event costs is turning it into rows (JSON, register deltas, indexes) and SQLite's own
work.  So the recording process only batches events and hands them over a pipe to a writer
process running a `TraceWriter`; the two run side by side.  The pipe carries backpressure: a
writer that falls behind slows the guest rather than growing memory.

The writer is a fresh interpreter (`python -S`, standard library and this package only), not a
fork: a fork would make the recording process pay a copy-on-write fault for every page of the
machine it touches afterwards.  The recording process creates the file before starting it, so a
bad path is reported at once, in the recording process.

Protocol, on the writer's stdin: frames of one type byte and a 4-byte length, then the payload:
``M`` a batch of event tuples in `marshal` format (values marshal cannot carry, such as enums,
are first turned into what the JSON encoder would make of them), ``F`` finish.  The writer answers on its stdout with one
marshalled message when it has finished or failed; its failures become `TraceFileError`s with its
own words.  End of file without ``F`` (the recording process died) leaves the file unfinished,
which readers report as such.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO, Any, BinaryIO

from emulator.tracing.store import TraceFileError
from emulator.tracing.writer import TraceWriter, plain_value

_FRAME = struct.Struct("<cI")
_PIPE_BYTES = 1 << 20       # room for several batches, so the guest seldom waits on the writer
_F_SETPIPE_SZ = 1031        # fcntl command (Linux); elsewhere the default pipe size stays
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])   # the directory holding `emulator`
_WRITER_MAIN = "from emulator.tracing.process import main; main()"


def available() -> bool:
    """Whether a writer process is worth it here: a second CPU for it to run on."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2 and bool(sys.executable)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    """`n` bytes, or None at end of file."""
    parts: list[bytes] = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


class WriterStartError(TraceFileError):
    """The writer process could not be started (the file itself was created)."""


class ProcessWriter:
    """The recording side: `add` batches, then `finish` (or `abandon`)."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        TraceWriter.create(self.path, header)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH"))
                                            if p)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _WRITER_MAIN, str(self.path),
                 "live" if live_indexes(header) else "bulk"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, close_fds=True)
        except OSError as exc:
            raise WriterStartError(f"{self.path}: cannot start the trace writer process: "
                                   f"{exc.strerror}", "record with --trace-writer inline") from exc
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._data = self._proc.stdin.fileno()
        with contextlib.suppress(ImportError, OSError):
            import fcntl
            fcntl.fcntl(self._data, _F_SETPIPE_SZ, _PIPE_BYTES)
        self._done = False
        self.count = 0

    def _reply(self) -> tuple[Any, ...] | None:
        """The writer's one message, or None if it stopped without one."""
        assert self._proc.stdout is not None
        size = _read_exact(self._proc.stdout, 4)
        body = _read_exact(self._proc.stdout, int.from_bytes(size, "little")) if size else None
        self._reap()
        return marshal.loads(body) if body else None

    def _failure(self, reply: tuple[Any, ...] | None) -> TraceFileError:
        if reply is not None and reply[0] == "error":
            return TraceFileError(reply[1], reply[2])
        return TraceFileError(f"{self.path}: the trace writer stopped unexpectedly"
                              f" (exit status {self._proc.returncode})",
                              "rerun; if it persists, report it")

    def _send(self, kind: bytes, payload: bytes) -> None:
        try:
            _write_all(self._data, _FRAME.pack(kind, len(payload)) + payload)
        except BrokenPipeError:
            raise self._failure(self._reply()) from None

    def _reap(self) -> None:
        if self._done:
            return
        self._done = True
        for stream in (self._proc.stdin, self._proc.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self._proc.wait()

    def add(self, events: list[tuple[Any, ...]]) -> None:
        try:
            payload = marshal.dumps(events)
        except ValueError:      # a value marshal does not know (an enum, say)
            payload = marshal.dumps([(*ev[:8], plain_value(ev[8])) for ev in events])
        self._send(b"M", payload)

    def finish(self) -> int:
        """Wait for the writer to write what it was given, index and mark the file complete."""
        if self._done:
            return self.count
        self._send(b"F", b"")
        reply = self._reply()
        if reply is None or reply[0] != "done":
            raise self._failure(reply)
        self.count = int(reply[1])
        return self.count

    def abandon(self) -> None:
        """Leave the file unfinished (the writer sees its input end) and wait for the writer."""
        self._reap()


# --- the writer process ----------------------------------------------------------------------
def _tell(out: BinaryIO, *message: Any) -> None:
    body = marshal.dumps(message)
    out.write(len(body).to_bytes(4, "little") + body)
    out.flush()


def live_indexes(header: dict[str, Any]) -> bool:
    """Whether the writer can afford to keep the indexes live: at the events level it has time
    to spare beside the guest; at the instruction levels it is the slower side already."""
    return header.get("level", "events") == "events"


def serve(path: Path, data: BinaryIO, out: BinaryIO, live: bool = True) -> None:
    """Write the events read from `data` into the trace `create` made at `path`."""
    try:
        writer = TraceWriter(path, streaming=True, live_indexes=live)
    except TraceFileError as exc:
        _tell(out, "error", exc.message, exc.hint)
        return
    try:
        while True:
            frame = _read_exact(data, _FRAME.size)
            if frame is None:           # the recording process went away mid-run
                writer.abandon()
                return
            kind, size = _FRAME.unpack(frame)
            payload = _read_exact(data, size) if size else b""
            if payload is None:
                writer.abandon()
                return
            if kind == b"M":
                writer.add(marshal.loads(payload))
            else:
                _tell(out, "done", writer.finish())
                return
    except TraceFileError as exc:
        writer.abandon()
        _tell(out, "error", exc.message, exc.hint)
    except Exception as exc:        # noqa: BLE001 - a bug: say it in the recording process
        writer.abandon()
        _tell(out, "error", f"{path}: the trace writer failed: {type(exc).__name__}: {exc}",
              "rerun with -v and report it")


def main() -> None:
    """Entry point of the writer process: `python -S -c ... PATH live|bulk`."""
    # Ctrl-C reaches the whole process group; the recording process decides how the trace ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Batches are trees of tuples, dicts and lists that never form cycles: the cyclic
    # collector would only rescan them, at a cost of about a fifth of the writer's time.
    gc.disable()
    serve(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer, sys.argv[2] == "live")
    # Everything is written and reported: skip the interpreter's teardown, which the
    # recording process would otherwise wait for.
    os._exit(0)
