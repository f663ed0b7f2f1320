"""Focused unit tests of the software stage-1 walker and the descriptor encoders.

Every expectation is the VMSAv8-64 rule for the 4 KiB granule (ARM ARM D5),
stated on small hand-built tables in a PhysicalMemory.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import descriptors as D
from emulator import sysregs as S
from emulator.mmu import Access, FaultKind, Regime, Translation, TranslationFault, Walker
from emulator.physmem import PhysicalMemory

RAM_BASE = 0x4000_0000
RAM_SIZE = 1 << 20
PAGE = 4096

KERNEL_RW = D.PagePerms(user=False, write=True)
KERNEL_RX = D.PagePerms(user=False, write=False, kernel_exec=True)
USER_RW = D.PagePerms(user=True, write=True)
USER_RO = D.PagePerms(user=True, write=False)
USER_RX = D.PagePerms(user=True, write=False, user_exec=True)


def fault(kind: FaultKind, level: int) -> TranslationFault:
    return TranslationFault(kind, level)


class Tables:
    """Hand-built translation tables in a small RAM, with a walker over them."""

    def __init__(self, ram: PhysicalMemory | None = None) -> None:
        self.ram = ram or PhysicalMemory(RAM_BASE, RAM_SIZE)
        self.next = self.ram.base
        self.walker = Walker(self.ram)
        self.root0 = self.alloc()
        self.root1 = self.alloc()

    def alloc(self) -> int:
        pa = self.next
        self.next += PAGE
        self.ram.zero_page(pa)
        return pa

    def map(self, va: int, desc: int, *, level: int = 3, upper: bool = False,
            start: int = 0, table_bits: dict[int, int] | None = None) -> int:
        """Install `desc` as the level-`level` entry for `va`; returns the entry's PA.

        `table_bits` adds attribute bits to the table descriptor at a given level.
        """
        table = self.root1 if upper else self.root0
        for lvl in range(start, level):
            slot = table + 8 * D.level_index(va, lvl)
            cur = self.ram.read_u64(slot)
            if not cur & D.VALID:
                nxt = self.alloc()
                cur = D.table_descriptor(nxt) | (table_bits or {}).get(lvl, 0)
                self.ram.write_u64(slot, cur)
            table = cur & D.ADDR_MASK
        slot = table + 8 * D.level_index(va, level)
        self.ram.write_u64(slot, desc)
        return slot

    def regime(self, *, tcr: int | None = None, sctlr: int = S.SCTLR_M, pan: bool = False,
               asid0: int = 0, asid1: int = 0) -> Regime:
        return Regime(ttbr0=self.root0 | (asid0 << 48), ttbr1=self.root1 | (asid1 << 48),
                      tcr=S.make_tcr() if tcr is None else tcr, sctlr=sctlr, pan=pan)

    def walk(self, va: int, access: Access = Access.READ, el: int = 1,
             **regime: object) -> Translation | TranslationFault:
        return self.walker.translate(self.regime(**regime), va, access, el)  # type: ignore[arg-type]


USER_VA = 0x0000_0040_1234_5000
KERNEL_VA = 0xFFFF_0000_4000_0000


# --- MMU off, region selection, TBI ---------------------------------------------------------

@pytest.mark.parametrize("va", [0, 0x1234_5678, 0xFFFF_0000_0000_1000, 0xFFFF_FFFF_FFFF_FFFF])
@pytest.mark.parametrize("access", list(Access))
def test_mmu_off_is_identity(va: int, access: Access) -> None:
    """SCTLR_EL1.M = 0: flat mapping, every access allowed, nothing read from RAM."""
    t = Tables()
    res = t.walk(va, access, el=0, sctlr=0)
    assert isinstance(res, Translation)
    assert res.pa == va and res.writable
    assert t.walker.descriptor_reads == 0


def test_lower_and_upper_halves_use_their_own_ttbr() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1_0000_0000, USER_RW))
    t.map(KERNEL_VA, D.leaf_descriptor(0x2_0000_0000, KERNEL_RW), upper=True)
    assert t.walk(USER_VA + 0x10).pa == 0x1_0000_0010
    assert t.walk(KERNEL_VA + 0x20).pa == 0x2_0000_0020
    # The same low bits in the other half find nothing.
    assert t.walk(USER_VA | 0xFFFF_0000_0000_0000) == fault(FaultKind.TRANSLATION, 1)
    assert t.walk(KERNEL_VA & 0x0000_FFFF_FFFF_FFFF) == fault(FaultKind.TRANSLATION, 1)


def test_epd0_blocks_the_lower_half_only() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, KERNEL_RW), upper=True)
    tcr = S.make_tcr(epd0=True)
    for el in (0, 1):
        assert t.walk(USER_VA, el=el, tcr=tcr) == fault(FaultKind.TRANSLATION, 0)
    assert isinstance(t.walk(KERNEL_VA, tcr=tcr), Translation)
    reads = t.walker.descriptor_reads
    t.walk(USER_VA, tcr=tcr)
    assert t.walker.descriptor_reads == reads, "EPD0 must stop the walk before any table read"


def test_epd1_blocks_the_upper_half_only() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, KERNEL_RW), upper=True)
    tcr = S.make_tcr(epd1=True)
    assert t.walk(KERNEL_VA, tcr=tcr) == fault(FaultKind.TRANSLATION, 0)
    assert isinstance(t.walk(USER_VA, tcr=tcr), Translation)


@pytest.mark.parametrize("va", [1 << 48, 0x0001_0000_0000_0000 | USER_VA, 0x8000_0000_0000_0000,
                                0xFFFE_FFFF_FFFF_F000])
def test_addresses_outside_both_ranges_fault_at_level_0(va: int) -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    assert t.walk(va, tcr=S.make_tcr(tbi0=False)) == fault(FaultKind.TRANSLATION, 0)


def test_tbi0_ignores_the_top_byte_of_lower_addresses() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    tagged = USER_VA | (0x5A << 56) | 0x123
    res = t.walk(tagged, el=0, tcr=S.make_tcr(tbi0=True))
    assert isinstance(res, Translation) and res.pa == 0x1000_0123
    # Bit 55 still selects the half: a tag cannot move an address into TTBR1's range.
    assert t.walk(tagged | (1 << 55), el=0, tcr=S.make_tcr(tbi0=True)) == fault(
        FaultKind.TRANSLATION, 0)
    assert t.walk(tagged, el=0, tcr=S.make_tcr(tbi0=False)) == fault(FaultKind.TRANSLATION, 0)


def test_tbi1_ignores_the_top_byte_of_upper_addresses() -> None:
    t = Tables()
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, KERNEL_RW), upper=True)
    tagged = (KERNEL_VA & 0x00FF_FFFF_FFFF_FFFF) | (0x12 << 56)
    assert t.walk(tagged, tcr=S.make_tcr() | S.TCR_TBI1).pa == 0x2000_0000
    assert t.walk(tagged, tcr=S.make_tcr()) == fault(FaultKind.TRANSLATION, 0)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(tag=st.integers(0, 255), offset=st.integers(0, PAGE - 1),
       access=st.sampled_from([Access.READ, Access.WRITE]), el=st.sampled_from([0, 1]))
def test_tbi_makes_every_tag_equivalent(tag: int, offset: int, access: Access, el: int) -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    regime = t.regime(tcr=S.make_tcr(tbi0=True))
    plain = t.walker.translate(regime, USER_VA + offset, access, el)
    tagged = t.walker.translate(regime, (USER_VA + offset) | (tag << 56), access, el)
    assert plain == tagged


@pytest.mark.parametrize(("t0sz", "start"), [(16, 0), (20, 0), (25, 1), (33, 1), (34, 2), (39, 2)])
def test_t0sz_selects_the_starting_level(t0sz: int, start: int) -> None:
    """A smaller region starts the walk lower; the top VA of the region is reachable."""
    t = Tables()
    va = (1 << (64 - t0sz)) - PAGE
    t.map(va, D.leaf_descriptor(0x3000_0000, USER_RW), start=start)
    tcr = S.make_tcr(t0sz=t0sz)
    res = t.walk(va + 8, tcr=tcr)
    assert isinstance(res, Translation) and res.pa == 0x3000_0008 and res.level == 3
    assert t.walk(va + PAGE, tcr=tcr) == fault(FaultKind.TRANSLATION, 0)   # just past the top


def test_first_level_index_uses_only_the_region_bits() -> None:
    """With T0SZ=20 the level-0 index is VA[43:39]; higher entries are never read."""
    t = Tables()
    va = 0x0000_0F80_0000_0000              # VA[43:39] = 0b11111
    t.map(va, D.leaf_descriptor(0x1000_0000, USER_RW))
    assert t.walk(va, tcr=S.make_tcr(t0sz=20)).pa == 0x1000_0000


# --- descriptors: blocks, level 0, reserved encodings, access flag ----------------------------

def test_level1_block_maps_one_gib() -> None:
    t = Tables()
    slot = t.map(0x40_0000_0000, D.leaf_descriptor(0x80_0000_0000, USER_RW, level=1), level=1)
    res = t.walk(0x40_0000_0000 + 0x3FFF_FFF8)
    assert isinstance(res, Translation)
    assert res.pa == 0x80_3FFF_FFF8 and res.level == 1 and res.descriptor_pa == slot


def test_level2_block_maps_two_mib() -> None:
    t = Tables()
    t.map(0x4000_0000, D.leaf_descriptor(0x1_2340_0000, USER_RW, level=2), level=2)
    res = t.walk(0x4000_0000 + 0x1F_FFFF)
    assert isinstance(res, Translation) and res.pa == 0x1_235F_FFFF and res.level == 2


def test_block_output_address_ignores_low_bits_of_the_descriptor() -> None:
    """Bits below the block size in a block descriptor's address field do not leak into the PA."""
    t = Tables()
    desc = D.leaf_descriptor(0x1_2340_0000, USER_RW, level=2) | 0x1F_F000
    t.map(0x4000_0000, desc, level=2)
    assert t.walk(0x4000_0010).pa == 0x1_2340_0010


