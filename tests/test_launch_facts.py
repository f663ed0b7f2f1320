"""Round 79c's launch rules (guardian/launch_facts.py): after a set*id call that changed
the known effective id, PR_GET_DUMPABLE answers fs.suid_dumpable, 0 under the README's
launch (`return.suid_dumpable`, commit_creds()); a thread whose no_new_privs is the
launch's clear bit answers PR_GET_NO_NEW_PRIVS 0 and shows "NoNewPrivs:\\t0"
(`return.launch_no_new_privs`, task_no_new_privs()).  Each with Linux's answer beside it,
and under a launch the user stated."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, DUMPABLE, NO_NEW_PRIVS
from guardian import launch_facts, prctl_state
from guardian.checks import Refused
from guardian.result_table import Held, check_table
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

NR_PRCTL, NR_SETUID = 167, NUMBERS["setuid"]
PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_NO_NEW_PRIVS = 3, 4, 39


def _slot(nr: int, *args: int, root: int = 5, thread: int = 2) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=root, thread=thread)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


def _held(s: StatedFacts, filtered: bool = False) -> Held:
    return Held(*(None,) * 8, group=None, stated=s,  # type: ignore[arg-type]
                futex_waiters=None, futex_wakers=None, caps=None,  # type: ignore[arg-type]
                fork_thread=None, racing=lambda slot: False, forked=None,  # type: ignore[arg-type]
                own_pid=None, filtered=lambda slot: filtered)  # type: ignore[arg-type]


def _get(s: StatedFacts, option: int, ret: int, filtered: bool = False, thread: int = 2) -> None:
    check_table(None, _slot(NR_PRCTL, option, 0, 0, 0, 0, 0, thread=thread), ret,  # type: ignore[arg-type]
                _held(s, filtered))


def _setuid(s: StatedFacts, settled: bool = True) -> None:
    """setuid(65534) answered 0 by a thread whose effective uid was 0."""
    slot = _slot(NR_SETUID, 65534, 0, 0, 0, 0, 0)
    prctl_state.note_set(s, slot, CRED_CHANGE)                  # (its Sets term)
    if prctl_state.note_id_change(s, slot, 0, {"euid": 0}):
        launch_facts.note_cred_commit(s.launch, s, slot, settled)


def test_dumpable_after_an_effective_id_change_is_suid_dumpable() -> None:
    s = _stated()
    _setuid(s)
    _get(s, PR_GET_DUMPABLE, 0)                                 # Linux: suid_dumpable 0
    for wrong in (1, 2):
        with pytest.raises(Refused) as e:
            _get(s, PR_GET_DUMPABLE, wrong)
        assert e.value.check == "return.suid_dumpable"


@pytest.mark.parametrize("value", [1, 2])
def test_dumpable_under_a_stated_suid_dumpable(monkeypatch: pytest.MonkeyPatch,
                                               value: int) -> None:
    monkeypatch.setattr(launch_facts.LaunchFacts, "suid_dumpable", value)
    s = _stated()
    _setuid(s)
    _get(s, PR_GET_DUMPABLE, value)
    with pytest.raises(Refused):
        _get(s, PR_GET_DUMPABLE, 0)


def test_dumpable_not_judged_where_unknown() -> None:
    """Another call overlapping the setuid, an unchanged effective id, a later
    PR_SET_DUMPABLE (judged as the value it set), a filter: nothing of suid_dumpable."""
    s = _stated()
    _setuid(s, settled=False)
    _get(s, PR_GET_DUMPABLE, 1)
    s = _stated()
    slot = _slot(NR_SETUID, 0, 0, 0, 0, 0, 0)
    prctl_state.note_set(s, slot, CRED_CHANGE)
    assert not prctl_state.note_id_change(s, slot, 0, {"euid": 0})
    _get(s, PR_GET_DUMPABLE, 1)
    s = _stated()
    _setuid(s)
    prctl_state.note_set(s, _slot(NR_PRCTL, PR_SET_DUMPABLE, 1, 0, 0, 0, 0), DUMPABLE)
    assert launch_facts.FROM_SYSCTL not in s.of_space(_slot(NR_PRCTL))
    _get(s, PR_GET_DUMPABLE, 1)
    s = _stated()
    _setuid(s)
    _get(s, PR_GET_DUMPABLE, 1, filtered=True)


def test_launch_no_new_privs_clear_by_default_and_inherited() -> None:
    s = _stated()
    launch_facts.start(s.launch, s, 5, 2)
    _get(s, PR_GET_NO_NEW_PRIVS, 0)                             # Linux: 0
    with pytest.raises(Refused) as e:
        _get(s, PR_GET_NO_NEW_PRIVS, 1)
    assert e.value.check == "return.launch_no_new_privs"
    s.note_clone(5, 2, 5, 3)                                    # a new thread: its creator's
    with pytest.raises(Refused):
        _get(s, PR_GET_NO_NEW_PRIVS, 1, thread=3)
    _get(s, PR_GET_NO_NEW_PRIVS, 1, filtered=True)              # a filter may answer (TSYNC)


def test_no_new_privs_of_a_thread_that_set_it_or_a_stated_launch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = _stated()
    launch_facts.start(s.launch, s, 5, 2)
    s.threads[(5, 3)] = {NO_NEW_PRIVS: 1}                       # its own PR_SET_NO_NEW_PRIVS
    _get(s, PR_GET_NO_NEW_PRIVS, 1, thread=3)
    s = _stated()
    _get(s, PR_GET_NO_NEW_PRIVS, 1)                             # never started: not known
    monkeypatch.setattr(launch_facts.LaunchFacts, "no_new_privs", True)
    s = _stated()
    launch_facts.start(s.launch, s, 5, 2)
    _get(s, PR_GET_NO_NEW_PRIVS, 1)                             # the launcher's


def test_status_no_new_privs_line() -> None:
    slot = _slot(63, 3, 0, 0)
    launch_facts.check_status_line(slot, b"Name:\tx\nNoNewPrivs:\t0\nSeccomp:\t0\n")
    launch_facts.check_status_line(slot, b"NoNewPrivs:\t1")     # (not a complete line)
    with pytest.raises(Refused) as e:
        launch_facts.check_status_line(slot, b"Name:\tx\nNoNewPrivs:\t1\n")
    assert e.value.check == "return.launch_no_new_privs"
