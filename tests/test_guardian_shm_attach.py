"""shmat() answers an address under mmap's Iago rule: page aligned, in the user range, at
the address asked for, of the size the program's shmget gave, over no memory the program
holds and no page that is not new -- and shmdt() gives the attach back.

Tree A (tests/test_secure_mm.py) is domain 1's live address space: its pages at VA hold
the program's data.
"""

from __future__ import annotations

import pytest

from abi import Status
from emulator import sysregs as S
from guardian.slots import PAGE
from tests.test_guardian_event_results import _last_check, _syscall
from tests.test_secure_mm import ROOT_A, VA, Scene, build

FREE = 0x0000_7100_0000_0000            # a range no area of the program covers
IPC_PRIVATE, IPC_CREAT = 0, 0o1000
SHM_RND = 0o20000
OK, DENIED = Status.OK, Status.ERR_DENIED


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _areas(s: Scene) -> list[tuple[int, int]]:
    conf = s.g.conf
    return conf.registry.space(conf.domains[1], s.b + ROOT_A).areas


def _decision(s: Scene) -> str:
    return s.g.decisions[-1].reason


def test_an_attach_is_a_range_the_program_did_not_hold(s: Scene) -> None:
    _areas(s).append((VA, VA + 4 * PAGE))                     # the program's own data
    assert _syscall(s, "shmat", (7, 0, 0), FREE) == DENIED                  # never sized
    assert _last_check(s) == "return.layout" and "no shmget" in _decision(s)
    assert _syscall(s, "shmget", (IPC_PRIVATE, 2 * PAGE - 100, IPC_CREAT | 0o600), 7) == OK
    assert _syscall(s, "shmat", (7, 0, 0), VA) == DENIED                    # its own pages
    assert "overlaps memory the program holds" in _decision(s)
    assert _syscall(s, "shmat", (7, 0, 0), VA - PAGE) == DENIED             # half over them
    assert _syscall(s, "shmat", (7, 0, 0), FREE + 8) == DENIED              # unaligned
    assert _syscall(s, "shmat", (7, FREE, 0), FREE + 2 * PAGE) == DENIED    # not where asked
    assert "not the address asked for" in _decision(s)
    assert _syscall(s, "shmat", (7, FREE + 5, SHM_RND), FREE) == OK     # rounded down
    assert (FREE, FREE + 2 * PAGE) in _areas(s)
    assert _syscall(s, "shmat", (7, 0, 0), FREE + PAGE) == DENIED           # over the attach
    assert _syscall(s, "shmdt", (FREE,), 0) == OK
    assert (FREE, FREE + 2 * PAGE) not in _areas(s)
    assert _syscall(s, "shmat", (7, 0, 0), FREE + PAGE) == OK
    assert _syscall(s, "shmat", (7, 0, 0), (1 << 48) - PAGE) == DENIED      # past the user range


def test_an_attach_maps_no_old_page(s: Scene) -> None:
    """A page the tree maps in the range at the return is new memory (zero) or the
    segment's own: the program's data page, even where no area of the list covers it,
    is not."""
    assert _syscall(s, "shmget", (IPC_PRIVATE, PAGE, IPC_CREAT | 0o600), 9) == OK
    assert _syscall(s, "shmat", (9, 0, 0), VA) == DENIED
    assert "is not new memory" in _decision(s)
