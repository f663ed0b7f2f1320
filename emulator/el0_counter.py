"""EL0 reads of the generic timer's counter, emulated where they trap.

The model keeps CNTKCTL_EL1.EL0VCTEN clear in effect: Unicorn traps an EL0 MRS of
CNTVCT_EL0, CNTVCTSS_EL0 or CNTFRQ_EL0 as a system-register exception (EC 0x18),
and whoever owns the vector (the kernel, or the Guardian for a confidential
program) answers it as Linux's trap handlers do on a machine with a timer
erratum: the register gets the value and the PC moves past the MRS.  The value
comes from the virtual clock, never from the host, so a run stays reproducible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.exceptions import ExceptionClass

if TYPE_CHECKING:
    from emulator.clock import VirtualClock

EC_SYSREG = int(ExceptionClass.SYSREG)


def _key(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (crm << 1)


# The ISS bits that name the register (Op0, Op2, Op1, CRn, CRm), for an MRS.
_REG_MASK = (3 << 20) | (7 << 17) | (7 << 14) | (0xF << 10) | (0xF << 1)
_DIRECTION_READ = 1
CNTFRQ_EL0 = _key(3, 3, 14, 0, 0)
CNTVCT_EL0 = _key(3, 3, 14, 0, 2)
CNTVCTSS_EL0 = _key(3, 3, 14, 0, 6)
_COUNTS = frozenset((CNTVCT_EL0, CNTVCTSS_EL0))
XZR = 31


def counter_read(esr: int) -> tuple[int, int] | None:
    """(register key, Rt) when `esr` is a trapped EL0 MRS of the counter or its frequency;
    None for every other exception (those keep their signal)."""
    if (esr >> 26) & 0x3F != EC_SYSREG or not esr & _DIRECTION_READ:
        return None
    key = esr & _REG_MASK
    if key not in _COUNTS and key != CNTFRQ_EL0:
        return None
    return key, (esr >> 5) & 0x1F


def counter_value(clock: VirtualClock, key: int) -> int:
    """What the MRS reads: the count now, or the counter's stated frequency."""
    return clock.counter if key in _COUNTS else clock.counter_hz
