"""status's NoNewPrivs and Seccomp lines (guardian/status_ids.py), the filter calls that
attach one (guardian/raised_signals.py), and the calls that store nothing while asleep
(guardian/lone_thread.py)."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian.lone_thread import asleep_storing_nothing
from guardian.raised_signals import filter_attached
from guardian.status_ids import modes_problem

TEXT = b"Name:\tx\nNoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n"


def test_modes_known_must_be_printed() -> None:
    assert modes_problem(True, False, TEXT % (0, 0, 0))
    assert modes_problem(False, True, TEXT % (0, 0, 0))
    assert not modes_problem(True, True, TEXT % (1, 2, 1))
    # unknown: any value (a launcher may have set either)
    assert not modes_problem(False, False, TEXT % (1, 2, 3))
    assert not modes_problem(False, False, TEXT % (0, 0, 0))


def test_filter_attached_answers() -> None:
    assert filter_attached(0, 0)
    assert filter_attached(8, 4)            # NEW_LISTENER: the listener descriptor
    assert not filter_attached(1, 1234)     # TSYNC: the tid that failed
    assert not filter_attached(0, (1 << 64) - 22)


def test_calls_asleep_storing_nothing() -> None:
    def slot(name: str, *args: int) -> SimpleNamespace:
        return SimpleNamespace(nr=NUMBERS[name], args=(0, *args, 0, 0, 0, 0))
    assert asleep_storing_nothing(slot("sched_yield"))         # type: ignore[arg-type]
    assert asleep_storing_nothing(slot("futex", 128))          # type: ignore[arg-type]
    assert asleep_storing_nothing(slot("nanosleep"))           # type: ignore[arg-type]
    assert not asleep_storing_nothing(slot("futex", 5))        # type: ignore[arg-type]
    assert not asleep_storing_nothing(slot("read"))            # type: ignore[arg-type]


def test_another_threads_status_is_judged_only_while_it_stood_still() -> None:
    """task_state() prints thread 2's cred when the read runs: a setuid() of thread 2
    that entered and returned meanwhile may have replaced it after the print."""
    from guardian.slots import Slot, Space
    from guardian.status_ids import task_creds
    space = Space()
    space.creds[2] = {"uid": 1000}
    reader = Slot(5, 1, None, 0, NUMBERS["read"], (3, 0, 4096), 1, 1)
    reader.returns_at_start = 7
    reg = SimpleNamespace(returns=7, slots={5: reader})
    assert task_creds(reg, space, reader, 2) is not None    # type: ignore[arg-type]
    reg.returns = 8                                         # thread 2's setuid came back
    assert task_creds(reg, space, reader, 2) is None        # type: ignore[arg-type]


def test_own_filters_end_with_their_tree_and_their_number() -> None:
    """A tree's threads end with it (a later process may get its root) and a new thread
    may take an ended one's number: neither inherits an own_filter entry it never made."""
    from guardian.raised_signals import RaisedSignals
    reg = SimpleNamespace(slots={}, group_of=lambda _r, t: t)
    raised = RaisedSignals(reg)  # type: ignore[arg-type]
    raised.start(0x1000, exec_from=False)
    raised.own_filter |= {(0x1000, 1), (0x1000, 2), (0x2000, 1)}
    raised.note_clone(0x1000, 0, 1, 2)                      # thread 2 ended; a new one
    assert (0x1000, 2) not in raised.own_filter
    raised.forget(0x1000)
    assert raised.own_filter == {(0x2000, 1)}
