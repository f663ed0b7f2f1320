"""Round 82c's capability rules and Linux's answers beside them: `return.cap_needed`
for setreuid(), setresuid(), setgid(), setregid(), setresgid() (guardian/cap_needed.py:
__sys_setreuid(), __sys_setresuid(), __sys_setgid() ...); `return.capset_target`
(guardian/capset_sets.py: sys_capset() only for the caller); `return.ambient_cleared`
after PR_CAP_AMBIENT_CLEAR_ALL (cap_task_prctl(): cap_clear(new->cap_ambient))."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import cap_needed
from guardian.checks import Refused
from tests.test_cap_rules_r81c import (
    ALL,
    CAP_SETUID,
    NR_CAPSET,
    NR_PRCTL,
    V3,
    _call,
    _data,
    _emptied,
    _judge,
    _Memory,
    _slot,
    _stated,
)

NR = {n: NUMBERS[n] for n in ("setgid", "setreuid", "setregid", "setresuid", "setresgid")}
IDS = {"ruid": 0, "euid": 0, "suid": 0, "fsuid": 0, "rgid": 0, "egid": 0, "sgid": 0}
KEEP = 0xFFFF_FFFF
CAP_SETGID = 6


@pytest.mark.parametrize("call,args", [
    ("setresuid", (65534, 65534, 65534)),          # AC-001
    ("setreuid", (65534, 65534)),                  # AC-002
    ("setgid", (65534,)),                          # AC-003
    ("setresuid", (KEEP, 65534, KEEP)),
    ("setreuid", (KEEP, 65534)),
    ("setregid", (65534, KEEP)),
    ("setresgid", (KEEP, KEEP, 65534)),
])
def test_set_ids_without_the_capability_refused(call: str, args: tuple[int, ...]) -> None:
    s, _ = _emptied()
    with pytest.raises(Refused) as e:
        cap_needed.check_setuid(s, _slot(NR[call], *args), 0, dict(IDS))
    assert e.value.check == "return.cap_needed"


def test_fixup_back_to_root_refused() -> None:
    """AC-010: after root's setuid(65534) emptied the effective set, setresuid(-1, 0, -1)
    0 is refused (0 none of the old ids 65534)."""
    s = _stated()
    s.of_thread(_slot(NR_PRCTL))[cap_needed.CAP_EFFECTIVE] = 0
    nobody = {"ruid": 65534, "euid": 65534, "suid": 65534}
    with pytest.raises(Refused):
        cap_needed.check_setuid(s, _slot(NR["setresuid"], KEEP, 0, KEEP), 0, nobody)


def test_set_ids_linux_gives_pass() -> None:
    """The honest neighbours: ids among the old ones (setreuid(): the effective uid may
    be the saved one), -1 kept, a failed call, the capability effective, ids unknown."""
    s, _ = _emptied()
    ids = dict(IDS, suid=65534, sgid=65534)
    cap_needed.check_setuid(s, _slot(NR["setresuid"], 0, 65534, KEEP), 0, ids)
    cap_needed.check_setuid(s, _slot(NR["setreuid"], KEEP, 65534), 0, ids)
    cap_needed.check_setuid(s, _slot(NR["setgid"], 65534), 0, ids)
    cap_needed.check_setuid(s, _slot(NR["setresgid"], KEEP, KEEP, KEEP), 0, ids)
    cap_needed.check_setuid(s, _slot(NR["setresuid"], 1, 1, 1), -1, ids)
    cap_needed.check_setuid(s, _slot(NR["setresuid"], 1, 1, 1), 0, {"ruid": 0})
    s2, mem = _stated(), _Memory()      # CAP_SETUID and CAP_SETGID effective
    _judge(s2, mem, _call(mem, NR_CAPSET, V3,
                          data=_data(1 << CAP_SETUID | 1 << CAP_SETGID, ALL)))
    cap_needed.check_setuid(s2, _slot(NR["setresuid"], 1, 1, 1), 0, dict(IDS))
    cap_needed.check_setuid(s2, _slot(NR["setgid"], 1), 0, dict(IDS))
    s3, mem = _stated(), _Memory()      # CAP_SETUID only: a gid call still needs CAP_SETGID
    _judge(s3, mem, _call(mem, NR_CAPSET, V3, data=_data(1 << CAP_SETUID, ALL)))
    cap_needed.check_setuid(s3, _slot(NR["setreuid"], 1, 1), 0, dict(IDS))
    with pytest.raises(Refused):
        cap_needed.check_setuid(s3, _slot(NR["setregid"], 1, 1), 0, dict(IDS))


def test_setreuid_real_may_not_be_the_saved_uid() -> None:
    """__sys_setreuid(): the new real uid may be the old real or effective one only."""
    s, _ = _emptied()
    with pytest.raises(Refused):
        cap_needed.check_setuid(s, _slot(NR["setreuid"], 65534, KEEP), 0,
                                dict(IDS, suid=65534))


def test_capset_of_another_task_refused() -> None:
    """AC-006: capset() of a header naming a pid not the caller's told tid (2) answers
    0: refused; pid 0 and the caller's own tid pass, as does any pid where the tid was
    never told, and a failed call."""
    s, mem = _stated(), _Memory()
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPSET, V3, pid=77, data=_data(0, ALL)))
    assert e.value.check == "return.capset_target"
    _judge(s, mem, _call(mem, NR_CAPSET, V3, pid=77, data=_data(0, ALL)), -1)
    _judge(s, mem, _call(mem, NR_CAPSET, V3, pid=0, data=_data(0, ALL)))
    _judge(s, mem, _call(mem, NR_CAPSET, V3, pid=2, data=_data(0, ALL)))
    from guardian import capset_sets
    slot = _call(mem, NR_CAPSET, V3, pid=77, data=_data(0, ALL))
    capset_sets.judge(s, mem, slot, 0, False, lambda va, n: True, None)  # type: ignore[arg-type]


def test_ambient_is_set_after_clear_all_refused() -> None:
    """AC-009: IS_SET 1 after a raise and CLEAR_ALL answered 0 is refused; 0 passes; a
    filter's CLEAR_ALL 0 notes nothing."""
    is_set = _slot(NR_PRCTL, 47, 1, CAP_SETUID)
    s, _ = _emptied(inh=ALL)
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 2, CAP_SETUID), 0, False)   # raised
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 4, 0), 0, True)             # filtered
    cap_needed.check_prctl(s, is_set, 1, False)
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 4, 0), 0, False)
    with pytest.raises(Refused) as e:
        cap_needed.check_prctl(s, is_set, 1, False)
    assert e.value.check == "return.ambient_cleared"
    cap_needed.check_prctl(s, is_set, 0, False)                 # Linux's answer
    s2 = _stated()                      # nothing known before: CLEAR_ALL alone suffices
    cap_needed.check_prctl(s2, _slot(NR_PRCTL, 47, 4, 0), 0, False)
    with pytest.raises(Refused):
        cap_needed.check_prctl(s2, is_set, 1, False)


