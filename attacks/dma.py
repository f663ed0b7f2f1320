"""A bus-master device the kernel can program (a copy engine, as a NIC or a disk has).

The device reaches physical memory only through the machine's DMA port
(`emulator.bus_filter.BusPort`), behind the SMMU-like filter the Guardian
programs; a refused transfer is a bus fault (`DmaDenied`) and the Guardian
records it as a decision.  Without a Guardian the filter denies nothing, as
a device on a bus with no filter does.
"""

from __future__ import annotations

from emulator.bus_filter import BusPort, DmaFault

DmaDenied = DmaFault          # the name the scenarios use for a refused transfer


class DmaEngine:
    """A copy engine: the kernel gives it a physical address and a length.

    Real drivers program such a device through MMIO registers; the scenarios
    call it directly, which grants the kernel nothing more than those
    registers would.
    """

    __slots__ = ("_port",)

    def __init__(self, port: BusPort) -> None:
        self._port = port

    def read(self, pa: int, n: int) -> bytes:
        """Device-to-host direction reversed: fetch n bytes at pa (e.g. a NIC transmit)."""
        return self._port.read(pa, n)

    def write(self, pa: int, data: bytes) -> None:
        """Store bytes at pa (e.g. a NIC receive)."""
        self._port.write(pa, data)
