"""Round 86c's credential gaps (guardian/cred_kept.py) and Linux's answers beside them:
`create.setuid_caps` (cap_emulate_setxuid() never adds to pP, raises pE only to pP and
only from a non-0 euid: AS-010, AS-011) and `create.userns_caps` (set_cred_user_ns()
empties pI and pA: AS-001, AS-002, AS-008, AS-009, AS-013)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, SECUREBITS_RESET
from guardian import cap_needed, cred_kept, prctl_state
from guardian.capset_sets import CAP_INHERITABLE, CAP_PERMITTED, FS_DROPPED
from guardian.checks import Refused
from tests.test_cap_rules_r81c import (
    ALL,
    NR_CAPGET,
    NR_CAPSET,
    NR_PRCTL,
    V3,
    _call,
    _data,
    _judge,
    _Memory,
    _slot,
    _stated,
)

NR_SETUID, NR_SETRESUID = NUMBERS["setuid"], NUMBERS["setresuid"]
NR_UNSHARE, NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
CLONE_NEWUSER, CAP_KILL = 0x1000_0000, 5
_U32 = 0xFFFF_FFFF
#: root's sets with cap_drop_fs_set()'s bits out of the effective one
FS_SET = 0x1F | 1 << 9 | 1 << 27 | 1 << 32
KILL = 1 << CAP_KILL


def _raise(s: object) -> None:
    """PR_CAP_AMBIENT_RAISE(CAP_KILL) answered 0, no filter."""
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 2, CAP_KILL), 0, False)  # type: ignore[arg-type]


def test_setuid_keeps_the_permitted_set_and_bounds_the_effective_one() -> None:
    """AS-011: capset() of empty sets, setuid(0) (asking euid 0: may raise), capget() of
    root's full sets: pP stays empty (cap_emulate_setxuid() only clears it) and pE is at
    most pP; capget() of empty sets is Linux's (native 6.18: `eff=0 perm=0`)."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, 0)))
    prctl_state.note_set(s, _slot(NR_SETUID, 0), CRED_CHANGE)
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))
    assert e.value.check in ("return.capset_permitted", "return.capset_effective")
    with pytest.raises(Refused) as e:           # (pE at most pP: the raise is pE = pP)
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(1, 0)))
    assert e.value.check == "return.capset_effective"
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0)))


def test_setuid_raises_the_effective_set_to_the_permitted_one() -> None:
    """Linux's raise: capset(pE empty, pP CAP_KILL), then a set*uid asking euid 0 of a non-0
    euid: capget() of CAP_KILL effective passes (`new->cap_effective =
    new->cap_permitted`)."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, KILL)))
    prctl_state.note_set(s, _slot(NR_SETRESUID, _U32, 0, _U32), CRED_CHANGE)
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(KILL, KILL)))


def test_a_root_euid_setresuid_keeps_the_fs_drop() -> None:
    """AS-010: setfsuid(65534) dropped the fs set; setresuid(-1, 0, -1) of a known euid 0
    raises nothing (cap_emulate_setxuid(): only from a non-0 euid), so capget() of root's
    full sets is refused and root's sets without the fs set pass (native 6.18:
    `eff=f6fffde0`).  Of a known euid 65534 it may raise: nothing is kept."""
    s, mem = _stated(), _Memory()
    slot = _slot(NR_SETRESUID, _U32, 0, _U32)
    facts = s.of_thread(slot)
    facts[FS_DROPPED] = True
    kept = cred_kept.unraised(facts, 0)
    assert kept == {FS_DROPPED: True}
    assert cred_kept.unraised(facts, 65534) is None
    prctl_state.note_set(s, slot, CRED_CHANGE)
    assert FS_DROPPED not in facts
    facts.update(kept)                          # (result_creds.commit_creds())
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))
    assert e.value.check == "return.capset_effective"
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL & ~FS_SET, ALL)))


def _capset_kill() -> object:
    """K: capset() of root's full pP and pE with CAP_KILL inheritable, answered 0."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, KILL)))
    return s


