"""Round 84c's credential rules (attacks/families/redteam_r84c.py): the inheritable set
a capget() reported before PR_CAPBSET_DROP (AI-018: return.capset_inheritable; AI-011:
create.exec_caps), and an exec under no_new_privs (AI-003, AI-004:
create.exec_no_new_privs); each with Linux's answer beside it passing."""

from __future__ import annotations

import pytest

from abi.value_ranges import CAPBSET_DROPPED, NO_NEW_PRIVS
from guardian import exec_caps, exec_no_new_privs
from guardian.capset_sets import CAP_EFFECTIVE, CAP_INHERITABLE, CAP_PERMITTED, CAP_VALID_MASK
from guardian.checks import Refused
from tests.test_cap_rules_r81c import (
    ALL,
    NR_CAPGET,
    NR_CAPSET,
    V3,
    _call,
    _data,
    _judge,
    _Memory,
    _slot,
)
from tests.test_cap_rules_r83c import _facts

CAP_CHOWN, CAP_SETUID = 0, 7
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE = 11, 12, 13, 14, 23


def test_capget_before_drop_bounds_capset_inheritable() -> None:
    """AI-018: capget() reporting an empty inheritable set, then PR_CAPBSET_DROP(CAP_SETUID),
    then capset() adding CAP_SETUID to the inheritable set answered 0 is refused
    (cap_capset(): -EPERM); adding a bit the bounding set holds (Linux's 0), or one the
    capget() reported, passes."""
    mem = _Memory()
    s = _facts()
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, 0)))  # type: ignore[arg-type]
    assert s.of_thread(_slot(0))[CAP_INHERITABLE] == 0  # type: ignore[attr-defined]
    s.of_thread(_slot(0))[CAPBSET_DROPPED] = frozenset({CAP_SETUID})  # type: ignore[attr-defined]
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPSET, V3,  # type: ignore[arg-type]
                             data=_data(ALL, ALL, 1 << CAP_SETUID)))
    assert e.value.check == "return.capset_inheritable"
    s = _facts()
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, 0)))  # type: ignore[arg-type]
    s.of_thread(_slot(0))[CAPBSET_DROPPED] = frozenset({CAP_SETUID})  # type: ignore[attr-defined]
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_CHOWN)))  # type: ignore[arg-type]
    s = _facts()
    _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                         stored=_data(ALL, ALL, 1 << CAP_SETUID)))
    s.of_thread(_slot(0))[CAPBSET_DROPPED] = frozenset({CAP_SETUID})  # type: ignore[attr-defined]
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_SETUID)))  # type: ignore[arg-type]


def test_capget_before_drop_bounds_exec() -> None:
    """AI-011: the inheritable set a capget() before the drop reported bounds the exec'd
    image's sets by bset | inheritable (bprm_caps_from_vfs_caps())."""
    mem = _Memory()
    s = _facts()
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, 0)))  # type: ignore[arg-type]
    facts = s.of_thread(_slot(0))  # type: ignore[attr-defined]
    facts[CAPBSET_DROPPED] = frozenset({CAP_SETUID})
    kept = exec_caps.collect(facts)
    assert kept[CAP_PERMITTED] == kept[CAP_EFFECTIVE] == CAP_VALID_MASK & ~(1 << CAP_SETUID)


def test_no_new_privs_exec_bounds_permitted() -> None:
    """AI-003: under known no_new_privs the exec'd image's permitted and effective sets
    stay within the old permitted set, whatever AT_SECURE says (the downgrade's
    cap_intersect()); without no_new_privs a file capability may raise them (not bounded)."""
    kept = exec_caps.collect({CAP_PERMITTED: 0, CAP_EFFECTIVE: 0, NO_NEW_PRIVS: 1})
    facts: dict[str, object] = {}
    exec_caps.apply(kept, facts, True, 65534, 65534)
    assert facts[CAP_PERMITTED] == facts[CAP_EFFECTIVE] == 0
    kept = exec_caps.collect({CAP_PERMITTED: 1 << CAP_SETUID, NO_NEW_PRIVS: 1,
                              CAP_INHERITABLE: 0, CAPBSET_DROPPED: frozenset({CAP_CHOWN})})
    assert kept[CAP_PERMITTED] == kept[CAP_EFFECTIVE] == 1 << CAP_SETUID
    for old in ({CAP_PERMITTED: 0, NO_NEW_PRIVS: 0}, {CAP_PERMITTED: 0}, {NO_NEW_PRIVS: 1}):
        assert CAP_PERMITTED not in exec_caps.collect(old)  # type: ignore[arg-type]


def test_no_new_privs_exec_keeps_euid() -> None:
    """AI-004: under known no_new_privs AT_EUID 0 after setuid(65534) is refused
    (bprm_fill_uid() ignores the set-user-id bit); the old euid, or the real uid the
    downgrade may set (`new->euid = new->uid`, a ruid 0 program's setresuid(-1, 65534,
    -1) before 6.15), pass, as does AT_EUID 0 without no_new_privs (a set-user-id root
    file: Linux's AT_EUID 0)."""
    ids = {"ruid": 65534, "euid": 65534, "rgid": 65534, "egid": 65534}
    auxv = {AT_UID: 65534, AT_EUID: 0, AT_GID: 65534, AT_EGID: 65534, AT_SECURE: 1}
    with pytest.raises(Refused) as e:
        exec_no_new_privs.check_ids(ids, True, auxv)  # type: ignore[arg-type]
    assert e.value.check == "create.exec_no_new_privs"
    with pytest.raises(Refused):
        exec_no_new_privs.check_ids(ids, True, {**auxv, AT_EUID: 65534, AT_EGID: 0})  # type: ignore[arg-type]
    exec_no_new_privs.check_ids(ids, False, auxv)  # type: ignore[arg-type]
    exec_no_new_privs.check_ids(ids, True, {**auxv, AT_EUID: 65534, AT_SECURE: 0})  # type: ignore[arg-type]
    mixed = {"ruid": 0, "euid": 65534, "rgid": 0, "egid": 0}
    for euid in (65534, 0):
        exec_no_new_privs.check_ids(mixed, True,  # type: ignore[arg-type]
                                    {AT_UID: 0, AT_EUID: euid, AT_GID: 0, AT_EGID: 0})
    exec_no_new_privs.check_ids({}, True, auxv)  # type: ignore[arg-type]
    assert exec_no_new_privs.known({NO_NEW_PRIVS: 1})
    assert not exec_no_new_privs.known({NO_NEW_PRIVS: 0})