def test_setfsuid_without_cap_setuid_keeps_the_fs_uid() -> None:
    """AC-013: without CAP_SETUID effective, setfsuid(65534) of root keeps fs uid 0
    (fs_id_kept() says so; return.credentials then refuses a later answer 65534); an id
    among the old ones, the capability effective or ids unknown: nothing kept."""
    nr_fs, nr_fsg = NUMBERS["setfsuid"], NUMBERS["setfsgid"]
    s, _ = _emptied()
    ids = dict(IDS, fsgid=0)
    assert cap_needed.fs_id_kept(s, _slot(nr_fs, 65534), ids) == ("fsuid", 0)
    assert cap_needed.fs_id_kept(s, _slot(nr_fsg, 65534), ids) == ("fsgid", 0)
    assert cap_needed.fs_id_kept(s, _slot(nr_fs, 0), ids) is None       # Linux sets it
    assert cap_needed.fs_id_kept(s, _slot(nr_fs, 65534), {"ruid": 0}) is None
    s2, mem = _stated(), _Memory()
    _judge(s2, mem, _call(mem, NR_CAPSET, V3, data=_data(1 << CAP_SETUID, ALL)))
    assert cap_needed.fs_id_kept(s2, _slot(nr_fs, 65534), ids) is None
    assert cap_needed.fs_id_kept(s2, _slot(nr_fsg, 65534), ids) == ("fsgid", 0)
