"""Scheduling on a rack: one run queue per compute blade, the wait queues at the homes.

A runnable thread sits in the run queue of the blade it is placed on, and only that blade runs
it.  A sleeping thread is parked on its blade, but what it waits for (a futex word named by its
global virtual address, a pipe, a child) is registered with its process's home, in the order
the sleepers arrived: that is where wakers find it.  A wake-up issued on a blade other than
the sleeper's is a WAKE message on the rack's network: the thread is runnable again only when
the message has arrived, and until then it is in transit (neither asleep nor queued), so no
timeout or second wake-up can touch it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from kernel_model.process import Thread, ThreadState, WaitReason
from kernel_model.scheduler import SleeperQueries

if TYPE_CHECKING:
    from kernel_model.blade_node import BladeNode


class _RunQueues:
    """The blades' run queues seen together (what the generic run loop appends to)."""

    def __init__(self, sched: RackScheduler) -> None:
        self._sched = sched

    def append(self, t: Thread) -> None:
        self._sched.node_of(t).sched.runqueue.append(t)

    def __bool__(self) -> bool:
        return any(n.sched.runqueue for n in self._sched.nodes)

    def __len__(self) -> int:
        return sum(len(n.sched.runqueue) for n in self._sched.nodes)

    def __iter__(self) -> Iterator[Thread]:
        for n in self._sched.nodes:
            yield from n.sched.runqueue


class RackScheduler(SleeperQueries):
    """The `Scheduler` interface over the blades' own run queues and the homes' sleepers."""

    def __init__(self, nodes: list[BladeNode], blade_of: Callable[[Thread], int],
                 send_wake: Callable[[Thread, int], bool]) -> None:
        self.nodes = nodes
        self._blade_of = blade_of
        # send_wake(thread, blade) puts a WAKE on the network when the waker's blade is not
        # the sleeper's; False means the wake-up is local and takes effect at once.
        self._send_wake = send_wake
        self.runqueue = _RunQueues(self)
        self.blocked: list[Thread] = []        # every home's sleepers, in the order they slept
        self.in_transit: set[int] = set()      # tids woken whose WAKE has not yet arrived
        self._next_blade = 0
        self.current: Thread | None = None

    def node_of(self, t: Thread) -> BladeNode:
        return self.nodes[self._blade_of(t)]

    def add(self, t: Thread) -> None:
        self.node_of(t).sched.add(t)

    def pick(self) -> Thread | None:
        """The next blade with a runnable thread after the one that ran last, in turn."""
        n = len(self.nodes)
        for step in range(n):
            i = (self._next_blade + step) % n
            t = self.nodes[i].sched.pick()
            if t is not None:
                self._next_blade = (i + 1) % n
                return t
        return None

    def has_other_runnable(self) -> bool:
        return any(n.sched.has_other_runnable() for n in self.nodes)

    def block(self, t: Thread, reason: WaitReason) -> None:
        node = self.node_of(t)
        node.sched.block(t, reason)         # parked on its blade ...
        self.blocked.append(t)              # ... and registered at its home
        node.counters["sleeps"] += 1

    def unblock(self, t: Thread) -> None:
        if t.state != ThreadState.BLOCKED:
            return
        self.blocked.remove(t)
        node = self.node_of(t)
        if self._send_wake(t, node.index):
            node.sched.blocked.remove(t)
            t.state = ThreadState.RUNNABLE
            t.wait = None
            self.in_transit.add(t.tid)
        else:
            node.sched.unblock(t)

    def arrived(self, t: Thread) -> None:
        """A WAKE for `t` reached its blade: it joins that blade's run queue."""
        if t.tid in self.in_transit:
            self.in_transit.discard(t.tid)
            if t.state == ThreadState.RUNNABLE:
                self.node_of(t).sched.runqueue.append(t)

    def remove(self, t: Thread) -> None:
        if t in self.blocked:
            self.blocked.remove(t)
        self.in_transit.discard(t.tid)
        self.node_of(t).sched.remove(t)
