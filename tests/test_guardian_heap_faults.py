"""A load or store fault in the brk heap is one Linux resolves: never a SIGSEGV or SIGBUS,
unless the program changed the heap's mapping itself."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.heap_faults import check, note_call
from guardian.slots import Slot, Space

HEAP, BRK = 0x4AC000, 0x4D1800
DABT_TRANSLATION_L3 = (0x24 << 26) | 0b000111       # data abort from EL0, level-3 translation
DABT_ALIGNMENT = (0x24 << 26) | 0b100001
IABT = (0x20 << 26) | 0b000111
SIGBUS, SIGSEGV = 7, 11


def _space() -> Space:
    space = Space()
    space.brk_start, space.brk = HEAP, BRK
    return space


def test_a_fault_in_the_heap_is_never_reported() -> None:
    for signo in (SIGSEGV, SIGBUS):
        with pytest.raises(Refused) as refused:
            check(_space(), signo, DABT_TRANSLATION_L3, 0x4D1000)   # the page brk rounds up to
        assert refused.value.check == "signal.resolved_fault"


def test_faults_linux_reports_pass() -> None:
    space = _space()
    check(space, SIGSEGV, DABT_TRANSLATION_L3, 0x4D2000)           # past the heap
    check(space, SIGSEGV, DABT_TRANSLATION_L3, HEAP - 8)           # below it
    check(space, SIGBUS, DABT_ALIGNMENT, 0x4B0001)                 # an alignment fault
    check(space, SIGSEGV, IABT, 0x4B0000)                          # the heap is not executable


def test_a_heap_the_program_changed_is_not_judged() -> None:
    space = _space()
    mprotect = Slot(1, 1, UserContext(), 0, NUMBERS["mprotect"], (0x4B0000, 4096, 0, 0, 0, 0))
    note_call(space, mprotect, (1 << 64) - 22)                     # failed: nothing changed
    assert not space.heap_altered
    elsewhere = Slot(2, 1, UserContext(), 0, NUMBERS["munmap"], (0x7000_0000, 4096, 0, 0, 0, 0))
    note_call(space, elsewhere, 0)
    assert not space.heap_altered
    note_call(space, mprotect, 0)
    assert space.heap_altered
    check(space, SIGSEGV, DABT_TRANSLATION_L3, 0x4B0000)


def test_the_check_can_be_removed() -> None:
    checks.set_mutation("signal.resolved_fault")
    try:
        check(_space(), SIGSEGV, DABT_TRANSLATION_L3, 0x4D1000)
    finally:
        checks.set_mutation("")


def _mmap(space: Space, addr: int, length: int, prot: int, flags: int) -> None:
    note_call(space, Slot(3, 1, UserContext(), 0, NUMBERS["mmap"],
                          (0, length, prot, flags, (1 << 64) - 1, 0)), addr)


def test_a_fault_in_a_private_anonymous_read_write_area_is_never_reported() -> None:
    space = _space()
    area, ro, huge = 0x7F00_0000_0000, 0x7F00_0010_0000, 0x7F00_0020_0000
    _mmap(space, area, 8192, 3, 0x22)                        # RW, MAP_PRIVATE|MAP_ANONYMOUS
    _mmap(space, ro, 4096, 1, 0x22)                          # read-only: a store faults
    _mmap(space, huge, 4096, 3, 0x40022)                     # MAP_HUGETLB: its pool may run dry
    with pytest.raises(Refused):
        check(space, SIGSEGV, DABT_TRANSLATION_L3, area + 4096)
    check(space, SIGSEGV, DABT_TRANSLATION_L3, ro)
    check(space, SIGBUS, DABT_TRANSLATION_L3, huge)
    # The program's own mprotect over it ends the judgement there.
    note_call(space, Slot(4, 1, UserContext(), 0, NUMBERS["mprotect"],
                          (area, 4096, 0, 0, 0, 0)), 0)
    check(space, SIGSEGV, DABT_TRANSLATION_L3, area + 4096)
