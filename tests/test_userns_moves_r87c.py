"""Round 87c's user-namespace moves (AV-008..012, AV-022, AV-023) and Linux's answers
beside them: `return.setns_user_alone` (guardian/unshare_alone.py: userns_install()'s
thread_group_empty()), `create.userns_full` / `return.userns_caps_full`
(guardian/cred_kept.py, capset_sets.py: set_cred_user_ns() fills pP, pE and the
bounding set and resets the securebits), `return.setns_own_userns`
(guardian/setns_self.py: a pidfd of the caller's own process) and `return.userns_depth`
(guardian/userns_depth.py: create_user_ns()'s 33 levels)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED, CRED_CHANGE, KEEPCAPS, SECUREBITS, SECUREBITS_RESET
from guardian import cred_kept, prctl_state, setns_self, unshare_alone, userns_depth
from guardian.checks import Refused
from guardian.slots import Slot
from tests.test_cap_rules_r81c import ALL, NR_CAPGET, V1, V3, _call, _data, _judge, _Memory, _stated
from tests.test_cap_rules_r81c import _slot as _cap_slot
from tests.test_cred_kept_r80c import _Reg

NR_SETNS, NR_UNSHARE, NR_CLONE = NUMBERS["setns"], NUMBERS["unshare"], NUMBERS["clone"]
NR_SETUID, NR_PRCTL = NUMBERS["setuid"], 167
CLONE_NEWUSER, CLONE_NEWUTS = 0x1000_0000, 0x0400_0000
PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 23, 24, 28
CAP_SETUID = 7


def _slot(nr: int, thread: int, *args: int, sid: int = 10) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=thread)


def _setns(reg: _Reg, nstype: int, filtered: bool = False) -> None:
    s = _slot(NR_SETNS, 2, 9, nstype)
    unshare_alone.check(reg, s, (s,), lambda _: filtered)  # type: ignore[arg-type]


def test_setns_of_a_user_namespace_beside_a_live_thread_refused() -> None:
    """AV-008: a thread made (answered its tid), then setns(fd, CLONE_NEWUSER) 0:
    userns_install() -EINVAL; alone, with nstype 0 (the fd may be a UTS one), another
    type, or under a filter it passes."""
    reg = _Reg()
    _setns(reg, CLONE_NEWUSER)                  # alone: Linux's 0
    clone = _slot(NR_CLONE, 2, 0x10F00, sid=3)
    clone.new_thread = 3
    unshare_alone.note_clone(reg, clone, 103)   # type: ignore[arg-type]
    with pytest.raises(Refused) as e:
        _setns(reg, CLONE_NEWUSER)
    assert e.value.check == "return.setns_user_alone"
    _setns(reg, 0)                              # (setns uts with a thread alive: 0)
    _setns(reg, CLONE_NEWUTS)
    _setns(reg, CLONE_NEWUSER, filtered=True)


def _moved() -> tuple[object, _Memory, dict[str, object]]:
    """unshare(CLONE_NEWUSER) answered 0, no filter: the table's notes, then
    result_creds.commit_creds()'s note_user_ns()."""
    s, mem = _stated(), _Memory()
    slot = _cap_slot(NR_UNSHARE, CLONE_NEWUSER)
    for fact in (SECUREBITS_RESET, CRED_CHANGE):
        prctl_state.note_set(s, slot, fact)
    facts = s.of_thread(slot)
    cred_kept.note_user_ns(facts)
    return s, mem, facts


def test_capget_after_unshare_newuser_reports_full_sets() -> None:
    """AV-009: capget() of empty sets after unshare(CLONE_NEWUSER) 0 is refused; Linux's
    full pP and pE with pI empty pass (native 6.18: `eff=ffffffff,1ff perm=ffffffff
    inh=0`), and so does a version 1 header's low word.  After a setuid() (which may
    clear them: cap_emulate_setxuid()) empty sets pass."""
    s, mem, _ = _moved()
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0)))  # type: ignore[arg-type]
    assert e.value.check == "return.userns_caps_full"
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, 0)))  # type: ignore[arg-type]
    assert e.value.check == "return.userns_caps_full"
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))  # type: ignore[arg-type]
    _judge(s, mem, _call(mem, NR_CAPGET, V1, stored=_data(ALL, ALL)[:12]))  # type: ignore[arg-type]
    prctl_state.note_set(s, _cap_slot(NR_SETUID, 5), CRED_CHANGE)  # type: ignore[arg-type]
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0)))  # type: ignore[arg-type]


def test_clone_newuser_child_has_full_sets_where_its_flags_are_known() -> None:
    """AV-010: a clone(CLONE_NEWUSER) child whose flags are known has full pP and pE;
    where not (a filter's tracer may have changed them) nothing is known.  A plain fork
    child of a moved thread keeps them (copy_creds())."""
    child: dict[str, object] = {}
    prctl_state.note_clone({}, child, CLONE_NEWUSER, flags_known=False)
    assert not child.get("caps_full")
    prctl_state.note_clone({}, child, CLONE_NEWUSER, flags_known=True)
    assert child["caps_full"] is True
    fork: dict[str, object] = {"caps_full": True}   # (a stale task of that tid)
    prctl_state.note_clone({}, fork, 17)
    assert "caps_full" not in fork
    prctl_state.note_clone(child, fork, 17)
    assert fork["caps_full"] is True


