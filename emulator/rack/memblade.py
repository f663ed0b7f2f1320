"""Memory blades: passive targets behind the switch.

A memory blade has no CPU on the data path: its NIC serves translated one-sided reads and
writes against its DRAM, one DMA at a time.  The control plane zero-fills a range when it
allocates it (MIND's meminit request).  Pages never written read as zeros, and the blade keeps
only pages that hold something.
"""

from __future__ import annotations

from emulator.rack.costs import PAGE, RackCosts
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import Kind, Packet

_ZERO = bytes(PAGE)


class MemoryBlade:
    def __init__(self, name: str, index: int, size: int, loop: EventLoop, network: Network,
                 costs: RackCosts) -> None:
        self.name = name
        self.index = index
        self.size = size
        self.loop = loop
        self.network = network
        self.costs = costs
        self._pages: dict[int, bytes] = {}
        self._dma_free_at = 0
        self.reads = 0
        self.writes = 0
        self.zeroed_bytes = 0

    # --- the control plane's side door -----------------------------------------------------
    def meminit(self, offset: int, length: int) -> None:
        """Zero-fill [offset, offset + length) (a freshly allocated range)."""
        self._check(offset, length)
        for page in range(offset, offset + length, PAGE):
            self._pages.pop(page, None)
        self.zeroed_bytes += length

    def holds(self, offset: int) -> bool:
        """Whether the page was ever written (otherwise it reads as zeros)."""
        return offset in self._pages

    def read_page(self, offset: int) -> bytes:
        self._check(offset, PAGE)
        return self._pages.get(offset, _ZERO)

    def write_page(self, offset: int, data: bytes) -> None:
        self._check(offset, PAGE)
        if len(data) != PAGE:
            raise ValueError("a memory blade stores whole 4 KiB pages")
        self._pages[offset] = bytes(data)

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or offset % PAGE or offset + length > self.size:
            raise ValueError(f"{self.name}: [{offset:#x}, +{length:#x}) is outside its "
                             f"{self.size:#x} bytes")

    # --- the NIC ------------------------------------------------------------------------------
    def receive(self, packet: Packet) -> None:
        costs = self.costs
        start = max(self.loop.now + costs.nic_ns, self._dma_free_at)
        self._dma_free_at = start + costs.memory_dma_ns
        self.loop.at(self._dma_free_at, self._serve, packet)

    def _serve(self, packet: Packet) -> None:
        costs = self.costs
        if packet.kind is Kind.MEM_READ:
            self.reads += 1
            reply = Packet(Kind.DATA, self.name, packet.requester, packet.fva,
                           req_id=packet.req_id, requester=packet.requester,
                           data=self.read_page(packet.mem_addr), region=packet.region,
                           size=costs.page_wire_bytes)
        elif packet.kind is Kind.MEM_WRITE:
            self.writes += 1
            assert packet.data is not None
            self.write_page(packet.mem_addr, packet.data)
            reply = Packet(Kind.WRITE_ACK, self.name, packet.requester, packet.fva,
                           req_id=packet.req_id, requester=packet.requester,
                           size=costs.header_bytes)
        else:
            raise ValueError(f"{self.name} cannot serve a {packet.kind.value} packet")
        self.network.send(reply, self.name, "switch")

    def statistics(self) -> dict[str, int]:
        return {"reads": self.reads, "writes": self.writes, "resident_pages": len(self._pages),
                "zeroed_bytes": self.zeroed_bytes}
