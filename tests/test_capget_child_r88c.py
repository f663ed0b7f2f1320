"""`return.userns_caps_full` for capget() of a live CLONE_NEWUSER fork child
(guardian/capget_child.py, AZ-020): cap_get_target_pid() reads the child's cred, whose
pP and pE set_cred_user_ns() filled; Linux's full sets pass, and so does anything where
the child may have changed its cred meanwhile or the pid may name another task."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from guardian import capget_child
from guardian.capset_sets import CAPS_FULL
from guardian.checks import Refused
from guardian.slots import Slot
from tests.test_cap_rules_r81c import V3, _data, _stated

NR_CAPGET = NUMBERS["capget"]
HDR, DATA, CHILD_PID = 0x1000, 0x2000, 34
FULL = (1 << 41) - 1


def _run(stored: bytes, full: bool = True, reaped: bool = False, busy: bool = False,
         ran: bool = False, pid: int = CHILD_PID, tid: int = 32,
         sigchld: dict[int, tuple[int, int, int, int]] | None = None) -> None:
    sigchld = sigchld or {}
    s = _stated()
    s.threads[(9, 34)] = {CAPS_FULL: True} if full else {}
    reg = SimpleNamespace(child_pids={(5, CHILD_PID): 34}, process_of_root={9: 34},
                          was_reaped=lambda _r, _t: reaped,
                          group_of=lambda _r, _t: 0, space_of=lambda _d, _r: SimpleNamespace(
                              handlers_of=lambda _g: sigchld))
    files = SimpleNamespace(stated=s, retired=set(), admission=SimpleNamespace(registry=reg))
    slot = Slot(id=3, domain=1, saved=None, elr=0, nr=NR_CAPGET, args=(HDR, DATA), root=5,
                thread=32)
    head = struct.pack("<Ii", V3, pid)
    slot.asked[HDR] = head
    slot.runs_at_entry = {5: 1, 9: 4}
    mem = {HDR: head, DATA: stored}
    memory = SimpleNamespace(read=lambda va, n, _root: mem[va][:n] if va in mem else None)
    others = [Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["read"], args=(), root=9,
                   thread=34)] if busy else []
    capget_child.check(files, memory, slot, 0, lambda _va, _n: True, tid,  # type: ignore[arg-type]
                       others, {5: 1, 9: 5 if ran else 4})


def test_capget_of_a_newuser_child_reporting_empty_sets_refused() -> None:
    """AZ-020: capget(child) 0 storing empty sets is refused; the full sets (native 6.18:
    `capget(child 20282)=0 eff=ffffffff,1ff perm=ffffffff`) pass."""
    with pytest.raises(Refused) as e:
        _run(_data(0, 0))
    assert e.value.check == "return.userns_caps_full"
    _run(_data(FULL, FULL))


@pytest.mark.parametrize("kw", [
    {"full": False},            # not known full (a plain fork child, or it lowered them)
    {"reaped": True},           # the pid may be another task's
    {"busy": True},             # a call of the child in flight: its capset() may land
    {"ran": True},              # the child returned to user code since the entry
    {"pid": 35},                # a pid the Guardian does not know
    {"pid": 34, "tid": 34},     # the caller's own tid: capset_sets.judge()
    {"sigchld": {17: (1, 0, 0, 0)}},        # SIGCHLD ignored: autoreap, the pid freed
    {"sigchld": {17: (0x400, 2, 0, 0)}},    # SA_NOCLDWAIT: the same
])
def test_capget_of_a_child_not_known_full_passes(kw: dict[str, object]) -> None:
    _run(_data(0, 0), **kw)  # type: ignore[arg-type]
