"""copy_creds(): a new task's cred is its creator's, so what the Guardian knows of the
creator's permitted, inheritable and ambient sets (guardian/capset_sets.py,
guardian/cap_needed.py) holds in a child made without CLONE_NEWUSER
(prctl_state.note_clone()); under CLONE_NEWUSER set_cred_user_ns() fills the permitted
and effective sets and empties the inheritable and ambient ones (create.userns_caps)."""

from __future__ import annotations

import pytest

from guardian import cap_needed, prctl_state
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    FS_DROPPED,
)
from guardian.checks import Refused
from tests.test_cap_rules_r81c import (
    ALL,
    CAP_SETUID,
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

CLONE_NEWUSER = 0x1000_0000
_SETS = (CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE, AMBIENT_OUT)


def test_fork_child_keeps_known_permitted_inheritable_and_ambient() -> None:
    """capset(permitted, inheritable empty) then fork: the child's capget of a full
    permitted set and its PR_CAP_AMBIENT_RAISE answered 0 are refused, as in the parent;
    under CLONE_NEWUSER the permitted and effective sets are not carried, the inheritable
    and ambient bounds are (set_cred_user_ns() empties them), and where the flags are
    known both are empty."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, 1 << CAP_SETUID, 0)))
    parent = s.of_thread(_slot(NR_CAPSET))
    child: dict[str, object] = {}
    prctl_state.note_clone(parent, child, 0)
    assert all(child.get(f) == parent[f] for f in _SETS)
    s.threads[(5, 2)] = child
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, ALL)))
    assert e.value.check == "return.capset_permitted"
    with pytest.raises(Refused) as e:
        cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 2, CAP_SETUID), 0, False)
    assert e.value.check == "return.cap_needed"
    fresh: dict[str, object] = {}
    prctl_state.note_clone(parent, fresh, CLONE_NEWUSER)
    assert CAP_EFFECTIVE not in fresh and CAP_PERMITTED not in fresh
    assert fresh[CAP_INHERITABLE] == parent[CAP_INHERITABLE]
    assert fresh[AMBIENT_OUT] == parent[AMBIENT_OUT]
    known: dict[str, object] = {}
    prctl_state.note_clone(parent, known, CLONE_NEWUSER, flags_known=True)
    assert known[CAP_INHERITABLE] == 0 and known[AMBIENT_OUT] == (1 << 41) - 1


def test_fork_child_keeps_a_setfsuid_s_dropped_fs_set() -> None:
    """setfsuid() took the fs uid off 0 (cap_drop_fs_set() unless CAP_SETUID was out):
    the child's cred is the same (copy_creds()), so its capget() of CAP_SETUID with the
    fs capabilities is refused as the parent's is; under CLONE_NEWUSER not carried."""
    parent: dict[str, object] = {FS_DROPPED: True}
    child: dict[str, object] = {}
    prctl_state.note_clone(parent, child, 0)
    assert child.get(FS_DROPPED) is True
    fresh: dict[str, object] = {}
    prctl_state.note_clone(parent, fresh, CLONE_NEWUSER)
    assert FS_DROPPED not in fresh
