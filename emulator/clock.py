"""The virtual clock and the cost model.

Time inside the model is a cycle count that only modelled events advance;
the host's wall clock is never read.  Every event kind has a price in the cost
table, which the machine description may override.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_COSTS: Mapping[str, int] = MappingProxyType({
    "instruction": 1,            # per guest instruction, exact-timing mode only
    "exception_entry": 60,       # architectural entry to a vector
    "exception_return": 40,      # eret
    "syscall_dispatch": 150,     # kernel-side decode and dispatch of a syscall
    "tlb_flush": 200,
    "page_copy": 1000,           # 4 KiB memcpy
    "page_zero": 600,            # 4 KiB memset
    "page_walk": 30,             # per descriptor level read by a software walk
    "context_switch": 800,
    "mmio_access": 50,           # per device register access
    "guardian_call": 250,        # HVC/SMC round trip into the monitor
    "page_encrypt": 3000,        # authenticated encryption of one 4 KiB page
    "page_decrypt": 3000,
    "swap_io": 20000,            # one page to or from the swap device
    "dram_access": 100,          # a modelled DRAM access (cache miss) outside Unicorn
    "link_hop": 500,             # one network link traversal in the rack
    "switch_pass": 200,          # one pass through the programmable switch pipeline
})

#: The generic timer's counter frequency (CNTFRQ_EL0) unless the machine states another.
DEFAULT_COUNTER_HZ = 62_500_000


class VirtualClock:
    """Cycles since reset, advanced only by charged events."""

    def __init__(self, frequency_hz: int = 1_000_000_000,
                 costs: Mapping[str, int] | None = None,
                 counter_hz: int = DEFAULT_COUNTER_HZ) -> None:
        if frequency_hz <= 0 or counter_hz <= 0:
            raise ValueError("clock frequency must be positive")
        self.frequency_hz = frequency_hz
        self.counter_hz = counter_hz
        self.costs: dict[str, int] = dict(DEFAULT_COSTS)
        if costs:
            self.costs.update(costs)
        self.cycles = 0
        self.charged: dict[str, int] = {}

    def charge(self, event: str, count: int = 1) -> None:
        """Advance time by the price of `count` events of this kind."""
        cost = self.costs[event] * count
        self.cycles += cost
        self.charged[event] = self.charged.get(event, 0) + cost

    def spend(self, event: str, cycles: int) -> None:
        """Advance time by a duration a model computed itself (a rack fetch's network time)."""
        if cycles > 0:
            self.cycles += cycles
            self.charged[event] = self.charged.get(event, 0) + cycles

    def charge_pair(self, first: str, second: str) -> None:
        """charge(first) then charge(second), in one call (the exception hot path)."""
        costs = self.costs
        charged = self.charged
        a = costs[first]
        b = costs[second]
        self.cycles += a + b
        charged[first] = charged.get(first, 0) + a
        charged[second] = charged.get(second, 0) + b

    def advance(self, cycles: int) -> None:
        """Let time pass with no event (an idle CPU waiting for a timer)."""
        if cycles > 0:
            self.cycles += cycles
            self.charged["idle"] = self.charged.get("idle", 0) + cycles

    @property
    def nanoseconds(self) -> int:
        return self.cycles * 1_000_000_000 // self.frequency_hz

    @property
    def counter(self) -> int:
        """The generic timer's count (CNTVCT_EL0): the same time CLOCK_MONOTONIC tells,
        in ticks of counter_hz, so it never goes backwards."""
        return self.nanoseconds * self.counter_hz // 1_000_000_000

    def cycles_for_ns(self, ns: int) -> int:
        return -(-ns * self.frequency_hz // 1_000_000_000)


class Stats:
    """Counters with dotted names (`kernel.syscalls.read`, `mmu.walks`)."""

    def __init__(self) -> None:
        #: name -> value; hot paths may add to it directly (`counters[k] = counters.get(k, 0) + 1`).
        self.counters: dict[str, int] = {}
        self._counters = self.counters

    def inc(self, name: str, by: int = 1) -> None:
        c = self._counters
        c[name] = c.get(name, 0) + by

    def set(self, name: str, value: int) -> None:
        self._counters[name] = value

    def get(self, name: str) -> int:
        return self._counters.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self._counters.items()))
