"""Timers the kernel fires on the virtual clock (timerfd and friends).

The run loop asks for the earliest deadline when every thread sleeps (so
virtual time jumps to it) and calls :meth:`KernelTimers.fire` between slices;
while any timer is armed, slices are counted quanta so the moment a timer
fires depends on the guest alone.
"""

from __future__ import annotations

from typing import Protocol

from emulator.clock import VirtualClock


class VirtualTimer(Protocol):
    """A timer with a monotonic deadline in nanoseconds (None when disarmed)."""

    deadline_ns: int | None

    def expire(self, now_ns: int) -> None:
        """The deadline has passed: count the expiry and wake the watchers."""


class KernelTimers:
    """The armed timers, by identity."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._armed: dict[int, VirtualTimer] = {}

    def __bool__(self) -> bool:
        return bool(self._armed)

    def arm(self, timer: VirtualTimer) -> None:
        """Watch ``timer`` (its deadline_ns is set); disarm() it when it stops."""
        self._armed[id(timer)] = timer

    def disarm(self, timer: VirtualTimer) -> None:
        self._armed.pop(id(timer), None)

    def next_deadline(self) -> int | None:
        """The earliest deadline in cycles (rounded up so the clock has passed it)."""
        deadlines = [t.deadline_ns for t in self._armed.values() if t.deadline_ns is not None]
        return self.clock.cycles_for_ns(min(deadlines)) if deadlines else None

    def fire(self) -> None:
        """Expire every timer whose deadline the clock has reached, in deadline order."""
        if not self._armed:
            return
        now = self.clock.nanoseconds
        due = sorted((t for t in self._armed.values()
                      if t.deadline_ns is not None and t.deadline_ns <= now),
                     key=lambda t: t.deadline_ns or 0)
        for t in due:
            t.expire(now)
