"""wait4's status for a fork child whose exit_group the Guardian saw says that code: one
process of the program tells another through the kernel, which cannot change the message.

Tree A (tests/test_secure_mm.py) is the parent's live address space, tree C stands for
the child's; the parent's status word is at VA.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import NR_EXIT_GROUP, NR_WAIT4
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, ROOT_C, VA, Scene, build

ELR = 0x400104
CHILD_PID, CHILD_PROCESS = 42, 7


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    reg = scene.g.conf.registry
    reg.process_of_root[scene.b + ROOT_C] = CHILD_PROCESS
    reg.child_pids[(scene.b + ROOT_A, CHILD_PID)] = CHILD_PROCESS
    return scene


def _child_exits(s: Scene, code: int) -> None:
    reg = s.g.conf.registry
    reg.add_slot(1, UserContext(), ELR, NR_EXIT_GROUP, (code, 0, 0, 0, 0, 0),
                 root=s.b + ROOT_C, thread=CHILD_PROCESS)
    assert s.call(Call.EXIT_DOMAIN, s.b + ROOT_C)[0] == Status.OK


def _wait(s: Scene, status_word: int, ret: int = CHILD_PID) -> int:
    s.hw.ram.write(s.b + PAGES_A, struct.pack("<I", status_word))
    sid = 990 + len(s.g.decisions) + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_WAIT4, (ret, VA, 0, 0, 0, 0),
                               root=s.b + ROOT_A, thread=1,
                               written=[(VA, VA + 4)])     # the kernel wrote the status
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)
    return status


def test_a_forged_status_is_refused(s: Scene) -> None:
    _child_exits(s, 3)
    assert s.g.conf.registry.exit_codes[CHILD_PROCESS] == 3
    assert _wait(s, 66 << 8) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.wait_status"
    assert _wait(s, 3 << 8) == Status.OK
    assert CHILD_PROCESS not in s.g.conf.registry.exit_codes       # reaped: forgotten


def test_a_child_the_guardian_did_not_see_exit_is_not_judged(s: Scene) -> None:
    assert _wait(s, 9) == Status.OK                 # killed by SIGKILL, say
    _child_exits(s, 3)
    assert _wait(s, 66 << 8, ret=CHILD_PID + 1) == Status.OK       # another process