def test_level0_block_is_a_translation_fault() -> None:
    """The 4 KiB granule has no level-0 blocks (Unicorn 2.1.4 wrongly accepts them)."""
    t = Tables()
    desc = (0x80_0000_0000 & D.ADDR_MASK) | D.VALID | D.AF | D.AP_EL0
    t.map(0x80_0000_0000, desc, level=0)
    assert t.walk(0x80_0000_1000, el=0) == fault(FaultKind.TRANSLATION, 0)
    with pytest.raises(ValueError):
        D.leaf_descriptor(0, USER_RW, level=0)


def test_level3_entry_without_bit1_is_reserved() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW) & ~D.TABLE)
    assert t.walk(USER_VA) == fault(FaultKind.TRANSLATION, 3)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_invalid_entry_faults_at_its_level(level: int) -> None:
    t = Tables()
    t.map(USER_VA, 0xFFFF_FFFF_FFFF_FFFE, level=level)     # every bit but VALID
    assert t.walk(USER_VA) == fault(FaultKind.TRANSLATION, level)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_access_flag_fault_precedes_permission_fault(level: int) -> None:
    t = Tables()
    desc = D.leaf_descriptor(0x4000_0000, KERNEL_RX, level=level, accessed=False)
    t.map(0x4000_0000, desc, level=level)
    assert t.walk(0x4000_0000, Access.WRITE, el=0) == fault(FaultKind.ACCESS_FLAG, level)


