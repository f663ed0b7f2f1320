"""The test doorbell: a guest-visible way to say "I got here" with a value and a timestamp.

Guest programs and attack scenarios write a 32-bit value to ``MARK`` at interesting points; the
host records it with the virtual time of the write. Tests assert on these marks instead of parsing
output, and traces show them as "doorbell marks" so a phase of a workload can be found quickly.
The device is not modelled on real hardware, so ``ID`` carries a magic value for guests to probe.

Registers (32-bit):

======= ====== ====== =========================================================
offset  name   access meaning
======= ====== ====== =========================================================
0x00    MARK   wo     write: record a mark with this value
0x04    COUNT  ro     number of marks recorded so far (saturates at 2^32-1)
0x08    SCRATCH rw    free for the guest
0x0C    ID     ro     ``0x42464442`` ("BFDB")
======= ====== ====== =========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, NamedTuple

from emulator.mmio import MmioDevice, Register

__all__ = ["DOORBELL_ID", "Doorbell", "DoorbellMark"]

DOORBELL_ID = 0x42464442


class DoorbellMark(NamedTuple):
    """One write to ``MARK``: the value and the virtual time (cycles) it happened at."""

    value: int
    time: int


class Doorbell(MmioDevice):
    """Records guest marks. ``time_source`` gives the virtual time (the machine wires it to the
    clock; without one every mark is at time 0); ``on_mark`` is told about each mark as it
    happens, e.g. to emit a trace event or stop the run. Marks survive :meth:`reset`: like the bus
    counters, they are the record of the run rather than device state."""

    type_name: ClassVar[str] = "doorbell"
    registers: ClassVar[tuple[Register, ...]] = (
        Register("MARK", 0x0, access="wo"),
        Register("COUNT", 0x4, access="ro"),
        Register("SCRATCH", 0x8),
        Register("ID", 0xC, access="ro", reset=DOORBELL_ID),
    )

    def __init__(
        self,
        name: str,
        size: int | None = None,
        on_mark: Callable[[int], None] | None = None,
        time_source: Callable[[], int] | None = None,
    ) -> None:
        self.marks: list[DoorbellMark] = []
        self.on_mark = on_mark
        self.time_source = time_source
        super().__init__(name, size)

    def on_write_mark(self, value: int) -> None:
        now = self.time_source() if self.time_source is not None else 0
        self.marks.append(DoorbellMark(value, now))
        if self.on_mark is not None:
            self.on_mark(value)

    def on_read_count(self) -> int:
        return min(len(self.marks), 0xFFFF_FFFF)

    def values(self) -> list[int]:
        """Just the marked values, in order: what most tests compare against."""
        return [m.value for m in self.marks]

    def statistics(self) -> dict[str, int]:
        stats = super().statistics()
        stats["marks"] = len(self.marks)
        return stats