def test_bounding_set_and_securebits_after_unshare_newuser() -> None:
    """AV-011, AV-012: after unshare(CLONE_NEWUSER) 0, PR_CAPBSET_READ of a valid
    capability is known 1 (the drop before it undone: `cred->cap_bset = CAP_FULL_SET`)
    and the securebits 0 (SECUREBITS_DEFAULT); the thread's own drop since makes it 0, an
    invalid capability is not judged (-EINVAL), a PR_SET_SECUREBITS forgets the set."""
    s, _, facts = _moved()
    read = _cap_slot(NR_PRCTL, PR_CAPBSET_READ, CAP_SETUID)
    assert prctl_state.kept(s, read, CAPBSET_DROPPED) == 1    # type: ignore[arg-type]
    assert prctl_state.kept(s, _cap_slot(NR_PRCTL, PR_CAPBSET_READ, 41),  # type: ignore[arg-type]
                            CAPBSET_DROPPED) is None
    assert facts[SECUREBITS] == 0 and facts[KEEPCAPS] == 0
    prctl_state.note_set(s, _cap_slot(NR_PRCTL, PR_CAPBSET_DROP, CAP_SETUID),  # type: ignore[arg-type]
                         CAPBSET_DROPPED)
    assert prctl_state.kept(s, read, CAPBSET_DROPPED) == 0    # type: ignore[arg-type]
    assert prctl_state.kept(s, _cap_slot(NR_PRCTL, PR_CAPBSET_READ, 5),  # type: ignore[arg-type]
                            CAPBSET_DROPPED) == 1
    prctl_state.note_set(s, _cap_slot(NR_PRCTL, PR_SET_SECUREBITS, 1),  # type: ignore[arg-type]
                         SECUREBITS_RESET)
    assert prctl_state.kept(s, _cap_slot(NR_PRCTL, PR_CAPBSET_READ, 5),  # type: ignore[arg-type]
                            CAPBSET_DROPPED) is None
    assert facts[SECUREBITS] == 1


def test_a_34th_nested_unshare_newuser_refused() -> None:
    """AV-023: 33 moves seen (unshare(CLONE_NEWUSER) 0, each committed), a 34th 0 is
    refused (create_user_ns(): `parent_ns->level > 32` -ENOSPC); the 33rd is Linux's
    (native 6.18: `unshares answered 0: 33`), and a fork child carries the count."""
    facts: dict[str, object] = {}
    for _ in range(33):
        userns_depth.check(facts, CLONE_NEWUSER)
        cred_kept.note_user_ns(facts)
    with pytest.raises(Refused) as e:
        userns_depth.check(facts, CLONE_NEWUSER)
    assert e.value.check == "return.userns_depth"
    child: dict[str, object] = {}
    prctl_state.note_clone(facts, child, 17)
    with pytest.raises(Refused):
        userns_depth.check(child, CLONE_NEWUSER)
    fresh: dict[str, object] = {userns_depth.DEPTH: 32}
    userns_depth.check(fresh, CLONE_NEWUSER)


class _Files:
    """The descriptor facts setns_self reads: a pidfd `fd` of `pid`, a steady table."""

    def __init__(self, fd: int, pid: int, steady: bool = True) -> None:
        self.fd, self.pid, self.is_steady = fd, pid, steady

    def steady(self, slot: Slot) -> bool:
        return self.is_steady

    def pidfd_pid(self, slot: Slot, fd: int) -> int:
        return self.pid if fd == self.fd else 0


def test_setns_of_a_pidfd_of_itself_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """AV-022: setns(pidfd_open(getpid()), CLONE_NEWUSER) 0 is refused
    (userns_install(): -EINVAL); a pidfd of another process (Linux may join its user
    namespace), an nstype without CLONE_NEWUSER, a table not steady, or an error pass."""
    monkeypatch.setattr(setns_self, "own_pid", lambda files, slot: 35)
    slot = _slot(NR_SETNS, 2, 4, CLONE_NEWUSER)
    with pytest.raises(Refused) as e:
        setns_self.check(_Files(4, 35), slot, 0)  # type: ignore[arg-type]
    assert e.value.check == "return.setns_own_userns"
    setns_self.check(_Files(4, 36), slot, 0)  # type: ignore[arg-type]
    setns_self.check(_Files(4, 35, steady=False), slot, 0)  # type: ignore[arg-type]
    setns_self.check(_Files(4, 35), slot, (1 << 64) - 22)  # type: ignore[arg-type]
    setns_self.check(_Files(4, 35), _slot(NR_SETNS, 2, 4, CLONE_NEWUTS), 0)  # type: ignore[arg-type]
