"""Round 80c's rules: the securebits and the capset() effective set are kept through the
credential calls that cannot change them (guardian/cred_kept.py: ksys_unshare() without
CLONE_NEWUSER, set*gid, a set*uid not asking euid 0, a setfsuid() of the same fs uid);
capget()/capset() headers naming the caller by its tid (cap_get_target_pid(),
sys_capset()); a capset() naming another task stores nothing (-EPERM);
`return.capset_subset` (cap_capset()); `return.unshare_threads` (check_unshare_flags());
PR_SET_SECUREBITS of an unknown bit
(cap_task_prctl(), abi/value_ranges.py's ArgBits)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, SECUREBITS_RESET, ArgBits, success_row_for
from guardian import capset_sets, prctl_state, quiet_ranges, securebits_locks
from guardian.checks import Refused
from guardian.slots import Domain, Slot, Space
from guardian.stated_facts import StatedFacts

NR_PRCTL, NR_UNSHARE, NR_SETNS = 167, 97, 268
NR_CAPGET, NR_CAPSET = NUMBERS["capget"], NUMBERS["capset"]
HDR, DATA, OUT = 0x1000, 0x2000, 0x3000
V3 = 0x2008_0522
TID = 4242
FULL = 0x1FF_FFFF_FFFF


EPERM = (1 << 64) - 1


def _slot(nr: int, *args: int, thread: int = 2) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=thread)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


class _Memory:
    def __init__(self) -> None:
        self.bytes: dict[int, bytes] = {}

    def read(self, va: int, n: int, root: int) -> bytes | None:
        raw = self.bytes.get(va)
        return raw[:n] if raw is not None and len(raw) >= n else None


def _caps(eff: int, perm: int) -> bytes:
    return struct.pack("<6I", eff & 0xFFFF_FFFF, perm & 0xFFFF_FFFF, 0,
                       eff >> 32, perm >> 32, 0)


def _call(s: StatedFacts, mem: _Memory, nr: int, ret: int, pid: int = 0,
          tid: int | None = TID) -> None:
    mem.bytes[HDR] = struct.pack("<Ii", V3, pid)
    slot = _slot(nr, HDR, DATA if nr == NR_CAPSET else OUT)
    dom = Domain(id=1, spaces={5: Space()})
    quiet_ranges.note(slot, dom, (slot,), {5: 0}, set())
    capset_sets.note_entry(mem, slot)   # type: ignore[arg-type]
    capset_sets.judge(s, mem, slot, ret, False,      # type: ignore[arg-type]
                      lambda va, n: quiet_ranges.quiet(slot, dom, (slot,), {5: 0},
                                                       [(5, va, va + n)]), tid)


def _emptied() -> tuple[StatedFacts, _Memory]:
    """E: capset() of an empty effective set answered 0; capget() will store a full one."""
    s, mem = _stated(), _Memory()
    mem.bytes[DATA] = _caps(0, FULL)
    mem.bytes[OUT] = _caps(FULL, FULL)
    _call(s, mem, NR_CAPSET, 0)
    return s, mem


def _cred_call(s: StatedFacts, nr: int, *args: int, ret: int = 0) -> None:
    for fact in (SECUREBITS_RESET, CRED_CHANGE) if nr in (NR_UNSHARE, NR_SETNS) \
            else (CRED_CHANGE,):
        prctl_state.note_set(s, _slot(nr, *args), fact, ret)


@pytest.mark.parametrize("nr, args, ret", [
    (NUMBERS["setgid"], (0,), 0),                           # ZW-009: no capability hook
    (NUMBERS["setfsgid"], (0,), 0),
    (NUMBERS["setfsuid"], (0,), 0),                         # ZW-021: the same fs uid
    (NUMBERS["setfsuid"], (65534,), 0),                     # (cap_drop_fs_set(): fewer)
    (NUMBERS["setuid"], (65534,), 0),                       # (cap_emulate_setxuid(): fewer)
    (NUMBERS["setresuid"], (1, 2, 3), 0),
    (NR_UNSHARE, (0x200,), 0),                              # ZW-010: CLONE_FS
    (NR_SETNS, (3, 0x4000_0000), 0),                        # CLONE_NEWNET: no new cred
])
def test_capget_judged_through_calls_that_cannot_raise_the_set(
        nr: int, args: tuple[int, ...], ret: int) -> None:
    s, mem = _emptied()
    _cred_call(s, nr, *args, ret=ret)
    with pytest.raises(Refused) as e:
        _call(s, mem, NR_CAPGET, 0)
    assert e.value.check == "return.capset_effective"


@pytest.mark.parametrize("nr, args, ret", [
    (NUMBERS["setuid"], (0,), 0),                           # euid to 0: effective = permitted
    (NUMBERS["setreuid"], (0xFFFF_FFFF, 0), 0),
    (NUMBERS["setresuid"], (0xFFFF_FFFF, 0, 0xFFFF_FFFF), 0),
    (NUMBERS["setfsuid"], (0,), 65534),                     # fs uid to 0: cap_raise_fs_set()
    (NR_UNSHARE, (0x1000_0000,), 0),                        # CLONE_NEWUSER: CAP_FULL_SET
    (NR_SETNS, (3, 0), 0),                                  # any namespace: maybe a user one
    (NR_SETNS, (3, 0x1000_0000), 0),
])
def test_capget_passes_after_calls_that_may_raise_the_set(
        nr: int, args: tuple[int, ...], ret: int) -> None:
    s, mem = _emptied()
    _cred_call(s, nr, *args, ret=ret)
    _call(s, mem, NR_CAPGET, 0)                             # Linux may answer a full set


def test_securebits_lock_kept_through_unshare_without_a_user_namespace() -> None:
    """ZW-001: ksys_unshare() makes no cred without CLONE_NEWUSER; with it,
    set_cred_user_ns() resets the securebits (the honest neighbour)."""
    s = _stated()
    prctl_state.note_set(s, _slot(NR_PRCTL, 28, 0x30), SECUREBITS_RESET)
    _cred_call(s, NR_UNSHARE, 0x200)
    with pytest.raises(Refused) as e:
        securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))
    assert e.value.check == "return.securebits_locked"
    _cred_call(s, NR_SETNS, 3, 0x4000_0000)                 # setns(CLONE_NEWNET): kept
    with pytest.raises(Refused):
        securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))
    _cred_call(s, NR_UNSHARE, 0x1000_0000)
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))


def test_headers_naming_the_caller_by_its_tid() -> None:
    """ZW-008: capget() of pid == the caller's tid reads its own cred; ZW-015: capset() of
    pid == its tid stores its own set.  Not known tid: not judged."""
    s, mem = _emptied()
    with pytest.raises(Refused):
        _call(s, mem, NR_CAPGET, 0, pid=TID)
    _call(s, mem, NR_CAPGET, 0, pid=TID, tid=None)          # (maybe another task)
    _call(s, mem, NR_CAPGET, 0, pid=TID + 1)                # another task's sets
    s = _stated()
    _call(s, mem, NR_CAPSET, 0, pid=TID)
    with pytest.raises(Refused):
        _call(s, mem, NR_CAPGET, 0)
    mem.bytes[DATA] = _caps(FULL, FULL)
    _call(s, mem, NR_CAPSET, 0, pid=TID)                    # its own capset raised it
    _call(s, mem, NR_CAPGET, 0)


def test_capset_naming_another_task_keeps_the_set() -> None:
    """ZW-025: sys_capset() refuses a pid neither 0 nor the caller's (-EPERM) before any
    cred is made: what was known stays (an answer 0 is refused since AC-006,
    return.capset_target).  Its tid not known: the pid may be its own."""
    s, mem = _emptied()
    mem.bytes[DATA] = _caps(FULL, FULL)
    _call(s, mem, NR_CAPSET, EPERM, pid=1)         # Linux's answer
    with pytest.raises(Refused):
        _call(s, mem, NR_CAPGET, 0)
    with pytest.raises(Refused) as e:
        _call(s, mem, NR_CAPSET, 0, pid=1)
    assert e.value.check == "return.capset_target"
    _call(s, mem, NR_CAPSET, 0, pid=1, tid=None)
    _call(s, mem, NR_CAPGET, 0)


def test_capset_effective_outside_permitted_refused() -> None:
    """ZW-024: cap_capset() -EPERM where the new effective set is not within the new
    permitted one; a subset (and bits past CAP_LAST_CAP, masked) pass."""
    s, mem = _stated(), _Memory()
    mem.bytes[DATA] = _caps(FULL, 0)
    with pytest.raises(Refused) as e:
        _call(s, mem, NR_CAPSET, 0)
    assert e.value.check == "return.capset_subset"
    _call(s, mem, NR_CAPSET, -1 & 0xFFFF_FFFF_FFFF_FFFF)    # (a failure: not judged)
    mem.bytes[DATA] = _caps(0x30, 0x31)
    _call(s, mem, NR_CAPSET, 0)
    mem.bytes[DATA] = _caps(1 << 45, 0)
    _call(s, mem, NR_CAPSET, 0)


def test_securebits_of_an_unknown_bit_refused() -> None:
    """ZW-007: cap_task_prctl(): `arg2 & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS)` -EPERM;
    6.14's SECBIT_EXEC_* (bits 8..11) pass."""
    row = success_row_for("prctl", (28, 1 << 12, 0, 0, 0))
    bits = [t for t in row if isinstance(t, ArgBits)]
    assert bits and all(t.arg == 1 for t in bits)
    assert (1 << 12) & ~bits[0].allowed and (1 << 32) & ~bits[0].allowed
    assert not 0xF3F & ~bits[0].allowed


