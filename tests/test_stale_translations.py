"""Which descriptor changes leave a stale translation behind, and the Guardian's
SET_PT invalidating exactly those: a pure widening of a leaf needs no flush (nothing
cached grants more than the new entry), anything else does."""

from __future__ import annotations

import pytest
from unicorn import arm64_const as A

from abi import Call
from emulator import descriptors as D
from guardian.stale_translations import EL1_EXEC, grants, needs_invalidation
from tests.test_exception_entry import (
    CODE_VA,
    DATA_PA,
    DATA_VA,
    LDR_X0_X1,
    STR_X0_X1,
    SVC_0,
    build_machine,
)

PA = 0x4567_8000
RO_USER = D.leaf_descriptor(PA, D.PagePerms(user=True, write=False))      # UXN and PXN set
RW_USER = D.leaf_descriptor(PA, D.PagePerms(user=True, write=True))
RO_KERNEL = D.leaf_descriptor(PA, D.PagePerms(user=False, write=False))


def test_the_descriptors_used_below_are_what_they_claim() -> None:
    assert RO_USER & D.AP_RO and RO_USER & D.UXN and RO_USER & D.PXN and RO_USER & D.AF
    assert RW_USER == RO_USER & ~D.AP_RO


@pytest.mark.parametrize(("old", "new", "needed"), [
    (0, RW_USER, False),                                    # invalid to valid
    (RW_USER, 0, True),                                     # removed
    (RO_USER, RW_USER, False),                              # read-only to writable
    (RW_USER, RO_USER, True),                               # writable to read-only
    (RO_USER & ~D.AF, RO_USER, False),                      # access flag set
    (RO_USER, RO_USER & ~D.AF, True),                       # access flag cleared
    (RO_USER, RO_USER & ~D.UXN, False),                     # EL0 may now execute
    (RO_USER & ~D.UXN, RO_USER, True),                      # EL0 may no longer execute
    (RO_USER | (0b1010 << D.SW_SHIFT), RO_USER, False),     # software bits only
    (RO_USER, RO_USER + 0x1000, True),                      # another frame
    (RO_USER, RO_USER ^ (1 << D.ATTR_SHIFT), True),         # other memory attributes
    (RO_USER, RO_USER ^ D.NG, True),                        # global-ness changed
    # EL1 loses the right to execute a page EL0 may write (implicit PXN).
    (RO_USER & ~D.PXN, RW_USER & ~D.PXN, True),
    # EL0 access added: under PAN the kernel loses data access to the page.
    (RO_KERNEL, RO_KERNEL | D.AP_EL0, True),
    # Writable under WXN is not executable.
    (RO_KERNEL & ~D.PXN, RO_KERNEL & ~D.PXN & ~D.AP_RO, True),
])
def test_needs_invalidation(old: int, new: int, needed: bool) -> None:
    assert needs_invalidation(3, old, new) is needed


def test_table_descriptors_always_need_invalidation() -> None:
    table = D.table_descriptor(PA)
    assert needs_invalidation(2, table, D.table_descriptor(PA + 0x1000))
    assert needs_invalidation(2, table, table | D.PXN_TABLE)
    assert needs_invalidation(2, table | D.PXN_TABLE, table)
    assert not needs_invalidation(2, 0, table)
    block = D.leaf_descriptor(PA & ~0x1F_FFFF, D.PagePerms(user=True, write=False), level=2)
    assert not needs_invalidation(2, block, block & ~D.AP_RO)
    assert needs_invalidation(2, block, table)


def test_grants_follow_the_architecture() -> None:
    assert grants(RO_USER & ~D.AF, pan=False, wxn=False) == 0
    assert not grants(RW_USER & ~D.PXN, pan=False, wxn=False) & EL1_EXEC
    assert grants(RO_KERNEL & ~D.PXN, pan=False, wxn=False) & EL1_EXEC


def test_the_engine_refills_on_a_widened_entry_without_a_flush() -> None:
    """The rule's premise, on Unicorn itself: a store to a page cached read-only walks
    the (now writable) descriptor again; the opposite change needs the flush."""
    m = build_machine()
    slot = 0x4000_0000 + 0x3000 + 8 * D.level_index(DATA_VA, 3)
    ro = D.leaf_descriptor(DATA_PA, D.PagePerms(user=True, write=False))
    m.ram.write_u64(slot, ro)
    faults: list[int] = []

    def handler(cpu, info) -> None:  # noqa: ANN001
        if info.is_syscall:
            cpu.request_stop()
            return
        faults.append(info.far)
        m.ram.write_u64(slot, ro & ~D.AP_RO)      # widened: no flush
        # The store is retried as it is (the PC still points at it).

    m.install(handler)
    m.ram.write_u64(DATA_PA, 0)
    m.run_el0([LDR_X0_X1, STR_X0_X1, SVC_0], x1=DATA_VA)   # the load fills the TLB read-only
    assert faults == [DATA_VA]                             # one fault, then the retry wrote
    assert m.cpu.reg(A.UC_ARM64_REG_PC) == CODE_VA + 12


def test_set_pt_flushes_for_a_narrowing_but_not_for_a_widening() -> None:
    from tests.test_guardian_stale_and_self import _l3, _live
    from tests.test_secure_mm import FREE, VA, build

    s = build()
    _live(s)
    stats = s.g.state.stats
    table, index = _l3(s), D.level_index(VA + 0x5000, 3)
    frame = s.b + FREE
    ro = D.leaf_descriptor(frame, D.PagePerms(user=True, write=False))

    def flushes() -> int:
        c = stats.counters
        return c.get("guardian.tlb_flushes_page", 0) + c.get("guardian.tlb_flushes", 0)

    s.ok(Call.SET_PT, table, index, ro)
    before = flushes()
    s.ok(Call.SET_PT, table, index, ro & ~D.AP_RO)           # widened
    assert flushes() == before
    s.ok(Call.SET_PT, table, index, ro)                      # narrowed again
    assert flushes() == before + 1
