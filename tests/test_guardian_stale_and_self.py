"""Stale pages and self-sent signals: what the Guardian refuses at SET_PT, SWAP_IN, a clone
and the return of mmap or kill().

- a tree holds one outstanding sealed version per address; a newer one supersedes it;
- a COPY_PAGE copy only takes the place of its source, as it is now;
- the range an mmap returns holds new memory only;
- a clone that yielded a child tells the parent the child's id, with the flags it asked for;
- a signal the program sends itself (unblocked, with a handler) is delivered before
  kill() returns.

Each refusal is recorded as a decision under its check's name and changes nothing.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import (
    CLONE_VFORK,
    CLONE_VM,
    MAP_ANONYMOUS,
    MAP_FIXED,
    NR_CLONE,
    NR_GETPID,
    NR_KILL,
    NR_MMAP,
    NR_MUNMAP,
    NR_RT_SIGPROCMASK,
)
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.secure_mm import secure_mm_for
from guardian.slots import Slot
from tests.test_secure_mm import (
    FREE,
    FREE2,
    PAGE,
    PAGES_A,
    ROOT_A,
    ROOT_N,
    USER_RW,
    VA,
    Scene,
    _munmap_window,
    build,
    refuse,
    swap_in,
    swap_out,
)

ELR = 0x400104
EAGAIN = (-11) & (2**64 - 1)
SIGUSR1 = 10


@pytest.fixture
def s() -> Scene:
    return build()


def _l3(s: Scene) -> int:
    return s.tables[s.b + ROOT_A][3]


def _set(s: Scene, va: int, frame: int) -> int:
    return s.call(Call.SET_PT, _l3(s), D.level_index(va, 3), D.leaf_descriptor(frame, USER_RW))[0]


def _live(s: Scene) -> None:
    """Tree A is the live address space, with the MMU as the kernel sets it up."""
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, s.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)


def _syscall(s: Scene, sid: int, nr: int, args: tuple[int, ...]) -> None:
    _live(s)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args, root=s.b + ROOT_A)


def _resume(s: Scene, sid: int, ret: int) -> int:
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)                  # the program's next exception: the kernel runs
    return status


# --- sealed versions ----------------------------------------------------------------------
def test_a_newer_sealed_version_supersedes_the_older_one(s: Scene) -> None:
    b = s.b
    v1, old = swap_out(s, b + ROOT_A, VA)
    # Inside the program's own munmap a new page may appear there and be sealed again.
    _munmap_window(s, b + ROOT_A, VA)
    assert _set(s, VA, b + FREE) == Status.OK
    v2, new = swap_out(s, b + ROOT_A, VA)
    del s.g.conf.slots[999]
    assert v2 > v1 and s.g.invariants.violations() == []
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_A, VA, b + FREE2,
           D.leaf_descriptor(b + FREE2, USER_RW), payload=old)
    assert s.g.decisions[-1].check == "swap_in.outstanding"
    assert swap_in(s, b + ROOT_A, VA, b + FREE2, new) == Status.OK


def test_the_invariant_sees_a_tree_holding_two_versions_of_an_address(s: Scene) -> None:
    b = s.b
    swap_out(s, b + ROOT_A, VA)
    swap_out(s, b + ROOT_A, VA + PAGE)
    assert s.g.invariants.sealed_versions() == []
    records = secure_mm_for(s.g).seals[1]
    for rec in records.values():
        rec.va = VA                      # as if the older version had not been superseded
    assert any("holds sealed versions [1, 2]" in v for v in s.g.invariants.violations())


def test_a_swapped_out_page_does_not_come_back_as_a_new_page(s: Scene) -> None:
    b = s.b
    swap_out(s, b + ROOT_A, VA)
    refuse(s, Status.ERR_STATE, Call.SET_PT, _l3(s), D.level_index(VA, 3),
           D.leaf_descriptor(b + FREE, USER_RW))
    assert s.g.decisions[-1].check == "set_pt.sealed_slot"


def test_a_sealed_page_the_program_unmapped_never_comes_back(s: Scene) -> None:
    """munmap completed without SWAP_DISCARD: the old page does not return into new memory
    the program maps at the same address later; a fresh page may go there."""
    b = s.b
    _, sealed = swap_out(s, b + ROOT_A, VA)
    _syscall(s, 830, NR_MUNMAP, (VA, PAGE, 0, 0, 0, 0))
    assert _resume(s, 830, 0) == Status.OK
    refuse(s, Status.ERR_STALE, Call.SWAP_IN, b + ROOT_A, VA, b + FREE2,
           D.leaf_descriptor(b + FREE2, USER_RW), payload=sealed)
    assert _set(s, VA, b + FREE) == Status.OK and s.g.invariants.violations() == []


# --- copies ---------------------------------------------------------------------------------
def test_a_copy_only_takes_its_sources_place_as_it_is_now(s: Scene) -> None:
    b = s.b
    src = b + PAGES_A                         # tree A's page at VA
    s.ok(Call.COPY_PAGE, b + FREE, src)
    # Not at another address (a "fresh" page), however free it is ...
    refuse(s, Status.ERR_DENIED, Call.SET_PT, _l3(s), D.level_index(VA + 16 * PAGE, 3),
           D.leaf_descriptor(b + FREE, USER_RW))
    assert s.g.decisions[-1].check == "set_pt.copy_binding"
    # ... nor at its own once the source has gone (swapped out) ...
    _, sealed = swap_out(s, b + ROOT_A, VA)
    _munmap_window(s, b + ROOT_A, VA)        # even inside the program's own munmap
    refuse(s, Status.ERR_DENIED, Call.SET_PT, _l3(s), D.level_index(VA, 3),
           D.leaf_descriptor(b + FREE, USER_RW))
    assert s.g.decisions[-1].check == "set_pt.copy_binding"
    del s.g.conf.slots[999]
    assert swap_in(s, b + ROOT_A, VA, b + FREE2, sealed) == Status.OK
    # ... while a copy of the page as it is now may replace it (copy-on-write, a move).
    fresh = b + 0x63000
    s.ok(Call.COPY_PAGE, fresh, b + FREE2)
    assert _set(s, VA, fresh) == Status.OK
    assert s.entry(b + ROOT_A, VA) & D.ADDR_MASK == fresh and not s.g.frames.violations()


def test_a_copy_of_a_page_written_since_is_stale(s: Scene) -> None:
    b = s.b
    src = b + PAGES_A + PAGE
    s.ok(Call.COPY_PAGE, b + FREE, src)
    s.hw.ram.write(src, b"the program stored this later")
    _munmap_window(s, b + ROOT_A, VA + PAGE)  # no window makes an old copy current
    refuse(s, Status.ERR_DENIED, Call.SET_PT, _l3(s), D.level_index(VA + PAGE, 3),
           D.leaf_descriptor(b + FREE, USER_RW))
    assert s.g.decisions[-1].check == "set_pt.copy_binding"


# --- mmap hands out new memory --------------------------------------------------------------
@pytest.mark.parametrize("flags", [MAP_FIXED | MAP_ANONYMOUS | 2, MAP_ANONYMOUS | 2])
def test_mmap_returns_no_page_that_was_there_before(s: Scene, flags: int) -> None:
    b = s.b
    _syscall(s, 800, NR_MMAP, (VA, PAGE, 3, flags, 2**64 - 1, 0))
    before = s.g.frames.snapshot()
    assert _resume(s, 800, VA) == Status.ERR_DENIED       # page 0 still holds its data
    assert s.g.decisions[-1].check == "return.mmap_fresh"
    assert s.g.frames.snapshot() == before and 800 in s.g.conf.slots
    space = s.g.conf.domains[1].spaces[b + ROOT_A]
    assert (VA, VA + PAGE) not in space.areas
    # The same answer once the old page is gone (or replaced by zeros) is accepted.
    s.hw.ram.write(b + PAGES_A, bytes(PAGE))
    assert _resume(s, 800, VA) == Status.OK
    assert (VA, VA + PAGE) in space.areas


# --- clone ------------------------------------------------------------------------------------
def test_a_clone_that_yielded_a_child_tells_the_parent_its_id(s: Scene) -> None:
    _syscall(s, 810, NR_CLONE, (CLONE_VM, 0, 0, 0, 0, 0))
    status, child, _ = s.call(Call.FORK_DOMAIN, 0, 810, CLONE_VM)
    assert status == Status.OK and child
    assert _resume(s, 810, EAGAIN) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.clone_child_id" and 810 in s.g.conf.slots
    assert _resume(s, 810, 1234) == Status.OK


def test_the_clone_served_has_the_flags_the_program_asked(s: Scene) -> None:
    _syscall(s, 811, NR_CLONE, (17, 0, 0, 0, 0, 0))          # fork(): SIGCHLD only
    before = s.g.frames.snapshot()
    status, _, _ = s.call(Call.FORK_DOMAIN, s.b + ROOT_N, 811, 17 | CLONE_VFORK)
    assert status == Status.ERR_DENIED and s.g.decisions[-1].check == "fork.flags_asked"
    assert s.g.frames.snapshot() == before and s.g.conf.slots[811].children == 0
    assert s.call(Call.FORK_DOMAIN, s.b + ROOT_N, 811, 17)[0] == Status.OK


# --- signals the program sends itself ----------------------------------------------------------
def test_a_self_sent_signal_is_delivered_before_kill_returns(s: Scene) -> None:
    b = s.b
    space = s.g.conf.domains[1].spaces[b + ROOT_A]
    space.handlers[SIGUSR1] = (0x400800, 0, 0, 0)
    _syscall(s, 820, NR_GETPID, (0,) * 6)
    assert _resume(s, 820, 42) == Status.OK
    # kill(getpid(), SIGUSR1) answered 0 with no delivery: refused.
    _syscall(s, 821, NR_KILL, (42, SIGUSR1, 0, 0, 0, 0))
    assert _resume(s, 821, 0) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.self_signal" and 821 in s.g.conf.slots
    # Another process, or a signal the program blocked, owes it nothing.
    _syscall(s, 822, NR_KILL, (43, SIGUSR1, 0, 0, 0, 0))
    assert _resume(s, 822, 0) == Status.OK
    s.hw.ram.write(b + PAGES_A, struct.pack("<Q", 1 << (SIGUSR1 - 1)))   # its sigset at VA
    _syscall(s, 823, NR_RT_SIGPROCMASK, (0, VA, 0, 8, 0, 0))            # SIG_BLOCK
    assert _resume(s, 823, 0) == Status.OK
    _syscall(s, 824, NR_KILL, (42, SIGUSR1, 0, 0, 0, 0))
    assert _resume(s, 824, 0) == Status.OK
    # Unblocked again: the rule holds again; SIGNAL is the way back.
    _syscall(s, 825, NR_RT_SIGPROCMASK, (1, VA, 0, 8, 0, 0))            # SIG_UNBLOCK
    assert _resume(s, 825, 0) == Status.OK
    _syscall(s, 826, NR_KILL, (0, SIGUSR1, 0, 0, 0, 0))                 # its own group
    assert _resume(s, 826, 0) == Status.ERR_DENIED
