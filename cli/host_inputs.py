"""What a run took from the host: the environment, the wall-clock epoch, stdin
bytes and the digests of host files it read.

A trace records these (header at the start, the consumed inputs at the end)
so the run can be replayed exactly: the model itself is deterministic, so the
same inputs give the same execution.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Stdin bytes kept verbatim in a trace; past this only the digest and length.
STDIN_KEEP = 1 << 20


def _sha256() -> Any:
    # hashlib loads OpenSSL (~3 ms): paid by traced runs and runs that read stdin only.
    import hashlib
    return hashlib.sha256()


@dataclass(eq=False, repr=False)
class HostInputs:
    """Collects the host inputs one run consumes (see the module docstring)."""

    env: list[str] = field(default_factory=list)
    epoch_ns: int = 0
    root: str = ""
    sysroot: str | None = None
    _stdin: bytearray = field(default_factory=bytearray)
    _stdin_len: int = 0
    _stdin_hash: Any = None          # hashlib's sha256, from the first byte read
    files: dict[str, str] = field(default_factory=dict)

    def stdin_read(self, data: bytes) -> None:
        """The guest read these bytes from the host's stdin."""
        self._stdin_len += len(data)
        if self._stdin_hash is None:
            self._stdin_hash = _sha256()
        self._stdin_hash.update(data)
        if len(self._stdin) < STDIN_KEEP:
            self._stdin += data[: STDIN_KEEP - len(self._stdin)]

    def file_read(self, guest: str, host: Path, fd: int) -> None:
        """A host file opened for reading: its digest as it is now (first open wins)."""
        if guest in self.files:
            return
        h = _sha256()
        offset = 0
        try:
            while chunk := os.pread(fd, 1 << 20, offset):
                h.update(chunk)
                offset += len(chunk)
        except OSError:
            return
        self.files[guest] = h.hexdigest()

    def header(self) -> dict[str, Any]:
        """What is known before the run: the trace header's part."""
        return {"epoch_ns": self.epoch_ns, "env": list(self.env), "root": self.root,
                "sysroot": self.sysroot}

    def consumed(self) -> dict[str, Any]:
        """What the run read, for the end of the trace."""
        import base64  # traced runs only
        kept = bytes(self._stdin)
        return {
            "stdin": {"length": self._stdin_len,
                      "sha256": (self._stdin_hash or _sha256()).hexdigest(),
                      "bytes_b64": base64.b64encode(kept).decode("ascii"),
                      "complete": len(kept) == self._stdin_len},
            "files_read": dict(sorted(self.files.items())),
        }
