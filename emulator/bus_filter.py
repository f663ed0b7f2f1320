"""DMA on the system bus: device ports and an SMMU-like filter a monitor programs.

A bus-master device reaches physical memory only through a `BusPort`.  Each
transfer is checked against the `BusFilter`, a per-frame deny map (one bit per
4 KiB frame, as an SMMU stream table or a TZASC region map would hold) that
only the monitor level writes.  A denied transfer is a bus fault: the device
sees an error, nothing moves, and the filter reports the fault to whoever
programmed it.  With no monitor the filter denies nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

PAGE = 4096


class DmaFault(Exception):
    """The bus refused a transfer (filtered, or no memory at that address)."""


class Memory(Protocol):
    base: int
    size: int

    def read(self, pa: int, n: int) -> bytes: ...
    def write(self, pa: int, data: bytes) -> None: ...


class BusFilter:
    """The per-frame DMA deny map of one memory (written by the monitor only)."""

    def __init__(self, base: int, size: int) -> None:
        self.base = base
        self.nframes = size // PAGE
        self._denied = bytearray(self.nframes)
        self._why: dict[int, str] = {}
        self.faults = 0
        #: Called as (pa, write, reason) when a transfer is refused (the monitor's log).
        self.on_fault: Callable[[int, bool, str], None] | None = None

    def _index(self, pa: int) -> int | None:
        n = (pa - self.base) // PAGE
        return n if pa >= self.base and n < self.nframes else None

    def deny(self, pa: int, why: str) -> None:
        n = (pa - self.base) // PAGE         # (_index, inline: every frame entering a domain)
        if pa >= self.base and n < self.nframes:
            self._denied[n] = 1
            self._why[n] = why

    def allow(self, pa: int) -> None:
        n = (pa - self.base) // PAGE         # (_index, inline: every frame leaving one)
        if pa >= self.base and n < self.nframes:
            self._denied[n] = 0
            self._why.pop(n, None)

    def denied(self, pa: int) -> bool:
        n = self._index(pa)
        return n is not None and bool(self._denied[n])

    def check(self, pa: int, n: int, write: bool) -> None:
        """Raise DmaFault if any frame of [pa, pa+n) is denied."""
        for page in range(pa & ~(PAGE - 1), pa + max(n, 1), PAGE):
            idx = self._index(page)
            if idx is not None and self._denied[idx]:
                self.faults += 1
                reason = (f"DMA {'write to' if write else 'read of'} {page:#x}: "
                          f"{self._why.get(idx, 'protected')} frame")
                if self.on_fault is not None:
                    self.on_fault(page, write, reason)
                raise DmaFault(reason)


class BusPort:
    """A device's only way to physical memory: every transfer passes the filter."""

    def __init__(self, memory: Memory, bus_filter: BusFilter) -> None:
        self._memory = memory
        self._filter = bus_filter
        self.transfers = 0

    def _check(self, pa: int, n: int, write: bool) -> None:
        mem = self._memory
        if pa < mem.base or pa + n > mem.base + mem.size:
            raise DmaFault(f"bus error: no memory at [{pa:#x}, {pa + n:#x})")
        self._filter.check(pa, n, write)

    def read(self, pa: int, n: int) -> bytes:
        self._check(pa, n, False)
        self.transfers += 1
        return self._memory.read(pa, n)

    def write(self, pa: int, data: bytes) -> None:
        self._check(pa, len(data), True)
        self.transfers += 1
        self._memory.write(pa, data)