def test_walk_leaving_ram_is_a_translation_fault() -> None:
    t = Tables()
    t.map(USER_VA, D.table_descriptor(0x10_0000_0000), level=1)   # points outside RAM
    assert t.walk(USER_VA) == fault(FaultKind.TRANSLATION, 2)


# --- permissions --------------------------------------------------------------------------------

@pytest.mark.parametrize(("ap", "el1_r", "el1_w", "el0_r", "el0_w"), [
    (0b00, True, True, False, False),
    (0b01, True, True, True, True),
    (0b10, True, False, False, False),
    (0b11, True, False, True, False),
])
def test_ap_bits(ap: int, el1_r: bool, el1_w: bool, el0_r: bool, el0_w: bool) -> None:
    t = Tables()
    desc = 0x1000_0000 | D.TABLE | D.VALID | D.AF | (ap << D.AP_SHIFT) | D.UXN | D.PXN
    t.map(USER_VA, desc)
    for el, access, allowed in ((1, Access.READ, el1_r), (1, Access.WRITE, el1_w),
                                (0, Access.READ, el0_r), (0, Access.WRITE, el0_w)):
        res = t.walk(USER_VA, access, el=el)
        if not allowed:
            assert res == fault(FaultKind.PERMISSION, 3), (el, access)
            continue
        assert isinstance(res, Translation), (el, access, res)
        assert res.writable == (el1_w if el else el0_w)


