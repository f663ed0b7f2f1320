"""The pid getpid told the calling thread's process, where the Guardian knows it for sure:
its descriptor table is held by no thread of another process (Descriptors.reach()) and
getpid told the processes holding it one pid alone."""

from __future__ import annotations

from guardian.confidential_files import Descriptors
from guardian.slots import Slot


def own_pid(files: Descriptors, slot: Slot) -> int | None:
    """The caller's own pid, or None where not known for sure."""
    table = files.tables.get((slot.root, slot.thread))
    if table is None or len(table.pids) != 1 or not files.reach(slot).own_pids:
        return None
    return next(iter(table.pids))
