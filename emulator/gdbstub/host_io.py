"""Host streams that stay right when the machine goes back in time: input is read
once from the host and replayed from its record; output a replay would repeat is
held back."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO


class RecordedInput:
    """A host input stream whose reads are recorded, so a replay reads the same bytes."""

    def __init__(self, source: BinaryIO | None, fd: int = 0) -> None:
        self.source = source
        self.fd = fd
        self.record: list[bytes] = []
        self.reads = 0

    def read1(self, n: int) -> bytes:
        i = self.reads
        self.reads += 1
        if i < len(self.record):
            return self.record[i]
        if self.source is not None:
            read1 = getattr(self.source, "read1", None)
            data = read1(n) if read1 is not None else self.source.read(n)
        else:
            data = os.read(self.fd, n)
        self.record.append(data)
        return data

    read = read1


class GatedOutput:
    """A host output stream that drops what a replay would write a second time."""

    def __init__(self, sink: BinaryIO, replaying: Callable[[], bool]) -> None:
        self.sink = sink
        self.replaying = replaying

    def write(self, data: bytes) -> int:
        if not self.replaying():
            self.sink.write(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()

    def fileno(self) -> int:
        return self.sink.fileno()
