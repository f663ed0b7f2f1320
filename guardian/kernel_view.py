"""What the kernel sees of a confidential address space while it runs: EPD0 set (it
cannot walk the user half), its own vector table in VBAR_EL1 (the Guardian's table
only while user code runs), and a full flush when a confidential tree comes or goes.
"""

from __future__ import annotations

from emulator import sysregs as S
from guardian.confidential_registry import Registry
from guardian.state import MonitorState


class KernelView:
    def __init__(self, state: MonitorState, registry: Registry) -> None:
        self.s = state
        self.registry = registry
        self.cpu = state.cpus[0]
        #: The kernel's own VBAR_EL1 (a trapped, checked write records it).
        self.kernel_vbar = 0

    def set(self, confidential_live: bool) -> None:
        """EPD0 on while the kernel runs with a confidential TTBR0, VBAR the kernel's.

        EPD0 takes effect without a TLB flush: the kernel's EL1 accesses file their
        cached translations under the TTBR only while EPD0 is clear (under EPD0 every
        user-half access misses and the walker faults), and Unicorn runs only EL0 code,
        always with EPD0 clear (a TCR value it sees differ is a full flush of its own)."""
        cpu = self.cpu
        tcr = cpu.tcr | S.TCR_EPD0 if confidential_live else cpu.tcr & ~S.TCR_EPD0
        cpu.set_el1_view(tcr, self.kernel_vbar or cpu.vbar)

    def on_ttbr0(self, value: int) -> None:
        """A (checked) TTBR0 switch by the kernel."""
        reg = self.registry
        live = reg.domain_of_root(value) is not None
        if not live:
            reg.running = 0         # another program may use the core's exclusive monitor
        old = self.cpu.ttbr0
        if value != old and (live or reg.domain_of_root(old) is not None):
            # Unicorn keeps translations across a TTBR0 write that keeps the ASID: none of
            # a confidential tree may outlive the switch, nor reach one from another tree.
            self.s.flush()
        self.set(live)
