"""Recorded traces: the SQLite store, its recorder, its reader and its exporters.

`emulator.trace` is the event bus every room emits on; this package is what makes those events
last: `attach_recorder` writes them (plus block, instruction and memory hooks when a richer level
is asked for) to a file, `TraceFile` answers the inspector's questions about it, and
`emulator.tracing.export` turns it into Perfetto or Tenet input.
"""

from __future__ import annotations

from emulator.tracing.recorder import TraceRecorder, attach_recorder
from emulator.tracing.store import REG_NAMES, TraceFile, TraceFileError

__all__ = ["REG_NAMES", "TraceFile", "TraceFileError", "TraceRecorder", "attach_recorder"]
