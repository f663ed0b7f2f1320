"""Round 81c's capability rules and Linux's answers beside them:
`return.cap_header`, `return.cap_valid_mask` (guardian/cap_header.py: sys_capget(),
sys_capset(), cap_validate_magic(), CAP_VALID_MASK); `return.capset_permitted`
(guardian/capset_sets.py: cap_capset()); `return.cap_needed` (guardian/cap_needed.py:
__sys_setuid(), cap_prctl_drop(), cap_task_prctl()); `return.ambient_cleared`
(cap_capset()'s intersection, cap_emulate_setxuid())."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import AMBIENT_RAISED, CAPBSET_DROPPED, SECUREBITS_RESET
from guardian import cap_header, cap_needed, capset_sets, prctl_state, setuid_fixup
from guardian.checks import Refused
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

NR_CAPGET, NR_CAPSET, NR_SETUID = NUMBERS["capget"], NUMBERS["capset"], NUMBERS["setuid"]
NR_PRCTL = 167
HDR, DATA = 0x1000, 0x2000
V1, V3 = 0x1998_0330, 0x2008_0522
ROOT = {"ruid": 0, "euid": 0, "suid": 0, "fsuid": 0}
CAP_SETUID = 7
ALL = (1 << 41) - 1


def _slot(nr: int, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=2)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


class _Memory:
    def __init__(self) -> None:
        self.bytes: dict[int, bytes] = {}

    def read(self, va: int, n: int, root: int) -> bytes | None:
        raw = self.bytes.get(va)
        return raw[:n] if raw is not None and len(raw) >= n else None


def _data(eff: int, perm: int, inh: int = 0) -> bytes:
    return struct.pack("<6I", eff & 0xFFFF_FFFF, perm & 0xFFFF_FFFF, inh & 0xFFFF_FFFF,
                       eff >> 32, perm >> 32, inh >> 32)


def _call(mem: _Memory, nr: int, version: int, pid: int = 0, data: bytes | None = None,
          stored: bytes | None = None, head_after: int | None = None) -> Slot:
    """A capget or capset slot whose header (and data) the program passed at entry;
    `stored`: what capget stored into the data; `head_after`: the version left."""
    slot = _slot(nr, HDR, DATA if data is not None or stored is not None else 0)
    mem.bytes[HDR] = struct.pack("<Ii", version, pid)
    if data is not None:
        mem.bytes[DATA] = data
    capset_sets.note_entry(mem, slot)  # type: ignore[arg-type]
    if stored is not None:
        mem.bytes[DATA] = stored
    if head_after is not None:
        mem.bytes[HDR] = struct.pack("<Ii", head_after, pid)
    return slot


def _quiet(va: int, n: int) -> bool:
    return True


def _judge(s: StatedFacts, mem: _Memory, slot: Slot, ret: int = 0) -> None:
    cap_header.judge(mem, slot, ret, False, _quiet)  # type: ignore[arg-type]
    capset_sets.judge(s, mem, slot, ret, False, _quiet, 2)  # type: ignore[arg-type]


def test_version_probe_must_store_version_3() -> None:
    """ZZ-009: capget(version 0, NULL) 0 leaves 0x20080522 in the header."""
    mem = _Memory()
    with pytest.raises(Refused) as e:
        _judge(_stated(), mem, _call(mem, NR_CAPGET, 0, head_after=0x2007_1026))
    assert e.value.check == "return.cap_header"
    _judge(_stated(), mem, _call(mem, NR_CAPGET, 0, head_after=V3))       # Linux's answer
    _judge(_stated(), mem, _call(mem, NR_CAPGET, V1))  # a known version, data NULL: 0
    cap_header.judge(mem, _call(mem, NR_CAPGET, 0), 0, True, _quiet)  # type: ignore[arg-type]


def test_capset_unknown_version_refused() -> None:
    """ZZ-020: capset() of version 0x12345678 answered 0; version 3 passes."""
    mem = _Memory()
    with pytest.raises(Refused) as e:
        _judge(_stated(), mem, _call(mem, NR_CAPSET, 0x1234_5678, data=_data(0, 0)))
    assert e.value.check == "return.cap_header"
    _judge(_stated(), mem, _call(mem, NR_CAPSET, V3, data=_data(0, 0)))
    cap_header.judge(mem, _call(mem, NR_CAPSET, 0x1234_5678, data=_data(0, 0)), 0,  # type: ignore[arg-type]
                     False, lambda va, n: False)      # (the header not quiet: not judged)


def test_capget_pid_past_limit_refused() -> None:
    """ZZ-028: capget() of pid 0x7fffffff answered 0 (-ESRCH); a pid below passes."""
    mem = _Memory()
    with pytest.raises(Refused) as e:
        _judge(_stated(), mem, _call(mem, NR_CAPGET, V3, 0x7FFF_FFFF, stored=_data(0, 0)))
    assert e.value.check == "return.cap_header"
    _judge(_stated(), mem, _call(mem, NR_CAPGET, V3, 4_000_000, stored=_data(0, 0)))
    _judge(_stated(), mem, _call(mem, NR_CAPGET, V3, 0x7FFF_FFFF))   # data NULL: 0


def test_capget_bits_past_last_cap_refused() -> None:
    """ZZ-027: a second word past CAP_LAST_CAP (40); 0x1ff (capabilities 32..40) passes."""
    mem = _Memory()
    with pytest.raises(Refused) as e:
        _judge(_stated(), mem, _call(mem, NR_CAPGET, V3, stored=_data(1 << 41, 0)))
    assert e.value.check == "return.cap_valid_mask"
    _judge(_stated(), mem, _call(mem, NR_CAPGET, V3, stored=_data(ALL, ALL)))


def test_permitted_set_never_grows() -> None:
    """ZZ-018, ZZ-023: after capset() of an empty permitted set, capset() of the old one
    and capget() of a full one are refused; the same empty sets pass."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, 0)))
    _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, 0)))        # Linux's answer
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPGET, V3, stored=_data(0, ALL)))
    assert e.value.check == "return.capset_permitted"
    with pytest.raises(Refused) as e:
        _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, ALL)))
    assert e.value.check == "return.capset_permitted"
    s2 = _stated()                      # a smaller set after a full one: Linux's
    _judge(s2, mem, _call(mem, NR_CAPSET, V3, data=_data(0, ALL)))
    _judge(s2, mem, _call(mem, NR_CAPSET, V3, data=_data(0, 1 << CAP_SETUID)))