def test_ap_table_bits_restrict_the_whole_subtree() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW),
          table_bits={1: 0b01 << D.AP_TABLE_SHIFT})          # APTable[0]: no EL0 access
    assert t.walk(USER_VA, el=0) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA, Access.WRITE, el=1), Translation)
    t2 = Tables()
    t2.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW),
           table_bits={2: 0b10 << D.AP_TABLE_SHIFT})         # APTable[1]: read-only
    assert t2.walk(USER_VA, Access.WRITE, el=1) == fault(FaultKind.PERMISSION, 3)
    assert t2.walk(USER_VA, Access.WRITE, el=0) == fault(FaultKind.PERMISSION, 3)
    res = t2.walk(USER_VA, el=0)
    assert isinstance(res, Translation) and not res.writable


def test_xn_table_bits() -> None:
    both = D.PagePerms(user=True, write=False, user_exec=True, kernel_exec=True)
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, both), table_bits={0: D.UXN_TABLE})
    assert t.walk(USER_VA, Access.EXEC, el=0) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=1), Translation)
    t2 = Tables()
    t2.map(USER_VA, D.leaf_descriptor(0x1000_0000, both), table_bits={2: D.PXN_TABLE})
    assert t2.walk(USER_VA, Access.EXEC, el=1) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t2.walk(USER_VA, Access.EXEC, el=0), Translation)


def test_uxn_and_pxn() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RX))        # UXN clear, PXN set
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=0), Translation)
    assert t.walk(USER_VA, Access.EXEC, el=1) == fault(FaultKind.PERMISSION, 3)
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, KERNEL_RX), upper=True)
    assert isinstance(t.walk(KERNEL_VA, Access.EXEC, el=1), Translation)


def test_implicit_pxn_for_el0_writable_pages() -> None:
    """EL1 never executes memory EL0 can write, whatever PXN says."""
    t = Tables()
    rw_exec = D.PagePerms(user=True, write=True, user_exec=True, kernel_exec=True)
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, rw_exec))
    assert t.walk(USER_VA, Access.EXEC, el=1) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=0), Translation)
    # EL0 read-only (AP=11) is executable at EL1 when PXN is clear.
    ro_exec = D.PagePerms(user=True, write=False, user_exec=True, kernel_exec=True)
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, ro_exec))
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=1), Translation)
    # APTable[1] makes the page read-only, so the implicit PXN no longer applies.
    t2 = Tables()
    t2.map(USER_VA, D.leaf_descriptor(0x1000_0000, rw_exec),
           table_bits={1: 0b10 << D.AP_TABLE_SHIFT})
    assert isinstance(t2.walk(USER_VA, Access.EXEC, el=1), Translation)


def test_wxn_makes_writable_memory_execute_never() -> None:
    t = Tables()
    kernel_rwx = D.PagePerms(user=False, write=True, kernel_exec=True)
    user_rwx = D.PagePerms(user=True, write=True, user_exec=True)
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, kernel_rwx), upper=True)
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, user_rwx))
    t.map(USER_VA + PAGE, D.leaf_descriptor(0x1000_1000, USER_RX))
    wxn = S.SCTLR_M | S.SCTLR_WXN
    assert isinstance(t.walk(KERNEL_VA, Access.EXEC, el=1), Translation)
    assert t.walk(KERNEL_VA, Access.EXEC, el=1, sctlr=wxn) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=0), Translation)
    assert t.walk(USER_VA, Access.EXEC, el=0, sctlr=wxn) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA + PAGE, Access.EXEC, el=0, sctlr=wxn), Translation)
    # WXN does not affect data accesses.
    assert isinstance(t.walk(KERNEL_VA, Access.WRITE, el=1, sctlr=wxn), Translation)