class _Reg:
    """The registry's thread groups: threads 2 and 3 one group, thread 4 another."""

    def __init__(self, exited: bool = False) -> None:
        self.exited = exited
        self.live_threads: dict[tuple[int, int], set[int]] = {}   # (none made by a clone)
        self.made_threads: set[tuple[int, int]] = set()

    def group_of(self, root: int, thread: int) -> int:
        return 4 if thread == 4 else 0

    def group_exited(self, root: int, thread: int) -> bool:
        return self.exited


def _in_flight(nr: int | None, thread: int, sid: int) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=(), root=5, thread=thread)


def test_unshare_newuser_with_another_live_thread_refused() -> None:
    """ZW-022: check_unshare_flags(): CLONE_NEWUSER (with its CLONE_THREAD) needs
    thread_group_empty(): -EINVAL while another thread of the group is in a call across
    the unshare()."""
    from guardian import unshare_alone
    unshare = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_UNSHARE, args=(0x1000_0000,),
                   root=5, thread=2)
    yielding = _in_flight(NUMBERS["sched_yield"], 3, 9)
    with pytest.raises(Refused) as e:
        unshare_alone.check(_Reg(), unshare, (unshare, yielding),  # type: ignore[arg-type]
                            lambda s: False)
    assert e.value.check == "return.unshare_threads"
    # Honest neighbours: the thread may be gone or another task's, or its call later.
    for others, filtered, reg in (
            ((_in_flight(NUMBERS["exit"], 3, 9),), False, _Reg()),      # exiting
            ((_in_flight(None, 3, 9),), False, _Reg()),                  # no system call
            ((_in_flight(NUMBERS["sched_yield"], 4, 9),), False, _Reg()),  # another process
            ((_in_flight(NUMBERS["sched_yield"], 3, 11),), False, _Reg()),  # entered after
            ((yielding,), True, _Reg()),                                  # a filter may kill it
            ((yielding,), False, _Reg(exited=True))):                     # the group exits
        unshare_alone.check(reg, unshare, (unshare, *others),  # type: ignore[arg-type]
                            lambda s, f=filtered: f)
    fs_only = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_UNSHARE, args=(0x200,), root=5,
                   thread=2)
    unshare_alone.check(_Reg(), fs_only, (fs_only, yielding),  # type: ignore[arg-type]
                        lambda s: False)                         # CLONE_FS: no such test
