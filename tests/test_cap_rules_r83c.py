"""Round 83c's credential rules (attacks/families/redteam_r83c.py): setgroups() and
unshare() of a namespace without the capability (AF-001, AF-015: return.cap_needed),
cap_emulate_setxuid() as one function and a set*uid keeping the gids (AF-004),
cap_task_fix_setfsuid() (AF-013: return.capset_effective), capset()'s inheritable set
within the old one | the bounding set (AF-011: return.capset_inheritable), and what an
exec keeps of the sets (AF-012, AF-021: create.exec_caps); each with Linux's answer
beside it passing."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED, SECUREBITS
from guardian import cap_needed, exec_caps, setuid_fixup
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_FS_SET,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAP_VALID_MASK,
    FS_DROPPED,
)
from guardian.checks import Refused
from guardian.credentials import _set_by
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
    _stated,
)

NR_SETGROUPS, NR_UNSHARE = NUMBERS["setgroups"], NUMBERS["unshare"]
NR_SETRESUID, NR_SETFSUID = NUMBERS["setresuid"], NUMBERS["setfsuid"]
KEEP = 0xFFFF_FFFF
ROOT = {"ruid": 0, "euid": 0, "suid": 0, "fsuid": 0, "rgid": 0, "egid": 0, "sgid": 0,
        "fsgid": 0}
CAP_CHOWN, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN = 0, 6, 7, 21


def _facts(**known: object) -> object:
    s = _stated()
    s.of_thread(_slot(0)).update({SECUREBITS: 0, **known})
    return s


def test_setgroups_without_cap_setgid_refused() -> None:
    """AF-001: setgroups() 0 with the effective set known to lack CAP_SETGID
    (may_setgroups(): -EPERM); with it, unknown, or answered -EPERM: passes."""
    s = _facts(**{CAP_EFFECTIVE: 0})
    with pytest.raises(Refused) as e:
        cap_needed.check_cap_call(s, _slot(NR_SETGROUPS, 0, 0), 0)  # type: ignore[arg-type]
    assert e.value.check == "return.cap_needed"
    cap_needed.check_cap_call(s, _slot(NR_SETGROUPS, 0, 0), (1 << 64) - 1)  # type: ignore[arg-type]
    cap_needed.check_cap_call(_facts(**{CAP_EFFECTIVE: 1 << CAP_SETGID}),  # type: ignore[arg-type]
                              _slot(NR_SETGROUPS, 0, 0), 0)
    cap_needed.check_cap_call(_facts(), _slot(NR_SETGROUPS, 0, 0), 0)  # type: ignore[arg-type]


def test_unshare_namespace_without_cap_sys_admin_refused() -> None:
    """AF-015: unshare(CLONE_NEWUTS) 0 lacking CAP_SYS_ADMIN (unshare_nsproxy_namespaces():
    -EPERM); with CLONE_NEWUSER (the new namespace's full set), CLONE_FS alone, or
    CAP_SYS_ADMIN held: passes."""
    s = _facts(**{CAP_EFFECTIVE: 0})
    for flags in (0x0400_0000, 0x20000, 0x4000_0000):       # NEWUTS, NEWNS, NEWNET
        with pytest.raises(Refused) as e:
            cap_needed.check_cap_call(s, _slot(NR_UNSHARE, flags), 0)  # type: ignore[arg-type]
        assert e.value.check == "return.cap_needed"
    cap_needed.check_cap_call(s, _slot(NR_UNSHARE, 0x1400_0000), 0)  # type: ignore[arg-type]
    cap_needed.check_cap_call(s, _slot(NR_UNSHARE, 0x200), 0)  # type: ignore[arg-type]
    cap_needed.check_cap_call(_facts(**{CAP_EFFECTIVE: 1 << CAP_SYS_ADMIN}),  # type: ignore[arg-type]
                              _slot(NR_UNSHARE, 0x0400_0000), 0)


def test_setresuid_keeps_the_gids() -> None:
    """AF-004: setresuid(-1, 65534, -1) leaves the gids known (__sys_setresuid() sets
    uids alone), so the setgid() after it is judged."""
    after = _set_by(_slot(NR_SETRESUID, KEEP, 65534, KEEP), 0, dict(ROOT))
    assert after["euid"] == 65534 and after["rgid"] == 0 and after["sgid"] == 0


def test_emulate_setxuid_one_function() -> None:
    """AF-004: euid 0 -> 65534 alone empties the effective set, the permitted one stays;
    euid back to 0 gives the effective set the permitted one (the claim euid_back); every
    uid off 0 clears ambient and (no SECURE_KEEP_CAPS) permitted; SECBIT_NO_SETUID_FIXUP:
    nothing."""
    s = _facts(**{CAP_PERMITTED: ALL})
    slot = _slot(NR_SETRESUID, KEEP, 65534, KEEP)
    setuid_fixup.note_setxuid(s, slot, dict(ROOT), _set_by(slot, 0, dict(ROOT)))  # type: ignore[arg-type]
    facts = s.of_thread(slot)  # type: ignore[attr-defined]
    assert facts[CAP_EFFECTIVE] == 0 and facts[CAP_PERMITTED] == ALL
    back = _slot(NR_SETRESUID, KEEP, 0, KEEP)
    before = {**ROOT, "euid": 65534}
    setuid_fixup.note_setxuid(s, back, before, _set_by(back, 0, before))  # type: ignore[arg-type]
    assert facts[CAP_EFFECTIVE] == ALL
    s = _facts()
    off = _slot(NUMBERS["setuid"], 65534)
    setuid_fixup.note_setxuid(s, off, dict(ROOT), _set_by(off, 0, dict(ROOT)))  # type: ignore[arg-type]
    facts = s.of_thread(off)  # type: ignore[attr-defined]
    assert facts[AMBIENT_OUT] == CAP_VALID_MASK and facts[CAP_PERMITTED] == 0
    s = _facts(**{SECUREBITS: 4})
    setuid_fixup.note_setxuid(s, slot, dict(ROOT), _set_by(slot, 0, dict(ROOT)))  # type: ignore[arg-type]
    assert CAP_EFFECTIVE not in s.of_thread(slot)  # type: ignore[attr-defined]


def test_capget_fs_caps_after_root_setfsuid_refused() -> None:
    """AF-013: a root setfsuid(65534) 0: capget() reporting CAP_SETUID with CAP_CHOWN
    is refused (cap_task_fix_setfsuid(): cap_drop_fs_set()); the set without the fs
    capabilities (Linux's answer), or without CAP_SETUID (the fs uid then stayed), passes."""
    s, mem = _facts(), _Memory()
    fs = _slot(NR_SETFSUID, 65534)
    setuid_fixup.note_setfsuid(s, fs, 0, dict(ROOT), _set_by(fs, 0, dict(ROOT)))  # type: ignore[arg-type]
    assert s.of_thread(fs)[FS_DROPPED] is True  # type: ignore[attr-defined]
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))  # type: ignore[arg-type]
    assert e.value.check == "return.capset_effective"
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL & ~CAP_FS_SET, ALL)))  # type: ignore[arg-type]
    _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                         stored=_data(ALL & ~(1 << CAP_SETUID), ALL)))
    s = _facts()                                # setfsuid(0) of fs uid 0: nothing
    zero = _slot(NR_SETFSUID, 0)
    setuid_fixup.note_setfsuid(s, zero, 0, dict(ROOT), dict(ROOT))  # type: ignore[arg-type]
    assert FS_DROPPED not in s.of_thread(zero)  # type: ignore[attr-defined]
    s = _facts()                                # an old id: surely moved, the bits known gone
    before = {**ROOT, "ruid": 1000}
    to_r = _slot(NR_SETFSUID, 1000)
    setuid_fixup.note_setfsuid(s, to_r, 0, before, _set_by(to_r, 0, before))  # type: ignore[arg-type]
    assert s.of_thread(to_r)[CAP_EFFECTIVE] == CAP_VALID_MASK & ~CAP_FS_SET  # type: ignore[attr-defined]


