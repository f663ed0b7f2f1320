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
