"""A SIGSEGV's SEGV_MAPERR says no mapping covers the address: inside an area the program
mapped and still holds it is refused (Linux says SEGV_ACCERR there), outside every area,
in the stack's reserve or while the process may be unmapping it passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.confidential_signals import Signals
from guardian.slots import Domain, Slot, Space

ROOT, AREA, STACK = 0x1000, (0x7000_0000, 0x7000_2000), (0x7FF0_0000, 0x7FFF_0000)


@pytest.fixture
def sig() -> Signals:
    reg = Registry(None)  # type: ignore[arg-type]
    space = Space(areas=[AREA, STACK])
    space.stack = STACK
    reg.domains[1] = Domain(1, spaces={ROOT: space})
    sig = Signals.__new__(Signals)
    sig.registry = reg
    return sig


def _slot(sid: int = 1, nr: int | None = None) -> Slot:
    return Slot(sid, 1, UserContext(), 0x400000, nr, (0,) * 6, root=ROOT, thread=1)


def test_maperr_inside_a_held_area_is_refused(sig: Signals) -> None:
    with pytest.raises(Refused) as e:
        sig._check_maperr(_slot(), AREA[0] + 0x10)
    assert e.value.check == "signal.fault_code"
    checks.set_mutation("signal.fault_code")
    try:
        sig._check_maperr(_slot(), AREA[0] + 0x10)
    finally:
        checks.set_mutation("")


def test_maperr_where_linux_may_give_it_passes(sig: Signals) -> None:
    sig._check_maperr(_slot(), AREA[1])                  # past the area: no mapping
    sig._check_maperr(_slot(), STACK[0] + 0x10)          # the stack's reserve
    other = _slot(2, NUMBERS["munmap"])                  # another thread unmapping
    sig.registry.slots[2] = other
    sig._check_maperr(_slot(), AREA[0] + 0x10)
