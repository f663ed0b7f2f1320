"""Readiness of host file descriptors, for any descriptor number.

`select.select` refuses descriptors at or above FD_SETSIZE (1024), which a run that keeps
many host files open reaches; poll(2) has no such limit.  A descriptor that is closed or
broken counts as ready, so its reader meets the error itself (as select reports it).
"""

from __future__ import annotations

import select
from collections.abc import Iterable

_READY = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR | select.POLLNVAL


def readable(fds: Iterable[int], timeout: float | None) -> list[int]:
    """The descriptors of `fds` a read would not block on, waiting up to `timeout`
    seconds (None: until one is ready)."""
    poller = select.poll()
    wanted = list(dict.fromkeys(fds))
    for fd in wanted:
        poller.register(fd, select.POLLIN | select.POLLPRI)
    ms = None if timeout is None else max(0, int(timeout * 1000))
    return [fd for fd, ev in poller.poll(ms) if ev & _READY]