def test_capset_inheritable_outside_bounding_refused() -> None:
    """AF-011: after PR_CAPBSET_DROP(CAP_SETUID) and a capget() reporting an empty
    inheritable set, capset() adding CAP_SETUID to it answered 0 is refused (cap_capset():
    -EPERM); the same sets without it (Linux's 0), or with the bit already inheritable,
    pass."""
    mem = _Memory()
    s = _facts(**{CAPBSET_DROPPED: frozenset({CAP_SETUID})})
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, 0)))  # type: ignore[arg-type]
    assert s.of_thread(_slot(0))[CAP_INHERITABLE] == 0  # type: ignore[attr-defined]
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPSET, V3,  # type: ignore[arg-type]
                             data=_data(ALL, ALL, 1 << CAP_SETUID)))
    assert e.value.check == "return.capset_inheritable"
    s = _facts(**{CAPBSET_DROPPED: frozenset({CAP_SETUID})})
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL, 0)))  # type: ignore[arg-type]
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_CHOWN)))  # type: ignore[arg-type]
    s = _facts(**{CAPBSET_DROPPED: frozenset({CAP_SETUID})})
    _judge(s, mem, _call(mem, NR_CAPGET, V3,  # type: ignore[arg-type]
                         stored=_data(ALL, ALL, 1 << CAP_SETUID)))
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_SETUID)))  # type: ignore[arg-type]
    s = _facts()                                # no drop known: not judged
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL, 1 << CAP_SETUID)))  # type: ignore[arg-type]


def test_exec_keeps_ambient_out_and_bounds_nonroot_sets() -> None:
    """AF-012: what is known out of the ambient set stays out through an exec; AF-021:
    an exec with AT_UID and AT_EUID not 0 and AT_SECURE 0 leaves the permitted and
    effective sets within the ambient one.  A root exec, or a secure one (file
    capabilities, a set-id file), keeps only the ambient fact."""
    kept = exec_caps.collect({AMBIENT_OUT: CAP_VALID_MASK})
    facts: dict[str, object] = {}
    exec_caps.apply(kept, facts, False, 65534, 65534)
    assert facts == {AMBIENT_OUT: CAP_VALID_MASK, CAP_PERMITTED: 0, CAP_EFFECTIVE: 0}
    for secure, ruid, euid in ((False, 0, 0), (True, 65534, 65534), (False, 65534, 0)):
        facts = {}
        exec_caps.apply(kept, facts, secure, ruid, euid)
        assert facts == {AMBIENT_OUT: CAP_VALID_MASK}
    kept = exec_caps.collect({CAP_INHERITABLE: 0, CAPBSET_DROPPED: frozenset({CAP_SETUID})})
    assert kept[CAP_EFFECTIVE] == CAP_VALID_MASK & ~(1 << CAP_SETUID)
    assert exec_caps.collect({CAPBSET_DROPPED: frozenset({CAP_SETUID})}) == {}
