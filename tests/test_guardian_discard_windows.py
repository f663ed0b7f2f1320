"""A memory call opens a window for pages to leave the program's view only where Linux
accepts its arguments (`discard.linux_accepts`), and a call that took pages out of the
view returns success (`return.discard_succeeded`).

Tree A (tests/test_secure_mm.py) is domain 1's live address space and maps four pages
at VA; nothing maps VA + 8 pages and above.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.syscalls import SYSCALL_NAMES
from emulator import descriptors as D
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import (
    FREE,
    PAGE,
    ROOT_A,
    SWP,
    USER_RW,
    VA,
    Scene,
    build_translating,
)

NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
ELR = 0x400104
SID = 990
MADV_DONTNEED, MADV_FREE, MADV_REMOVE = 4, 8, 9
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2
MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x02, 0x10, 0x20
EINVAL, ENOMEM = (1 << 64) - 22, (1 << 64) - 12


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _enter(s: Scene, name: str, args: tuple[int, ...]) -> Slot:
    """The program of domain 1 is in syscall `name` with `args` in tree A."""
    slot = Slot(SID, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                root=s.b + ROOT_A, thread=1)
    s.g.conf.slots[SID] = slot
    return slot


def _drop(s: Scene, va: int) -> int:
    """The kernel clears the entry of the page at va: the status."""
    l3 = s.tables[s.b + ROOT_A][3]
    return s.call(Call.SET_PT, l3, D.level_index(va, 3), 0)[0]


def _resume(s: Scene, ret: int) -> int:
    status = s.call(Call.RESUME, SID, ret, s.g.conf.slots[SID].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(SID, None)
    return status


@pytest.mark.parametrize(("name", "args"), [
    ("munmap", (VA + 64, PAGE)),                                  # unaligned start
    ("munmap", (VA, (1 << 64) - PAGE)),                           # a length past the top
    ("madvise", (VA + 64, PAGE, MADV_DONTNEED)),                  # unaligned start
    ("madvise", (VA + PAGE, PAGE, MADV_REMOVE)),                  # private memory: EINVAL
    ("mremap", (VA + 64, 2 * PAGE, PAGE, 0)),                     # unaligned old address
    ("mremap", (VA + PAGE, PAGE, 0, 0)),                          # a new length of 0
    ("mremap", (VA, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, VA + PAGE)),  # overlap
    ("mmap", (VA + PAGE, PAGE, 3, MAP_PRIVATE | MAP_FIXED, 3, 100)),   # unaligned offset
    ("mmap", (VA + PAGE, PAGE, 3, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | 0x100000,
              (1 << 64) - 1, 0)),                                 # MAP_FIXED_NOREPLACE
])
def test_arguments_linux_refuses_open_no_window(s: Scene, name: str,
                                                args: tuple[int, ...]) -> None:
    _enter(s, name, args)
    assert _drop(s, VA + PAGE) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.discard_leaf"


def test_a_brk_below_the_image_opens_no_window(s: Scene) -> None:
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.brk_start, space.brk = VA + 4 * PAGE, VA + 4 * PAGE
    _enter(s, "brk", (VA,))
    assert _drop(s, VA + PAGE) == Status.ERR_DENIED
    space.brk_start = VA
    assert _drop(s, VA + PAGE) == Status.OK          # above the floor: the shrink's window


@pytest.mark.parametrize(("name", "args"), [
    ("munmap", (VA + PAGE, PAGE)),
    ("madvise", (VA + PAGE, PAGE, MADV_DONTNEED)),
    ("madvise", (VA + PAGE, PAGE, MADV_FREE)),
    ("mremap", (VA, 2 * PAGE, PAGE, 0)),
    ("mmap", (VA + PAGE, PAGE, 3, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, (1 << 64) - 1, 0)),
])
def test_a_call_linux_accepts_discards_and_succeeds(s: Scene, name: str,
                                                    args: tuple[int, ...]) -> None:
    _enter(s, name, args)
    assert _drop(s, VA + PAGE) == Status.OK
    ret = VA + PAGE if name == "mmap" else VA if name == "mremap" else 0
    assert _resume(s, ret) == Status.OK


def test_an_error_after_a_discard_is_refused(s: Scene) -> None:
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.areas.append((VA, VA + 4 * PAGE))               # the range is all mapped
    _enter(s, "madvise", (VA + PAGE, PAGE, MADV_DONTNEED))
    assert _drop(s, VA + PAGE) == Status.OK
    assert _resume(s, ENOMEM) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.discard_succeeded"


def test_enomem_for_a_range_with_a_hole_passes(s: Scene) -> None:
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.areas.append((VA, VA + 4 * PAGE))
    _enter(s, "madvise", (VA + PAGE, 8 * PAGE, MADV_DONTNEED))   # runs past the area
    assert _drop(s, VA + PAGE) == Status.OK
    assert _resume(s, ENOMEM) == Status.OK


def test_an_error_with_nothing_discarded_passes(s: Scene) -> None:
    _enter(s, "munmap", (VA + 64, PAGE))
    assert _resume(s, EINVAL) == Status.OK


# --- anonymous MAP_SHARED pages outlive their mappings (share.anon_kept) ---------------

def _shared_page(s: Scene) -> tuple[int, int]:
    """Page 3 of tree A is an anonymous MAP_SHARED share's page 0: (va, its frame)."""
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.shared_areas.append((VA + 3 * PAGE, VA + 4 * PAGE, 77, 0))
    return VA + 3 * PAGE, s.entry(s.b + ROOT_A, VA + 3 * PAGE) & D.ADDR_MASK


