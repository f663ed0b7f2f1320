"""The launch's inheritable set (`create.launch_inheritable`) stays
known through a set*uid asking euid 0 (cap_emulate_setxuid() and cap_task_fix_setfsuid()
never write `cap_inheritable`), so AF-005's root exec after PR_CAPBSET_DROP(CAP_SETUID)
holds no CAP_SETUID even when the program called setuid(0) first (pP' = bset | pI:
handle_privileged_root()); through a call that may make or join a new user namespace
(set_cred_user_ns(): `cred->cap_inheritable = CAP_EMPTY_SET;`) it stays an upper bound
(create.userns_caps; guardian/result_creds.py then knows it empty after an unshare())."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED, CRED_CHANGE, SECUREBITS_RESET
from guardian import exec_caps, launch_facts, prctl_state
from guardian.capset_sets import CAP_INHERITABLE, CAP_PERMITTED
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

CAP_SETUID = 7
NR_UNSHARE, NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]


def _slot(nr: int, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=2)


def _launched_then(nr: int, *args: int, ret: int = 0) -> dict[str, object]:
    s = StatedFacts(lambda slot, fd: None, dict)
    launch_facts.start(s.launch, s, 5, 2)
    slot = _slot(nr, *args)
    for fact in (SECUREBITS_RESET, CRED_CHANGE) if nr in (NR_UNSHARE, NR_SETNS) \
            else (CRED_CHANGE,):
        prctl_state.note_set(s, slot, fact, ret)
    return s.of_thread(slot)


@pytest.mark.parametrize("nr, args", [
    (NUMBERS["setuid"], (0,)), (NUMBERS["setresuid"], (0, 0, 0)),
    (NUMBERS["setreuid"], (0xFFFF_FFFF, 0)), (NUMBERS["setfsuid"], (0,)),
], ids=["setuid", "setresuid", "setreuid", "setfsuid"])
def test_a_setuid_to_root_keeps_the_launch_inheritable_set(nr: int, args: tuple[int, ...]) -> None:
    # (setfsuid() answers the old fs uid: 1000, so the fs uid went to 0)
    facts = _launched_then(nr, *args, ret=1000 if nr == NUMBERS["setfsuid"] else 0)
    assert facts[CAP_INHERITABLE] == 0
    facts[CAPBSET_DROPPED] = frozenset({CAP_SETUID})
    kept = exec_caps.collect(facts)
    assert isinstance(kept[CAP_PERMITTED], int)
    assert not kept[CAP_PERMITTED] & 1 << CAP_SETUID     # setuid(65534): -EPERM


@pytest.mark.parametrize("nr, args", [(NR_UNSHARE, (0x1000_0000,)), (NR_SETNS, (3, 0))],
                         ids=["unshare", "setns"])
def test_a_new_user_namespace_keeps_it_as_a_bound(nr: int, args: tuple[int, ...]) -> None:
    assert _launched_then(nr, *args)[CAP_INHERITABLE] == 0
