"""Recorded traces: the SQLite store, its recorder, its reader and its exporters.

`emulator.trace` is the event bus every room emits on; this package is what makes those events
last: `attach_recorder` writes them (plus block, instruction and memory hooks when a richer level
is asked for) to a file, `TraceFile` answers the inspector's questions about it, and
`emulator.tracing.export` turns it into Perfetto or Tenet input.

The names below load on first use, so the trace writer process (which needs only the writer
and the standard library) starts without importing Unicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.tracing.recorder import TraceRecorder, attach_recorder
    from emulator.tracing.store import REG_NAMES, TraceFile, TraceFileError

__all__ = ["REG_NAMES", "TraceFile", "TraceFileError", "TraceRecorder", "attach_recorder"]

_HOMES = {"TraceRecorder": "recorder", "attach_recorder": "recorder", "REG_NAMES": "store",
          "TraceFile": "store", "TraceFileError": "store"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
