"""execve and execveat come back to the image that made them only when they failed:
RESUME of either with a success is refused (`return.exec_failed_only`).

Tree A (tests/test_secure_mm.py) is domain 1's live address space.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.syscalls import SYSCALL_NAMES
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import ROOT_A, VA, Scene, build_translating

NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
ELR = 0x400104
ENOENT = (1 << 64) - 2


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _resume(s: Scene, name: str, ret: int) -> int:
    sid = 900 + len(s.g.decisions)
    args = (VA, VA + 64, VA + 128, 0, 0, 0)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR[name], args,
                               root=s.b + ROOT_A, thread=1)
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


@pytest.mark.parametrize("name", ["execve", "execveat"])
@pytest.mark.parametrize("ret", [0, 1, 1 << 63])
def test_a_success_returned_to_the_old_image_is_refused(s: Scene, name: str, ret: int) -> None:
    before = len(s.g.decisions)
    assert _resume(s, name, ret) == Status.ERR_DENIED
    assert len(s.g.decisions) == before + 1
    assert s.g.decisions[-1].check == "return.exec_failed_only"


@pytest.mark.parametrize("name", ["execve", "execveat"])
def test_a_failure_returns(s: Scene, name: str) -> None:
    assert _resume(s, name, ENOENT) == Status.OK