def test_dontneed_of_a_shared_anonymous_page_keeps_it(s: Scene) -> None:
    va, pa = _shared_page(s)
    data = s.hw.ram.read(pa, PAGE)
    _enter(s, "madvise", (va, PAGE, MADV_DONTNEED))
    assert _drop(s, va) == Status.OK
    assert pa in s.g.frames.held and s.hw.ram.read(pa, PAGE) == data
    assert s.call(Call.RECLAIM_PAGE, pa)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "reclaim.memfd_closed"
    l3 = s.tables[s.b + ROOT_A][3]
    fresh = s.b + FREE
    s.hw.ram.zero_page(fresh)
    assert s.call(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(fresh, USER_RW))[0] \
        == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.share_one_frame"
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(pa, USER_RW))  # the page


def test_munmap_of_the_last_area_lets_the_page_go(s: Scene) -> None:
    va, pa = _shared_page(s)
    _enter(s, "munmap", (va, PAGE))
    assert _drop(s, va) == Status.OK
    assert pa not in s.g.frames.held


# --- the protection the program asked for (set_pt.protection, return.protection_applied) --

def _protected(s: Scene, prot: int) -> int:
    """The program made page 1 of tree A `prot` (its mprotect returned 0): its va."""
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.set_protection(VA + PAGE, VA + 2 * PAGE, prot)
    return VA + PAGE


def test_mprotect_answered_0_with_the_page_still_writable_is_refused(s: Scene) -> None:
    _enter(s, "mprotect", (VA + PAGE, PAGE, 1))                     # PROT_READ
    assert _resume(s, 0) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.protection_applied"


def test_mprotect_that_narrowed_the_leaf_passes(s: Scene) -> None:
    l3 = s.tables[s.b + ROOT_A][3]
    pa = s.entry(s.b + ROOT_A, VA + PAGE) & D.ADDR_MASK
    ro = D.leaf_descriptor(pa, D.PagePerms(user=True, write=False, user_exec=False))
    _enter(s, "mprotect", (VA + PAGE, PAGE, 1))
    s.ok(Call.SET_PT, l3, D.level_index(VA + PAGE, 3), ro)
    assert _resume(s, 0) == Status.OK
    _enter(s, "mprotect", (VA, PAGE, 0))                            # a failed one: no rule
    assert _resume(s, EINVAL) == Status.OK


def test_a_leaf_beyond_the_protection_is_refused(s: Scene) -> None:
    va = _protected(s, 0)                                           # PROT_NONE
    l3 = s.tables[s.b + ROOT_A][3]
    pa = s.entry(s.b + ROOT_A, va) & D.ADDR_MASK
    none = D.leaf_descriptor(pa, D.PagePerms(user=False, write=False, user_exec=False))
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), none)               # EL0 may not touch it
    assert s.call(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(pa, USER_RW))[0] \
        == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.protection"
    _enter(s, "mprotect", (va, PAGE, 3))                            # the program widens it
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), D.leaf_descriptor(pa, USER_RW))


def test_a_page_swapped_back_in_keeps_the_protection(s: Scene) -> None:
    va = _protected(s, 1)                                           # PROT_READ
    ro = D.PagePerms(user=True, write=False, user_exec=False)
    sealed = s.ok(Call.SWAP_OUT, s.b + ROOT_A, va, SWP)[1]
    frame = s.b + FREE
    assert s.call(Call.SWAP_IN, s.b + ROOT_A, va, frame, D.leaf_descriptor(frame, USER_RW),
                  payload=sealed)[0] == Status.ERR_DENIED           # writable at EL0
    assert s.g.decisions[-1].check == "swap_in.protection"
    s.ok(Call.SWAP_IN, s.b + ROOT_A, va, frame, D.leaf_descriptor(frame, ro), payload=sealed)
    assert s.entry(s.b + ROOT_A, va) == D.leaf_descriptor(frame, ro)


# --- mincore reports a mapped page resident (return.mincore_resident) ------------------

def _mincore(s: Scene, vector: bytes) -> int:
    """mincore(VA, 2 pages, vec) answered 0 with `vector` in the program's page 2."""
    vec = VA + 2 * PAGE
    space = s.g.conf.registry.space_of(1, s.b + ROOT_A)
    if space is not None and not any(a <= VA and VA + 2 * PAGE <= b for a, b in space.areas):
        space.areas.append((VA, VA + 2 * PAGE))     # the program's own area (mincore_mapped)
    s.hw.ram.write(s.entry(s.b + ROOT_A, vec) & D.ADDR_MASK, vector)
    _enter(s, "mincore", (VA, 2 * PAGE, vec)).written.append((vec, vec + 2))  # (the kernel's)
    return _resume(s, 0)


def test_mincore_reporting_a_mapped_page_not_resident_is_refused(s: Scene) -> None:
    assert _mincore(s, b"\x01\x00") == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.mincore_resident"


def test_mincore_reporting_mapped_pages_resident_passes(s: Scene) -> None:
    assert _mincore(s, b"\x01\x01") == Status.OK


def test_the_protection_invariant_sees_a_leaf_beyond_it(s: Scene) -> None:
    """Whatever call put it there, a leaf beyond the program's protection is a state the
    invariants report (the same page as above, its entry rewritten behind the checks)."""
    va = VA + PAGE
    l3 = s.tables[s.b + ROOT_A][3]
    ro = D.leaf_descriptor(s.entry(s.b + ROOT_A, va) & D.ADDR_MASK,
                           D.PagePerms(user=True, write=False, user_exec=False))
    s.ok(Call.SET_PT, l3, D.level_index(va, 3), ro)
    assert _protected(s, 1) == va                                   # PROT_READ
    assert s.g.invariants.protections() == [] and s.g.invariants.violations() == []
    s.hw.ram.write_u64(l3 + 8 * D.level_index(va, 3), ro & ~D.AP_RO)
    assert any("write" in v for v in s.g.invariants.protections())
