"""The Guardian's sealing key and rollback counter for machine snapshots.

A snapshot of a machine with the Guardian carries the Guardian's state (domains,
slots, swap versions) and RAM holding confidential pages, so it is sealed with
a key only the Guardian holds.  Restoring an older sealed state would let a
kernel feed SWAP_IN a page version the Guardian has since retired; the
Guardian therefore keeps a monotonic counter outside every snapshot (its
non-volatile counter, here a file beside the key): each sealed state carries the
counter's value when it was sealed, and only the newest sealed state is
admitted, once (admitting it advances the counter).
"""

from __future__ import annotations

import os
from pathlib import Path

KEY_BYTES = 32


class SealRefused(Exception):
    """The Guardian will not admit this sealed state."""


class GuardianSealStore:
    """The key and the counter, in a directory only the user can read."""

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            env = os.environ.get("BLINDFOLD_GUARDIAN_DIR")
            directory = Path(env) if env else Path.home() / ".local/state/blindfold/guardian"
        self.dir = directory

    def _ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def key(self) -> bytes:
        self._ensure()
        path = self.dir / "seal.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(KEY_BYTES))
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise SealRefused(f"{path} is not a Guardian sealing key")
        return key

    def counter(self) -> int:
        path = self.dir / "counter"
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return 0

    def _set_counter(self, value: int) -> None:
        self._ensure()
        tmp = self.dir / "counter.part"
        tmp.write_text(str(value))
        os.replace(tmp, self.dir / "counter")

    def next_epoch(self) -> int:
        """The counter value a state sealed now carries."""
        epoch = self.counter() + 1
        self._set_counter(epoch)
        return epoch

    def admit(self, epoch: int) -> None:
        """Accept a sealed state for restoring, once, if it is the newest sealed."""
        current = self.counter()
        if epoch != current:
            raise SealRefused(
                f"the Guardian state in this snapshot was sealed at counter {epoch}, and the "
                f"Guardian has sealed or admitted newer state since (counter {current}): "
                "restoring it could make SWAP_IN accept page versions already retired")
        self._set_counter(current + 1)
