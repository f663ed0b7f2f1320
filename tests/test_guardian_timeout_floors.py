"""A wait that timed out, and a relative sleep that completed, lasted at least their
timeout (Linux's timers never expire early): CLOCK_MONOTONIC's floor rises from where it
stood at their entry by the timeout (`clock.timeout_elapsed`)."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from emulator.fastuc import UserContext
from guardian.clock_floors import TIMED_CALLS
from guardian.slots import Slot
from tests.test_guardian_result_outputs import ELR, NR, OUT, VA, _refused_by, return_to_user
from tests.test_guardian_result_values import _put
from tests.test_secure_mm import ROOT_A, Scene, build_translating

NS = 10**9
MS = 10**6
MONOTONIC = 1
ETIMEDOUT = (-110) & (1 << 64) - 1
EINTR = (-4) & (1 << 64) - 1
FUTEX_WAIT_PRIVATE, FUTEX_WAIT_BITSET_PRIVATE, FUTEX_CLOCK_REALTIME = 128, 137, 256


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _call(s: Scene, name: str, args: tuple[int, ...], ret: int,
          written: list[tuple[int, int]] | None = None) -> int:
    """Enter `name` (the Guardian notes its timeout and the clock's floor), then return."""
    sid = 900 + len(s.g.decisions)
    slot = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                root=s.b + ROOT_A, thread=1, written=list(written or []))
    s.g.conf.slots[sid] = slot
    if slot.nr in TIMED_CALLS:
        s.g.conf.returns.results.clocks.note_wait(slot)
    status = return_to_user(s, sid, ret)
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def _clock(s: Scene, ns: int) -> int:
    _put(s, OUT, struct.pack("<qq", ns // NS, ns % NS))
    return _call(s, "clock_gettime", (MONOTONIC, OUT), 0, [(OUT, OUT + 16)])


def _timeout(s: Scene, ns: int) -> None:
    _put(s, VA, struct.pack("<qq", ns // NS, ns % NS))


@pytest.mark.parametrize(("name", "args", "ret"), [
    ("futex", (OUT + 64, FUTEX_WAIT_PRIVATE, 0, VA), ETIMEDOUT),
    ("nanosleep", (VA, 0), 0),
])
def test_a_timed_out_wait_lasted_its_timeout(s: Scene, name: str, args: tuple[int, ...],
                                             ret: int) -> None:
    base = 2 * NS
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    assert _call(s, name, args, ret) == Status.OK
    assert _clock(s, base + 4 * MS - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, base + 4 * MS) == Status.OK


def test_an_absolute_futex_wait_that_timed_out_reached_its_deadline(s: Scene) -> None:
    assert _clock(s, 2 * NS) == Status.OK
    _timeout(s, 3 * NS)
    assert _call(s, "futex", (OUT + 64, FUTEX_WAIT_BITSET_PRIVATE, 0, VA, 0, ~0),
                 ETIMEDOUT) == Status.OK
    assert _clock(s, 3 * NS - 1) == Status.ERR_DENIED
    assert _clock(s, 3 * NS) == Status.OK


def test_waits_that_did_not_time_out_or_run_on_realtime_say_nothing(s: Scene) -> None:
    base = 2 * NS
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    assert _call(s, "futex", (OUT + 64, FUTEX_WAIT_PRIVATE, 0, VA), 0) == Status.OK  # woken
    assert _call(s, "nanosleep", (VA, 0), EINTR) == Status.OK                        # cut short
    assert _call(s, "futex", (OUT + 64, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, VA),
                 ETIMEDOUT) == Status.OK                          # CLOCK_REALTIME may jump
    assert _call(s, "ppoll", (0, 0, VA, 0, 8), EINTR) == Status.OK  # a signal came first
    assert _clock(s, base + 1) == Status.OK


def test_without_a_reading_before_the_wait_nothing_is_known(s: Scene) -> None:
    _timeout(s, 4 * MS)
    assert _call(s, "nanosleep", (VA, 0), 0) == Status.OK
    assert _clock(s, 1) == Status.OK


EPOLL_FD = 5


@pytest.mark.parametrize(("name", "args"), [
    ("ppoll", (0, 0, VA, 0, 8)),
    ("pselect6", (0, 0, 0, 0, VA, 0)),
    ("epoll_pwait", (EPOLL_FD, OUT + 64, 1, 4, 0, 8)),           # a timeout of 4 ms
    ("epoll_pwait2", (EPOLL_FD, OUT + 64, 1, VA, 0, 8)),
])
def test_a_readiness_wait_that_timed_out_lasted_its_timeout(s: Scene, name: str,
                                                            args: tuple[int, ...]) -> None:
    base = 2 * NS
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    assert _call(s, name, args, 0) == Status.OK                   # nothing ready: timed out
    assert _clock(s, base + 4 * MS - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, base + 4 * MS) == Status.OK


def test_a_zero_timeout_ends_at_once_and_an_interrupted_wait_is_no_timeout(s: Scene) -> None:
    base = 2 * NS
    assert _clock(s, base) == Status.OK
    _timeout(s, 0)
    assert _call(s, "ppoll", (0, 0, VA, 0, 8), 0) == Status.OK
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    assert _call(s, "pselect6", (0, 0, 0, 0, VA, 0), EINTR) == Status.OK
    assert _clock(s, base + 1) == Status.OK


def _restarted(s: Scene, name: str, args: tuple[int, ...]) -> None:
    """Enter `name`, and have the kernel restart it (the RESUME at its SVC notes it)."""
    slot = Slot(800 + len(s.g.decisions), 1, UserContext(), ELR, NR[name], args,
                root=s.b + ROOT_A, thread=1)
    clocks = s.g.conf.returns.results.clocks
    clocks.note_wait(slot)
    clocks.note_restart(slot)


def test_a_restarted_wait_keeps_the_deadline_of_its_first_entry(s: Scene) -> None:
    """The kernel re-runs a blocked ppoll from its SVC: the re-run continues the first
    wait, so its timeout counts from the first entry, not from the re-run."""
    base, args = 2 * NS, (0, 0, VA, 0, 8, 0)
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    _restarted(s, "ppoll", args)
    assert _clock(s, base + 3 * MS) == Status.OK                   # 3 ms went by meanwhile
    assert _call(s, "ppoll", args, 0) == Status.OK                 # the re-run times out
    assert _clock(s, base + 4 * MS) == Status.OK                   # its first deadline
    assert _clock(s, base + 4 * MS - 1) == Status.ERR_DENIED


def test_another_call_after_a_restart_is_a_new_wait(s: Scene) -> None:
    base, args = 2 * NS, (0, 0, VA, 0, 8, 0)
    assert _clock(s, base) == Status.OK
    _timeout(s, 4 * MS)
    _restarted(s, "ppoll", args)
    assert _clock(s, base + 3 * MS) == Status.OK
    other = (0, 0, VA, 0, 0, 0)                                    # other arguments
    assert _call(s, "ppoll", other, 0) == Status.OK
    assert _clock(s, base + 7 * MS - 1) == Status.ERR_DENIED
