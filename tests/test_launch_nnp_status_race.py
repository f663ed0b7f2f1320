"""`return.launch_no_new_privs` on a /proc status read (guardian/self_reports.py): the
NoNewPrivs line task_seccomp() prints is the bit as it stands during the read, so a call
in flight that sets it is not yet in what the Guardian knows: another thread's
seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) (seccomp_sync_threads():
`if (task_no_new_privs(caller)) task_set_no_new_privs(thread);`) or the named thread's
own prctl(PR_SET_NO_NEW_PRIVS, 1) (task_set_no_new_privs() before its return).  Linux
may print 1 then; the Guardian must let it through."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import NO_NEW_PRIVS
from guardian.checks import Refused
from guardian.raised_signals import RaisedSignals
from guardian.self_reports import SelfReports
from guardian.slots import Slot, Space
from guardian.stated_facts import StatedFacts

ROOT, GROUP = 5, 2
STATUS = b"Name:\tx\nNoNewPrivs:\t1\nSeccomp:\t0\n"


def _reports(others: list[Slot]) -> tuple[SelfReports, Slot, object]:
    reader = Slot(10, 1, None, 0, NUMBERS["read"], (3, 0, 4096), ROOT, 2)
    reader.returns_at_start = 7
    slots = {s.id: s for s in [reader, *others]}
    space = Space()
    reg = SimpleNamespace(slots=slots, returns=7, group_of=lambda _r, _t: GROUP,
                          space_of=lambda _d, _r: space, process_of_root={})
    stated = StatedFacts(lambda slot, fd: None, dict)
    for thread in (2, 3):
        stated.threads[(ROOT, thread)] = {NO_NEW_PRIVS: 0}     # the launch's clear bit
    raised = RaisedSignals(reg)  # type: ignore[arg-type]
    raised.start(ROOT, exec_from=False)
    reports = SelfReports(None, SimpleNamespace(stated=stated), reg,  # type: ignore[arg-type]
                          lambda slot: (0, 0), SimpleNamespace(raised=raised))  # type: ignore[arg-type]
    desc = object()
    reports.opened_by[desc] = (ROOT, GROUP, 0)  # type: ignore[index]
    return reports, reader, desc


def test_status_read_still_judged_with_nothing_in_flight() -> None:
    reports, reader, desc = _reports([])
    with pytest.raises(Refused) as e:
        reports._ids(reader, STATUS, 2, desc)  # type: ignore[arg-type]
    assert e.value.check == "return.launch_no_new_privs"


def test_tsync_filter_in_flight_may_have_set_the_bit() -> None:
    """Thread 3 (no_new_privs 1, its own prctl) is in seccomp(SET_MODE_FILTER, TSYNC):
    seccomp_sync_threads() already set thread 2's bit when thread 2 reads its own
    /proc/thread-self/status."""
    tsync = Slot(11, 1, None, 0, NUMBERS["seccomp"], (1, 1, 0), ROOT, 3)
    reports, reader, desc = _reports([tsync])
    reports.files.stated.threads[(ROOT, 3)][NO_NEW_PRIVS] = 1
    reports._ids(reader, STATUS, 2, desc)  # type: ignore[arg-type]


def test_named_threads_own_set_in_flight() -> None:
    """Thread 3 is in prctl(PR_SET_NO_NEW_PRIVS, 1), entered before thread 2 reads
    /proc/self/task/3/status: task_set_no_new_privs() may have run before the print."""
    setting = Slot(9, 1, None, 0, NUMBERS["prctl"], (38, 1, 0, 0, 0), ROOT, 3)
    reports, reader, desc = _reports([setting])
    reports._ids(reader, STATUS, 3, desc)  # type: ignore[arg-type]
