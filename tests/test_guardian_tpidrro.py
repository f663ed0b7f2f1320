"""TPIDRRO_EL0 reads 0 whenever a confidential (64-bit) thread runs, as on Linux."""

from __future__ import annotations

from emulator.sysregs import TPIDRRO_EL0
from guardian import checks
from guardian.el0_view import El0View
from tests.test_secure_mm import build


def test_the_kernel_s_value_never_reaches_user_code() -> None:
    cpu = build().hw.cpus[0]
    view = El0View(cpu, lambda: None)
    cpu.write_sysreg(TPIDRRO_EL0, 0xFFFF_FFFF_FFFF_FFFC)
    view.enter_user()
    assert cpu.read_sysreg(TPIDRRO_EL0) == 0
    view.enter_user()                                  # (already 0: nothing to do)
    assert cpu.read_sysreg(TPIDRRO_EL0) == 0
    checks.set_mutation("el0_sysregs.tpidrro_zero")
    try:
        cpu.write_sysreg(TPIDRRO_EL0, 5)
        view.enter_user()
        assert cpu.read_sysreg(TPIDRRO_EL0) == 5       # the build without the check
    finally:
        checks.set_mutation("")
