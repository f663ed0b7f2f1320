"""Wait queues: what a guest thread (or an epoll instance) sleeps on.

An object whose readiness can change (a pipe, an eventfd, a socket, a timer)
owns a :class:`WaitQueue` and calls :meth:`WaitQueue.notify` after every change,
with the poll events the change may have produced, as Linux's wake-up keys do.
Watchers are plain callbacks: the kernel's "wake the threads sleeping on this
queue", or an epoll entry marking itself ready.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from kernel_model.process import WaitReason

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

#: A wake-up key that matches every interest (state changes of unknown kind).
ALL_EVENTS = 0xFFFF_FFFF

Watcher = Callable[[int], None]


class Waitable(Protocol):
    """Anything with watchers to call after a change (pipes predate WaitQueue)."""

    on_change: list[Watcher]

    def notify(self, events: int = ALL_EVENTS) -> None: ...


class WaitQueue:
    """A list of watchers run after each change of the owner's state."""

    def __init__(self) -> None:
        self.on_change: list[Watcher] = []
        self._kernel_watch = False

    def notify(self, events: int = ALL_EVENTS) -> None:
        """Tell every watcher that the owner changed; ``events`` says how (POLLIN, POLLOUT...)."""
        for cb in list(self.on_change):
            cb(events)


def watch(k: Kernel, q: Waitable) -> None:
    """Make the kernel wake threads sleeping on ``q`` (WaitReason.key is q) when it changes.

    Installed once per queue; the woken threads re-run their syscall, which
    decides whether the change was the one they wait for.
    """
    if getattr(q, "_kernel_watch", False):
        return
    q._kernel_watch = True  # type: ignore[attr-defined]
    q.on_change.append(lambda _events: k.wake_where(lambda w: w.key is q, None))


def sleep_on(k: Kernel, q: Waitable, what: str, deadline: int | None = None) -> None:
    """Block the current thread until ``q`` changes (or the deadline, in cycles, passes)."""
    watch(k, q)
    k.block(WaitReason(what, key=q, deadline=deadline, timeout_result=None, until=deadline))


def any_of(k: Kernel, queues: list[Waitable]) -> WaitQueue:
    """A queue notified when any of ``queues`` changes, for a thread waiting on several.

    It lives as long as one wait: its watchers drop out of the watched queues at
    their next change once no thread sleeps on it any more.
    """
    combined = WaitQueue()
    watch(k, combined)

    def relay(events: int, source: Waitable) -> None:
        if any(True for _ in k.sched.waiting(lambda w: w.key is combined)):
            combined.notify(events)
        else:
            source.on_change[:] = [cb for cb in source.on_change if getattr(cb, "relay_of", None) is not combined]

    for q in queues:
        def cb(events: int, q: Waitable = q) -> None:
            relay(events, q)
        cb.relay_of = combined  # type: ignore[attr-defined]
        q.on_change.append(cb)
    return combined