def _emptied(inh: int = 0) -> tuple[StatedFacts, _Memory]:
    """E: capset() of an empty effective set, the permitted set full."""
    s, mem = _stated(), _Memory()
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, ALL, inh)))
    return s, mem


def test_setuid_without_cap_setuid_refused() -> None:
    """ZZ-011: setuid(65534) 0 after E; setuid(0), the real and saved uid, passes."""
    s, _ = _emptied()
    with pytest.raises(Refused) as e:
        cap_needed.check_setuid(s, _slot(NR_SETUID, 65534), 0, dict(ROOT))
    assert e.value.check == "return.cap_needed"
    cap_needed.check_setuid(s, _slot(NR_SETUID, 0), 0, dict(ROOT))
    cap_needed.check_setuid(s, _slot(NR_SETUID, 65534), -1, dict(ROOT))
    cap_needed.check_setuid(_stated(), _slot(NR_SETUID, 65534), 0, dict(ROOT))  # not known


def test_capbset_drop_without_cap_setpcap_refused() -> None:
    """ZZ-012: PR_CAPBSET_DROP 0 after E; with CAP_SETPCAP effective it passes."""
    s, _ = _emptied()
    with pytest.raises(Refused) as e:
        cap_needed.check_prctl(s, _slot(NR_PRCTL, 24, CAP_SETUID), 0, False)
    assert e.value.check == "return.cap_needed"
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 24, CAP_SETUID), 0, True)     # filtered
    s2, mem = _stated(), _Memory()
    _judge(s2, mem, _call(mem, NR_CAPSET, V3, data=_data(ALL, ALL)))
    cap_needed.check_prctl(s2, _slot(NR_PRCTL, 24, CAP_SETUID), 0, False)


