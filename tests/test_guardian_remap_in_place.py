"""An mremap without MREMAP_MAYMOVE resizes the area where it is or fails: its success
answers the old address (`remap.in_place`).

Tree A (tests/test_secure_mm.py) is domain 1's live address space and maps four pages
at VA; nothing maps VA + 8 pages and above.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.syscalls import SYSCALL_NAMES
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGE, ROOT_A, VA, Scene, build_translating

NR_MREMAP = {name: nr for nr, name in SYSCALL_NAMES.items()}["mremap"]
ELR = 0x400104
MREMAP_MAYMOVE = 1
EMPTY = VA + 8 * PAGE                  # a range the tree does not map
ELSEWHERE = VA + 32 * PAGE             # free, far from both


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _resume(s: Scene, args: tuple[int, ...], ret: int) -> int:
    sid = 900 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_MREMAP, args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A, thread=1)
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def test_a_resize_without_maymove_answered_elsewhere_is_refused(s: Scene) -> None:
    before = len(s.g.decisions)
    assert _resume(s, (EMPTY, PAGE, 2 * PAGE, 0), ELSEWHERE) == Status.ERR_DENIED
    assert len(s.g.decisions) == before + 1
    assert s.g.decisions[-1].check == "remap.in_place"


def test_in_place_answers_and_errors_pass(s: Scene) -> None:
    assert _resume(s, (EMPTY, PAGE, PAGE, 0), EMPTY) == Status.OK
    assert _resume(s, (EMPTY, PAGE, 2 * PAGE, 0), (1 << 64) - 12) == Status.OK   # -ENOMEM


def test_with_maymove_the_area_may_move(s: Scene) -> None:
    to = ELSEWHERE + 8 * PAGE
    assert _resume(s, (EMPTY + 2 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE), to) == Status.OK
