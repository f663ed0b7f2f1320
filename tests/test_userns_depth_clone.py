"""`return.userns_depth` for a clone(CLONE_NEWUSER) child: copy_creds() -> create_user_ns()
checks the same level as unshare() does (`if (parent_ns->level > 32)` -ENOSPC), so a
thread that already made 33 moves the Guardian saw gets no CLONE_NEWUSER child; its 32nd
move's child is Linux's."""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.slots import Slot
from guardian.userns_depth import DEPTH
from tests.test_secure_mm import ROOT_A, Scene, build_translating

NR_CLONE = NUMBERS["clone"]
CLONE_NEWUSER, SIGCHLD = 0x1000_0000, 17


def _fork(s: Scene, depth: int) -> Status:
    conf = s.g.conf
    conf.forks.filtered = lambda _slot: False           # (no filter: the flags are known)
    sid = 693
    slot = Slot(sid, 1, UserContext(), 0x400104, NR_CLONE,
                (CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0), root=s.b + ROOT_A, thread=1)
    conf.slots[sid] = slot
    conf.forks.files.stated.of_thread(slot)[DEPTH] = depth
    status, _, _ = s.call(Call.FORK_DOMAIN, s.b + 0x70000, sid, CLONE_NEWUSER | SIGCHLD)
    return status


def test_a_clone_newuser_child_past_33_moves_refused() -> None:
    s = build_translating()
    assert _fork(s, 33) != Status.OK
    assert s.g.decisions[-1].check == "return.userns_depth"


@pytest.mark.parametrize("depth", [0, 32])
def test_a_clone_newuser_child_within_33_levels_passes_the_depth_rule(depth: int) -> None:
    s = build_translating()
    _fork(s, depth)             # (this scene's child root is no root: fork.child_root)
    assert all(d.check != "return.userns_depth" for d in s.g.decisions)
