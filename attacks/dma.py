"""A bus-master device the kernel can program, and the Guardian's DMA filter.

The MMIO framework has no DMA yet, so the scenarios bring their own device:
it reaches physical memory only through a `BusPort`, and the port asks a
filter (an IOMMU/TZASC in spirit) before every transfer.  With the Guardian
on, the filter is the Guardian's: it refuses any frame its table marks as
CONFIDENTIAL, GUARDIAN or PAGE_TABLE.  Without it the port lets everything
through, as a device on a bus with no filter does.

Both classes belong in the hardware and monitor packages once the emulator
grows real DMA (the port in emulator/, the filter in guardian/); they live
here so that the attack suite can exercise the rule today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from abi import FrameKind, Status

PAGE = 4096


class DmaDenied(Exception):
    """The bus refused a transfer (the filter said no, or there is no memory there)."""


class Memory(Protocol):
    """What a bus port needs of physical memory."""

    base: int
    size: int

    def read(self, pa: int, n: int) -> bytes: ...
    def write(self, pa: int, data: bytes) -> None: ...


class FrameKinds(Protocol):
    def contains(self, pa: int) -> bool: ...
    def kind_of(self, pa: int) -> FrameKind: ...


@dataclass(frozen=True)
class DmaDecision:
    """A refusal by the filter, shaped like the Guardian's own decisions."""

    call: str
    status: Status
    reason: str


class GuardianDmaFilter:
    """Deny device access to frames the kernel itself may not touch."""

    DENIED = frozenset((FrameKind.CONFIDENTIAL, FrameKind.GUARDIAN, FrameKind.PAGE_TABLE))

    def __init__(self, frames: FrameKinds, on_decision: Callable[[DmaDecision], None] | None = None
                 ) -> None:
        self.frames = frames
        self.decisions: list[DmaDecision] = []
        self._on_decision = on_decision

    def check(self, pa: int, n: int, write: bool) -> str | None:
        """None when the transfer may proceed, else the reason it may not."""
        for page in range(pa & ~(PAGE - 1), pa + max(n, 1), PAGE):
            if not self.frames.contains(page):
                continue
            kind = self.frames.kind_of(page)
            if kind in self.DENIED:
                reason = (f"DMA {'write to' if write else 'read of'} {page:#x}: "
                          f"{kind.name} frame")
                decision = DmaDecision("dma", Status.ERR_DENIED, reason)
                self.decisions.append(decision)
                if self._on_decision is not None:
                    self._on_decision(decision)
                return reason
        return None


class BusPort:
    """A device's only way to physical memory."""

    def __init__(self, memory: Memory, dma_filter: GuardianDmaFilter | None = None) -> None:
        self._memory = memory
        self._filter = dma_filter
        self.transfers = 0

    def _check(self, pa: int, n: int, write: bool) -> None:
        mem = self._memory
        if pa < mem.base or pa + n > mem.base + mem.size:
            raise DmaDenied(f"bus error: no memory at [{pa:#x}, {pa + n:#x})")
        if self._filter is not None:
            reason = self._filter.check(pa, n, write)
            if reason is not None:
                raise DmaDenied(reason)

    def read(self, pa: int, n: int) -> bytes:
        self._check(pa, n, False)
        self.transfers += 1
        return self._memory.read(pa, n)

    def write(self, pa: int, data: bytes) -> None:
        self._check(pa, len(data), True)
        self.transfers += 1
        self._memory.write(pa, data)


class DmaEngine:
    """A copy engine: the kernel gives it a physical address and a length.

    Real drivers program such a device through MMIO registers; the scenarios
    call it directly, which grants the kernel nothing more than those
    registers would.
    """

    def __init__(self, port: BusPort) -> None:
        self._port = port

    def read(self, pa: int, n: int) -> bytes:
        """Device-to-host direction reversed: fetch n bytes at pa (e.g. a NIC transmit)."""
        return self._port.read(pa, n)

    def write(self, pa: int, data: bytes) -> None:
        """Store bytes at pa (e.g. a NIC receive)."""
        self._port.write(pa, data)