def test_ambient_raise_needs_permitted_inheritable_and_no_secbit() -> None:
    """ZZ-013, ZZ-014: a raise of a capability not inheritable, or under
    SECBIT_NO_CAP_AMBIENT_RAISE, is refused; permitted and inheritable, it passes."""
    raise_setuid = _slot(NR_PRCTL, 47, 2, CAP_SETUID)
    s, _ = _emptied(inh=0)
    with pytest.raises(Refused) as e:
        cap_needed.check_prctl(s, raise_setuid, 0, False)
    assert e.value.check == "return.cap_needed"
    s, _ = _emptied(inh=ALL)
    cap_needed.check_prctl(s, raise_setuid, 0, False)          # Linux's answer
    prctl_state.note_set(s, _slot(NR_PRCTL, 28, 0x40), SECUREBITS_RESET)
    with pytest.raises(Refused):
        cap_needed.check_prctl(s, raise_setuid, 0, False)


def test_ambient_is_set_after_capset_or_setuid_refused() -> None:
    """ZZ-021, ZZ-022: IS_SET 1 after capset() dropped the inheritable bit, or after a
    root setuid(65534); after a raise since, 1 passes."""
    is_set = _slot(NR_PRCTL, 47, 1, CAP_SETUID)
    s, mem = _emptied(inh=ALL)
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 2, CAP_SETUID), 0, False)   # raised
    cap_needed.check_prctl(s, is_set, 1, False)
    _judge(s, mem, _call(mem, NR_CAPSET, V3, data=_data(0, ALL, 0)))
    with pytest.raises(Refused) as e:
        cap_needed.check_prctl(s, is_set, 1, False)
    assert e.value.check == "return.ambient_cleared"
    cap_needed.check_prctl(s, is_set, 0, False)                 # Linux's answer
    s = _stated()
    prctl_state.note_set(s, _slot(NR_PRCTL, 28, 0), SECUREBITS_RESET)
    setuid_fixup.note_setxuid(s, _slot(NR_SETUID, 65534), dict(ROOT),
                              {"ruid": 65534, "euid": 65534, "suid": 65534})
    with pytest.raises(Refused):
        cap_needed.check_prctl(s, is_set, 1, False)
    cap_needed.check_prctl(s, _slot(NR_PRCTL, 47, 2, CAP_SETUID), 0, True)  # filtered raise
    cap_needed.check_prctl(s, is_set, 1, False)                 # (it may have raised it)
    s = _stated()                       # a uid stays 0 (setreuid(65534, -1)): kept
    prctl_state.note_set(s, _slot(NR_PRCTL, 28, 0), SECUREBITS_RESET)
    setuid_fixup.note_setxuid(s, _slot(NR_SETUID, 65534), dict(ROOT),
                              {"ruid": 65534, "euid": 0, "suid": 0})
    cap_needed.check_prctl(s, is_set, 1, False)


def test_facts_used() -> None:
    assert {AMBIENT_RAISED, CAPBSET_DROPPED} <= prctl_state.FACTS


def test_filtered_securebits_set_is_not_followed() -> None:
    """A seccomp filter's 0 to PR_SET_SECUREBITS(SECBIT_NO_CAP_AMBIENT_RAISE) may leave
    the bits as they were: a raise answered 0 then passes; unfiltered it is refused."""
    from guardian.result_table import Held, check_table

    def held(s: StatedFacts, filtered: bool) -> Held:
        return Held(*(None,) * 8, group=None, stated=s,  # type: ignore[arg-type]
                    futex_waiters=None, futex_wakers=None, caps=None,  # type: ignore[arg-type]
                    fork_thread=None, racing=lambda slot: False, forked=None,  # type: ignore[arg-type]
                    own_pid=None, filtered=lambda slot: filtered)  # type: ignore[arg-type]

    raise_setuid = _slot(NR_PRCTL, 47, 2, CAP_SETUID, 0, 0)
    for filtered in (True, False):
        s = _stated()
        check_table(None, _slot(NR_PRCTL, 28, 0x40, 0, 0, 0), 0,  # type: ignore[arg-type]
                    held(s, filtered))
        if filtered:
            cap_needed.check_prctl(s, raise_setuid, 0, False)
        else:
            with pytest.raises(Refused):
                cap_needed.check_prctl(s, raise_setuid, 0, False)
