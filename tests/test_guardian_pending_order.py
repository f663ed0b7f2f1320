"""pending_order.wait_takes: a wait (rt_sigtimedwait, a signalfd read) dequeues as a
delivery does, among the signals of its set, from what was known pending at its entry."""

from __future__ import annotations

import struct

import pytest

from guardian import pending_order
from guardian.checks import Refused
from guardian.pending_order import Pending, note_send, snapshot, wait_takes
from guardian.signal_senders import Send

PID = 100
SIGUSR1, SIGUSR2, SIGSEGV = 10, 12, 11
SI_USER = 0
BOTH = (1 << (SIGUSR1 - 1)) | (1 << (SIGUSR2 - 1))


def _kill(signo: int) -> Send:
    return Send(1, signo, PID, None, {PID}, codes=frozenset({SI_USER}))


def _info(signo: int, pid: int = PID, code: int = SI_USER) -> bytes:
    return struct.pack("<iiiiiii", signo, 0, code, 0, pid, 0, 0) + bytes(8)


def _two_killed() -> dict[int, Pending]:
    """SIGUSR2 then SIGUSR1 kill()ed to the program's own process (its shared queue)."""
    sure: dict[int, Pending] = {}
    note_send(sure, _kill(SIGUSR2), SIGUSR2, to_thread=False)
    note_send(sure, _kill(SIGUSR1), SIGUSR1, to_thread=False)
    return sure


def test_a_wait_takes_the_lowest_of_its_set_first() -> None:
    view = snapshot(_two_killed())
    with pytest.raises(Refused) as refused:
        wait_takes(view, SIGUSR2, _info(SIGUSR2), BOTH, {PID}, {PID}, {PID}, 1)
    assert refused.value.check == "signal.pending_order"
    view = snapshot(_two_killed())
    assert wait_takes(view, SIGUSR1, _info(SIGUSR1), BOTH, {PID}, {PID}, {PID}, 1)
    assert SIGUSR1 not in view                      # taken: what is left is known
    assert wait_takes(view, SIGUSR2, _info(SIGUSR2), BOTH, {PID}, {PID}, {PID}, 1)
    assert not view


def test_a_signal_outside_the_set_does_not_go_first() -> None:
    view = snapshot(_two_killed())
    only_usr2 = 1 << (SIGUSR2 - 1)
    wait_takes(view, SIGUSR2, _info(SIGUSR2), only_usr2, {PID}, {PID}, {PID}, 1)
    assert SIGUSR1 in view and SIGUSR2 not in view


def test_another_processes_send_to_the_thread_may_go_first() -> None:
    """A foreign tgkill() lands in the thread's own queue, taken before the shared one:
    its siginfo names the other process, and with no siginfo nothing tells."""
    view = snapshot(_two_killed())
    assert wait_takes(view, SIGUSR2, _info(SIGUSR2, pid=555), BOTH, {PID}, {PID}, {PID}, 1) is None
    view = snapshot(_two_killed())
    assert wait_takes(view, SIGUSR2, b"", BOTH, {PID}, {PID}, {PID}, 1) is None
    assert SIGUSR2 not in view                      # which queue it left: not known


def test_the_siginfo_is_the_first_sends() -> None:
    view = snapshot(_two_killed())
    with pytest.raises(Refused):
        wait_takes(view, SIGUSR1, _info(SIGUSR1, code=-6), BOTH, {PID}, {PID}, {PID}, 1)  # SI_TKILL


def test_the_snapshot_is_a_copy() -> None:
    sure = _two_killed()
    view = snapshot(sure)
    pending_order.taken(view, SIGUSR1, [sure[SIGUSR1].shared])  # type: ignore[list-item]
    assert SIGUSR1 in sure and SIGUSR1 not in view


EAGAIN, EINTR, EFAULT = (1 << 64) - 11, (1 << 64) - 4, (1 << 64) - 14
SIGTIMEDWAIT, READ = 137, 63


def test_a_wait_never_finds_nothing_where_its_set_holds_a_known_signal() -> None:
    """do_sigtimedwait() and signalfd_dequeue() dequeue before they look at the timeout
    or O_NONBLOCK: -EAGAIN (rt_sigtimedwait -EINTR) only where none of the set is known."""
    for nr, ret in ((SIGTIMEDWAIT, EAGAIN), (SIGTIMEDWAIT, EINTR), (READ, EAGAIN)):
        with pytest.raises(Refused) as refused:
            pending_order.check_empty_wait(nr, (BOTH, _two_killed()), ret)
        assert refused.value.check == "signal.pending_order"
    only_other = 1 << (SIGSEGV - 1)
    pending_order.check_empty_wait(SIGTIMEDWAIT, (only_other, _two_killed()), EAGAIN)
    pending_order.check_empty_wait(SIGTIMEDWAIT, (BOTH, _two_killed()), EFAULT)
    pending_order.check_empty_wait(READ, (BOTH, _two_killed()), EINTR)


def test_a_quiet_signal_counts_for_waits_only() -> None:
    """A signal whose action may be SIG_IGN (never set) is taken by a wait, but a
    delivery or a poll that finds it unblocked may have discarded it; a mask change ends
    what is known of it."""
    sure: dict[int, Pending] = {}
    note_send(sure, _kill(SIGSEGV), SIGSEGV, to_thread=False, quiet=True)
    note_send(sure, _kill(SIGUSR1), SIGUSR1, to_thread=False)
    with pytest.raises(Refused):                    # (a wait: SIGSEGV ranks first)
        wait_takes(snapshot(sure), SIGUSR1, _info(SIGUSR1), (1 << 64) - 1, {PID}, {PID},
                   {PID}, 1)
    pending_order.check_lower_first(sure, SIGUSR1, [sure[SIGUSR1].shared],  # type: ignore[list-item]
                                    0, (1 << 64) - 1)
    pending_order.check_zero_poll((1 << (SIGSEGV - 1), sure), 0)
    pending_order.drop_quiet(sure)
    assert SIGSEGV not in sure and SIGUSR1 in sure
