"""A PL011-like UART: enough of the ARM PrimeCell UART for boot code and simple drivers.

Transmission is instantaneous (the transmit FIFO is always empty), so guests that poll
``FR.TXFF`` before each byte never wait. Input is whatever the host :meth:`UART.feed`s. Enable
bits in ``CR`` are stored but not enforced: much early boot code prints before enabling the UART,
and QEMU's model behaves the same way. There is no interrupt controller yet, so interrupt state
is only visible through ``RIS``/``MIS`` and :attr:`UART.irq_pending`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import ClassVar

from emulator.mmio import Field, MmioDevice, Register

__all__ = ["UART"]

log = logging.getLogger(__name__)

# FR bits (PL011 TRM, UARTFR).
FR_BUSY = 1 << 3
FR_RXFE = 1 << 4
FR_TXFF = 1 << 5
FR_RXFF = 1 << 6
FR_TXFE = 1 << 7

# Interrupt bits shared by IMSC/RIS/MIS/ICR.
INT_RX = 1 << 4
INT_TX = 1 << 5

RX_FIFO_DEPTH = 32  # PL011's FIFO depth; only used to report RXFF

# PrimeCell identification registers as a PL011 r1p5 reports them; Linux's amba bus probes these.
_PERIPH_ID = (0x11, 0x10, 0x14, 0x00)
_CELL_ID = (0x0D, 0xF0, 0x05, 0xB1)

_INT_FIELDS = tuple(
    Field(n, b, 1) for n, b in
    (("RIM", 0), ("CTSM", 1), ("DCDM", 2), ("DSRM", 3), ("RX", 4), ("TX", 5),
     ("RT", 6), ("FE", 7), ("PE", 8), ("BE", 9), ("OE", 10))
)

Sink = Callable[[bytes], None]


class UART(MmioDevice):
    """PL011 subset. ``sink`` receives each transmitted byte; by default bytes collect in
    :attr:`output`, which tests and the CLI read after the run."""

    type_name: ClassVar[str] = "uart"
    registers: ClassVar[tuple[Register, ...]] = (
        Register("DR", 0x000, fields=(Field("DATA", 0, 8), Field("FE", 8, 1, "ro"),
                                      Field("PE", 9, 1, "ro"), Field("BE", 10, 1, "ro"),
                                      Field("OE", 11, 1, "ro"))),
        Register("RSR", 0x004),
        Register("FR", 0x018, access="ro", fields=(
            Field("CTS", 0, 1), Field("DSR", 1, 1), Field("DCD", 2, 1), Field("BUSY", 3, 1),
            Field("RXFE", 4, 1), Field("TXFF", 5, 1), Field("RXFF", 6, 1), Field("TXFE", 7, 1),
            Field("RI", 8, 1))),
        Register("ILPR", 0x020),
        Register("IBRD", 0x024, fields=(Field("BAUD_DIVINT", 0, 16),)),
        Register("FBRD", 0x028, fields=(Field("BAUD_DIVFRAC", 0, 6),)),
        Register("LCR_H", 0x02C, fields=(Field("BRK", 0, 1), Field("PEN", 1, 1), Field("EPS", 2, 1),
                                         Field("STP2", 3, 1), Field("FEN", 4, 1),
                                         Field("WLEN", 5, 2), Field("SPS", 7, 1))),
        Register("CR", 0x030, reset=0x300, fields=(Field("UARTEN", 0, 1), Field("LBE", 7, 1),
                                                  Field("TXE", 8, 1), Field("RXE", 9, 1))),
        Register("IFLS", 0x034, reset=0x12),
        Register("IMSC", 0x038, fields=_INT_FIELDS),
        Register("RIS", 0x03C, access="ro", fields=_INT_FIELDS),
        Register("MIS", 0x040, access="ro", fields=_INT_FIELDS),
        Register("ICR", 0x044, access="wo", fields=_INT_FIELDS),
        Register("DMACR", 0x048),
        *(Register(f"PERIPHID{i}", 0xFE0 + 4 * i, access="ro", reset=v) for i, v in enumerate(_PERIPH_ID)),
        *(Register(f"PCELLID{i}", 0xFF0 + 4 * i, access="ro", reset=v) for i, v in enumerate(_CELL_ID)),
    )

    def __init__(self, name: str, size: int | None = None, sink: Sink | None = None) -> None:
        self.output = bytearray()
        self.sink: Sink = sink if sink is not None else self.output.extend
        self._rx: deque[int] = deque()
        self._tx_count = 0
        self._rx_count = 0
        self._latched = 0  # interrupt bits raised by events and not yet cleared through ICR
        super().__init__(name, size)

    def reset(self) -> None:
        super().reset()
        self._rx = deque()
        self._latched = 0

    # --- host side ------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Queue bytes for the guest to read from ``DR``."""
        self._rx.extend(data)

    @property
    def pending_input(self) -> int:
        return len(self._rx)

    @property
    def irq_pending(self) -> bool:
        """Whether the UART would assert its interrupt line (for a future interrupt controller)."""
        return bool(self.on_read_mis())

    # --- register behaviour ---------------------------------------------------------------

    def on_write_dr(self, value: int) -> None:
        self._tx_count += 1
        self._latched |= INT_TX
        self.sink(bytes((value & 0xFF,)))

    def on_read_dr(self) -> int:
        if not self._rx:
            return 0
        self._rx_count += 1
        return self._rx.popleft()

    def on_read_fr(self) -> int:
        fr = FR_TXFE
        if not self._rx:
            fr |= FR_RXFE
        elif len(self._rx) >= RX_FIFO_DEPTH:
            fr |= FR_RXFF
        return fr

    def on_read_ris(self) -> int:
        return self._latched | (INT_RX if self._rx else 0)

    def on_read_mis(self) -> int:
        return self.on_read_ris() & self.value("IMSC")

    def on_write_icr(self, value: int) -> None:
        self._latched &= ~value

    def statistics(self) -> dict[str, int]:
        stats = super().statistics()
        stats["tx_bytes"] = self._tx_count
        stats["rx_bytes"] = self._rx_count
        return stats