def _user_ns_call(s: object, nr: int, *args: int) -> dict[str, object]:
    slot = _slot(nr, *args)
    for fact in (SECUREBITS_RESET, CRED_CHANGE):
        prctl_state.note_set(s, slot, fact)  # type: ignore[arg-type]
    return s.of_thread(slot)  # type: ignore[attr-defined, no-any-return]


def test_unshare_newuser_empties_the_inheritable_set() -> None:
    """AS-001: K, then unshare(CLONE_NEWUSER) answered 0 (no filter): set_cred_user_ns()
    empties pI, so R answered 0 is refused (native 6.18: `raise=-1`)."""
    s = _capset_kill()
    facts = _user_ns_call(s, NR_UNSHARE, CLONE_NEWUSER)
    assert facts[CAP_INHERITABLE] == KILL       # (the bound, through any such call)
    cred_kept.note_user_ns(facts)               # (result_creds: unfiltered, answered 0)
    with pytest.raises(Refused) as e:
        _raise(s)
    assert e.value.check == "return.cap_needed"


def test_setns_keeps_the_inheritable_bound_only() -> None:
    """AS-008's neighbour: setns(fd, 0) of a descriptor that may name another kind of
    namespace keeps pI (commit_nsset() installs no cred), so K, setns 0, R 0 may be
    Linux's; a launch's empty pI stays empty through it (AS-008)."""
    s = _capset_kill()
    facts = _user_ns_call(s, NR_SETNS, 3, 0)
    assert facts[CAP_INHERITABLE] == KILL
    s2, mem = _stated(), _Memory()
    _judge(s2, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 0)))
    _user_ns_call(s2, NR_SETNS, 3, CLONE_NEWUSER)
    with pytest.raises(Refused) as e:
        _judge(s2, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, KILL)))
    assert e.value.check == "return.capset_inheritable"


def test_clone_newuser_child_starts_with_empty_inheritable_set() -> None:
    """AS-013: K, then a clone(CLONE_NEWUSER) child's R 0 is refused where the flags are
    known (copy_creds() -> create_user_ns() -> set_cred_user_ns()); where not (a filter's
    tracer may have rewritten them) the child keeps only its creator's bound, and R 0
    passes."""
    s = _capset_kill()
    parent = dict(s.of_thread(_slot(NR_CAPSET)))  # type: ignore[attr-defined]
    child: dict[str, object] = {}
    prctl_state.note_clone(parent, child, CLONE_NEWUSER, flags_known=False)
    assert child[CAP_INHERITABLE] == KILL
    s.threads[(5, 2)] = child  # type: ignore[attr-defined]
    _raise(s)
    child = {}
    prctl_state.note_clone(parent, child, CLONE_NEWUSER, flags_known=True)
    s.threads[(5, 2)] = child  # type: ignore[attr-defined]
    with pytest.raises(Refused) as e:
        _raise(s)
    assert e.value.check == "return.cap_needed"


def test_only_a_setuid_call_keeps_the_permitted_set() -> None:
    """kept_through_raise() keeps pP through the calls cap_task_fix_setuid() runs for
    (set*uid, setfsuid()) alone: capset() replaces pP (cap_capset()), a new user
    namespace fills it (set_cred_user_ns(): CAP_FULL_SET)."""
    facts: dict[str, object] = {CAP_PERMITTED: 0, CAP_INHERITABLE: 0}
    assert cred_kept.kept_through_raise(facts, _slot(NR_SETUID, 0))[CAP_PERMITTED] == 0
    assert cred_kept.kept_through_raise(facts, _slot(NUMBERS["setfsuid"], 0))[
        CAP_PERMITTED] == 0
    for nr in (NR_CAPSET, NR_UNSHARE, NR_SETNS, NUMBERS["execve"]):
        assert CAP_PERMITTED not in cred_kept.kept_through_raise(facts, _slot(nr, 0, 0))
