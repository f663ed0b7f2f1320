"""A deterministic round-robin scheduler with wait queues and virtual-time sleeps."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from kernel_model.process import Thread, ThreadState, WaitReason


class Block(Exception):  # noqa: N818 - control flow, not an error
    """Raised by a syscall handler that must sleep."""

    def __init__(self, reason: WaitReason) -> None:
        super().__init__(reason.what)
        self.reason = reason


class SleeperQueries:
    """Queries over `blocked` (the sleepers, in the order they slept), shared by the
    machine's scheduler and the rack's."""

    blocked: list[Thread]

    def waiting(self, pred: Callable[[WaitReason], bool]) -> Iterator[Thread]:
        """Blocked threads whose wait reason satisfies pred, in the order they slept."""
        for t in list(self.blocked):
            if t.wait is not None and pred(t.wait):
                yield t

    def next_deadline(self) -> int | None:
        deadlines = [t.wait.deadline for t in self.blocked
                     if t.wait is not None and t.wait.deadline is not None]
        return min(deadlines) if deadlines else None

    def expired(self, now: int) -> list[Thread]:
        return [t for t in self.blocked
                if t.wait is not None and t.wait.deadline is not None and t.wait.deadline <= now]


class Scheduler(SleeperQueries):
    """Runnable threads in FIFO order; sleepers keyed by what they wait for."""

    def __init__(self) -> None:
        self.runqueue: deque[Thread] = deque()
        self.blocked: list[Thread] = []
        self.current: Thread | None = None

    def add(self, t: Thread) -> None:
        t.state = ThreadState.RUNNABLE
        t.wait = None
        self.runqueue.append(t)

    def pick(self) -> Thread | None:
        while self.runqueue:
            t = self.runqueue.popleft()
            if t.state == ThreadState.RUNNABLE:
                return t
        return None

    def has_other_runnable(self) -> bool:
        if not self.runqueue:
            return False
        return any(t.state == ThreadState.RUNNABLE for t in self.runqueue)

    def block(self, t: Thread, reason: WaitReason) -> None:
        t.state = ThreadState.BLOCKED
        t.wait = reason
        self.blocked.append(t)

    def unblock(self, t: Thread) -> None:
        if t.state != ThreadState.BLOCKED:
            return
        self.blocked.remove(t)
        self.add(t)

    def remove(self, t: Thread) -> None:
        if t in self.blocked:
            self.blocked.remove(t)
        try:
            self.runqueue.remove(t)
        except ValueError:
            pass