def test_pan_blocks_el1_data_access_to_user_memory() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RO))
    t.map(USER_VA + PAGE, D.leaf_descriptor(0x1000_1000, USER_RW))
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, KERNEL_RW), upper=True)
    for va in (USER_VA, USER_VA + PAGE):
        assert t.walk(va, Access.READ, el=1, pan=True) == fault(FaultKind.PERMISSION, 3)
        assert isinstance(t.walk(va, Access.READ, el=1, pan=False), Translation)
        assert isinstance(t.walk(va, Access.READ, el=0, pan=True), Translation)
    assert t.walk(USER_VA + PAGE, Access.WRITE, el=1, pan=True) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(KERNEL_VA, Access.WRITE, el=1, pan=True), Translation)


def test_pan_does_not_affect_instruction_fetch() -> None:
    t = Tables()
    user_ro_x = D.PagePerms(user=True, write=False, user_exec=True, kernel_exec=True)
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, user_ro_x))
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=1, pan=True), Translation)


def test_el0_execute_only_memory() -> None:
    """AP[2:1] = 00 or 10 with UXN = 0: EL0 may execute but not read (ARMv8 execute-only)."""
    t = Tables()
    xo = 0x1000_0000 | D.TABLE | D.VALID | D.AF | D.PXN          # AP=00, UXN=0
    t.map(USER_VA, xo)
    assert t.walk(USER_VA, Access.READ, el=0) == fault(FaultKind.PERMISSION, 3)
    assert isinstance(t.walk(USER_VA, Access.EXEC, el=0), Translation)


# --- results: global, writable, ASID ---------------------------------------------------------------

def test_translation_reports_global_and_writable() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RO))
    t.map(KERNEL_VA, D.leaf_descriptor(0x2000_0000, D.PagePerms(user=False, global_=True)),
          upper=True)
    user = t.walk(USER_VA, el=0)
    kern = t.walk(KERNEL_VA)
    assert isinstance(user, Translation) and isinstance(kern, Translation)
    assert not user.global_ and not user.writable
    assert kern.global_ and kern.writable


def test_asid_comes_from_the_ttbr_named_by_tcr_a1() -> None:
    t = Tables()
    t.map(USER_VA, D.leaf_descriptor(0x1000_0000, USER_RW))
    r = t.regime(asid0=0x1234, asid1=0xABCD)
    assert r.asid == 0x1234
    assert t.regime(asid0=0x1234, asid1=0xABCD, tcr=S.make_tcr() | S.TCR_A1).asid == 0xABCD
    assert t.regime(asid0=0x1234, tcr=S.make_tcr(asid16=False)).asid == 0x34
    # The ASID field is not part of the table address.
    assert t.walker.translate(r, USER_VA, Access.READ, 0).pa == 0x1000_0000


# --- descriptor encoders ---------------------------------------------------------------------------

@settings(max_examples=100, derandomize=True, deadline=None)
@given(user=st.booleans(), write=st.booleans(), user_exec=st.booleans(),
       kernel_exec=st.booleans(), global_=st.booleans(), device=st.booleans(),
       level=st.sampled_from([1, 2, 3]), pa=st.integers(0, (1 << 48) - 1),
       software=st.integers(0, 15), accessed=st.booleans())
def test_leaf_descriptor_round_trip(user: bool, write: bool, user_exec: bool,
                                    kernel_exec: bool, global_: bool, device: bool,
                                    level: int, pa: int, software: int, accessed: bool) -> None:
    perms = D.PagePerms(user=user, write=write, user_exec=user_exec, kernel_exec=kernel_exec,
                        global_=global_, device=device)
    desc = D.leaf_descriptor(pa, perms, level=level, accessed=accessed, software=software)
    assert D.decode_perms(desc) == perms
    assert D.software_bits(desc) == software
    assert bool(desc & D.AF) == accessed
    size = 1 << D.LEVEL_SHIFT[level]
    assert D.output_address(desc, level) == pa & ~(size - 1) & D.ADDR_MASK
    assert D.is_valid(desc)
    assert D.is_table(desc, level) is False
    assert desc & 3 == (3 if level == 3 else 1)


def test_table_descriptor_and_level_index() -> None:
    desc = D.table_descriptor(0x1234_5000 | 0xFFF)
    assert desc == 0x1234_5003 and D.is_table(desc, 0) and not D.is_table(desc, 3)
    va = (5 << 39) | (6 << 30) | (7 << 21) | (8 << 12) | 0x123
    assert [D.level_index(va, lvl) for lvl in range(4)] == [5, 6, 7, 8]
