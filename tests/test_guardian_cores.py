"""Under the Guardian only the boot core runs the kernel: every other core stays off."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from emulator import sysregs as S
from emulator.el1 import CorePoweredOff
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian import checks
from guardian.monitor import Guardian


def _two_cores() -> tuple[Machine, Guardian]:
    hw = Machine(load_machine("two-nodes"))
    guardian = Guardian(hw, guardian_seed=0)
    hw.install_monitor(guardian)
    return hw, guardian


def test_a_secondary_core_executes_nothing_under_the_guardian() -> None:
    """Core 1 is out of reset with its MMU off (every address physical): under the Guardian
    it stays off, so no load, store, system-register access or monitor call runs there."""
    hw, guardian = _two_cores()
    core1 = hw.el1(1)
    assert core1.powered_off and not hw.el1(0).powered_off
    ram = hw.ram.base
    for attempt in (lambda: core1.read(ram, 16), lambda: core1.write(ram, b"x"),
                    lambda: core1.msr(S.SCTLR_EL1, 0), lambda: core1.mrs(S.SCTLR_EL1),
                    lambda: core1.hvc(0), lambda: core1.tlbi_all(),
                    lambda: core1.run_el0(0x400000, 1)):
        with pytest.raises(CorePoweredOff):
            attempt()
    core1.invalidate_tlb()              # the monitor's broadcast maintenance stays a no-op
    guardian.lock_el1(True)             # locking for a return to user code leaves it off
    guardian.lock_el1(False)
    assert core1.powered_off
    with pytest.raises(CorePoweredOff):
        core1.read(ram, 16)
    assert hw.el1(0).read(0xFFFF_0000_0000_0000 | ram, 8) is not None  # core 0 runs


def test_without_the_check_a_secondary_core_reads_physical_memory() -> None:
    """The control: a build without cpu.secondary_off leaves core 1 as reset left it."""
    checks.set_mutation("cpu.secondary_off")
    try:
        hw, _ = _two_cores()
    finally:
        checks.set_mutation("")
    assert not hw.el1(1).powered_off
    assert not hw.el1(1).mrs(S.SCTLR_EL1) & S.SCTLR_M
    assert len(hw.el1(1).read(hw.ram.base, 16)) == 16


def test_a_confidential_program_runs_on_a_machine_of_two_cores(tmp_path: Path) -> None:
    out = io.BytesIO()
    result = run_program("secret", [], stdout=out, stderr=io.BytesIO(), rootfs=tmp_path,
                         machine="two-nodes", guardian="on", confidential=True)
    assert result.exit_code == 0 and b"secret: intact" in out.getvalue()
