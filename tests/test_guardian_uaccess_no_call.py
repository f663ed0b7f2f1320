"""Linux copies to or from user memory only for a system call in progress: a slot that is
no call (the first thread CREATE_DOMAIN makes before it ever runs, a fault, an
interrupt) gets no user access, whatever its domain's state.

Tree A (tests/test_secure_mm.py) is domain 1's live address space.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import NR_READ
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

ELR = 0x400104
BUF = VA + 512


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _slot(s: Scene, nr: int | None, args: tuple[int, ...] = ()) -> int:
    sid = 900 + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args, root=s.b + ROOT_A,
                               thread=1)
    return sid


@pytest.mark.parametrize("call", [Call.USER_READ, Call.USER_WRITE, Call.USER_STRING])
def test_a_slot_that_is_no_call_gets_no_user_access(s: Scene, call: Call) -> None:
    sid = _slot(s, None)
    before = s.hw.ram.read(s.b + PAGES_A + 512, 8)
    status, _, data = s.call(call, sid, BUF, 8, payload=b"\x01" * 8)
    assert status == Status.ERR_DENIED and data == b""
    assert s.g.decisions[-1].check == "uaccess.syscall_in_progress"
    assert s.hw.ram.read(s.b + PAGES_A + 512, 8) == before


def test_a_call_in_progress_keeps_its_capabilities(s: Scene) -> None:
    sid = _slot(s, NR_READ, (3, BUF, 8, 0, 0, 0))
    assert s.call(Call.USER_WRITE, sid, BUF, 8, payload=b"\x01" * 8)[0] == Status.OK
    assert s.hw.ram.read(s.b + PAGES_A + 512, 8) == b"\x01" * 8
    status, _, _ = s.call(Call.USER_WRITE, sid, BUF + 8, 8, payload=b"\x02" * 8)
    assert status == Status.ERR_DENIED                  # outside the read's buffer
    assert s.g.decisions[-1].check == "uaccess.capability"
