"""`return.unshare_live_thread` (guardian/unshare_alone.py, ZZ-024): unshare() of a
thread's own task state answers -EINVAL while a thread a clone(CLONE_THREAD) of its group
made (answered with its tid) lives, in user code or not (check_unshare_flags():
thread_group_empty()); the honest neighbours -- the thread entered exit(), a filter may
have killed it, the clone failed, it is another group's or the caller itself -- pass."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import unshare_alone
from guardian.checks import Refused
from guardian.slots import Slot
from tests.test_cred_kept_r80c import _Reg

NR_UNSHARE, NR_CLONE, NR_EXIT = NUMBERS["unshare"], NUMBERS["clone"], NUMBERS["exit"]
EAGAIN = (1 << 64) - 11


def _slot(nr: int, thread: int, *args: int, sid: int = 10) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=thread)


def _made(reg: _Reg, child: int, ret: int, creator: int = 2) -> None:
    clone = _slot(NR_CLONE, creator, 0x10F00, sid=3)
    clone.new_thread = child
    unshare_alone.note_clone(reg, clone, ret)   # type: ignore[arg-type]


def _unshare(reg: _Reg, flags: int = 0x1000_0000, filtered: bool = False,
             caller: int = 2) -> None:
    u = _slot(NR_UNSHARE, caller, flags)
    unshare_alone.check(reg, u, (u,), lambda s: filtered)  # type: ignore[arg-type]


@pytest.mark.parametrize("flags", [0x1000_0000, 0x10000, 0x800, 0x100])
def test_unshare_with_a_thread_in_user_code_refused(flags: int) -> None:
    reg = _Reg()
    _made(reg, 3, 103)                          # the spinner: no call in flight
    with pytest.raises(Refused) as e:
        _unshare(reg, flags)
    assert e.value.check == "return.unshare_live_thread"


def test_unshare_honest_neighbours() -> None:
    reg = _Reg()
    _unshare(reg)                               # no thread made: alone
    _made(reg, 3, EAGAIN)
    _unshare(reg)                               # the clone failed: no thread
    _made(reg, 3, 103)
    _unshare(reg, flags=0x200)                  # CLONE_FS alone: no such test
    _unshare(reg, filtered=True)                # a filter may have killed it (KILL_THREAD)
    _unshare(reg, caller=4)                     # another group's call (thread 4: group 4)
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 2, 0))   # type: ignore[arg-type]
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 3, 0))   # type: ignore[arg-type]
    _unshare(reg, caller=2)                     # exit() entered: it may be gone


def test_unshare_of_a_made_thread_after_the_leader_exit_refused() -> None:
    """AF-009: thread 3, made by a clone(CLONE_THREAD) of leader 2, unshares after 2's
    exit(): the leader stays a zombie in the group (delay_group_leader()): -EINVAL."""
    reg = _Reg()
    _made(reg, 3, 103)
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 2, 0))   # type: ignore[arg-type]
    with pytest.raises(Refused) as e:
        _unshare(reg, caller=3)
    assert e.value.check == "return.unshare_live_thread"
    _unshare(reg, flags=0x200, caller=3)        # CLONE_FS alone: no such test


def test_unshare_while_the_clone_maker_lives_refused() -> None:
    """AC-012: the thread that made the clone (the group leader, spinning in user code)
    is alive in the group until its own exit(): the new thread's unshare() is refused;
    once the leader entered exit() it stays a zombie in the group (AF-009,
    delay_group_leader()): still refused, the new thread not being the leader."""
    reg = _Reg()
    _made(reg, 3, 103, creator=2)
    with pytest.raises(Refused) as e:
        _unshare(reg, caller=3)
    assert e.value.check == "return.unshare_live_thread" and "thread 2" in str(e.value)
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 2, 0))   # type: ignore[arg-type]
    with pytest.raises(Refused) as e:
        _unshare(reg, caller=3)
    assert "not its group's leader" in str(e.value)


def test_unshare_after_the_group_exits_not_judged() -> None:
    reg = _Reg(exited=True)
    _made(reg, 3, 103)
    _unshare(reg)


def test_a_made_thread_record_goes_at_its_exit() -> None:
    """A thread a clone(CLONE_THREAD) made is forgotten once it enters exit(): its tid,
    reused after pid_max wraps (alloc_pid()), may name a vfork child of the same root,
    alone in its own group, whose unshare(CLONE_NEWUSER) Linux grants."""
    reg = _Reg()
    _made(reg, 3, 103)
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 3, 0))   # type: ignore[arg-type]
    unshare_alone.note_exit(reg, _slot(NR_EXIT, 2, 0))   # type: ignore[arg-type]
    assert not reg.made_threads
    _unshare(reg, caller=3)                     # (tid 3 reused by a lone task)
